// SPDX-License-Identifier: GPL-2.0-only
/**
 * "A checker that can fail": for each sanitizer invariant, a small throwaway zPCI MSI
 * backend (written here, not in src) with one planted bug, and the exact finding the
 * sanitizer must report. The backend is a cut-down floating/directed pci_irq.c using the
 * PCI core's arch MSI hooks; `bugs` selects what it gets wrong.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  toZpci,
  type ZpciDev,
  zpciFibStore,
  zpciFibZero,
  zpciGlobals,
} from '../../src/arch/s390/include/asm/pci.ts';
import { IRQIO_MSI, incIrqStat } from '../../src/arch/s390/kernel/irq.ts';
import {
  type CallSingleData,
  csdCreate,
  initCsd,
  smpCallFunctionSingleAsync,
  smpCpuGetCpuAddress,
} from '../../src/arch/s390/kernel/smp.ts';
import { registerZpciIrqBackend, type ZpciIrqBackend } from '../../src/arch/s390/pci/backend.ts';
import { onEachCpu } from '../../src/arch/s390/pci/on_each_cpu.ts';
import {
  PP_ZPCI_SET_IRQ_CTRL,
  SIC_IRQ_MODE_D_SINGLE,
  SIC_IRQ_MODE_DIRECT,
  SIC_IRQ_MODE_SET_CPU,
  SIC_IRQ_MODE_SINGLE,
  ZPCI_MOD_FC_DEREG_INT,
  ZPCI_MOD_FC_DEREG_INT_D,
  ZPCI_MOD_FC_REG_INT,
  ZPCI_MOD_FC_REG_INT_D,
  zpciCreateReq,
  zpciModFc,
  zpciSetIrqCtrl,
} from '../../src/arch/s390/pci/pci_insn.ts';
import { createTestDriver, createZpciSystem, type ZpciSystem } from '../../src/arch/s390/pci/system.ts';
import { pciIrqVector } from '../../src/drivers/pci/msi/api.ts';
import { setArchMsiOps } from '../../src/drivers/pci/msi/legacy.ts';
import { pciMsiMaskIrq, pciMsiUnmaskIrq, pciWriteMsiMsg } from '../../src/drivers/pci/msi/msi.ts';
import {
  AIRQ_IV_ALLOC,
  AIRQ_IV_CACHELINE,
  AIRQ_IV_DATA,
  AIRQ_IV_NONE,
  type AirqIv,
  type AirqStruct,
  airqIvAlloc,
  airqIvAllocBit,
  airqIvCreate,
  airqIvEnd,
  airqIvFree,
  airqIvFreeBit,
  airqIvGetData,
  airqIvRelease,
  airqIvScan,
  airqIvSetData,
  airqStructInit,
  CACHE_LINE_SIZE,
  kernelPhysMem,
  PCI_ISC,
  registerAdapterInterrupt,
  unregisterAdapterInterrupt,
} from '../../src/drivers/s390/cio/airq.ts';
import type { TpiInfo } from '../../src/hw/s390x/cpu.ts';
import { DIRQ_SINGLE_FIRED } from '../../src/hw/s390x/cpu.ts';
import { type Cpumask, cpumaskCreate, cpumaskFirst } from '../../src/include/linux/cpumask.ts';
import { EIO, ENOMEM } from '../../src/include/linux/errno.ts';
import { IRQ_SET_MASK_OK, type IrqChip, type IrqData } from '../../src/include/linux/irq.ts';
import { MSI_DESC_ASSOCIATED, MSI_DESC_NOTASSOCIATED, type MsiMsg } from '../../src/include/linux/msi.ts';
import type { PciDev } from '../../src/include/linux/pci.ts';
import {
  handlePercpuIrq,
  irqSetChipAndHandler,
  irqSetMsiDesc,
  irqSetMsiDescOff,
} from '../../src/kernel/irq/chip.ts';
import {
  genericHandleIrq,
  handleIrqDesc,
  irqAllocDescsInternal,
  irqFreeDesc,
} from '../../src/kernel/irq/irqdesc.ts';
import { irqSetAffinity } from '../../src/kernel/irq/manage.ts';
import { irqDataGetMsiDesc, msiForEachDesc } from '../../src/kernel/irq/msi.ts';
import type { Kernel } from '../../src/kernel/kernel.ts';
import type { FindingKind } from '../../src/sim/findings.ts';
import { KernelOops } from '../../src/sim/findings.ts';
import { attachSanitizer, type Sanitizer } from '../../src/sim/sanitizer.ts';

/* ------------------------------------------------------ the throwaway backend */

