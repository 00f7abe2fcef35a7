import fc from 'fast-check';
import { caseArbitrary, realize } from '/work/main/src/sim/fuzz/generate.ts';
import { buildScenario } from '/work/main/src/sim/fuzz/model.ts';
import { runScenario } from '/work/main/src/sim/runner.ts';
const be = (process.argv[2] ?? 'domain') as any; const mc = Number(process.argv[3] ?? 250);
const t = { backend: be, delivery: 'directed', parentDomain: 'global' } as const;
const xs = fc.sample(caseArbitrary(mc), { seed: 1, numRuns: 100 });
const ds = xs.map((c) => realize(c, t));
for (const d of ds.slice(0, 20)) runScenario(buildScenario(d.base, d.drafts, []), { memSize: 256 << 10 });
for (const san of [true, false]) {
let t0 = performance.now(); let n = 0; const kinds = new Map();
for (const d of ds) { const r = runScenario(buildScenario(d.base, d.drafts, []), { memSize: 256 << 10, sanitizer: san }); n += r.steps.length; for (const f of r.findings) kinds.set(f.kind, (kinds.get(f.kind)??0)+1); }
const dt = performance.now() - t0;
console.log(be, 'san', san, dt.toFixed(0), 'ms', n, 'steps', (n / dt * 1000).toFixed(0), 'ops/s', (n/100).toFixed(0), 'steps/case', [...kinds]);
}
let t0 = performance.now();
for (const d of ds) runScenario(buildScenario(d.base, [], []), { memSize: 256 << 10 });
console.log('boot only', ((performance.now() - t0)/100).toFixed(2), 'ms');
