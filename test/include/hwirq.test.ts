// SPDX-License-Identifier: GPL-2.0-only
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hwirqHi, hwirqJoin, hwirqLo, lower32Bits, u64, upper32Bits } from '../../src/include/linux/hwirq.ts';

/** The u64 halves by bigint arithmetic only: what the fast paths must agree with. */
const hiRef = (v: bigint): number => Number(BigInt.asUintN(32, u64(v) >> 32n));
const loRef = (v: bigint): number => Number(BigInt.asUintN(32, v));

describe('u64 halves of a hwirq / address held as bigint', () => {
  it('agree with bigint arithmetic at the edges of the exact-Number range and of u64', () => {
    const edges = [
      0n,
      1n,
      0xffffffffn,
      0x100000000n,
      0xfe000000n, // the zPCI MSI address DWORD
      (1n << 53n) - 1n,
      1n << 53n,
      (1n << 53n) + 1n, // rounds to 2^53 as a double: must take the bigint path
      (1n << 64n) - 1n,
      1n << 64n, // wraps to 0 as C's unsigned long
      -1n, // (unsigned long)-1
      -(1n << 53n) - 1n,
    ];
    for (const v of edges) {
      expect([hwirqHi(v), hwirqLo(v)], String(v)).toEqual([hiRef(v), loRef(v)]);
      expect([upper32Bits(v), lower32Bits(v)]).toEqual([hiRef(v), loRef(v)]);
    }
    expect(hwirqHi((1n << 53n) + 1n)).toBe(0x200000);
    expect(hwirqLo((1n << 53n) + 1n)).toBe(1);
  });

  it('agree with bigint arithmetic for any 70-bit signed value, and join back to u64', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), (v) => {
        expect([hwirqHi(v), hwirqLo(v)]).toEqual([hiRef(v), loRef(v)]);
        expect(hwirqJoin(hwirqHi(v), hwirqLo(v))).toBe(u64(v));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
});