interface Bugs {
  /** Floating handler: no SIC SINGLE + rescan after the first scan (the ISC stays suppressed). */
  forgetRescan?: boolean;
  /** Handlers call generic_handle_irq twice per scanned bit. */
  dispatchTwice?: boolean;
  /** Directed messages name the "mirror" CPU (nr_cpus - 1 - cpu) instead of the target. */
  wrongCpuAddress?: boolean;
  /** Directed fallback: scan the target CPU's DIBV on the CPU that took the floating interruption. */
  fallbackLocal?: boolean;
  /** Teardown releases the AIBV but keeps its summary bit and the pointer to it. */
  keepStaleVector?: boolean;
  /** Teardown forgets DEREG_INT (the registration stays). */
  skipDereg?: boolean;
  /** Directed: every function gets DIBV offset 0. */
  sameDibvo?: boolean;
  /** Floating: the handler does not check the AIBV pointer for NULL. */
  noNullCheck?: boolean;
  /** Floating: re-enables with SIC SINGLE but stops without the second scan. */
  noRescan?: boolean;
}

let bugs: Bugs = {};

interface G {
  directed: boolean;
  sbv: AirqIv | null;
  ibv: (AirqIv | null)[];
  airq: AirqStruct;
  chip: IrqChip;
  csd: CallSingleData[];
  status: { status: number };
}

const KEY = 'test.sanitizer.pci_irq';
const g = (k: Kernel): G => k.subsys.get(KEY) as G;

function modFc(
  k: Kernel,
  zdev: ZpciDev,
  fc: number,
  fill: (f: ReturnType<typeof zpciFibZero>) => void,
): number {
  const fib = zpciFibZero();
  fill(fib);
  return zpciModFc(k, zpciCreateReq(zdev.fh, 0, fc), zpciFibStore(k, fib), g(k).status) ? -EIO : 0;
}

function setIrq(k: Kernel, zdev: ZpciDev): number {
  if (g(k).directed) {
    return modFc(k, zdev, ZPCI_MOD_FC_REG_INT_D, (f) => {
      f.fmt = 1;
      f.fmt1.noi = zdev.msiNrIrqs;
      f.fmt1.dibvo = zdev.msiFirstBit;
    });
  }
  return modFc(k, zdev, ZPCI_MOD_FC_REG_INT, (f) => {
    f.fmt0.isc = PCI_ISC;
    f.fmt0.sum = 1;
    f.fmt0.noi = airqIvEnd(k, zdev.aibv!);
    f.fmt0.aibv = zdev.aibv!.vector;
    f.fmt0.aisb = g(k).sbv!.vector + Math.floor(zdev.aisb / 64) * 8;
    f.fmt0.aisbo = zdev.aisb & 63;
  });
}

function directedAddress(k: Kernel, zdev: ZpciDev, cpu: number): number {
  const target = bugs.wrongCpuAddress ? k.nrCpuIds - 1 - cpu : cpu;
  return (Number(zdev.msiAddr & 0xff0000ffn) | (smpCpuGetCpuAddress(k, target) << 8)) >>> 0;
}

function setAffinity(k: Kernel, data: IrqData, dest: Cpumask, _force: boolean): number {
  const desc = irqDataGetMsiDesc(data)!;
  const zdev = toZpci(desc.dev.owner as PciDev)!;
  const msg: MsiMsg = {
    addressLo: directedAddress(k, zdev, cpumaskFirst(dest)),
    addressHi: desc.msg.addressHi,
    data: desc.msg.data,
  };
  pciWriteMsiMsg(k, data.irq, msg);
  return IRQ_SET_MASK_OK;
}

function dispatch(k: Kernel, iv: AirqIv, bit: number): void {
  incIrqStat(k, IRQIO_MSI);
  genericHandleIrq(k, airqIvGetData(k, iv, bit));
  if (bugs.dispatchTwice) genericHandleIrq(k, airqIvGetData(k, iv, bit));
}

