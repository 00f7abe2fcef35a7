// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/hw/s390x/machine.ts';
import type { PhysMem } from '../../src/hw/s390x/memory.ts';
import {
  SIC_IRQ_MODE_D_SINGLE,
  SIC_IRQ_MODE_DIRECT,
  SIC_IRQ_MODE_SET_CPU,
  SIC_IRQ_MODE_SINGLE,
} from '../../src/hw/s390x/sic.ts';
import { cdiib, diib, enable, enableIsc, makeMachine, recordIo, registerDirected } from './helpers.ts';

/** Linux zpci_directed_irq_init + cpu_enable_directed_irq on `armed` CPUs. */
function directedInit(m: Machine, mem: PhysMem, armed: number[]): { disb: number; dibv: number[] } {
  const n = m.nrCpus;
  const disb = mem.alloc(8, 8, 'zpci_sbv (DISB)');
  expect(m.sic(0, SIC_IRQ_MODE_DIRECT, 0, diib(mem, 2, n, disb))).toBe(0);
  const dibv: number[] = [];
  for (let c = 0; c < n; c++) dibv.push(mem.alloc(256, 256, `zpci_ibv[${c}]`));
  for (const c of armed) {
    expect(m.sic(c, SIC_IRQ_MODE_SET_CPU, 0, cdiib(mem, dibv[c]!))).toBe(0);
    expect(m.sic(c, SIC_IRQ_MODE_D_SINGLE, 2, 0)).toBe(0);
  }
  expect(m.sic(0, SIC_IRQ_MODE_SINGLE, 2, 0)).toBe(0);
  enableIsc(m);
  return { disb, dibv };
}

function setBits(mem: PhysMem, base: number, nbits: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < nbits; b++) if (mem.testBit(base, b)) out.push(b);
  return out;
}

describe('directed MSI', () => {
  it('reaches exactly the CPU whose address it names (non-identity mapping)', () => {
    const { m, mem } = makeMachine({ nrCpus: 4, hasDirq: true, cpuAddresses: [0x21, 0x05, 0x13, 0x40] });
    const { dibv } = directedInit(m, mem, [0, 1, 2, 3]);
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    expect(registerDirected(m, fn, 4, 8)).toBe(0);
    const io = recordIo(m);
    // target logical CPU 2 = address 0x13
    m.msiWrite(0x10, 0xfe000000, 0x13 << 8, 1);
    expect(setBits(mem, dibv[2]!, 2048)).toEqual([9]);
    for (const c of [0, 1, 3]) expect(setBits(mem, dibv[c]!, 2048)).toEqual([]);
    m.run();
    expect(io).toEqual([{ cpu: 2, isc: 2, directed: true, word2: 0xd0000000 }]);
    expect(fn.counters.directed).toBe(1);
    // address 0x02 (which identity mapping would call CPU 2) names no CPU: dropped
    m.msiWrite(0x10, 0xfe000000, 0x02 << 8, 1);
    expect(fn.counters.dropNoTarget).toBe(1);
  });

  it('default mapping is address = 2*cpu + 0x10', () => {
    const { m } = makeMachine({ nrCpus: 3 });
    expect([0, 1, 2].map((c) => m.cpuAddress(c))).toEqual([0x10, 0x12, 0x14]);
    expect(m.cpuOfAddress(0x12)).toBe(1);
    expect(m.cpuOfAddress(1)).toBe(-1);
  });

  it('D_SINGLE: after one directed interruption the CPU is suppressed until it re-arms', () => {
    const { m, mem } = makeMachine({
      nrCpus: 2,
      hasDirq: true,
      options: { directedFallback: 'unavailable' },
    });
    const { dibv } = directedInit(m, mem, [0, 1]);
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    registerDirected(m, fn, 8, 0);
    const io = recordIo(m);
    const a1 = m.cpuAddress(1) << 8;
    m.msiWrite(0x10, 0xfe000000, a1, 0);
    m.msiWrite(0x10, 0xfe000000, a1, 3);
    m.run();
    expect(io.length).toBe(1);
    expect(fn.counters.directedSuppressed).toBe(1);
    expect(setBits(mem, dibv[1]!, 16)).toEqual([0, 3]);
    m.sic(1, SIC_IRQ_MODE_D_SINGLE, 2, 0);
    m.msiWrite(0x10, 0xfe000000, a1, 4);
    m.run();
    expect(io.map((d) => d.cpu)).toEqual([1, 1]);
  });

  it('not armed: sets the DISB bit of the target and raises a floating interruption instead', () => {
    const { m, mem } = makeMachine({ nrCpus: 4, hasDirq: true });
    // CPU 3 never armed (it ran SET_CPU but no D_SINGLE)
    const { disb, dibv } = directedInit(m, mem, [0, 1, 2]);
    m.sic(3, SIC_IRQ_MODE_SET_CPU, 0, cdiib(mem, dibv[3]!));
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    registerDirected(m, fn, 4, 0);
    const io = recordIo(m);
    m.msiWrite(0x10, 0xfe000000, m.cpuAddress(3) << 8, 2);
    expect(setBits(mem, dibv[3]!, 2048)).toEqual([2]);
    expect(setBits(mem, disb, 64)).toEqual([3]);
    expect(fn.counters.fallback).toBe(1);
    m.run();
    expect(io).toEqual([{ cpu: 0, isc: 2, directed: false, word2: 0x90000000 }]);
    // second fallback while the DISB bit is still set: no edge, nothing raised
    m.msiWrite(0x10, 0xfe000000, m.cpuAddress(3) << 8, 1);
    m.run();
    expect(io.length).toBe(1);
    expect(fn.counters.noEdge).toBe(1);
  });

  it("disbIndex 'address' indexes the DISB by CPU address; no DIBV (no SET_CPU) still falls back", () => {
    const { m, mem } = makeMachine({
      nrCpus: 2,
      hasDirq: true,
      cpuAddresses: [0, 1],
      options: { disbIndex: 'address' },
    });
    const { disb } = directedInit(m, mem, [0]);
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    registerDirected(m, fn, 4, 0);
    m.msiWrite(0x10, 0xfe000000, 1 << 8, 0);
    expect(fn.counters.noDibv).toBe(1);
    expect(setBits(mem, disb, 64)).toEqual([1]);
  });
});
