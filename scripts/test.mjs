// Runs vitest and prints a closing line CI can count: "vitest: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const out = '.vitest.json';
rmSync(out, { force: true });
const r = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
try {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  passed = j.numPassedTests;
  failed = j.numFailedTests;
} catch {
  failed = 1;
}
console.log(`vitest: ${passed} passed, ${failed} failed`);
process.exit(r.status ?? 1);
