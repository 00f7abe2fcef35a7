// SPDX-License-Identifier: GPL-2.0-only
/**
 * The zPCI IRQ backend interface: what one version of arch/s390/pci/pci_irq.c offers
 * to the shared zPCI code (pci.c, pci_bus.c). Every backend implements zpci_irq_init /
 * zpci_irq_exit. The optional members are NAMED AFTER the kernel functions a patch
 * inserts into the shared files; the shared code calls them exactly where the patched
 * kernel does, and only when the backend has them:
 *
 * | member                      | kernel caller (patched)                                     | backends |
 * |-----------------------------|-------------------------------------------------------------|----------|
 * | zpciSetMsiParentDomain      | pci_bus.c zpci_bus_create_pci_bus(), right after            | v1       |
 * |                             | `zbus->bus = bus;`                                          |          |
 * | zpciCreateParentMsiDomain   | pci_bus.c zpci_bus_create_pci_bus(), after domain_nr /      | mainline |
 * |                             | multifunction / max_bus_speed, before pci_create_root_bus:  |          |
 * |                             | rc != 0 -> zpci_free_domain(domain_nr), return -ENOMEM.     |          |
 * |                             | Its presence also selects the mainline form of the rest:    |          |
 * |                             | root bus NULL -> zpciRemoveParentMsiDomain, zpci_free_domain,|          |
 * |                             | return -ENOMEM (legacy: -EFAULT); success -> zbus->bus = bus;|          |
 * |                             | dev_set_msi_domain(&bus->dev, zbus->msi_parent_domain).     |          |
 * | zpciRemoveParentMsiDomain   | pci_bus.c: the root-bus failure path above, and             | mainline |
 * |                             | zpci_bus_release() unconditionally after list_del, before   |          |
 * |                             | kfree(zbus) (even if no bus / no domain: NULL deref, M5).   |          |
 * | zpciSetIrq                  | pci.c zpci_reenable_device(): after zpci_enable_device      | mainline |
 * |                             | succeeded, `if (zdev->msi_nr_irqs > 0) { rc = zpci_set_irq; |          |
 * |                             | if (rc) return rc; }`, before zpci_iommu_register_ioat.     |          |
 *
 * The legacy MSI hooks (arch_setup_msi_irqs & co.) are not part of this interface: a
 * backend installs them itself with setArchMsiOps() (src/drivers/pci/msi/legacy.ts) in
 * its zpciIrqInit, as the kernel links them.
 *
 * A backend object holds that pci_irq.c's static globals, so it is per kernel: the
 * registry hands out a fresh instance per getBackend() call.
 */
import type { Kernel } from '../../../kernel/kernel.ts';
import type { ZpciBus, ZpciDev } from '../include/asm/pci.ts';

export interface ZpciIrqBackend {
  /** "legacy" | "v1" | "mainline" | "domain" */
  readonly name: string;
  /** kernel: zpci_irq_init() — 0 or -errno (pci_base_init's IRQ step). */
  zpciIrqInit(k: Kernel): number;
  /** kernel: zpci_irq_exit() — only on pci_base_init failure after a successful init. */
  zpciIrqExit(k: Kernel): void;
  /** v1: kernel: zpci_set_msi_parent_domain(zbus) */
  zpciSetMsiParentDomain?(k: Kernel, zbus: ZpciBus): void;
  /** mainline: kernel: zpci_create_parent_msi_domain(zbus) -> 0 / -ENOMEM */
  zpciCreateParentMsiDomain?(k: Kernel, zbus: ZpciBus): number;
  /** mainline: kernel: zpci_remove_parent_msi_domain(zbus) */
  zpciRemoveParentMsiDomain?(k: Kernel, zbus: ZpciBus): void;
  /** mainline: kernel: zpci_set_irq(zdev) (exported for zpci_reenable_device) */
  zpciSetIrq?(k: Kernel, zdev: ZpciDev): number;
  /**
   * domain only (no kernel counterpart): zpci_disable_device() succeeded, so the firmware
   * dropped the function's interrupt registration; indicators a failed deregistration had
   * to keep can be freed now.
   */
  zpciIrqFunctionDisabled?(k: Kernel, zdev: ZpciDev): void;
}

/**
 * Creates one backend instance (one kernel's pci_irq.c globals, zero-initialised).
 * `options`: backend-specific settings (e.g. the domain backend's `parentDomain`); a backend
 * without options ignores them.
 */
export type ZpciIrqBackendFactory = (options?: Readonly<Record<string, unknown>>) => ZpciIrqBackend;

const registry = new Map<string, ZpciIrqBackendFactory>();

/** Register a backend under its name (call at module top level of the backend's file). */
export function registerZpciIrqBackend(name: string, factory: ZpciIrqBackendFactory): void {
  registry.set(name, factory);
}

/** A fresh instance of the named backend (with its `options`), or null if no loaded module registered it. */
export function getBackend(name: string, options?: Readonly<Record<string, unknown>>): ZpciIrqBackend | null {
  const f = registry.get(name);
  return f ? f(options) : null;
}

/** Names of the registered backends, sorted. */
export function listBackends(): string[] {
  return [...registry.keys()].sort();
}
