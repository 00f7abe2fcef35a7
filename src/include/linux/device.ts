// SPDX-License-Identifier: GPL-2.0-only
/**
 * struct device and struct pci_dev, as far as MSI needs them
 * (include/linux/device.h, include/linux/pci.h). Behaviour in src/drivers/pci/.
 */
import type { IrqDomain } from './irq.ts';
import type { MsiDesc } from './msi.ts';

/** struct msi_dev_domain: one per-device domain slot (MSI_DEFAULT_DOMAIN only in this model). */
export interface MsiDevDomain {
  domain: IrqDomain | null;
}

/** struct msi_device_data */
export interface MsiDeviceData {
  /** Descriptors by msi_index (the kernel's xarray). */
  descs: Map<number, MsiDesc>;
  domains: MsiDevDomain[];
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
}
