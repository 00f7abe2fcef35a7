// SPDX-License-Identifier: GPL-2.0-only
/**
 * arch/s390/pci/pci_bus.c (~6.13-6.18, the legacy base): zbuses by topology (TID or
 * PCHID), the first registered function creates the Linux root bus, PCI domain =
 * UID when UID checking is on, kref release, scanning functions into the PCI core.
 *
 * The patched versions insert backend calls at fixed places (src/arch/s390/pci/backend.ts):
 * v1 zpci_set_msi_parent_domain() after `zbus->bus = bus;`; mainline
 * zpci_create_parent_msi_domain() before pci_create_root_bus() (with its error path and
 * the -ENOMEM return), dev_set_msi_domain() of the bus, and
 * zpci_remove_parent_msi_domain() in the root-bus error path and in zpci_bus_release().
 *
 * The PCI core's pci_create_root_bus / pci_scan_single_device / pci_get_slot /
 * pci_stop_root_bus / pci_remove_root_bus are reduced to what the model needs here.
 */
import { pciBusAddDevice, pciStopAndRemoveBusDevice } from '../../../drivers/pci/bus.ts';
import { devSetMsiDomain, pciCreateRootBus, pciDeviceAdd, pciState } from '../../../drivers/pci/pci.ts';
import { EFAULT, EINVAL, EIO, ENODEV, ENOMEM, ENOSPC } from '../../../include/linux/errno.ts';
import { PCI_CHANNEL_IO_PERM_FAILURE, type PciBus, type PciDev } from '../../../include/linux/pci.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { deref, warn } from '../../../kernel/panic.ts';
import { declareFailurePoint } from '../../../sim/faults.ts';
import {
  PCIE_SPEED_5_0GT,
  ZPCI_BUS_NR,
  ZPCI_FN_STATE_CONFIGURED,
  ZPCI_FUNCTIONS_PER_BUS,
  ZPCI_NR_DEVICES,
  type ZpciBus,
  type ZpciDev,
  zdevEnabled,
  zpciGlobals,
} from '../include/asm/pci.ts';
import { zpciAllocDomain, zpciEnableDevice, zpciFreeDomain, zpciIommuRegisterIoat } from './pci.ts';

export const FP_ZPCI_BUS_ALLOC = declareFailurePoint(
  'zpci_bus_alloc',
  'zpci_bus_alloc',
  'kernel',
  'NULL (-ENOMEM)',
);
export const FP_PCI_CREATE_ROOT_BUS = declareFailurePoint(
  'pci_create_root_bus',
  'pci_create_root_bus',
  'kernel',
  'NULL (zpci_bus_create_pci_bus: -EFAULT; mainline -ENOMEM)',
);
export const FP_PCI_SCAN_SINGLE_DEVICE = declareFailurePoint(
  'pci_scan_single_device',
  'pci_scan_single_device',
  'kernel',
  'NULL (zpci_bus_scan_device: -ENODEV)',
);

/** ZPCI_RID_MASK_DEVFN */
export const ZPCI_RID_MASK_DEVFN = 0x00ff;

/* ------------------------------------------------------- PCI core, reduced */

/** kernel: pci_create_root_bus() (reduced): the root bus with bus->sysdata = zbus; NULL on failure. */
function pciCreateRootBusZ(k: Kernel, zbus: ZpciBus): PciBus | null {
  if (k.sim.faults.shouldFail(FP_PCI_CREATE_ROOT_BUS)) return null;
  const bus = pciCreateRootBus(k, zbus.domainNr, ZPCI_BUS_NR);
  bus.sysdata = zbus;
  return bus;
}

/** kernel: pci_get_slot() — the (live) pci_dev at devfn on the bus, or NULL. */
export function pciGetSlot(bus: PciBus, devfn: number): PciDev | null {
  for (const pdev of bus.devices) if (pdev.devfn === devfn && !pdev.freed) return pdev;
  return null;
}

/**
 * kernel: pci_scan_single_device() — reads the function's config space through
 * pci_root_ops (zpci_cfg_load): only an enabled function answers. The new pci_dev gets
 * bus->sysdata and inherits the bus's MSI domain (pci_device_add()).
 */
