import fc from 'fast-check';
import { caseArbitrary, realize } from '/work/main/src/sim/fuzz/generate.ts';
import { buildScenario } from '/work/main/src/sim/fuzz/model.ts';
import { runScenario } from '/work/main/src/sim/runner.ts';
const t = { backend: 'domain', delivery: 'directed', parentDomain: 'global' } as const;
const xs = fc.sample(caseArbitrary(250), { seed: 1, numRuns: 100 });
const ds = xs.map((c) => realize(c, t));
let t0 = performance.now(); let n = 0;
for (let k=0;k<3;k++) for (const d of ds) { const r = runScenario(buildScenario(d.base, d.drafts, []), { memSize: 256 << 10 }); n += r.steps.length; }
console.log('run', (performance.now() - t0).toFixed(0), 'ms', n, 'steps');
