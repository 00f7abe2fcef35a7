// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import {
  AIRQ_IV_ALLOC,
  AIRQ_IV_BITLOCK,
  AIRQ_IV_CACHELINE,
  AIRQ_IV_DATA,
  AIRQ_IV_NONE,
  AIRQ_IV_PTR,
  AIRQ_PTR_ALLOCATED,
  type AirqIv,
  type AirqStruct,
  airqInit,
  airqIvAlloc,
  airqIvAllocBit,
  airqIvBitAvail,
  airqIvBitLocked,
  airqIvCreate,
  airqIvEnd,
  airqIvFree,
  airqIvFreeBit,
  airqIvGetData,
  airqIvGetPtr64,
  airqIvGetPtrHi,
  airqIvGetPtrLo,
  airqIvLock,
  airqIvRelease,
  airqIvScan,
  airqIvSetData,
  airqIvSetPtr,
  airqIvSetPtr64,
  airqIvTestBit,
  airqIvUnlock,
  airqList,
  airqState,
  airqStructInit,
  doAirqInterrupt,
  registerAdapterInterrupt,
  setKernelPhysMem,
  unregisterAdapterInterrupt,
} from '../../../src/drivers/s390/cio/airq.ts';
import { TpiInfo } from '../../../src/hw/s390x/cpu.ts';
import { PhysMem, SHADOW_FREED } from '../../../src/hw/s390x/memory.ts';
import { EINVAL, ENOMEM } from '../../../src/include/linux/errno.ts';
import { Kernel } from '../../../src/kernel/kernel.ts';
import { KernelOops } from '../../../src/sim/findings.ts';
import { Sim } from '../../../src/sim/sim.ts';

function boot(nrCpuIds = 2): { k: Kernel; mem: PhysMem } {
  const sim = new Sim(1);
  const k = new Kernel(sim, { nrCpuIds });
  const mem = new PhysMem();
  setKernelPhysMem(k, mem);
  expect(airqInit(k)).toBe(0);
  return { k, mem };
}

function create(k: Kernel, bits: number, flags: number): AirqIv {
  const iv = airqIvCreate(k, bits, flags, null, 'test');
  expect(iv).not.toBeNull();
  return iv!;
}

describe('airq_iv bit order (MSB-0 across the vector)', () => {
  it('bit 0 is the MSB of the first 64-bit word; bit 63 its LSB; bit 64 the MSB of the next', () => {
    const { k, mem } = boot();
    const iv = create(k, 128, 0);
    mem.setBit(iv.vector, 0); // firmware sets indicator bits
    mem.setBit(iv.vector, 63);
    mem.setBit(iv.vector, 64);
    mem.setBit(iv.vector, 77);
    expect(mem.u8[iv.vector]).toBe(0x80);
    expect(mem.u8[iv.vector + 7]).toBe(0x01);
    expect(mem.u8[iv.vector + 8]).toBe(0x80);
    expect(mem.u8[iv.vector + 9]).toBe(0x04); // 77 = byte 9, mask 0x80 >> 5
    expect(airqIvScan(k, iv, 0, iv.end)).toBe(0);
    expect(airqIvScan(k, iv, 0, iv.end)).toBe(63);
    expect(airqIvScan(k, iv, 0, iv.end)).toBe(64);
    expect(airqIvScan(k, iv, 0, iv.end)).toBe(77);
  });

  it('the allocator marks avail bits MSB-first in PhysMem', () => {
    const { k, mem } = boot();
    const iv = create(k, 16, AIRQ_IV_ALLOC);
    expect(mem.u8[iv.avail]).toBe(0xff);
    expect(mem.u8[iv.avail + 7]).toBe(0xff); // padding of the last word is free too
    expect(airqIvAlloc(k, iv, 3)).toBe(0);
    expect(mem.u8[iv.avail]).toBe(0x1f);
    expect(airqIvAlloc(k, iv, 6)).toBe(3);
    expect(mem.u8[iv.avail]).toBe(0x00);
    expect(mem.u8[iv.avail + 1]).toBe(0x7f);
  });
});

