// SPDX-License-Identifier: GPL-2.0-only
/**
 * MPCIFC (Modify PCI Function Controls) as the firmware executes it: look up the
 * function by its handle, read the 80-byte big-endian FIB from simulated memory,
 * validate it and store or drop the function's interrupt / DMA registration.
 * qemu: hw/s390x/s390-pci-inst.c mpcifc_service_call(), reg_irqs(), pci_dereg_irqs();
 * PCI LOAD / PCI STORE of the configuration space (pcilg_service_call(),
 * pcistg_service_call()) at the end of the file; the directed format-1 operations (REG_INT_D / DEREG_INT_D) follow the notes (2.4)
 * because QEMU does not implement them.
 */
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Machine } from './machine.ts';
import { FH_MASK_ENABLE, IRQ_REG_FMT0, IRQ_REG_FMT1, IRQ_REG_NONE, type ZpciFunction } from './zpci.ts';

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

/* ----------------------------------------------------------- PCI LOAD / PCI STORE */

/** PCI address space of the configuration space (asm/pci.h ZPCI_PCIAS_CFGSPC; qemu ZPCI_CONFIG_BAR). */
export const ZPCI_PCIAS_CFGSPC = 15;
/** Highest memory-BAR address space (qemu ZPCI_IO_BAR_MAX). */
export const ZPCI_IO_BAR_MAX = 5;
/** Size of the configuration space the firmware forwards (PCIe extended, pci_config_size()). */
const ZPCI_CFG_SIZE = 4096;

// qemu: include/hw/s390x/s390-pci-inst.h ZPCI_PCI_ST_* (load/store status codes)
export const ZPCI_PCI_ST_FUNC_NOT_ENABLED = 4;
export const ZPCI_PCI_ST_FUNC_IN_ERR = 8;
export const ZPCI_PCI_ST_BLOCKED = 12;
export const ZPCI_PCI_ST_INSUF_RES = 16;
export const ZPCI_PCI_ST_INVAL_AS = 20;

/**
 * What PCILG / PCISTG leave besides the condition code: the status byte (bits 24-31 of the
 * R2 request register, meaningful with cc 1), the loaded data (the rightmost `len` bytes of
 * R1 as the register holds them) and the program-interruption code when the result is -1.
 * The caller owns the object and reuses it: the instructions allocate nothing.
 */
export class PciLsResult {
  status = 0;
  /** PCILG with cc 0: the rightmost `len` bytes of R1 (len <= 4 for the configuration space). */
  data = 0;
  pgm = 0;
}

// Failure points: busy only. The firmware answers cc 1 for a function in the error state (a real
// state: Machine.injectError() with its event) and cc 3 for a handle that is not (or no longer)
// enabled (CLP disable, an injected mpcifc.<OC>.cc3); a spontaneous cc 1 on a healthy function is
// not modelled: the kernel ignores config write results, so it would only be a silently lost write.
const FP_PCILG_CC2 = declareFailurePoint(
  'pcilg.cc2',
  'PCILG',
  'firmware',
  'cc 2 (busy) once; the kernel retries',
);
const FP_PCISTG_CC2 = declareFailurePoint(
  'pcistg.cc2',
  'PCISTG',
  'firmware',
  'cc 2 (busy) once; the kernel retries',
);

/** qemu: zpci_endian_swap() for len 1, 2, 4: configuration space is little-endian, registers big-endian. */
export function zpciEndianSwap(v: number, len: number): number {
  if (len === 1) return v & 0xff;
  if (len === 2) return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
}

function lsPgm(m: Machine, insn: string, code: number, cpu: number, out: PciLsResult): number {
  m.programChecks.push({ insn, code, cpu, time: m.sim.time });
  out.pgm = code;
  return -1;
}

function lsDone(m: Machine, insn: string, fid: number, offset: number, cc: number, out: PciLsResult): number {
  // Only failed accesses are traced: a successful configuration access is no event of its own.
  if (cc !== 0 && m.sim.trace.enabled) m.sim.trace.emit(-1, insn, { fid, offset, cc, status: out.status });
  return cc;
}

/**
 * The checks PCILG and PCISTG share (qemu: the head of pcilg_service_call() /
 * pcistg_service_call()): a handle without the enable bit, or no function with that handle
 * (stale after a disable or re-enable) -> cc 3; a function in the error or permanent-error
 * state -> cc 1 status 12 (blocked). The blocked state (after MPCIFC RESET_BLOCK) accepts
 * loads and stores again. Returns the function, or the cc with `out.status` set.
 */
