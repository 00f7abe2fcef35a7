// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { cpumaskPrintList } from '../../../src/include/linux/cpumask.ts';
import {
  groupCpusEvenly,
  irqCalcAffinityVectors,
  irqCreateAffinityMasks,
} from '../../../src/kernel/irq/affinity.ts';
import { mkKernel } from './helpers.ts';

const lists = (m: { mask: Parameters<typeof cpumaskPrintList>[0] }[]) =>
  m.map((x) => cpumaskPrintList(x.mask));

describe('group_cpus_evenly / irq_create_affinity_masks', () => {
  it('4 CPUs into 3 groups: {0,1},{2},{3}', () => {
    const k = mkKernel();
    expect(groupCpusEvenly(k, 3)!.map(cpumaskPrintList)).toEqual(['0-1', '2', '3']);
    expect(groupCpusEvenly(k, 1)!.map(cpumaskPrintList)).toEqual(['0-3']);
    expect(groupCpusEvenly(k, 6)!.map(cpumaskPrintList)).toEqual(['0', '1', '2', '3']);
  });

  it('present (online) CPUs first, then the other possible CPUs from the next group', () => {
    const k = mkKernel({ online: [0, 1] });
    expect(groupCpusEvenly(k, 4)!.map(cpumaskPrintList)).toEqual(['0', '1', '2', '3']);
    expect(groupCpusEvenly(k, 2)!.map(cpumaskPrintList)).toEqual(['0,2', '1,3']);
    const k8 = mkKernel({ nrCpuIds: 8, online: [0, 1, 2] });
    // pass 1: {0},{1},{2}; pass 2 starts at group 3 and wraps: 5 CPUs in 4 groups, the first gets 2
    expect(groupCpusEvenly(k8, 4)!.map(cpumaskPrintList)).toEqual(['0,5', '1,6', '2,7', '3-4']);
  });

  it('pre/post vectors get the default affinity and are not managed', () => {
    const k = mkKernel();
    const m = irqCreateAffinityMasks(k, 6, { preVectors: 1, postVectors: 1 })!;
    expect(lists(m)).toEqual(['0-3', '0', '1', '2', '3', '0-3']);
    expect(m.map((x) => x.isManaged)).toEqual([false, true, true, true, true, false]);
    const m2 = irqCreateAffinityMasks(k, 8, { preVectors: 0, postVectors: 0 })!;
    expect(lists(m2)).toEqual(['0', '1', '2', '3', '0-3', '0-3', '0-3', '0-3']);
    expect(m2.every((x) => x.isManaged)).toBe(true);
    expect(irqCreateAffinityMasks(k, 2, { preVectors: 1, postVectors: 1 })).toBeNull();
    k.sim.faults.arm('group_cpus_evenly');
    expect(irqCreateAffinityMasks(k, 4, { preVectors: 0, postVectors: 0 })).toBeNull();
  });

  it('irq_calc_affinity_vectors caps at possible CPUs', () => {
    const k = mkKernel({ nrCpuIds: 8, online: [0, 1] });
    expect(irqCalcAffinityVectors(k, 1, 32, { preVectors: 1, postVectors: 0 })).toBe(9);
    expect(irqCalcAffinityVectors(k, 1, 4, { preVectors: 1, postVectors: 0 })).toBe(4);
    expect(irqCalcAffinityVectors(k, 1, 32, { preVectors: 2, postVectors: 0 })).toBe(0);
  });
});
