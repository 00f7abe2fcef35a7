// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { PhysMem } from '../../src/hw/s390x/memory.ts';

/** find_next_bit_inv, one bit at a time (the reference). */
function naive(mem: PhysMem, base: number, end: number, start: number): number {
  for (let b = start; b < end; b++) if (mem.testBit(base, b)) return b;
  return end;
}

describe('PhysMem.findNextBit', () => {
  it('agrees with a bit-by-bit scan for every start/end over sparse and dense vectors', () => {
    const mem = new PhysMem(1 << 16);
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    let checked = 0;
    for (const base of [0x100, 0x101, 0x103]) {
      for (let round = 0; round < 40; round++) {
        mem.u8.fill(0, base, base + 32);
        const nset = round % 8;
        for (let i = 0; i < nset; i++) mem.setBit(base, rnd() % 256);
        for (let start = 0; start < 256; start += 1 + (rnd() % 5)) {
          for (const end of [start, start + 1, start + 7, 64, 129, 256]) {
            if (end < start) continue;
            expect(mem.findNextBit(base, end, start)).toBe(naive(mem, base, end, start));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10000);
  });

  it('returns end when the first set bit of the byte lies at or beyond end', () => {
    const mem = new PhysMem(1 << 16);
    mem.setBit(0x200, 5);
    expect(mem.findNextBit(0x200, 5, 0)).toBe(5);
    expect(mem.findNextBit(0x200, 4, 0)).toBe(4);
    expect(mem.findNextBit(0x200, 6, 0)).toBe(5);
    expect(mem.findNextBit(0x200, 8, 6)).toBe(8);
  });
});
