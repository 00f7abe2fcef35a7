// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import {
  IRQEXT_EMS,
  IRQEXT_EXC,
  initIRQ,
  irqStatCpu,
  s390AttachMachine,
} from '../../../src/arch/s390/kernel/irq.ts';
import {
  CSD_FLAG_LOCK,
  csdCreate,
  initCsd,
  smpCallFunctionSingleAsync,
  smpCpuGetCpuAddress,
  smpFindProcessorId,
  smpPrepareCpus,
  smpState,
} from '../../../src/arch/s390/kernel/smp.ts';
import { Machine } from '../../../src/hw/s390x/machine.ts';
import { PhysMem } from '../../../src/hw/s390x/memory.ts';
import { cpumaskClearCpu } from '../../../src/include/linux/cpumask.ts';
import { EBUSY, ENXIO } from '../../../src/include/linux/errno.ts';
import { irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import { Kernel } from '../../../src/kernel/kernel.ts';
import { Sim } from '../../../src/sim/sim.ts';

function boot(nrCpus = 3): { k: Kernel; m: Machine } {
  const sim = new Sim(1);
  const mem = new PhysMem();
  const m = new Machine(sim, mem, { nrCpus });
  const k = new Kernel(sim, { nrCpuIds: nrCpus });
  s390AttachMachine(k, m);
  initIRQ(k);
  expect(smpPrepareCpus(k)).toBe(0);
  return { k, m };
}

describe('CPU addresses', () => {
  it('smp_cpu_get_cpu_address returns the machine address, not the logical number', () => {
    const { k, m } = boot(3);
    expect([0, 1, 2].map((c) => smpCpuGetCpuAddress(k, c))).toEqual([0, 1, 2].map((c) => m.cpuAddress(c)));
    expect(smpCpuGetCpuAddress(k, 1)).not.toBe(1);
    expect(smpFindProcessorId(k, m.cpuAddress(2))).toBe(2);
    expect(smpFindProcessorId(k, 0xffff)).toBe(-1);
  });
});

describe('smp_call_function_single_async', () => {
  it('queues, sends one IPI, runs the function on the target in EXT context, counts EMS/EXC there', () => {
    const { k, m } = boot(3);
    const ran: string[] = [];
    const csd = csdCreate();
    initCsd(
      csd,
      (kk, info) => ran.push(`cpu${kk.currentCpu} hardirq${kk.hardirqCount} ${String(info)}`),
      'x',
    );
    expect(smpCallFunctionSingleAsync(k, 2, csd)).toBe(0);
    expect(csd.flags & CSD_FLAG_LOCK).toBe(CSD_FLAG_LOCK);
    expect(smpCallFunctionSingleAsync(k, 2, csd)).toBe(-EBUSY); // still queued
    expect(ran).toEqual([]);
    m.run();
    expect(ran).toEqual(['cpu2 hardirq1 x']);
    expect(csd.flags & CSD_FLAG_LOCK).toBe(0);
    // the idle target waits enabled: emergency signal
    expect(irqStatCpu(k, 2, IRQEXT_EMS)).toBe(1);
    expect(irqStatCpu(k, 2, IRQEXT_EXC)).toBe(0);
    expect(irqToDesc(k, 0)!.kstatIrqs[2]).toBe(1); // "EXT" line on the target
    expect(k.currentCpu).toBe(0);
    // a running target gets an external call
    smpState(k).senseRunning = 'always';
    expect(smpCallFunctionSingleAsync(k, 2, csd)).toBe(0);
    m.run();
    expect(irqStatCpu(k, 2, IRQEXT_EXC)).toBe(1);
    expect(ran.length).toBe(2);
  });

  it('two csds for the same CPU: one IPI (the queue was not empty), both run oldest first', () => {
    const { k, m } = boot(2);
    const ran: string[] = [];
    const a = csdCreate();
    const b = csdCreate();
    initCsd(a, () => ran.push('a'), null);
    initCsd(b, () => ran.push('b'), null);
    expect(smpCallFunctionSingleAsync(k, 1, a)).toBe(0);
    expect(smpCallFunctionSingleAsync(k, 1, b)).toBe(0);
    expect(smpState(k).sigpSent[1]).toBe(1);
    m.run();
    expect(ran).toEqual(['a', 'b']);
    expect(irqStatCpu(k, 1, IRQEXT_EMS)).toBe(1);
  });

  it('to the current CPU: runs inline at once, csd unlocked before the call', () => {
    const { k } = boot(2);
    const csd = csdCreate();
    let flagsSeen = -1;
    initCsd(
      csd,
      (kk) => {
        flagsSeen = csd.flags;
        expect(kk.currentCpu).toBe(0);
      },
      null,
    );
    expect(smpCallFunctionSingleAsync(k, 0, csd)).toBe(0);
    expect(flagsSeen).toBe(0);
    expect(smpState(k).sigpSent[0]! + smpState(k).sigpSent[1]!).toBe(0);
  });

  it('to an offline or invalid CPU: -ENXIO, the function never runs, the csd is unlocked', () => {
    const { k, m } = boot(3);
    cpumaskClearCpu(2, k.cpuOnlineMask);
    let ran = 0;
    const csd = csdCreate();
    initCsd(
      csd,
      () => {
        ran++;
      },
      null,
    );
    expect(smpCallFunctionSingleAsync(k, 2, csd)).toBe(-ENXIO);
    expect(smpCallFunctionSingleAsync(k, 7, csd)).toBe(-ENXIO);
    m.run();
    expect(ran).toBe(0);
    expect(csd.flags).toBe(0);
  });

  it('an async csd may be re-queued from its own function (unlocked before the call)', () => {
    const { k, m } = boot(2);
    const csd = csdCreate();
    let runs = 0;
    initCsd(
      csd,
      (kk) => {
        runs++;
        if (runs === 1) {
          // from CPU 1, queue it to CPU 0
          expect(smpCallFunctionSingleAsync(kk, 0, csd)).toBe(0);
        }
      },
      null,
    );
    expect(smpCallFunctionSingleAsync(k, 1, csd)).toBe(0);
    m.run();
    expect(runs).toBe(2);
  });
});
