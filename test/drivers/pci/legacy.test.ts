// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import {
  pciAllocIrqVectors,
  pciFreeIrqVectors,
  pciIrqVector,
  pciRestoreMsiState,
} from '../../../src/drivers/pci/msi/api.ts';
import { type ArchMsiOps, PCI_CAP_ID_MSIX, setArchMsiOps } from '../../../src/drivers/pci/msi/legacy.ts';
import { pciWriteMsiMsg } from '../../../src/drivers/pci/msi/msi.ts';
import { pciCreateRootBus, pciDeviceAdd } from '../../../src/drivers/pci/pci.ts';
import { PciFunctionHw } from '../../../src/hw/pci/device.ts';
import { MSI_DESC_NOTASSOCIATED, type MsiDesc } from '../../../src/include/linux/msi.ts';
import { PCI_IRQ_MSI, PCI_IRQ_MSIX, type PciDev } from '../../../src/include/linux/pci.ts';
import { irqSetMsiDesc } from '../../../src/kernel/irq/chip.ts';
import { irqAllocDescs, irqFreeDescs } from '../../../src/kernel/irq/irqdesc.ts';
import { msiDescCount, msiForEachDesc } from '../../../src/kernel/irq/msi.ts';
import { Kernel } from '../../../src/kernel/kernel.ts';
import { Sim } from '../../../src/sim/sim.ts';
import { MSI_ONLY, MSIX8 } from './setup.ts';

/** A throwaway arch backend: one virq per descriptor, message = (0xabc00000, virq). */
function mkArch(log: string[]): ArchMsiOps {
  return {
    archSetupMsiIrqs(k: Kernel, dev: PciDev, nvec: number, type: number): number {
      log.push(`setup ${dev.dev.name} nvec=${nvec} type=${type === PCI_CAP_ID_MSIX ? 'msix' : 'msi'}`);
      if (type !== PCI_CAP_ID_MSIX && nvec > 1) return 1;
      for (const desc of msiForEachDesc(k, dev.dev, MSI_DESC_NOTASSOCIATED) as MsiDesc[]) {
        const virq = irqAllocDescs(k, -1, 0, 1, 0);
        if (virq < 0) return virq;
        irqSetMsiDesc(k, virq, desc);
        pciWriteMsiMsg(k, virq, { addressHi: 0, addressLo: 0xabc00000, data: virq });
      }
      return 0;
    },
    archTeardownMsiIrqs(k: Kernel, dev: PciDev): void {
      log.push(`teardown ${dev.dev.name}`);
      for (const desc of msiForEachDesc(k, dev.dev, 2 /* ASSOCIATED */)) {
        irqSetMsiDesc(k, desc.irq, null);
        irqFreeDescs(k, desc.irq, desc.nvecUsed);
        desc.irq = 0;
      }
    },
    archRestoreMsiIrqs(_k: Kernel, dev: PciDev): boolean {
      log.push(`restore ${dev.dev.name}`);
      return true;
    },
  };
}

describe('legacy arch-hook path (no hierarchical MSI domain)', () => {
  it('allocates through arch_setup_msi_irqs and frees through arch_teardown_msi_irqs', () => {
    const k = new Kernel(new Sim(1), { nrCpuIds: 2 });
    const log: string[] = [];
    setArchMsiOps(k, mkArch(log));
    const bus = pciCreateRootBus(k, 0, 0);
    const pdev = pciDeviceAdd(k, bus, 0x08, new PciFunctionHw(MSIX8));
    expect(pdev.dev.msiDomain).toBe(null);
    expect(pciAllocIrqVectors(k, pdev, 1, 3, PCI_IRQ_MSIX)).toBe(3);
    expect(log).toEqual(['setup 0000:00:01.0 nvec=3 type=msix']);
    expect([0, 1, 2].map((i) => pciIrqVector(k, pdev, i))).toEqual([3, 4, 5]);
    expect([0, 1, 2].map((i) => pdev.hw.msixEntryData(i))).toEqual([3, 4, 5]);
    expect(pdev.hw.msixEntryAddrLo(0)).toBe(0xabc00000);
    expect(pdev.dev.sysfs!.get('msi_irqs')).toEqual(['3', '4', '5']);
    pdev.hw.reset();
    pciRestoreMsiState(k, pdev);
    expect(log[1]).toBe('restore 0000:00:01.0');
    expect(pdev.hw.msixEntryData(2)).toBe(5);
    pciFreeIrqVectors(k, pdev);
    expect(log[2]).toBe('teardown 0000:00:01.0');
    expect(msiDescCount(pdev.dev)).toBe(0);
    expect(pdev.dev.sysfs!.get('msi_irqs')).toEqual([]);
    expect(k.irqDescs.filter((d) => d !== undefined).length).toBe(0);
    expect(k.sim.findings.count()).toBe(0);
  });

  it('generic arch_setup_msi_irqs refuses multi-MSI (retry with 1) and without an arch hook fails -EINVAL', () => {
    const k = new Kernel(new Sim(1), { nrCpuIds: 2 });
    const log: string[] = [];
    setArchMsiOps(k, mkArch(log));
    const bus = pciCreateRootBus(k, 0, 0);
    const pdev = pciDeviceAdd(k, bus, 0x10, new PciFunctionHw(MSI_ONLY));
    expect(pciAllocIrqVectors(k, pdev, 1, 4, PCI_IRQ_MSI)).toBe(1);
    // positive return: msi_capability_init's error path tears down, the PCI loop retries with 1
    expect(log).toEqual([
      'setup 0000:00:02.0 nvec=4 type=msi',
      'teardown 0000:00:02.0',
      'setup 0000:00:02.0 nvec=1 type=msi',
    ]);
    expect(pdev.hw.msiEnabled).toBe(true);
    pciFreeIrqVectors(k, pdev);
    setArchMsiOps(k, null);
    const p2 = pciDeviceAdd(k, bus, 0x18, new PciFunctionHw(MSIX8));
    expect(pciAllocIrqVectors(k, p2, 1, 2, PCI_IRQ_MSIX)).toBe(-22);
    expect(p2.hw.msixEnabled).toBe(false);
    expect(msiDescCount(p2.dev)).toBe(0);
  });
});
