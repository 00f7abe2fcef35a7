import { describe, expect, it } from 'vitest';
import { OneKeyMap } from '../../../src/kernel/irq/small-map.ts';

/** Applies the same operations to a OneKeyMap and a Map and compares every observable result. */
describe('OneKeyMap behaves as a Map', () => {
  it('matches Map over a fixed operation sequence (one key inline, then a Map)', () => {
    const a = new OneKeyMap<number, string>();
    const b = new Map<number, string>();
    const ops: [string, number, string?][] = [
      ['get', 0],
      ['del', 0],
      ['set', 5, 'a'],
      ['set', 5, 'b'],
      ['get', 5],
      ['has', 4],
      ['del', 5],
      ['set', 7, 'c'],
      ['set', 3, 'd'],
      ['set', 7, 'e'],
      ['del', 3],
      ['set', 1, 'f'],
      ['get', 7],
    ];
    for (const [op, key, val] of ops) {
      if (op === 'get') expect(a.get(key)).toBe(b.get(key));
      if (op === 'has') expect(a.has(key)).toBe(b.has(key));
      if (op === 'del') expect(a.delete(key)).toBe(b.delete(key));
      if (op === 'set') {
        a.set(key, val!);
        b.set(key, val!);
      }
      expect(a.size).toBe(b.size);
      expect([...a]).toEqual([...b]);
      expect([...a.keys()]).toEqual([...b.keys()]);
      expect([...a.values()]).toEqual([...b.values()]);
    }
    expect([...a.entries()]).toEqual([
      [7, 'e'],
      [1, 'f'],
    ]);
  });

  it('keeps one key inline and empties to size 0', () => {
    const m = new OneKeyMap<string, string[]>();
    const files = ['3', '4'];
    m.set('msi_irqs', files);
    expect(m.get('msi_irqs')).toBe(files);
    expect(m.get('other')).toBeUndefined();
    expect([...m.keys()]).toEqual(['msi_irqs']);
    expect(m.delete('msi_irqs')).toBe(true);
    expect(m.delete('msi_irqs')).toBe(false);
    expect(m.size).toBe(0);
    expect([...m]).toEqual([]);
  });
});
