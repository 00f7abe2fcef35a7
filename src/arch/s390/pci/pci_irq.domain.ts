// SPDX-License-Identifier: GPL-2.0-only
/**
 * Backend "domain": a CORRECT implementation of the design "s390/pci: Migrate s390 IRQ
 * logic to IRQ domain API" describes (notes/backends/v1.md, mainline.md): an MSI parent
 * IRQ domain whose children are the per-device MSI domains msi-lib creates, with the
 * work split into prepare (per function: airq bits + firmware registration), alloc
 * (per vector: hwirq mapping + vector slots), free (reverse of alloc) and teardown
 * (reverse of prepare). Floating and directed delivery. Option `parentDomain`:
 *  - 'global'  : one parent domain "zpci_msi" for the system, hwirq = fid << 32 | index;
 *  - 'per-bus' : one parent domain "ZPCI_MSI_DOM_%04x" per zbus, hwirq = devfn << 16 | index.
 *
 * Vector slot layout (airq_iv ptr/data per bit, set for every possible CPU in directed mode):
 * ptr[bit] = the parent-domain hwirq (64-bit exact), data[bit] = the id of the parent domain
 * in this backend's domain table (0 = no mapping). The handler resolves exactly that pair.
 *
 * Every place this backend departs from v1 or mainline carries a `// departure:` comment and
 * a row in docs/backends.md. The delivery path (handlers) allocates nothing.
 */

import { pciMsiDomainWriteMsg } from '../../../drivers/pci/msi/irqdomain.ts';
import { setArchMsiOps } from '../../../drivers/pci/msi/legacy.ts';
import { __pciWriteMsiMsg, pciWriteMsiMsg } from '../../../drivers/pci/msi/msi.ts';
import { devSetMsiDomain, pciName } from '../../../drivers/pci/pci.ts';
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
import {
  type Cpumask,
  cpumaskAnd,
  cpumaskClear,
  cpumaskCopy,
  cpumaskCreate,
  cpumaskFirst,
  cpumaskSetCpu,
  cpumaskTestCpu,
} from '../../../include/linux/cpumask.ts';
import type { Device } from '../../../include/linux/device.ts';
import { EBUSY, EINVAL, EIO, ENOMEM } from '../../../include/linux/errno.ts';
import { hwirqHi, hwirqLo, lower32Bits, upper32Bits } from '../../../include/linux/hwirq.ts';
import {
  DOMAIN_BUS_ANY,
  DOMAIN_BUS_PCI_DEVICE_MSI,
  type FwnodeHandle,
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
import { IRQCHIP_AFFINITY_PRE_STARTUP, irqdIsActivated } from '../../../kernel/irq/internals.ts';
import { genericHandleDomainIrq, irqGetIrqData } from '../../../kernel/irq/irqdesc.ts';
import {
  irqDomainAllocNamedFwnode,
  irqDomainFreeFwnode,
  irqDomainGetIrqData,
  irqDomainRemove,
  irqDomainResetIrqData,
  irqDomainSetInfo,
} from '../../../kernel/irq/irqdomain.ts';
import { msiCreateParentIrqDomain } from '../../../kernel/irq/msi.ts';
import { msiLibInitDevMsiInfo } from '../../../kernel/irqchip/msi-lib.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { deref, warn } from '../../../kernel/panic.ts';
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

/* enum {FLOATING, DIRECTED} irq_delivery */
export const FLOATING = 0;
export const DIRECTED = 1;

/** The `parentDomain` option. */
export type ZpciParentDomainMode = 'global' | 'per-bus';

/** Options of the domain backend (what the registry passes to the factory). */
export interface DomainBackendOptions {
  parentDomain?: ZpciParentDomainMode;
}

/** Name of the single parent domain of the 'global' option (v1's name). */
export const ZPCI_MSI_GLOBAL_NAME = 'zpci_msi';

/** MPCIFC status "IRQs already deregistered / sequence error" (tolerated on DEREG). */
const ZPCI_MOD_ST_SEQUENCE = 24;

const PR = 'zpci: ';

/** struct cpu_irq_data (per CPU, DEFINE_PER_CPU_SHARED_ALIGNED irq_data) */
export interface CpuIrqData {
  csd: CallSingleData;
  /** atomic_t scheduled */
  scheduled: number;
}

/** The static globals of this pci_irq.c, zero-initialised as in C. */
export interface DomainPciIrq {
  readonly mode: ZpciParentDomainMode;
  irqDelivery: number;
  /** zpci_sbv: FLOATING summary bit per function / DIRECTED summary bit per cpu (fallback) */
  zpciSbv: AirqIv | null;
  /** zpci_ibv: FLOATING per-function AIBV by summary bit / DIRECTED per-cpu DIBV */
  zpciIbv: (AirqIv | null)[] | null;
  zpciAirq: AirqStruct;
  /** The parent-level chip (one per backend instance: irq_set_affinity only in DIRECTED). */
  zpciIrqChip: IrqChip;
  /** msi_parent_ops, computed once at init (required flags depend on the delivery mode). */
  parentOps: MsiParentOps;
  /** 'global': the system's one parent domain and its fwnode. */
  globalDomain: IrqDomain | null;
  globalFwnode: FwnodeHandle | null;
  /** Parent domains by slot id (the data[] value of a vector slot); index 0 is always null. */
  readonly domainById: (IrqDomain | null)[];
  /** Per function: prepared (airq bits allocated) and registered with the firmware. */
  readonly fnState: WeakMap<ZpciDev, ZpciFnIrqState>;
  /** per_cpu(irq_data, cpu) */
  readonly irqData: CpuIrqData[];
  /** The zeroed on-stack status byte of the MPCIFC helpers. */
  readonly status: ZpciStatus;
  /** Scratch cpumask of zpci_compose_msi_msg (setup paths). */
  readonly tmpMask: Cpumask;
}

/** What this backend knows about one function's interrupts (zpci_dev is kzalloc'ed: no sentinels). */
export interface ZpciFnIrqState {
  /** prepare succeeded and teardown has not run: msi_first_bit / msi_nr_irqs / aisb / aibv are ours. */
  prepared: boolean;
  /** The firmware holds our interrupt registration. */
  registered: boolean;
  /**
   * Indicators kept after a refused deregistration, until the function is disabled:
   * the AIBV and summary bit (floating) or the DIBV bit range (directed).
   */
  parked: { aibv: AirqIv | null; aisb: number; firstBit: number; nrIrqs: number } | null;
}

const KEY = 's390.pci_irq.domain';

function fnState(g: DomainPciIrq, zdev: ZpciDev): ZpciFnIrqState {
  let s = g.fnState.get(zdev);
  if (!s) {
    s = { prepared: false, registered: false, parked: null };
    g.fnState.set(zdev, s);
  }
  return s;
}

/** Model view: the backend's interrupt state of `zdev` (null before init). */
export function domainFnIrqState(k: Kernel, zdev: ZpciDev): ZpciFnIrqState | null {
  const g = domainPciIrq(k);
  return g ? fnState(g, zdev) : null;
}

/** The domain backend's pci_irq.c globals of `k` (null before zpci_irq_init). */
export function domainPciIrq(k: Kernel): DomainPciIrq | null {
  return (k.subsys.get(KEY) as DomainPciIrq | undefined) ?? null;
}

/** One-entry cache of G() (the handlers ask for it on every interrupt); zpciIrqInit refreshes it. */
let gCacheKernel: Kernel | null = null;
let gCache: DomainPciIrq | undefined;

function G(k: Kernel): DomainPciIrq {
  if (k === gCacheKernel) return gCache!;
  gCacheKernel = k;
  gCache = k.subsys.get(KEY) as DomainPciIrq | undefined;
  return gCache!;
}

/** num_possible_cpus() */
function numPossibleCpus(k: Kernel): number {
  let n = 0;
  for (let c = 0; c < k.nrCpuIds; c++) if (cpumaskTestCpu(c, k.cpuPossibleMask)) n++;
  return n;
}

/* ------------------------------------------------------------------ MPCIFC helpers */

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
  if (cc === 3 || (cc === 1 && g.status.status === ZPCI_MOD_ST_SEQUENCE))
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
  if (cc === 3 || (cc === 1 && g.status.status === ZPCI_MOD_ST_SEQUENCE))
    /* Function already gone or IRQs already deregistered. */
    cc = 0;
  return cc ? -EIO : 0;
}