export function pciScanSingleDevice(k: Kernel, bus: PciBus, devfn: number): PciDev | null {
  const existing = pciGetSlot(bus, devfn);
  if (existing) return existing;
  const zbus = bus.sysdata as ZpciBus;
  const zdev = zbus.function[devfn];
  if (!zdev || !zdevEnabled(zdev)) return null; // config read fails: no device
  if (k.sim.faults.shouldFail(FP_PCI_SCAN_SINGLE_DEVICE)) return null;
  const pdev = pciDeviceAdd(k, bus, devfn, zdev.hw);
  pdev.sysdata = zbus;
  // iommu_probe_device -> default domain attach -> s390_iommu_attach_device (model: REG_IOAT)
  const status = { status: 0 };
  zpciIommuRegisterIoat(k, zdev, status);
  return pdev;
}

/** kernel: pci_bus_add_devices() — make every not yet added device visible to drivers. */
function pciBusAddDevices(k: Kernel, bus: PciBus): void {
  for (const pdev of bus.devices.slice()) if (!pdev.isAdded && !pdev.freed) pciBusAddDevice(k, pdev);
}

/** kernel: pci_stop_root_bus() + the device part of pci_remove_root_bus(). */
function pciStopRootBus(k: Kernel, bus: PciBus): void {
  for (const pdev of bus.devices.slice().reverse()) pciStopAndRemoveBusDevice(k, pdev);
}

// kernel: pci_remove_root_bus()
function pciRemoveRootBus(k: Kernel, bus: PciBus): void {
  for (const pdev of bus.devices.slice().reverse()) pciStopAndRemoveBusDevice(k, pdev);
  const list = pciState(k).rootBuses;
  const i = list.indexOf(bus);
  if (i >= 0) list.splice(i, 1);
}

/* -------------------------------------------------------------- pci_bus.c */

// kernel: zpci_bus_prepare_device()
function zpciBusPrepareDevice(k: Kernel, zdev: ZpciDev): number {
  let rc: number;

  if (!zdevEnabled(zdev)) {
    rc = zpciEnableDevice(k, zdev);
    if (rc) return rc;
  }

  if (!zdev.hasResources) {
    // zpci_setup_bus_resources(): the BAR resources (not modelled beyond the flag)
    zdev.hasResources = true;
  }

  return 0;
}

// kernel: zpci_bus_scan_device()
export function zpciBusScanDevice(k: Kernel, zdev: ZpciDev): number {
  const rc = zpciBusPrepareDevice(k, zdev);
  if (rc) return rc;

  const bus = deref(
    k,
    deref(k, zdev.zbus, 'zpci_bus', 'zpci_bus_scan_device').bus,
    'pci_bus',
    'zpci_bus_scan_device',
  );
  const pdev = pciScanSingleDevice(k, bus, zdev.devfn);
  if (!pdev) return -ENODEV;

  // pci_lock_rescan_remove()
  pciBusAddDevice(k, pdev);
  // pci_unlock_rescan_remove()

  return 0;
}

// kernel: zpci_bus_remove_device()
export function zpciBusRemoveDevice(k: Kernel, zdev: ZpciDev, setError: boolean): void {
  const zbus = zdev.zbus!;

  if (!zbus.bus) return;

  const pdev = pciGetSlot(zbus.bus, zdev.devfn);
  if (pdev) {
    if (setError) pdev.errorState = PCI_CHANNEL_IO_PERM_FAILURE;
    pciStopAndRemoveBusDevice(k, pdev); // pci_stop_and_remove_bus_device_locked()
  }
}

// kernel: zpci_bus_scan_bus()
export function zpciBusScanBus(k: Kernel, zbus: ZpciBus): number {
  let ret = 0;

  for (let devfn = 0; devfn < ZPCI_FUNCTIONS_PER_BUS; devfn++) {
    const zdev = zbus.function[devfn];
    if (zdev && zdev.state === ZPCI_FN_STATE_CONFIGURED) {
      const rc = zpciBusPrepareDevice(k, zdev);
      if (rc) ret = -EIO;
    }
  }

  // pci_lock_rescan_remove(); pci_scan_child_bus(zbus->bus)
  const bus = deref(k, zbus.bus, 'pci_bus', 'zpci_bus_scan_bus');
  for (let devfn = 0; devfn < ZPCI_FUNCTIONS_PER_BUS; devfn++) {
    if (zbus.function[devfn]) pciScanSingleDevice(k, bus, devfn);
  }
  pciBusAddDevices(k, bus);
  // pci_unlock_rescan_remove()

  return ret;
}

