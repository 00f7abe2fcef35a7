// SPDX-License-Identifier: GPL-2.0-only
/**
 * Two departures of the `domain` backend (docs/backends.md, domain departures):
 *  - its per-device MSI chips carry IRQCHIP_AFFINITY_PRE_STARTUP (as x86's since ff363f480e53),
 *    so irq_startup() routes a vector before it unmasks it: a message pending while its
 *    activation-time CPU went offline goes to an online CPU (fuzz finding 1);
 *  - a multi-MSI block keeps its shared message until its last vector is deactivated: free_irq
 *    of vector 0 alone no longer zeroes the block's address (fuzz finding 4).
 * The specimens (legacy, v1, mainline) keep their behaviour.
 */
import { describe, expect, it } from 'vitest';
import { DOMAIN_BUS_PCI_DEVICE_MSI, DOMAIN_BUS_PCI_DEVICE_MSIX } from '../../../../src/include/linux/irq.ts';
import { IRQCHIP_AFFINITY_PRE_STARTUP } from '../../../../src/kernel/irq/internals.ts';
import { irqGetIrqData } from '../../../../src/kernel/irq/irqdesc.ts';
import { kinds, run, total } from './scenario-run.ts';

/** Finding 1 (regressions/domain-per-bus-directed-lost-irq-...): a masked pending vector, CPU 0 offline, request. */
const PENDING_THEN_REQUEST = `
name: pending-then-request
machine: {cpus: 2, delivery: directed, backend: domain, parentDomain: per-bus, seed: 0}
functions:
  - {fid: 0x10, uid: 1, msix: 2}
steps:
  - bind: {fid: 0x10}
  - alloc: {fid: 0x10, min: 2}
  - cpu_offline: {cpu: 0}
  - fire: {fid: 0x10, vector: 0}
  - request: {fid: 0x10, vector: 0, name: h}
  - run: {ns: 1000}
`;

/** Finding 4 (regressions/domain-global-floating-lost-irq-...): multi-MSI 4, free vector 0, fire all. */
const MULTI_MSI_FREE_FIRST = `
name: multi-msi-free-first
machine: {cpus: 1, delivery: floating, backend: domain, parentDomain: global, seed: 0}
functions:
  - {fid: 0x30, uid: 3, msi: 4}
steps:
  - bind: {fid: 0x30}
  - alloc: {fid: 0x30}
  - request: {fid: 0x30, vector: all, name: q}
  - free_irq: {fid: 0x30, vector: 0, handler: q}
  - fire: {fid: 0x30, vector: all}
  - run: {ns: 1000}
`;

describe('domain: IRQCHIP_AFFINITY_PRE_STARTUP on the per-device MSI chips', () => {
  for (const delivery of ['floating', 'directed'] as const) {
    it(`${delivery}: MSI-X and MSI device chips carry it, the parent chip does not`, () => {
      const r = run(MULTI_MSI_FREE_FIRST, { delivery });
      const k = r.system.k;
      const d = irqGetIrqData(k, 4)!;
      expect(d.domain!.busToken).toBe(DOMAIN_BUS_PCI_DEVICE_MSI);
      expect(d.chip.flags & IRQCHIP_AFFINITY_PRE_STARTUP).toBe(IRQCHIP_AFFINITY_PRE_STARTUP);
      expect(d.parentData!.chip.flags & IRQCHIP_AFFINITY_PRE_STARTUP).toBe(0);
      // floating: no irq_set_affinity on the device chip (MSI_FLAG_NO_AFFINITY): irq_setup_affinity() is a no-op
      expect(d.chip.irqSetAffinity === undefined).toBe(delivery === 'floating');
      const x = run(PENDING_THEN_REQUEST, { delivery }).system.k;
      const dx = irqGetIrqData(x, 3)!;
      expect(dx.domain!.busToken).toBe(DOMAIN_BUS_PCI_DEVICE_MSIX);
      expect(dx.chip.flags & IRQCHIP_AFFINITY_PRE_STARTUP).toBe(IRQCHIP_AFFINITY_PRE_STARTUP);
    });
  }

  it('directed: the pending message goes to the online CPU 1 at request (no lost-irq)', () => {
    const r = run(PENDING_THEN_REQUEST);
    expect(r.steps.map((s) => s.rc ?? 0)).toEqual([0, 2, 0, 0, 0, 0]);
    expect(kinds(r)).toEqual([]);
    expect(r.deliveries.find((d) => d.handler === 'h')!.perCpu).toEqual([0, 1]);
  });

  it('the specimens keep the old order: mainline loses the pending message on CPU 0', () => {
    const r = run(PENDING_THEN_REQUEST, { backend: 'mainline' });
    expect(kinds(r)).toContain('lost-irq');
    expect(total(r, 'h')).toBe(0);
  });

  it('floating: unchanged, the message is delivered once', () => {
    const r = run(PENDING_THEN_REQUEST, { delivery: 'floating' });
    expect(kinds(r)).toEqual([]);
    expect(total(r, 'h')).toBe(1);
  });
});

describe('domain: multi-MSI keeps its message until the last vector is deactivated', () => {
  for (const delivery of ['floating', 'directed'] as const) {
    for (const parentDomain of ['global', 'per-bus'] as const) {
      it(`${delivery}/${parentDomain}: free_irq of vector 0, vectors 1..3 are still delivered`, () => {
        const r = run(MULTI_MSI_FREE_FIRST, { delivery, parentDomain });
        expect(kinds(r)).toEqual([]);
        expect(total(r, 'q')).toBe(3);
        const fn = r.system.machine.functions.find((f) => f.fid === 0x30)!;
        expect(fn.counters.dropBadAddress).toBe(0);
      });
    }
  }

  it('legacy delivers the same 3 (no difference for the differential checker)', () => {
    const r = run(MULTI_MSI_FREE_FIRST, { backend: 'legacy' });
    expect(total(r, 'q')).toBe(3);
  });

  it('the block address (MSI capability) stays until the last vector is freed, then it is zeroed', () => {
    const base = MULTI_MSI_FREE_FIRST.replace(
      '  - fire: {fid: 0x30, vector: all}\n  - run: {ns: 1000}\n',
      '',
    );
    const more = [
      '  - free_irq: {fid: 0x30, vector: 2, handler: q}\n',
      '  - free_irq: {fid: 0x30, vector: 3, handler: q}\n',
      '  - free_irq: {fid: 0x30, vector: 1, handler: q}\n',
    ];
    const addrHi: number[] = [];
    for (let n = 0; n <= more.length; n++) {
      const r = run(base + more.slice(0, n).join(''));
      expect(kinds(r)).toEqual([]);
      const dev = r.system.machine.functions.find((f) => f.fid === 0x30)!.device;
      // the 64-bit MSI capability's address_hi (0xfe000000: the zPCI MSI address)
      addrHi.push(dev.configRead32(dev.msiCap + 8) >>> 0);
    }
    expect(addrHi).toEqual([0xfe000000, 0xfe000000, 0xfe000000, 0]);
  });
});
