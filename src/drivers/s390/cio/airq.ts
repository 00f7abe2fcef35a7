// SPDX-License-Identifier: GPL-2.0-only
/**
 * Adapter interruptions: drivers/s390/cio/airq.c, arch/s390/include/asm/airq.h,
 * drivers/s390/cio/isc.c. The airq_iv interrupt-vector library (create, alloc,
 * free, scan, bit locks, ptr/data slots), the per-ISC handler lists with
 * register_adapter_interrupt(), and do_airq_interrupt() dispatch.
 *
 * Memory: the vector, the `avail` and `bitlock` bitmaps and the lsi byte live in
 * the simulated PhysMem (big-endian; bit n = byte n/8, mask 0x80 >> n%8, which is
 * exactly the kernel's *_inv MSB-0 numbering). The `ptr` (u64, kept as hi/lo u32
 * halves) and `data` (u32) arrays are JS typed arrays.
 *
 * Sanitizers (model, KASAN-like, first report per iv and kind only, as KASAN
 * without kasan_multi_shot):
 *  - any primitive on a released iv => 'use-after-free' finding, then behaves as
 *    C (reads/writes the stale memory, which stays in the PhysMem quarantine);
 *  - a bit index >= iv->bits => 'out-of-bounds' finding, then behaves as C:
 *    vector/avail/bitlock accesses touch the neighbouring bytes of PhysMem;
 *    ptr/data (JS arrays) accesses are ignored (writes) or return 0 (reads);
 *    an index that cannot address PhysMem at all (negative, -1UL, beyond the
 *    buffer) is reported and skipped;
 *  - airq_iv_scan() only reports when its read crosses the end of the vector
 *    allocation (end > words*64): scanning up to `end` = bits + 1 (the
 *    allocator's watermark quirk) stays inside the padding of the last word
 *    unless bits is a multiple of 64.
 *
 * -1UL is modelled by AIRQ_IV_NONE (-1).
 */
export type { TpiInfo };

import type { TpiInfo } from '../../../hw/s390x/cpu.ts';
import type { PhysMem } from '../../../hw/s390x/memory.ts';
import { EINVAL, ENOMEM } from '../../../include/linux/errno.ts';
import { hwirqJoin } from '../../../include/linux/hwirq.ts';
import { IRQ_HANDLED, type IrqReturn } from '../../../include/linux/irq.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { oops, warn } from '../../../kernel/panic.ts';
import { declareFailurePoint } from '../../../sim/faults.ts';
import { KernelOops, modelCallChain } from '../../../sim/findings.ts';

/* ---------------------------------------------------------------- constants */

/** AIRQ_IV_* creation flags (asm/airq.h) */
export const AIRQ_IV_ALLOC = 0x1;
export const AIRQ_IV_BITLOCK = 0x2;
export const AIRQ_IV_PTR = 0x4;
export const AIRQ_IV_DATA = 0x8;
export const AIRQ_IV_CACHELINE = 0x10;
export const AIRQ_IV_GUESTVEC = 0x20;

/** (unsigned long)-1, what airq_iv_alloc() and airq_iv_scan() return for "none". */
export const AIRQ_IV_NONE = -1;

/** airq_struct.flags: the library allocated lsi_ptr. */
export const AIRQ_PTR_ALLOCATED = 0x01;

/** MAX_ISC (asm/isc.h) */
export const MAX_ISC = 7;
/** ISC numbers (asm/isc.h) */
export const CONSOLE_ISC = 1;
export const PCI_ISC = 2;
export const IO_SCH_ISC = 3;
export const EADM_SCH_ISC = 4;
export const GAL_ISC = 5;
export const AP_ISC = 6;
export const CHSC_SCH_ISC = 7;

/** L1_CACHE_BYTES / cache_line_size() on s390 */
export const CACHE_LINE_SIZE = 256;
const BITS_PER_BYTE = 8;
const BITS_PER_LONG = 64;

/** Failure points */
export const FP_AIRQ_IV_CREATE = declareFailurePoint('airq_iv_create', 'airq_iv_create', 'kernel', 'NULL');
export const FP_AIRQ_IV_ALLOC = declareFailurePoint('airq_iv_alloc', 'airq_iv_alloc', 'kernel', '-1UL');
export const FP_REGISTER_ADAPTER_INTERRUPT = declareFailurePoint(
  'register_adapter_interrupt',
  'register_adapter_interrupt',
  'kernel',
  '-ENOMEM',
);
export const FP_AIRQ_INIT = declareFailurePoint('airq_init', 'airq_init', 'kernel', '-ENOMEM');

