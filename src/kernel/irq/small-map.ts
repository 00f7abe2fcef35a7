// SPDX-License-Identifier: GPL-2.0-only
/**
 * Model only (memory): a Map with Map's behaviour for the methods the model uses (insertion
 * order, overwrite keeps the position), that holds its first key inline and makes a real Map
 * only when a second key arrives. Most of its users hold one key per device (the radix tree
 * of a per-device MSI domain holds hi = 0 only; a device's sysfs groups are "msi_irqs"):
 * a Map and its hash table cost ~220 bytes each, this ~32.
 */
export class OneKeyMap<K, V> {
  private key0: K | undefined = undefined;
  private val0: V | undefined = undefined;
  private has0 = false;
  private more: Map<K, V> | null = null;

  get size(): number {
    if (this.more !== null) return this.more.size;
    return this.has0 ? 1 : 0;
  }

  get(key: K): V | undefined {
    if (this.more !== null) return this.more.get(key);
    return this.has0 && this.key0 === key ? this.val0 : undefined;
  }

  has(key: K): boolean {
    if (this.more !== null) return this.more.has(key);
    return this.has0 && this.key0 === key;
  }

  set(key: K, value: V): this {
    if (this.more !== null) {
      this.more.set(key, value);
    } else if (!this.has0 || this.key0 === key) {
      this.key0 = key;
      this.val0 = value;
      this.has0 = true;
    } else {
      const m = new Map<K, V>();
      m.set(this.key0 as K, this.val0 as V);
      m.set(key, value);
      this.more = m;
      this.key0 = undefined;
      this.val0 = undefined;
      this.has0 = false;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.more !== null) return this.more.delete(key);
    if (!this.has0 || this.key0 !== key) return false;
    this.key0 = undefined;
    this.val0 = undefined;
    this.has0 = false;
    return true;
  }

  keys(): IterableIterator<K> {
    if (this.more !== null) return this.more.keys();
    return (this.has0 ? [this.key0 as K] : []).values();
  }

  values(): IterableIterator<V> {
    if (this.more !== null) return this.more.values();
    return (this.has0 ? [this.val0 as V] : []).values();
  }

  entries(): IterableIterator<[K, V]> {
    if (this.more !== null) return this.more.entries();
    return (this.has0 ? [[this.key0 as K, this.val0 as V] as [K, V]] : []).values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

/**
 * `a` with room for index `i`: a new array of exactly max(8, 2 × length, …) slots (a power of
 * two ≥ i + 1), the old entries copied, the rest undefined. Growing by assignment past the end
 * would leave V8's slack (8 entries take 17 slots); this keeps a small table exact.
 */
function growTo<T>(a: (T | undefined)[], i: number): (T | undefined)[] {
  let n = a.length < 8 ? 8 : a.length * 2;
  while (n <= i) n *= 2;
  const b = new Array<T | undefined>(n);
  const m = a.length;
  for (let j = 0; j < m; j++) b[j] = a[j];
  for (let j = m; j < n; j++) b[j] = undefined;
  return b;
}

/**
 * Model only (memory and speed): a Map<number, V> (get/has/set/delete/clear/size, iteration
 * in insertion order) for small integer keys, as the kernel's radix trees and xarrays index
 * by small numbers. Keys in [0, denseLimit) live only in a dense array indexed by the key
 * (`dense`, read directly by the delivery path's reverse-map lookup), so a lookup is an array
 * index and a small table costs no hash table; other keys go to a Map made on first use.
 * While every key was inserted above all earlier ones, insertion order is ascending order and
 * no order list is kept; the first insertion below an earlier key records the keys in
 * insertion order from then on (`order`). Shared by the reverse-map leaves (irqdomain.ts) and
 * the per-device MSI descriptor store (msi.ts).
 */
export class DenseIndexMap<V> {
  dense: (V | undefined)[] = [];
  private sparse: Map<number, V> | null = null;
  private order: number[] | null = null;
  private count = 0;
  /** Largest key inserted while `order` is null (-1 = none). */
  private last = -1;
  private readonly denseLimit: number;

  constructor(denseLimit: number) {
    this.denseLimit = denseLimit;
  }

  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    if (key >= 0 && key < this.denseLimit && Number.isInteger(key)) return this.dense[key];
    return this.sparse === null ? undefined : this.sparse.get(key);
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, value: V): this {
    if (this.get(key) === undefined) {
      if (this.order !== null) this.order.push(key);
      else if (key > this.last) this.last = key;
      else this.order = [...this.ascendingKeys(), key];
      this.count++;
    }
    if (key >= 0 && key < this.denseLimit && Number.isInteger(key)) {
      if (key >= this.dense.length) this.dense = growTo(this.dense, key);
      this.dense[key] = value;
    } else {
      if (this.sparse === null) this.sparse = new Map();
      this.sparse.set(key, value);
    }
    return this;
  }

  delete(key: number): boolean {
    if (key >= 0 && key < this.denseLimit && Number.isInteger(key)) {
      if (this.dense[key] === undefined) return false;
      this.dense[key] = undefined;
    } else if (this.sparse === null || !this.sparse.delete(key)) {
      return false;
    }
    this.count--;
    const order = this.order;
    if (order !== null) {
      const n = order.length - 1;
      for (let j = order.lastIndexOf(key); j < n; j++) order[j] = order[j + 1]!;
      order.length = n;
    }
    return true;
  }

  clear(): void {
    this.dense.length = 0;
    this.sparse = null;
    this.order = null;
    this.count = 0;
    this.last = -1;
  }

  /** The smallest dense key present in [from, last], or -1 (ascending key order). */
  findFrom(from: number, last: number): number {
    const dense = this.dense;
    const end = Math.min(last, dense.length - 1);
    for (let i = Math.max(from, 0); i <= end; i++) if (dense[i] !== undefined) return i;
    return -1;
  }

  /** The keys in ascending order (dense keys are all below the sparse ones). */
  private ascendingKeys(): number[] {
    const out: number[] = [];
    const dense = this.dense;
    for (let i = 0; i < dense.length; i++) if (dense[i] !== undefined) out.push(i);
    if (this.sparse !== null) out.push(...[...this.sparse.keys()].sort((a, b) => a - b));
    return out;
  }

  keys(): IterableIterator<number> {
    return (this.order !== null ? this.order.slice() : this.ascendingKeys()).values();
  }

  *values(): IterableIterator<V> {
    for (const key of this.keys()) yield this.get(key)!;
  }

  *entries(): IterableIterator<[number, V]> {
    for (const key of this.keys()) yield [key, this.get(key)!];
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    return this.entries();
  }
}
