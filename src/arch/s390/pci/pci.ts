// SPDX-License-Identifier: GPL-2.0-only
/**
 * arch/s390/pci/pci.c (the legacy base, ~6.17/6.18), as far as the interrupt path needs
 * it: the zpci_dev list and kref, PCI domain numbers (UID checking), function handle
 * updates, enable / disable / re-enable / hot reset (CLP), the IOMMU's DMA translation
 * registration (MPCIFC REG_IOAT, reduced), error-state MPCIFCs, device creation and
 * removal, the boot scan, and pci_base_init() -> zpci_irq_init() of the selected backend.
 *
 * Patched versions: mainline's zpci_reenable_device() re-registers the interrupts
 * (backend.zpciSetIrq, see backend.ts); everything else here is common to all backends.
 */

import { pciState } from '../../../drivers/pci/pci.ts';
import type { Machine } from '../../../hw/s390x/machine.ts';
import { EEXIST, EINVAL, EIO, ENODEV, ENOMEM, ENOSPC } from '../../../include/linux/errno.ts';
import type { PciBus, PciCfgVal, PciOps } from '../../../include/linux/pci.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { deref, warn } from '../../../kernel/panic.ts';
import { declareFailurePoint } from '../../../sim/faults.ts';
import {
  ZPCI_FN_STATE_CONFIGURED,
  ZPCI_FN_STATE_RESERVED,
  ZPCI_FUNCTIONS_PER_BUS,
  ZPCI_NR_DEVICES,
  ZPCI_NR_DMA_SPACES,
  type ZpciBus,
  type ZpciDev,
  zdevEnabled,
  zpciFibStore,
  zpciFibZero,
  zpciGlobals,
} from '../include/asm/pci.ts';
import { s390Machine } from '../kernel/irq.ts';
import type { ZpciIrqBackend } from './backend.ts';
import {
  zpciBusDeviceRegister,
  zpciBusDeviceUnregister,
  zpciBusRemoveDevice,
  zpciBusScanBusses,
  zpciBusScanDevice,
} from './pci_bus.ts';
import {
  type ClpFhListEntry,
  clpDisableFh,
  clpEnableFh,
  clpListPci,
  clpQueryPciFn,
  clpRefreshFh,
  type FhOut,
} from './pci_clp.ts';
import {
  __zpciLoad,
  __zpciStore,
  ZPCI_MOD_FC_REG_IOAT,
  ZPCI_MOD_FC_RESET_BLOCK,
  ZPCI_MOD_FC_RESET_ERROR,
  type ZpciLoadData,
  type ZpciStatus,
  zpciCreateReq,
  zpciModFc,
} from './pci_insn.ts';

export const FP_ZPCI_CREATE_DEVICE = declareFailurePoint(
  'zpci_create_device',
  'zpci_create_device',
  'kernel',
  'kzalloc NULL: ERR_PTR(-ENOMEM)',
);
export const FP_ZPCI_ALLOC_DOMAIN = declareFailurePoint(
  'zpci_alloc_domain',
  'zpci_alloc_domain',
  'kernel',
  '-ENOSPC (maximum number of domains reached)',
);

/** CLP_RC_SETPCIFN_ALRDY (asm/pci_clp.h) */
const CLP_RC_SETPCIFN_ALRDY = 0x0105;
/** PCI_FUNC_TYPE_ISM */
const PCI_FUNC_TYPE_ISM = 5;

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/* ---------------------------------------------------------------- zdev list */

// kernel: get_zdev_by_fid() — takes a reference (zpci_zdev_get)
export function getZdevByFid(k: Kernel, fid: number): ZpciDev | null {
  for (const zdev of zpciGlobals(k).zpciList) {
    if (zdev.fid === fid >>> 0) {
      zdev.kref.refcount++;
      return zdev;
    }
  }
  return null;
}

// kernel: zpci_zdev_get()
export function zpciZdevGet(zdev: ZpciDev): void {
  zdev.kref.refcount++;
}

// kernel: zpci_zdev_put() — kref_put_lock(&zdev->kref, zpci_release_device, &zpci_list_lock)
export function zpciZdevPut(k: Kernel, zdev: ZpciDev | null): void {
  if (!zdev) return;
  if (zdev.freed) {
    warn(k, 'lib/refcount.c refcount_warn_saturate', 'refcount_t: underflow; use-after-free.');
    return;
  }
  if (--zdev.kref.refcount === 0) zpciReleaseDevice(k, zdev);
}

