// SPDX-License-Identifier: GPL-2.0-only
/**
 * Backend "legacy": arch/s390/pci/pci_irq.c before the IRQ-domain migration (blob
 * e73be96ce5fe, ~6.17/6.18; notes/backends/legacy.md). Every function of the file, in
 * the file's order. The file's static globals (irq_delivery, zpci_sbv, zpci_ibv,
 * zpci_airq, zpci_irq_chip, the per-CPU irq_data) are the state of one backend instance
 * (one kernel), reachable from the handlers and hooks through k.subsys.
 *
 * The MSI hooks arch_setup_msi_irqs / arch_teardown_msi_irqs / arch_restore_msi_irqs are
 * installed as the PCI core's legacy arch hooks (drivers/pci/msi/legacy.ts).
 *
 * C widths: `bit` (unsigned long) holds AIRQ_IV_NONE (-1) for -1UL; unsigned int
 * arithmetic is done with `>>> 0`. The delivery path (the handlers) allocates nothing.
 */

import { setArchMsiOps } from '../../../drivers/pci/msi/legacy.ts';
import { pciMsiMaskIrq, pciMsiUnmaskIrq, pciWriteMsiMsg } from '../../../drivers/pci/msi/msi.ts';
import { pciName } from '../../../drivers/pci/pci.ts';
import {
  AIRQ_IV_ALLOC,
  AIRQ_IV_BITLOCK,
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
  airqIvLock,
  airqIvRelease,
  airqIvScan,
  airqIvSetData,
  airqIvUnlock,
  airqStructInit,
  CACHE_LINE_SIZE,
  kernelPhysMem,
  PCI_ISC,
  registerAdapterInterrupt,
  unregisterAdapterInterrupt,
} from '../../../drivers/s390/cio/airq.ts';
import type { TpiInfo } from '../../../hw/s390x/cpu.ts';
import { type Cpumask, cpumaskFirst, cpumaskTestCpu } from '../../../include/linux/cpumask.ts';
import { EIO, ENOMEM } from '../../../include/linux/errno.ts';
import { lower32Bits, upper32Bits } from '../../../include/linux/hwirq.ts';
import { IRQ_SET_MASK_OK, type IrqChip, type IrqData } from '../../../include/linux/irq.ts';
import { MSI_DESC_ASSOCIATED, MSI_DESC_NOTASSOCIATED, type MsiMsg } from '../../../include/linux/msi.ts';
import type { PciDev } from '../../../include/linux/pci.ts';
import {
  handlePercpuIrq,
  irqSetChipAndHandler,
  irqSetMsiDesc,
  irqSetMsiDescOff,
} from '../../../kernel/irq/chip.ts';
import { genericHandleIrq, irqAllocDescsInternal, irqFreeDesc } from '../../../kernel/irq/irqdesc.ts';
import { irqDataGetMsiDesc, msiForEachDesc } from '../../../kernel/irq/msi.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import {
  AISB_NONE,
  MSI_FIRST_BIT_NONE,
  toZpci,
  ZPCI_NR_DEVICES,
  type ZpciDev,
  zpciFibStore,
  zpciFibZero,
  zpciGlobals,
} from '../include/asm/pci.ts';
import { IRQIO_MSI, IRQIO_PCD, IRQIO_PCF, incIrqStat } from '../kernel/irq.ts';
import {
  type CallSingleData,
  csdCreate,
  initCsd,
  smpCallFunctionSingleAsync,
  smpCpuGetCpuAddress,
} from '../kernel/smp.ts';
import { registerZpciIrqBackend, type ZpciIrqBackend } from './backend.ts';
import { onEachCpu } from './on_each_cpu.ts';
import {
  SIC_IRQ_MODE_D_SINGLE,
  SIC_IRQ_MODE_DIRECT,
  SIC_IRQ_MODE_SET_CPU,
  SIC_IRQ_MODE_SINGLE,
  ZPCI_MOD_FC_DEREG_INT,
  ZPCI_MOD_FC_DEREG_INT_D,
  ZPCI_MOD_FC_REG_INT,
  ZPCI_MOD_FC_REG_INT_D,
  type ZpciStatus,
  zpciCreateReq,
  zpciModFc,
  zpciSetIrqCtrl,
} from './pci_insn.ts';

/* enum {FLOATING, DIRECTED} irq_delivery */
export const FLOATING = 0;
export const DIRECTED = 1;

