// SPDX-License-Identifier: GPL-2.0-only
/**
 * The kernel side of the zPCI instructions: arch/s390/pci/pci_insn.c,
 * arch/s390/include/asm/pci_insn.h, asm/pci_debug.h. Shared by every zPCI MSI
 * backend (legacy, v1, mainline, domain).
 *
 * - __mpcifc() / zpci_mod_fc(): MPCIFC with the busy-retry loop (msleep(1) per
 *   cc 2) and the s390dbf "pci_error" entries zpci_err_insn_req() writes: one at
 *   level 1 on the first retry, then level 0 for a final cc != 0 or level 1 for a
 *   success after retries. zpci_mod_fc() returns the final cc; the status byte goes
 *   to `out.status`.
 * - zpci_set_irq_ctrl(): -EIO without facility 72, else SIC and 0. The iib
 *   (union zpci_sic_iib, on the kernel stack in C) is serialized into one
 *   per-kernel 40-byte scratch block in PhysMem, zeroed first, so the delivery path
 *   (SIC SINGLE / D_SINGLE from the handlers) allocates nothing.
 *
 * - __zpci_load() / __zpci_store(): PCILG / PCISTG (configuration space in the model)
 *   with the busy-retry loop (udelay(1) per cc 2) and the same "pci_error" entries
 *   ('l' / 's'); 0, -EIO for cc 1 or 3, -ENXIO for a program exception (EX_TABLE).
 *
 * A program exception from MPCIFC or SIC in kernel mode is an Oops.
 * Busy waits advance the simulated clock (msleep) and offer a preemption point.
 */

import { kernelPhysMem } from '../../../drivers/s390/cio/airq.ts';
import { PciLsResult, pcilg, pcistg } from '../../../hw/s390x/pci-inst.ts';
import { EIO, ENXIO } from '../../../include/linux/errno.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { oops } from '../../../kernel/panic.ts';
import { s390Machine } from '../kernel/irq.ts';

/* ------------------------------------------------------------ constants */

/** ZPCI_MOD_FC_* (asm/pci_insn.h) */
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

/** ZPCI_PCI_LS_* condition codes */
export const ZPCI_PCI_LS_OK = 0;
export const ZPCI_PCI_LS_ERR = 1;
export const ZPCI_PCI_LS_BUSY = 2;
export const ZPCI_PCI_LS_INVAL_HANDLE = 3;

/** SIC_IRQ_MODE_* */
export const SIC_IRQ_MODE_ALL = 0;
export const SIC_IRQ_MODE_SINGLE = 1;
export const SIC_IRQ_MODE_SET_AENI_CONTROLS = 2;
export const SIC_IRQ_MODE_DIRECT = 4;
export const SIC_IRQ_MODE_D_ALL = 16;
export const SIC_IRQ_MODE_D_SINGLE = 17;
export const SIC_IRQ_MODE_SET_CPU = 18;

/** ZPCI_INSN_BUSY_DELAY: msleep(1) between busy retries of MPCIFC */
export const ZPCI_INSN_BUSY_DELAY_MS = 1;
/** The adapter-interruption-suppression facility SIC needs. */
export const FACILITY_AIS = 72;
/** sizeof(union zpci_sic_iib) (the cdiib is the largest member). */
export const ZPCI_SIC_IIB_SIZE = 40;

/** Preemption point of a busy-retry sleep. */
export const PP_ZPCI_MOD_FC_BUSY = 'zpci_mod_fc.msleep';

/* ------------------------------------------------------------ requests */

/** kernel: ZPCI_CREATE_REQ(handle, space, len) — u64 as bigint (setup path). */
export function zpciCreateReq(handle: number, space: number, len: number): bigint {
  return (BigInt(handle >>> 0) << 32n) | (BigInt(space & 0xff) << 16n) | BigInt(len & 0xffff);
}

/* --------------------------------------------------------- debug areas */

/** One s390dbf "pci_error" record written by zpci_err_insn_req()/zpci_err_insn_addr(). */
export interface ZpciErrInsnRecord {
  /** Debug level of the event (0 = error, 1 = retry information). */
  readonly level: number;
  /** 'M' MPCIFC, 'R' RPCIT, 'l'/'s'/'b' load/store/store block, ... */
  readonly insn: string;
  readonly cc: number;
  readonly status: number;
  readonly req: bigint;
  readonly offset: bigint;
  readonly time: number;
  readonly cpu: number;
}

