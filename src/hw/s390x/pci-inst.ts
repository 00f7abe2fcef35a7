// SPDX-License-Identifier: GPL-2.0-only
/**
 * MPCIFC (Modify PCI Function Controls) as the firmware executes it: look up the
 * function by its handle, read the 80-byte big-endian FIB from simulated memory,
 * validate it and store or drop the function's interrupt / DMA registration.
 * qemu: hw/s390x/s390-pci-inst.c mpcifc_service_call(), reg_irqs(), pci_dereg_irqs();
 * the directed format-1 operations (REG_INT_D / DEREG_INT_D) follow the notes (2.4)
 * because QEMU does not implement them.
 */
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Machine } from './machine.ts';
import { IRQ_REG_FMT0, IRQ_REG_FMT1, IRQ_REG_NONE, type ZpciFunction } from './zpci.ts';

// Linux arch/s390/include/asm/pci_insn.h
export const ZPCI_MOD_FC_REG_INT = 2;
export const ZPCI_MOD_FC_DEREG_INT = 3;
export const ZPCI_MOD_FC_REG_IOAT = 4;
export const ZPCI_MOD_FC_DEREG_IOAT = 5;
export const ZPCI_MOD_FC_REREG_IOAT = 6;
export const ZPCI_MOD_FC_RESET_ERROR = 7;
export const ZPCI_MOD_FC_RESET_BLOCK = 9;
export const ZPCI_MOD_FC_SET_MEASURE = 10;
export const ZPCI_MOD_FC_REG_INT_D = 16;
export const ZPCI_MOD_FC_DEREG_INT_D = 17;

export const ZPCI_PCI_LS_OK = 0;
export const ZPCI_PCI_LS_ERR = 1;
export const ZPCI_PCI_LS_BUSY = 2;
export const ZPCI_PCI_LS_INVAL_HANDLE = 3;

// qemu: include/hw/s390x/s390-pci-inst.h ZPCI_MOD_ST_*
export const ZPCI_MOD_ST_RES_NOT_AVAIL = 4;
export const ZPCI_MOD_ST_INSUF_RES = 16;
export const ZPCI_MOD_ST_SEQUENCE = 24;
export const ZPCI_MOD_ST_DMAAS_INVAL = 28;
export const ZPCI_MOD_ST_FRAME_INVAL = 32;
export const ZPCI_MOD_ST_ERROR_RECOVER = 40;

// Program-interruption codes the model returns instead of cc.
export const PGM_OPERATION = 0x01;
export const PGM_ADDRESSING = 0x05;
export const PGM_SPECIFICATION = 0x06;
export const PGM_OPERAND = 0x15;

/** FIB size and offsets (asm/pci_insn.h struct zpci_fib). */
export const ZPCI_FIB_SIZE = 80;
export const FIB_FMT = 0;
export const FIB_FMT0_WORD = 40;
export const FIB_FMT0_AIBV = 48;
export const FIB_FMT0_AISB = 56;
export const FIB_FMT1_WORD1 = 44;
export const FIB_FMB_ADDR = 64;
export const FIB_GD = 76;

/** Bits in a directed interrupt bit vector (one 256-byte cache line, notes 5.6). */
export const DIBV_BITS = 2048;

export interface MpcifcResult {
  /** Condition code 0..3, or -1 when a program exception was recognised. */
  readonly cc: number;
  /** Status byte (meaningful with cc 1). */
  readonly status: number;
  /** Program-interruption code when cc is -1, else 0. */
  readonly pgm: number;
}

export const OC_NAMES: Readonly<Record<number, string>> = {
  [ZPCI_MOD_FC_REG_INT]: 'REG_INT',
  [ZPCI_MOD_FC_DEREG_INT]: 'DEREG_INT',
  [ZPCI_MOD_FC_REG_IOAT]: 'REG_IOAT',
  [ZPCI_MOD_FC_DEREG_IOAT]: 'DEREG_IOAT',
  [ZPCI_MOD_FC_REREG_IOAT]: 'REREG_IOAT',
  [ZPCI_MOD_FC_RESET_ERROR]: 'RESET_ERROR',
  [ZPCI_MOD_FC_RESET_BLOCK]: 'RESET_BLOCK',
  [ZPCI_MOD_FC_SET_MEASURE]: 'SET_MEASURE',
  [ZPCI_MOD_FC_REG_INT_D]: 'REG_INT_D',
  [ZPCI_MOD_FC_DEREG_INT_D]: 'DEREG_INT_D',
};

interface OcPoints {
  readonly cc1: string;
  readonly cc2: string;
  readonly cc3: string;
}

