// SPDX-License-Identifier: GPL-2.0-only
/**
 * Backend "mainline" (Linux 6.19 pci_irq.c, one MSI parent domain per zPCI bus): normal
 * operation floating and directed, and specimen tests that record what each defect of the
 * merged code does in the model (notes/backends/mainline.md M1..M9).
 */
import { describe, expect, it } from 'vitest';
import { AISB_NONE, MSI_FIRST_BIT_NONE } from '../../../../src/arch/s390/include/asm/pci.ts';
import { IRQIO_MSI, IRQIO_PCD, IRQIO_PCF, irqStatSum } from '../../../../src/arch/s390/kernel/irq.ts';
import { getBackend, listBackends } from '../../../../src/arch/s390/pci/backend.ts';
import { pciInsnState } from '../../../../src/arch/s390/pci/pci_insn.ts';
import {
  createMainlineBackend,
  DIRECTED,
  FLOATING,
  mainlinePciIrq,
  zpciDecodeHwirqMsiIndex,
  zpciDomainPtr,
  zpciEncodeHwirq,
  zpciMsiDomainFreeForTest,
} from '../../../../src/arch/s390/pci/pci_irq.mainline.ts';
import { createTestDriver, createZpciSystem, type ZpciSystem } from '../../../../src/arch/s390/pci/system.ts';
import { pciAllocIrqVectors, pciFreeIrqVectors, pciIrqVector } from '../../../../src/drivers/pci/msi/api.ts';
import { type AirqIv, airqIvBitAvail, airqIvTestBit } from '../../../../src/drivers/s390/cio/airq.ts';
import { PciFunctionHw } from '../../../../src/hw/pci/device.ts';
import { IRQ_REG_FMT0, IRQ_REG_FMT1, IRQ_REG_NONE } from '../../../../src/hw/s390x/zpci.ts';
import { cpumaskCreate } from '../../../../src/include/linux/cpumask.ts';
import { hwirqJoin } from '../../../../src/include/linux/hwirq.ts';
import { IRQ_HANDLED, type IrqDomain } from '../../../../src/include/linux/irq.ts';
import { MSI_FLAG_NO_AFFINITY } from '../../../../src/include/linux/msi.ts';
import { PCI_IRQ_MSI, type PciDev, type PciDriver } from '../../../../src/include/linux/pci.ts';
import { irqGetIrqData } from '../../../../src/kernel/irq/irqdesc.ts';
import { irqDomainGetIrqData } from '../../../../src/kernel/irq/irqdomain.ts';
import { irqSetAffinity, requestIrq } from '../../../../src/kernel/irq/manage.ts';
import { KernelOops } from '../../../../src/sim/findings.ts';

const FID = 0x10;

/** ptr[bit] as the u64 the kernel stored (read without the sanitizer). */
function ptrOf(iv: AirqIv, bit: number): bigint {
  return hwirqJoin(iv.ptr![bit * 2]!, iv.ptr![bit * 2 + 1]!);
}

function dataOf(iv: AirqIv, bit: number): number {
  return iv.data![bit]!;
}

function sys(directed: boolean, nrCpus = 2): ZpciSystem {
  const s = createZpciSystem({ backend: 'mainline', directed, nrCpus });
  expect(s.initRc).toBe(0);
  return s;
}

/** Plug fid (uid = its own PCI domain) with an MSI-X table of `msix`, bind a test driver using all. */
function plugAndBind(s: ZpciSystem, fid: number, uid: number, msix: number, nvec = msix) {
  const fn = s.plug(fid, { uid, msixVectors: msix });
  const { driver, state } = createTestDriver({ nvec, name: `drv${fid.toString(16)}` });
  expect(s.bind(fid, driver)).toBe(0);
  const pdev = s.pdev(fid)!;
  const virq = (i: number) => pciIrqVector(s.k, pdev, i);
  return { fn, state, pdev, virq, zdev: s.zdev(fid)!, parent: s.zdev(fid)!.zbus!.msiParentDomain! };
}

