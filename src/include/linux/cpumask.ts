// SPDX-License-Identifier: GPL-2.0-only
/**
 * struct cpumask as a fixed-size bitmap of NR_CPUS bits. Operations mirror
 * include/linux/cpumask.h; none allocates except cpumaskCreate().
 */
export const NR_CPUS_MAX = 512;
const WORDS = NR_CPUS_MAX / 32;

export interface Cpumask {
  readonly bits: Uint32Array;
}

export function cpumaskCreate(...cpus: number[]): Cpumask {
  const m = { bits: new Uint32Array(WORDS) };
  for (const c of cpus) cpumaskSetCpu(c, m);
  return m;
}

// kernel: cpumask_set_cpu()
export function cpumaskSetCpu(cpu: number, m: Cpumask): void {
  m.bits[cpu >>> 5]! |= 1 << (cpu & 31);
}

// kernel: cpumask_clear_cpu()
export function cpumaskClearCpu(cpu: number, m: Cpumask): void {
  m.bits[cpu >>> 5]! &= ~(1 << (cpu & 31));
}

// kernel: cpumask_test_cpu()
export function cpumaskTestCpu(cpu: number, m: Cpumask): boolean {
  if (cpu < 0 || cpu >= NR_CPUS_MAX) return false;
  return (m.bits[cpu >>> 5]! & (1 << (cpu & 31))) !== 0;
}

// kernel: cpumask_clear()
export function cpumaskClear(m: Cpumask): void {
  m.bits.fill(0);
}

// kernel: cpumask_copy()
export function cpumaskCopy(dst: Cpumask, src: Cpumask): void {
  dst.bits.set(src.bits);
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

/** kernel: cpumask_and() — returns whether the result is non-empty. */
export function cpumaskAnd(dst: Cpumask, a: Cpumask, b: Cpumask): boolean {
  let any = 0;
  for (let i = 0; i < WORDS; i++) {
    const w = a.bits[i]! & b.bits[i]!;
    dst.bits[i] = w;
    any |= w;
  }
  return any !== 0;
}

// kernel: cpumask_equal()
export function cpumaskEqual(a: Cpumask, b: Cpumask): boolean {
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
