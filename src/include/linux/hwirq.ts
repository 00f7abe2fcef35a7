// SPDX-License-Identifier: GPL-2.0-only
/**
 * irq_hw_number_t (unsigned long: 64 bits on s390) held exactly. Setup paths use
 * bigint with C's u64 wrap-around; the delivery path carries the two u32 halves.
 */
const U32 = 0xffffffffn;

/** Truncate to u64 as a C assignment to unsigned long would. */
export function u64(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

export function hwirqHi(v: bigint): number {
  return Number((u64(v) >> 32n) & U32);
}

export function hwirqLo(v: bigint): number {
  return Number(u64(v) & U32);
}

export function hwirqJoin(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** `0x%lx` */
export function hwirqHex(hi: number, lo: number): string {
  return `0x${hwirqJoin(hi, lo).toString(16)}`;
}