function floatingHandler(k: Kernel, _a: AirqStruct, _t: TpiInfo): void {
  const s = g(k);
  let irqsOn = 0;
  for (let si = 0; ; ) {
    si = airqIvScan(k, s.sbv!, si, airqIvEnd(k, s.sbv!));
    if (si === AIRQ_IV_NONE) {
      if (bugs.forgetRescan || irqsOn++) break;
      zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null);
      if (bugs.noRescan) break;
      si = 0;
      continue;
    }
    const aibv = s.ibv[si];
    if (!aibv && !bugs.noNullCheck) continue;
    for (let ai = 0; ; ) {
      ai = airqIvScan(k, aibv as AirqIv, ai, airqIvEnd(k, aibv as AirqIv));
      if (ai === AIRQ_IV_NONE) break;
      dispatch(k, aibv as AirqIv, ai);
    }
  }
}

function scanLocal(k: Kernel, cpu: number, rearm: boolean): void {
  const dibv = g(k).ibv[cpu]!;
  let irqsOn = 0;
  for (let bit = 0; ; ) {
    bit = airqIvScan(k, dibv, bit, airqIvEnd(k, g(k).ibv[0]!));
    if (bit === AIRQ_IV_NONE) {
      if (!rearm || irqsOn++) break;
      zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null);
      bit = 0;
      continue;
    }
    dispatch(k, dibv, bit);
  }
}

function remote(k: Kernel, _info: unknown): void {
  scanLocal(k, k.currentCpu, false);
}

function directedHandler(k: Kernel, _a: AirqStruct, t: TpiInfo): void {
  const s = g(k);
  if (t.directed) {
    scanLocal(k, k.currentCpu, true);
    return;
  }
  let irqsOn = 0;
  for (let cpu = 0; ; ) {
    cpu = airqIvScan(k, s.sbv!, cpu, airqIvEnd(k, s.sbv!));
    if (cpu === AIRQ_IV_NONE) {
      if (irqsOn++) break;
      zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null);
      cpu = 0;
      continue;
    }
    if (bugs.fallbackLocal) {
      scanLocal(k, cpu, false);
      continue;
    }
    initCsd(s.csd[cpu]!, remote, null);
    smpCallFunctionSingleAsync(k, cpu, s.csd[cpu]!);
  }
}

function archSetupMsiIrqs(k: Kernel, pdev: PciDev, nvec: number, _type: number): number {
  const s = g(k);
  const zdev = toZpci(pdev)!;
  let bit = 0;
  if (s.directed) {
    bit = bugs.sameDibvo ? 0 : airqIvAlloc(k, s.ibv[0]!, nvec);
    if (bit === AIRQ_IV_NONE) return -EIO;
  } else {
    zdev.aisb = airqIvAllocBit(k, s.sbv!);
    if (zdev.aisb === AIRQ_IV_NONE) return -EIO;
    zdev.aibv = airqIvCreate(k, nvec, AIRQ_IV_DATA, null, `test aibv fid 0x${zdev.fid.toString(16)}`);
    if (!zdev.aibv) return -ENOMEM;
    s.ibv[zdev.aisb] = zdev.aibv;
  }
  let n = 0;
  for (const msi of msiForEachDesc(k, pdev.dev, MSI_DESC_NOTASSOCIATED)) {
    if (n >= nvec) break;
    const irq = irqAllocDescsInternal(k, -1, 0, 1, 0, null);
    if (irq < 0) return -ENOMEM;
    irqSetMsiDescOff(k, irq, 0, msi);
    irqSetChipAndHandler(k, irq, s.chip, handlePercpuIrq);
    const msg: MsiMsg = {
      addressLo: Number(zdev.msiAddr & 0xffffffffn),
      addressHi: Number(zdev.msiAddr >> 32n),
      data: n,
    };
    if (s.directed) {
      msg.addressLo = directedAddress(k, zdev, 0);
      for (let cpu = 0; cpu < k.nrCpuIds; cpu++) airqIvSetData(k, s.ibv[cpu]!, bit + n, irq);
    } else {
      airqIvSetData(k, zdev.aibv!, n, irq);
    }
    pciWriteMsiMsg(k, irq, msg);
    n++;
  }
  zdev.msiFirstBit = bit;
  zdev.msiNrIrqs = n;
  return setIrq(k, zdev);
}

