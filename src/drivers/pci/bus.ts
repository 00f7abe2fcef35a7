// SPDX-License-Identifier: GPL-2.0-only
/**
 * drivers/pci/bus.c and remove.c, reduced: making an added device visible to drivers
 * and removing it again (which unbinds the driver and releases the device).
 */
import type { PciDev } from '../../include/linux/pci.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import { warn } from '../../kernel/panic.ts';
import { pciDeviceAttach, pciUnbindDriver } from './driver.ts';
import { devresReleaseAll } from './pci.ts';

// kernel: pci_bus_add_device()
export function pciBusAddDevice(k: Kernel, pdev: PciDev): void {
  pdev.isAdded = true;
  pciDeviceAttach(k, pdev);
}

/**
 * kernel: pci_stop_and_remove_bus_device(): unbind the driver, drop the device from its
 * bus and release it (remaining devres, e.g. the MSI device data). The pci_dev is freed.
 */
export function pciStopAndRemoveBusDevice(k: Kernel, pdev: PciDev): void {
  if (pdev.freed) {
    warn(
      k,
      'drivers/pci/remove.c pci_stop_and_remove_bus_device',
      `${pdev.dev.name}: removing a freed pci_dev`,
    );
    return;
  }
  pciUnbindDriver(k, pdev);
  const list = pdev.bus.devices;
  const i = list.indexOf(pdev);
  if (i >= 0) list.splice(i, 1);
  pdev.isAdded = false;
  devresReleaseAll(k, pdev.dev);
  pdev.freed = true;
}
