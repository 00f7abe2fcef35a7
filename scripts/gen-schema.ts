// SPDX-License-Identifier: GPL-2.0-only
// Writes schemas/scenario.schema.json from the zod schemas in src/sim/scenario/schema.ts.
// Usage: npx tsx scripts/gen-schema.ts [--check]   (--check: exit 1 if the file is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchemaText } from '../src/sim/scenario/schema.ts';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'scenario.schema.json');
const text = scenarioJsonSchemaText();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${out} is stale: run npx tsx scripts/gen-schema.ts`);
    process.exit(1);
  }
  console.log(`${out} is up to date`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
