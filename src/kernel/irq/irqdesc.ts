// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/irqdesc.c: interrupt descriptors in the sparse irq tree
 * (k.irqDescs), virq number allocation, kstat counters and the generic entry
 * points generic_handle_irq() / generic_handle_domain_irq().
 *
 * The entry points are the delivery path: they allocate nothing.
 */
import { cpumaskAlloc, cpumaskCopy, cpumaskEmpty, cpumaskTestCpu } from '../../include/linux/cpumask.ts';
import { EEXIST, EINVAL, ENOMEM, ENOSPC, EPERM } from '../../include/linux/errno.ts';
import type { IrqChip, IrqCommonData, IrqData, IrqDesc, IrqDomain } from '../../include/linux/irq.ts';
import type { IrqAffinityDesc } from '../../include/linux/msi.ts';
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Kernel } from '../kernel.ts';
import { deref, oops, warn } from '../panic.ts';
import { noIrqChip } from './dummychip.ts';
import { handleBadIrq } from './handle.ts';
import {
  IRQ_DEFAULT_INIT_FLAGS,
  IRQ_PER_CPU,
  IRQ_PER_CPU_DEVID,
  IRQD_AFFINITY_MANAGED,
  IRQD_AFFINITY_SET,
  IRQD_HANDLE_ENFORCE_IRQCTX,
  IRQD_IRQ_DISABLED,
  IRQD_IRQ_MASKED,
  IRQD_MANAGED_SHUTDOWN,
  IRQS_NMI,
} from './internals.ts';
import { irqResolveMapping } from './irqdomain.ts';
import { irqSysfsAdd, irqSysfsDel } from './sysfs.ts';

export const FP_IRQ_ALLOC_DESCS = declareFailurePoint(
  'irq_alloc_descs',
  '__irq_alloc_descs',
  'kernel',
  '-ENOMEM (sparse irq tree / nr_irqs expansion)',
);
export const FP_ALLOC_DESC = declareFailurePoint(
  'alloc_desc',
  'alloc_desc',
  'kernel',
  'NULL -> __irq_alloc_descs unwinds and returns -ENOMEM',
);

/** Per-Kernel state of this file that has no field in Kernel. */
interface IrqdescState {
  /** WARN_ON_ONCE site in handle_irq_desc() fired. */
  enforceIrqctxWarned: boolean;
  /**
   * allocated_irqs: bit n set while k.irqDescs[n] holds a descriptor (mirrors the sparse
   * tree; only this file inserts and removes). Lets irq_find_free_area() skip 32 busy
   * numbers at a time, as the kernel's bitmap search does.
   */
  allocated: Uint32Array;
  /**
   * Model only (speed): every number below it is set in `allocated`, so a search may start
   * there (the MSI-X path allocates one descriptor at a time, each search from the dynirq
   * base). Lowered by free_desc(), raised by searches.
   */
  firstFree: number;
  /**
   * kstat_irqs storage (alloc_percpu in the kernel): each descriptor's counters are a row of
   * nrCpuIds words in a slab shared by KSTAT_SLAB descriptors; a freed descriptor's row goes
   * back to the free list (`kstatFreeSlab`/`kstatFreeOff`) for the next alloc_desc().
   */
  kstatSlab: Uint32Array;
  kstatNext: number;
  kstatFreeSlab: Uint32Array[];
  kstatFreeOff: number[];
  /** The row a freed descriptor's kstat_irqs points to (its own row is reused). */
  kstatFreed: Uint32Array;
}
const states = new WeakMap<Kernel, IrqdescState>();
/** One-entry cache in front of `states` (setup calls stateOf several times per IRQ). */
let lastKernel: Kernel | null = null;
let lastState: IrqdescState | null = null;
function stateOf(k: Kernel): IrqdescState {
  if (k === lastKernel) return lastState!;
  let s = states.get(k);
  if (!s) {
    s = {
      enforceIrqctxWarned: false,
      allocated: new Uint32Array((k.irqLimit >>> 5) + 1),
      firstFree: 0,
      kstatSlab: new Uint32Array(0),
      kstatNext: 0,
      kstatFreeSlab: [],
      kstatFreeOff: [],
      kstatFreed: new Uint32Array(k.nrCpuIds),
    };
    for (let i = 0; i < k.irqDescs.length; i++) {
      if (k.irqDescs[i] !== undefined) s.allocated[i >>> 5]! |= 1 << (i & 31);
    }
    slabCpus.set(s.kstatFreed, k.nrCpuIds);
    states.set(k, s);
  }
  lastKernel = k;
  lastState = s;
  return s;
}