/** Preemption point names (Kernel.preemptPoint). */
export const PP_AIRQ_IV_CREATE = 'airq_iv_create';
export const PP_AIRQ_IV_RELEASE = 'airq_iv_release';
export const PP_AIRQ_IV_ALLOC = 'airq_iv_alloc';
export const PP_AIRQ_IV_FREE = 'airq_iv_free';
/** At the entry of airq_iv_scan(). */
export const PP_AIRQ_IV_SCAN = 'airq_iv_scan';
/** Inside airq_iv_scan(), between finding the bit and clearing it (the find/clear race, notes §1.6). */
export const PP_AIRQ_IV_SCAN_CLEAR = 'airq_iv_scan.clear';
export const PP_AIRQ_IV_END = 'airq_iv_end';
export const PP_AIRQ_IV_LOCK = 'airq_iv_lock';
/** Each spin of airq_iv_lock() while the bit is held by another CPU. */
export const PP_AIRQ_IV_LOCK_SPIN = 'airq_iv_lock.spin';
export const PP_AIRQ_IV_UNLOCK = 'airq_iv_unlock';
export const PP_AIRQ_IV_PTR = 'airq_iv_ptr';
export const PP_AIRQ_IV_DATA = 'airq_iv_data';
export const PP_DO_AIRQ_INTERRUPT = 'do_airq_interrupt';

/** How many preemption points a bit-lock spin offers before it is declared a lockup. */
export const AIRQ_IV_LOCK_SPIN_LIMIT = 10_000;

/* -------------------------------------------------------------------- types */

/** spinlock_t iv->lock (model: the owning CPU or -1). */
export interface ModelSpinlock {
  owner: number;
}

/** struct airq_iv (asm/airq.h). Addresses are PhysMem addresses; 0 is NULL. */
export interface AirqIv {
  /** unsigned long *vector: the interrupt bit vector, firmware-written. */
  vector: number;
  /** dma_addr_t vector_dma (cacheline vectors: the pool element's DMA address). */
  vectorDma: number;
  /** unsigned long *avail: allocation bitmap, 1 = free (AIRQ_IV_ALLOC). */
  avail: number;
  /** unsigned long *bitlock (AIRQ_IV_BITLOCK). */
  bitlock: number;
  /** unsigned long *ptr (AIRQ_IV_PTR): u64 per bit as [hi, lo] u32 pairs. */
  ptr: Uint32Array | null;
  /** unsigned int *data (AIRQ_IV_DATA). */
  data: Uint32Array | null;
  bits: number;
  /** Highest allocated bit + 1 (+1): the scan bound (see airqIvAlloc). */
  end: number;
  flags: number;
  lock: ModelSpinlock;
  /* ---- model only ---- */
  /** The memory the addresses refer to. */
  readonly mem: PhysMem;
  /** Set by airq_iv_release (kfree(iv)). */
  freed: boolean;
  /** Region tag prefix, e.g. "zpci aibv fid 0x10". */
  readonly tag: string;
  /** Per-bit owner CPU of the bit lock (-1 = free), with AIRQ_IV_BITLOCK. */
  bitlockOwner: Int32Array | null;
  /** Sanitizer reports already made for this iv (REPORTED_*). */
  reported: number;
  /** The airq globals of the kernel that created it. */
  readonly airq: AirqState;
}

/** void (*handler)(struct airq_struct *airq, struct tpi_info *tpi_info) */
export type AirqHandler = (k: Kernel, airq: AirqStruct, tpiInfo: TpiInfo) => void;

/** struct airq_struct (asm/airq.h) */
export interface AirqStruct {
  handler: AirqHandler | null;
  /** u8 *lsi_ptr: PhysMem address of the local summary indicator byte (0 = NULL). */
  lsiPtr: number;
  /** u8 lsi_mask: older kernels filtered on `*lsi_ptr & lsi_mask`; current ones test `*lsi_ptr != 0`. */
  lsiMask: number;
  isc: number;
  flags: number;
  /* ---- the hlist_node `list` ---- */
  /** Next node in the ISC's RCU list (kept on removal, as hlist_del_rcu keeps ->next). */
  next: AirqStruct | null;
  /** hlist_unhashed(): not on any list. */
  unhashed: boolean;
}

/** Fresh, unregistered airq_struct (a static initializer in C). */
export function airqStructInit(
  handler: AirqHandler | null,
  isc: number,
  lsiPtr = 0,
  lsiMask = 0,
): AirqStruct {
  return { handler, lsiPtr, lsiMask, isc, flags: 0, next: null, unhashed: true };
}

/** struct dma_pool airq_iv_cache: cache_line_size() elements, cacheline aligned. */
export interface AirqIvCache {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Elements handed out and not yet freed. */
  nrActive: number;
  /** Total elements ever allocated (statistics). */
  nrAllocs: number;
}

/** The airq globals of one kernel: airq_lists[], isc_refs[], airq_iv_cache. */
export interface AirqState {
  mem: PhysMem;
  /** airq_lists[MAX_ISC + 1]: list heads. */
  readonly lists: (AirqStruct | null)[];
  /** isc_refs[] (isc.c) */
  readonly iscRefs: Uint32Array;
  /** The system CR6 value's low word as isc_register maintains it (bit 0x80000000 >> isc). */
  cr6: number;
  /** Machine hook: system_ctl_set_bit/clear_bit(6, 31 - isc) applied to every CPU. */
  onCr6Change: ((k: Kernel, cr6: number) => void) | null;
  airqIvCache: AirqIvCache | null;
  /** rcu_read_lock() depth inside do_airq_interrupt (all CPUs). */
  rcuReaders: number;
  /**
   * The scheduler's lock registry (src/sim/scheduler.ts LockRegistry), set while exploring:
   * bit locks are reported as "airq_iv.bitlock:0x<vector>:<bit>" so the explorer does not
   * run a handler that would spin on a bit lock whose holder is suspended. null = off.
   */
  lockRegistry: AirqLockRegistry | null;
}

