// SPDX-License-Identifier: GPL-2.0-only
/**
 * PCI core helpers the MSI code relies on: config space accessors over the
 * function's hardware (drivers/pci/access.c), pci_name(), pci_intx()
 * (drivers/pci/pci.c), device and bus creation with MSI domain inheritance
 * (drivers/pci/probe.c: pci_alloc_dev, pci_device_add, pci_set_msi_domain).
 */
import type { PciFunctionHw } from '../../hw/pci/device.ts';
import {
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_MSIX,
  PCI_CAPABILITY_LIST,
  PCI_COMMAND,
  PCI_COMMAND_INTX_DISABLE,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
} from '../../hw/pci/device.ts';
import type { Device, DevresEntry } from '../../include/linux/device.ts';
import type { IrqDomain } from '../../include/linux/irq.ts';
import {
  IORESOURCE_MEM,
  PCI_CHANNEL_IO_NORMAL,
  PCI_CHANNEL_IO_PERM_FAILURE,
  PCI_D0,
  PCI_NUM_RESOURCES,
  type PciBus,
  type PciCfgVal,
  type PciDev,
  type PciOps,
  type PciResource,
} from '../../include/linux/pci.ts';
import type { Kernel } from '../../kernel/kernel.ts';

/** Global PCI state of one kernel (k.subsys 'pci'). */
export interface PciState {
  /** pci_msi_enable: cleared by pci=nomsi (pci_no_msi()). */
  msiEnable: boolean;
  /** Root buses, in creation order. */
  rootBuses: PciBus[];
  /**
   * The ops the architecture passes to pci_create_root_bus() (s390: pci_root_ops, set by
   * pci_base_init()); null: root buses reach the device directly (generic test bridge).
   */
  archRootOps: PciOps | null;
}

export function pciState(k: Kernel): PciState {
  let s = k.subsys.get('pci') as PciState | undefined;
  if (!s) {
    s = { msiEnable: true, rootBuses: [], archRootOps: null };
    k.subsys.set('pci', s);
  }
  return s;
}

// kernel: pci_no_msi()
export function pciNoMsi(k: Kernel): void {
  pciState(k).msiEnable = false;
}

/** kernel: pci_name() — "DDDD:BB:DD.F". */
export function pciName(pdev: PciDev): string {
  return pdev.dev.name;
}

function hex(v: number, w: number): string {
  return v.toString(16).padStart(w, '0');
}

/** dev_name() of a PCI function as pci_setup_device() sets it. */
export function pciDevName(domainNr: number, bus: number, devfn: number): string {
  return `${hex(domainNr, 4)}:${hex(bus, 2)}:${hex(devfn >>> 3, 2)}.${devfn & 7}`;
}

// kernel: PCI_DEVID() / pci_dev_id()
export function pciDevId(pdev: PciDev): number {
  return ((pdev.bus.number & 0xff) << 8) | (pdev.devfn & 0xff);
}

// kernel: pci_dev_is_disconnected()
export function pciDevIsDisconnected(pdev: PciDev): boolean {
  return pdev.errorState === PCI_CHANNEL_IO_PERM_FAILURE;
}

/** PCIBIOS_* return codes (include/linux/pci.h) */
export const PCIBIOS_SUCCESSFUL = 0x00;
export const PCIBIOS_DEVICE_NOT_FOUND = 0x86;
export const PCIBIOS_BAD_REGISTER_NUMBER = 0x87;

/** The `u32 data` of PCI_OP_READ (one scratch: config reads allocate nothing). */
const cfgData: PciCfgVal = { value: 0 };