/** Descriptors per kstat slab. */
const KSTAT_SLAB = 256;

/** A descriptor's kstat row before kstatAlloc(). */
const EMPTY_KSTAT = new Uint32Array(0);
/** nr_cpu_ids of the kernel a kstat slab (or freed row) belongs to: the length of its rows. */
const slabCpus = new WeakMap<Uint32Array, number>();

/** Counters in `desc`'s kstat row (nr_cpu_ids; a row not from kstatAlloc() runs to its array's end). */
function kstatRowCpus(desc: IrqDesc): number {
  return slabCpus.get(desc.kstatSlab) ?? desc.kstatSlab.length - desc.kstatOff;
}

/** kstat_irqs of `desc` on `cpu` (0 for a CPU number outside the row). */
export function kstatRowRead(desc: IrqDesc, cpu: number): number {
  return cpu >= 0 && cpu < kstatRowCpus(desc) ? desc.kstatSlab[desc.kstatOff + cpu]! : 0;
}

/** alloc_percpu(unsigned int) for a descriptor's kstat_irqs: a zeroed row of nrCpuIds counters. */
function kstatAlloc(k: Kernel, desc: IrqDesc): void {
  const s = stateOf(k);
  const n = k.nrCpuIds;
  const reused = s.kstatFreeSlab.pop();
  if (reused !== undefined) {
    const off = s.kstatFreeOff.pop()!;
    reused.fill(0, off, off + n);
    desc.kstatSlab = reused;
    desc.kstatOff = off;
    return;
  }
  if (s.kstatNext + n > s.kstatSlab.length) {
    s.kstatSlab = new Uint32Array(n * KSTAT_SLAB);
    slabCpus.set(s.kstatSlab, n);
    s.kstatNext = 0;
  }
  desc.kstatSlab = s.kstatSlab;
  desc.kstatOff = s.kstatNext;
  s.kstatNext += n;
}

/** free_percpu(desc->kstat_irqs) */
function kstatFree(k: Kernel, desc: IrqDesc): void {
  const s = stateOf(k);
  if (desc.kstatSlab === s.kstatFreed) return;
  s.kstatFreeSlab.push(desc.kstatSlab);
  s.kstatFreeOff.push(desc.kstatOff);
  desc.kstatSlab = s.kstatFreed;
  desc.kstatOff = 0;
}

/** Keep allocated_irqs in step with the sparse tree. */
function markAllocated(k: Kernel, irq: number, on: boolean): void {
  const s = stateOf(k);
  const a = s.allocated;
  const w = irq >>> 5;
  if (w >= a.length) return; // beyond irqLimit: never searched
  if (on) a[w]! |= 1 << (irq & 31);
  else {
    a[w]! &= ~(1 << (irq & 31));
    if (irq < s.firstFree) s.firstFree = irq;
  }
}

/** First number >= `from` that is not allocated (word-wise over allocated_irqs), or `limit`. */
function nextUnallocated(a: Uint32Array, from: number, limit: number): number {
  let i = from;
  while (i < limit) {
    const w = a[i >>> 5]!;
    if (w === 0xffffffff) {
      i = (i | 31) + 1;
      continue;
    }
    if ((w & (1 << (i & 31))) === 0) return i;
    i++;
  }
  return limit;
}

