// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { cpumaskCreate, cpumaskPrintList } from '../../../src/include/linux/cpumask.ts';
import { EEXIST, EINVAL, ENOMEM, ENOSPC } from '../../../src/include/linux/errno.ts';
import { noIrqChip } from '../../../src/kernel/irq/dummychip.ts';
import { handleBadIrq } from '../../../src/kernel/irq/handle.ts';
import {
  IRQ_PER_CPU,
  IRQD_AFFINITY_MANAGED,
  IRQD_AFFINITY_SET,
  IRQD_IRQ_DISABLED,
  IRQD_IRQ_MASKED,
  IRQD_MANAGED_SHUTDOWN,
} from '../../../src/kernel/irq/internals.ts';
import {
  genericHandleIrq,
  irqAllocDescs,
  irqAllocDescsInternal,
  irqFreeDesc,
  irqFreeDescs,
  irqGetNextIrq,
  irqToDesc,
  kstatIrqs,
  kstatIrqsCpu,
} from '../../../src/kernel/irq/irqdesc.ts';
import { KernelOops } from '../../../src/sim/findings.ts';
import { mkKernel } from './helpers.ts';

describe('sparse virq allocation (__irq_alloc_descs)', () => {
  it('starts at 3 on s390 and reuses freed numbers lowest-first', () => {
    const k = mkKernel();
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(3);
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(4);
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(5);
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(6);
    irqFreeDesc(k, 5);
    irqFreeDesc(k, 4);
    expect(irqToDesc(k, 4)).toBeNull();
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(4);
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(5);
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(7);
  });

  it('multi-allocation takes the lowest contiguous gap', () => {
    const k = mkKernel();
    expect(irqAllocDescs(k, -1, 1, 8)).toBe(3); // 3..10
    irqFreeDescs(k, 4, 2); // holes 4,5
    irqFreeDescs(k, 7, 3); // holes 7,8,9
    expect(irqAllocDescs(k, -1, 1, 3)).toBe(7);
    expect(irqAllocDescs(k, -1, 1, 3)).toBe(11);
    expect(irqAllocDescs(k, -1, 1, 2)).toBe(4);
    expect(irqGetNextIrq(k, 0)).toBe(3);
  });

  it('nr_irqs grows and never shrinks; errors as the kernel', () => {
    const k = mkKernel({ irqLimit: 16 });
    expect(irqAllocDescs(k, -1, 1, 5)).toBe(3);
    expect(k.nrIrqs).toBe(8);
    irqFreeDescs(k, 3, 5);
    expect(k.nrIrqs).toBe(8);
    expect(irqAllocDescs(k, -1, 1, 0)).toBe(-EINVAL);
    expect(irqAllocDescs(k, 5, 6, 1)).toBe(-EINVAL); // from > irq
    expect(irqAllocDescs(k, 5, 5, 1)).toBe(5);
    expect(irqAllocDescs(k, 5, 5, 1)).toBe(-EEXIST);
    expect(irqAllocDescs(k, -1, 1, 14)).toBe(-ENOSPC);
  });

  it('descriptor defaults (desc_set_defaults)', () => {
    const k = mkKernel();
    const v = irqAllocDescs(k, -1, 1, 1);
    const d = irqToDesc(k, v)!;
    expect(d.irqCommonData.stateUseAccessors).toBe(IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED);
    expect(d.depth).toBe(1);
    expect(d.handleIrq).toBe(handleBadIrq);
    expect(d.irqData.chip).toBe(noIrqChip);
    expect(d.irqData.chip.name).toBe('none');
    expect(d.kstatIrqs.length).toBe(4);
    expect(cpumaskPrintList(d.irqCommonData.affinity)).toBe('0-3');
    expect(d.irqCommonData.desc).toBe(d);
  });

  it('affinity descriptors set AFFINITY_SET and, when managed, MANAGED|MANAGED_SHUTDOWN', () => {
    const k = mkKernel();
    const aff = [
      { mask: cpumaskCreate(0), isManaged: false },
      { mask: cpumaskCreate(2, 3), isManaged: true },
    ];
    const v = irqAllocDescsInternal(k, -1, 1, 2, 0, aff);
    expect(v).toBe(3);
    expect(irqToDesc(k, 3)!.irqCommonData.stateUseAccessors).toBe(
      IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED | IRQD_AFFINITY_SET,
    );
    expect(irqToDesc(k, 4)!.irqCommonData.stateUseAccessors).toBe(
      IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED | IRQD_AFFINITY_SET | IRQD_AFFINITY_MANAGED | IRQD_MANAGED_SHUTDOWN,
    );
    expect(cpumaskPrintList(irqToDesc(k, 4)!.irqCommonData.affinity)).toBe('2-3');
    expect(irqAllocDescsInternal(k, -1, 1, 1, 0, [{ mask: cpumaskCreate(), isManaged: false }])).toBe(
      -EINVAL,
    );
  });

  it('alloc_desc failure unwinds the descriptors already created (-ENOMEM)', () => {
    const k = mkKernel();
    k.sim.faults.arm('alloc_desc', 3);
    expect(irqAllocDescs(k, -1, 1, 4)).toBe(-ENOMEM);
    for (let i = 0; i < 10; i++) expect(irqToDesc(k, i)).toBeNull();
    k.sim.faults.arm('irq_alloc_descs', 2);
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(-ENOMEM);
    expect(irqAllocDescs(k, -1, 1, 1)).toBe(3);
  });

  it('irq_free_descs: ignored beyond nr_irqs; a never-allocated virq below nr_irqs Oopses as in the kernel', () => {
    const k = mkKernel();
    irqAllocDescs(k, -1, 1, 3); // 3..5, nr_irqs 6
    irqFreeDescs(k, 100, 1);
    irqFreeDescs(k, 5, 2); // reaches beyond nr_irqs: whole call ignored
    expect(irqToDesc(k, 5)).not.toBeNull();
    expect(k.sim.findings.count()).toBe(0);
    irqFreeDesc(k, 4);
    expect(() => irqFreeDesc(k, 4)).toThrow(KernelOops);
    const f = k.sim.findings.list[0]!;
    expect(f.kind).toBe('Oops');
    expect(f.message).toContain('NULL irq_desc at kernel/irq/proc.c unregister_irq_proc');
  });

  it('a freed descriptor is marked freed (with its level-0 irq_data)', () => {
    const k = mkKernel();
    const v = irqAllocDescs(k, -1, 1, 1);
    const d = irqToDesc(k, v)!;
    irqFreeDesc(k, v);
    expect(d.freed).toBe(true);
    expect(d.irqData.freed).toBe(true);
  });
});

