// SPDX-License-Identifier: GPL-2.0-only
/**
 * MSI core structures: include/linux/msi.h, msi_api.h. Shapes only; behaviour in
 * src/kernel/irq/msi.ts, src/kernel/irqchip/msi-lib.ts, src/drivers/pci/msi/.
 */
import type { Kernel } from '../../kernel/kernel.ts';
import type { Cpumask } from './cpumask.ts';
import type { Device } from './device.ts';
import type { IrqChip, IrqDomain, IrqDomainOps } from './irq.ts';

/** struct msi_msg: three u32 words as the device receives them. */
export interface MsiMsg {
  addressLo: number;
  addressHi: number;
  data: number;
}

/** struct irq_affinity_desc */
export interface IrqAffinityDesc {
  mask: Cpumask;
  isManaged: boolean;
}

/** struct pci_msi_desc (the PCI part of msi_desc) */
export interface PciMsiDesc {
  msiMask: number; // cached mask bits (MSI) or vector control (MSI-X)
  isMsix: boolean;
  multiple: number; // log2 of allocated vectors (MSI)
  multiCap: number; // log2 of capable vectors (MSI)
  canMask: boolean;
  is64: boolean;
  isVirtual: boolean;
  defaultIrq: number;
  maskPos: number; // MSI: config offset of the mask register
  /** MSI-X: the table entry index this desc programs. */
  entryIndex: number;
  /** MSI-X: desc->pci.mask_base, the mapped table base (an iomem cookie); 0 = NULL. */
  maskBase?: number;
}

/**
 * struct msi_desc. The kernel embeds `msg` and the PCI part; the MSI core's descs
 * (msiDescTemplate) are one object that carries the MsiMsg and PciMsiDesc fields itself, with
 * `msg` and `pciMsi` referring to the desc. Read and write them through `msg` / `pciMsi`.
 */
export interface MsiDesc {
  irq: number; // first virq, 0 when not associated
  nvecUsed: number;
  dev: Device;
  msg: MsiMsg;
  affinity: IrqAffinityDesc[] | null;
  msiIndex: number;
  pciMsi: PciMsiDesc;
  /** Model only: freed by msi_free_msi_descs. */
  freed: boolean;
  /** desc->sysfs_attrs: names of the msi_irqs/<virq> files, null when none. */
  sysfsAttrs?: string[] | null;
  /**
   * Model of desc->sysfs_attrs without the array: the virq the msi_irqs/<virq> files were
   * named from (file i is sysfsIrq + i); 0 or absent = none. The MSI core keeps this
   * instead of sysfsAttrs (which it leaves null).
   */
  sysfsIrq?: number;
  /** desc->write_msi_msg: optional callback after each message write. */
  writeMsiMsg?: ((k: Kernel, desc: MsiDesc, data: unknown) => void) | null;
  writeMsiMsgData?: unknown;
}

/** msi_alloc_info_t (generic form: the desc and flags; arches add fields). */
export interface MsiAllocInfo {
  desc: MsiDesc | null;
  hwirq: bigint;
  flags: number;
  /** Arch scratch (s390 uses none in the posted patch). */
  scratch: Record<string, unknown>;
}

/** struct msi_domain_ops */
export interface MsiDomainOps {
  getHwirq?(k: Kernel, info: MsiDomainInfo, arg: MsiAllocInfo): bigint;
  msiInit?(
    k: Kernel,
    domain: IrqDomain,
    info: MsiDomainInfo,
    virq: number,
    hwirq: bigint,
    arg: MsiAllocInfo,
  ): number;
  msiFree?(k: Kernel, domain: IrqDomain, info: MsiDomainInfo, virq: number): void;
  msiPrepare?(k: Kernel, domain: IrqDomain, dev: Device, nvec: number, arg: MsiAllocInfo): number;
  msiTeardown?(k: Kernel, domain: IrqDomain, arg: MsiAllocInfo): void;
  prepareDesc?(k: Kernel, domain: IrqDomain, arg: MsiAllocInfo, desc: MsiDesc): void;
  setDesc?(k: Kernel, arg: MsiAllocInfo, desc: MsiDesc): void;
  domainAllocIrqs?(k: Kernel, domain: IrqDomain, dev: Device, nvec: number): number;
  domainFreeIrqs?(k: Kernel, domain: IrqDomain, dev: Device): void;
  msiPostFree?(k: Kernel, domain: IrqDomain, dev: Device): void;
}

