import fc from 'fast-check';
import { caseArbitrary, realize } from '/work/main/src/sim/fuzz/generate.ts';
for (const mc of [60, 200]) {
  const xs = fc.sample(caseArbitrary(mc), { seed: 1, numRuns: 200 });
  const lens = xs.map((c) => realize(c, { backend: 'domain', delivery: 'directed', parentDomain: 'global' }).drafts.length);
  lens.sort((a, b) => a - b);
  console.log(mc, 'mean', lens.reduce((a, b) => a + b, 0) / lens.length, 'median', lens[100], 'p90', lens[180]);
}