describe('airq_iv_scan', () => {
  it('returns and clears set bits in ascending order, then -1UL', () => {
    const { k, mem } = boot();
    const iv = create(k, 64, 0);
    for (const b of [40, 3, 17, 63]) mem.setBit(iv.vector, b);
    const got: number[] = [];
    let bit = 0;
    for (;;) {
      bit = airqIvScan(k, iv, bit, airqIvEnd(k, iv));
      if (bit === AIRQ_IV_NONE) break;
      got.push(bit);
      expect(airqIvTestBit(iv, bit)).toBe(false); // cleared
    }
    expect(got).toEqual([3, 17, 40, 63]);
    expect(AIRQ_IV_NONE).toBe(-1);
    expect(airqIvScan(k, iv, 0, 64)).toBe(AIRQ_IV_NONE);
    expect([...mem.u8.slice(iv.vector, iv.vector + 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('honours start and end: bits outside [start, end) stay set', () => {
    const { k, mem } = boot();
    const iv = create(k, 64, 0);
    for (const b of [1, 5, 9]) mem.setBit(iv.vector, b);
    expect(airqIvScan(k, iv, 2, 9)).toBe(5);
    expect(airqIvScan(k, iv, 6, 9)).toBe(AIRQ_IV_NONE);
    expect(airqIvTestBit(iv, 1)).toBe(true);
    expect(airqIvTestBit(iv, 9)).toBe(true);
  });

  it('offers a preemption point between find and clear, so another CPU can return the same bit', () => {
    const { k, mem } = boot();
    const iv = create(k, 64, 0);
    mem.setBit(iv.vector, 7);
    const other: number[] = [];
    const points: string[] = [];
    let interleaved = false;
    k.preemptPoint = (kk, point) => {
      points.push(point);
      if (point === 'airq_iv_scan.clear' && !interleaved) {
        interleaved = true;
        const cpu = kk.currentCpu;
        kk.currentCpu = 1;
        other.push(airqIvScan(kk, iv, 0, 64)); // CPU 1 scans while CPU 0 sits between find and clear
        kk.currentCpu = cpu;
      }
    };
    expect(airqIvScan(k, iv, 0, 64)).toBe(7);
    expect(other).toEqual([7]); // the same MSI handled twice
    expect(points).toEqual(['airq_iv_scan', 'airq_iv_scan.clear', 'airq_iv_scan', 'airq_iv_scan.clear']);
  });
});

describe('airq_iv_alloc / airq_iv_free (notes 1.7 worked example)', () => {
  it('first-fit contiguous, end = bit + num + 1, free leaves end, no block of 4, end reaches bits + 1', () => {
    const { k } = boot();
    const iv = create(k, 8, AIRQ_IV_ALLOC);
    expect(airqIvEnd(k, iv)).toBe(0);
    expect(airqIvAlloc(k, iv, 3)).toBe(0);
    expect(iv.end).toBe(4);
    expect(airqIvAlloc(k, iv, 2)).toBe(3);
    expect(iv.end).toBe(6);
    airqIvFree(k, iv, 0, 3);
    expect([0, 1, 2].map((b) => airqIvBitAvail(iv, b))).toEqual([true, true, true]);
    expect(iv.end).toBe(6); // 0 + 3 >= 6 is false
    expect(airqIvAlloc(k, iv, 4)).toBe(AIRQ_IV_NONE); // free blocks {0,1,2} and {5,6,7}
    expect(iv.end).toBe(6);
    expect(airqIvAlloc(k, iv, 3)).toBe(0);
    expect(iv.end).toBe(6);
    expect(airqIvAlloc(k, iv, 3)).toBe(5);
    expect(iv.end).toBe(9); // bits + 1
    expect(airqIvAlloc(k, iv, 1)).toBe(AIRQ_IV_NONE);
  });

  it('the +1 in end does not reserve a bit (notes 8.3 scenario 6)', () => {
    const { k } = boot();
    const iv = create(k, 2048, AIRQ_IV_ALLOC | AIRQ_IV_PTR | AIRQ_IV_CACHELINE);
    expect(airqIvAlloc(k, iv, 4)).toBe(0);
    expect(iv.end).toBe(5);
    expect(airqIvAlloc(k, iv, 4)).toBe(4);
    expect(iv.end).toBe(9);
  });

  it('free does not shrink end (the kernel quirk): end is a high-water mark', () => {
    const { k } = boot();
    const iv = create(k, 64, AIRQ_IV_ALLOC);
    expect(airqIvAlloc(k, iv, 3)).toBe(0);
    expect(airqIvAlloc(k, iv, 5)).toBe(3);
    expect(iv.end).toBe(9);
    airqIvFree(k, iv, 3, 5); // the top block: 3 + 5 >= 9 is false
    expect(iv.end).toBe(9);
    airqIvFree(k, iv, 0, 3);
    expect(iv.end).toBe(9); // everything free, end still 9 (a tidy shrink would give 0)
    // freeing at or above end runs the recompute loop, which stops at once on a free bit
    airqIvFree(k, iv, 9, 2);
    expect(iv.end).toBe(9);
  });

  it('free clears pending vector bits and does not check ownership', () => {
    const { k, mem } = boot();
    const iv = create(k, 16, AIRQ_IV_ALLOC);
    expect(airqIvAlloc(k, iv, 4)).toBe(0);
    mem.setBit(iv.vector, 2);
    airqIvFree(k, iv, 2, 1);
    expect(airqIvTestBit(iv, 2)).toBe(false);
    expect(airqIvBitAvail(iv, 2)).toBe(true);
    airqIvFree(k, iv, 10, 1); // never allocated: silently "freed"
    expect(airqIvBitAvail(iv, 10)).toBe(true);
    expect(k.sim.findings.count()).toBe(0);
  });

  it('alloc refuses without AIRQ_IV_ALLOC and with num 0; free is then a no-op', () => {
    const { k, mem } = boot();
    const iv = create(k, 32, AIRQ_IV_DATA);
    expect(iv.end).toBe(32);
    expect(iv.avail).toBe(0);
    expect(airqIvAlloc(k, iv, 1)).toBe(AIRQ_IV_NONE);
    expect(airqIvAllocBit(k, iv)).toBe(AIRQ_IV_NONE);
    mem.setBit(iv.vector, 4);
    airqIvFree(k, iv, 4, 1);
    expect(airqIvTestBit(iv, 4)).toBe(true); // no avail: nothing cleared
    expect(iv.end).toBe(32);
    const a = create(k, 8, AIRQ_IV_ALLOC);
    expect(airqIvAlloc(k, a, 0)).toBe(AIRQ_IV_NONE);
    expect(a.end).toBe(0);
  });

  it('alloc_bit / free_bit', () => {
    const { k } = boot();
    const iv = create(k, 4, AIRQ_IV_ALLOC);
    expect([0, 1, 2, 3].map(() => airqIvAllocBit(k, iv))).toEqual([0, 1, 2, 3]);
    expect(airqIvAllocBit(k, iv)).toBe(AIRQ_IV_NONE);
    expect(iv.end).toBe(5);
    airqIvFreeBit(k, iv, 1);
    expect(airqIvAllocBit(k, iv)).toBe(1);
    expect(iv.end).toBe(5);
  });

  it('the airq_iv_alloc failure point returns -1UL', () => {
    const { k } = boot();
    const iv = create(k, 8, AIRQ_IV_ALLOC);
    k.sim.faults.arm('airq_iv_alloc', 2);
    expect(airqIvAllocBit(k, iv)).toBe(0);
    expect(airqIvAllocBit(k, iv)).toBe(AIRQ_IV_NONE);
    expect(airqIvAllocBit(k, iv)).toBe(1);
  });
});

describe('airq_iv_create', () => {
  it('cacheline vectors: 2048 bits fit, 4096 do not; no pool means NULL; 256-byte aligned', () => {
    const { k } = boot();
    const iv = create(k, 2048, AIRQ_IV_DATA | AIRQ_IV_CACHELINE);
    expect(iv.end).toBe(2048);
    expect(iv.vector % 256).toBe(0);
    expect(airqIvAlloc(k, iv, 1)).toBe(AIRQ_IV_NONE);
    expect(airqIvCreate(k, 4096, AIRQ_IV_CACHELINE, null)).toBeNull();
    expect(airqIvCreate(k, 2049, AIRQ_IV_CACHELINE, null)).toBeNull();
    expect(airqState(k).airqIvCache!.nrActive).toBe(1);
    const k2 = new Kernel(new Sim(1), { nrCpuIds: 1 });
    setKernelPhysMem(k2, new PhysMem());
    expect(airqIvCreate(k2, 64, AIRQ_IV_CACHELINE, null)).toBeNull(); // airq_init not run
  });

  it('bookkeeping arrays start zeroed; data/ptr read 0 before being set', () => {
    const { k } = boot();
    const iv = create(k, 8, AIRQ_IV_DATA | AIRQ_IV_PTR | AIRQ_IV_BITLOCK);
    expect(airqIvGetData(k, iv, 5)).toBe(0);
    expect(airqIvGetPtr64(k, iv, 5)).toBe(0n);
    expect(airqIvBitLocked(iv, 5)).toBe(false);
  });

  it('the airq_iv_create failure point returns NULL', () => {
    const { k } = boot();
    k.sim.faults.arm('airq_iv_create', 1);
    expect(airqIvCreate(k, 8, AIRQ_IV_ALLOC, null)).toBeNull();
    expect(airqIvCreate(k, 8, AIRQ_IV_ALLOC, null)).not.toBeNull();
  });
});

describe('airq_iv ptr / data', () => {
  it('ptr holds a 64-bit value exactly: fid 0xffffffff in the upper half', () => {
    const { k } = boot();
    const iv = create(k, 16, AIRQ_IV_PTR);
    airqIvSetPtr64(k, iv, 3, (0xffffffffn << 32n) | 0x7n);
    expect(airqIvGetPtrHi(k, iv, 3)).toBe(0xffffffff);
    expect(airqIvGetPtrLo(k, iv, 3)).toBe(7);
    expect(airqIvGetPtr64(k, iv, 3)).toBe(0xffffffff00000007n);
    airqIvSetPtr(k, iv, 15, 0x10, 0xfffffffe);
    expect(airqIvGetPtr64(k, iv, 15)).toBe(0x10fffffffen);
    expect(airqIvGetPtr64(k, iv, 4)).toBe(0n);
  });

  it('data holds a u32 per bit', () => {
    const { k } = boot();
    const iv = create(k, 16, AIRQ_IV_DATA);
    airqIvSetData(k, iv, 0, 42);
    airqIvSetData(k, iv, 15, 0xffffffff);
    expect(airqIvGetData(k, iv, 0)).toBe(42);
    expect(airqIvGetData(k, iv, 15)).toBe(0xffffffff);
  });

  it('an index beyond bits does not throw: one out-of-bounds finding, writes ignored, reads 0', () => {
    const { k } = boot();
    const iv = create(k, 16, AIRQ_IV_DATA);
    airqIvSetData(k, iv, 16, 5);
    expect(airqIvGetData(k, iv, 16)).toBe(0);
    expect(k.sim.findings.count('out-of-bounds')).toBe(1); // first report only (KASAN default)
    expect(k.sim.findings.list[0]!.message).toMatch(
      /slab-out-of-bounds in airq_iv_set_data: write to data\[\] bit 16/,
    );
  });

  it('a NULL array (flag not given) Oopses', () => {
    const { k } = boot();
    const iv = create(k, 16, AIRQ_IV_DATA);
    expect(() => airqIvGetPtrHi(k, iv, 0)).toThrow(KernelOops);
    expect(k.sim.findings.count('Oops')).toBe(1);
  });

  it('airq_iv_free beyond bits writes the neighbouring memory, as C does', () => {
    const { k, mem } = boot();
    const iv = create(k, 64, AIRQ_IV_ALLOC);
    const neighbour = mem.alloc(8, 8, 'neighbour');
    // layout: vector (8 bytes), avail (8 bytes, all free = 0xff), neighbour
    expect(iv.avail).toBe(iv.vector + 8);
    expect(neighbour).toBe(iv.avail + 8);
    airqIvFree(k, iv, 64, 1);
    expect(k.sim.findings.count('out-of-bounds')).toBe(1);
    expect(k.sim.findings.list[0]!.message).toMatch(/slab-out-of-bounds in airq_iv_free: write to bit 64/);
    expect(mem.u8[iv.avail]).toBe(0x7f); // clear_bit_inv(64, vector) cleared avail bit 0...
    expect(mem.u8[neighbour]).toBe(0x80); // ...and set_bit_inv(64, avail) hit the neighbour
    // the corrupted avail bitmap now hands bit 0 out as "in use": first fit starts at 1
    expect(airqIvAllocBit(k, iv)).toBe(1);
  });
});

describe('airq_iv_scan bounds', () => {
  it('end = bits + 1 inside the padding of the last word is silent; past the allocation it is reported once', () => {
    const { k, mem } = boot();
    const small = create(k, 8, AIRQ_IV_ALLOC);
    expect(airqIvAlloc(k, small, 8)).toBe(0);
    expect(small.end).toBe(9);
    expect(airqIvScan(k, small, 0, small.end)).toBe(AIRQ_IV_NONE);
    expect(k.sim.findings.count()).toBe(0);
    const full = create(k, 64, AIRQ_IV_ALLOC);
    expect(airqIvAlloc(k, full, 64)).toBe(0);
    expect(full.end).toBe(65);
    // the word after the vector is the avail bitmap (bit 0 of it is allocated = 0 now)...
    expect(airqIvScan(k, full, 0, full.end)).toBe(AIRQ_IV_NONE);
    expect(k.sim.findings.count('out-of-bounds')).toBe(1);
    expect(k.sim.findings.list[0]!.message).toMatch(/airq_iv_scan: read of bit 64/);
    // ...and when that neighbouring bit is set, C returns bit 64 and clears it in the neighbour
    mem.setBit(full.vector, 64);
    expect(airqIvScan(k, full, 0, full.end)).toBe(64);
    expect(mem.testBit(full.avail, 0)).toBe(false);
    expect(k.sim.findings.count('out-of-bounds')).toBe(1);
  });
});

describe('preemption points', () => {
  it('every primitive calls the hook once (scan twice when it finds a bit)', () => {
    const { k, mem } = boot();
    const iv = create(k, 64, AIRQ_IV_ALLOC | AIRQ_IV_BITLOCK | AIRQ_IV_DATA | AIRQ_IV_PTR);
    const points: string[] = [];
    k.preemptPoint = (_k, p) => points.push(p);
    const b = airqIvAllocBit(k, iv);
    mem.setBit(iv.vector, b);
    airqIvScan(k, iv, 0, airqIvEnd(k, iv));
    airqIvLock(k, iv, b);
    airqIvSetData(k, iv, b, 1);
    airqIvGetData(k, iv, b);
    airqIvSetPtr(k, iv, b, 0, 1);
    airqIvGetPtrHi(k, iv, b);
    airqIvGetPtrLo(k, iv, b);
    airqIvUnlock(k, iv, b);
    airqIvFreeBit(k, iv, b);
    airqIvRelease(k, iv);
    expect(points).toEqual([
      'airq_iv_alloc',
      'airq_iv_end',
      'airq_iv_scan',
      'airq_iv_scan.clear',
      'airq_iv_lock',
      'airq_iv_data',
      'airq_iv_data',
      'airq_iv_ptr',
      'airq_iv_ptr',
      'airq_iv_unlock',
      'airq_iv_free',
      'airq_iv_release',
    ]);
  });
});

describe('airq_iv bit locks', () => {
  it('lock sets and unlock clears MSB-0 bit `bit` of the bitlock bitmap', () => {
    const { k, mem } = boot();
    const iv = create(k, 128, AIRQ_IV_BITLOCK | AIRQ_IV_DATA);
    airqIvLock(k, iv, 0);
    airqIvLock(k, iv, 65);
    expect(mem.u8[iv.bitlock]).toBe(0x80);
    expect(mem.u8[iv.bitlock + 8]).toBe(0x40);
    expect(airqIvBitLocked(iv, 65)).toBe(true);
    airqIvUnlock(k, iv, 0);
    airqIvUnlock(k, iv, 65);
    expect(mem.u8[iv.bitlock]).toBe(0);
    expect(mem.u8[iv.bitlock + 8]).toBe(0);
  });

  it('re-locking on the same CPU is a soft lockup; unlocking a free bit is a BUG', () => {
    const { k } = boot();
    const iv = create(k, 8, AIRQ_IV_BITLOCK);
    airqIvLock(k, iv, 3);
    expect(() => airqIvLock(k, iv, 3)).toThrow(KernelOops);
    expect(k.sim.findings.list.at(-1)!.message).toMatch(/soft lockup - CPU#0 stuck/);
    expect(() => airqIvUnlock(k, iv, 4)).toThrow(KernelOops);
    expect(k.sim.findings.count('BUG')).toBe(2);
  });

  it('a bit held by another CPU spins through the preemption point until released', () => {
    const { k } = boot();
    const iv = create(k, 8, AIRQ_IV_BITLOCK);
    k.currentCpu = 1;
    airqIvLock(k, iv, 2);
    k.currentCpu = 0;
    let spins = 0;
    k.preemptPoint = (kk, point) => {
      if (point !== 'airq_iv_lock.spin') return;
      if (++spins === 3) {
        kk.currentCpu = 1;
        airqIvUnlock(kk, iv, 2);
        kk.currentCpu = 0;
      }
    };
    airqIvLock(k, iv, 2);
    expect(spins).toBe(3);
    expect(iv.bitlockOwner![2]).toBe(0);
  });

  it('without AIRQ_IV_BITLOCK the lock Oopses (NULL bitlock)', () => {
    const { k } = boot();
    const iv = create(k, 8, AIRQ_IV_DATA);
    expect(() => airqIvLock(k, iv, 0)).toThrow(KernelOops);
  });
});

describe('airq_iv_release', () => {
  it('frees the memory; a later access is one use-after-free finding and behaves as C', () => {
    const { k, mem } = boot();
    const iv = create(k, 64, AIRQ_IV_ALLOC | AIRQ_IV_DATA);
    airqIvSetData(k, iv, 1, 9);
    const vec = iv.vector;
    airqIvRelease(k, iv);
    expect(iv.freed).toBe(true);
    expect(mem.shadow[vec]).toBe(SHADOW_FREED);
    expect(mem.shadow[iv.avail]).toBe(SHADOW_FREED);
    expect(k.sim.findings.count()).toBe(0);
    expect(airqIvScan(k, iv, 0, 64)).toBe(AIRQ_IV_NONE);
    expect(airqIvGetData(k, iv, 1)).toBe(9); // stale value of the freed array
    expect(k.sim.findings.count('use-after-free')).toBe(1);
    expect(k.sim.findings.list[0]!.message).toMatch(
      /slab-use-after-free in airq_iv_scan: access to released airq_iv test/,
    );
  });

  it('a second release is a double-free report and changes nothing', () => {
    const { k } = boot();
    const iv = create(k, 2048, AIRQ_IV_PTR | AIRQ_IV_CACHELINE);
    airqIvRelease(k, iv);
    expect(airqState(k).airqIvCache!.nrActive).toBe(0);
    airqIvRelease(k, iv);
    expect(airqState(k).airqIvCache!.nrActive).toBe(0);
    expect(k.sim.findings.list.map((f) => f.kind)).toEqual(['use-after-free']);
    expect(k.sim.findings.list[0]!.message).toMatch(/double-free in airq_iv_release/);
  });

  it('leaves no live regions behind', () => {
    const { k, mem } = boot();
    const iv = create(k, 100, AIRQ_IV_ALLOC | AIRQ_IV_BITLOCK | AIRQ_IV_PTR | AIRQ_IV_DATA);
    expect(mem.liveRegions().length).toBe(3); // vector, avail, bitlock
    airqIvRelease(k, iv);
    expect(mem.liveRegions().length).toBe(0);
  });
});

describe('register_adapter_interrupt / do_airq_interrupt', () => {
  function tpi(isc: number, directed = false): TpiInfo {
    const t = new TpiInfo();
    t.setAdapter(isc, directed);
    return t;
  }

  it('validates, allocates the lsi byte, sets the CR6 ISC bit on 0 -> 1, adds at the head', () => {
    const { k, mem } = boot();
    const calls: string[] = [];
    expect(registerAdapterInterrupt(k, airqStructInit(null, 2))).toBe(-EINVAL);
    expect(
      registerAdapterInterrupt(
        k,
        airqStructInit(() => {}, 8),
      ),
    ).toBe(-EINVAL);
    const cr6: number[] = [];
    airqState(k).onCr6Change = (_k, v) => cr6.push(v);
    const a = airqStructInit(() => calls.push('a'), 2);
    const b = airqStructInit(() => calls.push('b'), 2);
    expect(registerAdapterInterrupt(k, a)).toBe(0);
    expect(a.flags & AIRQ_PTR_ALLOCATED).toBe(AIRQ_PTR_ALLOCATED);
    expect(a.lsiPtr).not.toBe(0);
    expect(mem.u8[a.lsiPtr]).toBe(0);
    expect(registerAdapterInterrupt(k, b)).toBe(0);
    expect(airqList(k, 2)).toEqual([b, a]);
    expect(cr6).toEqual([0x20000000]); // ISC 2 = 0x80000000 >> 2, set once
    expect(airqState(k).iscRefs[2]).toBe(2);
    unregisterAdapterInterrupt(k, b);
    expect(cr6).toEqual([0x20000000]);
    unregisterAdapterInterrupt(k, a);
    expect(cr6).toEqual([0x20000000, 0]);
    expect(a.lsiPtr).toBe(0);
    expect(a.flags).toBe(0);
    unregisterAdapterInterrupt(k, a); // not on a list: nothing
    expect(k.sim.findings.count()).toBe(0);
  });

  it('the register_adapter_interrupt failure point is -ENOMEM before anything changes', () => {
    const { k } = boot();
    k.sim.faults.arm('register_adapter_interrupt', 1);
    const a: AirqStruct = airqStructInit(() => {}, 2);
    expect(registerAdapterInterrupt(k, a)).toBe(-ENOMEM);
    expect(a.unhashed).toBe(true);
    expect(airqState(k).iscRefs[2]).toBe(0);
  });

  it('dispatches to the handlers of the interruption ISC whose lsi byte is set, in list order', () => {
    const { k, mem } = boot();
    const calls: string[] = [];
    const mk = (name: string, isc: number): AirqStruct =>
      airqStructInit((_k, airq, t) => calls.push(`${name}:isc${airq.isc}:${t.directed ? 'd' : 'f'}`), isc);
    const p = mk('pci', 2);
    const q = mk('qdio', 3);
    const v = mk('virtio', 3);
    for (const s of [p, q, v]) expect(registerAdapterInterrupt(k, s)).toBe(0);
    mem.u8[p.lsiPtr] = 1; // zpci_irq_init: summary pinned to 1
    mem.u8[v.lsiPtr] = 1;
    doAirqInterrupt(k, tpi(2));
    doAirqInterrupt(k, tpi(3));
    doAirqInterrupt(k, tpi(2, true));
    doAirqInterrupt(k, tpi(5));
    expect(calls).toEqual(['pci:isc2:f', 'virtio:isc3:f', 'pci:isc2:d']);
    mem.u8[q.lsiPtr] = 1;
    calls.length = 0;
    doAirqInterrupt(k, tpi(3));
    expect(calls).toEqual(['virtio:isc3:f', 'qdio:isc3:f']); // head insertion: newest first
  });

  it('a handler that unregisters a later entry during the walk: the RCU list carries on', () => {
    const { k, mem } = boot();
    const calls: string[] = [];
    const second = airqStructInit(() => calls.push('second'), 2);
    const first = airqStructInit((kk) => {
      calls.push('first');
      unregisterAdapterInterrupt(kk, second);
    }, 2);
    registerAdapterInterrupt(k, second);
    registerAdapterInterrupt(k, first);
    mem.u8[first.lsiPtr] = 1;
    mem.u8[second.lsiPtr] = 1;
    doAirqInterrupt(k, tpi(2));
    // hlist_del_rcu unlinks `second` from first->next, which the walker reads next: it is skipped.
    expect(calls).toEqual(['first']);
    expect(airqList(k, 2)).toEqual([first]);
  });
});
