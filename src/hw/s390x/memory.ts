// SPDX-License-Identifier: GPL-2.0-only
/**
 * Simulated physical memory for what the kernel and the firmware share: the
 * adapter-interruption bit vectors (AIBV, AISB vector, DIBVs), FIBs, and other
 * DMA-visible structures. Big-endian as on z/Architecture, so the kernel's
 * MSB-first bit numbering within a 64-bit word is plain MSB-first bit order
 * over bytes: bit n lives in byte n/8 under mask 0x80 >> (n % 8).
 *
 * A shadow byte per byte tracks allocation state (KASAN-like): an access to
 * freed memory is a use-after-free, a firmware write to it is DMA after free.
 * Freed regions sit in a quarantine before reuse so such bugs stay visible.
 */

export const SHADOW_UNALLOCATED = 0;
export const SHADOW_ALLOCATED = 1;
export const SHADOW_FREED = 2;

export interface MemRegion {
  readonly addr: number;
  readonly size: number;
  /** What allocated it, for reports (e.g. "airq_iv_create(aibv) fid 0x10"). */
  readonly tag: string;
  freed: boolean;
}

export type MemAccessor = 'kernel' | 'firmware';

/** Called when an access hits memory that is not currently allocated. */
export type MemViolationHook = (
  who: MemAccessor,
  addr: number,
  len: number,
  region: MemRegion | undefined,
  shadow: number,
) => void;

const QUARANTINE_BYTES = 1 << 20;

export class PhysMem {
  private buf: ArrayBuffer;
  /** Byte view; re-read after any alloc (growth replaces the buffer). */
  u8: Uint8Array;
  /** Word view of the same buffer (bit scans skip zero words; byte order does not matter for that). */
  private u32: Uint32Array;
  /** The `u8` the word view was made for (`.buffer` is too slow to compare per scan). */
  private u32Of: Uint8Array;
  shadow: Uint8Array;
  private top = 0x1000; // keep address 0 unused: 0 means NULL
  private readonly regions = new Map<number, MemRegion>();
  private readonly freeList: MemRegion[] = [];
  private readonly quarantine: MemRegion[] = [];
  private quarantineBytes = 0;
  /** Sanitizer hook; the simulation installs one that records findings. */
  onViolation: MemViolationHook | null = null;
  /** Bytes currently allocated, and the high-water mark. */
  inUse = 0;
  highWater = 0;

  constructor(initialSize = 1 << 20) {
    this.buf = new ArrayBuffer(initialSize);
    this.u8 = new Uint8Array(this.buf);
    this.u32 = new Uint32Array(this.buf, 0, this.buf.byteLength >>> 2);
    this.u32Of = this.u8;
    this.shadow = new Uint8Array(initialSize);
  }

  get size(): number {
    return this.u8.length;
  }

  /** Allocate `size` bytes aligned to `align` (a power of two), zeroed. Returns the address. */
  alloc(size: number, align: number, tag: string): number {
    const want = Math.max(8, (size + 7) & ~7);
    let addr = -1;
    for (let i = 0; i < this.freeList.length; i++) {
      const r = this.freeList[i]!;
      if (r.size === want && r.addr % align === 0) {
        addr = r.addr;
        this.freeList.splice(i, 1);
        break;
      }
    }
    if (addr < 0) {
      addr = (this.top + align - 1) & ~(align - 1);
      this.top = addr + want;
      if (this.top > this.u8.length) this.grow(this.top);
    }
    this.u8.fill(0, addr, addr + want);
    this.shadow.fill(SHADOW_ALLOCATED, addr, addr + want);
    this.regions.set(addr, { addr, size: want, tag, freed: false });
    this.inUse += want;
    if (this.inUse > this.highWater) this.highWater = this.inUse;
    return addr;
  }

  /** Free a region; returns false for an address that is not an allocated region (double free). */
  free(addr: number): boolean {
    const r = this.regions.get(addr);
    if (!r || r.freed) return false;
    r.freed = true;
    this.inUse -= r.size;
    this.shadow.fill(SHADOW_FREED, addr, addr + r.size);
    this.quarantine.push(r);
    this.quarantineBytes += r.size;
    while (this.quarantineBytes > QUARANTINE_BYTES) {
      const old = this.quarantine.shift()!;
      this.quarantineBytes -= old.size;
      this.regions.delete(old.addr);
      this.shadow.fill(SHADOW_UNALLOCATED, old.addr, old.addr + old.size);
      this.freeList.push({ addr: old.addr, size: old.size, tag: '', freed: true });
    }
    return true;
  }

  /** The region that starts at addr (live or quarantined). */
  region(addr: number): MemRegion | undefined {
    return this.regions.get(addr);
  }

  /** The region containing addr (slow; for reports). */
  regionContaining(addr: number): MemRegion | undefined {
    for (const r of this.regions.values()) if (addr >= r.addr && addr < r.addr + r.size) return r;
    return undefined;
  }

  /** Live regions, for leak checks. */
  liveRegions(): MemRegion[] {
    const out: MemRegion[] = [];
    for (const r of this.regions.values()) if (!r.freed) out.push(r);
    return out.sort((a, b) => a.addr - b.addr);
  }

  /** Check that [addr, addr+len) is allocated; report through onViolation otherwise. */
  check(who: MemAccessor, addr: number, len: number): boolean {
    // one allocated byte (the indicator writes of every MSI): small enough to inline
    if (len === 1 && addr > 0 && this.shadow[addr] === SHADOW_ALLOCATED) return true;
    return this.checkRange(who, addr, len);
  }