/** A PCI function with only an MSI capability (Multiple Message Capable = 2^mmc). */
function msiOnlyDevice(mmc: number): PciFunctionHw {
  return new PciFunctionHw({
    vendorId: 0x1af4,
    deviceId: 0x1041,
    msi: { mmc, is64: true, perVectorMask: true },
    msix: null,
  });
}

/** A driver that binds and does nothing: the test drives pci_alloc_irq_vectors itself. */
const idleDriver: PciDriver = { name: 'idle', idTable: [], probe: () => 0 };

describe('mainline registration', () => {
  it('registers as backend "mainline" with the per-bus hooks', () => {
    expect(listBackends()).toContain('mainline');
    const b = getBackend('mainline')!;
    expect(b.name).toBe('mainline');
    expect(typeof b.zpciCreateParentMsiDomain).toBe('function');
    expect(typeof b.zpciRemoveParentMsiDomain).toBe('function');
    expect(typeof b.zpciSetIrq).toBe('function');
    expect(b.zpciSetMsiParentDomain).toBeUndefined();
    expect(createMainlineBackend()).not.toBe(createMainlineBackend());
  });

  it('hwirq encoding is u32 (devfn as u8 << 16) | (msi_index as u16); decode keeps 16 bits', () => {
    expect(zpciEncodeHwirq(0, 5)).toBe(5);
    expect(zpciEncodeHwirq(0x0a, 3)).toBe(0x0a0003);
    expect(zpciEncodeHwirq(0x1ff, 0x12345)).toBe(0xff2345);
    expect(zpciDecodeHwirqMsiIndex(0xff2345)).toBe(0x2345);
  });
});