/** The part of the scheduler's LockRegistry the bit locks use. */
export interface AirqLockRegistry {
  /** Report only while true (the scheduler explores); names are built only then. */
  readonly active: boolean;
  lock(name: string, cpu: number): boolean;
  unlock(name: string, cpu: number): boolean;
}

/** Lock-registry name of a bit lock (allocates; only built while a registry is installed). */
export function airqIvBitlockName(iv: AirqIv, bit: number): string {
  return `airq_iv.bitlock:0x${iv.vector.toString(16)}:${bit}`;
}

/* -------------------------------------------------------------------- state */

const AIRQ_STATE_KEY = 's390.airq';
/** k.subsys key under which the machine (or a test) places the kernel-visible PhysMem. */
export const PHYSMEM_KEY = 's390.physmem';

/** Attach the simulated physical memory the kernel's DMA allocations come from. */
export function setKernelPhysMem(k: Kernel, mem: PhysMem): void {
  k.subsys.set(PHYSMEM_KEY, mem);
  if (k === memCacheKernel) memCacheMem = mem;
  const s = k.subsys.get(AIRQ_STATE_KEY) as AirqState | undefined;
  if (s) s.mem = mem;
}

/** One-entry caches of kernelPhysMem() / airqState() (asked for on every interrupt). */
let memCacheKernel: Kernel | null = null;
let memCacheMem: PhysMem | null = null;
let stateCacheKernel: Kernel | null = null;
let stateCacheState: AirqState | null = null;

/** The kernel-visible PhysMem (set by the machine or setKernelPhysMem). */
export function kernelPhysMem(k: Kernel): PhysMem {
  if (k === memCacheKernel) return memCacheMem!;
  return kernelPhysMemLookup(k);
}

/** kernelPhysMem() past its one-entry cache (out of line: the cached path inlines). */
function kernelPhysMemLookup(k: Kernel): PhysMem {
  const mem = k.subsys.get(PHYSMEM_KEY) as PhysMem | undefined;
  if (!mem) throw new Error('airq: no PhysMem attached to the kernel (setKernelPhysMem)');
  memCacheKernel = k;
  memCacheMem = mem;
  return mem;
}

/** The airq globals of `k`, created on first use. Allocation-free once created. */
export function airqState(k: Kernel): AirqState {
  if (k === stateCacheKernel) return stateCacheState!;
  return airqStateLookup(k);
}

/** airqState() past its one-entry cache (out of line: the cached path inlines). */
function airqStateLookup(k: Kernel): AirqState {
  let s = k.subsys.get(AIRQ_STATE_KEY) as AirqState | undefined;
  if (!s) {
    s = {
      mem: kernelPhysMem(k),
      lists: new Array<AirqStruct | null>(MAX_ISC + 1).fill(null),
      iscRefs: new Uint32Array(MAX_ISC + 1),
      cr6: 0,
      onCr6Change: null,
      airqIvCache: null,
      rcuReaders: 0,
      lockRegistry: null,
    };
    k.subsys.set(AIRQ_STATE_KEY, s);
  }
  stateCacheKernel = k;
  stateCacheState = s;
  return s;
}

/* --------------------------------------------------------------- sanitizers */

const REPORTED_UAF = 1;
const REPORTED_OOB = 2;

function kasanReport(k: Kernel, kind: 'use-after-free' | 'out-of-bounds', text: string): void {
  const chain = modelCallChain(new Error().stack, 2);
  k.sim.log.printk('err', '==================================================================');
  k.sim.log.printk('err', text);
  k.sim.findings.add(kind, text, chain);
}

function ivName(iv: AirqIv): string {
  return `airq_iv ${iv.tag} (vector 0x${iv.vector.toString(16)}, ${iv.bits} bits)`;
}

/** Report a kernel access to a released iv (first time per iv). */
function ivUseAfterFree(k: Kernel, iv: AirqIv, fn: string): void {
  if (iv.reported & REPORTED_UAF) return;
  iv.reported |= REPORTED_UAF;
  kasanReport(
    k,
    'use-after-free',
    `BUG: KASAN: slab-use-after-free in ${fn}: access to released ${ivName(iv)} on CPU ${k.currentCpu}`,
  );
}

/** Report an index beyond iv->bits (first time per iv). */
function ivOutOfBounds(k: Kernel, iv: AirqIv, fn: string, what: string, bit: number): void {
  if (iv.reported & REPORTED_OOB) return;
  iv.reported |= REPORTED_OOB;
  kasanReport(
    k,
    'out-of-bounds',
    `BUG: KASAN: slab-out-of-bounds in ${fn}: ${what} bit ${bit} of ${ivName(iv)} on CPU ${k.currentCpu}`,
  );
}

