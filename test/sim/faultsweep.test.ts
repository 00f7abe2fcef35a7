// SPDX-License-Identifier: GPL-2.0-only
// The fault-injection sweep (src/sim/faultsweep.ts) on a small scenario: a throwaway
// backend planted here (the legacy backend whose arch_setup_msi_irqs() reports success
// whatever happened) is caught swallowing the REG_INT_D failure; the domain backend has
// no findings; the replay reproduces the faulted run.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend, registerZpciIrqBackend } from '../../src/arch/s390/pci/backend.ts';
import { getArchMsiOps, setArchMsiOps } from '../../src/drivers/pci/msi/legacy.ts';
import { kernelCallChain, replayText, sweepFaults } from '../../src/sim/faultsweep.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { loadScenario } from '../../src/sim/scenario/index.ts';
import type { Scenario } from '../../src/sim/scenario/schema.ts';

/** The planted defect: a failing arch_setup_msi_irqs() is reported to the PCI/MSI core as success. */
registerZpciIrqBackend('planted-swallow', () => {
  const inner = getBackend('legacy')!;
  return {
    ...inner,
    name: 'planted-swallow',
    zpciIrqInit(k) {
      const rc = inner.zpciIrqInit(k);
      const ops = getArchMsiOps(k)!;
      const setup = ops.archSetupMsiIrqs!;
      setArchMsiOps(k, {
        ...ops,
        archSetupMsiIrqs: (kk, dev, nvec, type) => {
          const r = setup(kk, dev, nvec, type);
          return Math.max(r, 0);
        },
      });
      return rc;
    },
    zpciIrqExit: (k) => inner.zpciIrqExit(k),
  };
});

/** A small domain scenario (test/fixtures/scenarios/small.yaml), shared with the check command's tests. */
const SMALL_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scenarios', 'small.yaml');
const SMALL = readFileSync(SMALL_PATH, 'utf8');