/** PCI_SET_ERROR_RESPONSE(): all ones of the access width. */
function errorResponse(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

/**
 * kernel: pci_bus_read_config_byte() / _word() / _dword() (drivers/pci/access.c PCI_OP_READ):
 * PCIBIOS_BAD_REGISTER_NUMBER for a misaligned word / dword (`out` untouched), else
 * bus->ops->read(); on failure `out.value` = all ones (PCI_SET_ERROR_RESPONSE). A bus without
 * ops (the generic test host bridge) reads the device directly and cannot fail.
 */
export function pciBusReadConfig(
  bus: PciBus,
  devfn: number,
  pos: number,
  size: number,
  hw: PciFunctionHw | null,
  out: PciCfgVal,
): number {
  if ((size === 2 && pos & 1) || (size === 4 && pos & 3)) return PCIBIOS_BAD_REGISTER_NUMBER;
  const ops = bus.ops;
  if (!ops) {
    if (!hw) {
      out.value = errorResponse(size);
      return PCIBIOS_DEVICE_NOT_FOUND;
    }
    out.value = size === 1 ? hw.configRead8(pos) : size === 2 ? hw.configRead16(pos) : hw.configRead32(pos);
    return PCIBIOS_SUCCESSFUL;
  }
  cfgData.value = 0;
  const res = ops.read(bus, devfn, pos, size, cfgData);
  if (res) out.value = errorResponse(size);
  else
    out.value = size === 1 ? cfgData.value & 0xff : size === 2 ? cfgData.value & 0xffff : cfgData.value >>> 0;
  return res;
}

/**
 * kernel: pci_bus_write_config_byte() / _word() / _dword() (PCI_OP_WRITE): the alignment
 * check, then bus->ops->write(); its result (a failed write is dropped by the platform).
 */
export function pciBusWriteConfig(
  bus: PciBus,
  devfn: number,
  pos: number,
  size: number,
  hw: PciFunctionHw | null,
  value: number,
): number {
  if ((size === 2 && pos & 1) || (size === 4 && pos & 3)) return PCIBIOS_BAD_REGISTER_NUMBER;
  const ops = bus.ops;
  if (!ops) {
    if (!hw) return PCIBIOS_DEVICE_NOT_FOUND;
    if (size === 1) hw.configWrite8(pos, value);
    else if (size === 2) hw.configWrite16(pos, value);
    else hw.configWrite32(pos, value);
    return PCIBIOS_SUCCESSFUL;
  }
  return ops.write(bus, devfn, pos, size, value);
}

/** The `val` of the value-returning config readers (one scratch). */
const readVal: PciCfgVal = { value: 0 };

/**
 * kernel: pci_read_config_byte() / _word() / _dword() with the result: a disconnected device
 * gives all ones and PCIBIOS_DEVICE_NOT_FOUND, else pci_bus_read_config_*() on dev->bus.
 */
export function pciReadConfigRc(pdev: PciDev, where: number, size: number, out: PciCfgVal): number {
  if (pciDevIsDisconnected(pdev)) {
    out.value = errorResponse(size);
    return PCIBIOS_DEVICE_NOT_FOUND;
  }
  return pciBusReadConfig(pdev.bus, pdev.devfn, where, size, pdev.hw, out);
}

/** kernel: pci_write_config_byte() / _word() / _dword() with the result. */
export function pciWriteConfigRc(pdev: PciDev, where: number, size: number, val: number): number {
  if (pciDevIsDisconnected(pdev)) return PCIBIOS_DEVICE_NOT_FOUND;
  return pciBusWriteConfig(pdev.bus, pdev.devfn, where, size, pdev.hw, val);
}

// kernel: pci_read_config_byte() — the value (the callers here ignore the result)
export function pciReadConfigByte(pdev: PciDev, where: number): number {
  readVal.value = 0;
  pciReadConfigRc(pdev, where, 1, readVal);
  return readVal.value;
}

// kernel: pci_read_config_word()
export function pciReadConfigWord(pdev: PciDev, where: number): number {
  readVal.value = 0;
  pciReadConfigRc(pdev, where, 2, readVal);
  return readVal.value;
}

// kernel: pci_read_config_dword()
export function pciReadConfigDword(pdev: PciDev, where: number): number {
  readVal.value = 0;
  pciReadConfigRc(pdev, where, 4, readVal);
  return readVal.value;
}

// kernel: pci_write_config_byte()
export function pciWriteConfigByte(pdev: PciDev, where: number, val: number): void {
  pciWriteConfigRc(pdev, where, 1, val);
}

// kernel: pci_write_config_word()
export function pciWriteConfigWord(pdev: PciDev, where: number, val: number): void {
  pciWriteConfigRc(pdev, where, 2, val);
}

// kernel: pci_write_config_dword()
export function pciWriteConfigDword(pdev: PciDev, where: number, val: number): void {
  pciWriteConfigRc(pdev, where, 4, val);
}

// kernel: pci_find_capability()
export function pciFindCapability(pdev: PciDev, cap: number): number {
  if ((pciReadConfigWord(pdev, PCI_STATUS) & PCI_STATUS_CAP_LIST) === 0) return 0;
  let pos = pciReadConfigByte(pdev, PCI_CAPABILITY_LIST) & ~3;
  for (let ttl = 48; pos >= 0x40 && ttl > 0; ttl--) {
    const id = pciReadConfigByte(pdev, pos);
    if (id === 0xff) break;
    if (id === cap) return pos;
    pos = pciReadConfigByte(pdev, pos + 1) & ~3;
  }
  return 0;
}

// kernel: pci_intx()
export function pciIntx(pdev: PciDev, enable: boolean): void {
  const old = pciReadConfigWord(pdev, PCI_COMMAND);
  const neu = enable ? old & ~PCI_COMMAND_INTX_DISABLE : old | PCI_COMMAND_INTX_DISABLE;
  if (neu !== old) pciWriteConfigWord(pdev, PCI_COMMAND, neu);
  pdev.intxEnabled = enable;
}

// kernel: dev_get_msi_domain()
export function devGetMsiDomain(dev: Device): IrqDomain | null {
  return dev.msiDomain;
}

// kernel: dev_set_msi_domain()
export function devSetMsiDomain(dev: Device, d: IrqDomain | null): void {
  dev.msiDomain = d;
}

// kernel: devres_add() (model: a release callback on the device)
export function devresAdd(dev: Device, entry: DevresEntry): void {
  if (!dev.devres) dev.devres = [];
  dev.devres.push(entry);
}

// kernel: devres_release_all() — reverse order of addition
export function devresReleaseAll(k: Kernel, dev: Device): number {
  const list = dev.devres;
  if (!list) return 0;
  let n = 0;
  while (list.length > 0) {
    const e = list.pop()!;
    e.release(k, dev);
    n++;
  }
  return n;
}

/**
 * Create a root bus (kernel: pci_create_root_bus(), reduced to what MSI needs) with `ops` for
 * its configuration space (default: the architecture's, see PciState.archRootOps).
 */
export function pciCreateRootBus(
  k: Kernel,
  domainNr: number,
  number: number,
  ops: PciOps | null = pciState(k).archRootOps,
): PciBus {
  const bus: PciBus = {
    number,
    domainNr,
    dev: {
      name: `pci${hex(domainNr, 4)}:${hex(number, 2)}`,
      parent: null,
      msiDomain: null,
      msiData: null,
      owner: null,
    },
    parent: null,
    self: null,
    busFlags: 0,
    devices: [],
    ops,
  };
  bus.dev.owner = bus;
  pciState(k).rootBuses.push(bus);
  return bus;
}

/** Model base of the memory BAR addresses pci_read_bases() assigns (one 1 MiB window per BAR). */
const BAR_BASE = 0x40000000;

/**
 * kernel: pci_read_bases() (reduced): dev->resource[] of the memory BARs the function
 * implements. [model] The device model has no BAR registers; its BARs are the ones holding
 * the MSI-X table and PBA, sized to the next power of two (at least 4 KiB) past them.
 */
export function pciReadBases(hw: PciFunctionHw): PciResource[] {
  const res: PciResource[] = [];
  for (let i = 0; i < PCI_NUM_RESOURCES; i++) res.push({ start: 0, len: 0, flags: 0 });
  if (!hw.msixCap) return res;
  const tableEnd = hw.msixTableOffset + hw.msixTableSize * 16;
  const pbaEnd = hw.msixPbaOffset + hw.msixPba.length;
  for (const [bir, end] of [
    [hw.msixTableBir, hw.msixTableBir === hw.msixPbaBir ? Math.max(tableEnd, pbaEnd) : tableEnd],
    [hw.msixPbaBir, hw.msixTableBir === hw.msixPbaBir ? Math.max(tableEnd, pbaEnd) : pbaEnd],
  ] as const) {
    if (bir > 5) continue;
    let len = 4096;
    while (len < end) len *= 2;
    const r = res[bir]!;
    r.start = BAR_BASE + bir * 0x100000;
    r.len = Math.max(r.len, len);
    r.flags = IORESOURCE_MEM;
  }
  return res;
}

// kernel: pci_resource_flags()
export function pciResourceFlags(pdev: PciDev, bar: number): number {
  return pdev.resource?.[bar]?.flags ?? 0;
}

// kernel: pci_resource_len()
export function pciResourceLen(pdev: PciDev, bar: number): number {
  const r = pdev.resource?.[bar];
  return r?.flags ? r.len : 0;
}

// kernel: pci_alloc_dev() + pci_setup_device() (config header parsing reduced to the caps)
export function pciAllocDev(bus: PciBus, devfn: number, hw: PciFunctionHw): PciDev {
  const pdev: PciDev = {
    dev: {
      name: pciDevName(bus.domainNr, bus.number, devfn),
      parent: bus.dev,
      msiDomain: null,
      msiData: null,
      owner: null,
    },
    bus,
    devfn,
    vendor: hw.configRead16(0),
    device: hw.configRead16(2),
    hw,
    msiCap: 0,
    msixCap: 0,
    irq: 0,
    msiEnabled: false,
    msixEnabled: false,
    msixBase: 0,
    msixBir: 0,
    currentState: PCI_D0,
    errorState: PCI_CHANNEL_IO_NORMAL,
    noMsi: false,
    no64bitMsi: false,
    devFlags: 0,
    isManaged: false,
    isMsiManaged: false,
    intxEnabled: true,
    driver: null,
    isAdded: false,
    freed: false,
    resource: pciReadBases(hw),
  };
  pdev.dev.owner = pdev;
  return pdev;
}

// kernel: pci_msi_init() / pci_msix_init() — find the capabilities, leave MSI/MSI-X disabled
export function pciMsiInit(pdev: PciDev): void {
  pdev.msiCap = pciFindCapability(pdev, PCI_CAP_ID_MSI);
  pdev.msixCap = pciFindCapability(pdev, PCI_CAP_ID_MSIX);
}

// kernel: pci_set_msi_domain() — inherit the bus device's MSI domain unless one is set
export function pciSetMsiDomain(pdev: PciDev): void {
  let d = devGetMsiDomain(pdev.dev);
  if (!d) d = devGetMsiDomain(pdev.bus.dev);
  devSetMsiDomain(pdev.dev, d);
}

/**
 * kernel: pci_device_add() (+ pci_scan_single_device() front end): set up the pci_dev for
 * `hw` at `devfn` on `bus`, find its MSI/MSI-X capabilities, inherit the MSI domain, add it
 * to the bus. The driver is attached separately (pci_bus_add_device()).
 */
export function pciDeviceAdd(k: Kernel, bus: PciBus, devfn: number, hw: PciFunctionHw): PciDev {
  const pdev = pciAllocDev(bus, devfn, hw);
  pciMsiInit(pdev);
  pciSetMsiDomain(pdev);
  bus.devices.push(pdev);
  void k;
  return pdev;
}