  /** check() for any range, with the reports. */
  private checkRange(who: MemAccessor, addr: number, len: number): boolean {
    const s = this.shadow;
    if (addr <= 0 || addr + len > s.length) {
      this.onViolation?.(who, addr, len, undefined, SHADOW_UNALLOCATED);
      return false;
    }
    for (let i = 0; i < len; i++) {
      const v = s[addr + i]!;
      if (v !== SHADOW_ALLOCATED) {
        this.onViolation?.(who, addr, len, this.regionContaining(addr + i), v);
        return false;
      }
    }
    return true;
  }

  // --- bit access, MSB-first (bit 0 = 0x80 of the first byte) ---

  testBit(base: number, bit: number): boolean {
    return (this.u8[base + (bit >>> 3)]! & (0x80 >>> (bit & 7))) !== 0;
  }

  setBit(base: number, bit: number): void {
    this.u8[base + (bit >>> 3)]! |= 0x80 >>> (bit & 7);
  }

  clearBit(base: number, bit: number): void {
    this.u8[base + (bit >>> 3)]! &= ~(0x80 >>> (bit & 7));
  }

  /** test_and_set_bit_inv: returns the old value. */
  testAndSetBit(base: number, bit: number): boolean {
    const a = base + (bit >>> 3);
    const m = 0x80 >>> (bit & 7);
    const old = this.u8[a]!;
    this.u8[a] = old | m;
    return (old & m) !== 0;
  }

  /** test_and_clear_bit_inv: returns the old value. */
  testAndClearBit(base: number, bit: number): boolean {
    const a = base + (bit >>> 3);
    const m = 0x80 >>> (bit & 7);
    const old = this.u8[a]!;
    this.u8[a] = old & ~m;
    return (old & m) !== 0;
  }

  /**
   * find_next_bit_inv over [start, end): the first set bit, or `end` if none.
   * Skips zero bytes, so a sparse vector is cheap to scan.
   */
  findNextBit(base: number, end: number, start: number): number {
    const u8 = this.u8;
    const u32 = this.u32Of === u8 ? this.u32 : this.wordView();
    let bit = start;
    while (bit < end) {
      let idx = base + (bit >>> 3);
      if ((bit & 7) === 0 && (idx & 3) === 0) {
        // zero aligned words: 32 bits each with nothing set; one tight loop up to the word
        // holding the last byte with bits below `end` (a 512-bit summary vector is 16 words)
        const w0 = idx >>> 2;
        const wEnd = (base + ((end + 7) >>> 3) + 3) >>> 2;
        let w = w0;
        while (w < wEnd && u32[w] === 0) w++;
        if (w >= wEnd) return end;
        bit += (w - w0) << 5;
        idx = w << 2;
      }
      // the bits of this byte at or after `bit`; the first set one by count-leading-zeros
      const byte = u8[idx]! & (0xff >>> (bit & 7));
      if (byte === 0) {
        bit = (bit | 7) + 1;
        continue;
      }
      const found = (bit & ~7) + Math.clz32(byte) - 24;
      return Math.min(found, end);
    }
    return end;
  }

  /** find_next_zero_bit_inv over [start, end). */
  findNextZeroBit(base: number, end: number, start: number): number {
    const u8 = this.u8;
    let bit = start;
    while (bit < end) {
      const byte = u8[base + (bit >>> 3)]!;
      if (byte === 0xff) {
        bit = (bit | 7) + 1;
        continue;
      }
      if ((byte & (0x80 >>> (bit & 7))) === 0) return bit;
      bit++;
    }
    return end;
  }

  // --- big-endian scalar access (FIB fields, summary words) ---

  readU32(addr: number): number {
    const u = this.u8;
    return ((u[addr]! << 24) | (u[addr + 1]! << 16) | (u[addr + 2]! << 8) | u[addr + 3]!) >>> 0;
  }

  writeU32(addr: number, v: number): void {
    const u = this.u8;
    u[addr] = v >>> 24;
    u[addr + 1] = (v >>> 16) & 0xff;
    u[addr + 2] = (v >>> 8) & 0xff;
    u[addr + 3] = v & 0xff;
  }

  readU8(addr: number): number {
    return this.u8[addr]!;
  }

  writeU8(addr: number, v: number): void {
    this.u8[addr] = v;
  }

  private grow(min: number): void {
    let n = this.u8.length * 2;
    while (n < min) n *= 2;
    const nb = new ArrayBuffer(n);
    const nu8 = new Uint8Array(nb);
    nu8.set(this.u8);
    const ns = new Uint8Array(n);
    ns.set(this.shadow);
    this.buf = nb;
    this.u8 = nu8;
    this.u32 = new Uint32Array(nb, 0, nb.byteLength >>> 2);
    this.u32Of = nu8;
    this.shadow = ns;
  }

  /** Rebuild the word view when `u8` was replaced from outside (no view unless it starts the buffer). */
  private wordView(): Uint32Array {
    const u8 = this.u8;
    this.u32Of = u8;
    this.u32 =
      u8.byteOffset === 0
        ? new Uint32Array(u8.buffer, 0, u8.byteLength >>> 2)
        : new Uint32Array(new ArrayBuffer(0));
    return this.u32;
  }
}