function archTeardownMsiIrqs(k: Kernel, pdev: PciDev): void {
  const s = g(k);
  const zdev = toZpci(pdev)!;
  if (!bugs.skipDereg) {
    const fc = s.directed ? ZPCI_MOD_FC_DEREG_INT_D : ZPCI_MOD_FC_DEREG_INT;
    modFc(k, zdev, fc, (f) => {
      f.fmt = s.directed ? 1 : 0;
    });
  }
  for (const msi of msiForEachDesc(k, pdev.dev, MSI_DESC_ASSOCIATED)) {
    irqSetMsiDesc(k, msi.irq, null);
    irqFreeDesc(k, msi.irq);
    msi.msg.addressLo = 0;
    msi.msg.addressHi = 0;
    msi.msg.data = 0;
    msi.irq = 0;
  }
  if (s.directed) {
    if (!bugs.sameDibvo) airqIvFree(k, s.ibv[0]!, zdev.msiFirstBit, zdev.msiNrIrqs);
    return;
  }
  if (!bugs.keepStaleVector) {
    s.ibv[zdev.aisb] = null;
    airqIvFreeBit(k, s.sbv!, zdev.aisb);
  }
  if (zdev.aibv) airqIvRelease(k, zdev.aibv);
  zdev.aibv = null;
}

function cpuEnable(k: Kernel, _info: unknown): void {
  zpciSetIrqCtrl(k, SIC_IRQ_MODE_SET_CPU, 0, { kind: 'cdiib', dibvAddr: g(k).ibv[k.currentCpu]!.vector });
  zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null);
}

function createTestBackend(): ZpciIrqBackend {
  return {
    name: 'sanitizer-test',
    zpciIrqInit(k: Kernel): number {
      const directed = zpciGlobals(k).sclpHasDirq;
      const s: G = {
        directed,
        sbv: null,
        ibv: [],
        airq: airqStructInit(directed ? directedHandler : floatingHandler, PCI_ISC),
        chip: { name: 'PCI-MSI', flags: 0, irqMask: pciMsiMaskIrq, irqUnmask: pciMsiUnmaskIrq },
        csd: [],
        status: { status: 0 },
      };
      for (let c = 0; c < k.nrCpuIds; c++) s.csd.push(csdCreate());
      k.subsys.set(KEY, s);
      setArchMsiOps(k, { archSetupMsiIrqs, archTeardownMsiIrqs });
      const rc = registerAdapterInterrupt(k, s.airq);
      if (rc) return rc;
      kernelPhysMem(k).writeU8(s.airq.lsiPtr, 1);
      if (directed) {
        s.sbv = airqIvCreate(k, k.nrCpuIds, 0, null, 'test disb');
        zpciSetIrqCtrl(k, SIC_IRQ_MODE_DIRECT, 0, {
          kind: 'diib',
          isc: PCI_ISC,
          nrCpus: k.nrCpuIds,
          disbAddr: s.sbv!.vector,
        });
        for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
          const flags = AIRQ_IV_DATA | AIRQ_IV_CACHELINE | (cpu === 0 ? AIRQ_IV_ALLOC : 0);
          s.ibv.push(airqIvCreate(k, CACHE_LINE_SIZE * 8, flags, null, `test dibv cpu ${cpu}`));
        }
        onEachCpu(k, cpuEnable, null, true);
        s.chip.irqSetAffinity = setAffinity;
      } else {
        s.sbv = airqIvCreate(k, 64, AIRQ_IV_ALLOC, null, 'test aisb');
        s.ibv = new Array<AirqIv | null>(64).fill(null);
      }
      zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null);
      return 0;
    },
    zpciIrqExit(k: Kernel): void {
      unregisterAdapterInterrupt(k, g(k).airq);
    },
  };
}

registerZpciIrqBackend('sanitizer-test', createTestBackend);

/* ------------------------------------------------------------------- helpers */

const FID = 0x10;

interface Rig {
  s: ZpciSystem;
  san: Sanitizer;
  virq: (i: number) => number;
  calls: Map<number, number>;
  lastCpu: Map<number, number>;
}

function boot(directed: boolean, nvec = 4): Rig {
  const s = createZpciSystem({ backend: 'sanitizer-test', directed, nrCpus: 2 });
  expect(s.initRc).toBe(0);
  const san = attachSanitizer(s.k, s.machine);
  san.snapshotBaseline();
  s.plug(FID, { uid: 1, msixVectors: 8 });
  const { driver, state } = createTestDriver({ nvec });
  expect(s.bind(FID, driver)).toBe(0);
  const pdev = s.pdev(FID)!;
  return { s, san, virq: (i) => pciIrqVector(s.k, pdev, i), calls: state.calls, lastCpu: state.lastCpu };
}

