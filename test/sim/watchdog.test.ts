// SPDX-License-Identifier: GPL-2.0-only
// The soft-lockup detector of `irqlab run` (src/sim/watchdog.ts): a planted kernel loop, the
// legacy MSI-X retry loop (regressions/), and runs it must leave alone.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend, registerZpciIrqBackend } from '../../src/arch/s390/pci/backend.ts';
import { renderRunText } from '../../src/cli/report.ts';
import { getArchMsiOps, setArchMsiOps } from '../../src/drivers/pci/msi/legacy.ts';
import type { Kernel } from '../../src/kernel/kernel.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { loadScenario } from '../../src/sim/scenario/index.ts';
import type { Scenario } from '../../src/sim/scenario/schema.ts';
import { SAMPLE_PERIOD_NS, SOFTLOCKUP_THRESH_S, WATCHDOG_POINTS_PER_SAMPLE } from '../../src/sim/watchdog.ts';
import '../../src/sim/backends.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MESSAGE = 'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [irqlab:1]';

function load(text: string, file = 't.yaml'): Scenario {
  const r = loadScenario(text, file);
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.scenario;
}

/** Iterations of the planted loop in the last run. */
let plantedIterations = 0;

// A throwaway backend: legacy, but arch_setup_msi_irqs() loops for ever on a preemption point.
registerZpciIrqBackend('lockup-test', () => {
  const real = getBackend('legacy')!;
  return {
    ...real,
    name: 'lockup-test',
    zpciIrqInit(k: Kernel) {
      const rc = real.zpciIrqInit(k);
      const ops = getArchMsiOps(k)!;
      setArchMsiOps(k, {
        ...ops,
        archSetupMsiIrqs: function zpciPlantedSetup(kk: Kernel): number {
          plantedIterations = 0;
          for (;;) {
            plantedIterations++;
            kk.preemptPoint?.(kk, 'planted');
          }
        },
      });
      return rc;
    },
  };
});

const LOCKUP = { backend: 'lockup-test' } as const;
const PLANTED = `name: planted
machine: {cpus: 2, delivery: floating, backend: legacy}
functions:
  - {fid: 0x10, uid: 1, msix: 4}
steps:
  - bind: {fid: 0x10}
  - alloc: {fid: 0x10, max: 4}
  - fire: {fid: 0x10, vector: 0}
`;

describe('soft-lockup watchdog', () => {
  it('models the kernel thresholds: 20 s, sampled every 4 s, reported at 22 units of 2^30 ns', () => {
    expect(SOFTLOCKUP_THRESH_S).toBe(20);
    expect(SAMPLE_PERIOD_NS).toBe(4e9);
    expect(WATCHDOG_POINTS_PER_SAMPLE).toBe(10_000);
    // six samples without progress: 24e9 ns >> 30 = 22 > 20; five: 18
    expect(Math.floor((6 * SAMPLE_PERIOD_NS) / 2 ** 30)).toBe(22);
    expect(Math.floor((5 * SAMPLE_PERIOD_NS) / 2 ** 30)).toBe(18);
  });

  it('fires on a planted loop: exact message, call chain, dmesg, and the run stops there', () => {
    const s = load(PLANTED, 'planted.yaml');
    const r = runScenario(s, LOCKUP);
    expect(r.stopped).toBe(true);
    expect(r.steps.map((x) => [x.kind, x.rc])).toEqual([
      ['bind', 0],
      ['alloc', null],
    ]);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.kind).toBe('soft-lockup');
    expect(f.message).toBe(MESSAGE);
    expect(f.step).toBe(1);
    expect(f.callChain.slice(0, 3)).toEqual([
      'zpciPlantedSetup',
      'archSetupMsiIrqs',
      'pciMsiLegacySetupMsiIrqs',
    ]);
    expect(f.callChain).toContain('__pciEnableMsixRange');
    expect(f.callChain).toContain('pciAllocIrqVectorsAffinity');
    // the first sample of the step touches the watchdog, six more without progress report
    expect(plantedIterations).toBeGreaterThan(6 * WATCHDOG_POINTS_PER_SAMPLE);
    expect(plantedIterations).toBeLessThanOrEqual(7 * WATCHDOG_POINTS_PER_SAMPLE);
    const dmesg = r.dmesg.split('\n');
    const at = dmesg.findIndex((l) => l.endsWith(MESSAGE));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(dmesg[at + 1]).toMatch(/\] CPU: 0 PID: 1 Comm: irqlab$/);
    expect(dmesg[at + 2]).toMatch(
      /\] Call Trace: zpciPlantedSetup <- archSetupMsiIrqs <- pciMsiLegacySetupMsiIrqs <- /,
    );
    // deterministic: the same run twice gives the same output
    const first = plantedIterations;
    const again = runScenario(s, LOCKUP);
    expect(plantedIterations).toBe(first);
    expect(renderRunText(s, again)).toBe(renderRunText(s, r));
    expect(renderRunText(s, r)).toContain(
      'the run stopped at the soft lockup: the modelled CPU never leaves the loop\nresult: FAIL\n',
    );
    expect(renderRunText(s, r)).not.toContain('stopped at the Oops');
  });

  it('the sample period is configurable (RunOverrides.watchdog) and scales the detection point', () => {
    const s = load(PLANTED, 'planted.yaml');
    const r = runScenario(s, { ...LOCKUP, watchdog: 100 });
    expect(r.findings.map((f) => f.message)).toEqual([MESSAGE]);
    expect(plantedIterations).toBeGreaterThan(600);
    expect(plantedIterations).toBeLessThanOrEqual(700);
  });

  it('does not fire on the default scenario, and does not change its output', () => {
    const s = load(readFileSync(join(root, 'examples/default.yaml'), 'utf8'), 'examples/default.yaml');
    for (const o of [{}, { backend: 'legacy', delivery: 'floating' as const }]) {
      const on = runScenario(s, o);
      const off = runScenario(s, { ...o, watchdog: false });
      expect(on.findings.filter((f) => f.kind === 'soft-lockup')).toEqual([]);
      expect(on.stopped).toBe(false);
      expect(renderRunText(s, on)).toBe(renderRunText(s, off));
      expect(on.dmesg).toBe(off.dmesg);
    }
  });

  it('interrupt traffic is progress: a long delivery step does not fire even with a short sample period', () => {
    const s = load(`name: traffic
machine: {cpus: 2, delivery: directed, backend: domain}
functions:
  - {fid: 0x10, uid: 1, msix: 4}
steps:
  - bind: {fid: 0x10}
  - alloc: {fid: 0x10, max: 4}
  - request: {fid: 0x10, vector: all, handler: h}
  - fire: {fid: 0x10, vector: all, count: 2000}
  - expect: {deliveries: {h: 8000}, findings: none}
`);
    const r = runScenario(s, { watchdog: 20 });
    expect(r.findings).toEqual([]);
    expect(r.expectFailures).toEqual([]);
    expect(r.stopped).toBe(false);
  });
});
