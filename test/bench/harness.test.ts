// SPDX-License-Identifier: GPL-2.0-only
/** The bench harness, functionally and with tiny sizes (no timing is asserted). */
import { describe, expect, it } from 'vitest';
import {
  type BenchSizes,
  builtCliPath,
  caseName,
  combineRuns,
  median,
  runCase,
  runCaseInProcess,
} from '../../src/bench/cases.ts';
import {
  createBenchSystem,
  irqFlagsFor,
  runBurst,
  runSingle,
  runSingleAcross,
  runSingleVectors,
  unsupported,
} from '../../src/bench/harness.ts';
import { checkTargets, renderJson, renderText, runSuite, suiteCases } from '../../src/bench/suite.ts';
import { IRQF_NOBALANCING } from '../../src/kernel/irq/internals.ts';

const TINY: BenchSizes = {
  single: 20,
  burstRounds: 2,
  burst: 8,
  reps: 3,
  warmup: 1,
  setupFunctions: 3,
  scaleFunctions: [1, 2],
  scaleVectors: [1, 4],
  memFunctions: 2,
  memVectors: 4,
  cliRuns: 1,
  fuzzOps: 30,
  processes: 1,
};

describe('bench harness', () => {
  for (const backend of ['legacy', 'v1', 'mainline', 'domain'] as const) {
    for (const delivery of ['floating', 'directed'] as const) {
      if (unsupported(backend, delivery)) continue;
      it(`${backend} ${delivery}: every MSI reaches the action handler once (single and burst)`, () => {
        const b = createBenchSystem({ backend, delivery, vectors: 8 });
        expect(b.requestErrors).toEqual([]);
        expect(runSingle(b, 20)).toBe(20);
        expect(runBurst(b, 3, 8)).toBe(24);
        expect(b.hits[0]).toBe(44);
        expect(b.sys.sim.findings.list).toEqual([]);
      });
    }
  }

  it('drives several functions and a subset of vectors', () => {
    const b = createBenchSystem({ backend: 'domain', delivery: 'floating', functions: 3, vectors: 2 });
    expect(b.fids).toEqual([0x100, 0x101, 0x102]);
    expect(runSingleAcross(b, 9)).toBe(9);
    const d = createBenchSystem({ backend: 'domain', delivery: 'directed', vectors: 4 });
    expect(runSingleVectors(d, 8, 4)).toBe(8);
  });

  it('knows the combinations that need care', () => {
    expect(irqFlagsFor('v1')).toBe(IRQF_NOBALANCING);
    expect(irqFlagsFor('domain')).toBe(0);
    expect(unsupported('v1', 'directed')).toMatch(/v1 directed cannot allocate/);
    expect(unsupported('v1', 'floating')).toBe(null);
    expect(() => createBenchSystem({ backend: 'v1', delivery: 'directed' })).toThrow(
      /probe of fid 0x100 failed/,
    );
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
  });
});