/* ---------------------------------------------------------- PCI domains */

// kernel: __zpci_register_domain()
function __zpciRegisterDomain(k: Kernel, domain: number): number {
  const g = zpciGlobals(k);
  if (g.domains[domain]) {
    k.sim.log.printk('err', `zpci: Domain ${domain.toString(16).padStart(4, '0')} is already assigned`);
    return -EEXIST;
  }
  g.domains[domain] = 1;
  g.numDomainsAllocated++;
  return domain;
}

// kernel: __zpci_alloc_domain()
function __zpciAllocDomain(k: Kernel): number {
  const g = zpciGlobals(k);
  /*
   * We can always auto allocate domains below ZPCI_NR_DEVICES.
   * There is either a free domain or we have reached the maximum in
   * which case we would have bailed earlier.
   */
  let domain = 0;
  while (domain < ZPCI_NR_DEVICES && g.domains[domain]) domain++;
  g.domains[domain] = 1;
  g.numDomainsAllocated++;
  return domain;
}

// kernel: zpci_alloc_domain()
export function zpciAllocDomain(k: Kernel, domain: number): number {
  const g = zpciGlobals(k);
  if (g.numDomainsAllocated > ZPCI_NR_DEVICES - 1 || k.sim.faults.shouldFail(FP_ZPCI_ALLOC_DOMAIN)) {
    k.sim.log.printk(
      'err',
      'zpci: Adding PCI function failed because the maximum number of domains is reached',
    );
    return -ENOSPC;
  }

  if (g.uniqueUid) {
    if (domain) return __zpciRegisterDomain(k, domain);
    k.sim.log.printk(
      'warning',
      'zpci: UID checking was active but no UID is provided: switching to automatic domain allocation',
    );
    g.uniqueUid = false; // update_uid_checking(false)
  }
  return __zpciAllocDomain(k);
}

// kernel: zpci_free_domain()
export function zpciFreeDomain(k: Kernel, domain: number): void {
  const g = zpciGlobals(k);
  g.domains[domain] = 0;
  g.numDomainsAllocated--;
}

/* ---------------------------------------------------------- FH, enable */

// kernel: zpci_update_fh() — true when the handle changed
export function zpciUpdateFh(zdev: ZpciDev, fh: number): boolean {
  if (!fh || zdev.fh === fh >>> 0) return false;
  zdev.fh = fh >>> 0;
  // zpci_use_mio() is off in the model; with resources the BARs would be remapped
  return true;
}

// kernel: zpci_enable_device()
export function zpciEnableDevice(k: Kernel, zdev: ZpciDev): number {
  const fh: FhOut = { fh: zdev.fh };
  let rc = 0;

  if (clpEnableFh(k, zdev, fh, ZPCI_NR_DMA_SPACES)) rc = -EIO;
  else zpciUpdateFh(zdev, fh.fh);
  return rc;
}

// kernel: zpci_disable_device()
export function zpciDisableDevice(k: Kernel, zdev: ZpciDev): number {
  const fh: FhOut = { fh: zdev.fh };
  let rc = 0;

  const cc = clpDisableFh(k, zdev, fh);
  if (!cc) {
    zpciUpdateFh(zdev, fh.fh);
  } else if (cc === CLP_RC_SETPCIFN_ALRDY) {
    k.sim.log.printk(
      'info',
      `zpci: Disabling PCI function ${hex8(zdev.fid)} had no effect as it was already disabled`,
    );
    /* Function is already disabled - update handle */
    rc = clpRefreshFh(k, zdev.fid, fh);
    if (!rc) {
      zpciUpdateFh(zdev, fh.fh);
      rc = -EINVAL;
    }
  } else {
    rc = -EIO;
  }
  if (rc === 0) zdev.ioatRegistered = false; // the firmware dropped the DMA translation
  // irqlab (domain backend only): the firmware no longer writes the function's indicators.
  if (rc === 0 || rc === -EINVAL) zpciGlobals(k).backend?.zpciIrqFunctionDisabled?.(k, zdev);
  return rc;
}