export interface PciInsnState {
  /** The "pci_error" debug area (pci_debug_err_id), in order. */
  readonly errLog: ZpciErrInsnRecord[];
  /** debug_set_level(pci_debug_err_id, 3): events above this level are not recorded. */
  errLevel: number;
  /** The scratch iib (0 until first use). */
  iib: number;
  /** MPCIFC busy retries seen (model statistics). */
  busyRetries: number;
  /** A doubleword view of the memory buffer the scratch iib lives in (rebuilt when PhysMem grows). */
  zeroView: Float64Array | null;
  zeroViewOf: Uint8Array | null;
}

const KEY = 's390.pci_insn';

/** One-entry cache of pciInsnState() (SIC from the interrupt handlers asks for it). */
let cachedKernel: Kernel | null = null;
let cachedState: PciInsnState | null = null;

export function pciInsnState(k: Kernel): PciInsnState {
  if (k === cachedKernel) return cachedState!;
  let s = k.subsys.get(KEY) as PciInsnState | undefined;
  if (!s) {
    s = { errLog: [], errLevel: 3, iib: 0, busyRetries: 0, zeroView: null, zeroViewOf: null };
    k.subsys.set(KEY, s);
  }
  cachedKernel = k;
  cachedState = s;
  return s;
}

// kernel: zpci_err_insn_req() -> zpci_err_hex_level()
function zpciErrInsnReq(
  k: Kernel,
  lvl: number,
  insn: string,
  cc: number,
  status: number,
  req: bigint,
  offset: bigint,
): void {
  const s = pciInsnState(k);
  if (lvl > s.errLevel) return;
  s.errLog.push({ level: lvl, insn, cc, status, req, offset, time: k.sim.time, cpu: k.currentCpu });
  if (k.sim.trace.enabled) {
    k.sim.trace.emit(k.currentCpu, 'zpci_err_insn', { level: lvl, insn, cc, status });
  }
}

/* --------------------------------------------------------------- MPCIFC */

/** *status of __mpcifc()/zpci_mod_fc() */
export interface ZpciStatus {
  status: number;
}

/** kernel: __mpcifc() — one MPCIFC; returns cc, stores the status byte. */
export function __mpcifc(k: Kernel, req: bigint, fibAddr: number, out: ZpciStatus): number {
  const m = s390Machine(k);
  if (!m) oops(k, 'MPCIFC without a machine', 'arch/s390/pci/pci_insn.c __mpcifc');
  const fh = Number((req >> 32n) & 0xffffffffn);
  const oc = Number(req & 0xffn);
  const r = m.mpcifc(fh, oc, fibAddr, k.currentCpu);
  if (r.cc < 0) {
    oops(k, `program check 0x${r.pgm.toString(16)} on MPCIFC`, 'arch/s390/pci/pci_insn.c __mpcifc');
  }
  out.status = r.status & 0xff;
  return r.cc;
}

/**
 * kernel: zpci_mod_fc() — MPCIFC until it is not busy (msleep(1) per busy),
 * logging to the pci_error debug area; returns the final cc (0, 1 or 3).
 */
export function zpciModFc(k: Kernel, req: bigint, fibAddr: number, out: ZpciStatus): number {
  let retried = false;
  let cc: number;
  do {
    cc = __mpcifc(k, req, fibAddr, out);
    if (cc === ZPCI_PCI_LS_BUSY) {
      msleep(k, ZPCI_INSN_BUSY_DELAY_MS);
      pciInsnState(k).busyRetries++;
      if (!retried) {
        zpciErrInsnReq(k, 1, 'M', cc, out.status, req, 0n);
        retried = true;
      }
    }
  } while (cc === ZPCI_PCI_LS_BUSY);
  if (cc) zpciErrInsnReq(k, 0, 'M', cc, out.status, req, 0n);
  else if (retried) zpciErrInsnReq(k, 1, 'M', cc, out.status, req, 0n);
  return cc;
}

// kernel: msleep() — the model advances the clock and offers a preemption point.
function msleep(k: Kernel, ms: number): void {
  k.sim.advance(ms * 1_000_000);
  if (k.preemptArmed) k.preemptPoint!(k, PP_ZPCI_MOD_FC_BUSY);
}

/* ------------------------------------------------------- PCI LOAD / PCI STORE */