/** Can `base + bit/8` be addressed in PhysMem at all? (C would touch it; the model must be able to.) */
function addressable(mem: PhysMem, base: number, bit: number): boolean {
  return Number.isInteger(bit) && bit >= 0 && base + (bit >>> 3) < mem.size && bit < 0x100000000;
}

/** BITS_TO_LONGS(bits) * sizeof(unsigned long) */
function ivSize(bits: number): number {
  return Math.ceil(bits / BITS_PER_LONG) * 8;
}

/* ----------------------------------------------------------- airq_iv_cache */

// kernel: airq_init()
export function airqInit(k: Kernel): number {
  const s = airqState(k);
  if (k.sim.faults.shouldFail(FP_AIRQ_INIT)) return -ENOMEM;
  s.airqIvCache = {
    name: 'airq_iv_cache',
    size: CACHE_LINE_SIZE,
    align: CACHE_LINE_SIZE,
    nrActive: 0,
    nrAllocs: 0,
  };
  return 0;
}

/**
 * kernel: dma_pool_zalloc(airq_iv_cache) — one zeroed, cacheline-aligned element. Each element
 * is a PhysMem region of its own, freed to the quarantine on dma_pool_free, so stale firmware
 * writes into a released cacheline vector show up as DMA after free.
 */
function airqIvCacheAlloc(s: AirqState, tag: string): number {
  const c = s.airqIvCache!;
  const addr = s.mem.alloc(c.size, c.align, `${c.name}: ${tag}`);
  c.nrActive++;
  c.nrAllocs++;
  return addr;
}

// kernel: dma_pool_free(airq_iv_cache)
function airqIvCacheFree(k: Kernel, s: AirqState, addr: number): void {
  const c = s.airqIvCache;
  if (!c || !s.mem.free(addr)) {
    kasanReport(
      k,
      'use-after-free',
      `BUG: KASAN: double-free in dma_pool_free: airq_iv_cache 0x${addr.toString(16)}`,
    );
    return;
  }
  c.nrActive--;
}

/** kernel: cio_dma_zalloc() / kzalloc() / kmalloc() — model allocations in PhysMem, zeroed. */
function dmaZalloc(mem: PhysMem, size: number, tag: string): number {
  return mem.alloc(size, 8, tag);
}

function dmaFree(k: Kernel, mem: PhysMem, addr: number, fn: string): void {
  if (addr === 0) return; // kfree(NULL)
  if (!mem.free(addr)) {
    kasanReport(k, 'use-after-free', `BUG: KASAN: double-free in ${fn}: 0x${addr.toString(16)}`);
  }
}

/* ------------------------------------------------------- create / release */

/**
 * kernel: airq_iv_create() — returns the iv or null. `vec` is the GUESTVEC address.
 * `tag` (model only) names the PhysMem regions in reports.
 */
export function airqIvCreate(
  k: Kernel,
  bits: number,
  flags: number,
  vec: number | null,
  tag = 'airq_iv',
): AirqIv | null {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_CREATE);
  // kzalloc(sizeof(*iv))
  if (k.sim.faults.shouldFail(FP_AIRQ_IV_CREATE)) return null;
  const s = airqState(k);
  const mem = s.mem;
  const iv: AirqIv = {
    vector: 0,
    vectorDma: 0,
    avail: 0,
    bitlock: 0,
    ptr: null,
    data: null,
    bits,
    end: 0,
    flags,
    lock: { owner: -1 },
    mem,
    freed: false,
    tag,
    bitlockOwner: null,
    reported: 0,
    airq: s,
  };
  const size = ivSize(bits);

  if (flags & AIRQ_IV_CACHELINE) {
    if (CACHE_LINE_SIZE * BITS_PER_BYTE < bits || !s.airqIvCache) {
      iv.freed = true; // out_free: kfree(iv)
      return null;
    }
    iv.vector = airqIvCacheAlloc(s, `${tag} vector`);
    iv.vectorDma = iv.vector;
  } else if (flags & AIRQ_IV_GUESTVEC) {
    iv.vector = vec ?? 0;
  } else {
    iv.vector = dmaZalloc(mem, size, `airq_iv_create: ${tag} vector`);
  }
  if (flags & AIRQ_IV_ALLOC) {
    iv.avail = dmaZalloc(mem, size, `airq_iv_create: ${tag} avail`);
    mem.u8.fill(0xff, iv.avail, iv.avail + size);
    iv.end = 0;
  } else {
    iv.end = bits;
  }
  if (flags & AIRQ_IV_BITLOCK) {
    iv.bitlock = dmaZalloc(mem, size, `airq_iv_create: ${tag} bitlock`);
    iv.bitlockOwner = new Int32Array(bits).fill(-1);
  }
  if (flags & AIRQ_IV_PTR) iv.ptr = new Uint32Array(bits * 2);
  if (flags & AIRQ_IV_DATA) iv.data = new Uint32Array(bits);
  // spin_lock_init(&iv->lock)
  if (k.sim.trace.enabled) {
    k.sim.trace.emit(k.currentCpu, 'airq_iv_create', { tag, bits, flags, vector: iv.vector });
  }
  return iv;
}