// kernel: zpci_register_ioat() — returns the MPCIFC cc
export function zpciRegisterIoat(
  k: Kernel,
  zdev: ZpciDev,
  dmaas: number,
  base: bigint,
  limit: bigint,
  iota: bigint,
  status: ZpciStatus,
): number {
  const req = zpciCreateReq(zdev.fh, dmaas, ZPCI_MOD_FC_REG_IOAT);
  const fib = zpciFibZero();

  fib.pba = base;
  /* Work around off by one in ISM virt device */
  if (zdev.pft === PCI_FUNC_TYPE_ISM && limit > base) fib.pal = limit + (1n << 12n);
  else fib.pal = limit;
  fib.iota = iota;
  fib.gd = zdev.gisa;
  const cc = zpciModFc(k, req, zpciFibStore(k, fib), status);
  if (cc === 0) zdev.ioatRegistered = true;
  return cc;
}

/** kernel: zpci_iommu_register_ioat() (drivers/iommu/s390-iommu.c, reduced: a fixed aperture). */
export function zpciIommuRegisterIoat(k: Kernel, zdev: ZpciDev, status: ZpciStatus): number {
  return zpciRegisterIoat(k, zdev, 0, 0x100000000n, 0x1ffffffffn, 0x1000n, status);
}

// kernel: zpci_reenable_device()
export function zpciReenableDevice(k: Kernel, zdev: ZpciDev): number {
  const status: ZpciStatus = { status: 0 };
  const be = zpciGlobals(k).backend;
  let rc: number;

  rc = zpciEnableDevice(k, zdev);
  if (rc) return rc;

  if (be?.zpciSetIrq) {
    // mainline: re-register the interrupts the disable dropped
    if (zdev.msiNrIrqs > 0) {
      rc = be.zpciSetIrq(k, zdev);
      if (rc) return rc;
    }
  }

  rc = zpciIommuRegisterIoat(k, zdev, status);
  if (rc) zpciDisableDevice(k, zdev);

  return rc;
}

// kernel: zpci_hot_reset_device() (zdev->state_lock held)
export function zpciHotResetDevice(k: Kernel, zdev: ZpciDev): number {
  let rc: number;

  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'zpci_dbg', { rst: zdev.fid, fh: zdev.fh });
  if (zdevEnabled(zdev)) {
    /* Disables device access, DMAs and IRQs (reset state) */
    rc = zpciDisableDevice(k, zdev);
    /*
     * Due to a z/VM vs LPAR inconsistency in the error state the
     * FH may indicate an enabled device but disable says the
     * device is already disabled don't treat it as an error here.
     */
    if (rc === -EINVAL) rc = 0;
    if (rc) return rc;
  }

  rc = zpciReenableDevice(k, zdev);

  return rc;
}

// kernel: zpci_reset_load_store_blocked() — MPCIFC RESET_BLOCK
export function zpciResetLoadStoreBlocked(k: Kernel, zdev: ZpciDev): number {
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_RESET_BLOCK);
  const fib = zpciFibZero();
  const status: ZpciStatus = { status: 0 };
  const cc = zpciModFc(k, req, zpciFibStore(k, fib), status);
  return cc ? -EIO : 0;
}

// kernel: zpci_clear_error_state() — MPCIFC RESET_ERROR
export function zpciClearErrorState(k: Kernel, zdev: ZpciDev): number {
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_RESET_ERROR);
  const fib = zpciFibZero();
  const status: ZpciStatus = { status: 0 };
  const cc = zpciModFc(k, req, zpciFibStore(k, fib), status);
  return cc ? -EIO : 0;
}

/* ------------------------------------------------- configuration space */

/** ZPCI_PCIAS_CFGSPC (arch/s390/pci/pci.c): the PCI address space of the configuration space. */
export const ZPCI_PCIAS_CFGSPC = 15;

/** The loaded doubleword of zpci_cfg_load() (one scratch: config reads allocate nothing). */
const cfgLoad: ZpciLoadData = { data: 0 };

/**
 * le64_to_cpu() then `>>= (8 - len) * 8` (zpci_cfg_load) / `<<=` then cpu_to_le64()
 * (zpci_cfg_store) on a big-endian CPU, for len 1, 2, 4: the low `len` bytes reversed.
 */