// kernel: zpci_bus_scan_busses()
export function zpciBusScanBusses(k: Kernel): void {
  for (const zbus of zpciGlobals(k).zpciBusList.slice()) zpciBusScanBus(k, zbus);
}

// kernel: zpci_bus_is_multifunction_root()
function zpciBusIsMultifunctionRoot(k: Kernel, zdev: ZpciDev): boolean {
  return !zpciGlobals(k).noRid && zdev.ridAvailable && !zdev.vfn;
}

// kernel: zpci_bus_create_pci_bus()
function zpciBusCreatePciBus(k: Kernel, zbus: ZpciBus, fr: ZpciDev): number {
  const be = zpciGlobals(k).backend;
  const domain = zpciAllocDomain(k, fr.uid & 0xffff);
  if (domain < 0) return domain;

  zbus.domainNr = domain;
  zbus.multifunction = zpciBusIsMultifunctionRoot(k, fr);
  zbus.maxBusSpeed = PCIE_SPEED_5_0GT; // fr->max_bus_speed

  if (be?.zpciCreateParentMsiDomain) {
    // mainline: the per-bus MSI parent domain before the root bus
    if (be.zpciCreateParentMsiDomain(k, zbus)) {
      zpciFreeDomain(k, zbus.domainNr);
      return -ENOMEM;
    }
  }

  /*
   * Note that the zbus->resources are taken over and zbus->resources
   * is empty after a successful call
   */
  const bus = pciCreateRootBusZ(k, zbus);
  if (!bus) {
    if (be?.zpciCreateParentMsiDomain) {
      // mainline error path
      be.zpciRemoveParentMsiDomain?.(k, zbus);
      zpciFreeDomain(k, zbus.domainNr);
      return -ENOMEM;
    }
    zpciFreeDomain(k, zbus.domainNr);
    return -EFAULT;
  }

  zbus.bus = bus;
  if (be?.zpciCreateParentMsiDomain) devSetMsiDomain(bus.dev, zbus.msiParentDomain); // mainline
  be?.zpciSetMsiParentDomain?.(k, zbus); // v1

  return 0;
}

// kernel: zpci_bus_release() (kref release)
function zpciBusRelease(k: Kernel, zbus: ZpciBus): void {
  const g = zpciGlobals(k);

  if (zbus.bus) {
    // pci_lock_rescan_remove()
    pciStopRootBus(k, zbus.bus);

    zpciFreeDomain(k, zbus.domainNr);
    zbus.resources.length = 0; // pci_free_resource_list()

    pciRemoveRootBus(k, zbus.bus);
    // pci_unlock_rescan_remove()
  }

  // mutex_lock(&zbus_list_lock); list_del(&zbus->bus_next)
  const i = g.zpciBusList.indexOf(zbus);
  if (i >= 0) g.zpciBusList.splice(i, 1);
  zbus.onList = false;
  // mainline: zpci_remove_parent_msi_domain(zbus), unconditionally
  g.backend?.zpciRemoveParentMsiDomain?.(k, zbus);
  zbus.freed = true; // kfree(zbus)
}

// kernel: zpci_bus_put() — kref_put(&zbus->kref, zpci_bus_release)
export function zpciBusPut(k: Kernel, zbus: ZpciBus): void {
  if (zbus.freed) {
    warn(k, 'lib/refcount.c refcount_warn_saturate', 'refcount_t: underflow; use-after-free.');
    return;
  }
  if (--zbus.kref.refcount === 0) zpciBusRelease(k, zbus);
}

// kernel: zpci_bus_get()
function zpciBusGet(k: Kernel, topo: number, topoIsTid: boolean): ZpciBus | null {
  for (const zbus of zpciGlobals(k).zpciBusList) {
    if (!zbus.multifunction) continue;
    if (topoIsTid === zbus.topoIsTid && topo === zbus.topo) {
      zbus.kref.refcount++;
      return zbus;
    }
  }
  return null;
}

