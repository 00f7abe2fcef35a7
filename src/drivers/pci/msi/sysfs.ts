// SPDX-License-Identifier: GPL-2.0-only
/**
 * /sys/bus/pci/devices/<dev>/msi_irqs/ (kernel/irq/msi.c: msi_sysfs_create_group,
 * msi_sysfs_populate_desc, msi_mode_show). The group exists once the device's MSI data is
 * set up (msi_setup_device_data); each associated descriptor adds one read-only file per
 * vector, named by its virq in decimal, reading "msix\n" while the PCI device has MSI-X
 * enabled and "msi\n" otherwise (the mode is per device, not per vector).
 */
import type { Device } from '../../../include/linux/device.ts';
import { lsSort } from '../../../kernel/irq/proc.ts';
import type { Kernel } from '../../../kernel/kernel.ts';

/** pdev->msix_enabled: from the model's pci_dev if it records it, else from the descriptors. */
function msixEnabled(dev: Device): boolean {
  const owner = dev.owner as { msixEnabled?: unknown } | null | undefined;
  if (owner && typeof owner.msixEnabled === 'boolean') return owner.msixEnabled;
  for (const desc of dev.msiData?.descs.values() ?? []) if (!desc.freed && desc.pciMsi.isMsix) return true;
  return false;
}

/**
 * The file names of msi_irqs/, or null when the group does not exist. Taken from what the MSI
 * core recorded (dev.sysfs "msi_irqs" group, else each desc's sysfs_attrs); a model that
 * records neither gets them derived: the group exists with the MSI device data, and every
 * associated descriptor has one file per vector.
 */
function msiIrqFiles(dev: Device): string[] | null {
  if (dev.sysfs) {
    const files = dev.sysfs.get('msi_irqs');
    return files ? [...files] : null;
  }
  if (!dev.msiData) return null;
  const out: string[] = [];
  for (const desc of dev.msiData.descs.values()) {
    if (desc.freed) continue;
    if (desc.sysfsAttrs !== undefined) {
      if (desc.sysfsAttrs) out.push(...desc.sysfsAttrs);
      continue;
    }
    if (desc.irq === 0) continue; // MSI_DESC_ASSOCIATED
    for (let i = 0; i < desc.nvecUsed; i++) out.push(String(desc.irq + i));
  }
  return out;
}

/** `ls msi_irqs`: the file names in ls order; null when the directory does not exist. */
export function listMsiIrqs(_k: Kernel, dev: Device): string[] | null {
  const files = msiIrqFiles(dev);
  return files ? lsSort(files) : null;
}

// kernel: msi_mode_show() — cat msi_irqs/<virq>; null = no such file.
export function renderMsiIrq(_k: Kernel, dev: Device, virq: number): string | null {
  if (!msiIrqFiles(dev)?.includes(String(virq))) return null;
  return msixEnabled(dev) ? 'msix\n' : 'msi\n';
}

/** Every file of msi_irqs/ with its content, in ls order (empty when there is no directory). */
export function renderMsiIrqsDir(k: Kernel, dev: Device): { name: string; content: string }[] {
  const names = listMsiIrqs(k, dev) ?? [];
  const mode = msixEnabled(dev) ? 'msix\n' : 'msi\n';
  return names.map((name) => ({ name, content: mode }));
}