// kernel: airq_iv_release()
export function airqIvRelease(k: Kernel, iv: AirqIv): void {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_RELEASE);
  if (iv.freed) {
    kasanReport(k, 'use-after-free', `BUG: KASAN: double-free in airq_iv_release: ${ivName(iv)}`);
    return;
  }
  const s = airqState(k);
  // kfree(iv->data); kfree(iv->ptr); kfree(iv->bitlock) — the JS arrays stay readable (stale)
  dmaFree(k, iv.mem, iv.bitlock, 'airq_iv_release');
  if (iv.flags & AIRQ_IV_CACHELINE) airqIvCacheFree(k, s, iv.vector);
  else if (!(iv.flags & AIRQ_IV_GUESTVEC)) dmaFree(k, iv.mem, iv.vector, 'airq_iv_release');
  dmaFree(k, iv.mem, iv.avail, 'airq_iv_release');
  iv.freed = true; // kfree(iv)
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'airq_iv_release', { tag: iv.tag });
}

/* ------------------------------------------------------------ alloc / free */

function spinLockIrqsave(k: Kernel, lock: ModelSpinlock, fn: string): void {
  if (lock.owner !== -1) {
    // Another context on the stack below holds it: in C this CPU would spin for ever.
    lockup(k, `${fn}: iv->lock held by CPU ${lock.owner}`);
  }
  lock.owner = k.currentCpu;
}

/** `skip`: frames below the lockup report (2: lockup and its caller; 3 from a helper of the caller). */
function lockup(k: Kernel, what: string, skip = 2): never {
  const chain = modelCallChain(new Error().stack, skip);
  const text = `watchdog: BUG: soft lockup - CPU#${k.currentCpu} stuck: ${what}`;
  k.sim.log.printk('emerg', text);
  throw new KernelOops(k.sim.findings.add('BUG', text, chain));
}

/**
 * kernel: airq_iv_alloc() — first-fit block of `num` consecutive free bits; moves
 * `end` to bit + num + 1 when the block reaches it. AIRQ_IV_NONE when none fits,
 * when `num` is 0 or when the iv has no AIRQ_IV_ALLOC bitmap.
 */
export function airqIvAlloc(k: Kernel, iv: AirqIv, num: number): number {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_ALLOC);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_alloc');
  if (!iv.avail || num === 0) return AIRQ_IV_NONE;
  if (k.sim.faults.shouldFail(FP_AIRQ_IV_ALLOC)) return AIRQ_IV_NONE;
  const mem = iv.mem;
  const bits = iv.bits;
  spinLockIrqsave(k, iv.lock, 'airq_iv_alloc');
  let bit = mem.findNextBit(iv.avail, bits, 0); // find_first_bit_inv(iv->avail, iv->bits)
  let i = 0;
  while (bit + num <= bits) {
    for (i = 1; i < num; i++) if (!mem.testBit(iv.avail, bit + i)) break;
    if (i >= num) {
      for (i = 0; i < num; i++) mem.clearBit(iv.avail, bit + i);
      if (bit + num >= iv.end) iv.end = bit + num + 1;
      break;
    }
    bit = mem.findNextBit(iv.avail, bits, bit + i + 1);
  }
  if (bit + num > bits) bit = AIRQ_IV_NONE;
  iv.lock.owner = -1;
  if (k.sim.trace.enabled) {
    k.sim.trace.emit(k.currentCpu, 'airq_iv_alloc', { tag: iv.tag, num, bit, end: iv.end });
  }
  return bit;
}

/** kernel: airq_iv_alloc_bit() */
export function airqIvAllocBit(k: Kernel, iv: AirqIv): number {
  return airqIvAlloc(k, iv, 1);
}

/**
 * kernel: airq_iv_free() — clears the (possibly pending) vector bits and marks them
 * free; no check that they were allocated. The `end` recomputation runs only when
 * bit + num >= end and then walks down over *allocated* bits, so for any block the
 * allocator handed out it never runs: `end` is a monotonic high-water mark.
 */
export function airqIvFree(k: Kernel, iv: AirqIv, bit: number, num: number): void {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_FREE);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_free');
  if (!iv.avail || num === 0) return;
  const mem = iv.mem;
  spinLockIrqsave(k, iv.lock, 'airq_iv_free');
  for (let i = 0; i < num; i++) {
    const b = bit + i;
    if (b >= iv.bits || b < 0) {
      ivOutOfBounds(k, iv, 'airq_iv_free', 'write to', b);
      if (!addressable(mem, iv.vector, b) || !addressable(mem, iv.avail, b)) continue;
    }
    mem.clearBit(iv.vector, b); // clear (possibly left over) interrupt bit
    mem.setBit(iv.avail, b); // make the bit position available again
  }
  if (bit + num >= iv.end) {
    while (iv.end > 0 && !mem.testBit(iv.avail, iv.end - 1)) iv.end--;
  }
  iv.lock.owner = -1;
  if (k.sim.trace.enabled) {
    k.sim.trace.emit(k.currentCpu, 'airq_iv_free', { tag: iv.tag, bit, num, end: iv.end });
  }
}

