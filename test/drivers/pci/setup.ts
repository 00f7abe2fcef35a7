// SPDX-License-Identifier: GPL-2.0-only
/** A kernel, the generic test MSI controller, a root bus and PCI functions on it. */

import {
  createTestMsiController,
  type TestMsiController,
  type TestMsiControllerOptions,
} from '../../../src/drivers/pci/msi/test-msi-controller.ts';
import { devSetMsiDomain, pciCreateRootBus, pciDeviceAdd } from '../../../src/drivers/pci/pci.ts';
import { type PciFunctionConfig, PciFunctionHw } from '../../../src/hw/pci/device.ts';
import type { PciBus, PciDev } from '../../../src/include/linux/pci.ts';
import { Kernel } from '../../../src/kernel/kernel.ts';
import { Sim } from '../../../src/sim/sim.ts';

export interface Rig {
  k: Kernel;
  ctrl: TestMsiController;
  bus: PciBus;
}

export function mkRig(opts: TestMsiControllerOptions = {}, nrCpuIds = 4, irqLimit = 8192): Rig {
  const k = new Kernel(new Sim(1), { nrCpuIds, irqLimit });
  const ctrl = createTestMsiController(k, opts);
  const bus = pciCreateRootBus(k, 0, 0);
  devSetMsiDomain(bus.dev, ctrl.domain);
  return { k, ctrl, bus };
}

export const MSIX8: PciFunctionConfig = {
  vendorId: 0x1af4,
  deviceId: 0x1041,
  msi: { mmc: 3, is64: true, perVectorMask: true },
  msix: { tableSize: 8, tableBir: 2, tableOffset: 0x1000 },
};

export const MSI_ONLY: PciFunctionConfig = {
  vendorId: 0x8086,
  deviceId: 0x10d3,
  msi: { mmc: 3, is64: true, perVectorMask: true },
};

export function addFn(rig: Rig, devfn: number, cfg: PciFunctionConfig = MSIX8): PciDev {
  const hw = new PciFunctionHw(cfg);
  rig.ctrl.attach(hw);
  return pciDeviceAdd(rig.k, rig.bus, devfn, hw);
}
