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
  PCI_CHANNEL_IO_NORMAL,
  PCI_CHANNEL_IO_PERM_FAILURE,
  PCI_D0,
  type PciBus,
  type PciDev,
} from '../../include/linux/pci.ts';
import type { Kernel } from '../../kernel/kernel.ts';

/** Global PCI state of one kernel (k.subsys 'pci'). */
export interface PciState {
  /** pci_msi_enable: cleared by pci=nomsi (pci_no_msi()). */
  msiEnable: boolean;
  /** Root buses, in creation order. */
  rootBuses: PciBus[];
}

export function pciState(k: Kernel): PciState {
  let s = k.subsys.get('pci') as PciState | undefined;
  if (!s) {
    s = { msiEnable: true, rootBuses: [] };
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

// kernel: pci_read_config_byte()
export function pciReadConfigByte(pdev: PciDev, where: number): number {
  if (pciDevIsDisconnected(pdev)) return 0xff;
  return pdev.hw.configRead8(where);
}

// kernel: pci_read_config_word()
export function pciReadConfigWord(pdev: PciDev, where: number): number {
  if (pciDevIsDisconnected(pdev)) return 0xffff;
  return pdev.hw.configRead16(where);
}

// kernel: pci_read_config_dword()
export function pciReadConfigDword(pdev: PciDev, where: number): number {
  if (pciDevIsDisconnected(pdev)) return 0xffffffff;
  return pdev.hw.configRead32(where);
}

// kernel: pci_write_config_byte()
export function pciWriteConfigByte(pdev: PciDev, where: number, val: number): void {
  if (pciDevIsDisconnected(pdev)) return;
  pdev.hw.configWrite8(where, val);
}

// kernel: pci_write_config_word()
export function pciWriteConfigWord(pdev: PciDev, where: number, val: number): void {
  if (pciDevIsDisconnected(pdev)) return;
  pdev.hw.configWrite16(where, val);
}

// kernel: pci_write_config_dword()
export function pciWriteConfigDword(pdev: PciDev, where: number, val: number): void {
  if (pciDevIsDisconnected(pdev)) return;
  pdev.hw.configWrite32(where, val);
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

/** Create a root bus (kernel: pci_create_root_bus(), reduced to what MSI needs). */
export function pciCreateRootBus(k: Kernel, domainNr: number, number: number): PciBus {
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
  };
  bus.dev.owner = bus;
  pciState(k).rootBuses.push(bus);
  return bus;
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
