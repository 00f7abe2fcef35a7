// SPDX-License-Identifier: GPL-2.0-only
/**
 * The MSI write path: what the firmware does when a PCI function writes
 * `data` to its MSI address. Allocation-free (it runs per interrupt).
 *
 * Floating (format-0 registration; qemu: s390_msi_ctrl_write(), set_ind_atomic()):
 *   set bit aibvo+data (MSB-0) in the AIBV, set summary bit aisbo of the doubleword
 *   at aisb, and raise an adapter interruption for the registered ISC only on a
 *   summary edge (option summaryEdge), subject to ISC suppression.
 * Directed (format-1 registration; notes 3.3 [I]): the target CPU address is in
 *   address_lo bits 8..23; set bit dibvo+data in that CPU's DIBV (registered with
 *   SIC SET_CPU); present a directed interruption if the CPU is armed, otherwise
 *   (option directedFallback) set the target's DISB bit and raise a floating
 *   interruption on the directed ISC.
 * Odd writes (disabled function, no registration, data >= noi, wrong address, unknown
 * CPU address) are dropped and counted per function; docs/machine.md has the rules.
 */
import type { Machine } from './machine.ts';
import { IRQ_REG_FMT0, IRQ_REG_FMT1, type ZpciFunction } from './zpci.ts';

/** Bits of address_lo the MSI address comparison ignores (the directed CPU address field). */
export const MSI_ADDR_LO_MASK = 0xff0000ff;
/** qemu: ZPCI_MSI_VEC_MASK (vector bits of the data when checkNoi is off). */
export const ZPCI_MSI_VEC_MASK = 0x7ff;

/**
 * firmware: MSI write to the function's MSI address (qemu: s390_msi_ctrl_write()).
 * `addrHi`, `addrLo`, `data` are 32-bit patterns, unsigned or int32 (every use normalises).
 */
export function msiWrite(m: Machine, fn: ZpciFunction, addrHi: number, addrLo: number, data: number): void {
  const c = fn.counters;
  c.writes++;
  if (m.sim.trace.enabled) traceMsiWrite(m, fn, addrHi, addrLo, data);
  // qemu: the write is ignored unless the function is enabled
  if (fn.state !== 'enabled') {
    c.dropDisabled++;
    return;
  }
  const g = m.group(fn.pfgid);
  if (
    addrHi >>> 0 !== g.msiaHi ||
    (addrLo & MSI_ADDR_LO_MASK) >>> 0 !== (g.msiaLo & MSI_ADDR_LO_MASK) >>> 0
  ) {
    c.dropBadAddress++;
    return;
  }
  const reg = fn.irq;
  if (reg.fmt !== IRQ_REG_FMT0 && reg.fmt !== IRQ_REG_FMT1) {
    c.dropNotRegistered++;
    return;
  }
  let vec = data >>> 0;
  if (m.opts.checkNoi) {
    if (vec >= reg.noi) {
      c.dropOutOfRange++;
      return;
    }
  } else {
    vec &= ZPCI_MSI_VEC_MASK;
  }
  if (reg.fmt === IRQ_REG_FMT0) floating(m, fn, vec);
  else directed(m, fn, addrLo, vec);
}

/** The msi_write trace event (out of line: keeps msiWrite small enough to inline). */
function traceMsiWrite(m: Machine, fn: ZpciFunction, addrHi: number, addrLo: number, data: number): void {
  m.sim.trace.emit(-1, 'msi_write', {
    fid: fn.fid,
    addrHi: addrHi >>> 0,
    addrLo: addrLo >>> 0,
    data: data >>> 0,
  });
}

/** Set MSB-0 bit `bit` of the vector at `base` (firmware write, checked). Returns the old bit. */
function setIndicator(m: Machine, fn: ZpciFunction, base: number, bit: number, what: string): boolean {
  const a = base + (bit >>> 3);
  if (!m.fwCheck(a, 1, what, fn.fid)) {
    fn.counters.dmaViolations++;
    if (a <= 0 || a >= m.mem.size) return true; // nothing to write: treat as already set
  }
  return m.mem.testAndSetBit(base, bit);
}

// qemu: s390_msi_ctrl_write() floating part
function floating(m: Machine, fn: ZpciFunction, vec: number): void {
  const c = fn.counters;
  const reg = fn.irq;
  const old = setIndicator(m, fn, reg.aibv, reg.aibvo + vec, 'AIBV bit set');
  c.accepted++;
  if (old) c.coalesced++;
  let edge: boolean;
  if (reg.sum) {
    const byteAddr = reg.aisb + (reg.aisbo >>> 3);
    const oldByte = byteAddr > 0 && byteAddr < m.mem.size ? m.mem.readU8(byteAddr) : 0xff;
    const oldBit = setIndicator(m, fn, reg.aisb, reg.aisbo, 'AISB summary bit set');
    const rule = m.opts.summaryEdge;
    edge = rule === 'always' || (rule === 'bit' ? !oldBit : oldByte === 0);
  } else {
    // [I] summary notification disabled: no summary bit; every write asks for an interruption
    edge = true;
  }
  if (!edge) {
    c.noEdge++;
    return;
  }
  c.raised++;
  if (!m.flic.raiseFloating(reg.isc)) c.suppressed++;
}

// [I] directed delivery (notes 3.3)
function directed(m: Machine, fn: ZpciFunction, addrLo: number, vec: number): void {
  const c = fn.counters;
  const reg = fn.irq;
  const address = (addrLo >>> 8) & 0xffff;
  const cpu = m.cpus.cpuOfAddress(address);
  const t = cpu < 0 ? undefined : m.cpus.list[cpu];
  if (!t) {
    c.dropNoTarget++;
    return;
  }
  const flic = m.flic;
  if (t.dibvAddr > 0) {
    const old = setIndicator(m, fn, t.dibvAddr, reg.dibvo + vec, 'DIBV bit set');
    c.accepted++;
    if (old) c.coalesced++;
    if (flic.directedArmed(t)) {
      c.directed++;
      flic.raiseDirected(t);
      return;
    }
    if (m.opts.directedFallback === 'unavailable' && t.operating) {
      // the target already fired: its own rescan finds the bit
      c.directedSuppressed++;
      return;
    }
  } else {
    // SIC SET_CPU never ran on the target: no DIBV to set
    c.noDibv++;
    c.accepted++;
  }
  fallback(m, fn, t.cpu, address);
}

// [I] directed fallback: DISB bit of the target + floating interruption on the directed ISC
function fallback(m: Machine, fn: ZpciFunction, cpu: number, address: number): void {
  const c = fn.counters;
  const d = m.directed;
  const idx = m.opts.disbIndex === 'logical' ? cpu : address;
  if (!d.enabled || idx >= d.nrCpus) {
    c.dropNoDisb++;
    return;
  }
  c.fallback++;
  const byteAddr = d.disbAddr + (idx >>> 3);
  const oldByte = byteAddr > 0 && byteAddr < m.mem.size ? m.mem.readU8(byteAddr) : 0xff;
  const oldBit = setIndicator(m, fn, d.disbAddr, idx, 'DISB bit set');
  const rule = m.opts.summaryEdge;
  const edge = rule === 'always' || (rule === 'bit' ? !oldBit : oldByte === 0);
  if (!edge) {
    c.noEdge++;
    return;
  }
  c.raised++;
  if (!m.flic.raiseFloating(d.isc)) c.suppressed++;
}
