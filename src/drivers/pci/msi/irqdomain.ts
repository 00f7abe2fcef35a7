// SPDX-License-Identifier: GPL-2.0-only
/**
 * drivers/pci/msi/irqdomain.c (Linux 6.19): the PCI/MSI and PCI/MSI-X per-device domain
 * templates and their chip callbacks, device-domain setup (created only when the
 * device's MSI domain is an MSI parent), pci_msi_domain_supports(), and the split
 * between hierarchical domains and the legacy arch hooks.
 */
import type { IrqChip, IrqData } from '../../../include/linux/irq.ts';
import { DOMAIN_BUS_PCI_DEVICE_MSI, DOMAIN_BUS_PCI_DEVICE_MSIX } from '../../../include/linux/irq.ts';
import {
  MSI_DEFAULT_DOMAIN,
  MSI_FLAG_ACTIVATE_EARLY,
  MSI_FLAG_DEV_SYSFS,
  MSI_FLAG_FREE_MSI_DESCS,
  MSI_FLAG_MULTI_PCI_MSI,
  MSI_FLAG_PCI_MSI_MASK_PARENT,
  MSI_FLAG_PCI_MSI_STARTUP_PARENT,
  MSI_FLAG_PCI_MSIX,
  MSI_FLAG_PCI_MSIX_ALLOC_DYN,
  type MsiAllocInfo,
  type MsiDesc,
  type MsiDomainInfo,
  type MsiDomainTemplate,
  type MsiMsg,
} from '../../../include/linux/msi.ts';
import type { PciDev } from '../../../include/linux/pci.ts';
import {
  irqChipDisableParent,
  irqChipEnableParent,
  irqChipMaskParent,
  irqChipUnmaskParent,
} from '../../../kernel/irq/chip.ts';
import { IRQCHIP_ONESHOT_SAFE } from '../../../kernel/irq/internals.ts';
import { irqDomainIsHierarchy, irqDomainIsMsiParent } from '../../../kernel/irq/irqdomain.ts';
import {
  irqDataGetMsiDesc,
  msiAllocInfoZero,
  msiCreateDeviceIrqDomain,
  msiDomainAllocIrqsAllLocked,
  msiDomainFreeIrqsAllLocked,
  msiMatchDeviceIrqDomain,
  msiRemoveDeviceIrqDomain,
} from '../../../kernel/irq/msi.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { oops, warn } from '../../../kernel/panic.ts';
import { devGetMsiDomain } from '../pci.ts';
import { pciMsiLegacySetupMsiIrqs, pciMsiLegacyTeardownMsiIrqs } from './legacy.ts';
import {
  __pciWriteMsiMsg,
  msixPrepareMsiDesc,
  pciMsiMask,
  pciMsiUnmask,
  pciMsixMask,
  pciMsixUnmask,
} from './msi.ts';

const F = 'drivers/pci/msi/irqdomain.c';

/** enum support_mode */
export const ALLOW_LEGACY = 0;
export const DENY_LEGACY = 1;

/** CONFIG_PCI_MSI_ARCH_FALLBACKS: s390 selects it (also after the patch). */
export const PCI_MSI_ARCH_FALLBACKS = true;

// kernel: pci_msi_setup_msi_irqs()
export function pciMsiSetupMsiIrqs(k: Kernel, dev: PciDev, nvec: number, type: number): number {
  const domain = devGetMsiDomain(dev.dev);
  if (domain && irqDomainIsHierarchy(domain))
    return msiDomainAllocIrqsAllLocked(k, dev.dev, MSI_DEFAULT_DOMAIN, nvec);
  return pciMsiLegacySetupMsiIrqs(k, dev, nvec, type);
}

// kernel: pci_msi_teardown_msi_irqs()
export function pciMsiTeardownMsiIrqs(k: Kernel, dev: PciDev): void {
  const domain = devGetMsiDomain(dev.dev);
  if (domain && irqDomainIsHierarchy(domain)) msiDomainFreeIrqsAllLocked(k, dev.dev, MSI_DEFAULT_DOMAIN);
  else pciMsiLegacyTeardownMsiIrqs(k, dev);
}