/** struct cpu_irq_data (per CPU, DEFINE_PER_CPU_SHARED_ALIGNED irq_data) */
export interface CpuIrqData {
  csd: CallSingleData;
  /** atomic_t scheduled */
  scheduled: number;
}

/** The static globals of pci_irq.c (legacy), zero-initialised as in C. */
export interface LegacyPciIrq {
  irqDelivery: number;
  /** zpci_sbv: FLOATING summary bit per function / DIRECTED summary bit per cpu (fallback) */
  zpciSbv: AirqIv | null;
  /** zpci_ibv: FLOATING per-function AIBV by summary bit / DIRECTED per-cpu DIBV */
  zpciIbv: (AirqIv | null)[] | null;
  zpciAirq: AirqStruct;
  zpciIrqChip: IrqChip;
  /** per_cpu(irq_data, cpu) */
  irqData: CpuIrqData[];
  /** The zeroed on-stack status byte of the MPCIFC helpers. */
  readonly status: ZpciStatus;
}

const KEY = 's390.pci_irq';

/** The legacy pci_irq.c globals of `k` (null before zpci_irq_init). */
export function legacyPciIrq(k: Kernel): LegacyPciIrq | null {
  const g = k.subsys.get(KEY) as LegacyPciIrq | undefined;
  return g ?? null;
}

function G(k: Kernel): LegacyPciIrq {
  return k.subsys.get(KEY) as LegacyPciIrq;
}

// kernel: zpci_set_airq() — Modify PCI: Register floating adapter interruptions
function zpciSetAirq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_REG_INT);
  const fib = zpciFibZero();

  fib.fmt0.isc = PCI_ISC;
  fib.fmt0.sum = 1; /* enable summary notifications */
  fib.fmt0.noi = airqIvEnd(k, zdev.aibv!);
  fib.fmt0.aibv = zdev.aibv!.vector;
  fib.fmt0.aibvo = 0; /* each zdev has its own interrupt vector */
  fib.fmt0.aisb = g.zpciSbv!.vector + Math.floor(zdev.aisb / 64) * 8;
  fib.fmt0.aisbo = zdev.aisb & 63;
  fib.gd = zdev.gisa;

  return zpciModFc(k, req, zpciFibStore(k, fib), g.status) ? -EIO : 0;
}

// kernel: zpci_clear_airq() — Modify PCI: Unregister floating adapter interruptions
function zpciClearAirq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_DEREG_INT);
  const fib = zpciFibZero();

  fib.gd = zdev.gisa;

  let cc = zpciModFc(k, req, zpciFibStore(k, fib), g.status);
  if (cc === 3 || (cc === 1 && g.status.status === 24))
    /* Function already gone or IRQs already deregistered. */
    cc = 0;

  return cc ? -EIO : 0;
}

// kernel: zpci_set_directed_irq() — Modify PCI: Register CPU directed interruptions
function zpciSetDirectedIrq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_REG_INT_D);
  const fib = zpciFibZero();

  fib.fmt = 1;
  fib.fmt1.noi = zdev.msiNrIrqs;
  fib.fmt1.dibvo = zdev.msiFirstBit;
  fib.gd = zdev.gisa;

  return zpciModFc(k, req, zpciFibStore(k, fib), g.status) ? -EIO : 0;
}

// kernel: zpci_clear_directed_irq() — Modify PCI: Unregister CPU directed interruptions
function zpciClearDirectedIrq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_DEREG_INT_D);
  const fib = zpciFibZero();

  fib.fmt = 1;
  fib.gd = zdev.gisa;
  let cc = zpciModFc(k, req, zpciFibStore(k, fib), g.status);
  if (cc === 3 || (cc === 1 && g.status.status === 24))
    /* Function already gone or IRQs already deregistered. */
    cc = 0;

  return cc ? -EIO : 0;
}

// kernel: zpci_set_irq() — Register adapter interruptions
function zpciSetIrq(k: Kernel, zdev: ZpciDev): number {
  let rc: number;

  if (G(k).irqDelivery === DIRECTED) rc = zpciSetDirectedIrq(k, zdev);
  else rc = zpciSetAirq(k, zdev);

  return rc;
}

// kernel: zpci_clear_irq() — Clear adapter interruptions
function zpciClearIrq(k: Kernel, zdev: ZpciDev): number {
  let rc: number;

  if (G(k).irqDelivery === DIRECTED) rc = zpciClearDirectedIrq(k, zdev);
  else rc = zpciClearAirq(k, zdev);

  return rc;
}