// kernel: desc_set_defaults()
export function descSetDefaults(
  k: Kernel,
  irq: number,
  desc: IrqDesc,
  _node: number,
  affinity: IrqAffinityDesc['mask'] | null,
): void {
  desc.irqCommonData.handlerData = null;
  desc.irqCommonData.msiDesc = null;
  desc.irqData.common = desc.irqCommonData;
  desc.irqData.irq = irq;
  desc.irqData.chip = noIrqChip;
  desc.irqData.chipData = null;
  desc.statusUseAccessors = IRQ_DEFAULT_INIT_FLAGS;
  desc.irqCommonData.stateUseAccessors |= IRQD_IRQ_DISABLED;
  desc.irqCommonData.stateUseAccessors |= IRQD_IRQ_MASKED;
  desc.handleIrq = handleBadIrq;
  desc.depth = 1;
  desc.irqCount = 0;
  desc.irqsUnhandled = 0;
  desc.totCount = 0;
  desc.name = null;
  desc.kstatSlab.fill(0, desc.kstatOff, desc.kstatOff + k.nrCpuIds);
  // desc_smp_init()
  cpumaskCopy(desc.irqCommonData.affinity, affinity ?? k.irqDefaultAffinity);
  // No GENERIC_IRQ_EFFECTIVE_AFF_MASK on s390: the effective mask reads as the affinity.
  cpumaskCopy(desc.irqCommonData.effectiveAffinity, desc.irqCommonData.affinity);
}

/**
 * struct irq_desc with its embedded struct irq_common_data, as one object. desc.irqCommonData
 * and common.desc (container_of) are the object itself: getters on the prototype, so they
 * take no field in each descriptor.
 */
class IrqDescObject implements IrqDesc, IrqCommonData {
  irqData: IrqData = undefined as unknown as IrqData; // set by allocDesc()
  kstatSlab: Uint32Array = EMPTY_KSTAT; // set by kstatAlloc()
  kstatOff = 0;
  handleIrq: IrqDesc['handleIrq'] = handleBadIrq;
  name: string | null = null;
  action: IrqDesc['action'] = null;
  statusUseAccessors = 0;
  istate = 0;
  depth = 1;
  /** 0 on the prototype (irq_set_irq_wake() is not modelled, nothing writes it): no field in each descriptor. */
  declare wakeDepth: number;
  totCount = 0;
  irqCount = 0;
  lastUnhandled = 0;
  irqsUnhandled = 0;
  procDir = false;
  devName: string | null = null;
  /** null on the prototype until irq_set_affinity_hint() writes it: no field in each descriptor. */
  declare affinityHint: IrqDesc['affinityHint'];
  freed = false;
  // struct irq_common_data irq_common_data
  stateUseAccessors = 0;
  handlerData: unknown = null;
  msiDesc: IrqCommonData['msiDesc'] = null;
  affinity = cpumaskAlloc();
  effectiveAffinity = cpumaskAlloc();
  /** The row as a view (allocates; tests and views read it, the delivery path does not). */
  get kstatIrqs(): Uint32Array {
    return this.kstatSlab.subarray(this.kstatOff, this.kstatOff + kstatRowCpus(this));
  }
  /** desc->irq_common_data: embedded, so the descriptor itself. */
  get irqCommonData(): IrqCommonData {
    return this;
  }
  /** container_of(common, struct irq_desc, irq_common_data): the descriptor itself. */
  get desc(): IrqDesc {
    return this;
  }
}
IrqDescObject.prototype.affinityHint = null;
IrqDescObject.prototype.wakeDepth = 0;

/**
 * struct irq_data, every hierarchy level (the descriptor's embedded level 0 and each parent
 * level of irq_domain_insert_irq_data()): one class, so every level has the same shape.
 * `mask` (the generic-chip register mask, never set on s390) is 0 on the prototype: no field
 * in each irq_data.
 */
class IrqDataObject implements IrqData {
  declare mask: number;
  irq: number;
  hwirqHi = 0;
  hwirqLo = 0;
  common: IrqCommonData;
  chip: IrqChip;
  domain: IrqDomain | null;
  parentData: IrqData | null = null;
  chipData: unknown = null;
  freed = false;
  constructor(irq: number, common: IrqCommonData, chip: IrqChip, domain: IrqDomain | null) {
    this.irq = irq;
    this.common = common;
    this.chip = chip;
    this.domain = domain;
  }
}
IrqDataObject.prototype.mask = 0;

/** A zeroed struct irq_data of virq `irq` (hwirq 0, no parent, no chip data). */
export function irqDataNew(
  irq: number,
  common: IrqCommonData,
  chip: IrqChip,
  domain: IrqDomain | null,
): IrqData {
  return new IrqDataObject(irq, common, chip, domain);
}

