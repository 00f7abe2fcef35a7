// SPDX-License-Identifier: GPL-2.0-only
/**
 * One bench case in a process of its own: `node --expose-gc worker.js '<json>'` where the
 * JSON is {spec, sizes}; prints the CaseResult as JSON on stdout.
 */
import { type BenchSizes, type CaseSpec, runCase } from './cases.ts';

const arg = process.argv[2];
if (!arg) {
  process.stderr.write('usage: worker.js \'{"spec": ..., "sizes": ...}\'\n');
  process.exit(2);
}
const { spec, sizes } = JSON.parse(arg) as { spec: CaseSpec; sizes: BenchSizes };
const r = await runCase(spec, sizes);
process.stdout.write(
  JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
);