const points = new Map<number, OcPoints>();
for (const [ocStr, name] of Object.entries(OC_NAMES)) {
  const owner = `MPCIFC ${name}`;
  points.set(Number(ocStr), {
    cc1: declareFailurePoint(
      `mpcifc.${name}.cc1`,
      owner,
      'firmware',
      'cc 1 status 16 (insufficient resources)',
    ),
    cc2: declareFailurePoint(`mpcifc.${name}.cc2`, owner, 'firmware', 'cc 2 (busy) once; the kernel retries'),
    cc3: declareFailurePoint(`mpcifc.${name}.cc3`, owner, 'firmware', 'cc 3 (function not accessible)'),
  });
}

function res(cc: number, status = 0, pgm = 0): MpcifcResult {
  return { cc, status, pgm };
}

/** Read a big-endian u64 address that must fit in PhysMem (returns -1 if the high word is set). */
function readAddr(m: Machine, at: number): number {
  const hi = m.mem.readU32(at);
  const lo = m.mem.readU32(at + 4);
  return hi !== 0 ? -1 : lo;
}

function pgmCheck(m: Machine, code: number, cpu: number): MpcifcResult {
  m.programChecks.push({ insn: 'MPCIFC', code, cpu, time: m.sim.time });
  return res(-1, 0, code);
}

// firmware: MPCIFC (qemu: mpcifc_service_call())
export function mpcifc(m: Machine, fh: number, oc: number, fibAddr: number, cpu: number): MpcifcResult {
  const name = OC_NAMES[oc];
  const fp = points.get(oc);
  if (fibAddr % 8 !== 0) return pgmCheck(m, PGM_SPECIFICATION, cpu);
  const fn = m.fnByFh(fh >>> 0);
  if (
    !fn ||
    fn.state === 'reserved' ||
    fn.state === 'standby' ||
    fn.state === 'disabled' ||
    fn.state === 'permError'
  ) {
    return trace(m, fn, name, res(ZPCI_PCI_LS_INVAL_HANDLE));
  }
  const faults = m.sim.faults;
  if (fp && faults.shouldFail(fp.cc3)) {
    // An injected cc 3 has to be true: the function has left the enabled state (as after a
    // firmware-initiated disable), so its registrations are gone and its handle is stale.
    fn.dropRegistrations();
    fn.state = 'disabled';
    fn.newFh(false);
    return trace(m, fn, name, res(ZPCI_PCI_LS_INVAL_HANDLE));
  }
  if (fn.busyCount > 0) {
    fn.busyCount--;
    return trace(m, fn, name, res(ZPCI_PCI_LS_BUSY));
  }
  if (fp && faults.shouldFail(fp.cc2)) return trace(m, fn, name, res(ZPCI_PCI_LS_BUSY));
  if (fibAddr <= 0 || fibAddr + ZPCI_FIB_SIZE > m.mem.size) return pgmCheck(m, PGM_ADDRESSING, cpu);
  // The FIB is read from memory the kernel owns; reading freed memory is reported, then read as is.
  m.fwCheck(fibAddr, ZPCI_FIB_SIZE, `MPCIFC ${name ?? oc} FIB read`, fn.fid);
  if (!fp || name === undefined) return pgmCheck(m, PGM_OPERAND, cpu);
  const fmt = m.mem.readU8(fibAddr + FIB_FMT);
  let r: MpcifcResult;
  switch (oc) {
    case ZPCI_MOD_FC_REG_INT:
      if (fmt !== 0) return pgmCheck(m, PGM_OPERAND, cpu);
      r = regInt(m, fn, fibAddr, fp);
      break;
    case ZPCI_MOD_FC_DEREG_INT:
      if (fmt !== 0) return pgmCheck(m, PGM_OPERAND, cpu);
      if (fn.irq.fmt !== IRQ_REG_FMT0) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
      else if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else {
        fn.irq.clear();
        r = res(ZPCI_PCI_LS_OK);
      }
      break;
    case ZPCI_MOD_FC_REG_INT_D:
      if (!m.hasDirq || fmt !== 1) return pgmCheck(m, PGM_OPERAND, cpu);
      r = regIntD(m, fn, fibAddr, fp);
      break;
    case ZPCI_MOD_FC_DEREG_INT_D:
      if (!m.hasDirq || fmt !== 1) return pgmCheck(m, PGM_OPERAND, cpu);
      if (fn.irq.fmt !== IRQ_REG_FMT1) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
      else if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else {
        fn.irq.clear();
        r = res(ZPCI_PCI_LS_OK);
      }
      break;
    case ZPCI_MOD_FC_REG_IOAT:
      if (fn.ioatRegistered) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
      else if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else {
        fn.ioatRegistered = true;
        r = res(ZPCI_PCI_LS_OK);
      }
      break;
    case ZPCI_MOD_FC_DEREG_IOAT:
      if (!fn.ioatRegistered) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
      else if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else {
        fn.ioatRegistered = false;
        r = res(ZPCI_PCI_LS_OK);
      }
      break;
    case ZPCI_MOD_FC_REREG_IOAT:
      if (!fn.ioatRegistered) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
      else if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else r = res(ZPCI_PCI_LS_OK);
      break;
    case ZPCI_MOD_FC_RESET_ERROR:
      // qemu: ERROR or BLOCKED -> ENABLED, else cc 1 status 24
      if (fn.state !== 'error' && fn.state !== 'blocked') r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
      else if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else {
        fn.state = 'enabled';
        r = res(ZPCI_PCI_LS_OK);
      }
      break;
    case ZPCI_MOD_FC_RESET_BLOCK:
      // qemu: ERROR -> BLOCKED, else cc 1 status 24
      if (fn.state !== 'error') r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
      else if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else {
        fn.state = 'blocked';
        r = res(ZPCI_PCI_LS_OK);
      }
      break;
    case ZPCI_MOD_FC_SET_MEASURE: {
      const a = readAddr(m, fibAddr + FIB_FMB_ADDR);
      if (faults.shouldFail(fp.cc1)) r = res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
      else {
        fn.fmbAddr = Math.max(a, 0);
        r = res(ZPCI_PCI_LS_OK);
      }
      break;
    }
    default:
      return pgmCheck(m, PGM_OPERAND, cpu);
  }
  return trace(m, fn, name, r);
}