// kernel: zpci_set_irq() — Register adapter interruptions
function zpciSetIrq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const rc = g.irqDelivery === DIRECTED ? zpciSetDirectedIrq(k, zdev) : zpciSetAirq(k, zdev);
  // departure: registration state is tracked per function (restore registers exactly once)
  if (!rc) fnState(g, zdev).registered = true;
  return rc;
}

// kernel: zpci_clear_irq() — Clear adapter interruptions
function zpciClearIrq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const rc = g.irqDelivery === DIRECTED ? zpciClearDirectedIrq(k, zdev) : zpciClearAirq(k, zdev);
  if (!rc) fnState(g, zdev).registered = false;
  return rc;
}

/* -------------------------------------------------------------- hwirq encoding */

/**
 * kernel: zpci_encode_hwirq() — 'global': (fid << 32) | msi_index (unique system-wide, v1);
 * 'per-bus': (devfn << 16) | msi_index (unique per zbus, mainline). Setup paths only.
 */
export function zpciEncodeHwirq(mode: ZpciParentDomainMode, zdev: ZpciDev, msiIndex: number): bigint {
  if (mode === 'global') return (BigInt(zdev.fid >>> 0) << 32n) | BigInt(msiIndex & 0xffff);
  return BigInt((((zdev.devfn & 0xff) << 16) | (msiIndex & 0xffff)) >>> 0);
}

/** kernel: zpci_decode_hwirq_msi_index() — the MSI index (both encodings keep it in bits 0..15). */
export function zpciDecodeHwirqMsiIndex(d: IrqData): number {
  return d.hwirqLo & 0xffff;
}

/* --------------------------------------------------------------- the parent chip */