function lsFunction(m: Machine, fh: number, out: PciLsResult): ZpciFunction | number {
  if (((fh >>> 0) & FH_MASK_ENABLE) === 0) return ZPCI_PCI_LS_INVAL_HANDLE;
  const fn = m.fnByFh(fh >>> 0);
  if (!fn) return ZPCI_PCI_LS_INVAL_HANDLE;
  if (fn.state === 'error' || fn.state === 'permError') {
    out.status = ZPCI_PCI_ST_BLOCKED;
    return ZPCI_PCI_LS_ERR;
  }
  return fn;
}

/**
 * firmware: PCI LOAD (PCILG) of `len` bytes at `offset` in address space `pcias` of the
 * function `fh` (qemu: pcilg_service_call()). Returns the cc (0..3), or -1 for a program
 * exception (the kernel's exception-table fixup turns it into -ENXIO). cc 0: `out.data`.
 * Only the configuration space is reachable in the model (the MSI-X table accesses of the
 * MSI code go to the device directly); a memory BAR space answers cc 1 status 20 [model].
 */
export function pcilg(
  m: Machine,
  fh: number,
  pcias: number,
  len: number,
  offset: number,
  cpu: number,
  out: PciLsResult,
): number {
  out.status = 0;
  out.pgm = 0;
  const f = lsFunction(m, fh, out);
  if (typeof f === 'number') return lsDone(m, 'pcilg', m.fnByFh(fh >>> 0)?.fid ?? -1, offset, f, out);
  if (m.sim.faults.shouldFail(FP_PCILG_CC2)) return lsDone(m, 'pcilg', f.fid, offset, ZPCI_PCI_LS_BUSY, out);
  if (pcias !== ZPCI_PCIAS_CFGSPC) {
    // > ZPCI_IO_BAR_MAX: qemu (invalid address space); 0..5: [model] no BAR behind PCILG
    out.status = ZPCI_PCI_ST_INVAL_AS;
    return lsDone(m, 'pcilg', f.fid, offset, ZPCI_PCI_LS_ERR, out);
  }
  // qemu: configuration space lengths 1, 2, 4, not crossing a word, else operand exception
  if (len === 0 || len > 4 - (offset & 3) || len === 3) return lsPgm(m, 'PCILG', PGM_OPERAND, cpu, out);
  // qemu: pci_host_config_read_common(): beyond the configuration space reads all ones
  let v: number;
  if (offset < 0 || offset + len > ZPCI_CFG_SIZE) v = len === 4 ? 0xffffffff : len === 2 ? 0xffff : 0xff;
  else if (len === 1) v = f.device.configRead8(offset);
  else if (len === 2) v = f.device.configRead16(offset);
  else v = f.device.configRead32(offset);
  out.data = zpciEndianSwap(v, len);
  return ZPCI_PCI_LS_OK;
}

/**
 * firmware: PCI STORE (PCISTG) of the rightmost `len` bytes of `data` (as the register holds
 * them) at `offset` in address space `pcias` of the function `fh` (qemu:
 * pcistg_service_call()). Same checks and results as pcilg(); cc 0: the device took the write.
 */
export function pcistg(
  m: Machine,
  fh: number,
  pcias: number,
  len: number,
  offset: number,
  data: number,
  cpu: number,
  out: PciLsResult,
): number {
  out.status = 0;
  out.pgm = 0;
  const f = lsFunction(m, fh, out);
  if (typeof f === 'number') return lsDone(m, 'pcistg', m.fnByFh(fh >>> 0)?.fid ?? -1, offset, f, out);
  if (m.sim.faults.shouldFail(FP_PCISTG_CC2))
    return lsDone(m, 'pcistg', f.fid, offset, ZPCI_PCI_LS_BUSY, out);
  if (pcias !== ZPCI_PCIAS_CFGSPC) {
    // > ZPCI_IO_BAR_MAX: qemu (invalid address space); 0..5: [model] no BAR behind PCISTG
    out.status = ZPCI_PCI_ST_INVAL_AS;
    return lsDone(m, 'pcistg', f.fid, offset, ZPCI_PCI_LS_ERR, out);
  }
  if (len === 0 || len > 4 - (offset & 3) || len === 3) return lsPgm(m, 'PCISTG', PGM_OPERAND, cpu, out);
  // qemu: pci_host_config_write_common(): writes beyond the configuration space are ignored
  if (offset >= 0 && offset + len <= ZPCI_CFG_SIZE) {
    const v = zpciEndianSwap(data, len);
    if (len === 1) f.device.configWrite8(offset, v);
    else if (len === 2) f.device.configWrite16(offset, v);
    else f.device.configWrite32(offset, v);
  }
  return ZPCI_PCI_LS_OK;
}