function load(text: string): Scenario {
  const r = loadScenario(text, 'small.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.scenario;
}

describe('fault-injection sweep', () => {
  const s = load(SMALL);

  it('finds the planted swallowed REG_INT_D failure, with what differed and a replay', () => {
    const r = sweepFaults(s, {
      overrides: { backend: 'planted-swallow' },
      points: ['mpcifc.REG_INT_D.cc1'],
      sourceText: SMALL,
      replayArgs: '--backend planted-swallow',
    });
    expect(r.baseline.expectFailures).toEqual([]);
    expect(r.reached).toEqual([{ point: 'mpcifc.REG_INT_D.cc1', boot: false, calls: 1, tried: 1 }]);
    expect([r.runs, r.tolerated, r.honoured, r.byDesign.length, r.notFired]).toEqual([1, 0, 0, 0, 0]);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.kind).toBe('swallowed-fault');
    expect([f.point, f.occurrence, f.boot, f.step, f.stepKind, f.line]).toEqual([
      'mpcifc.REG_INT_D.cc1',
      1,
      false,
      1,
      'alloc',
      10,
    ]);
    expect(f.owner).toBe('MPCIFC REG_INT_D');
    expect(f.differences).toEqual(['handler nic ran CPU 0 0 (fault-free 4)']);
    expect(f.crash).toBeNull();
    expect(f.callChain.slice(0, 4)).toEqual(['__mpcifc', 'zpciModFc', 'zpciSetDirectedIrq', 'zpciSetIrq']);
    expect(f.callChain).toContain('archSetupMsiIrqs');
    expect(f.explanation).toContain('No step returned a different code: the error never reached the driver');
    expect(f.replayNote).toBeNull();
    const lines = f.replay!.split('\n');
    expect(lines[0]).toBe(
      '# Replay of an irqlab check finding; run it with: irqlab run FILE --backend planted-swallow',
    );
    expect(lines.slice(8, 11)).toEqual([
      'steps:',
      "  # irqlab check: the fault-injection sweep's fault (swallowed-fault: MPCIFC REG_INT_D fails in step 2, alloc, line 13 of this file)",
      '  - fault: {point: mpcifc.REG_INT_D.cc1, occurrence: 1}',
    ]);
    expect(lines[12]).toBe('  - alloc: {fid: 0x10, min: 1, max: 4, type: msix}');

    // The replay reproduces the faulted run: the alloc succeeds, no interrupt arrives.
    const replay = runScenario(load(f.replay!), { backend: 'planted-swallow' });
    expect(replay.steps.map((x) => x.rc).slice(0, 3)).toEqual([null, 0, 4]);
    expect(replay.deliveries).toEqual([{ handler: 'nic', perCpu: [0, 0], total: 0 }]);
    expect(replay.expectFailures.map((e) => e.message)).toEqual([
      'handler nic: expected 4 invocations, got 0',
    ]);
  });

  it('the same fault on the legacy backend is tolerated: pci_msi_setup_check_result() makes the core retry', () => {
    const r = sweepFaults(s, { overrides: { backend: 'legacy' }, points: ['mpcifc.REG_INT_D.cc1'] });
    expect([r.runs, r.tolerated, r.honoured, r.findings.length]).toEqual([1, 1, 0, 0]);
  });

  it('the full sweep of the planted backend: exact counts, the planted faults among them', () => {
    const r = sweepFaults(s, { overrides: { backend: 'planted-swallow' } });
    expect([r.reached.length, r.runs, r.tolerated, r.honoured, r.byDesign.length, r.notFired]).toEqual([
      40, 73, 24, 27, 13, 0,
    ]);
    expect(r.findings.map((f) => `${f.kind} ${f.point}#${f.occurrence}`)).toEqual([
      'swallowed-fault mpcifc.DEREG_INT_D.cc1#1',
      'swallowed-fault mpcifc.REG_INT_D.cc1#1',
      'swallowed-fault mpcifc.REG_INT_D.cc3#1',
      'unhandled-fault msi_alloc_desc#1',
      'unhandled-fault msi_alloc_desc#2',
      'unhandled-fault msi_alloc_desc#3',
      'unhandled-fault msi_insert_desc#1',
      'unhandled-fault msi_insert_desc#2',
      'unhandled-fault msi_insert_desc#3',
    ]);
    // legacy's own: arch_teardown_msi_irqs() on a zdev that never had MSI set up
    const oops = r.findings[4]!;
    expect(oops.crash).toBe('Oops');
    expect(oops.crashChain.slice(0, 2)).toEqual(['airqIvFree', 'archTeardownMsiIrqs']);
    expect(oops.differences).toEqual([
      "new Oops at step 1 (alloc, line 10): Oops: NULL pointer dereference: Cannot read properties of null (reading 'freed')",
      'the run stopped at an Oops in step 1 (alloc, line 10)',
    ]);
  });

  it('finds nothing on the domain backend', () => {
    for (const parentDomain of ['global', 'per-bus'] as const) {
      const r = sweepFaults(s, { overrides: { backend: 'domain', parentDomain } });
      expect(r.findings).toEqual([]);
      expect([r.runs, r.tolerated + r.honoured + r.byDesign.length]).toEqual([r.runs, r.runs]);
      // 85 + 3 occurrences each of pcilg.cc2 (boot and steps) and pcistg.cc2, all tolerated (retried)
      expect(r.runs).toBe(94);
    }
  });

  it('boot faults: deliberate panics and SIC program checks are by design', () => {
    const r = sweepFaults(s, { overrides: { backend: 'domain' }, points: ['irq_alloc_descs', 'sic.pgm'] });
    expect(r.findings).toEqual([]);
    expect(r.byDesign.map((d) => `${d.point}${d.boot ? ' boot' : ''} #${d.occurrence}`)).toEqual([
      'irq_alloc_descs boot #1',
      'sic.pgm boot #1',
      'sic.pgm boot #2',
      'sic.pgm boot #3',
      'sic.pgm #1',
      'sic.pgm #2',
      'sic.pgm #3',
    ]);
    expect(r.byDesign[0]!.reason).toBe(
      'the kernel panics during boot, as it does: Kernel panic - not syncing: early_irq_init: -12',
    );
  });

  it('--no-boot and the occurrence bound', () => {
    const r = sweepFaults(s, { overrides: { backend: 'domain' }, boot: false, maxOccurrence: 1 });
    expect(r.reached.every((p) => !p.boot && p.tried === 1)).toBe(true);
    expect(r.runs).toBe(r.reached.length);
  });
});

describe('replayText', () => {
  it('inserts the fault step first, keeping comments and indentation', () => {
    const text = 'name: x\nsteps:\n    # first\n    - run\n';
    expect(replayText(text, 'clp.enable', 2)).toBe(
      "# Replay of an irqlab check finding\nname: x\nsteps:\n    # irqlab check: the fault-injection sweep's fault\n    - fault: {point: clp.enable, occurrence: 2}\n    # first\n    - run\n",
    );
  });

  it('gives null without a block-style steps list', () => {
    expect(replayText('name: x\nsteps: [run]\n', 'clp.enable', 1)).toBeNull();
  });
});

describe('kernelCallChain', () => {
  it('keeps kernel frames, drops machine and simulation frames, collapses repeats, stops at the runner', () => {
    const stack = [
      'Error: fault',
      '    at inj.shouldFail (/r/src/sim/faultsweep.ts:1:1)',
      '    at regIntD (/r/src/hw/s390x/zpci.ts:1:1)',
      '    at zpciSetIrq (/r/src/arch/s390/pci/pci_irq.legacy.ts:1:1)',
      '    at Object.archSetupMsiIrqs [as archSetupMsiIrqs] (/r/src/arch/s390/pci/pci_irq.legacy.ts:2:1)',
      '    at archSetupMsiIrqs (/r/src/drivers/pci/msi/legacy.ts:3:1)',
      '    at runStep (/r/src/sim/runner.ts:1:1)',
      '    at after (/r/src/kernel/x.ts:1:1)',
    ].join('\n');
    expect(kernelCallChain(stack)).toEqual(['zpciSetIrq', 'archSetupMsiIrqs']);
  });
});