// kernel: zpci_bus_alloc()
function zpciBusAlloc(k: Kernel, topo: number, topoIsTid: boolean): ZpciBus | null {
  if (k.sim.faults.shouldFail(FP_ZPCI_BUS_ALLOC)) return null; // kzalloc
  const zbus: ZpciBus = {
    kref: { refcount: 1 },
    bus: null,
    function: new Array<ZpciDev | null>(ZPCI_FUNCTIONS_PER_BUS).fill(null),
    resources: ['bus 00'], // pci_add_resource(&zbus->resources, &zbus->bus_resource)
    topo,
    topoIsTid,
    domainNr: 0,
    multifunction: false,
    maxBusSpeed: 0,
    msiParentDomain: null,
    onList: true,
    freed: false,
  };
  zpciGlobals(k).zpciBusList.push(zbus); // list_add_tail(&zbus->bus_next, &zbus_list)
  return zbus;
}

// kernel: zpci_bus_is_isolated_vf()
function zpciBusIsIsolatedVf(k: Kernel, zbus: ZpciBus, zdev: ZpciDev): boolean {
  if (!zdev.vfn) return false;
  // a VF whose parent PF is not on this bus gets its own bus (PF lookup not modelled)
  for (const f of zbus.function) if (f?.isPhysfn) return false;
  void k;
  return true;
}

// kernel: zpci_bus_add_device()
function zpciBusAddDevice(k: Kernel, zbus: ZpciBus, zdev: ZpciDev): number {
  const g = zpciGlobals(k);
  const rc = -EINVAL;

  if (zbus.multifunction) {
    if (!zdev.ridAvailable) {
      warn(k, 'arch/s390/pci/pci_bus.c zpci_bus_add_device', 'rid_available not set for multifunction');
      return rc;
    }
    zdev.devfn = zdev.rid & ZPCI_RID_MASK_DEVFN;
  }

  if (zbus.function[zdev.devfn]) {
    k.sim.log.printk('err', `zpci: devfn ${zdev.devfn.toString(16).padStart(4, '0')} is already assigned`);
    return rc;
  }
  zdev.zbus = zbus;
  zbus.function[zdev.devfn] = zdev;
  g.nbDevices++;

  // zpci_init_slot(zdev): the hotplug slot (cannot fail in the model)
  zdev.hasHpSlot = true;

  return 0;
}

// kernel: zpci_bus_device_register()
export function zpciBusDeviceRegister(k: Kernel, zdev: ZpciDev): number {
  const g = zpciGlobals(k);
  const topoIsTid = zdev.tidAvail;
  let zbus: ZpciBus | null = null;
  let rc: number;

  if (g.nbDevices === ZPCI_NR_DEVICES) {
    k.sim.log.printk(
      'warning',
      `zpci: Adding PCI function ${hex8(zdev.fid)} failed because the configured limit of ${ZPCI_NR_DEVICES} is reached`,
    );
    return -ENOSPC;
  }

  const topo = topoIsTid ? zdev.tid : zdev.pchid;
  zbus = zpciBusGet(k, topo, topoIsTid);
  /*
   * An isolated VF gets its own domain/bus even if there exists
   * a matching domain/bus already
   */
  if (zbus && zpciBusIsIsolatedVf(k, zbus, zdev)) {
    zpciBusPut(k, zbus);
    zbus = null;
  }

  if (!zbus) {
    zbus = zpciBusAlloc(k, topo, topoIsTid);
    if (!zbus) return -ENOMEM;
  }

  if (!zbus.bus) {
    /* The UID of the first PCI function registered with a zpci_bus
     * is used as the domain number for that bus. */
    rc = zpciBusCreatePciBus(k, zbus, zdev);
    if (rc) return error(k, zdev, zbus, rc);
  }

  rc = zpciBusAddDevice(k, zbus, zdev);
  if (rc) return error(k, zdev, zbus, rc);

  return 0;
}

function error(k: Kernel, zdev: ZpciDev, zbus: ZpciBus, rc: number): number {
  k.sim.log.printk('err', `zpci: Adding PCI function ${hex8(zdev.fid)} failed`);
  zpciBusPut(k, zbus);
  return rc;
}

// kernel: zpci_bus_device_unregister()
export function zpciBusDeviceUnregister(k: Kernel, zdev: ZpciDev): void {
  const zbus = deref(k, zdev.zbus, 'zpci_bus', 'arch/s390/pci/pci_bus.c zpci_bus_device_unregister');

  zpciGlobals(k).nbDevices--;
  zbus.function[zdev.devfn] = null;
  zpciBusPut(k, zbus);
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