/**
 * kernel: pci_msi_domain_write_msg() — MSI-X: always; MSI: only the first vector of a
 * multi-MSI descriptor writes (desc->irq == irq_data->irq).
 */
export function pciMsiDomainWriteMsg(k: Kernel, irqData: IrqData, msg: MsiMsg): void {
  const desc = irqDataGetMsiDesc(irqData);
  if (!desc) oops(k, 'NULL msi_desc', `${F} pci_msi_domain_write_msg`);
  if (desc.irq === irqData.irq) __pciWriteMsiMsg(k, desc, msg);
}

// kernel: pci_device_domain_set_desc()
function pciDeviceDomainSetDesc(_k: Kernel, arg: MsiAllocInfo, desc: MsiDesc): void {
  arg.desc = desc;
  arg.hwirq = BigInt(desc.msiIndex);
}

function domainInfo(k: Kernel, data: IrqData): MsiDomainInfo {
  if (!data.domain) oops(k, 'NULL irq_data->domain', `${F} cond_startup_parent`);
  return data.domain.hostData as MsiDomainInfo;
}

// kernel: irq_chip_startup_parent()
function irqChipStartupParent(k: Kernel, data: IrqData): number {
  const parent = data.parentData;
  if (!parent) oops(k, 'NULL irq_data->parent_data', 'kernel/irq/chip.c irq_chip_startup_parent');
  if (parent.chip.irqStartup) return parent.chip.irqStartup(k, parent);
  irqChipEnableParent(k, data);
  return 0;
}

// kernel: irq_chip_shutdown_parent()
function irqChipShutdownParent(k: Kernel, data: IrqData): void {
  const parent = data.parentData;
  if (!parent) oops(k, 'NULL irq_data->parent_data', 'kernel/irq/chip.c irq_chip_shutdown_parent');
  if (parent.chip.irqShutdown) parent.chip.irqShutdown(k, parent);
  else irqChipDisableParent(k, data);
}

// kernel: cond_shutdown_parent()
function condShutdownParent(k: Kernel, data: IrqData): void {
  const info = domainInfo(k, data);
  if (info.flags & MSI_FLAG_PCI_MSI_STARTUP_PARENT) irqChipShutdownParent(k, data);
  else if (info.flags & MSI_FLAG_PCI_MSI_MASK_PARENT) irqChipMaskParent(k, data);
}

// kernel: cond_startup_parent()
function condStartupParent(k: Kernel, data: IrqData): number {
  const info = domainInfo(k, data);
  if (info.flags & MSI_FLAG_PCI_MSI_STARTUP_PARENT) return irqChipStartupParent(k, data);
  if (info.flags & MSI_FLAG_PCI_MSI_MASK_PARENT) irqChipUnmaskParent(k, data);
  return 0;
}

function descOf(k: Kernel, data: IrqData, fn: string): MsiDesc {
  const desc = irqDataGetMsiDesc(data);
  if (!desc) oops(k, 'NULL msi_desc', `${F} ${fn}`);
  return desc;
}

// kernel: pci_irq_shutdown_msi()
function pciIrqShutdownMsi(k: Kernel, data: IrqData): void {
  const desc = descOf(k, data, 'pci_irq_shutdown_msi');
  pciMsiMask(desc, (1 << (data.irq - desc.irq)) >>> 0);
  condShutdownParent(k, data);
}

// kernel: pci_irq_startup_msi()
function pciIrqStartupMsi(k: Kernel, data: IrqData): number {
  const desc = descOf(k, data, 'pci_irq_startup_msi');
  const ret = condStartupParent(k, data);
  pciMsiUnmask(desc, (1 << (data.irq - desc.irq)) >>> 0);
  return ret;
}

