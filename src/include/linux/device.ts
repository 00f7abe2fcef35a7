// SPDX-License-Identifier: GPL-2.0-only
/**
 * struct device and struct pci_dev, as far as MSI needs them
 * (include/linux/device.h, include/linux/pci.h). Behaviour in src/drivers/pci/.
 */
import type { Kernel } from '../../kernel/kernel.ts';
import type { IrqDomain } from './irq.ts';
import type { MsiDesc } from './msi.ts';

/** struct msi_dev_domain: one per-device domain slot (MSI_DEFAULT_DOMAIN only in this model). */
export interface MsiDevDomain {
  domain: IrqDomain | null;
  /** This domain id's descriptor store (the kernel's xarray), keyed by msi_index. */
  store: Map<number, MsiDesc>;
  /** msi_index keys of `store`, ascending (xarray iteration order). */
  keys: number[];
}

/** struct msi_device_data */
export interface MsiDeviceData {
  /** Descriptors by msi_index (the kernel's xarray). */
  descs: Map<number, MsiDesc>;
  domains: MsiDevDomain[];
  /** __iter_idx: the iterator cursor (MSI_XA_MAX_INDEX when invalid). */
  iterIdx: number;
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
  sysfs?: Map<string, string[]>;
}
