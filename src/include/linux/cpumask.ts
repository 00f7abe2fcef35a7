// SPDX-License-Identifier: GPL-2.0-only
/**
 * struct cpumask as a fixed-size bitmap of NR_CPUS bits. Operations mirror
 * include/linux/cpumask.h.
 *
 * Storage is copy-on-write: cpumask_copy() (and cpumask_and() whose result equals one of
 * its operands) lets the destination share the source's words instead of copying them,
 * and marks the words shared; a later write to either mask first gives that mask its
 * own words (only if the write changes a bit). The shared mark lives in the words (one
 * element past the NR_CPUS_MAX bits), so a mask is one field: 8 bytes less per mask. Every reader sees exactly the bits the
 * kernel's mask would hold. Thousands of IRQs whose affinity is the online mask thus
 * hold no words of their own. Write `bits` directly only on a mask from cpumaskCreate()
 * that has not been shared yet (the Kernel constructor does); everything else goes
 * through the functions below.
 *
 * Allocation: cpumaskCreate() allocates the words; cpumaskAlloc() does not (it shares the
 * all-zero words); a write to a shared mask allocates once. Reads never allocate.
 */
export const NR_CPUS_MAX = 512;
const WORDS = NR_CPUS_MAX / 32;
/** Index of the shared mark in a mask's words: nonzero = the words may be referenced by several masks. */
const SHARED = WORDS;

export interface Cpumask {
  /**
   * The NR_CPUS_MAX bits, 32 per word (LSB first), then the shared mark (`bits[NR_CPUS_MAX / 32]`
   * nonzero: the words may be referenced by another mask too, and are never written in place —
   * a write replaces them first).
   */
  bits: Uint32Array;
}

/** Whether the mask's words may be referenced by another mask (a write must replace them first). */
function isShared(m: Cpumask): boolean {
  return m.bits[SHARED] !== 0;
}

/** The all-zero words every cpumaskAlloc() mask starts with (never written: always shared). */
const ZERO_WORDS = new Uint32Array(WORDS + 1);
ZERO_WORDS[SHARED] = 1;

/** A mask with its own (writable) words, with `cpus` set. */
export function cpumaskCreate(...cpus: number[]): Cpumask {
  const m: Cpumask = { bits: new Uint32Array(WORDS + 1) };
  for (const c of cpus) cpumaskSetCpu(c, m);
  return m;
}

/** kernel: zalloc_cpumask_var() — an empty mask that shares the zero words (no allocation). */
export function cpumaskAlloc(): Cpumask {
  return { bits: ZERO_WORDS };
}

/** Give a shared mask its own copy of its words before a write. */
function unshare(m: Cpumask): Uint32Array {
  const b = new Uint32Array(m.bits);
  b[SHARED] = 0;
  m.bits = b;
  return b;
}

// kernel: cpumask_set_cpu()
export function cpumaskSetCpu(cpu: number, m: Cpumask): void {
  const i = cpu >>> 5;
  const bit = 1 << (cpu & 31);
  let b = m.bits;
  if (b[SHARED] !== 0) {
    if ((b[i]! & bit) !== 0 || i >= WORDS) return;
    b = unshare(m);
  }
  b[i]! |= bit;
}

// kernel: cpumask_clear_cpu()
export function cpumaskClearCpu(cpu: number, m: Cpumask): void {
  const i = cpu >>> 5;
  const bit = 1 << (cpu & 31);
  let b = m.bits;
  if (b[SHARED] !== 0) {
    if ((b[i]! & bit) === 0 || i >= WORDS) return;
    b = unshare(m);
  }
  b[i]! &= ~bit;
}

// kernel: cpumask_test_cpu()
export function cpumaskTestCpu(cpu: number, m: Cpumask): boolean {
  if (cpu < 0 || cpu >= NR_CPUS_MAX) return false;
  return (m.bits[cpu >>> 5]! & (1 << (cpu & 31))) !== 0;
}

// kernel: cpumask_clear()
export function cpumaskClear(m: Cpumask): void {
  if (isShared(m)) {
    m.bits = ZERO_WORDS;
    return;
  }
  m.bits.fill(0, 0, WORDS);
}