// kernel: pci_irq_mask_msi()
function pciIrqMaskMsi(k: Kernel, data: IrqData): void {
  const desc = descOf(k, data, 'pci_irq_mask_msi');
  pciMsiMask(desc, (1 << (data.irq - desc.irq)) >>> 0);
}

// kernel: pci_irq_unmask_msi()
function pciIrqUnmaskMsi(k: Kernel, data: IrqData): void {
  const desc = descOf(k, data, 'pci_irq_unmask_msi');
  pciMsiUnmask(desc, (1 << (data.irq - desc.irq)) >>> 0);
}

/** MSI_COMMON_FLAGS (no MUST_REACTIVATE: no GENERIC_IRQ_RESERVATION_MODE on s390) */
export const MSI_COMMON_FLAGS = MSI_FLAG_FREE_MSI_DESCS | MSI_FLAG_ACTIVATE_EARLY | MSI_FLAG_DEV_SYSFS;

function templateInfo(flags: number, busToken: number): MsiDomainInfo {
  return {
    flags,
    busToken,
    hwsize: 0,
    ops: {},
    chip: null,
    chipData: null,
    handler: null,
    handlerData: null,
    handlerName: null,
    data: null,
    allocData: null,
    dev: null,
  };
}

/** kernel: pci_msi_template */
export const pciMsiTemplate: Readonly<MsiDomainTemplate> = Object.freeze({
  name: '',
  chip: Object.freeze({
    name: 'PCI-MSI',
    flags: IRQCHIP_ONESHOT_SAFE,
    irqStartup: pciIrqStartupMsi,
    irqShutdown: pciIrqShutdownMsi,
    irqMask: pciIrqMaskMsi,
    irqUnmask: pciIrqUnmaskMsi,
    irqWriteMsiMsg: pciMsiDomainWriteMsg,
  }) as IrqChip,
  ops: Object.freeze({ setDesc: pciDeviceDomainSetDesc }),
  info: Object.freeze(templateInfo(MSI_COMMON_FLAGS | MSI_FLAG_MULTI_PCI_MSI, DOMAIN_BUS_PCI_DEVICE_MSI)),
  allocInfo: Object.freeze(msiAllocInfoZero()),
});

// kernel: pci_irq_shutdown_msix()
function pciIrqShutdownMsix(k: Kernel, data: IrqData): void {
  pciMsixMask(descOf(k, data, 'pci_irq_shutdown_msix'));
  condShutdownParent(k, data);
}

// kernel: pci_irq_startup_msix()
function pciIrqStartupMsix(k: Kernel, data: IrqData): number {
  const ret = condStartupParent(k, data);
  pciMsixUnmask(descOf(k, data, 'pci_irq_startup_msix'));
  return ret;
}

// kernel: pci_irq_mask_msix()
function pciIrqMaskMsix(k: Kernel, data: IrqData): void {
  pciMsixMask(descOf(k, data, 'pci_irq_mask_msix'));
}

// kernel: pci_irq_unmask_msix()
function pciIrqUnmaskMsix(k: Kernel, data: IrqData): void {
  pciMsixUnmask(descOf(k, data, 'pci_irq_unmask_msix'));
}

// kernel: pci_msix_prepare_desc()
function pciMsixPrepareDesc(k: Kernel, _domain: unknown, _arg: MsiAllocInfo, desc: MsiDesc): void {
  // Don't fiddle with preallocated MSI descriptors
  if (!desc.pciMsi.maskBase) msixPrepareMsiDesc(k, desc.dev.owner as PciDev, desc);
}