/** kernel: airq_iv_free_bit() */
export function airqIvFreeBit(k: Kernel, iv: AirqIv, bit: number): void {
  airqIvFree(k, iv, bit, 1);
}

/* --------------------------------------------------------------------- scan */

/**
 * kernel: airq_iv_scan() — the first set vector bit in [start, end), MSB-0 ascending;
 * clears it and returns its number, or AIRQ_IV_NONE. Find and clear are two steps
 * (a preemption point sits between them), so two CPUs can return the same bit.
 */
export function airqIvScan(k: Kernel, iv: AirqIv, start: number, end: number): number {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_SCAN);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_scan');
  const mem = iv.mem;
  // find_next_bit_inv reads whole longs: beyond the allocation only when end > words * 64
  const allocBits = ((iv.bits + 63) >>> 6) << 6; // DIV_ROUND_UP(bits, 64) * 64
  if (end > allocBits && start < end) {
    ivOutOfBounds(k, iv, 'airq_iv_scan', 'read of', Math.max(allocBits, start));
  }
  const bit = mem.findNextBit(iv.vector, end, start);
  if (bit >= end) return AIRQ_IV_NONE;
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_SCAN_CLEAR);
  mem.clearBit(iv.vector, bit); // clear_bit_inv(bit, iv->vector)
  return bit;
}

/** kernel: airq_iv_end() */
export function airqIvEnd(k: Kernel, iv: AirqIv): number {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_END);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_end');
  return iv.end;
}

/* -------------------------------------------------------------- bit locks */

/**
 * kernel: airq_iv_lock() — bit_spin_lock(bit ^ (BITS_PER_LONG - 1), iv->bitlock), i.e.
 * MSB-0 bit `bit` of the bitlock bitmap. A bit held by another CPU spins through the
 * scheduler's preemption point; with no scheduler, or a holder that never lets go
 * (the holder is suspended below this frame), or a re-lock on the same CPU, the CPU
 * would spin for ever: soft lockup BUG, the run stops.
 */
export function airqIvLock(k: Kernel, iv: AirqIv, bit: number): void {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_LOCK);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_lock');
  if (!iv.bitlock) oops(k, 'NULL iv->bitlock', 'airq_iv_lock');
  const mem = iv.mem;
  const inRange = bit >= 0 && bit < iv.bits;
  if (!inRange) {
    ivOutOfBounds(k, iv, 'airq_iv_lock', 'lock', bit);
    if (!addressable(mem, iv.bitlock, bit)) return;
  }
  if (mem.testAndSetBit(iv.bitlock, bit)) airqIvLockSpin(k, iv, bit, inRange);
  if (inRange) iv.bitlockOwner![bit] = k.currentCpu;
  const reg = iv.airq.lockRegistry;
  if (reg?.active) reg.lock(airqIvBitlockName(iv, bit), k.currentCpu);
}

/**
 * airq_iv_lock(): the bit is held; spin until test_and_set finds it free (out of line: the
 * uncontended lock stays small enough to inline). Same steps and lockup report as inline.
 */
function airqIvLockSpin(k: Kernel, iv: AirqIv, bit: number, inRange: boolean): void {
  const mem = iv.mem;
  let spins = 0;
  do {
    const owner = inRange ? iv.bitlockOwner![bit]! : -1;
    if (owner === k.currentCpu || !k.preemptPoint || ++spins > AIRQ_IV_LOCK_SPIN_LIMIT) {
      lockup(k, `airq_iv_lock(${iv.tag}, ${bit}) held by CPU ${owner}`, 3);
    }
    k.preemptPoint(k, PP_AIRQ_IV_LOCK_SPIN);
  } while (mem.testAndSetBit(iv.bitlock, bit));
}

/** kernel: airq_iv_unlock() — bit_spin_unlock(); unlocking a free bit is a BUG (CONFIG_DEBUG_SPINLOCK). */
export function airqIvUnlock(k: Kernel, iv: AirqIv, bit: number): void {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_UNLOCK);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_unlock');
  if (!iv.bitlock) oops(k, 'NULL iv->bitlock', 'airq_iv_unlock');
  const mem = iv.mem;
  const inRange = bit >= 0 && bit < iv.bits;
  if (!inRange) {
    ivOutOfBounds(k, iv, 'airq_iv_unlock', 'unlock', bit);
    if (!addressable(mem, iv.bitlock, bit)) return;
  }
  if (!mem.testAndClearBit(iv.bitlock, bit)) bitSpinUnlockBug(k, iv, bit);
  if (inRange) iv.bitlockOwner![bit] = -1;
  const reg = iv.airq.lockRegistry;
  if (reg?.active) reg.unlock(airqIvBitlockName(iv, bit), k.currentCpu);
}

/** airq_iv_unlock() of a free bit: BUG (out of line; the call chain starts at the unlocker's caller, as inline). */
function bitSpinUnlockBug(k: Kernel, iv: AirqIv, bit: number): never {
  const chain = modelCallChain(new Error().stack, 2);
  const text = 'kernel BUG at include/linux/bit_spinlock.h:bit_spin_unlock!';
  k.sim.log.printk('emerg', text);
  throw new KernelOops(k.sim.findings.add('BUG', `${text} (airq_iv_unlock ${iv.tag} bit ${bit})`, chain));
}