// kernel: zpci_set_irq_affinity()
function zpciSetIrqAffinity(k: Kernel, data: IrqData, dest: Cpumask, _force: boolean): number {
  const entry = irqDataGetMsiDesc(data)!;
  const msg: MsiMsg = {
    addressLo: entry.msg.addressLo,
    addressHi: entry.msg.addressHi,
    data: entry.msg.data,
  };
  const cpuAddr = smpCpuGetCpuAddress(k, cpumaskFirst(dest));

  msg.addressLo = (msg.addressLo & 0xff0000ff) >>> 0;
  msg.addressLo = (msg.addressLo | (cpuAddr << 8)) >>> 0;
  pciWriteMsiMsg(k, data.irq, msg);

  return IRQ_SET_MASK_OK;
}

/** kernel: static struct irq_chip zpci_irq_chip (one per backend instance: irq_set_affinity is patched at init). */
function zpciIrqChipInit(): IrqChip {
  return {
    name: 'PCI-MSI',
    flags: 0,
    irqUnmask: pciMsiUnmaskIrq,
    irqMask: pciMsiMaskIrq,
  };
}

// kernel: zpci_handle_cpu_local_irq()
function zpciHandleCpuLocalIrq(k: Kernel, rescan: boolean): void {
  const g = G(k);
  const dibv = g.zpciIbv![k.currentCpu]!;
  let bit: number;
  let irqsOn = 0;

  for (bit = 0; ; ) {
    /* Scan the directed IRQ bit vector */
    bit = airqIvScan(k, dibv, bit, airqIvEnd(k, dibv));
    if (bit === AIRQ_IV_NONE) {
      if (!rescan || irqsOn++)
        /* End of second scan with interrupts on. */
        break;
      /* First scan complete, reenable interrupts. */
      if (zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null)) break;
      bit = 0;
      continue;
    }
    incIrqStat(k, IRQIO_MSI);
    genericHandleIrq(k, airqIvGetData(k, dibv, bit));
  }
}

// kernel: zpci_handle_remote_irq()
function zpciHandleRemoteIrq(k: Kernel, data: unknown): void {
  const scheduled = data as CpuIrqData;

  do {
    zpciHandleCpuLocalIrq(k, false);
  } while (--scheduled.scheduled); // atomic_dec_return(scheduled)
}

// kernel: zpci_handle_fallback_irq()
function zpciHandleFallbackIrq(k: Kernel): void {
  const g = G(k);
  let cpuData: CpuIrqData;
  let cpu: number;
  let irqsOn = 0;

  for (cpu = 0; ; ) {
    cpu = airqIvScan(k, g.zpciSbv!, cpu, airqIvEnd(k, g.zpciSbv!));
    if (cpu === AIRQ_IV_NONE) {
      if (irqsOn++)
        /* End of second scan with interrupts on. */
        break;
      /* First scan complete, reenable interrupts. */
      if (zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null)) break;
      cpu = 0;
      continue;
    }
    cpuData = g.irqData[cpu]!;
    if (++cpuData.scheduled > 1) continue; // atomic_inc_return(&cpu_data->scheduled) > 1

    initCsd(cpuData.csd, zpciHandleRemoteIrq, cpuData);
    smpCallFunctionSingleAsync(k, cpu, cpuData.csd);
  }
}

// kernel: zpci_directed_irq_handler()
function zpciDirectedIrqHandler(k: Kernel, _airq: AirqStruct, tpiInfo: TpiInfo): void {
  const floating = !tpiInfo.directed;

  if (floating) {
    incIrqStat(k, IRQIO_PCF);
    zpciHandleFallbackIrq(k);
  } else {
    incIrqStat(k, IRQIO_PCD);
    zpciHandleCpuLocalIrq(k, true);
  }
}