// kernel: irq_data_update_affinity()
function irqDataUpdateAffinity(d: IrqData, m: Cpumask): void {
  cpumaskCopy(d.common.affinity, m);
}

/**
 * kernel: zpci_set_irq_affinity() (DIRECTED only) — record the new affinity; the caller
 * (msi_domain_set_affinity) then recomposes the message with zpci_compose_msi_msg and writes it.
 */
function zpciSetIrqAffinity(k: Kernel, data: IrqData, dest: Cpumask, _force: boolean): number {
  // departure: no write of the cached message here (v1 D9: writes it, then the core recomposes from desc->affinity)
  irqDataUpdateAffinity(data, dest);
  // departure: a multi-MSI block has one message address, so its vectors move together
  // (legacy and mainline move the device's only address but leave the others' affinity stale)
  const desc = data.common.msiDesc;
  if (desc && desc.nvecUsed > 1 && !desc.pciMsi.isMsix) {
    for (let i = 0; i < desc.nvecUsed; i++) {
      const d = irqGetIrqData(k, desc.irq + i);
      if (!d) continue;
      cpumaskCopy(d.common.affinity, dest);
      cpumaskCopy(d.common.effectiveAffinity, dest);
    }
    // pci_msi_domain_write_msg() writes only for the block's first vector: move the block here.
    if (data.irq !== desc.irq) {
      const msg: MsiMsg = { addressLo: 0, addressHi: 0, data: 0 };
      zpciComposeMsiMsg(k, data, msg);
      msg.data = 0;
      pciWriteMsiMsg(k, desc.irq, msg);
    }
  }
  return IRQ_SET_MASK_OK;
}

/**
 * The device MSI chip's irq_write_msi_msg for PCI MSI (installed by zpciInitDevMsiInfo).
 * departure: a multi-MSI block shares one address/data register, and the generic
 * pci_msi_domain_write_msg() writes only for the block's first vector. So
 * msi_domain_deactivate() of the first vector alone (free_irq of vector 0 while vectors
 * 1..n-1 stay requested) writes the all-zero message for the whole block: the device's
 * other vectors then write to address 0 and are lost (a generic kernel defect; x86 with
 * interrupt remapping and the GICv3 ITS do the same). Here the deactivation (all-zero)
 * message of a block is written only when no other vector of the block is still
 * activated, and then through the block's msi_desc whichever vector goes last. The
 * converse: a later vector activated while the first one is not (a managed vector 0 whose
 * CPUs are offline stays deactivated in managed shutdown) writes the block's message itself
 * (its own message less its index: the device adds the vector number to the data), because
 * pci_msi_domain_write_msg() would drop it and leave the block's register zero.
 * Everything else is pci_msi_domain_write_msg().
 */
function zpciMsiDomainWriteMsg(k: Kernel, d: IrqData, msg: MsiMsg): void {
  const desc = d.common.msiDesc;
  if (desc && desc.nvecUsed > 1 && !desc.pciMsi.isMsix) {
    if (!msg.addressLo && !msg.addressHi && !msg.data) {
      for (let i = 0; i < desc.nvecUsed; i++) {
        if (desc.irq + i === d.irq) continue;
        const other = irqGetIrqData(k, desc.irq + i);
        if (other && irqdIsActivated(other)) return;
      }
      __pciWriteMsiMsg(k, desc, msg);
      return;
    }
    const first = d.irq === desc.irq ? null : irqGetIrqData(k, desc.irq);
    if (first && !irqdIsActivated(first)) {
      const block: MsiMsg = {
        addressLo: msg.addressLo,
        addressHi: msg.addressHi,
        data: msg.data - (d.irq - desc.irq),
      };
      __pciWriteMsiMsg(k, desc, block);
      return;
    }
  }
  pciMsiDomainWriteMsg(k, d, msg);
}

/**
 * kernel: zpci_compose_msi_msg() — address: msi_addr (FLOATING) or msi_addr with the target
 * CPU's address in bits 8..23 (DIRECTED); data: the MSI index inside the function.
 */
function zpciComposeMsiMsg(k: Kernel, data: IrqData, msg: MsiMsg): void {
  const g = G(k);
  const zdev = deref(
    k,
    data.chipData as ZpciDev | null,
    'zpci_dev',
    'arch/s390/pci/pci_irq.c zpci_compose_msi_msg',
  );

  msg.addressHi = upper32Bits(zdev.msiAddr);
  if (g.irqDelivery === DIRECTED) {
    // departure: a multi-MSI block shares one address: every vector targets its first vector's CPU
    const desc = data.common.msiDesc;
    const block = desc && desc.nvecUsed > 1 && !desc.pciMsi.isMsix ? irqGetIrqData(k, desc.irq) : null;
    const aff = (block ?? data).common.affinity;
    // departure: the current affinity's first ONLINE cpu (v1: desc->affinity; mainline: first cpu)
    let cpu = cpumaskAnd(g.tmpMask, aff, k.cpuOnlineMask)
      ? cpumaskFirst(g.tmpMask)
      : cpumaskFirst(k.cpuOnlineMask);
    if (cpu >= k.nrCpuIds) cpu = 0;
    if (block && block !== data) {
      // Its effective affinity is where its interrupts go.
      cpumaskClear(data.common.effectiveAffinity);
      cpumaskSetCpu(cpu, data.common.effectiveAffinity);
    }
    const cpuAddr = smpCpuGetCpuAddress(k, cpu);
    msg.addressLo = ((lower32Bits(zdev.msiAddr) & 0xff0000ff) | ((cpuAddr & 0xffff) << 8)) >>> 0;
  } else {
    msg.addressLo = lower32Bits(zdev.msiAddr);
  }
  // departure: data is the 0-based MSI index (v1 D1: hwirq - msi_first_bit)
  msg.data = zpciDecodeHwirqMsiIndex(data);
}