/** ZPCI_INSN_BUSY_DELAY of the load/store retries: udelay(1) per cc 2. */
export const ZPCI_INSN_BUSY_DELAY_US = 1;

/** The caller's `u64 *data` of __zpci_load() (configuration loads are at most 4 bytes: the low word). */
export interface ZpciLoadData {
  data: number;
}

/** R1 / R2 as PCILG and PCISTG leave them (one object reused: loads and stores allocate nothing). */
const lsOut = new PciLsResult();

// kernel: udelay() — a busy wait: the clock moves, no preemption point
function udelay(k: Kernel, us: number): void {
  k.sim.advance(us * 1_000);
}

function lsMachine(k: Kernel, what: string) {
  const m = s390Machine(k);
  if (!m) oops(k, `${what} without a machine`, 'arch/s390/pci/pci_insn.c');
  return m;
}

/**
 * kernel: __pcilg() (____pcilg() + the data copy) — one PCILG on request (fh, space, len);
 * returns the cc, or -ENXIO when the instruction raised a program exception (the EX_TABLE
 * fixup leaves the preset value). `data` is written only with cc 0.
 */
function __pcilg(
  k: Kernel,
  fh: number,
  space: number,
  len: number,
  offset: number,
  out: ZpciLoadData,
): number {
  const m = lsMachine(k, 'PCILG');
  const cc = pcilg(m, fh, space, len, offset, k.currentCpu, lsOut);
  if (cc < 0) return -ENXIO;
  if (!cc) out.data = lsOut.data;
  return cc;
}

/**
 * kernel: __zpci_load() — PCILG until it is not busy (udelay(1) per cc 2), logging to the
 * pci_error debug area as zpci_mod_fc() does ('l'); 0, -EIO for cc 1 / 3, -ENXIO for a
 * program exception. The request is u64 (handle << 32 | space << 16 | len) in C.
 */
export function __zpciLoad(
  k: Kernel,
  out: ZpciLoadData,
  fh: number,
  space: number,
  len: number,
  offset: number,
): number {
  let retried = false;
  let cc: number;
  do {
    cc = __pcilg(k, fh, space, len, offset, out);
    if (cc === ZPCI_PCI_LS_BUSY) {
      udelay(k, ZPCI_INSN_BUSY_DELAY_US);
      if (!retried) {
        zpciErrInsnReq(k, 1, 'l', cc, lsOut.status, zpciCreateReq(fh, space, len), BigInt(offset));
        retried = true;
      }
    }
  } while (cc === ZPCI_PCI_LS_BUSY);
  if (cc) zpciErrInsnReq(k, 0, 'l', cc, lsOut.status, zpciCreateReq(fh, space, len), BigInt(offset));
  else if (retried)
    zpciErrInsnReq(k, 1, 'l', cc, lsOut.status, zpciCreateReq(fh, space, len), BigInt(offset));
  return cc > 0 ? -EIO : cc;
}

// kernel: __pcistg() — one PCISTG; the cc, or -ENXIO after a program exception
function __pcistg(k: Kernel, data: number, fh: number, space: number, len: number, offset: number): number {
  const m = lsMachine(k, 'PCISTG');
  const cc = pcistg(m, fh, space, len, offset, data, k.currentCpu, lsOut);
  return cc < 0 ? -ENXIO : cc;
}

/** kernel: __zpci_store() — PCISTG with the busy retries and logging of __zpci_load() ('s'). */
export function __zpciStore(
  k: Kernel,
  data: number,
  fh: number,
  space: number,
  len: number,
  offset: number,
): number {
  let retried = false;
  let cc: number;
  do {
    cc = __pcistg(k, data, fh, space, len, offset);
    if (cc === ZPCI_PCI_LS_BUSY) {
      udelay(k, ZPCI_INSN_BUSY_DELAY_US);
      if (!retried) {
        zpciErrInsnReq(k, 1, 's', cc, lsOut.status, zpciCreateReq(fh, space, len), BigInt(offset));
        retried = true;
      }
    }
  } while (cc === ZPCI_PCI_LS_BUSY);
  if (cc) zpciErrInsnReq(k, 0, 's', cc, lsOut.status, zpciCreateReq(fh, space, len), BigInt(offset));
  else if (retried)
    zpciErrInsnReq(k, 1, 's', cc, lsOut.status, zpciCreateReq(fh, space, len), BigInt(offset));
  return cc > 0 ? -EIO : cc;
}