// kernel: alloc_desc() (+ init_desc())
function allocDesc(
  k: Kernel,
  irq: number,
  node: number,
  flags: number,
  affinity: IrqAffinityDesc['mask'] | null,
): IrqDesc | null {
  if (k.sim.faults.shouldFail(FP_ALLOC_DESC)) return null;
  // struct irq_desc embeds irq_common_data: the model's descriptor is one object that
  // carries the common fields, and desc.irqCommonData (= irq_data.common) refers to it.
  const desc = new IrqDescObject();
  kstatAlloc(k, desc);
  const common: IrqCommonData = desc;
  desc.irqData = new IrqDataObject(irq, common, noIrqChip, null);
  descSetDefaults(k, irq, desc, node, affinity);
  // init_desc(): irqd_set(&desc->irq_data, flags)
  common.stateUseAccessors |= flags;
  return desc;
}

// kernel: free_desc()
function freeDesc(k: Kernel, irq: number): void {
  const desc = irqToDesc(k, irq);
  // unregister_irq_proc() reads desc->dir: a never-allocated virq is a NULL dereference.
  const d = deref(k, desc, 'irq_desc', 'kernel/irq/proc.c unregister_irq_proc');
  d.procDir = false;
  d.devName = null;
  irqSysfsDel(k, d);
  k.irqDescs[irq] = undefined;
  markAllocated(k, irq, false);
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'irq_desc_free', { irq });
  // call_rcu(delayed_free_desc): the descriptor and its embedded level-0 irq_data are gone.
  d.irqData.freed = true;
  d.freed = true;
  kstatFree(k, d);
}

// kernel: alloc_descs()
function allocDescs(
  k: Kernel,
  start: number,
  cnt: number,
  node: number,
  affinity: readonly IrqAffinityDesc[] | null,
): number {
  if (affinity) {
    for (let i = 0; i < cnt; i++) {
      const a = affinity[i];
      if (!a || cpumaskEmpty(a.mask)) return -EINVAL;
    }
  }
  for (let i = 0; i < cnt; i++) {
    let mask: IrqAffinityDesc['mask'] | null = null;
    let flags = 0;
    if (affinity) {
      const a = affinity[i]!;
      if (a.isManaged) flags = IRQD_AFFINITY_MANAGED | IRQD_MANAGED_SHUTDOWN;
      flags |= IRQD_AFFINITY_SET;
      mask = a.mask;
    }
    const desc = allocDesc(k, start + i, node, flags, mask);
    if (!desc) {
      for (i--; i >= 0; i--) freeDesc(k, start + i);
      return -ENOMEM;
    }
    // irq_insert_desc()
    k.irqDescs[start + i] = desc;
    markAllocated(k, start + i, true);
    irqSysfsAdd(k, start + i, desc);
    if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'irq_desc_alloc', { irq: start + i });
  }
  return start;
}

/** kernel: arch_dynirq_lower_bound() — s390: max(from, NR_IRQS_BASE). */
function archDynirqLowerBound(k: Kernel, from: number): number {
  return Math.max(from, k.dynirqLowerBound);
}

// kernel: irq_find_free_area() — lowest-first fit of `cnt` free numbers at or above `from`.
function irqFindFreeArea(k: Kernel, from: number, cnt: number): number {
  const limit = k.irqLimit;
  const s = stateOf(k);
  const allocated = s.allocated;
  // nothing below firstFree is free: the first unallocated number >= from is found from there
  let start = from;
  if (start <= s.firstFree) {
    start = nextUnallocated(allocated, s.firstFree, limit);
    s.firstFree = start;
  }
  while (start + cnt <= limit) {
    // a start on an allocated number clashes at once: skip whole busy words
    start = nextUnallocated(allocated, start, limit);
    if (start + cnt > limit) break;
    let clash = -1;
    for (let i = cnt - 1; i >= 0; i--) {
      if (k.irqDescs[start + i] !== undefined) {
        clash = start + i;
        break;
      }
    }
    if (clash < 0) return start;
    start = clash + 1;
  }
  return -ENOSPC;
}

/**
 * kernel: __irq_alloc_descs() — `irq >= 0` asks for that exact number.
 * Returns the first virq or a negative errno.
 */