/** kernel: static struct irq_chip zpci_irq_chip (mainline form: no mask/unmask at the parent level). */
function zpciIrqChipInit(): IrqChip {
  // departure: no irq_mask/irq_unmask and no PCI_MSI_MASK_PARENT (v1: both levels mask the same PCI vector)
  return {
    name: 'PCI-MSI',
    flags: 0,
    irqComposeMsiMsg: zpciComposeMsiMsg,
  };
}

/* ------------------------------------------------------------------- handlers */

/**
 * Dispatch one indicator bit: the slot holds the parent hwirq (ptr) and the parent domain's
 * id (data). Allocation-free; a cleared slot (id 0) resolves in no domain and is dropped.
 */
function zpciDispatchSlot(k: Kernel, g: DomainPciIrq, iv: AirqIv, bit: number): void {
  // departure: slot = (ptr: 64-bit hwirq, data: domain id) (v1: ptr = hwirq; mainline: ptr = domain, data = u32 hwirq)
  const hi = airqIvGetPtrHi(k, iv, bit);
  const lo = airqIvGetPtrLo(k, iv, bit);
  const id = airqIvGetData(k, iv, bit);
  const domain = id < g.domainById.length ? (g.domainById[id] ?? null) : null;
  genericHandleDomainIrq(k, domain, hi, lo);
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
    zpciDispatchSlot(k, g, dibv, bit);
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
    const aibv = g.zpciIbv![si] ?? null;
    // departure: a summary bit whose function was torn down meanwhile is skipped (v1/mainline: NULL deref)
    if (!aibv) continue;
    for (ai = 0; ; ) {
      ai = airqIvScan(k, aibv, ai, airqIvEnd(k, aibv));
      if (ai === AIRQ_IV_NONE) break;
      incIrqStat(k, IRQIO_MSI);
      airqIvLock(k, aibv, ai);
      zpciDispatchSlot(k, g, aibv, ai);
      airqIvUnlock(k, aibv, ai);
    }
  }
}

/* ------------------------------------------------------ airq bits of a function */

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
    if (!zdev.aibv) {
      // departure: give the summary bit back (v1 D8 / mainline M3 leak it)
      airqIvFreeBit(k, g.zpciSbv!, zdev.aisb);
      zdev.aisb = AISB_NONE;
      return -ENOMEM;
    }

    /* Wire up shortcut pointer */
    g.zpciIbv![bit.bit] = zdev.aibv;
    /* Each function has its own interrupt vector */
    bit.bit = 0;
  }
  return 0;
}

/** The exact reverse of a successful __alloc_airq (also clears left-over indicator bits). */
function zpciFreeAirq(k: Kernel, zdev: ZpciDev): void {
  zpciReleaseIndicators(k, zdev.aibv, zdev.aisb, zdev.msiFirstBit, zdev.msiNrIrqs);
  zdev.aisb = AISB_NONE;
  zdev.aibv = null;
  // departure: msi_nr_irqs is reset (v1 keeps it: the next REG_INT_D reuses it, D3/D14)
  zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
  zdev.msiNrIrqs = 0;
  fnState(G(k), zdev).prepared = false;
}

/** Give back a function's indicators: its DIBV bit range (directed) or its summary bit and AIBV (floating). */
function zpciReleaseIndicators(
  k: Kernel,
  aibv: AirqIv | null,
  aisb: number,
  firstBit: number,
  nrIrqs: number,
): void {
  const g = G(k);
  if (g.irqDelivery === DIRECTED) {
    if (nrIrqs) {
      // departure: free exactly the msi_nr_irqs bits prepare allocated (v1 D5 / mainline M2: max_msi)
      airqIvFree(k, g.zpciIbv![0]!, firstBit, nrIrqs);
      // departure: clear bits still pending in the other CPUs' DIBVs for the range
      const end = firstBit + nrIrqs;
      for (let cpu = 1; cpu < k.nrCpuIds; cpu++) {
        const dibv = g.zpciIbv![cpu];
        if (!dibv) continue;
        while (airqIvScan(k, dibv, firstBit, end) !== AIRQ_IV_NONE) {}
      }
    }
  } else {
    if (aisb !== AISB_NONE) {
      // departure: the shortcut pointer is reset (mainline M3 leaves it dangling)
      g.zpciIbv![aisb] = null;
      airqIvFreeBit(k, g.zpciSbv!, aisb);
    }
    if (aibv) airqIvRelease(k, aibv);
  }
}