describe('entry points and kstat', () => {
  it('generic_handle_irq: -EINVAL without desc; handle_bad_irq counts per CPU and total', () => {
    const k = mkKernel();
    expect(genericHandleIrq(k, 3)).toBe(-EINVAL);
    const v = irqAllocDescs(k, -1, 1, 1);
    k.currentCpu = 2;
    expect(genericHandleIrq(k, v)).toBe(0);
    const d = irqToDesc(k, v)!;
    expect(Array.from(d.kstatIrqs)).toEqual([0, 0, 1, 0]);
    expect(d.totCount).toBe(1);
    expect(k.sim.log.lines.at(-1)!.text).toBe('unexpected IRQ trap at vector 03');
    expect(kstatIrqsCpu(k, v, 2)).toBe(1);
    expect(kstatIrqs(k, v)).toBe(1);
  });

  it('kstat_irqs sums per-CPU counts only for per-CPU descs', () => {
    const k = mkKernel();
    const v = irqAllocDescs(k, -1, 1, 1);
    const d = irqToDesc(k, v)!;
    d.kstatIrqs[0] = 5;
    d.kstatIrqs[3] = 2;
    expect(kstatIrqs(k, v)).toBe(0);
    d.statusUseAccessors |= IRQ_PER_CPU;
    expect(kstatIrqs(k, v)).toBe(7);
  });
});
