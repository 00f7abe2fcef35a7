// SPDX-License-Identifier: GPL-2.0-only
/** Shared setup for the machine tests: a machine, FIB/iib builders, a fake kernel entry. */

import { CLP_SET_ENABLE_PCI_FN } from '../../src/hw/s390x/clp.ts';
import { type IoEntry, Machine, type MachineConfig } from '../../src/hw/s390x/machine.ts';
import { PhysMem } from '../../src/hw/s390x/memory.ts';
import { ZPCI_MOD_FC_REG_INT, ZPCI_MOD_FC_REG_INT_D } from '../../src/hw/s390x/pci-inst.ts';
import type { ZpciFunction } from '../../src/hw/s390x/zpci.ts';
import { Sim } from '../../src/sim/sim.ts';

export const PCI_ISC = 2;

export function makeMachine(
  cfg: Partial<MachineConfig> = {},
  seed = 1,
): { sim: Sim; mem: PhysMem; m: Machine } {
  const sim = new Sim(seed);
  const mem = new PhysMem();
  const m = new Machine(sim, mem, { nrCpus: 2, ...cfg });
  return { sim, mem, m };
}

/** Enable a function through CLP and return it. */
export function enable(m: Machine, fn: ZpciFunction): ZpciFunction {
  const r = m.clpSetPciFn(fn.fh, 1, CLP_SET_ENABLE_PCI_FN);
  if (r.rc !== 0x10) throw new Error(`enable rc ${r.rc}`);
  return fn;
}

function writeU64(mem: PhysMem, at: number, v: number): void {
  mem.writeU32(at, 0);
  mem.writeU32(at + 4, v);
}

export interface Fmt0 {
  isc?: number;
  noi: number;
  aibvo?: number;
  sum?: number;
  aisbo: number;
  aibv: number;
  aisb: number;
}

/** Write a format-0 FIB (as zpci_set_airq builds it) and return its address. */
export function fibFmt0(mem: PhysMem, f: Fmt0): number {
  const fib = mem.alloc(80, 8, 'fib');
  const w =
    (((f.isc ?? PCI_ISC) & 7) << 28) |
    ((f.noi & 0xfff) << 16) |
    (((f.aibvo ?? 0) & 0x3f) << 8) |
    ((f.sum ?? 1) << 7) |
    (f.aisbo & 0x3f);
  mem.writeU32(fib + 40, w >>> 0);
  writeU64(mem, fib + 48, f.aibv);
  writeU64(mem, fib + 56, f.aisb);
  return fib;
}

/** Write a format-1 FIB (zpci_set_directed_irq). */
export function fibFmt1(mem: PhysMem, noi: number, dibvo: number): number {
  const fib = mem.alloc(80, 8, 'fib');
  mem.writeU8(fib, 1);
  mem.writeU32(fib + 40, (noi & 0xfff) << 16);
  mem.writeU32(fib + 44, (dibvo & 0xffff) << 16);
  return fib;
}

/** A zeroed FIB (DEREG_INT), optionally format 1. */
export function fibZero(mem: PhysMem, fmt = 0): number {
  const fib = mem.alloc(80, 8, 'fib');
  mem.writeU8(fib, fmt);
  return fib;
}

/** Floating registration as Linux does it: AIBV of `noi` bits, summary bit `aisbNr` in a 512-bit sbv. */
export function registerFloating(
  m: Machine,
  fn: ZpciFunction,
  noi: number,
  aisbNr: number,
  sbv?: number,
): { aibv: number; sbv: number; rc: number } {
  const mem = m.mem;
  const aibv = mem.alloc(((noi + 63) >>> 6) * 8, 8, `aibv fid ${fn.fid}`);
  const s = sbv ?? mem.alloc(64, 8, 'zpci_sbv');
  const fib = fibFmt0(mem, { noi, aisbo: aisbNr & 63, aibv, aisb: s + ((aisbNr >>> 6) << 3) });
  const r = m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT, fib);
  return { aibv, sbv: s, rc: r.cc };
}

export function registerDirected(m: Machine, fn: ZpciFunction, noi: number, dibvo: number): number {
  return m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT_D, fibFmt1(m.mem, noi, dibvo)).cc;
}

/** diib for SIC DIRECT. */
export function diib(mem: PhysMem, isc: number, nrCpus: number, disb: number): number {
  const a = mem.alloc(32, 8, 'diib');
  mem.writeU8(a, (isc & 7) << 4);
  mem.writeU8(a + 6, nrCpus >>> 8);
  mem.writeU8(a + 7, nrCpus & 0xff);
  writeU64(mem, a + 8, disb);
  return a;
}

/** cdiib for SIC SET_CPU. */
export function cdiib(mem: PhysMem, dibv: number): number {
  const a = mem.alloc(40, 8, 'cdiib');
  writeU64(mem, a + 8, dibv);
  return a;
}

export interface Delivery {
  cpu: number;
  isc: number;
  directed: boolean;
  word2: number;
}

/** Install an I/O entry that records deliveries (and runs `body` if given). */
export function recordIo(m: Machine, body?: (cpu: number) => void): Delivery[] {
  const out: Delivery[] = [];
  const entry: IoEntry = (cpu, tpi) => {
    out.push({ cpu, isc: tpi.isc, directed: tpi.directed, word2: tpi.word2 });
    body?.(cpu);
  };
  m.setIoEntry(entry);
  return out;
}

/** Enable ISC `isc` in CR6 on every CPU. */
export function enableIsc(m: Machine, isc = PCI_ISC): void {
  for (let c = 0; c < m.nrCpus; c++) m.setIscEnabled(c, isc, true);
}

/** Bytes of a memory range as hex. */
export function hex(mem: PhysMem, at: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++)
    s += mem
      .readU8(at + i)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/** Program the function's MSI-X table as Linux floating mode does (address = msia, data = index) and enable it. */
export function msixSetup(fn: ZpciFunction, n: number, addrLo = 0): void {
  const dev = fn.device;
  for (let v = 0; v < n; v++) {
    dev.memWrite32(0, v * 16 + 0, addrLo);
    dev.memWrite32(0, v * 16 + 4, 0xfe000000);
    dev.memWrite32(0, v * 16 + 8, v);
    dev.memWrite32(0, v * 16 + 12, 0);
  }
  dev.configWrite16(dev.msixCap + 2, 0x8000);
}