export function irqAllocDescsInternal(
  k: Kernel,
  irq: number,
  from: number,
  cnt: number,
  node: number,
  affinity: readonly IrqAffinityDesc[] | null = null,
): number {
  if (!cnt) return -EINVAL;
  if (irq >= 0) {
    if (from > irq) return -EINVAL;
    from = irq;
  } else {
    from = archDynirqLowerBound(k, from);
  }
  const start = irqFindFreeArea(k, from, cnt);
  if (start < 0) return start;
  if (irq >= 0 && start !== irq) return -EEXIST;
  if (k.sim.faults.shouldFail(FP_IRQ_ALLOC_DESCS)) return -ENOMEM;
  if (start + cnt > k.nrIrqs) {
    // irq_expand_nr_irqs(): MAX_SPARSE_IRQS is k.irqLimit
    if (start + cnt > k.irqLimit) return -ENOMEM;
    k.nrIrqs = start + cnt;
  }
  return allocDescs(k, start, cnt, node, affinity);
}

/** kernel: irq_alloc_descs(irq, from, cnt, node) */
export function irqAllocDescs(k: Kernel, irq: number, from: number, cnt: number, node = 0): number {
  return irqAllocDescsInternal(k, irq, from, cnt, node, null);
}

/** kernel: irq_alloc_desc_from(from, node) */
export function irqAllocDescFrom(k: Kernel, from: number, node = 0): number {
  return irqAllocDescsInternal(k, -1, from, 1, node, null);
}

/**
 * kernel: irq_free_descs() — silently ignored when the range reaches beyond
 * nr_irqs; a never-allocated (or already freed) number inside it is a NULL
 * dereference in free_desc() (Oops), as in the kernel.
 */
export function irqFreeDescs(k: Kernel, from: number, cnt: number): void {
  if (from >= k.nrIrqs || from + cnt > k.nrIrqs) return;
  for (let i = 0; i < cnt; i++) freeDesc(k, from + i);
}

/** kernel: irq_free_desc() */
export function irqFreeDesc(k: Kernel, irq: number): void {
  irqFreeDescs(k, irq, 1);
}

/** kernel: irq_to_desc() — NULL when unallocated. Allocation-free. */
export function irqToDesc(k: Kernel, irq: number): IrqDesc | null {
  if (irq < 0) return null;
  return k.irqDescs[irq] ?? null;
}

/** kernel: irq_get_irq_data() */
export function irqGetIrqData(k: Kernel, irq: number): IrqData | null {
  const desc = irqToDesc(k, irq);
  return desc ? desc.irqData : null;
}

/**
 * kernel: irq_data_to_desc() — container_of(data->common). A freed level or
 * freed descriptor is a use-after-free Oops.
 */
export function irqDataToDesc(k: Kernel, d: IrqData): IrqDesc {
  const data = derefData(k, d, 'irq_data', 'include/linux/irqdesc.h irq_data_to_desc');
  return derefDesc(k, data.common.desc, 'irq_desc', 'include/linux/irqdesc.h irq_data_to_desc');
}

/**
 * deref() for an irq_desc / irq_data: the same checks and Oops, but with a `freed` read that
 * stays monomorphic (deref() itself sees every kernel object shape). Delivery path.
 */
function derefDesc(k: Kernel, p: IrqDesc | null | undefined, what: string, where: string): IrqDesc {
  if (p === null || p === undefined) oops(k, `NULL ${what}`, where);
  if (p.freed === true) oops(k, `freed ${what} (use-after-free)`, where);
  return p;
}

function derefData(k: Kernel, p: IrqData | null | undefined, what: string, where: string): IrqData {
  if (p === null || p === undefined) oops(k, `NULL ${what}`, where);
  if (p.freed === true) oops(k, `freed ${what} (use-after-free)`, where);
  return p;
}

/** kernel: irq_get_next_irq() — next allocated virq at or after offset, nr_irqs if none. */
export function irqGetNextIrq(k: Kernel, offset: number): number {
  for (let i = Math.max(0, offset); i < k.nrIrqs; i++) if (k.irqDescs[i] !== undefined) return i;
  return k.nrIrqs;
}

/** kernel: irq_get_nr_irqs() */
export function irqGetNrIrqs(k: Kernel): number {
  return k.nrIrqs;
}

