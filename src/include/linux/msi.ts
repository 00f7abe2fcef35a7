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
}

/** struct msi_desc */
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
}