describe('mainline floating', () => {
  it('boot: one ZPCI_MSI_DOM_<uid> parent per bus, flags 0x103, NO_AFFINITY required', () => {
    const s = sys(false);
    s.plug(0x10, { uid: 1 });
    s.plug(0x20, { uid: 0x2b });
    const g = mainlinePciIrq(s.k)!;
    expect(g.irqDelivery).toBe(FLOATING);
    const names = s.k.irqDomains.map((d) => d.name);
    expect(names).toEqual(['ZPCI_MSI_DOM_0001', 'ZPCI_MSI_DOM_002b']);
    const d = s.zdev(0x10)!.zbus!.msiParentDomain!;
    expect(d.flags).toBe(0x103);
    expect(d.revmapSize).toBe(0);
    expect(d.fwnode!.name).toBe('ZPCI_MSI_DOM_0001');
    expect(s.pdev(0x10)!.dev.msiDomain).toBe(d);
    expect(g.zpciMsiParentOps.supportedFlags).toBe(0x0003ffff);
    expect(g.zpciMsiParentOps.requiredFlags).toBe(0x3 | MSI_FLAG_NO_AFFINITY);
    expect(g.zpciIrqChip.irqSetAffinity).toBeUndefined();
    expect(g.zpciIrqChip.irqMask).toBeUndefined();
  });

  it('MSI-X 8: prepare registers REG_INT noi 8 at domain creation; ptr = bus parent domain, data = hwirq', () => {
    const s = sys(false);
    const { fn, zdev, parent, pdev, virq } = plugAndBind(s, FID, 1, 8);
    const g = mainlinePciIrq(s.k)!;
    expect(s.k.irqDomains.map((d) => `${d.name} 0x${d.flags.toString(16)} ${d.mapcount}`)).toEqual([
      'ZPCI_MSI_DOM_0001 0x103 8',
      'PCI-MSIX-0001:00:00.0-11 0x213 8',
    ]);
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT0);
    expect(fn.irq.noi).toBe(8);
    expect(fn.irq.aibv).toBe(zdev.aibv!.vector);
    expect(fn.irq.aisb).toBe(g.zpciSbv!.vector);
    expect(fn.irq.aisbo).toBe(0);
    expect(zdev.aisb).toBe(0);
    expect(zdev.msiFirstBit).toBe(0);
    expect(zdev.msiNrIrqs).toBe(8);
    expect(zdev.aibv!.bits).toBe(8);
    expect(g.zpciIbv![0]).toBe(zdev.aibv);
    const ptr = zpciDomainPtr(s.k, parent);
    expect(ptr).not.toBe(0n);
    for (let i = 0; i < 8; i++) {
      expect(virq(i)).toBe(3 + i);
      expect(ptrOf(zdev.aibv!, i)).toBe(ptr);
      expect(dataOf(zdev.aibv!, i)).toBe(i);
      const pd = irqDomainGetIrqData(s.k, parent, virq(i))!;
      expect(pd.hwirqLo).toBe(i);
      expect(pd.chip.name).toBe('PCI-MSI');
      expect(pd.chipData).toBe(zdev);
      expect(irqGetIrqData(s.k, virq(i))!.hwirqLo).toBe(i);
      // ACTIVATE_EARLY wrote the composed message: floating address, data = index
      expect(pdev.hw.msixEntryAddrHi(i)).toBe(0xfe000000);
      expect(pdev.hw.msixEntryAddrLo(i)).toBe(0);
      expect(pdev.hw.msixEntryData(i)).toBe(i);
    }
    expect(s.sim.findings.list).toEqual([]);
  });

  it('each signalled vector runs its own handler once; PCF/MSI counted', () => {
    const s = sys(false);
    const { state, virq, zdev } = plugAndBind(s, FID, 1, 8);
    const pcf = irqStatSum(s.k, IRQIO_PCF);
    for (let i = 7; i >= 0; i--) s.signal(FID, i);
    for (let i = 0; i < 8; i++) expect(state.calls.get(virq(i))).toBe(1);
    expect(state.calls.size).toBe(8);
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(8);
    expect(irqStatSum(s.k, IRQIO_PCF)).toBe(pcf + 8);
    expect(irqStatSum(s.k, IRQIO_PCD)).toBe(0);
    for (let i = 0; i < 8; i++) expect(airqIvTestBit(zdev.aibv!, i)).toBe(false);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('unbind: DEREG_INT, aibv released, summary bit freed, device domain removed, parent kept at mapped 0', () => {
    const s = sys(false);
    const { fn, zdev, parent } = plugAndBind(s, FID, 1, 8);
    const g = mainlinePciIrq(s.k)!;
    const aibv = zdev.aibv!;
    s.unbind(FID);
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    expect(aibv.freed).toBe(true);
    expect(zdev.aibv).toBe(null);
    expect(zdev.aisb).toBe(AISB_NONE);
    expect(zdev.msiFirstBit).toBe(MSI_FIRST_BIT_NONE);
    expect(zdev.msiNrIrqs).toBe(0);
    expect(airqIvBitAvail(g.zpciSbv!, 0)).toBe(true);
    expect(s.k.irqDomains).toEqual([parent]);
    expect(parent.mapcount).toBe(0);
    expect(parent.revmapTree.size).toBe(0);
    for (let v = 3; v < 11; v++) expect(irqGetIrqData(s.k, v)).toBe(null);
    // free cleared ptr/data before the release (per virq, nr_irqs = 1)
    for (let i = 0; i < 8; i++) {
      expect(ptrOf(aibv, i)).toBe(0n);
      expect(dataOf(aibv, i)).toBe(0);
    }
    // M3 (b): zpci_ibv[aisb] is not reset by teardown_floating -> stale pointer to the released aibv
    expect(g.zpciIbv![0]).toBe(aibv);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('rebind reuses virqs 3.. and the same parent domain; a second bus gets its own parent', () => {
    const s = sys(false);
    const a = plugAndBind(s, FID, 1, 8);
    s.unbind(FID);
    const { driver, state } = createTestDriver({ nvec: 8 });
    expect(s.bind(FID, driver)).toBe(0);
    expect(pciIrqVector(s.k, a.pdev, 0)).toBe(3);
    expect(s.zdev(FID)!.aisb).toBe(0);
    s.signal(FID, 2);
    expect(state.calls.get(5)).toBe(1);
    const b = plugAndBind(s, 0x20, 2, 4);
    expect(b.parent).not.toBe(a.parent);
    expect(b.virq(0)).toBe(11);
    expect(b.zdev.aisb).toBe(1);
    expect(ptrOf(b.zdev.aibv!, 3)).toBe(zpciDomainPtr(s.k, b.parent));
    s.signal(0x20, 3);
    expect(b.state.calls.get(14)).toBe(1);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('multifunction bus: devfn 8 -> parent hwirq 0x80000|index, device hwirq and MSI data = index', () => {
    const s = sys(false);
    const fn = s.plug(FID, { uid: 5, rid: 0x08, ridAvailable: true, msixVectors: 4 });
    const { driver, state } = createTestDriver({ nvec: 4 });
    expect(s.bind(FID, driver)).toBe(0);
    const zdev = s.zdev(FID)!;
    const pdev = s.pdev(FID)!;
    expect(zdev.devfn).toBe(8);
    expect(pdev.dev.name).toBe('0005:00:01.0');
    const parent = zdev.zbus!.msiParentDomain!;
    for (let i = 0; i < 4; i++) {
      const v = pciIrqVector(s.k, pdev, i);
      expect(irqDomainGetIrqData(s.k, parent, v)!.hwirqLo).toBe(0x80000 + i);
      expect(irqGetIrqData(s.k, v)!.hwirqLo).toBe(i);
      expect(dataOf(zdev.aibv!, i)).toBe(0x80000 + i);
      expect(fn.device.msixEntryData(i)).toBe(i);
    }
    s.signal(FID, 3);
    expect(state.calls.get(pciIrqVector(s.k, pdev, 3))).toBe(1);
    expect(s.sim.findings.list).toEqual([]);
  });
});

describe('mainline directed', () => {
  it('REG_INT_D noi 8 dibvo = first bit; ptr/data written in every CPU DIBV; affinity is settable', () => {
    const s = sys(true);
    const g = mainlinePciIrq(s.k)!;
    expect(g.irqDelivery).toBe(DIRECTED);
    expect(g.zpciMsiParentOps.requiredFlags).toBe(0x3);
    const { fn, zdev, parent, virq } = plugAndBind(s, FID, 1, 8);
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT1);
    expect(fn.irq.noi).toBe(8);
    expect(fn.irq.dibvo).toBe(0);
    expect(zdev.msiFirstBit).toBe(0);
    expect(zdev.aibv).toBe(null);
    const ptr = zpciDomainPtr(s.k, parent);
    for (const cpu of [0, 1]) {
      for (let i = 0; i < 8; i++) {
        expect(ptrOf(g.zpciIbv![cpu]!, i)).toBe(ptr);
        expect(dataOf(g.zpciIbv![cpu]!, i)).toBe(i);
      }
    }
    expect(irqGetIrqData(s.k, virq(0))!.chip.irqSetAffinity).toBeDefined();
    expect(irqDomainGetIrqData(s.k, parent, virq(0))!.chip.irqSetAffinity).toBeDefined();
  });

  it('delivery lands on the CPU the affinity names (CPU address in address_lo bits 8..23)', () => {
    const s = sys(true);
    const { state, virq, pdev } = plugAndBind(s, FID, 1, 8);
    // default affinity 0-1 -> first CPU 0 (address 0x10)
    expect(pdev.hw.msixEntryAddrLo(3)).toBe(0x10 << 8);
    expect(irqSetAffinity(s.k, virq(3), cpumaskCreate(1))).toBe(0);
    expect(pdev.hw.msixEntryAddrLo(3)).toBe(0x12 << 8);
    expect(pdev.hw.msixEntryAddrHi(3)).toBe(0xfe000000);
    expect(pdev.hw.msixEntryData(3)).toBe(3);
    for (let i = 0; i < 8; i++) s.signal(FID, i);
    for (let i = 0; i < 8; i++) {
      expect(state.calls.get(virq(i))).toBe(1);
      expect(state.lastCpu.get(virq(i))).toBe(i === 3 ? 1 : 0);
    }
    expect(irqStatSum(s.k, IRQIO_PCD)).toBe(8);
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(8);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('unbind: DEREG_INT_D, bits freed, ptr/data cleared in every DIBV, device domain removed', () => {
    const s = sys(true);
    const { fn, zdev, parent } = plugAndBind(s, FID, 1, 8);
    const g = mainlinePciIrq(s.k)!;
    s.unbind(FID);
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    expect(zdev.msiFirstBit).toBe(MSI_FIRST_BIT_NONE);
    expect(zdev.msiNrIrqs).toBe(0);
    for (const cpu of [0, 1]) {
      for (let i = 0; i < 8; i++) {
        expect(ptrOf(g.zpciIbv![cpu]!, i)).toBe(0n);
        expect(dataOf(g.zpciIbv![cpu]!, i)).toBe(0);
      }
    }
    for (let i = 0; i < 8; i++) expect(airqIvBitAvail(g.zpciIbv![0]!, i)).toBe(true);
    expect(s.k.irqDomains).toEqual([parent]);
    expect(parent.mapcount).toBe(0);
    expect(s.sim.findings.list).toEqual([]);
  });
});

/* ------------------------------------------------------------------ defects */

/** Plug a function with only MSI (2^mmc vectors) and bind the idle driver. */
function plugMsiOnly(s: ZpciSystem, fid: number, uid: number, mmc: number): { pdev: PciDev } {
  s.plug(fid, { uid, device: msiOnlyDevice(mmc) });
  expect(s.bind(fid, idleDriver)).toBe(0);
  return { pdev: s.pdev(fid)! };
}

describe('specimen M1: zpci_msi_clear_airq adds i twice', () => {
  it('through the 6.19 core (free one virq at a time) multi-MSI 4 is cleared correctly: latent', () => {
    const s = sys(false);
    const { pdev } = plugMsiOnly(s, FID, 1, 2);
    expect(pciAllocIrqVectors(s.k, pdev, 4, 4, PCI_IRQ_MSI)).toBe(4);
    const zdev = s.zdev(FID)!;
    const aibv = zdev.aibv!;
    expect(aibv.bits).toBe(4);
    for (let i = 0; i < 4; i++) expect(dataOf(aibv, i)).toBe(i);
    pciFreeIrqVectors(s.k, pdev);
    for (let i = 0; i < 4; i++) {
      expect(ptrOf(aibv, i)).toBe(0n);
      expect(dataOf(aibv, i)).toBe(0);
    }
    expect(s.sim.findings.list).toEqual([]);
  });

  it('free(virq, 4) in one call (floating): clears 0 and 2, leaves 1 and 3, writes past the 4-bit aibv', () => {
    const s = sys(false);
    const { pdev } = plugMsiOnly(s, FID, 1, 2);
    expect(pciAllocIrqVectors(s.k, pdev, 4, 4, PCI_IRQ_MSI)).toBe(4);
    const zdev = s.zdev(FID)!;
    const aibv = zdev.aibv!;
    const parent = zdev.zbus!.msiParentDomain!;
    const ptr = zpciDomainPtr(s.k, parent);
    zpciMsiDomainFreeForTest(s.k, parent, pciIrqVector(s.k, pdev, 0), 4);
    expect([0, 1, 2, 3].map((i) => ptrOf(aibv, i))).toEqual([0n, ptr, 0n, ptr]);
    expect([0, 1, 2, 3].map((i) => dataOf(aibv, i))).toEqual([0, 1, 0, 3]);
    const f = s.sim.findings.list;
    expect(f.map((x) => x.kind)).toEqual(['out-of-bounds']);
    expect(f[0]!.message).toContain(
      'slab-out-of-bounds in airq_iv_set_ptr: write to ptr[] bit 4 of airq_iv zpci aibv fid 0x10',
    );
  });

  it('free(virq, 4) in one call (directed): clears the neighbour function bits first_bit+4, +6', () => {
    const s = sys(true);
    const { pdev } = plugMsiOnly(s, FID, 1, 2);
    expect(pciAllocIrqVectors(s.k, pdev, 4, 4, PCI_IRQ_MSI)).toBe(4);
    const a = s.zdev(FID)!;
    expect(a.msiFirstBit).toBe(0);
    const b = plugAndBind(s, 0x20, 2, 8);
    expect(b.zdev.msiFirstBit).toBe(4);
    const g = mainlinePciIrq(s.k)!;
    zpciMsiDomainFreeForTest(s.k, a.zbus!.msiParentDomain!, pciIrqVector(s.k, pdev, 0), 4);
    const bptr = zpciDomainPtr(s.k, b.parent);
    // B's vectors 0 and 2 (bits 4 and 6) lost their domain pointer and hwirq, 1 and 3 kept
    expect([4, 5, 6, 7].map((bit) => ptrOf(g.zpciIbv![1]!, bit))).toEqual([0n, bptr, 0n, bptr]);
    // B's vector 0 is now dispatched to generic_handle_domain_irq(NULL, 0): dropped
    s.signal(0x20, 0);
    s.signal(0x20, 1);
    expect(b.state.calls.get(b.virq(0))).toBeUndefined();
    expect(b.state.calls.get(b.virq(1))).toBe(1);
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(2);
    expect(s.sim.findings.list).toEqual([]);
  });
});

describe('specimen M2: zpci_msi_teardown_directed frees max_msi bits', () => {
  it('unbinding A (3 bits) frees neighbour B; C then shares B bits and gets B interrupts', () => {
    const s = sys(true);
    const a = plugAndBind(s, 0x10, 1, 3);
    const b = plugAndBind(s, 0x20, 2, 8);
    const g = mainlinePciIrq(s.k)!;
    const ibv0 = g.zpciIbv![0]!;
    expect(a.zdev.msiFirstBit).toBe(0);
    expect(b.zdev.msiFirstBit).toBe(3);
    expect(a.zdev.maxMsi).toBe(128);
    s.unbind(0x10);
    for (let bit = 0; bit < 128; bit++) expect(airqIvBitAvail(ibv0, bit)).toBe(true); // B's 3..10 too
    const c = plugAndBind(s, 0x30, 3, 8);
    expect(c.zdev.msiFirstBit).toBe(0); // overlaps B's bits 3..10
    expect(c.fn.irq.dibvo).toBe(0);
    expect(b.fn.irq.dibvo).toBe(3);
    // B vector 0 -> DIBV bit 3, which now names C's parent domain, hwirq 3
    expect(ptrOf(ibv0, 3)).toBe(zpciDomainPtr(s.k, c.parent));
    expect(dataOf(ibv0, 3)).toBe(3);
    s.signal(0x20, 0);
    expect(b.state.calls.get(b.virq(0))).toBeUndefined();
    expect(c.state.calls.get(c.virq(3))).toBe(1);
    // B's vector 5 -> bit 8, past C's first 8? no: C has 0..7, bit 8 is still B's
    s.signal(0x20, 5);
    expect(b.state.calls.get(b.virq(5))).toBe(1);
    expect(s.sim.findings.list).toEqual([]);
  });
});

describe('specimen M3: floating leaks', () => {
  it('airq_iv_create failing in __alloc_airq leaks the summary bit; probe fails', () => {
    const s = sys(false);
    s.plug(FID, { uid: 1, msixVectors: 8 });
    const g = mainlinePciIrq(s.k)!;
    const { driver, state } = createTestDriver({ nvec: 8 });
    s.sim.faults.arm('airq_iv_create', 1);
    expect(s.bind(FID, driver)).toBeLessThan(0);
    expect(state.nvec.get('0001:00:00.0')).toBeLessThan(0);
    const zdev = s.zdev(FID)!;
    expect(zdev.aisb).toBe(0);
    expect(zdev.aibv).toBe(null);
    expect(airqIvBitAvail(g.zpciSbv!, 0)).toBe(false); // leaked
    expect(s.sim.log.lines.map((l) => l.text)).toContain(
      'zpci: Allocating adapter IRQs for 0001:00:00.0 failed',
    );
    expect(s.k.irqDomains.map((d) => d.name)).toEqual(['ZPCI_MSI_DOM_0001']);
    // the next probe takes summary bit 1
    expect(s.bind(FID, createTestDriver({ nvec: 8 }).driver)).toBe(0);
    expect(zdev.aisb).toBe(1);
    expect(airqIvBitAvail(g.zpciSbv!, 0)).toBe(false);
  });

  it('DEREG_INT failing (rc ignored) releases the aibv under a live registration: a late MSI is DMA after free and the handler scans the freed aibv', () => {
    const s = sys(false);
    const { fn, zdev } = plugAndBind(s, FID, 1, 8);
    const aibv = zdev.aibv!;
    s.sim.faults.arm('mpcifc.DEREG_INT.cc1', 1);
    s.unbind(FID);
    expect(fn.irq.fmt).toBe(IRQ_REG_FMT0); // still registered
    expect(aibv.freed).toBe(true);
    expect(mainlinePciIrq(s.k)!.zpciIbv![0]).toBe(aibv); // M3 (b): stale shortcut pointer
    // a message in flight from before the shutdown reaches the firmware now
    s.machine.msiWrite(FID, 0xfe000000, 0, 2);
    s.run();
    const kinds = s.sim.findings.list.map((f) => f.kind);
    expect(kinds).toContain('dma-use-after-free');
    expect(kinds).toContain('use-after-free');
    const uaf = s.sim.findings.list.find((f) => f.kind === 'use-after-free')!;
    expect(uaf.message).toContain('airq_iv zpci aibv fid 0x10');
  });
});

describe('specimen M4: double registration after a reset', () => {
  for (const directed of [false, true]) {
    it(`${directed ? 'directed' : 'floating'}: reenable re-registers, then slot_reset -> arch_restore_msi_irqs registers again: cc 1 status 24, ignored`, () => {
      const s = sys(directed);
      const { fn, state, virq } = plugAndBind(s, FID, 1, 8);
      const log = pciInsnState(s.k).errLog;
      const before = log.length;
      s.injectError(FID);
      expect(state.recovery).toEqual(['error_detected', 'slot_reset', 'resume']);
      const errs = log.slice(before).filter((r) => r.insn === 'M');
      expect(errs.map((r) => [r.level, r.cc, r.status])).toEqual([[0, 1, 24]]);
      expect(Number(errs[0]!.req & 0xffn)).toBe(directed ? 16 : 2); // REG_INT_D / REG_INT
      expect(fn.irq.fmt).toBe(directed ? IRQ_REG_FMT1 : IRQ_REG_FMT0);
      expect(fn.irq.noi).toBe(8);
      s.signal(FID, 6);
      expect(state.calls.get(virq(6))).toBe(1);
      expect(s.sim.findings.list).toEqual([]);
    });
  }
});

describe('specimen M5: zpci_bus_release removes the parent domain unconditionally', () => {
  it('(a) duplicate UID: zpci_alloc_domain fails, release dereferences the NULL msi_parent_domain: Oops', () => {
    const s = sys(false);
    s.plug(0x10, { uid: 1, pchid: 1 });
    expect(() => s.plug(0x20, { uid: 1, pchid: 2 })).toThrow(KernelOops);
    const oops = s.sim.findings.list.find((f) => f.kind === 'Oops')!;
    expect(oops.message).toContain(
      'NULL irq_domain at arch/s390/pci/pci_irq.c zpci_remove_parent_msi_domain',
    );
  });

  it('(b) msi_create_parent_irq_domain fails: -ENOMEM path, then the same NULL dereference on release', () => {
    const s = sys(false);
    s.sim.faults.arm('irq_domain_instantiate', 1);
    expect(() => s.plug(0x10, { uid: 1 })).toThrow(KernelOops);
    const lines = s.sim.log.lines.map((l) => l.text);
    expect(lines).toContain('zpci: Failed to create MSI IRQ domain');
    const oops = s.sim.findings.list.find((f) => f.kind === 'Oops')!;
    expect(oops.message).toContain(
      'NULL irq_domain at arch/s390/pci/pci_irq.c zpci_remove_parent_msi_domain',
    );
  });

  it('(c) pci_create_root_bus fails: the error path removes the domain, release removes it again (use-after-free)', () => {
    const s = sys(false);
    s.sim.faults.arm('pci_create_root_bus', 1);
    expect(() => s.plug(0x10, { uid: 1 })).toThrow(KernelOops);
    const oops = s.sim.findings.list.find((f) => f.kind === 'Oops')!;
    expect(oops.message).toContain(
      'freed irq_domain (use-after-free) at arch/s390/pci/pci_irq.c zpci_remove_parent_msi_domain',
    );
    expect(s.k.irqDomains).toEqual([]);
  });

  it('graceful unplug of the last function removes the parent domain and frees its fwnode', () => {
    const s = sys(false);
    const { parent } = plugAndBind(s, FID, 1, 8);
    s.unplug(FID, true);
    s.machine.reserve(FID); // 0x0308: reserved -> the last reference goes -> zpci_bus_release
    s.run();
    expect(s.zdev(FID)).toBe(null);
    expect(parent.removed).toBe(true);
    expect(parent.fwnode!.freed).toBe(true);
    expect(s.k.irqDomains).toEqual([]);
    expect(s.sim.findings.list).toEqual([]);
  });
});

describe('specimen M6/M7: MSI device domain sized at the first enable, alloc bounded by max_msi', () => {
  it('6.19 sizes the MSI domain with pci_msi_vec_count: enable 1, free, enable 4 stays inside the 4-bit aibv (not reachable)', () => {
    const s = sys(false);
    const { pdev } = plugMsiOnly(s, FID, 1, 2);
    expect(pciAllocIrqVectors(s.k, pdev, 1, 1, PCI_IRQ_MSI)).toBe(1);
    const zdev = s.zdev(FID)!;
    const aibv = zdev.aibv!;
    expect(aibv.bits).toBe(4); // prepare ran with hwsize = MSI capability count 4, not nvec 1
    expect(zdev.msiNrIrqs).toBe(4);
    expect(s.machine.fn(FID)!.irq.noi).toBe(4);
    pciFreeIrqVectors(s.k, pdev);
    expect(pciAllocIrqVectors(s.k, pdev, 4, 4, PCI_IRQ_MSI)).toBe(4);
    expect(zdev.aibv).toBe(aibv); // the domain (and its prepare) is reused
    const calls: number[] = [];
    for (let i = 0; i < 4; i++) {
      const v = pciIrqVector(s.k, pdev, i);
      expect(
        requestIrq(
          s.k,
          v,
          (_k, irq) => {
            calls.push(irq);
            return IRQ_HANDLED;
          },
          0,
          `msi${i}`,
          pdev,
        ),
      ).toBe(0);
    }
    for (let i = 0; i < 4; i++) s.signal(FID, i);
    expect(calls).toEqual([0, 1, 2, 3].map((i) => pciIrqVector(s.k, pdev, i)));
    expect(irqStatSum(s.k, IRQIO_MSI)).toBe(4);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('hwsize above max_msi: prepare caps at max_msi and logs it; the alloc bound refuses index >= max_msi', () => {
    const s = createZpciSystem({ backend: 'mainline', groups: [{ pfgid: 1, noi: 4 }] });
    s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 8 });
    expect(s.bind(FID, driver)).toBeLessThan(0);
    expect(state.nvec.get('0001:00:00.0')).toBeLessThan(0);
    expect(s.sim.log.lines.map((l) => l.text)).toContain(
      'zpci: 0001:00:00.0 requested 8 IRQs, allocate system limit of 4',
    );
    const zdev = s.zdev(FID)!;
    expect(zdev.maxMsi).toBe(4);
    expect(s.sim.findings.list).toEqual([]);
  });
});

describe('compose and parent pointer model', () => {
  it('the parent chip composes from the parent-level hwirq; the device chip writes it', () => {
    const s = sys(false);
    const { virq, parent } = plugAndBind(s, FID, 1, 2);
    const d = irqDomainGetIrqData(s.k, parent, virq(1))!;
    const msg = { addressLo: 1, addressHi: 1, data: 9 };
    d.chip.irqComposeMsiMsg!(s.k, d, msg);
    expect(msg).toEqual({ addressLo: 0, addressHi: 0xfe000000, data: 1 });
  });

  it('parent domains get distinct non-NULL pointers above 4 GiB', () => {
    const s = sys(false);
    const a = plugAndBind(s, 0x10, 1, 2);
    const b = plugAndBind(s, 0x20, 2, 2);
    const pa = zpciDomainPtr(s.k, a.parent);
    const pb = zpciDomainPtr(s.k, b.parent);
    expect(pa).not.toBe(pb);
    expect(pa >> 32n).toBe(1n);
    expect(zpciDomainPtr(s.k, null as unknown as IrqDomain)).toBe(0n);
  });
});