/** struct msi_domain_info */
export interface MsiDomainInfo {
  flags: number; // MSI_FLAG_*
  busToken: number;
  hwsize: number;
  ops: MsiDomainOps;
  chip: IrqChip | null;
  chipData: unknown;
  handler: ((k: Kernel, desc: import('./irq.ts').IrqDesc) => void) | null;
  handlerData: unknown;
  handlerName: string | null;
  data: unknown;
  /** msi_alloc_info_t filled by msi_prepare at device-domain creation (struct msi_domain_info::alloc_data). */
  allocData: MsiAllocInfo | null;
  /** msi_domain_info::dev: the device a per-device domain belongs to. */
  dev?: Device | null;
}

/** struct msi_parent_ops */
export interface MsiParentOps {
  supportedFlags: number;
  requiredFlags: number;
  chipFlags: number;
  busSelectToken: number;
  busSelectMask: number;
  prefix: string;
  initDevMsiInfo(
    k: Kernel,
    dev: Device,
    domain: IrqDomain,
    msiParentDomain: IrqDomain,
    info: MsiDomainInfo,
  ): boolean;
}

/** struct irq_domain_info (for irq_domain_instantiate / msi_create_parent_irq_domain) */
export interface IrqDomainInfo {
  fwnode: import('./irq.ts').FwnodeHandle | null;
  domainFlags: number;
  size: number;
  hwirqMax: number;
  directMax: number;
  busToken: number;
  ops: IrqDomainOps;
  hostData: unknown;
  parent: IrqDomain | null;
  dev: Device | null;
  /** name_suffix (only for OF/ACPI-style fwnodes; -EINVAL with an irqchip fwnode). */
  nameSuffix?: string | null;
  /** init(domain) callback, failure aborts instantiation. */
  init?: ((k: Kernel, d: IrqDomain) => number) | null;
  exit?: ((k: Kernel, d: IrqDomain) => void) | null;
}

// ---- include/linux/msi.h constants (6.19) ----

/** enum msi_desc_filter */
export const MSI_DESC_ALL = 0;
export const MSI_DESC_NOTASSOCIATED = 1;
export const MSI_DESC_ASSOCIATED = 2;

export const MSI_DEFAULT_DOMAIN = 0;
export const MSI_SECONDARY_DOMAIN = 1;
export const MSI_MAX_DEVICE_IRQDOMAINS = 2;
export const MSI_MAX_INDEX = 65535;
export const MSI_ANY_INDEX = 0xffffffff;

/** MSI_FLAG_* (struct msi_domain_info::flags) */
export const MSI_FLAG_USE_DEF_DOM_OPS = 1 << 0;
export const MSI_FLAG_USE_DEF_CHIP_OPS = 1 << 1;
export const MSI_FLAG_ACTIVATE_EARLY = 1 << 2;
export const MSI_FLAG_MUST_REACTIVATE = 1 << 3;
export const MSI_FLAG_DEV_SYSFS = 1 << 4;
export const MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS = 1 << 5;
export const MSI_FLAG_FREE_MSI_DESCS = 1 << 6;
export const MSI_FLAG_USE_DEV_FWNODE = 1 << 7;
export const MSI_FLAG_PARENT_PM_DEV = 1 << 8;
export const MSI_FLAG_PCI_MSI_MASK_PARENT = 1 << 9;
export const MSI_FLAG_PCI_MSI_STARTUP_PARENT = 1 << 10;
export const MSI_GENERIC_FLAGS_MASK = 0x0000ffff;
export const MSI_DOMAIN_FLAGS_MASK = 0xffff0000;
export const MSI_FLAG_MULTI_PCI_MSI = 1 << 16;
export const MSI_FLAG_PCI_MSIX = 1 << 17;
export const MSI_FLAG_LEVEL_CAPABLE = 1 << 18;
export const MSI_FLAG_MSIX_CONTIGUOUS = 1 << 19;
export const MSI_FLAG_PCI_MSIX_ALLOC_DYN = 1 << 20;
export const MSI_FLAG_NO_AFFINITY = 1 << 21;
export const MSI_FLAG_NO_MASK = 1 << 22;

/** msi_parent_ops::chip_flags */
export const MSI_CHIP_FLAG_SET_EOI = 1 << 0;
export const MSI_CHIP_FLAG_SET_ACK = 1 << 1;

/** struct msi_domain_template: copied per device by msi_create_device_irq_domain(). */
export interface MsiDomainTemplate {
  /** Filled at creation: "<prefix><chip name>-<dev name>" (max 47 chars). */
  name: string;
  chip: IrqChip;
  ops: MsiDomainOps;
  info: MsiDomainInfo;
  allocInfo: MsiAllocInfo;
}
