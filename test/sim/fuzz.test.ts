// SPDX-License-Identifier: GPL-2.0-only
// irqlab fuzz: serializer round trip, saved replays, a fixed-seed run, shrinking a planted bug.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend, registerZpciIrqBackend } from '../../src/arch/s390/pci/backend.ts';
import { renderRunText } from '../../src/cli/report.ts';
import { cpumaskTestCpu } from '../../src/include/linux/cpumask.ts';
import { warn } from '../../src/kernel/panic.ts';
import { compareRuns } from '../../src/sim/diff.ts';
import { fuzzLane, kernelName, runCase } from '../../src/sim/fuzz/engine.ts';
import { caseArbitrary, type FuzzTarget, realize } from '../../src/sim/fuzz/generate.ts';
import { buildScenario, filterValid } from '../../src/sim/fuzz/model.ts';
import { listReplays } from '../../src/sim/fuzz/run.ts';
import { scenarioToYaml } from '../../src/sim/fuzz/serialize.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { loadScenario } from '../../src/sim/scenario/index.ts';
import type { Scenario } from '../../src/sim/scenario/schema.ts';
import '../../src/sim/backends.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOMAIN: FuzzTarget = { backend: 'domain', delivery: 'directed', parentDomain: 'per-bus' };

/** A scenario without positions: what must survive the YAML round trip. */
function strip(s: Scenario): unknown {
  return {
    name: s.name,
    description: s.description,
    machine: s.machine,
    functions: s.functions.map(({ loc: _l, ...f }) => f),
    steps: s.steps.map(({ loc: _l, ...st }) => st),
    schedule: s.schedule,
  };
}

describe('serializer', () => {
  it('loadScenario(scenarioToYaml(s)) is s for 150 generated scenarios (both deliveries)', () => {
    const cases = fc.sample(caseArbitrary(200), { seed: 42, numRuns: 150 });
    let steps = 0;
    cases.forEach((c, i) => {
      const t: FuzzTarget = i % 2 ? DOMAIN : { backend: 'v1', delivery: 'floating', parentDomain: 'global' };
      const { base, drafts } = realize(c, t);
      const s = buildScenario(
        { ...base, name: `rt${i}`, description: 'round trip: a: b, "quoted" #x' },
        drafts,
        c.schedule ?? [],
      );
      steps += s.steps.length;
      const r = loadScenario(scenarioToYaml(s, ['a comment']), 'rt.yaml');
      if (!r.ok) throw new Error(`${r.errors[0]!.message}\n${scenarioToYaml(s)}`);
      expect(strip(r.scenario)).toEqual(strip(s));
    });
    expect(steps).toBeGreaterThan(3000);
  });

  it('every generated sequence is valid for the model (filterValid keeps it whole), both generators', () => {
    for (const style of ['compact', 'commands'] as const) {
      let steps = 0;
      for (const c of fc.sample(caseArbitrary(200, style), { seed: 7, numRuns: 40 })) {
        const { base, drafts } = realize(c, DOMAIN);
        expect(filterValid(base, drafts)).toHaveLength(drafts.length);
        steps += drafts.length;
      }
      expect(steps).toBeGreaterThan(40 * 10);
    }
  });

  it('a driver does not enable_irq() a managed vector while a CPU is offline (kernel WARNs)', () => {
    const kinds = (alloc: string) => {
      const r = loadScenario(
        `name: m
machine: {cpus: 2, delivery: directed, backend: domain}
functions:
  - {fid: 0x20, uid: 2, msix: 16}
steps:
  - bind: {fid: 0x20}
  - alloc: ${alloc}
  - request: {fid: 0x20, vector: all, name: q}
  - disable_irq: {fid: 0x20, vector: 2}
  - cpu_offline: {cpu: 1}
  - enable_irq: {fid: 0x20, vector: 2}
  - cpu_online: {cpu: 1}
  - enable_irq: {fid: 0x20, vector: 2}
`,
        'm.yaml',
      );
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      const s = r.scenario;
      const drafts = s.steps.map(({ index: _i, loc: _l, ...d }) => d) as never;
      return filterValid(s, drafts).map((d) => d.kind);
    };
    expect(kinds('{fid: 0x20, max: 4, affinity: managed}')).toEqual([
      'bind',
      'alloc',
      'request',
      'disable_irq',
      'cpu_offline',
      'cpu_online',
      'enable_irq',
    ]);
    expect(kinds('{fid: 0x20, max: 4}')).toEqual([
      'bind',
      'alloc',
      'request',
      'disable_irq',
      'cpu_offline',
      'enable_irq',
      'cpu_online',
    ]);
  });

  it('writes machine options, CPU lists and expectations the loader reads back', () => {
    const text = `name: opts
machine:
  cpus:
    - {address: 0x20}
    - {address: 0x21, online: false}
  delivery: floating
  directedIrqFacility: true
  forceFloating: true
  aisFacility: false
  backend: mainline
  seed: 9
  options: {floatingCpuSelection: random, summaryEdge: byte, checkNoi: true, directedFallback: [offline]}
functions:
  - {fid: 0x10, uid: 1, msix: 4, maxMsi: 2, name: nic, driver: mlx5}
steps:
  - bind: {fid: 0x10, driver: other}
  - alloc: {fid: 0x10, min: 2, max: 3}
  - expect: {rc: -ENOSPC}
  - request: {fid: 0x10, vector: 1, name: q1, handler: h, returns: none}
  - fire: {fid: 0x10, vector: all, count: 3}
  - run: {ns: 100}
  - expect: {deliveries: {h: {cpu0: 1}}, dropped: 0, pending: 0, findings: [WARN]}
  - snapshot: {view: proc_irq, fid: 0x10, vector: 1, label: p}
  - unbind: {fid: 0x10, cleanup: false}
schedule: [0, 2]
`;
    const a = loadScenario(text, 'o.yaml');
    if (!a.ok) throw new Error(a.errors[0]!.message);
    const b = loadScenario(scenarioToYaml(a.scenario), 'o.yaml');
    if (!b.ok) throw new Error(b.errors[0]!.message);
    expect(strip(b.scenario)).toEqual(strip(a.scenario));
  });
});

