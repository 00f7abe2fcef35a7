// SPDX-License-Identifier: GPL-2.0-only
/**
 * struct device and struct pci_dev, as far as MSI needs them
 * (include/linux/device.h, include/linux/pci.h). Behaviour in src/drivers/pci/.
 */
import type { Kernel } from '../../kernel/kernel.ts';
import type { IrqDomain } from './irq.ts';
import type { MsiDesc } from './msi.ts';

/**
 * A descriptor store keyed by msi_index (the kernel's xarray), with a Map's interface and
 * iteration in insertion order. A Map<number, MsiDesc> is one; the MSI core uses its own.
 */
export interface MsiDescStore {
  readonly size: number;
  get(index: number): MsiDesc | undefined;
  has(index: number): boolean;
  set(index: number, desc: MsiDesc): unknown;
  delete(index: number): boolean;
  keys(): IterableIterator<number>;
  values(): IterableIterator<MsiDesc>;
  /** xa_find(): the smallest index present in [from, last], or -1. */
  findFrom(from: number, last: number): number;
  [Symbol.iterator](): IterableIterator<[number, MsiDesc]>;
}

/** struct msi_dev_domain: one per-device domain slot (MSI_DEFAULT_DOMAIN only in this model). */
export interface MsiDevDomain {
  domain: IrqDomain | null;
  /** This domain id's descriptor store (the kernel's xarray), keyed by msi_index. */
  store: MsiDescStore;
}

/** struct msi_device_data */
export interface MsiDeviceData {
  /** Descriptors by msi_index (the kernel's xarray). */
  descs: MsiDescStore;
  domains: MsiDevDomain[];
  /** __iter_idx: the iterator cursor (MSI_XA_MAX_INDEX when invalid). */
  iterIdx: number;
}

/**
 * A device's sysfs groups by name, files by group: the part of a Map's interface the model
 * uses (a Map<string, string[]> is one).
 */
export interface SysfsGroups {
  readonly size: number;
  get(name: string): string[] | undefined;
  has(name: string): boolean;
  set(name: string, files: string[]): unknown;
  delete(name: string): boolean;
}

/** A devres entry: released in reverse order of addition on driver unbind / device release. */
export interface DevresEntry {
  readonly name: string;
  release(k: Kernel, dev: Device): void;
}

/** struct device */
export interface Device {
  /** dev_name(): "0000:00:00.0" for PCI devices. */
  name: string;
  parent: Device | null;
  /** dev->msi.domain: the MSI parent domain (set from the bus) */
  msiDomain: IrqDomain | null;
  /** dev->msi.data */
  msiData: MsiDeviceData | null;
  /** Model only: bus/driver specific back pointer (e.g. the pci_dev, the zpci_bus). */
  owner: unknown;
  /** dev->devres_head: managed resources, released in reverse order. */
  devres?: DevresEntry[];
  /** sysfs groups present under the device (e.g. "msi_irqs"), files by group. */
  sysfs?: SysfsGroups;
}
