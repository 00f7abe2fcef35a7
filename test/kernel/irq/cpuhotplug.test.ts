// SPDX-License-Identifier: GPL-2.0-only
/**
 * CPU hotplug and the disable depth of managed interrupts (Linux 6.16+, 788019eb559f
 * "genirq: Retain disable depth for managed interrupts across CPU hotplug" and its
 * follow-up): irq_shutdown() adds a disable level, irq_startup_managed() removes it and
 * starts the interrupt only at depth 0. Mirrors the kernel's KUnit irq_shutdown_depth_test
 * and irq_cpuhotplug_test (kernel/irq/irq_test.c) with exact depth values.
 */
import { describe, expect, it } from 'vitest';
import { cpumaskCreate, cpumaskPrintList, cpumaskSetCpu } from '../../../src/include/linux/cpumask.ts';
import { IRQ_HANDLED, type IrqChip } from '../../../src/include/linux/irq.ts';
import {
  handlePercpuIrq,
  irqActivate,
  irqShutdownAndDeactivate,
  irqStartupManaged,
} from '../../../src/kernel/irq/chip.ts';
import { irqAffinityOnlineCpu, irqMigrateAllOffCpu } from '../../../src/kernel/irq/cpuhotplug.ts';
import {
  IRQD_ACTIVATED,
  IRQD_AFFINITY_MANAGED,
  IRQD_IRQ_DISABLED,
  IRQD_IRQ_STARTED,
  IRQD_MANAGED_SHUTDOWN,
} from '../../../src/kernel/irq/internals.ts';
import { irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import { irqDomainAllocIrqsInternal } from '../../../src/kernel/irq/irqdomain.ts';
import { disableIrq, enableIrq, freeIrq, requestIrq } from '../../../src/kernel/irq/manage.ts';
import { mkChild, mkKernel, mkParent, recChip } from './helpers.ts';

const handler = () => IRQ_HANDLED;

/** One IRQ on a 2-level hierarchy, managed to `cpus` (or not managed), on a 4-CPU kernel. */
function setup(cpus: number[], managed = true, childChip?: (log: string[]) => IrqChip) {
  const k = mkKernel();
  const log: string[] = [];
  const parent = mkParent(k, log, recChip('P', log));
  const chip = childChip ? childChip(log) : recChip('C', log);
  const child = mkChild(k, parent, log, chip, 'child', handlePercpuIrq);
  const mask = cpumaskCreate();
  for (const c of cpus) cpumaskSetCpu(c, mask);
  const v = irqDomainAllocIrqsInternal(k, child, -1, 1, 0, { parentHw: 0n, childHw: 0n }, false, [
    { mask, isManaged: managed },
  ]);
  const desc = irqToDesc(k, v)!;
  log.length = 0;
  const st = () => desc.irqCommonData.stateUseAccessors;
  const warns = () => k.sim.findings.list.filter((f) => f.kind === 'WARN').map((f) => f.message);
  return { k, log, v, desc, st, warns };
}

describe('managed interrupts across CPU hotplug keep their disable depth', () => {
  it('disable_irq, offline, online, enable_irq: depth 1, 2, 1, 0 and no "Unbalanced enable" WARN', () => {
    const { k, log, v, desc, st, warns } = setup([2]);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    expect(st() & IRQD_AFFINITY_MANAGED).toBe(IRQD_AFFINITY_MANAGED);
    expect(desc.depth).toBe(0);
    disableIrq(k, v);
    expect(desc.depth).toBe(1);

    log.length = 0;
    irqMigrateAllOffCpu(k, 2);
    expect(desc.depth).toBe(2);
    expect(st() & (IRQD_MANAGED_SHUTDOWN | IRQD_IRQ_STARTED | IRQD_ACTIVATED)).toBe(IRQD_MANAGED_SHUTDOWN);
    expect(log).toEqual(['C.shutdown(3)', 'child.deactivate(3)', 'parent.deactivate(3)']);

    log.length = 0;
    irqAffinityOnlineCpu(k, 2);
    // irq_startup_managed(): flag cleared, depth 2 -> 1, no startup; then irq_set_affinity_locked()
    // on the deactivated IRQ goes to the chip (not single-target).
    expect(desc.depth).toBe(1);
    expect(st() & (IRQD_MANAGED_SHUTDOWN | IRQD_IRQ_STARTED | IRQD_ACTIVATED)).toBe(0);
    expect(log).toEqual(['C.set_affinity(3,2,false)']);

    log.length = 0;
    enableIrq(k, v);
    expect(desc.depth).toBe(0);
    expect(st() & (IRQD_IRQ_STARTED | IRQD_ACTIVATED | IRQD_IRQ_DISABLED)).toBe(
      IRQD_IRQ_STARTED | IRQD_ACTIVATED,
    );
    expect(log).toEqual([
      'parent.activate(3)',
      'child.activate(3)',
      'C.set_affinity(3,2,false)',
      'C.startup(3)',
    ]);
    expect(warns()).toEqual([]);
  });

  it('without disable_irq: offline shuts down (depth 1), online starts up again (depth 0) and sets the affinity', () => {
    const { k, log, v, desc, st, warns } = setup([1, 2]);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    irqMigrateAllOffCpu(k, 2);
    // CPU 1 is still online: no shutdown, the chip gets the online part, the mask stays 1-2.
    expect(desc.depth).toBe(0);
    expect(cpumaskPrintList(desc.irqCommonData.affinity)).toBe('1-2');
    log.length = 0;
    irqMigrateAllOffCpu(k, 1);
    expect(desc.depth).toBe(1);
    expect(st() & IRQD_MANAGED_SHUTDOWN).toBe(IRQD_MANAGED_SHUTDOWN);
    expect(cpumaskPrintList(desc.irqCommonData.affinity)).toBe('1-2');
    log.length = 0;
    irqAffinityOnlineCpu(k, 2);
    expect(desc.depth).toBe(0);
    expect(st() & (IRQD_MANAGED_SHUTDOWN | IRQD_IRQ_STARTED)).toBe(IRQD_IRQ_STARTED);
    expect(log).toEqual([
      'parent.activate(3)',
      'child.activate(3)',
      'C.set_affinity(3,2,false)',
      'C.startup(3)',
      'C.set_affinity(3,2,false)',
    ]);
    log.length = 0;
    irqAffinityOnlineCpu(k, 1);
    expect(desc.depth).toBe(0);
    expect(log).toEqual(['C.set_affinity(3,1-2,false)']);
    expect(warns()).toEqual([]);
  });

  it('two disable levels survive two offline/online rounds: 2, 3, 2, then 2, 2 (not started: not shut down again), 1, 0', () => {
    const { k, v, desc, warns } = setup([3]);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    disableIrq(k, v);
    disableIrq(k, v);
    const depths: number[] = [desc.depth];
    for (let i = 0; i < 2; i++) {
      irqMigrateAllOffCpu(k, 3);
      depths.push(desc.depth);
      irqAffinityOnlineCpu(k, 3);
      depths.push(desc.depth);
    }
    enableIrq(k, v);
    depths.push(desc.depth);
    enableIrq(k, v);
    depths.push(desc.depth);
    expect(depths).toEqual([2, 3, 2, 2, 2, 1, 0]);
    expect(desc.irqCommonData.stateUseAccessors & IRQD_IRQ_STARTED).toBe(IRQD_IRQ_STARTED);
    expect(warns()).toEqual([]);
  });

  it('KUnit irq_shutdown_depth_test: disable, shutdown+deactivate, activate, irq_startup_managed: depth 1', () => {
    const { k, v, desc, st, warns } = setup([0]);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    expect(desc.depth).toBe(0);
    disableIrq(k, v);
    expect(desc.depth).toBe(1);
    irqShutdownAndDeactivate(k, desc);
    expect(st() & (IRQD_ACTIVATED | IRQD_IRQ_STARTED)).toBe(0);
    expect(desc.depth).toBe(2);
    expect(irqActivate(k, desc)).toBe(0);
    irqStartupManaged(k, desc);
    expect(desc.depth).toBe(1);
    enableIrq(k, v);
    expect(desc.depth).toBe(0);
    expect(freeIrq(k, v, 'Q')).toBe('q');
    expect(warns()).toEqual([]);
  });

  it('free_irq keeps depth++ semantics: disabled (1) -> freed (2) -> requested again (0), started', () => {
    const { k, v, desc, st, warns } = setup([0, 1]);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    disableIrq(k, v);
    expect(freeIrq(k, v, 'Q')).toBe('q');
    expect(desc.depth).toBe(2);
    expect(st() & IRQD_IRQ_STARTED).toBe(0);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    expect(desc.depth).toBe(0);
    expect(st() & IRQD_IRQ_STARTED).toBe(IRQD_IRQ_STARTED);
    enableIrq(k, v);
    expect(warns()).toEqual([
      'WARNING: CPU: 0 PID: 0 at kernel/irq/manage.c __enable_irq\nUnbalanced enable for IRQ 3',
    ]);
  });

  it('a shut-down managed IRQ freed and requested with its CPUs offline aborts at depth 1', () => {
    const { k, v, desc, st, warns } = setup([2]);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    irqMigrateAllOffCpu(k, 2);
    expect(desc.depth).toBe(1);
    expect(freeIrq(k, v, 'Q')).toBe('q');
    expect(desc.depth).toBe(1);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    // __irq_startup_managed(): no online CPU in the mask: IRQ_STARTUP_ABORT -> depth = 1.
    expect(desc.depth).toBe(1);
    expect(st() & (IRQD_MANAGED_SHUTDOWN | IRQD_IRQ_STARTED)).toBe(IRQD_MANAGED_SHUTDOWN);
    irqAffinityOnlineCpu(k, 2);
    expect(desc.depth).toBe(0);
    expect(st() & (IRQD_MANAGED_SHUTDOWN | IRQD_IRQ_STARTED)).toBe(IRQD_IRQ_STARTED);
    expect(warns()).toEqual([]);
  });

  it('a chip without irq_set_affinity is not migrated: a managed IRQ is not shut down', () => {
    const { k, log, v, desc, st, warns } = setup([2], true, (l) =>
      recChip('C', l, { omit: ['irqSetAffinity'] }),
    );
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    disableIrq(k, v);
    log.length = 0;
    irqMigrateAllOffCpu(k, 2);
    expect(desc.depth).toBe(1);
    expect(st() & (IRQD_MANAGED_SHUTDOWN | IRQD_IRQ_STARTED)).toBe(IRQD_IRQ_STARTED);
    expect(log).toEqual([]);
    expect(k.sim.log.lines.some((l) => l.text === 'IRQ 3: Unable to migrate away')).toBe(true);
    irqAffinityOnlineCpu(k, 2);
    expect(desc.depth).toBe(1);
    enableIrq(k, v);
    expect(desc.depth).toBe(0);
    expect(warns()).toEqual([]);
  });
});

describe('migrate_one_irq of a non-managed IRQ', () => {
  it('gives the chip the online part and keeps the affinity mask (effective == affinity on s390)', () => {
    const { k, log, v, desc } = setup([0, 1], false);
    expect(requestIrq(k, v, handler, 0, 'q', 'Q')).toBe(0);
    const before = cpumaskPrintList(desc.irqCommonData.affinity);
    log.length = 0;
    irqMigrateAllOffCpu(k, 0);
    expect(log).toEqual([`C.set_affinity(3,${before === '0-1' ? '1' : '1-3'},false)`]);
    expect(cpumaskPrintList(desc.irqCommonData.affinity)).toBe(before);
    expect(cpumaskPrintList(desc.irqCommonData.effectiveAffinity)).toBe(before);
  });
});
