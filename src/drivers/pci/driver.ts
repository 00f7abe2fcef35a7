// SPDX-License-Identifier: GPL-2.0-only
/**
 * PCI driver binding (drivers/pci/pci-driver.c, drivers/base/dd.c reduced): a driver
 * is a probe/remove pair with an ID table. Unbinding runs remove() and then releases
 * the device's managed resources (device_unbind_cleanup -> devres_release_all), which
 * is where the MSI core removes the per-device MSI domains (msi_device_data_release).
 */
import type { PciDev, PciDeviceId, PciDriver } from '../../include/linux/pci.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import { warn } from '../../kernel/panic.ts';
import { devresReleaseAll, pciState } from './pci.ts';

function drivers(k: Kernel): PciDriver[] {
  let d = k.subsys.get('pci.drivers') as PciDriver[] | undefined;
  if (!d) {
    d = [];
    k.subsys.set('pci.drivers', d);
  }
  return d;
}

// kernel: pci_match_id()
export function pciMatchId(ids: readonly PciDeviceId[], pdev: PciDev): PciDeviceId | null {
  for (const id of ids) {
    if (
      (id.vendor === 0xffff || id.vendor === pdev.vendor) &&
      (id.device === 0xffff || id.device === pdev.device)
    ) {
      return id;
    }
  }
  return null;
}

// kernel: device_unbind_cleanup()
export function deviceUnbindCleanup(k: Kernel, pdev: PciDev): void {
  devresReleaseAll(k, pdev.dev);
}

/**
 * kernel: pci_device_probe() via really_probe(): bind `drv` to `pdev` and call probe().
 * A failing probe leaves the device unbound and releases what probe set up (devres).
 */
export function pciBindDriver(k: Kernel, pdev: PciDev, drv: PciDriver): number {
  if (pdev.driver) {
    warn(k, 'drivers/base/dd.c really_probe', `${pdev.dev.name}: already bound to ${pdev.driver.name}`);
    return -16; // -EBUSY
  }
  const id = pciMatchId(drv.idTable, pdev);
  pdev.driver = drv;
  const rc = drv.probe(k, pdev, id);
  if (rc !== 0) {
    pdev.driver = null;
    deviceUnbindCleanup(k, pdev);
    k.sim.log.printk(
      'warning',
      `${drv.name} ${pdev.dev.name}: probe with driver ${drv.name} failed with error ${rc}`,
    );
  }
  return rc;
}

/** kernel: device_release_driver() -> pci_device_remove() -> device_unbind_cleanup(). */
export function pciUnbindDriver(k: Kernel, pdev: PciDev): void {
  const drv = pdev.driver;
  if (!drv) return;
  if (drv.remove) drv.remove(k, pdev);
  pdev.driver = null;
  deviceUnbindCleanup(k, pdev);
}

/** kernel: pci_register_driver(): bind to every added, unbound, matching device. */
export function pciRegisterDriver(k: Kernel, drv: PciDriver): number {
  drivers(k).push(drv);
  for (const bus of pciState(k).rootBuses) {
    for (const pdev of bus.devices) {
      if (pdev.isAdded && !pdev.driver && pciMatchId(drv.idTable, pdev)) pciBindDriver(k, pdev, drv);
    }
  }
  return 0;
}

// kernel: pci_unregister_driver()
export function pciUnregisterDriver(k: Kernel, drv: PciDriver): void {
  const list = drivers(k);
  const i = list.indexOf(drv);
  if (i >= 0) list.splice(i, 1);
  for (const bus of pciState(k).rootBuses) {
    for (const pdev of bus.devices) if (pdev.driver === drv) pciUnbindDriver(k, pdev);
  }
}

/** kernel: device_attach() for a PCI device: first registered matching driver wins. */
export function pciDeviceAttach(k: Kernel, pdev: PciDev): number {
  for (const drv of drivers(k)) {
    if (pciMatchId(drv.idTable, pdev)) return pciBindDriver(k, pdev, drv) === 0 ? 1 : 0;
  }
  return 0;
}