function kinds(s: ZpciSystem): FindingKind[] {
  return s.sim.findings.list.map((f) => f.kind);
}

beforeEach(() => {
  bugs = {};
});

/* --------------------------------------------------------------------- tests */

describe('sanitizer: the throwaway backend without bugs is clean', () => {
  for (const directed of [false, true]) {
    it(directed ? 'directed' : 'floating', () => {
      const { s, san, virq, calls, lastCpu } = boot(directed);
      for (let v = 0; v < 4; v++) s.signal(FID, v);
      if (directed) {
        expect(irqSetAffinity(s.k, virq(2), cpumaskCreate(1))).toBe(0);
        s.signal(FID, 2);
        expect(lastCpu.get(virq(2))).toBe(1);
        s.machine.cpu(1)!.dirqState = DIRQ_SINGLE_FIRED; // CPU 1 already fired: fallback + IPI
        s.signal(FID, 2);
        expect(lastCpu.get(virq(2))).toBe(1);
        expect(calls.get(virq(2))).toBe(3);
      }
      expect(san.checkQuiescent()).toBe(0);
      s.unbind(FID);
      expect(san.checkQuiescent()).toBe(0);
      expect(san.checkLeaks()).toBe(0);
      expect(s.sim.findings.list).toEqual([]);
      expect(san.ownedWrites).toBe(directed ? 6 : 4);
    });
  }
});

/**
 * The single-mode race, end to end at machine level: an MSI that arrives after the
 * handler's first scan and before its SIC re-enable finds the ISC suppressed, so no new
 * interruption comes; only the handler's second scan can find it.
 */
function injectBeforeReenable(s: ZpciSystem, vector: number): void {
  const inner = s.k.preemptPoint;
  let done = false;
  s.k.preemptPoint = (k, site) => {
    if (site === PP_ZPCI_SET_IRQ_CTRL && !done) {
      done = true;
      s.machine.signal(FID, vector);
    }
    inner?.(k, site);
  };
}

describe('the single-mode race', () => {
  it('legacy: an MSI between the first scan and the re-enable is found by the rescan', () => {
    const s = createZpciSystem({ backend: 'legacy', nrCpus: 2 });
    const san = attachSanitizer(s.k, s.machine);
    s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 4 });
    expect(s.bind(FID, driver)).toBe(0);
    const pdev = s.pdev(FID)!;
    injectBeforeReenable(s, 3);
    s.signal(FID, 1);
    expect(state.calls.get(pciIrqVector(s.k, pdev, 1))).toBe(1);
    expect(state.calls.get(pciIrqVector(s.k, pdev, 3))).toBe(1);
    expect(s.machine.fn(FID)!.counters.suppressed).toBe(1);
    expect(san.checkQuiescent()).toBe(0);
    expect(kinds(s)).toEqual([]);
  });

  it('a handler that re-enables without the rescan loses it, and the sanitizer says so', () => {
    bugs.noRescan = true;
    const { s, san, virq, calls } = boot(false);
    injectBeforeReenable(s, 3);
    s.signal(FID, 1);
    expect(calls.get(virq(1))).toBe(1);
    expect(calls.get(virq(3))).toBe(undefined);
    expect(s.machine.fn(FID)!.counters.suppressed).toBe(1);
    expect(san.checkQuiescent()).toBe(1);
    expect(kinds(s)).toEqual(['lost-irq']);
    expect(s.sim.findings.list[0]!.message).toContain('MSI of fid 0x10 vector 3');
  });
});