/** kernel: __kstat_incr_irqs_this_cpu() — per-CPU count only. */
export function __kstatIncrIrqsThisCpu(k: Kernel, desc: IrqDesc): void {
  desc.kstatSlab[desc.kstatOff + k.currentCpu]!++;
}

/** kernel: kstat_incr_irqs_this_cpu() — per-CPU count and tot_count. */
export function kstatIncrIrqsThisCpu(k: Kernel, desc: IrqDesc): void {
  desc.kstatSlab[desc.kstatOff + k.currentCpu]!++;
  desc.totCount++;
}

/** kernel: kstat_irqs_cpu() */
export function kstatIrqsCpu(k: Kernel, irq: number, cpu: number): number {
  const desc = irqToDesc(k, irq);
  return desc ? kstatRowRead(desc, cpu) : 0;
}

/** kernel: irq_desc_kstat_cpu() */
export function irqDescKstatCpu(desc: IrqDesc, cpu: number): number {
  return kstatRowRead(desc, cpu);
}

/**
 * kernel: kstat_irqs() / kstat_irqs_usr() — tot_count, unless the desc is
 * per-CPU (IRQ_PER_CPU, PER_CPU_DEVID, NMI): then the per-CPU sum over possible CPUs.
 */
export function kstatIrqs(k: Kernel, irq: number): number {
  const desc = irqToDesc(k, irq);
  if (!desc) return 0;
  if ((desc.statusUseAccessors & (IRQ_PER_CPU | IRQ_PER_CPU_DEVID)) === 0 && (desc.istate & IRQS_NMI) === 0) {
    return desc.totCount;
  }
  let sum = 0;
  for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
    if (cpumaskTestCpu(cpu, k.cpuPossibleMask)) sum += kstatRowRead(desc, cpu);
  }
  return sum >>> 0;
}

/** kernel: handle_irq_desc() — -EINVAL for no desc, else run the flow handler and return 0. */
export function handleIrqDesc(k: Kernel, desc: IrqDesc | null): number {
  if (!desc) return -EINVAL;
  const d = derefDesc(k, desc, 'irq_desc', 'kernel/irq/irqdesc.c handle_irq_desc');
  if ((d.irqCommonData.stateUseAccessors & IRQD_HANDLE_ENFORCE_IRQCTX) !== 0 && k.hardirqCount === 0) {
    const s = stateOf(k);
    if (!s.enforceIrqctxWarned) {
      s.enforceIrqctxWarned = true;
      warn(
        k,
        'kernel/irq/irqdesc.c handle_irq_desc',
        'WARN_ON_ONCE(!in_hardirq() && irqd_is_handle_enforce_irqctx(data))',
      );
    }
    return -EPERM;
  }
  // generic_handle_irq_desc()
  if (k.irqEntryHook !== null) k.irqEntryHook(k, d);
  d.handleIrq(k, d);
  return 0;
}

/** kernel: generic_handle_irq() */
export function genericHandleIrq(k: Kernel, irq: number): number {
  return handleIrqDesc(k, irqToDesc(k, irq));
}

/** kernel: generic_handle_irq_safe() (local_irq_save/restore are no-ops in the model) */
export function genericHandleIrqSafe(k: Kernel, irq: number): number {
  return handleIrqDesc(k, irqToDesc(k, irq));
}

/**
 * kernel: generic_handle_domain_irq() with the series' patch 1/2 applied: the
 * full 64-bit irq_hw_number_t (hwHi:hwLo) is looked up. -EINVAL when the
 * domain has no mapping for it (nothing counted, nothing logged).
 */
export function genericHandleDomainIrq(
  k: Kernel,
  domain: IrqDomain | null,
  hwHi: number,
  hwLo: number,
): number {
  return handleIrqDesc(k, irqResolveMapping(k, domain, hwHi, hwLo));
}

/** kernel: generic_handle_domain_irq_safe() */
export function genericHandleDomainIrqSafe(
  k: Kernel,
  domain: IrqDomain | null,
  hwHi: number,
  hwLo: number,
): number {
  return handleIrqDesc(k, irqResolveMapping(k, domain, hwHi, hwLo));
}
