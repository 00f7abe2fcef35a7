import fc from 'fast-check';
import { caseArbitrary, realize } from '/work/main/src/sim/fuzz/generate.ts';
import { buildScenario } from '/work/main/src/sim/fuzz/model.ts';
import { runScenario } from '/work/main/src/sim/runner.ts';
const t = { backend: 'domain', delivery: 'directed', parentDomain: 'global' } as const;
let t0 = performance.now();
const xs = fc.sample(caseArbitrary(250), { seed: 1, numRuns: 100 });
const ds = xs.map((c) => realize(c, t));
console.log('gen+realize', (performance.now() - t0).toFixed(0), 'ms', ds.reduce((a, d) => a + d.drafts.length, 0), 'steps');
t0 = performance.now(); let n = 0;
for (const d of ds) { const r = runScenario(buildScenario(d.base, d.drafts, []), { memSize: 256 << 10 }); n += r.steps.length; }
console.log('run', (performance.now() - t0).toFixed(0), 'ms', n, 'steps');
t0 = performance.now(); n = 0;
for (const d of ds) { const r = runScenario(buildScenario(d.base, d.drafts, []), { memSize: 256 << 10, sanitizer: false }); n += r.steps.length; }
console.log('run nosan', (performance.now() - t0).toFixed(0), 'ms', n, 'steps');
t0 = performance.now(); n = 0;
for (const d of ds) { const r = runScenario(buildScenario(d.base, [], []), { memSize: 256 << 10 }); n += 1; }
console.log('boot only', (performance.now() - t0).toFixed(0), 'ms', n);