// firmware: MPCIFC REG_INT (qemu: reg_irqs())
function regInt(m: Machine, fn: ZpciFunction, fib: number, fp: OcPoints): MpcifcResult {
  if (fn.irq.fmt !== IRQ_REG_NONE) return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
  const w = m.mem.readU32(fib + FIB_FMT0_WORD);
  const isc = (w >>> 28) & 7;
  const noi = (w >>> 16) & 0xfff;
  const aibvo = (w >>> 8) & 0x3f;
  const sum = (w >>> 7) & 1;
  const aisbo = w & 0x3f;
  const aibv = readAddr(m, fib + FIB_FMT0_AIBV);
  const aisb = readAddr(m, fib + FIB_FMT0_AISB);
  const gd = m.mem.readU32(fib + FIB_GD);
  // [I] more interrupts than the function group allows, or none at all
  if (noi === 0 || noi > m.group(fn.pfgid).noi) return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
  // qemu: indicators that cannot be mapped -> cc 1 status 4
  if (aibv <= 0 || aisb <= 0) return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_RES_NOT_AVAIL);
  const aibvLen = (aibvo + noi + 7) >>> 3;
  if (!m.fwCheck(aibv, aibvLen, 'MPCIFC REG_INT AIBV mapping', fn.fid)) {
    return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_RES_NOT_AVAIL);
  }
  if (!m.fwCheck(aisb, 8, 'MPCIFC REG_INT AISB mapping', fn.fid)) {
    return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_RES_NOT_AVAIL);
  }
  if (m.sim.faults.shouldFail(fp.cc1)) return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
  const r = fn.irq;
  r.fmt = IRQ_REG_FMT0;
  r.isc = isc;
  r.noi = noi;
  r.aibv = aibv;
  r.aibvo = aibvo;
  r.aisb = aisb;
  r.aisbo = aisbo;
  r.sum = sum;
  r.gd = gd;
  return res(ZPCI_PCI_LS_OK);
}

// firmware: MPCIFC REG_INT_D [I] (format 1: noi, dibvo; ISC and DISB come from SIC DIRECT)
function regIntD(m: Machine, fn: ZpciFunction, fib: number, fp: OcPoints): MpcifcResult {
  if (fn.irq.fmt !== IRQ_REG_NONE) return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
  // [I] directed registration before SIC DIRECT set the system up: a sequence error
  if (!m.directed.enabled) return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_SEQUENCE);
  const w0 = m.mem.readU32(fib + FIB_FMT0_WORD);
  const w1 = m.mem.readU32(fib + FIB_FMT1_WORD1);
  const noi = (w0 >>> 16) & 0xfff;
  const dibvo = w1 >>> 16;
  const gd = m.mem.readU32(fib + FIB_GD);
  // [I] no interrupts, more than the group allows, or a range past the 2048-bit DIBV
  if (noi === 0 || noi > m.group(fn.pfgid).noi || dibvo + noi > DIBV_BITS) {
    return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
  }
  if (m.sim.faults.shouldFail(fp.cc1)) return res(ZPCI_PCI_LS_ERR, ZPCI_MOD_ST_INSUF_RES);
  const r = fn.irq;
  r.fmt = IRQ_REG_FMT1;
  r.noi = noi;
  r.dibvo = dibvo;
  r.isc = m.directed.isc;
  r.gd = gd;
  return res(ZPCI_PCI_LS_OK);
}

function trace(
  m: Machine,
  fn: ZpciFunction | undefined,
  name: string | undefined,
  r: MpcifcResult,
): MpcifcResult {
  if (m.sim.trace.enabled) {
    m.sim.trace.emit(-1, 'mpcifc', { fid: fn?.fid ?? -1, oc: name ?? '?', cc: r.cc, status: r.status });
  }
  return r;
}
