// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { AISB_NONE } from '../../../../src/arch/s390/include/asm/pci.ts';
import {
  IRQIO_MSI,
  IRQIO_PCD,
  IRQIO_PCF,
  irqStatCpu,
  irqStatSum,
} from '../../../../src/arch/s390/kernel/irq.ts';
import { legacyPciIrq } from '../../../../src/arch/s390/pci/pci_irq.legacy.ts';
import { createTestDriver, createZpciSystem } from '../../../../src/arch/s390/pci/system.ts';
import { pciIrqVector } from '../../../../src/drivers/pci/msi/api.ts';
import { airqIvBitAvail, airqIvTestBit } from '../../../../src/drivers/s390/cio/airq.ts';
import { IRQ_REG_FMT0, IRQ_REG_FMT1, IRQ_REG_NONE } from '../../../../src/hw/s390x/zpci.ts';
import { cpumaskCreate } from '../../../../src/include/linux/cpumask.ts';
import { irqSetAffinity } from '../../../../src/kernel/irq/manage.ts';

const FID = 0x10;

function boot(directed: boolean) {
  const s = createZpciSystem({ backend: 'legacy', directed, nrCpus: 2 });
  expect(s.initRc).toBe(0);
  const fn = s.plug(FID, { uid: 1, msixVectors: 8 });
  const { driver, state } = createTestDriver({ nvec: 8 });
  expect(s.bind(FID, driver)).toBe(0);
  const pdev = s.pdev(FID)!;
  expect(pdev.dev.name).toBe('0001:00:00.0');
  const virq = (i: number) => pciIrqVector(s.k, pdev, i);
  return { s, fn, state, pdev, virq };
}

describe('legacy floating', () => {
  it('registers with REG_INT: noi 8, isc 2, aibvo 0, summary = the function aisb', () => {
    const { s, fn } = boot(false);
    const g = legacyPciIrq(s.k)!;
    const zdev = s.zdev(FID)!;
    expect(g.irqDelivery).toBe(0);
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT0);
    expect(fn.irq.noi).toBe(8);
    expect(fn.irq.isc).toBe(2);
    expect(fn.irq.aibvo).toBe(0);
    expect(fn.irq.sum).toBe(1);
    expect(zdev.aisb).toBe(0);
    expect(fn.irq.aisb).toBe(g.zpciSbv!.vector + Math.floor(zdev.aisb / 64) * 8);
    expect(fn.irq.aisbo).toBe(zdev.aisb & 63);
    expect(fn.irq.aibv).toBe(zdev.aibv!.vector);
    expect(zdev.msiFirstBit).toBe(0);
    expect(zdev.msiNrIrqs).toBe(8);
    expect(zdev.maxMsi).toBe(128);
    expect(zdev.msiAddr).toBe(0xfe00000000000000n);
  });

  it('one MSI on vector 5 sets AIBV bit 5 and one interruption runs the handler of its virq once', () => {
    const { s, state, virq } = boot(false);
    const zdev = s.zdev(FID)!;
    const g = legacyPciIrq(s.k)!;
    expect(virq(0)).toBe(3);
    expect(virq(5)).toBe(8);
    s.machine.signal(FID, 5); // the function writes; nothing presented yet
    expect(airqIvTestBit(zdev.aibv!, 5)).toBe(true);
    expect(airqIvTestBit(g.zpciSbv!, zdev.aisb)).toBe(true);
    const pcf = irqStatSum(s.k, IRQIO_PCF);
    const msi = irqStatSum(s.k, IRQIO_MSI);
    s.run();
    expect(state.calls.get(virq(5))).toBe(1);
    expect([...state.calls.keys()]).toEqual([virq(5)]);
    expect(irqStatSum(s.k, IRQIO_PCF)).toBe(pcf + 1);
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(msi + 1);
    expect(airqIvTestBit(zdev.aibv!, 5)).toBe(false);
  });

  it('unbind deregisters (DEREG_INT) and frees the summary bit and the AIBV', () => {
    const { s, fn } = boot(false);
    const g = legacyPciIrq(s.k)!;
    const zdev = s.zdev(FID)!;
    const aibv = zdev.aibv!;
    s.unbind(FID);
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    expect(zdev.aisb).toBe(AISB_NONE);
    expect(zdev.aibv).toBe(null);
    expect(aibv.freed).toBe(true);
    expect(airqIvBitAvail(g.zpciSbv!, 0)).toBe(true);
    expect(g.zpciIbv![0]).toBe(null);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('error recovery with reset re-registers through arch_restore_msi_irqs and delivery works', () => {
    const { s, fn, state, virq } = boot(false);
    s.injectError(FID);
    expect(state.recovery).toEqual(['error_detected', 'slot_reset', 'resume']);
    expect(fn.state).toBe('enabled');
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT0);
    expect(fn.irq.noi).toBe(8);
    s.signal(FID, 2);
    expect(state.calls.get(virq(2))).toBe(1);
    expect(s.sim.log.lines.map((l) => l.text)).toContain('zpci: 0001:00:00.0: Initiating reset');
  });
});

