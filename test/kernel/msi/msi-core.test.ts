// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { pciBindDriver, pciUnbindDriver } from '../../../src/drivers/pci/driver.ts';
import {
  pciAllocIrqVectors,
  pciFreeIrqVectors,
  pciIrqVector,
  pciRestoreMsiState,
} from '../../../src/drivers/pci/msi/api.ts';
import { pciWriteMsiMsg } from '../../../src/drivers/pci/msi/msi.ts';
import { PCI_MSIX_ENTRY_CTRL_MASKBIT } from '../../../src/hw/pci/device.ts';
import { cpumaskCreate } from '../../../src/include/linux/cpumask.ts';
import { EINVAL, ENODEV, ENOTSUPP } from '../../../src/include/linux/errno.ts';
import { DOMAIN_BUS_PCI_DEVICE_MSIX, DOMAIN_BUS_WIRED } from '../../../src/include/linux/irq.ts';
import {
  MSI_DEFAULT_DOMAIN,
  MSI_DESC_ALL,
  MSI_FLAG_MULTI_PCI_MSI,
  MSI_GENERIC_FLAGS_MASK,
} from '../../../src/include/linux/msi.ts';
import { PCI_IRQ_MSI, PCI_IRQ_MSIX } from '../../../src/include/linux/pci.ts';
import { irqGetMsiDesc } from '../../../src/kernel/irq/chip.ts';
import { irqDomainGetIrqData } from '../../../src/kernel/irq/irqdomain.ts';
import { freeIrq, irqSetAffinity, requestIrq } from '../../../src/kernel/irq/manage.ts';
import { msiDescCount, msiFirstDesc, msiForEachDesc, msiGetDomainInfo } from '../../../src/kernel/irq/msi.ts';
import { addFn, MSI_ONLY, mkRig } from '../../drivers/pci/setup.ts';