/* ------------------------------------------------------- prepare / teardown */

/**
 * kernel: zpci_msi_prepare() — once per device domain (nvec = hwsize): the function's airq
 * bits, msi_first_bit / msi_nr_irqs, then the firmware registration. Any failure unwinds all.
 */
function zpciMsiPrepare(
  k: Kernel,
  _domain: IrqDomain,
  dev: Device,
  nvec: number,
  _info: MsiAllocInfo,
): number {
  const g = G(k);
  const zdev = deref(k, toZpciDev(dev), 'zpci_dev', 'arch/s390/pci/pci_irq.c zpci_msi_prepare');
  const pdev = dev.owner as PciDev;
  const out: BitOut = { bit: 0 };
  const st = fnState(g, zdev);

  if (st.prepared) {
    warn(k, 'arch/s390/pci/pci_irq.c zpci_msi_prepare', `${pciName(pdev)}: adapter IRQs already prepared`);
    return -EBUSY;
  }
  const msiVecs = Math.min(nvec >>> 0, zdev.maxMsi >>> 0);
  if (msiVecs < nvec >>> 0) {
    k.sim.log.printk(
      'info',
      `${PR}${pciName(pdev)} requested ${nvec} IRQs, allocate system limit of ${zdev.maxMsi | 0}`,
    );
  }

  let rc = __allocAirq(k, zdev, msiVecs, out);
  if (rc) {
    k.sim.log.printk('err', `${PR}Allocating adapter IRQs for ${pciName(pdev)} failed`);
    return rc;
  }
  // departure: both set before the registration (v1 D3 registers with a stale noi)
  zdev.msiFirstBit = out.bit >>> 0;
  zdev.msiNrIrqs = msiVecs;
  st.prepared = true;

  rc = zpciSetIrq(k, zdev);
  if (rc) {
    k.sim.log.printk('err', `${PR}Registering adapter IRQs for ${pciName(pdev)} failed`);
    // departure: no DEREG of the never-registered function, shortcut pointer reset (v1 D6/D14)
    zpciFreeAirq(k, zdev);
    return rc;
  }
  return 0;
}

/**
 * kernel: zpci_msi_teardown() — the reverse of prepare: deregister, then free the airq bits.
 * If the firmware refuses the deregistration, the indicators it may still write stay allocated.
 */
function zpciMsiTeardown(k: Kernel, domain: IrqDomain, _arg: MsiAllocInfo): void {
  const g = G(k);
  const dev = deref(k, domain.dev, 'device', 'arch/s390/pci/pci_irq.c zpci_msi_teardown');
  const zdev = deref(k, toZpciDev(dev), 'zpci_dev', 'arch/s390/pci/pci_irq.c zpci_msi_teardown');

  const st = fnState(g, zdev);
  if (!st.prepared) return;
  const rc = zpciClearIrq(k, zdev);
  if (rc) {
    // departure: the firmware may still write into the indicators, so they are neither freed
    // now (v1/mainline D6: DMA after free) nor leaked (legacy): they are parked and freed when
    // zpci_disable_device() has dropped the registration (zpciIrqFunctionDisabled).
    k.sim.log.printk('err', `${PR}Deregistering adapter IRQs for ${pciName(dev.owner as PciDev)} failed`);
    st.parked = { aibv: zdev.aibv, aisb: zdev.aisb, firstBit: zdev.msiFirstBit, nrIrqs: zdev.msiNrIrqs };
    zdev.aibv = null;
    zdev.aisb = AISB_NONE;
    zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
    zdev.msiNrIrqs = 0;
    st.prepared = false;
    return;
  }
  zpciFreeAirq(k, zdev);
}

/** Free the indicators parked by a refused deregistration, once the function is disabled. */
function zpciIrqFunctionDisabled(k: Kernel, zdev: ZpciDev): void {
  const st = G(k).fnState.get(zdev);
  const p = st?.parked;
  if (!st || !p) return;
  st.parked = null;
  st.registered = false;
  zpciReleaseIndicators(k, p.aibv, p.aisb, p.firstBit, p.nrIrqs);
}

/* ------------------------------------------------------- parent domain ops */

/** The slot id of a parent domain (0 if it is not one of ours). */
function domainId(g: DomainPciIrq, domain: IrqDomain): number {
  return Math.max(g.domainById.indexOf(domain), 0);
}

/** Write slot `bit` (ptr = hwirq, data = domain id) in every vector a CPU may scan for it. */
function zpciSetSlot(
  k: Kernel,
  g: DomainPciIrq,
  zdev: ZpciDev,
  bit: number,
  hwirq: bigint,
  id: number,
): void {
  const hi = hwirqHi(hwirq);
  const lo = hwirqLo(hwirq);
  if (g.irqDelivery === DIRECTED) {
    // departure: every possible CPU's DIBV (v1 D2: only smp_processor_id()'s)
    for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
      if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue;
      const dibv = g.zpciIbv![cpu]!;
      airqIvSetPtr(k, dibv, bit, hi, lo);
      airqIvSetData(k, dibv, bit, id);
    }
  } else {
    airqIvSetPtr(k, zdev.aibv!, bit, hi, lo);
    airqIvSetData(k, zdev.aibv!, bit, id);
  }
}