// kernel: zpci_floating_irq_handler()
function zpciFloatingIrqHandler(k: Kernel, _airq: AirqStruct, _tpiInfo: TpiInfo): void {
  const g = G(k);
  let si: number;
  let ai: number;
  let aibv: AirqIv;
  let irqsOn = 0;

  incIrqStat(k, IRQIO_PCF);
  for (si = 0; ; ) {
    /* Scan adapter summary indicator bit vector */
    si = airqIvScan(k, g.zpciSbv!, si, airqIvEnd(k, g.zpciSbv!));
    if (si === AIRQ_IV_NONE) {
      if (irqsOn++)
        /* End of second scan with interrupts on. */
        break;
      /* First scan complete, reenable interrupts. */
      if (zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null)) break;
      si = 0;
      continue;
    }

    /* Scan the adapter interrupt vector for this device. */
    aibv = g.zpciIbv![si] as AirqIv; // NULL is not checked (notes 7.4)
    for (ai = 0; ; ) {
      ai = airqIvScan(k, aibv, ai, airqIvEnd(k, aibv));
      if (ai === AIRQ_IV_NONE) break;
      incIrqStat(k, IRQIO_MSI);
      airqIvLock(k, aibv, ai);
      genericHandleIrq(k, airqIvGetData(k, aibv, ai));
      airqIvUnlock(k, aibv, ai);
    }
  }
}

/** unsigned long *bit (out parameter of __alloc_airq) */
interface BitOut {
  bit: number;
}

// kernel: __alloc_airq()
function __allocAirq(k: Kernel, zdev: ZpciDev, msiVecs: number, bit: BitOut): number {
  const g = G(k);
  if (g.irqDelivery === DIRECTED) {
    /* Allocate cpu vector bits */
    bit.bit = airqIvAlloc(k, g.zpciIbv![0]!, msiVecs);
    if (bit.bit === AIRQ_IV_NONE) return -EIO;
  } else {
    /* Allocate adapter summary indicator bit */
    bit.bit = airqIvAllocBit(k, g.zpciSbv!);
    if (bit.bit === AIRQ_IV_NONE) return -EIO;
    zdev.aisb = bit.bit;

    /* Create adapter interrupt vector */
    zdev.aibv = airqIvCreate(
      k,
      msiVecs,
      AIRQ_IV_DATA | AIRQ_IV_BITLOCK,
      null,
      `zpci aibv fid 0x${zdev.fid.toString(16)}`,
    );
    if (!zdev.aibv) return -ENOMEM;

    /* Wire up shortcut pointer */
    g.zpciIbv![bit.bit] = zdev.aibv;
    /* Each function has its own interrupt vector */
    bit.bit = 0;
  }
  return 0;
}

// kernel: arch_setup_msi_irqs()
export function archSetupMsiIrqs(k: Kernel, pdev: PciDev, nvec: number, _type: number): number {
  const g = G(k);
  let hwirq: number;
  let msiVecs: number;
  let irqsPerMsi: number;
  let cpu: number;
  const zdev = toZpci(pdev)!;
  const out: BitOut = { bit: 0 };
  let bit: number;
  let cpuAddr: number;
  let rc: number;
  let irq: number;

  zdev.aisb = AISB_NONE;
  zdev.msiFirstBit = MSI_FIRST_BIT_NONE;

  msiVecs = Math.min(nvec >>> 0, zdev.maxMsi >>> 0); // min_t(unsigned int, nvec, zdev->max_msi)
  if (msiVecs < nvec >>> 0) {
    k.sim.log.printk(
      'info',
      `zpci: ${pciName(pdev)} requested ${nvec} irqs, allocate system limit of ${zdev.maxMsi | 0}`,
    );
  }

  rc = __allocAirq(k, zdev, msiVecs, out);
  if (rc < 0) return rc;
  bit = out.bit;

  /*
   * Request MSI interrupts:
   * MSI: one descriptor controls nvec_used vectors (inner loops); MSI-X: one
   * descriptor per vector (the outer loop).
   */
  hwirq = bit;
  for (const msi of msiForEachDesc(k, pdev.dev, MSI_DESC_NOTASSOCIATED)) {
    if ((hwirq - bit) >>> 0 >= msiVecs) break;
    irqsPerMsi = Math.min(msiVecs, msi.nvecUsed >>> 0);
    irq = irqAllocDescsInternal(k, -1, 0, irqsPerMsi, 0, g.irqDelivery === DIRECTED ? msi.affinity : null);
    if (irq < 0) return -ENOMEM;

    for (let i = 0; i < irqsPerMsi; i++) {
      rc = irqSetMsiDescOff(k, irq, i, msi);
      if (rc) return rc;
      irqSetChipAndHandler(k, irq + i, g.zpciIrqChip, handlePercpuIrq);
    }

    const msg: MsiMsg = { addressLo: 0, addressHi: 0, data: 0 };
    msg.data = (hwirq - bit) >>> 0;
    if (g.irqDelivery === DIRECTED) {
      if (msi.affinity) cpu = cpumaskFirst(msi.affinity[0]!.mask);
      else cpu = 0;
      cpuAddr = smpCpuGetCpuAddress(k, cpu);

      msg.addressLo = (lower32Bits(zdev.msiAddr) & 0xff0000ff) >>> 0;
      msg.addressLo = (msg.addressLo | (cpuAddr << 8)) >>> 0;

      for (cpu = 0; cpu < k.nrCpuIds; cpu++) {
        if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue; // for_each_possible_cpu
        for (let i = 0; i < irqsPerMsi; i++) airqIvSetData(k, g.zpciIbv![cpu]!, hwirq + i, irq + i);
      }
    } else {
      msg.addressLo = lower32Bits(zdev.msiAddr);
      for (let i = 0; i < irqsPerMsi; i++) airqIvSetData(k, zdev.aibv!, hwirq + i, irq + i);
    }
    msg.addressHi = upper32Bits(zdev.msiAddr);
    pciWriteMsiMsg(k, irq, msg);
    hwirq = (hwirq + irqsPerMsi) >>> 0;
  }

  zdev.msiFirstBit = bit >>> 0;
  zdev.msiNrIrqs = (hwirq - bit) >>> 0;

  rc = zpciSetIrq(k, zdev);
  if (rc) return rc;

  return zdev.msiNrIrqs === nvec ? 0 : zdev.msiNrIrqs;
}