describe('bench cases (in process, tiny)', () => {
  it('delivery: median of the repetitions, per-interrupt figures', () => {
    const r = runCaseInProcess(
      { kind: 'delivery', backend: 'domain', delivery: 'directed', sanitizer: true, workload: 'burst' },
      TINY,
    );
    expect(r.unit).toBe('M irq/s');
    expect(r.samples).toHaveLength(3);
    expect(r.value).toBe(median(r.samples));
    expect(Object.keys(r.extra).sort()).toEqual(['cpuMIrqPerS', 'nsPerIrq']);
    expect(r.findings).toBe(0);
  });

  it('scaling, setup/teardown and memory cases', () => {
    const f = runCaseInProcess({ kind: 'scale-functions', backend: 'domain', functions: 2 }, TINY);
    expect([f.unit, f.samples.length]).toEqual(['ns/irq', 3]);
    const v = runCaseInProcess({ kind: 'scale-vectors', backend: 'domain', vectors: 4 }, TINY);
    expect(v.unit).toBe('ns/irq');
    const s = runCaseInProcess(
      { kind: 'setup', backend: 'domain', delivery: 'floating', functions: 3, vectors: 4 },
      TINY,
    );
    expect([s.unit, s.extra['irqs'], s.extra['batch'], s.samples.length]).toEqual(['ms', 12, 3, 3]);
    const m = runCaseInProcess(
      { kind: 'memory', backend: 'domain', delivery: 'floating', functions: 2, vectors: 4 },
      { ...TINY, reps: 1 },
    );
    expect(m.unit).toBe('B/irq');
    expect(m.samples).toHaveLength(1);
    expect(m.extra['bytesPerFunction']).toBeTypeOf('number');
  });

  it('setup reports its cold first run apart from the warm repetitions', () => {
    const s = runCaseInProcess(
      { kind: 'setup', backend: 'domain', delivery: 'directed', functions: 2, vectors: 2 },
      TINY,
    );
    expect(s.extra['firstMs']).toBeGreaterThan(0);
    expect(s.samples).toHaveLength(3);
  });

  it('several processes: medians of the value and of every extra figure', () => {
    const spec = {
      kind: 'setup',
      backend: 'domain',
      delivery: 'floating',
      functions: 1,
      vectors: 1,
    } as const;
    const r = (value: number, cpu: number) => ({
      spec,
      value,
      unit: 'ms',
      samples: [value],
      extra: { cpuMs: cpu },
      findings: 0,
    });
    const c = combineRuns(spec, [r(5, 50), r(1, 10), r(3, 40)]);
    expect([c.value, c.extra['cpuMs'], c.samples]).toEqual([3, 40, [5, 1, 3]]);
    expect(combineRuns(spec, [r(7, 70)]).value).toBe(7);
  });

  it('fuzzing throughput: steps per second of one lane, or a note when there is no fuzzer', async () => {
    const r = await runCase({ kind: 'fuzz', backend: 'domain', delivery: 'floating' }, { ...TINY, reps: 1 });
    expect(r.unit).toBe('ops/s');
    if (Number.isFinite(r.value)) expect(r.samples).toHaveLength(1);
    else expect(r.note).toMatch(/^not measured/);
  });

  it('the CLI case needs the built package', () => {
    expect(builtCliPath()).toBe(null);
    const r = runCaseInProcess({ kind: 'cli' }, TINY);
    expect(Number.isNaN(r.value)).toBe(true);
    expect(r.note).toMatch(/not measured/);
  });
});

describe('bench suite', () => {
  it('lists every backend x delivery x sanitizer x workload, unsupported ones skipped', () => {
    const cases = suiteCases(TINY);
    const delivery = cases.filter((c) => c.spec.kind === 'delivery');
    expect(delivery).toHaveLength(4 * 2 * 2 * 2);
    expect(delivery.filter((c) => c.skipped).map((c) => c.name)).toEqual([
      'delivery single v1 directed sanitizer off',
      'delivery single v1 directed sanitizer on',
      'delivery burst v1 directed sanitizer off',
      'delivery burst v1 directed sanitizer on',
    ]);
    expect(cases.filter((c) => c.spec.kind === 'scale-functions')).toHaveLength(2);
    expect(cases.at(-2)!.name).toBe('fuzzing domain floating');
    expect(cases.at(-1)!.name).toBe(caseName({ kind: 'cli' }));
  });

  it('runs a filtered suite in process and renders text and JSON', async () => {
    const r = await runSuite({
      inProcess: true,
      sizes: TINY,
      filter: 'delivery single domain floating sanitizer off',
    });
    expect(r.rows.map((x) => x.name)).toEqual(['delivery single domain floating sanitizer off']);
    const t = renderText(r);
    expect(t).toContain('delivery single domain floating sanitizer off');
    expect(t).toContain('targets:');
    const j = JSON.parse(renderJson(r)) as { rows: unknown[]; targets: { met: boolean | null }[] };
    expect(j.rows).toHaveLength(1);
    expect(j.targets.filter((x) => x.met !== null)).toHaveLength(1);
  });

  it('judges the targets on the rows it has', () => {
    const row = (spec: Parameters<typeof caseName>[0], value: number) => ({
      name: caseName(spec),
      spec,
      result: { spec, value, unit: '', samples: [value], extra: {}, findings: 0 },
      skipped: null,
    });
    const t = checkTargets([
      row(
        { kind: 'delivery', backend: 'domain', delivery: 'floating', sanitizer: false, workload: 'burst' },
        12,
      ),
      row({ kind: 'scale-functions', backend: 'domain', functions: 1 }, 100),
      row({ kind: 'scale-functions', backend: 'domain', functions: 512 }, 130),
    ]);
    expect(t.find((x) => x.target.startsWith('domain floating burst'))!.met).toBe(true);
    expect(t.find((x) => x.target.startsWith('floating: per-interrupt'))!.met).toBe(false);
    expect(t.find((x) => x.target.startsWith('domain directed burst'))!.met).toBe(null);
  });
});