/**
 * kernel: zpci_msi_domain_alloc() — map virq..virq+nr_irqs-1 to the function's vectors
 * msi_index..msi_index+nr_irqs-1 (bounded by what prepare registered) and fill their slots.
 */
function zpciMsiDomainAlloc(
  k: Kernel,
  domain: IrqDomain,
  virq: number,
  nrIrqs: number,
  arg: unknown,
): number {
  const g = G(k);
  const desc = deref(
    k,
    (arg as MsiAllocInfo).desc,
    'msi_desc',
    'arch/s390/pci/pci_irq.c zpci_msi_domain_alloc',
  );
  const zdev = deref(k, toZpciDev(desc.dev), 'zpci_dev', 'arch/s390/pci/pci_irq.c zpci_msi_domain_alloc');
  const msiIndex = desc.msiIndex;

  // departure: bounded by the prepared msi_nr_irqs (v1 D12 / mainline: max_msi)
  if (!fnState(g, zdev).prepared || msiIndex + nrIrqs > zdev.msiNrIrqs) return -EINVAL;
  const id = domainId(g, domain);
  const bit = zdev.msiFirstBit + msiIndex;
  for (let i = 0; i < nrIrqs; i++) {
    const hwirq = zpciEncodeHwirq(g.mode, zdev, msiIndex + i);
    irqDomainSetInfo(k, domain, virq + i, hwirq, g.zpciIrqChip, zdev, handlePercpuIrq, null, null);
    zpciSetSlot(k, g, zdev, bit + i, hwirq, id);
  }
  return 0;
}

/** kernel: zpci_msi_clear_airq() — clear the slot of exactly this irq_data's vector. */
function zpciMsiClearAirq(k: Kernel, g: DomainPciIrq, d: IrqData): void {
  const zdev = d.chipData as ZpciDev | null;
  if (!zdev || !fnState(g, zdev).prepared) return;
  const msiIndex = zpciDecodeHwirqMsiIndex(d);
  if (msiIndex >= zdev.msiNrIrqs) return;
  // departure: bit = first + index of this irq_data only (mainline M1 adds i twice; v1 D4 never clears)
  const bit = zdev.msiFirstBit + msiIndex;
  if (g.irqDelivery === DIRECTED) {
    for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
      if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue;
      const dibv = g.zpciIbv![cpu]!;
      airqIvSetPtr(k, dibv, bit, 0, 0);
      airqIvSetData(k, dibv, bit, 0);
    }
  } else if (zdev.aibv) {
    airqIvSetPtr(k, zdev.aibv, bit, 0, 0);
    airqIvSetData(k, zdev.aibv, bit, 0);
  }
}

/** kernel: zpci_msi_domain_free() — clear the vectors' slots and reset their parent irq_data. */
function zpciMsiDomainFree(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): void {
  const g = G(k);
  for (let i = 0; i < nrIrqs; i++) {
    const d = irqDomainGetIrqData(k, domain, virq + i);
    if (!d) continue;
    zpciMsiClearAirq(k, g, d);
    irqDomainResetIrqData(d);
  }
}

/** kernel: zpci_msi_domain_ops */
const zpciMsiDomainOps: IrqDomainOps = Object.freeze({
  alloc: zpciMsiDomainAlloc,
  free: zpciMsiDomainFree,
});

/** kernel: zpci_init_dev_msi_info() — msi-lib, then the zPCI prepare/teardown. */
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
  // departure: the device MSI chip sets the affinity BEFORE startup unmasks the vector, as x86
  // does since ff363f480e53 (x86_init_dev_msi_info). Without it irq_startup() unmasks first and a
  // pending message goes out with the activation-time target, which may be offline by then
  // (v1/mainline/legacy). Floating: the chip has no irq_set_affinity (MSI_FLAG_NO_AFFINITY), so
  // irq_setup_affinity() returns 0 at once and the startup is unchanged.
  info.chip!.flags |= IRQCHIP_AFFINITY_PRE_STARTUP;
  // departure: multi-MSI blocks keep their message until their last vector is deactivated
  if (info.busToken === DOMAIN_BUS_PCI_DEVICE_MSI) info.chip!.irqWriteMsiMsg = zpciMsiDomainWriteMsg;
  return true;
}

/**
 * kernel: zpci_msi_parent_ops — computed once per backend instance.
 * departure: NO_AFFINITY in FLOATING without mutating shared ops (v1 D9 oopses; mainline M10 mutates)
 */
