// SPDX-License-Identifier: GPL-2.0-only
/**
 * drivers/pci/msi/api.c (Linux 6.19): the driver-facing PCI/MSI API.
 */
import type { Cpumask } from '../../../include/linux/cpumask.ts';
import { EINVAL, ENOSPC, ENOTSUPP } from '../../../include/linux/errno.ts';
import {
  type IrqAffinityDesc,
  MSI_ANY_INDEX,
  MSI_DEFAULT_DOMAIN,
  MSI_FLAG_PCI_MSIX_ALLOC_DYN,
} from '../../../include/linux/msi.ts';
import {
  PCI_IRQ_AFFINITY,
  PCI_IRQ_INTX,
  PCI_IRQ_MSI,
  PCI_IRQ_MSIX,
  type PciDev,
} from '../../../include/linux/pci.ts';
import { type IrqAffinity, irqCreateAffinityMasks } from '../../../kernel/irq/affinity.ts';
import { irqGetMsiDesc } from '../../../kernel/irq/chip.ts';
import {
  type MsiMap,
  msiDomainAllocIrqAt,
  msiDomainFreeIrqsRange,
  msiGetVirq,
} from '../../../kernel/irq/msi.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { warn } from '../../../kernel/panic.ts';
import { pciIntx, pciState } from '../pci.ts';
import { DENY_LEGACY, pciMsiDomainSupports } from './irqdomain.ts';
import {
  __pciEnableMsiRange,
  __pciEnableMsixRange,
  __pciRestoreMsiState,
  __pciRestoreMsixState,
  type MsixEntry,
  pciDisableMsi as pciDisableMsiImpl,
  pciDisableMsix as pciDisableMsixImpl,
  pciFreeIrqVectorsImpl,
  pciMsiVecCount as pciMsiVecCountImpl,
  pciMsixVecCount as pciMsixVecCountImpl,
} from './msi.ts';

const F = 'drivers/pci/msi/api.c';

/** The default struct irq_affinity (all zero) used for PCI_IRQ_AFFINITY without one. */
function defaultAffd(): IrqAffinity {
  return { preVectors: 0, postVectors: 0, nrSets: 0, setSize: [0, 0, 0, 0], calcSets: null };
}

// kernel: pci_enable_msi()
export function pciEnableMsi(k: Kernel, dev: PciDev): number {
  const rc = __pciEnableMsiRange(k, dev, 1, 1, null);
  if (rc < 0) return rc;
  return 0;
}

// kernel: pci_disable_msi()
export function pciDisableMsi(k: Kernel, dev: PciDev): void {
  pciDisableMsiImpl(k, dev);
}

// kernel: pci_msix_vec_count()
export function pciMsixVecCount(dev: PciDev): number {
  return pciMsixVecCountImpl(dev);
}

// kernel: pci_msi_vec_count()
export function pciMsiVecCount(dev: PciDev): number {
  return pciMsiVecCountImpl(dev);
}

// kernel: pci_enable_msix_range()
export function pciEnableMsixRange(
  k: Kernel,
  dev: PciDev,
  entries: MsixEntry[] | null,
  minvec: number,
  maxvec: number,
): number {
  return __pciEnableMsixRange(k, dev, entries, minvec, maxvec, null, 0);
}

// kernel: pci_msix_can_alloc_dyn()
export function pciMsixCanAllocDyn(k: Kernel, dev: PciDev): boolean {
  if (!dev.msixCap) return false;
  return pciMsiDomainSupports(k, dev, MSI_FLAG_PCI_MSIX_ALLOC_DYN, DENY_LEGACY);
}

// kernel: pci_msix_alloc_irq_at()
export function pciMsixAllocIrqAt(
  k: Kernel,
  dev: PciDev,
  index: number,
  affdesc: IrqAffinityDesc | null,
): MsiMap {
  const map: MsiMap = { index: -ENOTSUPP, virq: 0 };
  if (!dev.msixEnabled) {
    warn(k, `${F} pci_msix_alloc_irq_at`, 'WARN_ON_ONCE(!dev->msix_enabled)');
    map.index = -EINVAL;
    return map;
  }
  if (!pciMsixCanAllocDyn(k, dev)) return map;
  return msiDomainAllocIrqAt(k, dev.dev, MSI_DEFAULT_DOMAIN, index, affdesc);
}

