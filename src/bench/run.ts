// SPDX-License-Identifier: GPL-2.0-only
/**
 * `npm run bench` = build + `node dist/bench/run.js [--format json] [--quick] [--filter TEXT]
 * [--in-process]`. Progress goes to stderr, the report to stdout. Each case runs in a worker
 * process of its own (node --expose-gc) unless --in-process.
 */
import { renderJson, renderText, runSuite } from './suite.ts';

function usage(): never {
  process.stderr.write(
    'usage: run.js [--format text|json] [--json] [--quick] [--filter TEXT] [--in-process]\n',
  );
  process.exit(2);
}

const args = process.argv.slice(2);
let json = false;
let quick = false;
let inProcess = false;
let filter: string | undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--json') json = true;
  else if (a === '--format') {
    const f = args[++i];
    if (f !== 'json' && f !== 'text') usage();
    json = f === 'json';
  } else if (a === '--quick') quick = true;
  else if (a === '--in-process') inProcess = true;
  else if (a === '--filter') {
    filter = args[++i];
    if (filter === undefined) usage();
  } else usage();
}

const report = await runSuite({
  quick,
  inProcess,
  ...(filter !== undefined ? { filter } : {}),
  progress: (l) => process.stderr.write(`${l}\n`),
});
process.stdout.write(json ? renderJson(report) : renderText(report));