function cfgSwap(v: number, len: number): number {
  if (len === 1) return v & 0xff;
  if (len === 2) return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
}

/**
 * kernel: zpci_cfg_load() (6.18: no zdev_enabled() short cut, the PCILG goes out with
 * whatever handle the zdev holds) — 0 and `out.value`, or the __zpci_load() error (-EIO for
 * cc 1 / cc 3) and all ones. Linux 84d875e69818 (2026) returns -ENODEV before the
 * instruction for a handle without the enable bit; pci_read() gives -ENODEV either way.
 */
export function zpciCfgLoad(k: Kernel, zdev: ZpciDev, offset: number, out: PciCfgVal, len: number): number {
  const rc = __zpciLoad(k, cfgLoad, zdev.fh, ZPCI_PCIAS_CFGSPC, len, offset);
  if (!rc) out.value = cfgSwap(cfgLoad.data, len);
  else out.value = 0xffffffff;
  return rc;
}

/** kernel: zpci_cfg_store() — PCISTG of `val`; 0 or the __zpci_store() error (the write is lost). */
export function zpciCfgStore(k: Kernel, zdev: ZpciDev, offset: number, val: number, len: number): number {
  return __zpciStore(k, cfgSwap(val, len), zdev.fh, ZPCI_PCIAS_CFGSPC, len, offset);
}

// kernel: zdev_from_bus() (arch/s390/pci/pci_bus.h)
function zdevFromBus(bus: PciBus, devfn: number): ZpciDev | null {
  const zbus = bus.sysdata as ZpciBus | undefined;
  if (!zbus) return null;
  return devfn >= ZPCI_FUNCTIONS_PER_BUS ? null : (zbus.function[devfn] ?? null);
}

// kernel: pci_read() — -ENODEV without a zdev or when the load fails
function pciRead(k: Kernel, bus: PciBus, devfn: number, where: number, size: number, val: PciCfgVal): number {
  const zdev = zdevFromBus(bus, devfn);
  if (!zdev || zpciCfgLoad(k, zdev, where, val, size)) return -ENODEV;
  return 0;
}

// kernel: pci_write() — -ENODEV without a zdev or when the store fails
function pciWrite(k: Kernel, bus: PciBus, devfn: number, where: number, size: number, val: number): number {
  const zdev = zdevFromBus(bus, devfn);
  if (!zdev || zpciCfgStore(k, zdev, where, val, size)) return -ENODEV;
  return 0;
}

/**
 * kernel: pci_root_ops (struct pci_ops { .read = pci_read, .write = pci_write }) of kernel `k`.
 * The kernel hands them to pci_create_root_bus() through zpci_bus_device_register(); the
 * model's pci_bus.ts creates the root bus without naming them, so pci_base_init() installs
 * them as the architecture's root-bus ops (PciState.archRootOps).
 */
export function pciRootOps(k: Kernel): PciOps {
  return {
    read: (bus, devfn, where, size, val) => pciRead(k, bus, devfn, where, size, val),
    write: (bus, devfn, where, size, val) => pciWrite(k, bus, devfn, where, size, val),
  };
}

/* ------------------------------------------------------- create / remove */

function machine(k: Kernel): Machine {
  return deref(k, s390Machine(k), 'machine', 'arch/s390/pci/pci.c');
}

/**
 * kernel: zpci_create_device() — kzalloc the zdev, CLP query function and group (fills
 * msi_addr, max_msi, uid, ...), set the state. Returns the zdev or a negative errno
 * (ERR_PTR). The zdev is not on any list yet (zpci_add_device does that).
 */
