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