describe('MSI core through PCI/MSI-X on the test controller', () => {
  it('MSI-X with 3 vectors: msi_index 0..2, exactly 3 table entries written', () => {
    const rig = mkRig({ countPrepare: true });
    const pdev = addFn(rig, 0x08);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 3, PCI_IRQ_MSIX)).toBe(3);
    const descs = msiForEachDesc(rig.k, pdev.dev, MSI_DESC_ALL);
    expect(descs.map((d) => d.msiIndex)).toEqual([0, 1, 2]);
    expect(descs.map((d) => d.nvecUsed)).toEqual([1, 1, 1]);
    const virqs = [0, 1, 2].map((i) => pciIrqVector(rig.k, pdev, i));
    expect(virqs).toEqual([3, 4, 5]);
    expect(pciIrqVector(rig.k, pdev, 3)).toBe(-EINVAL);
    const hw = pdev.hw;
    for (let i = 0; i < 8; i++) {
      if (i < 3) {
        const parent = irqDomainGetIrqData(rig.k, rig.ctrl.domain, virqs[i]!)!;
        expect(hw.msixEntryAddrHi(i)).toBe(0);
        expect(hw.msixEntryAddrLo(i)).toBe(0xfee00000);
        expect(hw.msixEntryData(i)).toBe(parent.hwirqLo);
      } else {
        expect(hw.msixEntryAddrLo(i)).toBe(0);
        expect(hw.msixEntryData(i)).toBe(0);
      }
      expect(hw.msixEntryCtrl(i)).toBe(PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }
    expect([0, 1, 2].map((i) => hw.msixEntryData(i))).toEqual([0, 1, 2]);
    expect(hw.msixEnabled).toBe(true);
    expect(hw.msixFunctionMasked).toBe(false);
    // the device domain: name, flags, chip
    const dd = pdev.dev.msiData!.domains[MSI_DEFAULT_DOMAIN]!.domain!;
    expect(dd.name).toBe('PCI-MSIX-0000:00:01.0-11');
    expect(dd.busToken).toBe(DOMAIN_BUS_PCI_DEVICE_MSIX);
    expect(msiGetDomainInfo(dd).flags).toBe(0x00020057);
    expect(msiGetDomainInfo(dd).hwsize).toBe(8);
    expect(pdev.dev.sysfs!.get('msi_irqs')).toEqual(['3', '4', '5']);
  });

  it('msi_prepare runs once per device domain with the table size, not per allocation', () => {
    const rig = mkRig({ countPrepare: true });
    const pdev = addFn(rig, 0x08);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 2, PCI_IRQ_MSIX)).toBe(2);
    pciFreeIrqVectors(rig.k, pdev);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 5, PCI_IRQ_MSIX)).toBe(5);
    pciFreeIrqVectors(rig.k, pdev);
    expect(rig.ctrl.stats.prepareCalls).toEqual([{ dev: '0000:00:01.0', nvec: 8 }]);
    expect(rig.ctrl.stats.teardownCalls).toEqual([]);
    // switching to MSI removes the MSI-X domain (teardown) and prepares the MSI one with 2^MMC
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 2, PCI_IRQ_MSI)).toBe(2);
    expect(rig.ctrl.stats.prepareCalls).toEqual([
      { dev: '0000:00:01.0', nvec: 8 },
      { dev: '0000:00:01.0', nvec: 8 },
    ]);
    expect(rig.ctrl.stats.teardownCalls).toEqual(['PCI-MSIX-0000:00:01.0-11']);
    pciFreeIrqVectors(rig.k, pdev);
    // driver unbind releases the device data -> msi_teardown of the MSI domain
    pciBindDriver(rig.k, pdev, { name: 'd', idTable: [], probe: () => 0 });
    pciUnbindDriver(rig.k, pdev);
    expect(rig.ctrl.stats.teardownCalls).toEqual(['PCI-MSIX-0000:00:01.0-11', 'PCI-MSI-0000:00:01.0-10']);
    expect(pdev.dev.msiData).toBe(null);
    expect(rig.k.irqDomains.map((d) => d.name)).toEqual(['test_msi-4']);
  });

  it('a failing msi_prepare makes device domain creation fail: -ENODEV, no teardown', () => {
    const rig = mkRig({ prepareFails: -12 });
    const pdev = addFn(rig, 0x08);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 3, PCI_IRQ_MSIX)).toBe(-ENODEV);
    expect(rig.ctrl.stats.teardownCalls).toEqual([]);
    expect(rig.k.irqDomains.length).toBe(1);
  });

  it('a parent lacking the required feature flags refuses as the kernel does', () => {
    // parent supports no PCI_MSIX: MSI-X refused early with -ENOTSUPP, MSI still works (1 vector, no multi)
    const rig = mkRig({ supportedFlags: MSI_GENERIC_FLAGS_MASK });
    const pdev = addFn(rig, 0x08);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 4, PCI_IRQ_MSIX)).toBe(-ENOTSUPP);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 4, PCI_IRQ_MSIX | PCI_IRQ_MSI)).toBe(1);
    expect(msiFirstDesc(rig.k, pdev.dev, MSI_DESC_ALL)!.nvecUsed).toBe(1);
    expect(rig.k.sim.findings.count('WARN')).toBe(0);
    // msi-lib refuses a parent whose bus token is not its bus_select_token
    const rig2 = mkRig();
    rig2.ctrl.domain.busToken = DOMAIN_BUS_WIRED;
    const p2 = addFn(rig2, 0x08);
    expect(pciAllocIrqVectors(rig2.k, p2, 1, 4, PCI_IRQ_MSIX)).toBe(-ENODEV);
    expect(rig2.k.sim.findings.list[0]!.message).toContain(
      'drivers/irqchip/irq-msi-lib.c msi_lib_init_dev_msi_info',
    );
    expect(rig2.k.sim.findings.count('WARN')).toBe(1);
  });

  it('10,000 vectors over 100 devices: freeing leaves no descriptor, mapping or extra domain', () => {
    const rig = mkRig({ nrHwirqs: 16384 }, 4, 16384);
    const devs = [];
    for (let i = 0; i < 100; i++) {
      devs.push(
        addFn(rig, i, {
          vendorId: 0x1af4,
          deviceId: 0x1041,
          msix: { tableSize: 128 },
        }),
      );
    }
    let total = 0;
    for (const d of devs) total += pciAllocIrqVectors(rig.k, d, 100, 100, PCI_IRQ_MSIX);
    expect(total).toBe(10000);
    expect(rig.ctrl.inUse()).toBe(10000);
    expect(rig.ctrl.domain.mapcount).toBe(10000);
    expect(rig.k.irqDomains.length).toBe(101);
    for (const d of devs) pciFreeIrqVectors(rig.k, d);
    for (const d of devs) {
      pciBindDriver(rig.k, d, { name: 'x', idTable: [], probe: () => 0 });
      pciUnbindDriver(rig.k, d);
    }
    let descs = 0;
    for (const d of devs) descs += msiDescCount(d.dev);
    expect(descs).toBe(0);
    expect(rig.ctrl.inUse()).toBe(0);
    expect(rig.ctrl.domain.mapcount).toBe(0);
    expect(rig.ctrl.domain.revmapTree.size).toBe(0);
    expect(rig.k.irqDomains.map((d) => d.name)).toEqual(['test_msi-4']);
    expect(rig.k.irqDescs.filter((d) => d !== undefined).length).toBe(0);
    expect(rig.k.sim.findings.count()).toBe(0);
  });

  it('MSI multi-message: one desc, nvec_used 4, consecutive virqs, data carries the vector', () => {
    const rig = mkRig({ countPrepare: true });
    const pdev = addFn(rig, 0x10, MSI_ONLY);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 4, PCI_IRQ_MSI)).toBe(4);
    const descs = msiForEachDesc(rig.k, pdev.dev, MSI_DESC_ALL);
    expect(descs.length).toBe(1);
    expect(descs[0]!.nvecUsed).toBe(4);
    expect(descs[0]!.pciMsi.multiple).toBe(2);
    expect([0, 1, 2, 3].map((i) => pciIrqVector(rig.k, pdev, i))).toEqual([3, 4, 5, 6]);
    expect(pdev.irq).toBe(3);
    // one parent alloc with nr_irqs = 4
    expect(rig.ctrl.stats.allocCalls).toBe(1);
    expect(rig.ctrl.stats.prepareCalls).toEqual([{ dev: '0000:00:02.0', nvec: 8 }]);
    expect(pdev.hw.msiMme).toBe(2);
    expect(pdev.hw.msiEnabled).toBe(true);
    expect(pdev.hw.msiMaskBits).toBe(0xff);
    // unmask vector 2 at the device and the controller, signal it: data = msg data | 2
    const virq2 = 5;
    const d2 = irqGetMsiDesc(rig.k, virq2)!;
    expect(d2).toBe(descs[0]);
    const seen: number[] = [];
    expect(
      requestIrq(
        rig.k,
        virq2,
        (_k, irq) => {
          seen.push(irq);
          return 1;
        },
        0,
        'multi',
        pdev,
      ),
    ).toBe(0);
    expect(pdev.hw.msiMaskBits).toBe(0xfb); // startup unmasked vector 2 only
    pdev.hw.signal(2);
    pdev.hw.signal(1); // masked: pending
    expect(rig.ctrl.stats.delivered).toBe(1);
    expect(seen).toEqual([virq2]);
    expect(pdev.hw.msiPendingBits).toBe(0x2);
    freeIrq(rig.k, virq2, pdev);
    pciFreeIrqVectors(rig.k, pdev);
    expect(pdev.hw.msiEnabled).toBe(false);
    expect(pdev.hw.msiMaskBits).toBe(0); // returned unmasked
    expect(rig.ctrl.inUse()).toBe(0);
  });

  it('masking a vector then signalling sets pending; unmask delivers', () => {
    const rig = mkRig();
    const pdev = addFn(rig, 0x08);
    expect(pciAllocIrqVectors(rig.k, pdev, 3, 3, PCI_IRQ_MSIX)).toBe(3);
    const virq = pciIrqVector(rig.k, pdev, 1);
    const lvl0 = rig.k.irqDescs[virq]!.irqData;
    // the PCI-level unmask through the device chip (USE_DEF_CHIP_OPS: pci_irq_unmask_msix)
    lvl0.chip.irqUnmask!(rig.k, lvl0);
    expect(pdev.hw.msixEntryCtrl(1)).toBe(0);
    lvl0.chip.irqMask!(rig.k, lvl0);
    expect(pdev.hw.msixEntryCtrl(1)).toBe(1);
    pdev.hw.signal(1);
    expect(pdev.hw.msixPending(1)).toBe(true);
    expect(pdev.hw.counters.pendingSet).toBe(1);
    expect(rig.ctrl.stats.delivered + rig.ctrl.stats.unhandled).toBe(0);
    lvl0.chip.irqUnmask!(rig.k, lvl0);
    expect(pdev.hw.msixPending(1)).toBe(false);
    expect(pdev.hw.counters.deliveredOnUnmask).toBe(1);
    expect(rig.ctrl.stats.delivered).toBe(1);
  });

  it('pci_restore_msi_state re-writes the messages after a function reset', () => {
    const rig = mkRig();
    const pdev = addFn(rig, 0x08);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 3, PCI_IRQ_MSIX)).toBe(3);
    const before = [0, 1, 2].map((i) => [pdev.hw.msixEntryAddrLo(i), pdev.hw.msixEntryData(i)]);
    pdev.hw.reset();
    expect(pdev.hw.msixEntryAddrLo(0)).toBe(0);
    expect(pdev.hw.msixEnabled).toBe(false);
    pciRestoreMsiState(rig.k, pdev);
    expect([0, 1, 2].map((i) => [pdev.hw.msixEntryAddrLo(i), pdev.hw.msixEntryData(i)])).toEqual(before);
    expect(pdev.hw.msixEnabled).toBe(true);
    expect(pdev.hw.msixFunctionMasked).toBe(false);
    // the cached vector control (read at setup: masked) is written back
    expect(pdev.hw.msixEntryCtrl(0)).toBe(1);
  });

  it('writing the message of a freed vector is a WARN finding, not an exception', () => {
    const rig = mkRig();
    const pdev = addFn(rig, 0x08);
    pciAllocIrqVectors(rig.k, pdev, 1, 2, PCI_IRQ_MSIX);
    const virq = pciIrqVector(rig.k, pdev, 0);
    pciFreeIrqVectors(rig.k, pdev);
    expect(() => pciWriteMsiMsg(rig.k, virq, { addressHi: 0, addressLo: 0xfee00000, data: 7 })).not.toThrow();
    expect(rig.k.sim.findings.count('WARN')).toBe(1);
    expect(rig.k.sim.findings.list[0]!.message).toContain('drivers/pci/msi/msi.c pci_write_msi_msg');
    expect(pdev.hw.msixEntryData(0)).toBe(0);
  });

  it('set affinity through the device domain recomposes and rewrites the message', () => {
    const rig = mkRig();
    const pdev = addFn(rig, 0x08);
    pciAllocIrqVectors(rig.k, pdev, 1, 2, PCI_IRQ_MSIX);
    const virq = pciIrqVector(rig.k, pdev, 1);
    expect(pdev.hw.msixEntryAddrLo(1)).toBe(0xfee00000);
    expect(irqSetAffinity(rig.k, virq, cpumaskCreate(2))).toBe(0);
    expect(rig.ctrl.stats.setAffinityCalls).toBe(1);
    expect(pdev.hw.msixEntryAddrLo(1)).toBe(0xfee02000);
    expect(irqGetMsiDesc(rig.k, virq)!.msg.addressLo).toBe(0xfee02000);
    expect(pdev.hw.msixEntryAddrLo(0)).toBe(0xfee00000);
    // requested, then moved to CPU 3: a signal lands on CPU 3
    const cpus: number[] = [];
    expect(
      requestIrq(
        rig.k,
        virq,
        (kk) => {
          cpus.push(kk.currentCpu);
          return 1;
        },
        0,
        'aff',
        pdev,
      ),
    ).toBe(0);
    expect(irqSetAffinity(rig.k, virq, cpumaskCreate(3))).toBe(0);
    expect(pdev.hw.msixEntryAddrLo(1)).toBe(0xfee03000);
    pdev.hw.signal(1);
    expect(rig.ctrl.stats.delivered).toBe(1);
    expect(cpus).toEqual([3]);
    expect(rig.k.irqDescs[virq]!.kstatIrqs[3]).toBe(1);
  });

  it('multi-MSI on a parent without MULTI_PCI_MSI retries with one vector', () => {
    const rig = mkRig({ supportedFlags: (MSI_GENERIC_FLAGS_MASK | (1 << 17)) >>> 0 });
    expect(rig.ctrl.parentOps.supportedFlags & MSI_FLAG_MULTI_PCI_MSI).toBe(0);
    const pdev = addFn(rig, 0x10, MSI_ONLY);
    expect(pciAllocIrqVectors(rig.k, pdev, 1, 4, PCI_IRQ_MSI)).toBe(1);
    expect(pciAllocIrqVectors(rig.k, addFn(rig, 0x18, MSI_ONLY), 2, 4, PCI_IRQ_MSI)).toBe(-28);
  });
});