describe('saved replays (regressions/)', () => {
  const files = listReplays(join(root, 'regressions'));

  it('there are saved replays, at most 15', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.length).toBeLessThanOrEqual(15);
  });

  for (const path of files) {
    const rel = path.slice(root.length + 1);
    it(`${rel} reproduces its finding byte for byte`, () => {
      const text = readFileSync(path, 'utf8');
      const kind = /kind=(\S+)/.exec(text)?.[1];
      // `fixed-at=<commit>`: the finding is gone since then and must stay gone.
      const fixed = /fixed-at=\S+/.test(text);
      const loaded = loadScenario(text, rel);
      if (!loaded.ok) throw new Error(loaded.errors[0]!.message);
      const s = loaded.scenario;
      const one = runScenario(s);
      const two = runScenario(s);
      expect(renderRunText(s, two)).toBe(renderRunText(s, one));
      if (fixed) {
        expect(one.findings.map((f) => f.kind)).not.toContain(kind);
      } else if (kind === 'difference') {
        const legacy = runScenario(s, { backend: 'legacy' });
        expect(renderRunText(s, runScenario(s, { backend: 'legacy' }))).toBe(renderRunText(s, legacy));
        expect(compareRuns(legacy, one).length).toBeGreaterThan(0);
      } else {
        expect(one.findings.map((f) => f.kind)).toContain(kind);
      }
      // a soft-lockup replay loops until the watchdog's threshold (about 60,000 preemption points)
    }, 30_000);
  }
});

describe('fuzzing', () => {
  it('a fixed-seed run on domain: counts are reproducible and replays reproduce', () => {
    const o = {
      target: DOMAIN,
      differential: false,
      lane: 0,
      seed: 5,
      ops: 400,
      batch: 5,
      maxCommands: 150,
      outDir: 'fuzz-findings',
      maxShrinkRuns: 20,
      batchTimeLimitMs: 1500,
    };
    const a = fuzzLane(o);
    const b = fuzzLane(o);
    expect(a.ops).toBeGreaterThanOrEqual(150);
    expect(b.ops).toBe(a.ops);
    expect(b.cases).toBe(a.cases);
    expect(b.findings.map((f) => f.yaml)).toEqual(a.findings.map((f) => f.yaml));
    for (const f of a.findings) expect(f.reproduced).toBe(true);
  }, 20_000);

  it('differential mode runs every case on two backends', () => {
    const c = fc.sample(caseArbitrary(120), { seed: 3, numRuns: 1 })[0]!;
    const out = runCase(c, { target: DOMAIN, differential: true });
    expect(out).not.toBeNull();
    expect(out!.results).toHaveLength(2);
    expect(out!.results.map((r) => r.backend)).toEqual(['legacy', 'domain']);
  });

  it('shrinks a planted bug to the few steps that need it', () => {
    // A throwaway backend: legacy, but it WARNs when airq bits are allocated while CPU 1 is offline.
    registerZpciIrqBackend('planted-test', () => {
      const real = getBackend('legacy')!;
      return {
        ...real,
        name: 'planted-test',
        zpciIrqInit(k) {
          const rc = real.zpciIrqInit(k);
          const pp = k.preemptPoint;
          k.preemptPoint = (kk, site) => {
            if (site === 'airq_iv_alloc' && !cpumaskTestCpu(1, kk.cpuOnlineMask)) {
              warn(
                kk,
                'arch/s390/pci/pci_irq.c zpci_planted_alloc',
                'planted: vector bits allocated while CPU 1 is offline',
              );
            }
            pp?.(kk, site);
          };
          return rc;
        },
      };
    });
    const r = fuzzLane({
      target: { backend: 'planted-test', delivery: 'floating', parentDomain: 'global' },
      differential: false,
      lane: 0,
      seed: 11,
      ops: 1,
      batch: 200,
      outDir: 'out',
      maxShrinkRuns: 250,
    });
    const planted = r.findings.find((f) => f.text.includes('planted'));
    expect(planted).toBeDefined();
    // cpu_offline 1, bind, alloc (+ the final teardown): at most a couple more
    expect(planted!.steps).toBeLessThanOrEqual(6);
    expect(planted!.yaml).toMatch(/cpu_offline: \{cpu: 1\}/);
    expect(planted!.yaml).toMatch(/- alloc:/);
  }, 20_000);

  it('names backend functions in kernel style', () => {
    expect(kernelName('zpciMsiDomainAlloc')).toBe('zpci_msi_domain_alloc');
    expect(kernelName('Object.zpciSetIrqCtrl')).toBe('zpci_set_irq_ctrl');
  });
});