// kernel: cpumask_copy()
export function cpumaskCopy(dst: Cpumask, src: Cpumask): void {
  if (dst === src) return;
  const b = src.bits;
  b[SHARED] = 1;
  dst.bits = b;
}

/** kernel: cpumask_first() — NR_CPUS_MAX (>= nr_cpu_ids) when empty. */
export function cpumaskFirst(m: Cpumask): number {
  return cpumaskNext(-1, m);
}

// kernel: cpumask_next()
export function cpumaskNext(prev: number, m: Cpumask): number {
  for (let c = prev + 1; c < NR_CPUS_MAX; c++) {
    const w = m.bits[c >>> 5]!;
    if (w === 0) {
      c |= 31;
      continue;
    }
    if (w & (1 << (c & 31))) return c;
  }
  return NR_CPUS_MAX;
}

// kernel: cpumask_weight()
export function cpumaskWeight(m: Cpumask): number {
  let n = 0;
  for (let i = 0; i < WORDS; i++) {
    let w = m.bits[i]!;
    while (w) {
      w &= w - 1;
      n++;
    }
  }
  return n;
}

// kernel: cpumask_empty()
export function cpumaskEmpty(m: Cpumask): boolean {
  for (let i = 0; i < WORDS; i++) if (m.bits[i] !== 0) return false;
  return true;
}

/**
 * kernel: cpumask_and() — returns whether the result is non-empty. A result equal to an
 * operand shares that operand's words; otherwise dst gets its own words if it shared.
 */
export function cpumaskAnd(dst: Cpumask, a: Cpumask, b: Cpumask): boolean {
  const ab = a.bits;
  const bb = b.bits;
  let any = 0;
  let eqA = true;
  let eqB = true;
  for (let i = 0; i < WORDS; i++) {
    const x = ab[i]!;
    const y = bb[i]!;
    const w = x & y;
    any |= w;
    if (w !== x) eqA = false;
    if (w !== y) eqB = false;
  }
  if (eqA || eqB) {
    const src = eqA ? a : b;
    if (dst !== src && dst.bits !== src.bits) {
      const w = src.bits;
      w[SHARED] = 1;
      dst.bits = w;
    }
    return any !== 0;
  }
  const d = isShared(dst) ? unshare(dst) : dst.bits;
  for (let i = 0; i < WORDS; i++) d[i] = ab[i]! & bb[i]!;
  return any !== 0;
}

// kernel: cpumask_equal()
export function cpumaskEqual(a: Cpumask, b: Cpumask): boolean {
  if (a.bits === b.bits) return true;
  for (let i = 0; i < WORDS; i++) if (a.bits[i] !== b.bits[i]) return false;
  return true;
}

// kernel: cpumask_intersects()
export function cpumaskIntersects(a: Cpumask, b: Cpumask): boolean {
  for (let i = 0; i < WORDS; i++) if ((a.bits[i]! & b.bits[i]!) !== 0) return true;
  return false;
}

/** CPU numbers in the mask, ascending. */
export function cpumaskList(m: Cpumask): number[] {
  const out: number[] = [];
  for (let c = cpumaskFirst(m); c < NR_CPUS_MAX; c = cpumaskNext(c, m)) out.push(c);
  return out;
}

/** The kernel's %*pbl format: "0-3,5". */
export function cpumaskPrintList(m: Cpumask): string {
  const cpus = cpumaskList(m);
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The kernel's %*pb format (hex words, comma separated per 32 bits) for nr_cpu_ids CPUs. */
export function cpumaskPrintHex(m: Cpumask, nrCpuIds: number): string {
  const words = Math.max(1, Math.ceil(nrCpuIds / 32));
  const parts: string[] = [];
  for (let i = words - 1; i >= 0; i--) {
    let w = m.bits[i]! >>> 0;
    const bitsInWord = Math.min(32, nrCpuIds - i * 32);
    if (bitsInWord < 32) w &= (1 << bitsInWord) - 1;
    const digits = i === words - 1 ? Math.max(1, Math.ceil(bitsInWord / 4)) : 8;
    parts.push(w.toString(16).padStart(digits, '0'));
  }
  return parts.join(',');
}