/** kernel: pci_msix_template */
export const pciMsixTemplate: Readonly<MsiDomainTemplate> = Object.freeze({
  name: '',
  chip: Object.freeze({
    name: 'PCI-MSIX',
    flags: IRQCHIP_ONESHOT_SAFE,
    irqStartup: pciIrqStartupMsix,
    irqShutdown: pciIrqShutdownMsix,
    irqMask: pciIrqMaskMsix,
    irqUnmask: pciIrqUnmaskMsix,
    irqWriteMsiMsg: pciMsiDomainWriteMsg,
  }) as IrqChip,
  ops: Object.freeze({ prepareDesc: pciMsixPrepareDesc, setDesc: pciDeviceDomainSetDesc }),
  info: Object.freeze(
    templateInfo(
      MSI_COMMON_FLAGS | MSI_FLAG_PCI_MSIX | MSI_FLAG_PCI_MSIX_ALLOC_DYN,
      DOMAIN_BUS_PCI_DEVICE_MSIX,
    ),
  ),
  allocInfo: Object.freeze(msiAllocInfoZero()),
});

// kernel: pci_match_device_domain()
function pciMatchDeviceDomain(k: Kernel, pdev: PciDev, busToken: number): boolean {
  return msiMatchDeviceIrqDomain(k, pdev.dev, MSI_DEFAULT_DOMAIN, busToken);
}

// kernel: pci_create_device_domain()
function pciCreateDeviceDomain(k: Kernel, pdev: PciDev, tmpl: MsiDomainTemplate, hwsize: number): boolean {
  const domain = devGetMsiDomain(pdev.dev);
  if (!domain || !irqDomainIsMsiParent(domain)) return true;
  return msiCreateDeviceIrqDomain(k, pdev.dev, MSI_DEFAULT_DOMAIN, tmpl, hwsize, null, null);
}

/** kernel: pci_setup_msi_device_domain() — hwsize = the MSI vector count (6.16+). */
export function pciSetupMsiDeviceDomain(k: Kernel, pdev: PciDev, hwsize: number): boolean {
  if (pdev.msixEnabled) {
    warn(k, `${F} pci_setup_msi_device_domain`, 'WARN_ON_ONCE(pdev->msix_enabled)');
    return false;
  }
  if (pciMatchDeviceDomain(k, pdev, DOMAIN_BUS_PCI_DEVICE_MSI)) return true;
  if (pciMatchDeviceDomain(k, pdev, DOMAIN_BUS_PCI_DEVICE_MSIX))
    msiRemoveDeviceIrqDomain(k, pdev.dev, MSI_DEFAULT_DOMAIN);
  return pciCreateDeviceDomain(k, pdev, pciMsiTemplate, hwsize);
}

/** kernel: pci_setup_msix_device_domain() — hwsize = the MSI-X table size. */
export function pciSetupMsixDeviceDomain(k: Kernel, pdev: PciDev, hwsize: number): boolean {
  if (pdev.msiEnabled) {
    warn(k, `${F} pci_setup_msix_device_domain`, 'WARN_ON_ONCE(pdev->msi_enabled)');
    return false;
  }
  if (pciMatchDeviceDomain(k, pdev, DOMAIN_BUS_PCI_DEVICE_MSIX)) return true;
  if (pciMatchDeviceDomain(k, pdev, DOMAIN_BUS_PCI_DEVICE_MSI))
    msiRemoveDeviceIrqDomain(k, pdev.dev, MSI_DEFAULT_DOMAIN);
  return pciCreateDeviceDomain(k, pdev, pciMsixTemplate, hwsize);
}

/**
 * kernel: pci_msi_domain_supports() — no hierarchical domain: ALLOW_LEGACY (with
 * ARCH_FALLBACKS); global MSI domain: its info flags; MSI parent: parent supported_flags.
 */
export function pciMsiDomainSupports(_k: Kernel, pdev: PciDev, featureMask: number, mode: number): boolean {
  const domain = devGetMsiDomain(pdev.dev);
  if (!domain || !irqDomainIsHierarchy(domain)) {
    if (PCI_MSI_ARCH_FALLBACKS) return mode === ALLOW_LEGACY;
    return false;
  }
  let supported: number;
  if (!irqDomainIsMsiParent(domain)) supported = (domain.hostData as MsiDomainInfo).flags;
  else supported = domain.msiParentOps!.supportedFlags;
  return (supported & featureMask) >>> 0 === featureMask >>> 0;
}
