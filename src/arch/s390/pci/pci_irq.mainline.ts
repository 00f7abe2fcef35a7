// SPDX-License-Identifier: GPL-2.0-only
/**
 * Backend "mainline": arch/s390/pci/pci_irq.c as merged for Linux 6.19 (commit f770950a4709
 * "s390/pci: Migrate s390 IRQ logic to IRQ domain API", series v9; notes/backends/mainline.md).
 * One MSI parent domain per zPCI bus ("ZPCI_MSI_DOM_%04x"), per-device PCI/MSI(-X) domains
 * made by msi-lib on top of it. Every function of the merged file, in the file's order.
 * Functions the patch did not touch stay textually parallel to pci_irq.legacy.ts.
 *
 * The file's static globals (irq_delivery, zpci_sbv, zpci_ibv, zpci_airq, zpci_irq_chip,
 * zpci_msi_parent_ops, the per-CPU irq_data) are the state of one backend instance (one
 * kernel), reachable from the handlers and hooks through k.subsys.
 *
 * airq_iv ptr[bit] holds `(unsigned long)zbus->msi_parent_domain`: the model gives every
 * parent domain it stores a stable fake kernel address (see zpciDomainPtr) and turns it back
 * into the domain in the handlers without allocating; 0 is NULL. data[bit] holds the u32
 * parent hwirq (devfn << 16) | msi_index.
 *
 * Defects are reproduced, not fixed (mainline.md M1..M12): zpci_msi_clear_airq adds `i`
 * twice (only reachable when the core frees nr_irqs > 1 in one call, which 6.19's
 * irq_domain_free_irqs_hierarchy never does), teardown_directed frees max_msi bits,
 * zpci_remove_parent_msi_domain dereferences a NULL/removed domain, the -ENOMEM path of
 * __alloc_airq leaks the summary bit, zpci_ibv[aisb] is left stale, the alloc bound is
 * max_msi, double registration after a reset.
 *
 * C widths: `bit` (unsigned long) holds AIRQ_IV_NONE (-1) for -1UL; unsigned int
 * arithmetic is done with `>>> 0`. The delivery path (the handlers) allocates nothing.
 */

