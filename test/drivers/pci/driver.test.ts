// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { pciBusAddDevice, pciStopAndRemoveBusDevice } from '../../../src/drivers/pci/bus.ts';
import { pciRegisterDriver, pciUnregisterDriver } from '../../../src/drivers/pci/driver.ts';
import { pciAllocIrqVectors, pciFreeIrqVectors } from '../../../src/drivers/pci/msi/api.ts';
import { pciName } from '../../../src/drivers/pci/pci.ts';
import { PCI_IRQ_MSIX, type PciDev } from '../../../src/include/linux/pci.ts';
import type { Kernel } from '../../../src/kernel/kernel.ts';
import { addFn, mkRig } from './setup.ts';

describe('PCI driver bind/unbind and MSI domain lifetime', () => {
  it('inherits the bus MSI domain, binds by ID, removes the device domain on unbind', () => {
    const rig = mkRig({ countPrepare: true });
    const pdev = addFn(rig, 0x21);
    expect(pciName(pdev)).toBe('0000:00:04.1');
    expect(pdev.dev.msiDomain).toBe(rig.ctrl.domain);
    const events: string[] = [];
    const drv = {
      name: 'virtio-test',
      idTable: [{ vendor: 0x1af4, device: 0x1041 }],
      probe(k: Kernel, p: PciDev): number {
        events.push('probe');
        const n = pciAllocIrqVectors(k, p, 1, 4, PCI_IRQ_MSIX);
        return Math.min(n, 0);
      },
      remove(k: Kernel, p: PciDev): void {
        events.push('remove');
        pciFreeIrqVectors(k, p);
      },
    };
    pciRegisterDriver(rig.k, drv);
    expect(events).toEqual([]); // not added yet
    pciBusAddDevice(rig.k, pdev);
    expect(events).toEqual(['probe']);
    expect(pdev.driver).toBe(drv);
    expect(rig.k.irqDomains.length).toBe(2);
    pciUnregisterDriver(rig.k, drv);
    expect(events).toEqual(['probe', 'remove']);
    expect(rig.ctrl.stats.teardownCalls).toEqual(['PCI-MSIX-0000:00:04.1-11']);
    expect(rig.k.irqDomains.length).toBe(1);
    expect(pdev.dev.msiData).toBe(null);
    expect(rig.k.sim.findings.count()).toBe(0);
  });

  it('a driver that forgets pci_free_irq_vectors: unbind removes the live domain with WARNs', () => {
    const rig = mkRig();
    const pdev = addFn(rig, 0x08);
    pciBusAddDevice(rig.k, pdev);
    const drv = {
      name: 'leaky',
      idTable: [{ vendor: 0x1af4, device: 0x1041 }],
      probe: (k: Kernel, p: PciDev): number => (pciAllocIrqVectors(k, p, 2, 2, PCI_IRQ_MSIX) === 2 ? 0 : -1),
    };
    pciRegisterDriver(rig.k, drv);
    pciStopAndRemoveBusDevice(rig.k, pdev);
    const warns = rig.k.sim.findings.list
      .filter((f) => f.kind === 'WARN')
      .map((f) => f.message.split('\n')[0]);
    expect(warns).toEqual([
      'WARNING: CPU: 0 PID: 0 at kernel/irq/irqdomain.c irq_domain_remove',
      'WARNING: CPU: 0 PID: 0 at kernel/irq/msi.c msi_device_data_release',
    ]);
    expect(pdev.freed).toBe(true);
  });

  it('managed (pcim) devices free their vectors on release before the MSI data goes', () => {
    const rig = mkRig({ countPrepare: true });
    const pdev = addFn(rig, 0x08);
    pdev.isManaged = true;
    pciBusAddDevice(rig.k, pdev);
    pciRegisterDriver(rig.k, {
      name: 'managed',
      idTable: [{ vendor: 0xffff, device: 0xffff }],
      probe: (k: Kernel, p: PciDev): number => (pciAllocIrqVectors(k, p, 3, 3, PCI_IRQ_MSIX) === 3 ? 0 : -1),
    });
    expect(pdev.driver?.name).toBe('managed');
    pciStopAndRemoveBusDevice(rig.k, pdev);
    expect(rig.k.sim.findings.count()).toBe(0);
    expect(rig.ctrl.inUse()).toBe(0);
    expect(rig.ctrl.stats.teardownCalls.length).toBe(1);
  });
});
