// SPDX-License-Identifier: GPL-2.0-only
/**
 * struct pci_dev, struct pci_bus, struct pci_driver as far as MSI needs them
 * (include/linux/pci.h). Behaviour in src/drivers/pci/.
 */
import type { PciFunctionHw } from '../../hw/pci/device.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import type { Device } from './device.ts';

/** pci_alloc_irq_vectors() flags */
export const PCI_IRQ_INTX = 1 << 0;
export const PCI_IRQ_MSI = 1 << 1;
export const PCI_IRQ_MSIX = 1 << 2;
export const PCI_IRQ_AFFINITY = 1 << 3;
export const PCI_IRQ_VIRTUAL = 1 << 4;
export const PCI_IRQ_ALL_TYPES = PCI_IRQ_INTX | PCI_IRQ_MSI | PCI_IRQ_MSIX;

/** pci_power_t */
export const PCI_D0 = 0;
export const PCI_D3HOT = 3;

/** pci_channel_state_t: pci_channel_io_perm_failure marks a disconnected device. */
export const PCI_CHANNEL_IO_NORMAL = 1;
export const PCI_CHANNEL_IO_FROZEN = 2;
export const PCI_CHANNEL_IO_PERM_FAILURE = 3;

/** pci_bus_flags_t */
export const PCI_BUS_FLAGS_NO_MSI = 1;

/** pci_dev_flags */
export const PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG = 1 << 0;
export const PCI_DEV_FLAGS_HAS_MSI_MASKING = 1 << 12;

/** struct pci_bus */
export interface PciBus {
  /** Bus number. */
  number: number;
  /** pci_domain_nr(bus): the PCI segment. */
  domainNr: number;
  /** The bus's own struct device: its msiDomain is what devices inherit. */
  dev: Device;
  parent: PciBus | null;
  /** Bridge device for non-root buses. */
  self: PciDev | null;
  busFlags: number;
  /** Devices on this bus, in add order. */
  devices: PciDev[];
  /** bus->sysdata (s390: the struct zpci_bus). */
  sysdata?: unknown;
  /** bus->ops: configuration space access (s390: pci_root_ops). Absent: the device directly. */
  ops?: PciOps | null;
}

/** The `u32 *val` of struct pci_ops .read */
export interface PciCfgVal {
  value: number;
}

/** struct pci_ops: 0 or a negative errno / PCIBIOS_* code; `size` is 1, 2 or 4. */
export interface PciOps {
  read(bus: PciBus, devfn: number, where: number, size: number, val: PciCfgVal): number;
  write(bus: PciBus, devfn: number, where: number, size: number, val: number): number;
}

/** struct resource flags (include/linux/ioport.h) */
export const IORESOURCE_MEM = 0x00000200;
export const IORESOURCE_UNSET = 0x20000000;
/** PCI_NUM_RESOURCES with CONFIG_PCI_IOV (6 BARs, ROM, 6 IOV, 4 bridge windows) */
export const PCI_NUM_RESOURCES = 17;

/** struct resource, as far as the MSI-X table mapping needs it */
export interface PciResource {
  start: number;
  /** resource_size(): end - start + 1 (0 when unset) */
  len: number;
  flags: number;
}

/** struct pci_device_id (subset) */
export interface PciDeviceId {
  vendor: number;
  device: number;
}

/** pci_ers_result_t */
export const PCI_ERS_RESULT_NONE = 1;
export const PCI_ERS_RESULT_CAN_RECOVER = 2;
export const PCI_ERS_RESULT_NEED_RESET = 3;
export const PCI_ERS_RESULT_DISCONNECT = 4;
export const PCI_ERS_RESULT_RECOVERED = 5;
export const PCI_ERS_RESULT_NO_AER_DRIVER = 6;

/** struct pci_error_handlers (the callbacks s390 recovery uses) */
export interface PciErrorHandlers {
  errorDetected?(k: Kernel, pdev: PciDev, state: number): number;
  mmioEnabled?(k: Kernel, pdev: PciDev): number;
  slotReset?(k: Kernel, pdev: PciDev): number;
  resume?(k: Kernel, pdev: PciDev): void;
}

/** struct pci_driver */
export interface PciDriver {
  /** driver->err_handler (NULL when absent) */
  readonly errHandler?: PciErrorHandlers | null;
  readonly name: string;
  /** Match table; empty = matches nothing unless bound explicitly. */
  readonly idTable: readonly PciDeviceId[];
  probe(k: Kernel, pdev: PciDev, id: PciDeviceId | null): number;
  remove?(k: Kernel, pdev: PciDev): void;
}

/** struct pci_dev */
export interface PciDev {
  /** The embedded struct device (dev.owner === this pci_dev). */
  dev: Device;
  bus: PciBus;
  devfn: number;
  vendor: number;
  device: number;
  /** The function's hardware (config space, MSI/MSI-X capabilities, table). */
  hw: PciFunctionHw;
  /** Config offsets of the capabilities, 0 if absent. */
  msiCap: number;
  msixCap: number;
  /** dev->irq: INTx irq, or the first MSI virq while MSI is enabled. */
  irq: number;
  msiEnabled: boolean;
  msixEnabled: boolean;
  /** dev->msix_base: iomem cookie of the mapped MSI-X table, 0 = NULL. */
  msixBase: number;
  /** BAR (BIR) the MSI-X table lives in, valid while msixBase != 0. */
  msixBir: number;
  currentState: number;
  errorState: number;
  noMsi: boolean;
  no64bitMsi: boolean;
  devFlags: number;
  /** pci_is_managed(): pcim_enable_device() was used. */
  isManaged: boolean;
  isMsiManaged: boolean;
  /** INTx enabled state as last set by pci_intx(). */
  intxEnabled: boolean;
  driver: PciDriver | null;
  /** pci_dev_is_added() */
  isAdded: boolean;
  /** Model only: freed by pci_remove_bus_device(); any later use is a use-after-free. */
  freed: boolean;
  /** pdev->resource[PCI_NUM_RESOURCES] as pci_read_bases() found them (absent: none). */
  resource?: PciResource[];
  /** pdev->sysdata (copied from bus->sysdata; s390: the struct zpci_bus). */
  sysdata?: unknown;
}