export function zpciCreateDevice(k: Kernel, fid: number, fh: number, state: number): ZpciDev | number {
  if (k.sim.faults.shouldFail(FP_ZPCI_CREATE_DEVICE)) return -ENOMEM;
  const fn = machine(k).fn(fid);
  const zdev: ZpciDev = {
    zbus: null,
    onList: false,
    kref: { refcount: 0 },
    stateLock: { locked: false },
    state: 0,
    fid: fid >>> 0,
    fh: fh >>> 0,
    gisa: 0,
    pfgid: 0,
    pft: 0,
    vfn: 0,
    pchid: 0,
    maxstbl: 0,
    rid: 0,
    tid: 0,
    ridAvailable: false,
    hasHpSlot: false,
    hasResources: false,
    isPhysfn: false,
    tidAvail: false,
    devfn: 0,
    uid: 0,
    dmaMask: 0n,
    msiAddr: 0n,
    maxMsi: 0,
    msiFirstBit: 0,
    msiNrIrqs: 0,
    aibv: null,
    aisb: 0,
    ioatRegistered: false,
    kzdev: null,
    hw: deref(k, fn, 'zpci function hardware', 'arch/s390/pci/pci.c zpci_create_device').device,
    vendorId: 0,
    deviceId: 0,
    freed: false,
  };

  /* Query function properties and update zdev */
  const rc = clpQueryPciFn(k, zdev);
  if (rc) {
    if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'zpci_dbg', { crt: fid, rc });
    zdev.freed = true; // kfree(zdev)
    return rc;
  }
  zdev.state = state;
  // mutex_init(&zdev->state_lock) ...
  return zdev;
}

/** kernel: zpci_init_iommu() / zpci_destroy_iommu() (the IOMMU device is not modelled) */
function zpciInitIommu(_k: Kernel, _zdev: ZpciDev): number {
  return 0;
}

// kernel: zpci_add_device()
export function zpciAddDevice(k: Kernel, zdev: ZpciDev): number {
  let rc: number;

  if (k.sim.trace.enabled)
    k.sim.trace.emit(k.currentCpu, 'zpci_dbg', { add: zdev.fid, fh: zdev.fh, c: zdev.state });
  rc = zpciInitIommu(k, zdev);
  if (rc) return rc;

  rc = zpciBusDeviceRegister(k, zdev);
  if (rc) return rc; // zpci_destroy_iommu(zdev)

  zdev.kref.refcount = 1; // kref_init
  zpciGlobals(k).zpciList.push(zdev); // list_add_tail(&zdev->entry, &zpci_list)
  zdev.onList = true;
  return 0;
}

// kernel: zpci_scan_configured_device()
export function zpciScanConfiguredDevice(k: Kernel, zdev: ZpciDev, fh: number): number {
  zpciUpdateFh(zdev, fh);
  return zpciBusScanDevice(k, zdev);
}

// kernel: zpci_deconfigure_device() (state_lock held)
export function zpciDeconfigureDevice(k: Kernel, zdev: ZpciDev): number {
  let rc: number;

  if (zdev.state !== ZPCI_FN_STATE_CONFIGURED) return 0;

  if (zdev.zbus?.bus) zpciBusRemoveDevice(k, zdev, false);

  if (zdevEnabled(zdev)) {
    rc = zpciDisableDevice(k, zdev);
    if (rc) return rc;
  }

  rc = machine(k).sclpDeconfigure(zdev.fid); // sclp_pci_deconfigure()
  if (rc) return -EIO;
  zdev.state = 0; // ZPCI_FN_STATE_STANDBY

  return 0;
}

// kernel: zpci_device_reserved() (state_lock held)
export function zpciDeviceReserved(k: Kernel, zdev: ZpciDev): void {
  /* We may declare the device reserved multiple times */
  if (zdev.state === ZPCI_FN_STATE_RESERVED) return;
  zdev.state = ZPCI_FN_STATE_RESERVED;
  /*
   * The underlying device is gone. Allow the zdev to be freed
   * as soon as all other references are gone by accounting for
   * the removal as a dropped reference.
   */
  zpciZdevPut(k, zdev);
}

// kernel: zpci_release_device() (kref release)
export function zpciReleaseDevice(k: Kernel, zdev: ZpciDev): void {
  const g = zpciGlobals(k);

  if (zdev.state !== ZPCI_FN_STATE_RESERVED)
    warn(k, 'arch/s390/pci/pci.c zpci_release_device', 'WARN_ON(zdev->state != ZPCI_FN_STATE_RESERVED)');

  if (zdev.zbus?.bus) zpciBusRemoveDevice(k, zdev, false);

  if (zdevEnabled(zdev)) zpciDisableDevice(k, zdev);

  // list_del(&zdev->entry)
  const i = g.zpciList.indexOf(zdev);
  if (i >= 0) g.zpciList.splice(i, 1);
  zdev.onList = false;

  if (zdev.hasHpSlot) zdev.hasHpSlot = false; // zpci_exit_slot()
  if (zdev.hasResources) zdev.hasResources = false; // zpci_cleanup_bus_resources()

  zpciBusDeviceUnregister(k, zdev);
  // zpci_destroy_iommu(zdev)
  zdev.freed = true; // kfree_rcu(zdev, rcu)
}