function zpciMsiParentOps(delivery: number): MsiParentOps {
  return Object.freeze({
    supportedFlags: (MSI_GENERIC_FLAGS_MASK | MSI_FLAG_PCI_MSIX | MSI_FLAG_MULTI_PCI_MSI) >>> 0,
    requiredFlags:
      (MSI_FLAG_USE_DEF_DOM_OPS |
        MSI_FLAG_USE_DEF_CHIP_OPS |
        (delivery === FLOATING ? MSI_FLAG_NO_AFFINITY : 0)) >>>
      0,
    chipFlags: 0,
    busSelectToken: DOMAIN_BUS_ANY,
    busSelectMask: 0,
    prefix: '',
    initDevMsiInfo: zpciInitDevMsiInfo,
  });
}

/** Create one parent domain named `name`; null after logging (the caller returns -ENOMEM). */
function zpciCreateMsiParent(k: Kernel, name: string): { domain: IrqDomain; fwnode: FwnodeHandle } | null {
  const g = G(k);
  const fwnode = irqDomainAllocNamedFwnode(k, name);
  if (!fwnode) {
    k.sim.log.printk('err', `${PR}Failed to allocate fwnode for MSI IRQ domain`);
    return null;
  }
  const domain = msiCreateParentIrqDomain(
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
    g.parentOps,
  );
  if (!domain) {
    irqDomainFreeFwnode(k, fwnode);
    k.sim.log.printk('err', `${PR}Failed to create MSI IRQ domain`);
    return null;
  }
  // slot id: the lowest free one (deterministic)
  let id = 1;
  while (id < g.domainById.length && g.domainById[id]) id++;
  g.domainById[id] = domain;
  return { domain, fwnode };
}

/** Remove a parent domain created by zpciCreateMsiParent and free its fwnode. */
function zpciRemoveMsiParent(k: Kernel, domain: IrqDomain): void {
  const g = G(k);
  const id = domainId(g, domain);
  const fwnode = domain.fwnode;
  irqDomainRemove(k, domain);
  // departure: the named fwnode is freed with the domain (v1 D10 leaks it)
  irqDomainFreeFwnode(k, fwnode);
  if (id) g.domainById[id] = null;
}

/** 'per-bus': kernel: zpci_create_parent_msi_domain(zbus) — "ZPCI_MSI_DOM_%04x" of domain_nr. */
function zpciCreateParentMsiDomain(k: Kernel, zbus: ZpciBus): number {
  const name = `ZPCI_MSI_DOM_${(zbus.domainNr & 0xffff).toString(16).padStart(4, '0')}`;
  const p = zpciCreateMsiParent(k, name);
  if (!p) return -ENOMEM;
  zbus.msiParentDomain = p.domain;
  return 0;
}

/** 'per-bus': kernel: zpci_remove_parent_msi_domain(zbus) */
function zpciRemoveParentMsiDomain(k: Kernel, zbus: ZpciBus): void {
  // departure: a bus without a parent domain is fine, and the pointer is cleared (mainline M5)
  const domain = zbus.msiParentDomain;
  if (!domain) return;
  zbus.msiParentDomain = null;
  zpciRemoveMsiParent(k, domain);
}

/** 'global': kernel: zpci_set_msi_parent_domain(zbus) */
function zpciSetMsiParentDomain(k: Kernel, zbus: ZpciBus): void {
  const g = G(k);
  if (!zbus.bus) return;
  devSetMsiDomain(zbus.bus.dev, g.globalDomain);
}

/* ----------------------------------------------------------- reset / restore */

/**
 * The zpci_set_irq() zpci_reenable_device() calls after re-enabling a function whose
 * interrupts are prepared: the disable dropped the registration, register again.
 * departure: a failure does not fail the reset (legacy has no step here); restore retries.
 */
function zpciReenableSetIrq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const st = fnState(g, zdev);
  if (!st.prepared) return 0;
  st.registered = false;
  if (zpciSetIrq(k, zdev)) {
    k.sim.log.printk('err', `${PR}Registering adapter IRQs for fid ${zdev.fid.toString(16)} failed`);
  }
  return 0;
}

/**
 * kernel: arch_restore_msi_irqs() — register only if the function's interrupts are prepared
 * and not registered (departure: legacy/mainline register unconditionally: M4 twice).
 */
function archRestoreMsiIrqs(k: Kernel, pdev: PciDev): boolean {
  const g = G(k);
  const zdev = toZpci(pdev);
  if (zdev && fnState(g, zdev).prepared && !fnState(g, zdev).registered) {
    zpciSetIrq(k, zdev);
  }
  return true;
}

/* ---------------------------------------------------------------- init / exit */

// kernel: cpu_enable_directed_irq() (runs on each CPU through on_each_cpu)
function cpuEnableDirectedIrq(k: Kernel, _unused: unknown): void {
  const g = G(k);

  zpciSetIrqCtrl(k, SIC_IRQ_MODE_SET_CPU, 0, { kind: 'cdiib', dibvAddr: g.zpciIbv![k.currentCpu]!.vector });
  zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null);
}

