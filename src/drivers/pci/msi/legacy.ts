// SPDX-License-Identifier: GPL-2.0-only
/**
 * drivers/pci/msi/legacy.c: the legacy architecture hooks (CONFIG_PCI_MSI_ARCH_FALLBACKS)
 * used when a device has no hierarchical MSI domain. The kernel's __weak functions
 * are pluggable per Kernel: an arch installs an ArchMsiOps under k.subsys 'arch.msi'
 * (setArchMsiOps()); missing members fall back to the generic weak versions.
 */

import { PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX } from '../../../hw/pci/device.ts';
import { EINVAL, ENOSPC } from '../../../include/linux/errno.ts';
import { MSI_DESC_ASSOCIATED, MSI_DESC_NOTASSOCIATED, type MsiDesc } from '../../../include/linux/msi.ts';
import type { PciDev } from '../../../include/linux/pci.ts';
import {
  msiDeviceDestroySysfs,
  msiDevicePopulateSysfs,
  msiForEachDesc,
  msiFreeMsiDescs,
} from '../../../kernel/irq/msi.ts';
import type { Kernel } from '../../../kernel/kernel.ts';

/** The arch hooks of drivers/pci/msi/legacy.c and msi.c (all optional). */
export interface ArchMsiOps {
  /** arch_setup_msi_irqs(dev, nvec, type): 0, a positive retry count, or -errno. */
  archSetupMsiIrqs?(k: Kernel, dev: PciDev, nvec: number, type: number): number;
  /** arch_teardown_msi_irqs(dev) */
  archTeardownMsiIrqs?(k: Kernel, dev: PciDev): void;
  /** arch_setup_msi_irq(dev, desc) — used by the generic arch_setup_msi_irqs(). */
  archSetupMsiIrq?(k: Kernel, dev: PciDev, desc: MsiDesc): number;
  /** arch_teardown_msi_irq(irq) — used by the generic arch_teardown_msi_irqs(). */
  archTeardownMsiIrq?(k: Kernel, irq: number): void;
  /** arch_restore_msi_irqs(dev): true when the generic code should rewrite the messages. */
  archRestoreMsiIrqs?(k: Kernel, dev: PciDev): boolean;
}

export const ARCH_MSI_KEY = 'arch.msi';

/** Install (or with null remove) the arch MSI hooks of a kernel. */
export function setArchMsiOps(k: Kernel, ops: ArchMsiOps | null): void {
  if (ops) k.subsys.set(ARCH_MSI_KEY, ops);
  else k.subsys.delete(ARCH_MSI_KEY);
}

export function getArchMsiOps(k: Kernel): ArchMsiOps | null {
  return (k.subsys.get(ARCH_MSI_KEY) as ArchMsiOps | undefined) ?? null;
}

/** kernel: arch_setup_msi_irq() (__weak: -EINVAL) */
export function archSetupMsiIrq(k: Kernel, dev: PciDev, desc: MsiDesc): number {
  const ops = getArchMsiOps(k);
  if (ops?.archSetupMsiIrq) return ops.archSetupMsiIrq(k, dev, desc);
  return -EINVAL;
}

/** kernel: arch_teardown_msi_irq() (__weak: nothing) */
export function archTeardownMsiIrq(k: Kernel, irq: number): void {
  const ops = getArchMsiOps(k);
  if (ops?.archTeardownMsiIrq) ops.archTeardownMsiIrq(k, irq);
}

/** kernel: arch_setup_msi_irqs() (__weak: multi-MSI -> 1, else arch_setup_msi_irq per unassociated desc) */
export function archSetupMsiIrqs(k: Kernel, dev: PciDev, nvec: number, type: number): number {
  const ops = getArchMsiOps(k);
  if (ops?.archSetupMsiIrqs) return ops.archSetupMsiIrqs(k, dev, nvec, type);
  if (type === PCI_CAP_ID_MSI && nvec > 1) return 1;
  for (const desc of msiForEachDesc(k, dev.dev, MSI_DESC_NOTASSOCIATED)) {
    const ret = archSetupMsiIrq(k, dev, desc);
    if (ret) return ret < 0 ? ret : -ENOSPC;
  }
  return 0;
}

/** kernel: arch_teardown_msi_irqs() (__weak: arch_teardown_msi_irq per associated vector) */
export function archTeardownMsiIrqs(k: Kernel, dev: PciDev): void {
  const ops = getArchMsiOps(k);
  if (ops?.archTeardownMsiIrqs) {
    ops.archTeardownMsiIrqs(k, dev);
    return;
  }
  for (const desc of msiForEachDesc(k, dev.dev, MSI_DESC_ASSOCIATED)) {
    for (let i = 0; i < desc.nvecUsed; i++) archTeardownMsiIrq(k, desc.irq + i);
  }
}

/** kernel: arch_restore_msi_irqs() (__weak: true) */
export function archRestoreMsiIrqs(k: Kernel, dev: PciDev): boolean {
  const ops = getArchMsiOps(k);
  if (ops?.archRestoreMsiIrqs) return ops.archRestoreMsiIrqs(k, dev);
  return true;
}

// kernel: pci_msi_setup_check_result()
function pciMsiSetupCheckResult(k: Kernel, dev: PciDev, type: number, ret: number): number {
  if (type !== PCI_CAP_ID_MSIX || ret >= 0) return ret;
  const avail = msiForEachDesc(k, dev.dev, MSI_DESC_ASSOCIATED).length;
  return avail ? avail : ret;
}

// kernel: pci_msi_legacy_setup_msi_irqs()
export function pciMsiLegacySetupMsiIrqs(k: Kernel, dev: PciDev, nvec: number, type: number): number {
  let ret = archSetupMsiIrqs(k, dev, nvec, type);
  ret = pciMsiSetupCheckResult(k, dev, type, ret);
  if (!ret) ret = msiDevicePopulateSysfs(k, dev.dev);
  return ret;
}

// kernel: pci_msi_legacy_teardown_msi_irqs()
export function pciMsiLegacyTeardownMsiIrqs(k: Kernel, dev: PciDev): void {
  msiDeviceDestroySysfs(k, dev.dev);
  archTeardownMsiIrqs(k, dev);
  msiFreeMsiDescs(k, dev.dev);
}

export { PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX };
