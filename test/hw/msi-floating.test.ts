// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE } from '../../src/hw/pci/device.ts';
import { ZPCI_MOD_FC_REG_INT } from '../../src/hw/s390x/pci-inst.ts';
import { SIC_IRQ_MODE_SINGLE } from '../../src/hw/s390x/sic.ts';
import { enable, enableIsc, fibFmt0, hex, makeMachine, recordIo, registerFloating } from './helpers.ts';

describe('floating MSI write path', () => {
  it('sets exactly bit aibvo+data MSB-first in the AIBV and the summary bit', () => {
    const { m, mem } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const aibv = mem.alloc(16, 8, 'aibv');
    const sbv = mem.alloc(16, 8, 'sbv');
    // aibvo 3, noi 8: data 6 -> bit 9 -> byte 1 mask 0x40; summary bit 10 of the doubleword -> byte 1 mask 0x20
    const fib = fibFmt0(mem, { noi: 8, aibvo: 3, aisbo: 10, aibv, aisb: sbv });
    expect(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT, fib)).toEqual({ cc: 0, status: 0, pgm: 0 });
    const io = recordIo(m);
    enableIsc(m);
    m.msiWrite(0x10, 0xfe000000, 0, 6);
    expect(hex(mem, aibv, 16)).toBe('00400000000000000000000000000000');
    expect(hex(mem, sbv, 16)).toBe('00200000000000000000000000000000');
    expect(fn.counters.accepted).toBe(1);
    expect(fn.counters.raised).toBe(1);
    expect(m.flic.floatingPending[2]).toBe(1);
    m.run();
    expect(io).toEqual([{ cpu: 0, isc: 2, directed: false, word2: 0x90000000 }]);
    expect(m.flic.floatingPending[2]).toBe(0);
  });

  it('goes through the device MSI-X table: vector 5 of fid 0x20 with summary bit 70', () => {
    const { m, mem } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x20, msixVectors: 8 }));
    const sbv = mem.alloc(64, 8, 'zpci_sbv');
    const { aibv, rc } = registerFloating(m, fn, 8, 70, sbv);
    expect(rc).toBe(0);
    expect(fn.irq.aisb).toBe(sbv + 8);
    expect(fn.irq.aisbo).toBe(6);
    const dev = fn.device;
    for (let v = 0; v < 8; v++) {
      dev.memWrite32(0, v * 16 + 0, 0); // address lo
      dev.memWrite32(0, v * 16 + 4, 0xfe000000); // address hi
      dev.memWrite32(0, v * 16 + 8, v); // data = vector index
      dev.memWrite32(0, v * 16 + 12, 0); // unmask
    }
    dev.configWrite16(dev.msixCap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE);
    dev.signal(5);
    expect(hex(mem, aibv, 8)).toBe('0400000000000000');
    expect(mem.testBit(sbv, 70)).toBe(true);
    expect(hex(mem, sbv, 16)).toBe('00000000000000000200000000000000');
    expect(fn.counters.writes).toBe(1);
  });

  it('applies the documented drop rules and counts each', () => {
    const { m } = makeMachine();
    const fn = m.addFunction({ fid: 0x30 });
    m.msiWrite(0x30, 0xfe000000, 0, 0); // disabled
    enable(m, fn);
    m.msiWrite(0x30, 0xfe000000, 0, 0); // not registered
    registerFloating(m, fn, 4, 0);
    m.msiWrite(0x30, 0xfe000000, 0, 4); // data >= noi
    m.msiWrite(0x30, 0xfd000000, 0, 1); // wrong address
    m.msiWrite(0x30, 0xfe000000, 0, 3); // good
    m.msiWrite(0x30, 0xfe000000, 0, 3); // coalesced, no edge
    const c = fn.counters;
    expect([c.writes, c.dropDisabled, c.dropNotRegistered, c.dropOutOfRange, c.dropBadAddress]).toEqual([
      6, 1, 1, 1, 1,
    ]);
    expect([c.accepted, c.coalesced, c.raised, c.noEdge]).toEqual([2, 1, 1, 1]);
  });

  it('checkNoi off: QEMU behaviour, data masked to 11 bits and not range-checked', () => {
    const { m, mem } = makeMachine({ options: { checkNoi: false } });
    const fn = enable(m, m.addFunction({ fid: 0x31 }));
    const { aibv } = registerFloating(m, fn, 4, 0);
    m.msiWrite(0x31, 0xfe000000, 0, 0x805); // 0x805 & 0x7ff = 5 (beyond noi 4, inside the 8-byte AIBV)
    expect(mem.testBit(aibv, 5)).toBe(true);
    expect(fn.counters.dropOutOfRange).toBe(0);
  });

  it("summaryEdge 'byte' (QEMU): a neighbour's set summary bit in the same byte suppresses the interruption", () => {
    for (const [rule, raised] of [
      ['bit', 2],
      ['byte', 1],
    ] as const) {
      const { m, mem } = makeMachine({ options: { summaryEdge: rule } });
      const sbv = mem.alloc(64, 8, 'sbv');
      const a = enable(m, m.addFunction({ fid: 1 }));
      const b = enable(m, m.addFunction({ fid: 2 }));
      registerFloating(m, a, 2, 0, sbv);
      registerFloating(m, b, 2, 1, sbv);
      m.sic(0, 0, 2, 0); // ALL: no suppression
      m.msiWrite(1, 0xfe000000, 0, 0);
      m.msiWrite(2, 0xfe000000, 0, 0);
      expect(a.counters.raised + b.counters.raised).toBe(raised);
    }
  });
});

