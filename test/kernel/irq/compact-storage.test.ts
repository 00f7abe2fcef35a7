// SPDX-License-Identifier: GPL-2.0-only
// Compact storage (issue 7): copy-on-write cpumasks with the shared mark in the words, the
// descriptor with its embedded irq_common_data, the msi_desc with its embedded msg and pci.
import { describe, expect, it } from 'vitest';
import {
  cpumaskAlloc,
  cpumaskAnd,
  cpumaskClear,
  cpumaskClearCpu,
  cpumaskCopy,
  cpumaskCreate,
  cpumaskList,
  cpumaskSetCpu,
} from '../../../src/include/linux/cpumask.ts';
import type { Device } from '../../../src/include/linux/device.ts';
import { irqAllocDescs, irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import { msiDescTemplate, msiDescTemplateReset } from '../../../src/kernel/irq/msi.ts';
import { mkKernel } from './helpers.ts';

describe('cpumask copy-on-write', () => {
  it('a copy shares the words until one side writes; each write changes only its own mask', () => {
    const a = cpumaskCreate(1, 3);
    const b = cpumaskAlloc();
    const c = cpumaskAlloc();
    cpumaskCopy(b, a);
    cpumaskCopy(c, a);
    expect(b.bits).toBe(a.bits);
    cpumaskSetCpu(5, b);
    expect(cpumaskList(a)).toEqual([1, 3]);
    expect(cpumaskList(b)).toEqual([1, 3, 5]);
    expect(cpumaskList(c)).toEqual([1, 3]);
    cpumaskClearCpu(1, a); // a's words are still shared with c: a gets its own
    expect(cpumaskList(a)).toEqual([3]);
    expect(cpumaskList(c)).toEqual([1, 3]);
    cpumaskClear(c);
    expect(cpumaskList(c)).toEqual([]);
    expect(cpumaskList(b)).toEqual([1, 3, 5]);
  });

  it('a no-op write to a shared mask does not copy; cpumask_and() equal to an operand shares it', () => {
    const a = cpumaskCreate(0, 2);
    const b = cpumaskAlloc();
    cpumaskCopy(b, a);
    const words = b.bits;
    cpumaskSetCpu(2, b);
    cpumaskClearCpu(7, b);
    expect(b.bits).toBe(words);
    const d = cpumaskCreate(9);
    expect(cpumaskAnd(d, a, cpumaskCreate(0, 1, 2, 3))).toBe(true);
    expect(d.bits).toBe(a.bits);
    cpumaskSetCpu(4, d);
    expect(cpumaskList(a)).toEqual([0, 2]);
    expect(cpumaskList(d)).toEqual([0, 2, 4]);
  });

  it('a mask has only its words (no per-mask flag)', () => {
    expect(Object.keys(cpumaskAlloc())).toEqual(['bits']);
  });
});

describe('irq_desc with embedded irq_common_data', () => {
  it('irqCommonData, irq_data.common and container_of(common) are the descriptor itself', () => {
    const k = mkKernel();
    const irq = irqAllocDescs(k, -1, 1, 1);
    const desc = irqToDesc(k, irq)!;
    expect(desc.irqCommonData).toBe(desc);
    expect(desc.irqData.common).toBe(desc);
    expect(desc.irqCommonData.desc).toBe(desc);
    expect(desc.affinityHint).toBeNull();
    expect(Object.hasOwn(desc, 'affinityHint')).toBe(false);
  });

  it("each descriptor's affinity masks are its own: a write to one leaves the others", () => {
    const k = mkKernel();
    const irq = irqAllocDescs(k, -1, 1, 2);
    const d0 = irqToDesc(k, irq)!;
    const d1 = irqToDesc(k, irq + 1)!;
    const before = cpumaskList(d1.irqCommonData.affinity);
    cpumaskClear(d0.irqCommonData.effectiveAffinity);
    cpumaskSetCpu(1, d0.irqCommonData.effectiveAffinity);
    expect(cpumaskList(d0.irqCommonData.effectiveAffinity)).toEqual([1]);
    expect(cpumaskList(d0.irqCommonData.affinity)).toEqual(before);
    expect(cpumaskList(d1.irqCommonData.effectiveAffinity)).toEqual(before);
    expect(cpumaskList(k.irqDefaultAffinity)).toEqual(before);
  });
});

describe('msi_desc with embedded msg and pci', () => {
  it('msg and pciMsi are the desc; assigning msg copies the message (struct assignment)', () => {
    const dev = { name: 'dev0' } as unknown as Device;
    const desc = msiDescTemplate(dev);
    expect(desc.msg).toBe(desc);
    expect(desc.pciMsi).toBe(desc);
    desc.msg = { addressHi: 0xfe000000, addressLo: 0x12, data: 0xbeef };
    expect(desc.msg).toBe(desc);
    expect([desc.msg.addressHi, desc.msg.addressLo, desc.msg.data]).toEqual([0xfe000000, 0x12, 0xbeef]);
    expect(desc.sysfsAttrs).toBeNull();
    msiDescTemplateReset(desc, dev);
    expect([desc.msg.addressHi, desc.msg.addressLo, desc.msg.data]).toEqual([0, 0, 0]);
    expect(desc.sysfsAttrs).toBeNull();
    expect(Object.hasOwn(desc, 'sysfsAttrs')).toBe(false);
  });
});