import { setArchMsiOps } from '../../../drivers/pci/msi/legacy.ts';
import { pciName } from '../../../drivers/pci/pci.ts';
import {
  AIRQ_IV_ALLOC,
  AIRQ_IV_BITLOCK,
  AIRQ_IV_CACHELINE,
  AIRQ_IV_DATA,
  AIRQ_IV_NONE,
  AIRQ_IV_PTR,
  type AirqIv,
  type AirqStruct,
  airqIvAlloc,
  airqIvAllocBit,
  airqIvCreate,
  airqIvEnd,
  airqIvFree,
  airqIvFreeBit,
  airqIvGetData,
  airqIvGetPtrHi,
  airqIvGetPtrLo,
  airqIvLock,
  airqIvRelease,
  airqIvScan,
  airqIvSetData,
  airqIvSetPtr,
  airqIvUnlock,
  airqStructInit,
  CACHE_LINE_SIZE,
  kernelPhysMem,
  PCI_ISC,
  registerAdapterInterrupt,
  unregisterAdapterInterrupt,
} from '../../../drivers/s390/cio/airq.ts';
import type { TpiInfo } from '../../../hw/s390x/cpu.ts';
import { type Cpumask, cpumaskCopy, cpumaskFirst, cpumaskTestCpu } from '../../../include/linux/cpumask.ts';
import type { Device } from '../../../include/linux/device.ts';
import { EINVAL, EIO, ENOMEM } from '../../../include/linux/errno.ts';
import { lower32Bits, upper32Bits } from '../../../include/linux/hwirq.ts';
import {
  DOMAIN_BUS_ANY,
  IRQ_SET_MASK_OK,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqDomainOps,
} from '../../../include/linux/irq.ts';
import {
  MSI_FLAG_MULTI_PCI_MSI,
  MSI_FLAG_NO_AFFINITY,
  MSI_FLAG_PCI_MSIX,
  MSI_FLAG_USE_DEF_CHIP_OPS,
  MSI_FLAG_USE_DEF_DOM_OPS,
  MSI_GENERIC_FLAGS_MASK,
  type MsiAllocInfo,
  type MsiDomainInfo,
  type MsiMsg,
  type MsiParentOps,
} from '../../../include/linux/msi.ts';
import type { PciDev } from '../../../include/linux/pci.ts';
import { handlePercpuIrq } from '../../../kernel/irq/chip.ts';
import { genericHandleDomainIrq } from '../../../kernel/irq/irqdesc.ts';
import {
  irqDomainAllocNamedFwnode,
  irqDomainFreeFwnode,
  irqDomainGetIrqData,
  irqDomainRemove,
  irqDomainResetIrqData,
  irqDomainSetInfo,
} from '../../../kernel/irq/irqdomain.ts';
import { irqDataGetMsiDesc, msiCreateParentIrqDomain } from '../../../kernel/irq/msi.ts';
import { msiLibInitDevMsiInfo } from '../../../kernel/irqchip/msi-lib.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { deref, oops } from '../../../kernel/panic.ts';
import {
  AISB_NONE,
  MSI_FIRST_BIT_NONE,
  toZpci,
  toZpciDev,
  ZPCI_NR_DEVICES,
  type ZpciBus,
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

const F = 'arch/s390/pci/pci_irq.c';

/* enum {FLOATING, DIRECTED} irq_delivery */
export const FLOATING = 0;
export const DIRECTED = 1;

/** struct cpu_irq_data (per CPU, DEFINE_PER_CPU_SHARED_ALIGNED irq_data) */
export interface CpuIrqData {
  csd: CallSingleData;
  /** atomic_t scheduled */
  scheduled: number;
}

/** The static globals of pci_irq.c (mainline), zero-initialised as in C. */
export interface MainlinePciIrq {
  irqDelivery: number;
  /** zpci_sbv: FLOATING summary bit per function / DIRECTED summary bit per cpu (fallback) */
  zpciSbv: AirqIv | null;
  /** zpci_ibv: FLOATING per-function AIBV by summary bit / DIRECTED per-cpu DIBV */
  zpciIbv: (AirqIv | null)[] | null;
  zpciAirq: AirqStruct;
  zpciIrqChip: IrqChip;
  /** static struct msi_parent_ops zpci_msi_parent_ops (non-const: required_flags is patched) */
  zpciMsiParentOps: MsiParentOps;
  /** per_cpu(irq_data, cpu) */
  irqData: CpuIrqData[];
  /** The zeroed on-stack status byte of the MPCIFC helpers. */
  readonly status: ZpciStatus;
  /* ---- model only: (unsigned long) of the irq_domain objects stored in ptr[] ---- */
  /** Domains by pointer slot (slot n has address ZPCI_DOMAIN_PTR_HI:(n + 1) * ZPCI_DOMAIN_PTR_STRIDE). */
  readonly ptrDomains: IrqDomain[];
  readonly ptrSlots: Map<IrqDomain, number>;
}

const KEY = 's390.pci_irq.mainline';

/** The mainline pci_irq.c globals of `k` (null before zpci_irq_init). */
export function mainlinePciIrq(k: Kernel): MainlinePciIrq | null {
  const g = k.subsys.get(KEY) as MainlinePciIrq | undefined;
  return g ?? null;
}

function G(k: Kernel): MainlinePciIrq {
  return k.subsys.get(KEY) as MainlinePciIrq;
}

/* ------------------------------------- model: kernel pointers to irq_domain */

/** Upper word of the model's irq_domain addresses (above 4 GiB: never a PhysMem address). */
export const ZPCI_DOMAIN_PTR_HI = 0x00000001;
/** Distance between two model irq_domain addresses (a kmalloc-1k slab object). */
export const ZPCI_DOMAIN_PTR_STRIDE = 0x400;

/** Model: `(unsigned long)domain` as the low/high words of the stored pointer (NULL -> 0). */
function domainPtrLo(g: MainlinePciIrq, domain: IrqDomain | null): number {
  if (!domain) return 0;
  let slot = g.ptrSlots.get(domain);
  if (slot === undefined) {
    slot = g.ptrDomains.length;
    g.ptrDomains.push(domain);
    g.ptrSlots.set(domain, slot);
  }
  return ((slot + 1) * ZPCI_DOMAIN_PTR_STRIDE) >>> 0;
}

function domainPtrHi(domain: IrqDomain | null): number {
  return domain ? ZPCI_DOMAIN_PTR_HI : 0;
}

/** Model: `(unsigned long)domain` as the u64 the kernel stores in airq_iv ptr[] (0n for NULL). */
export function zpciDomainPtr(k: Kernel, domain: IrqDomain | null): bigint {
  const g = G(k);
  return (BigInt(domainPtrHi(domain)) << 32n) | BigInt(domainPtrLo(g, domain));
}

/**
 * Model: `(struct irq_domain *)airq_iv_get_ptr(iv, bit)` — the domain a stored pointer names,
 * null for 0. Allocation-free (delivery path). A value that is no irq_domain address, or the
 * address of a removed (kfree'd) domain, is dereferenced by generic_handle_domain_irq(): Oops.
 */
export function zpciPtrDomain(k: Kernel, hi: number, lo: number): IrqDomain | null {
  if (hi === 0 && lo === 0) return null;
  const g = G(k);
  const slot = lo / ZPCI_DOMAIN_PTR_STRIDE - 1;
  const d = hi === ZPCI_DOMAIN_PTR_HI && lo % ZPCI_DOMAIN_PTR_STRIDE === 0 ? g.ptrDomains[slot] : undefined;
  if (d === undefined) {
    oops(
      k,
      `wild irq_domain pointer 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`,
      `${F} generic_handle_domain_irq`,
    );
  }
  if (d.removed)
    oops(k, 'freed irq_domain (use-after-free)', 'kernel/irq/irqdesc.c generic_handle_domain_irq');
  return d;
}

/* ------------------------------------------------------------ pci_irq.c */

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

// kernel: zpci_set_irq() — Register adapter interruptions (exported: used by pci.c zpci_reenable_device)
export function zpciSetIrq(k: Kernel, zdev: ZpciDev): number {
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
function zpciSetIrqAffinity(_k: Kernel, data: IrqData, dest: Cpumask, _force: boolean): number {
  irqDataUpdateAffinity(data, dest);
  return IRQ_SET_MASK_OK;
}

// kernel: irq_data_update_affinity() (include/linux/irq.h)
function irqDataUpdateAffinity(d: IrqData, m: Cpumask): void {
  cpumaskCopy(d.common.affinity, m);
}

// kernel: irq_data_get_affinity_mask() (include/linux/irq.h)
function irqDataGetAffinityMask(d: IrqData): Cpumask {
  return d.common.affinity;
}

/*
 * Encode the hwirq number for the parent domain. The encoding must be unique
 * for each IRQ of each device in the parent domain, so it uses the devfn to
 * identify the device and the msi_index to identify the IRQ within that device.
 */
// kernel: zpci_encode_hwirq() — u32 (devfn << 16) | msi_index, devfn as u8, msi_index as u16
export function zpciEncodeHwirq(devfn: number, msiIndex: number): number {
  return (((devfn & 0xff) << 16) | (msiIndex & 0xffff)) >>> 0;
}

// kernel: zpci_decode_hwirq_msi_index() — u16 hwirq & 0xffff (the low word of irq_hw_number_t)
export function zpciDecodeHwirqMsiIndex(hwirqLo: number): number {
  return hwirqLo & 0xffff;
}

// kernel: zpci_compose_msi_msg()
function zpciComposeMsiMsg(k: Kernel, data: IrqData, msg: MsiMsg): void {
  const desc = deref(k, irqDataGetMsiDesc(data), 'msi_desc', `${F} zpci_compose_msi_msg`);
  const zdev = deref(k, toZpciDev(desc.dev), 'zpci_dev', `${F} zpci_compose_msi_msg`);

  if (G(k).irqDelivery === DIRECTED) {
    const cpu = cpumaskFirst(irqDataGetAffinityMask(data));

    msg.addressLo = (lower32Bits(zdev.msiAddr) & 0xff0000ff) >>> 0;
    msg.addressLo = (msg.addressLo | (smpCpuGetCpuAddress(k, cpu) << 8)) >>> 0;
  } else {
    msg.addressLo = lower32Bits(zdev.msiAddr);
  }
  msg.addressHi = upper32Bits(zdev.msiAddr);
  msg.data = zpciDecodeHwirqMsiIndex(data.hwirqLo);
}

/** kernel: static struct irq_chip zpci_irq_chip (one per backend instance: irq_set_affinity is patched at init). */
function zpciIrqChipInit(): IrqChip {
  return {
    name: 'PCI-MSI',
    flags: 0,
    irqComposeMsiMsg: zpciComposeMsiMsg,
  };
}

// kernel: zpci_handle_cpu_local_irq()
function zpciHandleCpuLocalIrq(k: Kernel, rescan: boolean): void {
  const g = G(k);
  const dibv = g.zpciIbv![k.currentCpu]!;
  let msiDomain: IrqDomain | null;
  let hwirq: number;
  let bit: number;
  let irqsOn = 0;

  for (bit = 0; ; ) {
    /* Scan the directed IRQ bit vector */
    bit = airqIvScan(k, dibv, bit, airqIvEnd(k, dibv));
    if (bit === AIRQ_IV_NONE) {
      if (!rescan || irqsOn++)
        /* End of second scan with interrupts on. */
        break;
      /* First scan complete, re-enable interrupts. */
      if (zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null)) break;
      bit = 0;
      continue;
    }
    incIrqStat(k, IRQIO_MSI);
    hwirq = airqIvGetData(k, dibv, bit);
    msiDomain = zpciPtrDomain(k, airqIvGetPtrHi(k, dibv, bit), airqIvGetPtrLo(k, dibv, bit));
    genericHandleDomainIrq(k, msiDomain, 0, hwirq);
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
      /* First scan complete, re-enable interrupts. */
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
  let msiDomain: IrqDomain | null;
  let hwirq: number;
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
      /* First scan complete, re-enable interrupts. */
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
      hwirq = airqIvGetData(k, aibv, ai);
      msiDomain = zpciPtrDomain(k, airqIvGetPtrHi(k, aibv, ai), airqIvGetPtrLo(k, aibv, ai));
      genericHandleDomainIrq(k, msiDomain, 0, hwirq);
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
      AIRQ_IV_PTR | AIRQ_IV_DATA | AIRQ_IV_BITLOCK,
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

// kernel: arch_restore_msi_irqs()
export function archRestoreMsiIrqs(k: Kernel, pdev: PciDev): boolean {
  const zdev = toZpci(pdev)!;

  zpciSetIrq(k, zdev);
  return true;
}

// kernel: zpci_msi_teardown_directed()
function zpciMsiTeardownDirected(k: Kernel, zdev: ZpciDev): void {
  airqIvFree(k, G(k).zpciIbv![0]!, zdev.msiFirstBit, zdev.maxMsi);
  zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
  zdev.msiNrIrqs = 0;
}

// kernel: zpci_msi_teardown_floating()
function zpciMsiTeardownFloating(k: Kernel, zdev: ZpciDev): void {
  airqIvRelease(k, deref(k, zdev.aibv, 'airq_iv', `${F} zpci_msi_teardown_floating`));
  zdev.aibv = null;
  airqIvFreeBit(k, G(k).zpciSbv!, zdev.aisb);
  zdev.aisb = AISB_NONE;
  zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
  zdev.msiNrIrqs = 0;
}

// kernel: zpci_msi_teardown() — msi_domain_ops::msi_teardown of every zPCI device domain
function zpciMsiTeardown(k: Kernel, domain: IrqDomain, _arg: MsiAllocInfo): void {
  const zdev = deref(
    k,
    toZpciDev(deref(k, domain.dev, 'device', `${F} zpci_msi_teardown`)),
    'zpci_dev',
    `${F} zpci_msi_teardown`,
  );

  zpciClearIrq(k, zdev);
  if (G(k).irqDelivery === DIRECTED) zpciMsiTeardownDirected(k, zdev);
  else zpciMsiTeardownFloating(k, zdev);
}

// kernel: zpci_msi_prepare() — msi_domain_ops::msi_prepare, once per device domain (nvec = hwsize)
function zpciMsiPrepare(
  k: Kernel,
  _domain: IrqDomain,
  dev: Device,
  nvec: number,
  _info: MsiAllocInfo,
): number {
  const zdev = deref(k, toZpciDev(dev), 'zpci_dev', `${F} zpci_msi_prepare`);
  const pdev = dev.owner as PciDev;
  const out: BitOut = { bit: 0 };
  let rc: number;

  const msiVecs = Math.min(nvec >>> 0, zdev.maxMsi >>> 0) | 0; // min_t(unsigned int, nvec, zdev->max_msi)
  if (msiVecs < nvec) {
    k.sim.log.printk(
      'info',
      `zpci: ${pciName(pdev)} requested ${nvec} IRQs, allocate system limit of ${zdev.maxMsi | 0}`,
    );
  }

  rc = __allocAirq(k, zdev, msiVecs, out);
  if (rc) {
    k.sim.log.printk('err', `zpci: Allocating adapter IRQs for ${pciName(pdev)} failed`);
    return rc;
  }

  zdev.msiFirstBit = out.bit >>> 0;
  zdev.msiNrIrqs = msiVecs >>> 0;
  rc = zpciSetIrq(k, zdev);
  if (rc) {
    k.sim.log.printk('err', `zpci: Registering adapter IRQs for ${pciName(pdev)} failed`);

    if (G(k).irqDelivery === DIRECTED) zpciMsiTeardownDirected(k, zdev);
    else zpciMsiTeardownFloating(k, zdev);
    return rc;
  }
  return 0;
}

// kernel: zpci_msi_domain_alloc() — irq_domain_ops::alloc of the bus parent domain
function zpciMsiDomainAlloc(
  k: Kernel,
  domain: IrqDomain,
  virq: number,
  nrIrqs: number,
  args: unknown,
): number {
  const g = G(k);
  const desc = deref(k, (args as MsiAllocInfo).desc, 'msi_desc', `${F} zpci_msi_domain_alloc`);
  const zdev = deref(k, toZpciDev(desc.dev), 'zpci_dev', `${F} zpci_msi_domain_alloc`);
  const zbus = deref(k, zdev.zbus, 'zpci_bus', `${F} zpci_msi_domain_alloc`);
  let cpu: number;
  let hwirq: number;
  let bit: number;

  bit = (zdev.msiFirstBit + (desc.msiIndex & 0xffff)) >>> 0;
  hwirq = zpciEncodeHwirq(zdev.devfn, desc.msiIndex);

  if (((desc.msiIndex & 0xffff) + nrIrqs) >>> 0 > zdev.maxMsi >>> 0) return -EINVAL;

  const ptrHi = domainPtrHi(zbus.msiParentDomain);
  const ptrLo = domainPtrLo(g, zbus.msiParentDomain);
  for (let i = 0; i < nrIrqs; i++) {
    irqDomainSetInfo(
      k,
      domain,
      virq + i,
      BigInt((hwirq + i) >>> 0),
      g.zpciIrqChip,
      zdev,
      handlePercpuIrq,
      null,
      null,
    );

    if (g.irqDelivery === DIRECTED) {
      for (cpu = 0; cpu < k.nrCpuIds; cpu++) {
        if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue; // for_each_possible_cpu
        airqIvSetPtr(k, g.zpciIbv![cpu]!, bit + i, ptrHi, ptrLo);
        airqIvSetData(k, g.zpciIbv![cpu]!, bit + i, (hwirq + i) >>> 0);
      }
    } else {
      airqIvSetPtr(k, zdev.aibv!, bit + i, ptrHi, ptrLo);
      airqIvSetData(k, zdev.aibv!, bit + i, (hwirq + i) >>> 0);
    }
  }

  return 0;
}

// kernel: zpci_msi_clear_airq()
function zpciMsiClearAirq(k: Kernel, d: IrqData | null, i: number): void {
  const g = G(k);
  const data = deref(k, d, 'irq_data', `${F} zpci_msi_clear_airq`);
  const desc = deref(k, irqDataGetMsiDesc(data), 'msi_desc', `${F} zpci_msi_clear_airq`);
  const zdev = deref(k, toZpciDev(desc.dev), 'zpci_dev', `${F} zpci_msi_clear_airq`);
  let cpu: number;

  const msiIndex = zpciDecodeHwirqMsiIndex(data.hwirqLo);
  const bit = (zdev.msiFirstBit + msiIndex) >>> 0;

  if (g.irqDelivery === DIRECTED) {
    for (cpu = 0; cpu < k.nrCpuIds; cpu++) {
      if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue; // for_each_possible_cpu
      airqIvSetPtr(k, g.zpciIbv![cpu]!, bit + i, 0, 0);
      airqIvSetData(k, g.zpciIbv![cpu]!, bit + i, 0);
    }
  } else {
    airqIvSetPtr(k, deref(k, zdev.aibv, 'airq_iv', `${F} zpci_msi_clear_airq`), bit + i, 0, 0);
    airqIvSetData(k, zdev.aibv!, bit + i, 0);
  }
}

// kernel: zpci_msi_domain_free() — irq_domain_ops::free of the bus parent domain
function zpciMsiDomainFree(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): void {
  let d: IrqData | null;

  for (let i = 0; i < nrIrqs; i++) {
    d = irqDomainGetIrqData(k, domain, virq + i);
    zpciMsiClearAirq(k, d, i);
    irqDomainResetIrqData(d!);
  }
}

/** kernel: static const struct irq_domain_ops zpci_msi_domain_ops */
const zpciMsiDomainOps: IrqDomainOps = Object.freeze({
  alloc: zpciMsiDomainAlloc,
  free: zpciMsiDomainFree,
});

// kernel: zpci_init_dev_msi_info() — msi_parent_ops::init_dev_msi_info
function zpciInitDevMsiInfo(
  k: Kernel,
  dev: Device,
  domain: IrqDomain,
  realParent: IrqDomain,
  info: MsiDomainInfo,
): boolean {
  if (!msiLibInitDevMsiInfo(k, dev, domain, realParent, info)) return false;

  info.ops.msiPrepare = zpciMsiPrepare;
  info.ops.msiTeardown = zpciMsiTeardown;

  return true;
}

/** kernel: static struct msi_parent_ops zpci_msi_parent_ops (per kernel: required_flags is patched) */
function zpciMsiParentOpsInit(): MsiParentOps {
  return {
    supportedFlags: (MSI_GENERIC_FLAGS_MASK | MSI_FLAG_PCI_MSIX | MSI_FLAG_MULTI_PCI_MSI) >>> 0,
    requiredFlags: MSI_FLAG_USE_DEF_DOM_OPS | MSI_FLAG_USE_DEF_CHIP_OPS,
    chipFlags: 0,
    busSelectToken: DOMAIN_BUS_ANY,
    busSelectMask: 0,
    prefix: '',
    initDevMsiInfo: zpciInitDevMsiInfo,
  };
}

/** snprintf(fwnode_name, 18, "ZPCI_MSI_DOM_%04x", zbus->domain_nr) — %x of an int, 17 chars at most. */
function zpciMsiDomName(domainNr: number): string {
  return `ZPCI_MSI_DOM_${(domainNr >>> 0).toString(16).padStart(4, '0')}`.slice(0, 17);
}

// kernel: zpci_create_parent_msi_domain() — called by pci_bus.c zpci_bus_create_pci_bus()
export function zpciCreateParentMsiDomain(k: Kernel, zbus: ZpciBus): number {
  const g = G(k);
  const fwnodeName = zpciMsiDomName(zbus.domainNr);
  const fwnode = irqDomainAllocNamedFwnode(k, fwnodeName);

  if (!fwnode) {
    k.sim.log.printk('err', 'zpci: Failed to allocate fwnode for MSI IRQ domain');
    return -ENOMEM;
  }

  if (g.irqDelivery === FLOATING) g.zpciMsiParentOps.requiredFlags |= MSI_FLAG_NO_AFFINITY;

  zbus.msiParentDomain = msiCreateParentIrqDomain(
    k,
    {
      fwnode,
      domainFlags: 0,
      size: 0,
      hwirqMax: 0,
      directMax: 0,
      busToken: DOMAIN_BUS_ANY,
      ops: zpciMsiDomainOps,
      hostData: null,
      parent: null,
      dev: null,
    },
    g.zpciMsiParentOps,
  );
  if (!zbus.msiParentDomain) {
    irqDomainFreeFwnode(k, fwnode);
    k.sim.log.printk('err', 'zpci: Failed to create MSI IRQ domain');
    return -ENOMEM;
  }

  return 0;
}

// kernel: zpci_remove_parent_msi_domain() — no NULL check, msi_parent_domain is not reset
export function zpciRemoveParentMsiDomain(k: Kernel, zbus: ZpciBus): void {
  const where = `${F} zpci_remove_parent_msi_domain`;
  const domain = deref(k, zbus.msiParentDomain, 'irq_domain', where);
  if (domain.removed) oops(k, 'freed irq_domain (use-after-free)', where);
  const fn = domain.fwnode;

  irqDomainRemove(k, domain);
  irqDomainFreeFwnode(k, fn);
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
      AIRQ_IV_PTR | AIRQ_IV_DATA | AIRQ_IV_CACHELINE | (!cpu ? AIRQ_IV_ALLOC : 0),
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
 * Model entry for tests: zpci_msi_domain_free() called directly on the bus parent domain
 * (the kernel only reaches it through irq_domain_free_irqs_hierarchy(), one virq at a time).
 */
export function zpciMsiDomainFreeForTest(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): void {
  zpciMsiDomainFree(k, domain, virq, nrIrqs);
}

/**
 * A fresh mainline backend: its pci_irq.c globals are created (zeroed) and bound to the
 * kernel on zpciIrqInit, which also links arch_restore_msi_irqs into the PCI core (the
 * only legacy arch hook the merged file keeps). The per-bus parent-domain hooks are called
 * by pci_bus.c, zpci_set_irq by pci.c zpci_reenable_device().
 */
export function createMainlineBackend(): ZpciIrqBackend {
  return {
    name: 'mainline',
    zpciIrqInit(k: Kernel): number {
      const irqData: CpuIrqData[] = [];
      for (let c = 0; c < k.nrCpuIds; c++) irqData.push({ csd: csdCreate(), scheduled: 0 });
      const g: MainlinePciIrq = {
        irqDelivery: FLOATING,
        zpciSbv: null,
        zpciIbv: null,
        zpciAirq: airqStructInit(zpciFloatingIrqHandler, PCI_ISC),
        zpciIrqChip: zpciIrqChipInit(),
        zpciMsiParentOps: zpciMsiParentOpsInit(),
        irqData,
        status: { status: 0 },
        ptrDomains: [],
        ptrSlots: new Map(),
      };
      k.subsys.set(KEY, g);
      setArchMsiOps(k, { archRestoreMsiIrqs });
      return zpciIrqInit(k);
    },
    zpciIrqExit,
    zpciCreateParentMsiDomain,
    zpciRemoveParentMsiDomain,
    zpciSetIrq,
  };
}

registerZpciIrqBackend('mainline', createMainlineBackend);