/* --------------------------------------------------------- ptr / data slots */

/** kernel: airq_iv_set_ptr() — ptr[bit] = (hi << 32) | lo. */
export function airqIvSetPtr(k: Kernel, iv: AirqIv, bit: number, hi: number, lo: number): void {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_PTR);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_set_ptr');
  const p = iv.ptr;
  if (!p) oops(k, 'NULL iv->ptr', 'airq_iv_set_ptr');
  if (bit >= 0 && bit < iv.bits) {
    p[bit * 2] = hi;
    p[bit * 2 + 1] = lo;
  } else {
    ivOutOfBounds(k, iv, 'airq_iv_set_ptr', 'write to ptr[]', bit);
  }
}

/** kernel: airq_iv_get_ptr() — upper 32 bits of ptr[bit] (0 beyond the array). */
export function airqIvGetPtrHi(k: Kernel, iv: AirqIv, bit: number): number {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_PTR);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_get_ptr');
  const p = iv.ptr;
  if (!p) oops(k, 'NULL iv->ptr', 'airq_iv_get_ptr');
  if (bit >= 0 && bit < iv.bits) return p[bit * 2]!;
  ivOutOfBounds(k, iv, 'airq_iv_get_ptr', 'read of ptr[]', bit);
  return 0;
}

/** kernel: airq_iv_get_ptr() — lower 32 bits of ptr[bit] (0 beyond the array). No preemption point (pairs with Hi). */
export function airqIvGetPtrLo(k: Kernel, iv: AirqIv, bit: number): number {
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_get_ptr');
  const p = iv.ptr;
  if (!p) oops(k, 'NULL iv->ptr', 'airq_iv_get_ptr');
  if (bit >= 0 && bit < iv.bits) return p[bit * 2 + 1]!;
  ivOutOfBounds(k, iv, 'airq_iv_get_ptr', 'read of ptr[]', bit);
  return 0;
}

/** Setup-path form of airq_iv_set_ptr() with a u64 bigint. */
export function airqIvSetPtr64(k: Kernel, iv: AirqIv, bit: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  airqIvSetPtr(k, iv, bit, Number(u >> 32n), Number(u & 0xffffffffn));
}

/** Setup-path form of airq_iv_get_ptr() returning the u64 as a bigint. */
export function airqIvGetPtr64(k: Kernel, iv: AirqIv, bit: number): bigint {
  return hwirqJoin(airqIvGetPtrHi(k, iv, bit), airqIvGetPtrLo(k, iv, bit));
}

/** kernel: airq_iv_set_data() */
export function airqIvSetData(k: Kernel, iv: AirqIv, bit: number, data: number): void {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_DATA);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_set_data');
  const d = iv.data;
  if (!d) oops(k, 'NULL iv->data', 'airq_iv_set_data');
  if (bit >= 0 && bit < iv.bits) d[bit] = data;
  else ivOutOfBounds(k, iv, 'airq_iv_set_data', 'write to data[]', bit);
}

/** kernel: airq_iv_get_data() — 0 beyond the array. */
export function airqIvGetData(k: Kernel, iv: AirqIv, bit: number): number {
  if (k.preemptArmed) k.preemptPoint!(k, PP_AIRQ_IV_DATA);
  if (iv.freed) ivUseAfterFree(k, iv, 'airq_iv_get_data');
  const d = iv.data;
  if (!d) oops(k, 'NULL iv->data', 'airq_iv_get_data');
  if (bit >= 0 && bit < iv.bits) return d[bit]!;
  ivOutOfBounds(k, iv, 'airq_iv_get_data', 'read of data[]', bit);
  return 0;
}

/* ------------------------------------------- model-only inspection helpers */

/** Model only (no kernel counterpart, no sanitizer): is vector bit `bit` set? */
export function airqIvTestBit(iv: AirqIv, bit: number): boolean {
  return iv.mem.testBit(iv.vector, bit);
}

/** Model only: is `bit` free in the allocation bitmap? (false without AIRQ_IV_ALLOC) */
export function airqIvBitAvail(iv: AirqIv, bit: number): boolean {
  return iv.avail !== 0 && iv.mem.testBit(iv.avail, bit);
}

/** Model only: is the bit lock of `bit` held? */
export function airqIvBitLocked(iv: AirqIv, bit: number): boolean {
  return iv.bitlock !== 0 && iv.mem.testBit(iv.bitlock, bit);
}

/** Model only: bytes of the vector as firmware sees them (for views and tests). */
export function airqIvVectorBytes(iv: AirqIv): Uint8Array {
  return iv.mem.u8.slice(iv.vector, iv.vector + ivSize(iv.bits));
}

/* ----------------------------------------------------- isc.c: CR6 refcounts */

