import { fuzzLane } from '/work/main/src/sim/fuzz/engine.ts';
const mc = Number(process.argv[2] ?? 800); const be = (process.argv[3] ?? 'domain') as any; const dl = (process.argv[4] ?? 'directed') as any;
const r = fuzzLane({ target: { backend: be, delivery: dl, parentDomain: 'global' }, differential: false, lane: 0, seed: 7, ops: 30000, outDir: 'out', maxCommands: mc, maxShrinkRuns: 1500 });
console.log(mc, { ops: r.ops, caseOps: r.caseOps, cases: r.cases, invalid: r.invalid, repaired: r.repaired, ms: r.elapsedMs.toFixed(0), opsPerS: (r.ops / r.elapsedMs * 1000).toFixed(0), findings: r.findings.length });
import { writeFileSync, mkdirSync } from 'node:fs';
mkdirSync('/tmp/fz2', { recursive: true });
for (const f of r.findings) { writeFileSync('/tmp/fz2/' + f.fileName, f.yaml); console.log('--', f.signature, f.steps, f.reproduced, '\n', f.text.slice(0, 700)); }