/* ------------------------------------------------------------------ SIC */

/** union zpci_sic_iib as the setup paths fill it (null = the zeroed iib). */
export type ZpciSicIib =
  | { readonly kind: 'diib'; readonly isc: number; readonly nrCpus: number; readonly disbAddr: number }
  | { readonly kind: 'cdiib'; readonly dibvAddr: number }
  | {
      readonly kind: 'aipb';
      readonly faisb: number;
      readonly gait: number;
      readonly afi: number;
      readonly faal: number;
    };

function writeU64(k: Kernel, at: number, v: number): void {
  const mem = kernelPhysMem(k);
  mem.writeU32(at, Math.floor(v / 0x100000000) >>> 0);
  mem.writeU32(at + 4, v >>> 0);
}

/** Serialize `iib` (big-endian, asm/pci_insn.h layouts) into the scratch block; returns its address. */
function iibScratch(k: Kernel, iib: ZpciSicIib | null): number {
  const s = pciInsnState(k);
  const mem = kernelPhysMem(k);
  if (!s.iib) s.iib = mem.alloc(ZPCI_SIC_IIB_SIZE, 8, 'union zpci_sic_iib (stack)');
  const a = s.iib;
  // zero the 40 bytes as five aligned doublewords (+0.0 is all-zero bytes)
  if (s.zeroViewOf !== mem.u8) {
    s.zeroViewOf = mem.u8;
    s.zeroView = new Float64Array(mem.u8.buffer, 0, mem.u8.length >>> 3);
  }
  const f64 = s.zeroView!;
  const w = a >>> 3;
  f64[w] = 0;
  f64[w + 1] = 0;
  f64[w + 2] = 0;
  f64[w + 3] = 0;
  f64[w + 4] = 0;
  if (!iib) return a;
  switch (iib.kind) {
    case 'diib':
      // u32 : 1; u32 isc : 3; u32 : 28; u16 : 16; u16 nr_cpus; u64 disb_addr
      mem.writeU8(a, (iib.isc & 7) << 4);
      mem.writeU8(a + 6, (iib.nrCpus >>> 8) & 0xff);
      mem.writeU8(a + 7, iib.nrCpus & 0xff);
      writeU64(k, a + 8, iib.disbAddr);
      break;
    case 'cdiib':
      writeU64(k, a + 8, iib.dibvAddr);
      break;
    case 'aipb':
      // u64 faisb; u64 gait; u16 : 13; u16 afi : 3; u32 : 32; u16 faal
      writeU64(k, a, iib.faisb);
      writeU64(k, a + 8, iib.gait);
      mem.writeU8(a + 17, iib.afi & 7);
      mem.writeU8(a + 22, (iib.faal >>> 8) & 0xff);
      mem.writeU8(a + 23, iib.faal & 0xff);
      break;
  }
  return a;
}

/**
 * kernel: zpci_set_irq_ctrl(ctl, isc, iib) — -EIO without facility 72; else SIC on
 * the current CPU and 0. `iib` null = the zeroed iib the handlers pass.
 */
/** Preemption point before the SIC instruction executes. */
export const PP_ZPCI_SET_IRQ_CTRL = 'zpci_set_irq_ctrl';

export function zpciSetIrqCtrl(k: Kernel, ctl: number, isc: number, iib: ZpciSicIib | null = null): number {
  const m = s390Machine(k);
  if (!m) oops(k, 'SIC without a machine', 'arch/s390/pci/pci_insn.c zpci_set_irq_ctrl');
  if (!m.testFacility(FACILITY_AIS)) return -EIO;
  // A hardware event may land between the handler's last scan and this re-enable.
  if (k.preemptArmed) k.preemptPoint!(k, PP_ZPCI_SET_IRQ_CTRL);
  const pgm = m.sic(k.currentCpu, ctl, isc, iibScratch(k, iib));
  if (pgm)
    oops(k, `program check 0x${pgm.toString(16)} on SIC`, 'arch/s390/pci/pci_insn.c zpci_set_irq_ctrl');
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'zpci_sic', { ctl, isc });
  return 0;
}

/** kernel: __zpci_set_irq_ctrl() — the pre-5.x name of zpci_set_irq_ctrl() with an iib. */
export function __zpciSetIrqCtrl(k: Kernel, ctl: number, isc: number, iib: ZpciSicIib | null): number {
  return zpciSetIrqCtrl(k, ctl, isc, iib);
}