// kernel: pci_msix_free_irq()
export function pciMsixFreeIrq(k: Kernel, dev: PciDev, map: MsiMap): void {
  if (map.index < 0 || map.virq <= 0) {
    warn(k, `${F} pci_msix_free_irq`, 'WARN_ON_ONCE(map.index < 0 || map.virq <= 0)');
    return;
  }
  if (!pciMsixCanAllocDyn(k, dev)) {
    warn(k, `${F} pci_msix_free_irq`, 'WARN_ON_ONCE(!pci_msix_can_alloc_dyn(dev))');
    return;
  }
  msiDomainFreeIrqsRange(k, dev.dev, MSI_DEFAULT_DOMAIN, map.index, map.index);
}

// kernel: pci_disable_msix()
export function pciDisableMsix(k: Kernel, dev: PciDev): void {
  pciDisableMsixImpl(k, dev);
}

/**
 * kernel: pci_alloc_irq_vectors_affinity() — MSI-X first, then MSI, then INTx; returns
 * the number of vectors or the last error (-ENOSPC initially).
 */
export function pciAllocIrqVectorsAffinity(
  k: Kernel,
  dev: PciDev,
  minVecs: number,
  maxVecs: number,
  flags: number,
  affd: IrqAffinity | null,
): number {
  let nvecs = -ENOSPC;
  if (flags & PCI_IRQ_AFFINITY) {
    if (!affd) affd = defaultAffd();
  } else if (affd) {
    warn(k, `${F} pci_alloc_irq_vectors_affinity`, 'WARN_ON(affd)');
    affd = null;
  }
  if (flags & PCI_IRQ_MSIX) {
    nvecs = __pciEnableMsixRange(k, dev, null, minVecs, maxVecs, affd, flags);
    if (nvecs > 0) return nvecs;
  }
  if (flags & PCI_IRQ_MSI) {
    nvecs = __pciEnableMsiRange(k, dev, minVecs, maxVecs, affd);
    if (nvecs > 0) return nvecs;
  }
  // use INTx IRQ if allowed
  if (flags & PCI_IRQ_INTX) {
    if (minVecs === 1 && dev.irq) {
      // Invoke the affinity spreading logic to ensure that the device driver can adjust
      // queue configuration for the single interrupt case.
      if (affd) irqCreateAffinityMasks(k, 1, affd);
      pciIntx(dev, true);
      return 1;
    }
  }
  return nvecs;
}

// kernel: pci_alloc_irq_vectors()
export function pciAllocIrqVectors(
  k: Kernel,
  dev: PciDev,
  minVecs: number,
  maxVecs: number,
  flags: number,
): number {
  return pciAllocIrqVectorsAffinity(k, dev, minVecs, maxVecs, flags, null);
}

/** kernel: pci_irq_vector() — virq of vector `nr`, or -EINVAL. */
export function pciIrqVector(k: Kernel, dev: PciDev, nr: number): number {
  if (!dev.msiEnabled && !dev.msixEnabled) return !nr ? dev.irq : -EINVAL;
  const irq = msiGetVirq(k, dev.dev, nr);
  return irq ? irq : -EINVAL;
}

/** kernel: pci_irq_get_affinity() — the affinity mask of vector `nr`, or null. */
export function pciIrqGetAffinity(k: Kernel, dev: PciDev, nr: number): Cpumask | null {
  const idx = dev.msixEnabled ? nr : 0;
  const irq = pciIrqVector(k, dev, nr);
  if (irq <= 0) {
    warn(k, `${F} pci_irq_get_affinity`, 'WARN_ON_ONCE(irq <= 0)');
    return null;
  }
  const desc = irqGetMsiDesc(k, irq);
  // Non-MSI does not have the information handy
  if (!desc) return k.cpuPossibleMask;
  // MSI[X] interrupts can be allocated without affinity descriptor
  if (!desc.affinity) return null;
  // MSI has a mask array in the descriptor; MSI-X has a single mask per descriptor
  return desc.affinity[dev.msixEnabled ? 0 : nr - idx + idx]?.mask ?? null;
}

// kernel: pci_free_irq_vectors()
export function pciFreeIrqVectors(k: Kernel, dev: PciDev): void {
  pciFreeIrqVectorsImpl(k, dev);
}

// kernel: pci_restore_msi_state()
export function pciRestoreMsiState(k: Kernel, dev: PciDev): void {
  __pciRestoreMsiState(k, dev);
  __pciRestoreMsixState(k, dev);
}

// kernel: pci_msi_enabled()
export function pciMsiEnabled(k: Kernel): boolean {
  return pciState(k).msiEnable;
}

export { MSI_ANY_INDEX };