/** Release the directed vectors created so far (init unwind and exit). */
function zpciDirectedIrqRelease(k: Kernel): void {
  const g = G(k);
  if (g.zpciIbv) {
    for (let cpu = 0; cpu < g.zpciIbv.length; cpu++) {
      const iv = g.zpciIbv[cpu];
      if (iv) airqIvRelease(k, iv);
    }
  }
  g.zpciIbv = null;
  if (g.zpciSbv) airqIvRelease(k, g.zpciSbv);
  g.zpciSbv = null;
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
    if (!g.zpciIbv[cpu]) {
      // departure: unwind the vectors created so far (legacy/v1/mainline leak them)
      zpciDirectedIrqRelease(k);
      return -ENOMEM;
    }
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
    g.zpciIbv = null; // kfree(zpci_ibv)
    return -ENOMEM;
  }
  return 0;
}

/** Undo zpciCreateMsiParent of the 'global' option. */
function zpciRemoveGlobalDomain(k: Kernel): void {
  const g = G(k);
  const d = g.globalDomain;
  if (!d) return;
  g.globalDomain = null;
  g.globalFwnode = null;
  zpciRemoveMsiParent(k, d);
}

// kernel: zpci_irq_init()
function zpciIrqInit(k: Kernel): number {
  const g = G(k);
  const pg = zpciGlobals(k);
  let rc: number;

  g.irqDelivery = pg.sclpHasDirq ? DIRECTED : FLOATING;
  if (pg.forceFloating) g.irqDelivery = FLOATING;
  g.parentOps = zpciMsiParentOps(g.irqDelivery);

  if (g.irqDelivery === DIRECTED) g.zpciAirq.handler = zpciDirectedIrqHandler;

  rc = registerAdapterInterrupt(k, g.zpciAirq);
  if (rc) return rc;

  if (g.mode === 'global') {
    const p = zpciCreateMsiParent(k, ZPCI_MSI_GLOBAL_NAME);
    if (!p) {
      // departure: the failure is returned (v1 D10 returns 0 without a parent domain)
      unregisterAdapterInterrupt(k, g.zpciAirq);
      return -ENOMEM;
    }
    g.globalDomain = p.domain;
    g.globalFwnode = p.fwnode;
  }

  /* Set summary to 1 to be called every time for the ISC. */
  kernelPhysMem(k).writeU8(g.zpciAirq.lsiPtr, 1);

  rc = g.irqDelivery === FLOATING ? zpciFloatingIrqInit(k) : zpciDirectedIrqInit(k);
  if (rc) {
    zpciRemoveGlobalDomain(k);
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
    zpciDirectedIrqRelease(k);
  } else {
    g.zpciIbv = null; // kfree(zpci_ibv)
    if (g.zpciSbv) airqIvRelease(k, g.zpciSbv);
    g.zpciSbv = null;
  }
  zpciRemoveGlobalDomain(k);
  unregisterAdapterInterrupt(k, g.zpciAirq);
}

/* ------------------------------------------------------------------ the backend */

function parseMode(options: unknown): ZpciParentDomainMode {
  const o = (options ?? {}) as { parentDomain?: unknown };
  const m = o.parentDomain ?? 'global';
  if (m !== 'global' && m !== 'per-bus') {
    throw new Error(`domain backend: parentDomain must be 'global' or 'per-bus' (got ${String(m)})`);
  }
  return m;
}

/**
 * A fresh domain backend. `options.parentDomain` (default 'global'): one parent domain for
 * the system, or one per zbus. Its pci_irq.c globals are created (zeroed) on zpciIrqInit,
 * which also installs arch_restore_msi_irqs.
 */
export function createDomainBackend(
  options?: DomainBackendOptions | Readonly<Record<string, unknown>>,
): ZpciIrqBackend {
  const mode = parseMode(options);
  const backend: ZpciIrqBackend = {
    name: 'domain',
    zpciIrqInit(k: Kernel): number {
      const irqData: CpuIrqData[] = [];
      for (let c = 0; c < k.nrCpuIds; c++) irqData.push({ csd: csdCreate(), scheduled: 0 });
      const g: DomainPciIrq = {
        mode,
        irqDelivery: FLOATING,
        zpciSbv: null,
        zpciIbv: null,
        zpciAirq: airqStructInit(zpciFloatingIrqHandler, PCI_ISC),
        zpciIrqChip: zpciIrqChipInit(),
        parentOps: zpciMsiParentOps(FLOATING),
        globalDomain: null,
        globalFwnode: null,
        domainById: [null],
        fnState: new WeakMap(),
        irqData,
        status: { status: 0 },
        tmpMask: cpumaskCreate(),
      };
      k.subsys.set(KEY, g);
      if (gCacheKernel === k) gCache = g;
      setArchMsiOps(k, { archRestoreMsiIrqs });
      return zpciIrqInit(k);
    },
    zpciIrqExit,
    zpciSetIrq: zpciReenableSetIrq,
    zpciIrqFunctionDisabled,
  };
  if (mode === 'global') {
    backend.zpciSetMsiParentDomain = zpciSetMsiParentDomain;
  } else {
    backend.zpciCreateParentMsiDomain = zpciCreateParentMsiDomain;
    backend.zpciRemoveParentMsiDomain = zpciRemoveParentMsiDomain;
  }
  return backend;
}

registerZpciIrqBackend('domain', createDomainBackend);
