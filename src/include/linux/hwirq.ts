// SPDX-License-Identifier: GPL-2.0-only
/**
 * irq_hw_number_t (unsigned long: 64 bits on s390) held exactly. Setup paths use
 * bigint with C's u64 wrap-around; the delivery path carries the two u32 halves.
 */

/** Truncate to u64 as a C assignment to unsigned long would. */
export function u64(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

/**
 * 2^53: below it a hwirq converts to a Number exactly (no bigint arithmetic needed). The test
 * is made on Number(v) (a conversion, cheaper than two bigint comparisons): rounding is
 * monotonic and 2^53 is a double, so Number(v) is in [0, 2^53) exactly when v is.
 */
const EXACT = 9007199254740992;

/**
 * A u32 as a small integer when it is below 2^31 (the same value): a double computed here and
 * stored in an object field (irq_data's hwirq halves) would make V8 box that field in every
 * object of the shape.
 */
function u32Value(v: number): number {
  return v < 0x80000000 ? v | 0 : v;
}

/** Upper 32 bits of the u64 value of `v` (= ((u64)v >> 32) & 0xffffffff). */
export function hwirqHi(v: bigint): number {
  const n = Number(v);
  if (n >= 0 && n < EXACT) return u32Value(Math.floor(n / 4294967296));
  return u32Value(Number(BigInt.asUintN(32, v >> 32n)));
}

/** Lower 32 bits of the u64 value of `v`. */
export function hwirqLo(v: bigint): number {
  const n = Number(v);
  if (n >= 0 && n < EXACT) return u32Value(n % 4294967296);
  return u32Value(Number(BigInt.asUintN(32, v)));
}

/** kernel: upper_32_bits() of a u64 held as bigint (no bigint arithmetic below 2^53). */
export const upper32Bits: (v: bigint) => number = hwirqHi;

/** kernel: lower_32_bits() of a u64 held as bigint. */
export const lower32Bits: (v: bigint) => number = hwirqLo;

export function hwirqJoin(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** `0x%lx` */
export function hwirqHex(hi: number, lo: number): string {
  return `0x${hwirqJoin(hi, lo).toString(16)}`;
}
