// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import type { IrqData } from '../../../src/include/linux/irq.ts';
import { RevmapLeaf } from '../../../src/kernel/irq/irqdomain.ts';

/** A stand-in irq_data per key (only identity matters). */
function data(lo: number): IrqData {
  return { irq: lo } as unknown as IrqData;
}

describe('RevmapLeaf behaves as a Map<lo, irq_data>', () => {
  it('matches a Map over a seeded sequence of set/delete/clear, iteration order included', () => {
    const leaf = new RevmapLeaf();
    const ref = new Map<number, IrqData>();
    const objs = new Map<number, IrqData>();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 4000; step++) {
      const op = rnd(10);
      const lo = rnd(5) === 0 ? 4096 + rnd(64) : rnd(96);
      if (!objs.has(lo)) objs.set(lo, data(lo));
      if (op < 6) {
        leaf.set(lo, objs.get(lo)!);
        ref.set(lo, objs.get(lo)!);
      } else if (op < 9) {
        expect(leaf.delete(lo)).toBe(ref.delete(lo));
      } else if (rnd(20) === 0) {
        leaf.clear();
        ref.clear();
      }
      expect(leaf.size).toBe(ref.size);
      expect(leaf.has(lo)).toBe(ref.has(lo));
      expect(leaf.get(lo)).toBe(ref.get(lo));
      if (step % 50 === 0) {
        expect([...leaf.keys()]).toEqual([...ref.keys()]);
        expect([...leaf]).toEqual([...ref]);
      }
    }
  });

  it('keeps the dense mirror the delivery path reads', () => {
    const leaf = new RevmapLeaf();
    const a = data(3);
    leaf.set(3, a);
    expect(leaf.dense[3]).toBe(a);
    leaf.delete(3);
    expect(leaf.dense[3]).toBe(undefined);
    expect(leaf.size).toBe(0);
  });
});