describe('legacy directed', () => {
  it('delivers on the CPU the message names; an affinity change moves it', () => {
    const { s, fn, state, pdev, virq } = boot(true);
    const g = legacyPciIrq(s.k)!;
    expect(g.irqDelivery).toBe(1);
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT1);
    expect(fn.irq.noi).toBe(8);
    expect(fn.irq.dibvo).toBe(0);
    // no affinity descriptor: CPU 0, whose address is 0x10
    expect((pdev.hw.msixEntryAddrLo(5) >>> 8) & 0xffff).toBe(0x10);
    expect(pdev.hw.msixEntryData(5)).toBe(5);
    s.signal(FID, 5);
    expect(state.calls.get(virq(5))).toBe(1);
    expect(state.lastCpu.get(virq(5))).toBe(0);
    expect(irqStatCpu(s.k, 0, IRQIO_PCD)).toBe(1);

    expect(irqSetAffinity(s.k, virq(5), cpumaskCreate(1))).toBe(0);
    expect((pdev.hw.msixEntryAddrLo(5) >>> 8) & 0xffff).toBe(0x12);
    s.signal(FID, 5);
    expect(state.calls.get(virq(5))).toBe(2);
    expect(state.lastCpu.get(virq(5))).toBe(1);
    expect(irqStatCpu(s.k, 1, IRQIO_PCD)).toBe(1);
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(2);
  });

  it('a second function gets the next DIBV range and index-based message data', () => {
    const { s, state } = boot(true);
    const fn2 = s.plug(0x20, { uid: 2, msixVectors: 8 });
    const { driver, state: st2 } = createTestDriver({ nvec: 8 });
    expect(s.bind(0x20, driver)).toBe(0);
    const zdev2 = s.zdev(0x20)!;
    expect(zdev2.msiFirstBit).toBe(8);
    expect(fn2.irq.dibvo).toBe(8);
    const p2 = s.pdev(0x20)!;
    expect(p2.hw.msixEntryData(0)).toBe(0);
    s.signal(0x20, 0);
    expect(st2.calls.get(pciIrqVector(s.k, p2, 0))).toBe(1);
    expect(state.calls.size).toBe(0);
  });

  it('unbind deregisters (DEREG_INT_D) and frees the DIBV bits', () => {
    const { s, fn } = boot(true);
    const g = legacyPciIrq(s.k)!;
    s.unbind(FID);
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    for (let b = 0; b < 8; b++) expect(airqIvBitAvail(g.zpciIbv![0]!, b)).toBe(true);
  });

  it('error recovery with reset re-registers (REG_INT_D) and delivery works', () => {
    const { s, fn, state, virq } = boot(true);
    s.injectError(FID);
    expect(state.recovery).toEqual(['error_detected', 'slot_reset', 'resume']);
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT1);
    s.signal(FID, 7);
    expect(state.calls.get(virq(7))).toBe(1);
  });
});