describe('sanitizer: 1. routing', () => {
  it('lost-irq: the handler forgets the rescan, the second MSI stays in the AIBV', () => {
    bugs.forgetRescan = true;
    const { s, san, virq, calls } = boot(false);
    s.signal(FID, 1);
    expect(calls.get(virq(1))).toBe(1);
    s.signal(FID, 3); // ISC still suppressed: no interruption
    expect(calls.get(virq(3))).toBe(undefined);
    expect(san.checkQuiescent()).toBe(1);
    expect(kinds(s)).toEqual(['lost-irq']);
    const f = s.sim.findings.list[0]!;
    expect(f.message).toContain('MSI of fid 0x10 vector 3');
    expect(f.message).toContain(`IRQ ${virq(3)}`);
    expect(f.message).toMatch(/written at event \d+ never reached the flow handler/);
    expect(san.checkQuiescent()).toBe(0); // reported once
  });

  it('spurious-irq: the handler dispatches every scanned bit twice', () => {
    bugs.dispatchTwice = true;
    const { s, san, virq, calls } = boot(false);
    s.signal(FID, 0);
    s.signal(FID, 2);
    expect(calls.get(virq(0))).toBe(2);
    expect(kinds(s)).toEqual(['spurious-irq', 'spurious-irq']);
    expect(s.sim.findings.list[1]!.message).toContain(
      `IRQ ${virq(2)} flow handler ran on CPU 0 with no MSI write outstanding`,
    );
    expect(s.sim.findings.list[1]!.callChain).toContain('dispatch');
    expect(san.checkQuiescent()).toBe(0);
  });

  it('misrouted-irq: the directed message names a CPU outside the affinity', () => {
    bugs.wrongCpuAddress = true;
    const { s, san, virq, lastCpu } = boot(true);
    expect(irqSetAffinity(s.k, virq(1), cpumaskCreate(0))).toBe(0);
    s.signal(FID, 1);
    expect(lastCpu.get(virq(1))).toBe(1); // the machine delivered where the message says
    expect(kinds(s)).toEqual(['misrouted-irq']);
    expect(s.sim.findings.list[0]!.message).toContain(
      `MSI of fid 0x10 vector 1 (IRQ ${virq(1)}) names CPU 1 (address 0x12), outside the IRQ's effective affinity`,
    );
    expect(san.checkQuiescent()).toBe(0);
  });

  it("misrouted-irq: the fallback handler runs the target CPU's vector locally", () => {
    bugs.fallbackLocal = true;
    const { s, san, virq, lastCpu } = boot(true);
    expect(irqSetAffinity(s.k, virq(3), cpumaskCreate(1))).toBe(0);
    s.machine.cpu(1)!.dirqState = DIRQ_SINGLE_FIRED; // fallback: DISB bit + floating interruption
    s.signal(FID, 3);
    expect(lastCpu.get(virq(3))).toBe(0);
    expect(kinds(s)).toEqual(['misrouted-irq']);
    expect(s.sim.findings.list[0]!.message).toContain(
      `IRQ ${virq(3)} flow handler ran on CPU 0, but the directed MSI of fid 0x10 vector 3 named CPU 1`,
    );
    expect(san.checkQuiescent()).toBe(0);
  });

  it('misrouted-irq: a write to a vector the kernel never allocated runs another IRQ', () => {
    // A raw write (no device vector, so no msi_desc owns it) of data 2 sets AIBV bit 2, and a
    // stale data slot makes the handler run IRQ virq(0) for it.
    const { s, san, virq } = boot(false);
    const aibv = s.zdev(FID)!.aibv!;
    airqIvSetData(s.k, aibv, 2, virq(0));
    s.machine.msiWrite(FID, 0xfe000000, 0, 2);
    s.run();
    expect(kinds(s)).toEqual(['misrouted-irq']);
    expect(s.sim.findings.list[0]!.message).toContain(`IRQ ${virq(0)} flow handler ran on CPU 0 for an MSI`);
    expect(san.checkQuiescent()).toBe(0);
  });
});

describe('sanitizer: 2. memory', () => {
  it('use-after-free: teardown releases the AIBV but the summary bit still leads the handler to it', () => {
    bugs.keepStaleVector = true;
    const { s, san } = boot(false);
    s.machine.signal(FID, 1); // pending: bits set, interruption not yet presented
    s.unbind(FID); // frees the vector, then run() presents the interruption
    expect(kinds(s)).toEqual(['use-after-free']);
    expect(s.sim.findings.list[0]!.message).toContain(
      'BUG: KASAN: slab-use-after-free in airq_iv_end: access to released airq_iv test aibv fid 0x10',
    );
    expect(san.checkQuiescent()).toBe(0);
  });

  it('dma-use-after-free: the registration outlives the AIBV and the firmware writes into it', () => {
    bugs.skipDereg = true;
    const { s, san } = boot(false);
    s.unbind(FID);
    s.machine.msiWrite(FID, 0xfe000000, 0, 1);
    s.run();
    expect(kinds(s)).toEqual(['dma-use-after-free']);
    expect(s.sim.findings.list[0]!.message).toMatch(
      /^firmware \(fid 0x10\): AIBV bit set: 1 byte\(s\) at 0x[0-9a-f]+ in airq_iv_create: test aibv fid 0x10 vector .*freed.*event \d+/,
    );
    expect(san.checkQuiescent()).toBe(0);
  });

  it('use-after-free: a delivery reaches a descriptor whose irq_data was reset', () => {
    const { s, virq } = boot(false);
    const desc = s.k.irqDescs[virq(1)]!;
    s.signal(FID, 1);
    irqSetChipAndHandler(s.k, virq(1), null, null); // torn down, descriptor still allocated
    handleIrqDesc(s.k, desc);
    expect(kinds(s)).toEqual(['use-after-free']);
    expect(s.sim.findings.list[0]!.message).toContain(
      `delivery to IRQ ${virq(1)} on CPU 0 after its irq_data was torn down`,
    );
  });
});

