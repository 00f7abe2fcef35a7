// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { pciMsixTemplate } from '../../../src/drivers/pci/msi/irqdomain.ts';
import type { Device } from '../../../src/include/linux/device.ts';
import { EBUSY, ERANGE } from '../../../src/include/linux/errno.ts';
import { DOMAIN_BUS_PCI_DEVICE_MSIX } from '../../../src/include/linux/irq.ts';
import {
  MSI_ANY_INDEX,
  MSI_DESC_ASSOCIATED,
  MSI_DESC_NOTASSOCIATED,
  MSI_FLAG_PCI_MSI_MASK_PARENT,
  MSI_FLAG_PCI_MSIX_ALLOC_DYN,
  type MsiDomainInfo,
} from '../../../src/include/linux/msi.ts';
import { irqChipMaskParent, irqChipUnmaskParent } from '../../../src/kernel/irq/chip.ts';
import {
  msiAllocInfoZero,
  msiDescTemplate,
  msiDomainInsertMsiDesc,
  msiDomainSetAffinity,
  msiFirstDesc,
  msiForEachDesc,
  msiNextDesc,
  msiSetupDeviceData,
} from '../../../src/kernel/irq/msi.ts';
import { msiLibInitDevMsiInfo } from '../../../src/kernel/irqchip/msi-lib.ts';
import { mkRig } from '../../drivers/pci/setup.ts';

describe('msi_lib_init_dev_msi_info', () => {
  function childInfo(): MsiDomainInfo {
    const t = pciMsixTemplate;
    return { ...t.info, chip: { ...t.chip }, ops: { ...t.ops }, allocData: msiAllocInfoZero() };
  }

  it('masks with supported_flags, ORs required_flags, installs the parent helpers', () => {
    const rig = mkRig({ requiredFlags: 0x203 });
    const info = childInfo();
    const dev = { name: 'x', parent: null, msiDomain: rig.ctrl.domain, msiData: null, owner: null };
    expect(msiLibInitDevMsiInfo(rig.k, dev, rig.ctrl.domain, rig.ctrl.domain, info)).toBe(true);
    // template 0x00120054 & (0xffff|MULTI|MSIX) | 0x203: ALLOC_DYN stripped
    expect(info.flags).toBe(0x00020257);
    expect(info.flags & MSI_FLAG_PCI_MSIX_ALLOC_DYN).toBe(0);
    expect(info.flags & MSI_FLAG_PCI_MSI_MASK_PARENT).not.toBe(0);
    expect(info.chip!.irqMask).toBe(irqChipMaskParent);
    expect(info.chip!.irqUnmask).toBe(irqChipUnmaskParent);
    expect(info.chip!.irqSetAffinity).toBe(msiDomainSetAffinity);
    expect(info.busToken).toBe(DOMAIN_BUS_PCI_DEVICE_MSIX);
  });

  it('refuses an unknown child bus token with a WARN', () => {
    const rig = mkRig();
    const info = childInfo();
    info.busToken = 3; // DOMAIN_BUS_PCI_MSI: not a per-device token
    const dev = { name: 'x', parent: null, msiDomain: rig.ctrl.domain, msiData: null, owner: null };
    expect(msiLibInitDevMsiInfo(rig.k, dev, rig.ctrl.domain, rig.ctrl.domain, info)).toBe(false);
    expect(rig.k.sim.findings.count('WARN')).toBe(1);
  });
});

describe('msi_desc store', () => {
  it('inserts by index, refuses occupied / out-of-range slots, iterates in index order with filters', () => {
    const rig = mkRig();
    const dev: Device = { name: 'dev0', parent: null, msiDomain: null, msiData: null, owner: null };
    expect(msiSetupDeviceData(rig.k, dev)).toBe(0);
    const t = msiDescTemplate(dev);
    t.nvecUsed = 1;
    for (const idx of [5, 1, 3]) {
      t.msiIndex = idx;
      expect(msiDomainInsertMsiDesc(rig.k, dev, 0, t)).toBe(0);
    }
    t.msiIndex = 3;
    expect(msiDomainInsertMsiDesc(rig.k, dev, 0, t)).toBe(-EBUSY);
    t.msiIndex = 65536;
    expect(msiDomainInsertMsiDesc(rig.k, dev, 0, t)).toBe(-ERANGE);
    t.msiIndex = MSI_ANY_INDEX;
    expect(msiDomainInsertMsiDesc(rig.k, dev, 0, t)).toBe(0);
    expect(msiForEachDesc(rig.k, dev, 0).map((d) => d.msiIndex)).toEqual([0, 1, 3, 5]);
    dev.msiData!.descs.get(3)!.irq = 42;
    expect(msiForEachDesc(rig.k, dev, MSI_DESC_ASSOCIATED).map((d) => d.msiIndex)).toEqual([3]);
    const first = msiFirstDesc(rig.k, dev, MSI_DESC_NOTASSOCIATED)!;
    expect(first.msiIndex).toBe(0);
    expect(msiNextDesc(rig.k, dev, 0, MSI_DESC_NOTASSOCIATED)!.msiIndex).toBe(1);
    expect(msiNextDesc(rig.k, dev, 0, MSI_DESC_NOTASSOCIATED)!.msiIndex).toBe(5);
    expect(msiNextDesc(rig.k, dev, 0, MSI_DESC_NOTASSOCIATED)).toBe(null);
  });
});