describe('SIC suppression (floating, single mode)', () => {
  it('second MSI with the summary bit set raises nothing until re-enable', () => {
    const { m, mem } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const { aibv, sbv } = registerFloating(m, fn, 8, 0);
    const io = recordIo(m);
    enableIsc(m);
    expect(m.sic(0, SIC_IRQ_MODE_SINGLE, 2, 0)).toBe(0);
    m.msiWrite(0x10, 0xfe000000, 0, 1);
    m.msiWrite(0x10, 0xfe000000, 0, 2);
    expect(m.flic.floatingPending[2]).toBe(1);
    expect(fn.counters.noEdge).toBe(1);
    m.run();
    expect(io.length).toBe(1);
    // the handler did not run (recording only): bits stay, ISC stays fired
    m.msiWrite(0x10, 0xfe000000, 0, 3);
    m.run();
    expect(io.length).toBe(1);
    // software drains the summary bit but does not re-enable: the next MSI has an edge but is suppressed
    mem.clearBit(sbv, 0);
    m.msiWrite(0x10, 0xfe000000, 0, 4);
    m.run();
    expect(io.length).toBe(1);
    expect(fn.counters.suppressed).toBe(1);
    // re-enable with SIC SINGLE; a new edge raises again
    m.sic(1, SIC_IRQ_MODE_SINGLE, 2, 0);
    m.msiWrite(0x10, 0xfe000000, 0, 5); // summary still set by the last write: no edge
    m.run();
    expect(io.length).toBe(1);
    mem.clearBit(sbv, 0);
    m.msiWrite(0x10, 0xfe000000, 0, 6);
    m.run();
    expect(io.length).toBe(2);
    expect(hex(mem, aibv, 1)).toBe('7e');
  });

  it('suppression is per ISC and starts when the interruption becomes pending', () => {
    const { m, mem } = makeMachine({ options: { summaryEdge: 'always' } });
    const a = enable(m, m.addFunction({ fid: 1 }));
    const b = enable(m, m.addFunction({ fid: 2 }));
    const sbv = mem.alloc(64, 8, 'sbv');
    registerFloating(m, a, 2, 0, sbv);
    registerFloating(m, b, 2, 1, sbv);
    m.sic(0, SIC_IRQ_MODE_SINGLE, 2, 0);
    m.msiWrite(1, 0xfe000000, 0, 0);
    m.msiWrite(2, 0xfe000000, 0, 0);
    m.msiWrite(1, 0xfe000000, 0, 1);
    expect(m.flic.floatingPending[2]).toBe(1);
    expect(b.counters.suppressed + a.counters.suppressed).toBe(2);
    expect(m.flic.floatingSuppressed).toBe(2);
  });

  it('ALL mode: every edge queues one interruption; a handler on CPU 0 lets CPU 1 take the next', () => {
    const { m, mem } = makeMachine({ options: { summaryEdge: 'always' } });
    const fn = enable(m, m.addFunction({ fid: 1 }));
    registerFloating(m, fn, 4, 0);
    enableIsc(m);
    const cpusSeen: number[] = [];
    m.setIoEntry((cpu) => {
      cpusSeen.push(cpu);
      // while CPU 0 is in the handler, a pending interruption goes to CPU 1
      if (cpusSeen.length === 1) m.presentPending();
    });
    m.msiWrite(1, 0xfe000000, 0, 0);
    m.msiWrite(1, 0xfe000000, 0, 1);
    expect(m.flic.floatingPending[2]).toBe(2);
    m.run();
    expect(cpusSeen).toEqual([0, 1]);
    expect(mem.inUse).toBeGreaterThan(0);
  });
});
