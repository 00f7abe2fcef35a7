// SPDX-License-Identifier: GPL-2.0-only
/**
 * Specimen tests of the v1 backend (the seed patch as posted): they record what the
 * model does with the same sequences as legacy.test.ts, defects included (v1.md D3, D7,
 * D9, D13). A change here means the v1 model (or the core below it) changed behaviour.
 */
import { describe, expect, it } from 'vitest';
import { AISB_NONE, MSI_FIRST_BIT_NONE } from '../../../../src/arch/s390/include/asm/pci.ts';
import { IRQIO_MSI, IRQIO_PCF, irqStatSum } from '../../../../src/arch/s390/kernel/irq.ts';
import { v1PciIrq } from '../../../../src/arch/s390/pci/pci_irq.v1.ts';
import { createTestDriver, createZpciSystem } from '../../../../src/arch/s390/pci/system.ts';
import { pciIrqVector } from '../../../../src/drivers/pci/msi/api.ts';
import { airqIvBitAvail, airqIvGetPtr64, airqIvTestBit } from '../../../../src/drivers/s390/cio/airq.ts';
import { IRQ_REG_FMT0, IRQ_REG_NONE } from '../../../../src/hw/s390x/zpci.ts';
import { IRQF_NOBALANCING } from '../../../../src/kernel/irq/internals.ts';
import { KernelOops } from '../../../../src/sim/findings.ts';

const FID = 0x10;

describe('v1 specimen: floating', () => {
  it('one global parent domain "zpci_msi" is the bus MSI domain (D13); prepare registers REG_INT noi 8', () => {
    const s = createZpciSystem({ backend: 'v1', nrCpus: 2 });
    expect(s.initRc).toBe(0);
    const fn = s.plug(FID, { uid: 1, msixVectors: 8 });
    const g = v1PciIrq(s.k)!;
    const pdev = s.pdev(FID)!;
    expect(g.zpciMsiParentDomain!.name).toBe('zpci_msi');
    expect(pdev.bus.dev.msiDomain).toBe(g.zpciMsiParentDomain);
    expect(pdev.dev.msiDomain).toBe(g.zpciMsiParentDomain);
    const { driver } = createTestDriver({ nvec: 8, irqFlags: IRQF_NOBALANCING });
    expect(s.bind(FID, driver)).toBe(0);
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT0);
    expect(fn.irq.noi).toBe(8);
    expect(fn.irq.aibvo).toBe(0);
    const zdev = s.zdev(FID)!;
    expect(fn.irq.aisb).toBe(g.zpciSbv!.vector + Math.floor(zdev.aisb / 64) * 8);
    // ptr[] holds the parent hwirq (fid << 32) | index
    expect(airqIvGetPtr64(s.k, zdev.aibv!, 5)).toBe(0x1000000005n);
  });

  it('the first plain request_irq oopses in irq_chip_set_affinity_parent (D9)', () => {
    const s = createZpciSystem({ backend: 'v1', nrCpus: 2 });
    s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 8 });
    expect(() => s.bind(FID, driver)).toThrow(KernelOops);
    expect(state.nvec.get('0001:00:00.0')).toBe(8);
    const oopses = s.sim.findings.list.filter((f) => f.kind === 'Oops');
    expect(oopses.length).toBe(1);
    expect(oopses[0]!.message).toContain(
      'NULL irq_data (parent_data) at kernel/irq/chip.c irq_chip_set_affinity_parent',
    );
  });

  it('with IRQF_NOBALANCING one MSI on vector 5 runs its handler once (PCF+1, MSI+1)', () => {
    const s = createZpciSystem({ backend: 'v1', nrCpus: 2 });
    s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 8, irqFlags: IRQF_NOBALANCING });
    expect(s.bind(FID, driver)).toBe(0);
    const pdev = s.pdev(FID)!;
    const zdev = s.zdev(FID)!;
    s.machine.signal(FID, 5);
    expect(airqIvTestBit(zdev.aibv!, 5)).toBe(true);
    s.run();
    expect(state.calls.get(pciIrqVector(s.k, pdev, 5))).toBe(1);
    expect(irqStatSum(s.k, IRQIO_PCF)).toBe(1);
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(1);
  });

  it('after error recovery with reset nothing is delivered: no re-registration (D7)', () => {
    const s = createZpciSystem({ backend: 'v1', nrCpus: 2 });
    const fn = s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 8, irqFlags: IRQF_NOBALANCING });
    expect(s.bind(FID, driver)).toBe(0);
    s.injectError(FID);
    expect(state.recovery).toEqual(['error_detected', 'slot_reset', 'resume']);
    expect(fn.state).toBe('enabled');
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    s.signal(FID, 5);
    expect(state.calls.size).toBe(0);
    expect(fn.counters.dropNotRegistered).toBe(1);
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(0);
  });

  it('unbind: teardown deregisters and frees the summary bit; zpci_ibv[aisb] keeps the released aibv (D6)', () => {
    const s = createZpciSystem({ backend: 'v1', nrCpus: 2 });
    const fn = s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver } = createTestDriver({ nvec: 8, irqFlags: IRQF_NOBALANCING });
    expect(s.bind(FID, driver)).toBe(0);
    const g = v1PciIrq(s.k)!;
    const aibv = s.zdev(FID)!.aibv!;
    s.unbind(FID);
    const zdev = s.zdev(FID)!;
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    expect(zdev.aisb).toBe(AISB_NONE);
    expect(zdev.msiFirstBit).toBe(MSI_FIRST_BIT_NONE);
    expect(zdev.msiNrIrqs).toBe(8);
    expect(airqIvBitAvail(g.zpciSbv!, 0)).toBe(true);
    expect(aibv.freed).toBe(true);
    expect(g.zpciIbv![0]).toBe(aibv);
  });
});

describe('v1 specimen: directed', () => {
  it('the first prepare registers REG_INT_D with the stale msi_nr_irqs 0; the firmware rejects it and probe fails (D3)', () => {
    const s = createZpciSystem({ backend: 'v1', directed: true, nrCpus: 2 });
    expect(s.initRc).toBe(0);
    const fn = s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 8 });
    expect(s.bind(FID, driver)).toBe(-19);
    expect(state.nvec.get('0001:00:00.0')).toBe(-19);
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    const zdev = s.zdev(FID)!;
    expect(zdev.msiNrIrqs).toBe(0);
    expect(zdev.msiFirstBit).toBe(MSI_FIRST_BIT_NONE);
    const g = v1PciIrq(s.k)!;
    for (let b = 0; b < 8; b++) expect(airqIvBitAvail(g.zpciIbv![0]!, b)).toBe(true);
    expect(s.sim.log.lines.map((l) => l.text)).toContain(
      'zpci: Registering floating adapter interruptions for 0001:00:00.0 failed',
    );
  });

  it('a second function fails the same way, so D1 (data wrap for first_bit > 0) is never reached', () => {
    const s = createZpciSystem({ backend: 'v1', directed: true, nrCpus: 2 });
    s.plug(FID, { uid: 1, msixVectors: 8 });
    const fn2 = s.plug(0x20, { uid: 2, msixVectors: 8 });
    const { driver } = createTestDriver({ nvec: 8 });
    expect(s.bind(FID, driver)).toBe(-19);
    expect(s.bind(0x20, driver)).toBe(-19);
    expect(fn2.irq.fmt).toBe(IRQ_REG_NONE);
    expect(s.zdev(0x20)!.msiFirstBit).toBe(MSI_FIRST_BIT_NONE);
  });
});