// kernel: arch_teardown_msi_irqs()
export function archTeardownMsiIrqs(k: Kernel, pdev: PciDev): void {
  const g = G(k);
  const zdev = toZpci(pdev)!;

  /* Disable interrupts */
  const rc = zpciClearIrq(k, zdev);
  if (rc) return;

  /* Release MSI interrupts */
  for (const msi of msiForEachDesc(k, pdev.dev, MSI_DESC_ASSOCIATED)) {
    for (let i = 0; i < msi.nvecUsed; i++) {
      irqSetMsiDesc(k, msi.irq + i, null);
      irqFreeDesc(k, msi.irq + i);
    }
    msi.msg.addressLo = 0;
    msi.msg.addressHi = 0;
    msi.msg.data = 0;
    msi.irq = 0;
  }

  if (zdev.aisb !== AISB_NONE) {
    g.zpciIbv![zdev.aisb] = null;
    airqIvFreeBit(k, g.zpciSbv!, zdev.aisb);
    zdev.aisb = AISB_NONE;
  }
  if (zdev.aibv) {
    airqIvRelease(k, zdev.aibv);
    zdev.aibv = null;
  }

  if (g.irqDelivery === DIRECTED && zdev.msiFirstBit !== MSI_FIRST_BIT_NONE)
    airqIvFree(k, g.zpciIbv![0]!, zdev.msiFirstBit, zdev.msiNrIrqs);
}

// kernel: arch_restore_msi_irqs()
export function archRestoreMsiIrqs(k: Kernel, pdev: PciDev): boolean {
  const zdev = toZpci(pdev)!;

  zpciSetIrq(k, zdev);
  return true;
}

// kernel: cpu_enable_directed_irq() (runs on each CPU through on_each_cpu)
function cpuEnableDirectedIrq(k: Kernel, _unused: unknown): void {
  const g = G(k);

  zpciSetIrqCtrl(k, SIC_IRQ_MODE_SET_CPU, 0, { kind: 'cdiib', dibvAddr: g.zpciIbv![k.currentCpu]!.vector });
  zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null);
}

/** num_possible_cpus() */
function numPossibleCpus(k: Kernel): number {
  let n = 0;
  for (let c = 0; c < k.nrCpuIds; c++) if (cpumaskTestCpu(c, k.cpuPossibleMask)) n++;
  return n;
}