/* ------------------------------------------------------------ boot scan */

// kernel: clp_scan_pci_devices() with __clp_add()
export function clpScanPciDevices(k: Kernel, scanList: ZpciDev[]): number {
  for (const entry of clpListPci(k)) {
    if (!entry.vendorId) continue;
    const existing = getZdevByFid(k, entry.fid);
    if (existing) {
      zpciZdevPut(k, existing);
      continue;
    }
    const zdev = zpciCreateDevice(k, entry.fid, entry.fh, entryState(entry));
    if (typeof zdev === 'number') continue;
    scanList.push(zdev);
  }
  return 0;
}

function entryState(e: ClpFhListEntry): number {
  return e.configState ? ZPCI_FN_STATE_CONFIGURED : 0;
}

// kernel: zpci_cmp_rid() (list_sort by RID; functions without a RID sort as 0)
function zpciCmpRid(a: ZpciDev, b: ZpciDev): number {
  const ra = a.ridAvailable ? a.rid : 0;
  const rb = b.ridAvailable ? b.rid : 0;
  return ra - rb;
}

// kernel: zpci_add_devices()
function zpciAddDevices(k: Kernel, scanList: ZpciDev[]): void {
  const sorted = scanList.slice().sort(zpciCmpRid); // stable, like list_sort
  for (const zdev of sorted) {
    if (zpciAddDevice(k, zdev)) zdev.freed = true; // kfree(zdev)
  }
}

// kernel: zpci_scan_devices()
export function zpciScanDevices(k: Kernel): number {
  const scanList: ZpciDev[] = [];

  const rc = clpScanPciDevices(k, scanList);
  if (rc) return rc;

  zpciAddDevices(k, scanList);
  zpciBusScanBusses(k);
  return 0;
}

// kernel: zpci_remove_reserved_devices()
export function zpciRemoveReservedDevices(k: Kernel): void {
  const g = zpciGlobals(k);
  const keep = new Set(clpListPci(k).map((e) => e.fid));
  for (const zdev of g.zpciList.slice()) {
    if (zdev.state === 0 && !keep.has(zdev.fid)) zpciDeviceReserved(k, zdev);
  }
}

/* ---------------------------------------------------------------- init */

/** kernel: pcibios_setup() — the `pci=` options s390 understands. Returns true when consumed. */
export function pcibiosSetup(k: Kernel, str: string): boolean {
  const g = zpciGlobals(k);
  switch (str) {
    case 'off':
      g.probe = false;
      return true;
    case 'nomio':
      return true;
    case 'force_floating':
      g.forceFloating = true;
      return true;
    case 'norid':
      g.noRid = true;
      return true;
    default:
      return false;
  }
}

/**
 * kernel: pci_base_init() (subsys_initcall_sync) — facilities 69 and 71, zpci_irq_init()
 * of `backend`, zpci_scan_devices(); on scan failure zpci_irq_exit(). Returns 0 or
 * -errno (0 also when PCI is off or unsupported, as the kernel does).
 */
export function zpciInit(k: Kernel, backend: ZpciIrqBackend): number {
  const g = zpciGlobals(k);
  const m = machine(k);
  let rc: number;

  g.backend = backend;
  g.sclpHasDirq = m.hasDirq; // sclp.has_dirq, read at early SCLP init
  pciState(k).archRootOps = pciRootOps(k); // &pci_root_ops for every zPCI root bus

  if (!g.probe) return 0;

  if (!m.testFacility(69) || !m.testFacility(71)) {
    k.sim.log.printk('info', 'zpci: PCI is not supported because CPU facilities 69 or 71 are not available');
    return 0;
  }

  // zpci_debug_init(), zpci_mem_init(): nothing to model
  rc = backend.zpciIrqInit(k);
  if (rc) return rc;

  rc = zpciScanDevices(k);
  if (rc) {
    backend.zpciIrqExit(k);
    return rc;
  }

  g.initialized = true;
  return 0;
}