// kernel: isc_register()
export function iscRegister(k: Kernel, isc: number): void {
  const s = airqState(k);
  if (isc > MAX_ISC || isc < 0) {
    warn(k, 'drivers/s390/cio/isc.c isc_register', 'WARN_ON(1)');
    return;
  }
  if (s.iscRefs[isc] === 0) {
    s.cr6 = (s.cr6 | (0x80000000 >>> isc)) >>> 0; // system_ctl_set_bit(6, 31 - isc)
    s.onCr6Change?.(k, s.cr6);
  }
  s.iscRefs[isc]!++;
}

// kernel: isc_unregister()
export function iscUnregister(k: Kernel, isc: number): void {
  const s = airqState(k);
  if (isc > MAX_ISC || isc < 0 || s.iscRefs[isc] === 0) {
    warn(k, 'drivers/s390/cio/isc.c isc_unregister', 'WARN_ON(1)');
    return;
  }
  if (s.iscRefs[isc] === 1) {
    s.cr6 = (s.cr6 & ~(0x80000000 >>> isc)) >>> 0; // system_ctl_clear_bit(6, 31 - isc)
    s.onCr6Change?.(k, s.cr6);
  }
  s.iscRefs[isc]!--;
}

/* ------------------------------------------------ adapter handler lists */

// kernel: register_adapter_interrupt()
export function registerAdapterInterrupt(k: Kernel, airq: AirqStruct): number {
  if (!airq.handler || airq.isc > MAX_ISC) return -EINVAL;
  const s = airqState(k);
  if (!airq.lsiPtr) {
    // cio_dma_zalloc(1)
    if (k.sim.faults.shouldFail(FP_REGISTER_ADAPTER_INTERRUPT)) return -ENOMEM;
    airq.lsiPtr = dmaZalloc(s.mem, 1, `register_adapter_interrupt: lsi isc ${airq.isc}`);
    airq.flags |= AIRQ_PTR_ALLOCATED;
  }
  iscRegister(k, airq.isc);
  // hlist_add_head_rcu(&airq->list, &airq_lists[airq->isc])
  airq.next = s.lists[airq.isc] ?? null;
  airq.unhashed = false;
  s.lists[airq.isc] = airq;
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'register_adapter_interrupt', { isc: airq.isc });
  return 0;
}

/**
 * kernel: unregister_adapter_interrupt() — the removed node keeps its `next`, as
 * hlist_del_rcu() does, so a dispatcher walking the list below this frame carries on.
 * synchronize_rcu() is a no-op in the model (a reader suspended below cannot be waited for).
 */
export function unregisterAdapterInterrupt(k: Kernel, airq: AirqStruct): void {
  if (airq.unhashed) return;
  const s = airqState(k);
  // hlist_del_rcu(&airq->list)
  let p = s.lists[airq.isc] ?? null;
  if (p === airq) {
    s.lists[airq.isc] = airq.next;
  } else {
    while (p && p.next !== airq) p = p.next;
    if (p) p.next = airq.next;
  }
  airq.unhashed = true;
  // synchronize_rcu()
  iscUnregister(k, airq.isc);
  if (airq.flags & AIRQ_PTR_ALLOCATED) {
    dmaFree(k, s.mem, airq.lsiPtr, 'unregister_adapter_interrupt');
    airq.lsiPtr = 0;
    airq.flags &= ~AIRQ_PTR_ALLOCATED;
  }
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'unregister_adapter_interrupt', { isc: airq.isc });
}

/** Model only: the registered airq_structs of an ISC in list (dispatch) order. */
export function airqList(k: Kernel, isc: number): AirqStruct[] {
  const out: AirqStruct[] = [];
  for (let a = airqState(k).lists[isc] ?? null; a; a = a.next) out.push(a);
  return out;
}

/* ------------------------------------------------------------------ dispatch */

/** The s390_cio_adapter_int trace event (out of line: keeps do_airq_interrupt small). */
function traceAdapterInt(k: Kernel, isc: number, directed: boolean): void {
  k.sim.trace.emit(k.currentCpu, 's390_cio_adapter_int', { isc, directed });
}

/**
 * kernel: do_airq_interrupt() — walks airq_lists[tpi_info->isc] and calls every handler
 * whose lsi byte is nonzero. `tpiInfo` is get_irq_regs()->tpi_info (the arch entry
 * passes it). Allocates nothing.
 */
export function doAirqInterrupt(k: Kernel, tpiInfo: TpiInfo): IrqReturn {
  if (k.preemptArmed) k.preemptPoint!(k, PP_DO_AIRQ_INTERRUPT);
  // set_cpu_flag(CIF_NOHZ_DELAY)
  const s = airqState(k);
  const mem = s.mem;
  const isc = tpiInfo.isc & 7;
  if (k.sim.trace.enabled) traceAdapterInt(k, isc, tpiInfo.directed);
  s.rcuReaders++; // rcu_read_lock()
  for (let airq = s.lists[isc] ?? null; airq; airq = airq.next) {
    if (airq.lsiPtr === 0) oops(k, 'NULL airq->lsi_ptr', 'do_airq_interrupt');
    if (mem.u8[airq.lsiPtr] !== 0) airq.handler!(k, airq, tpiInfo);
  }
  s.rcuReaders--; // rcu_read_unlock()
  return IRQ_HANDLED;
}