// kernel: zpci_directed_irq_init()
function zpciDirectedIrqInit(k: Kernel): number {
  const g = G(k);

  g.zpciSbv = airqIvCreate(k, numPossibleCpus(k), 0, null, 'zpci disb');
  if (!g.zpciSbv) return -ENOMEM;

  zpciSetIrqCtrl(k, SIC_IRQ_MODE_DIRECT, 0, {
    kind: 'diib',
    isc: PCI_ISC,
    nrCpus: numPossibleCpus(k),
    disbAddr: g.zpciSbv.vector,
  });

  g.zpciIbv = new Array<AirqIv | null>(numPossibleCpus(k)).fill(null); // kcalloc

  for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
    if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue;
    /*
     * Per CPU IRQ vectors look the same but bit-allocation
     * is only done on the first vector.
     */
    g.zpciIbv[cpu] = airqIvCreate(
      k,
      CACHE_LINE_SIZE * 8,
      AIRQ_IV_DATA | AIRQ_IV_CACHELINE | (!cpu ? AIRQ_IV_ALLOC : 0),
      null,
      `zpci dibv cpu ${cpu}`,
    );
    if (!g.zpciIbv[cpu]) return -ENOMEM;
  }
  onEachCpu(k, cpuEnableDirectedIrq, null, true);

  g.zpciIrqChip.irqSetAffinity = zpciSetIrqAffinity;

  return 0;
}

// kernel: zpci_floating_irq_init()
function zpciFloatingIrqInit(k: Kernel): number {
  const g = G(k);
  g.zpciIbv = new Array<AirqIv | null>(ZPCI_NR_DEVICES).fill(null); // kcalloc

  g.zpciSbv = airqIvCreate(k, ZPCI_NR_DEVICES, AIRQ_IV_ALLOC, null, 'zpci aisb');
  if (!g.zpciSbv) {
    g.zpciIbv = null; // kfree(zpci_ibv) (the dangling pointer stays in C; NULL here)
    return -ENOMEM;
  }

  return 0;
}

// kernel: zpci_irq_init()
function zpciIrqInit(k: Kernel): number {
  const g = G(k);
  const pg = zpciGlobals(k);
  let rc: number;

  g.irqDelivery = pg.sclpHasDirq ? DIRECTED : FLOATING;
  if (pg.forceFloating) g.irqDelivery = FLOATING;

  if (g.irqDelivery === DIRECTED) g.zpciAirq.handler = zpciDirectedIrqHandler;

  rc = registerAdapterInterrupt(k, g.zpciAirq);
  if (rc) return rc;
  /* Set summary to 1 to be called every time for the ISC. */
  kernelPhysMem(k).writeU8(g.zpciAirq.lsiPtr, 1);

  switch (g.irqDelivery) {
    case FLOATING:
      rc = zpciFloatingIrqInit(k);
      break;
    default:
      rc = zpciDirectedIrqInit(k);
      break;
  }

  if (rc) {
    unregisterAdapterInterrupt(k, g.zpciAirq);
    return rc;
  }

  /*
   * Enable floating IRQs (with suppression after one IRQ). When using
   * directed IRQs this enables the fallback path.
   */
  zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null);

  return 0;
}

// kernel: zpci_irq_exit()
function zpciIrqExit(k: Kernel): void {
  const g = G(k);

  if (g.irqDelivery === DIRECTED) {
    for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
      if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue;
      airqIvRelease(k, g.zpciIbv![cpu]!);
    }
  }
  g.zpciIbv = null; // kfree(zpci_ibv)
  if (g.zpciSbv) airqIvRelease(k, g.zpciSbv);
  unregisterAdapterInterrupt(k, g.zpciAirq);
}

/**
 * A fresh legacy backend: its pci_irq.c globals are created (zeroed) and bound to the
 * kernel on zpciIrqInit, which also links the arch MSI hooks into the PCI core.
 */
export function createLegacyBackend(): ZpciIrqBackend {
  return {
    name: 'legacy',
    zpciIrqInit(k: Kernel): number {
      const irqData: CpuIrqData[] = [];
      for (let c = 0; c < k.nrCpuIds; c++) irqData.push({ csd: csdCreate(), scheduled: 0 });
      const g: LegacyPciIrq = {
        irqDelivery: FLOATING,
        zpciSbv: null,
        zpciIbv: null,
        zpciAirq: airqStructInit(zpciFloatingIrqHandler, PCI_ISC),
        zpciIrqChip: zpciIrqChipInit(),
        irqData,
        status: { status: 0 },
      };
      k.subsys.set(KEY, g);
      setArchMsiOps(k, { archSetupMsiIrqs, archTeardownMsiIrqs, archRestoreMsiIrqs });
      return zpciIrqInit(k);
    },
    zpciIrqExit,
  };
}

registerZpciIrqBackend('legacy', createLegacyBackend);