describe('sanitizer: 3. ownership', () => {
  it('double-owner: two functions registered for the same DIBV offsets', () => {
    bugs.sameDibvo = true;
    const { s, san } = boot(true);
    s.plug(0x20, { uid: 2, msixVectors: 8 });
    const { driver } = createTestDriver({ nvec: 2 });
    expect(s.bind(0x20, driver)).toBe(0);
    expect(san.checkQuiescent()).toBe(1);
    expect(kinds(s)).toEqual(['double-owner']);
    expect(s.sim.findings.list[0]!.message).toContain(
      'fid 0x10 and fid 0x20 are both registered for DIBV bits: [0, 4) overlaps [0, 2)',
    );
    expect(san.checkQuiescent()).toBe(0);
  });

  it('double-owner: two live irq_data with the same hwirq in one domain', () => {
    const s = createZpciSystem({ backend: 'legacy', nrCpus: 2 });
    const san = attachSanitizer(s.k, s.machine);
    const dom = { name: 'TEST-DOM' } as unknown as NonNullable<IrqData['domain']>;
    const d3 = s.k.irqDescs[0]!.irqData;
    const d4 = s.k.irqDescs[1]!.irqData;
    d3.domain = dom;
    d4.domain = dom;
    d3.hwirqLo = 7;
    d4.hwirqLo = 7;
    expect(san.checkQuiescent()).toBe(1);
    expect(s.sim.findings.list[0]!.message).toContain(
      'hwirq 0x7 of domain TEST-DOM is owned by IRQ 0 and IRQ 1',
    );
  });
});

describe('sanitizer: 4. leaks', () => {
  it('leak: teardown leaves the interrupt registration', () => {
    bugs.skipDereg = true;
    const { s, san } = boot(false);
    s.unbind(FID);
    expect(san.checkQuiescent()).toBe(0);
    expect(san.checkLeaks()).toBe(1);
    expect(kinds(s)).toEqual(['leak']);
    expect(s.sim.findings.list[0]!.message).toContain(
      'machine fid 0x10 format-0 interrupt registration still allocated after teardown',
    );
  });
});

describe('sanitizer: 5. Oops', () => {
  it('a JS null dereference in model code becomes one Oops finding with its call chain', () => {
    bugs.noNullCheck = true;
    const { s, san } = boot(false);
    g(s.k).ibv[0] = null; // the summary bit of fid 0x10 now leads to NULL
    let caught: unknown = null;
    try {
      s.signal(FID, 0);
    } catch (e) {
      caught = e;
    }
    expect(caught).not.toBe(null);
    const f = san.recordOops(caught);
    expect(kinds(s)).toEqual(['Oops']);
    expect(f.callChain.slice(0, 2)).toEqual(['airqIvEnd', 'floatingHandler']);
    expect(f.message).toMatch(
      /^Unable to handle kernel pointer dereference .*: Cannot read properties of null .* at airqIvEnd on CPU 0 \[event \d+\]$/,
    );
  });

  it('a KernelOops is recorded once', () => {
    const { s, san, virq } = boot(false);
    const desc = s.k.irqDescs[virq(0)]!;
    s.unbind(FID); // descriptor freed
    let caught: unknown = null;
    try {
      handleIrqDesc(s.k, desc);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KernelOops);
    const f = san.recordOops(caught);
    expect(f).toBe((caught as KernelOops).finding);
    expect(kinds(s)).toEqual(['Oops']);
  });
});
