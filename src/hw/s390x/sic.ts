// SPDX-License-Identifier: GPL-2.0-only
/**
 * SIC (Set Interruption Controls), executed on one CPU. Floating modes ALL and
 * SINGLE set the per-ISC suppression state (qemu: css_do_sic ->
 * qemu_s390_modify_ais_mode). The directed modes follow the notes (2.5, 2.8; [I]):
 * DIRECT registers the directed ISC, the number of CPUs and the DISB address from
 * the diib; SET_CPU registers the executing CPU's DIBV from the cdiib; D_SINGLE /
 * D_ALL arm the executing CPU for directed interruptions. SIC sets no condition
 * code; errors are program exceptions, returned here as a nonzero code.
 */
import { declareFailurePoint } from '../../sim/faults.ts';
import { DIRQ_ALL, DIRQ_SINGLE_ARMED } from './cpu.ts';
import { AIS_ALL, AIS_SINGLE_ARMED } from './flic.ts';
import type { Machine } from './machine.ts';
import { PGM_ADDRESSING, PGM_OPERAND, PGM_OPERATION, PGM_SPECIFICATION } from './pci-inst.ts';

// Linux arch/s390/include/asm/pci_insn.h
export const SIC_IRQ_MODE_ALL = 0;
export const SIC_IRQ_MODE_SINGLE = 1;
export const SIC_IRQ_MODE_DIRECT = 4;
export const SIC_IRQ_MODE_D_ALL = 16;
export const SIC_IRQ_MODE_D_SINGLE = 17;
export const SIC_IRQ_MODE_SET_CPU = 18;

/** Size of the iib operand (union zpci_sic_iib: the cdiib is the larger, 40 bytes). */
export const ZPCI_SIC_IIB_SIZE = 40;
/** struct zpci_diib offsets. */
export const DIIB_ISC_BYTE = 0;
export const DIIB_NR_CPUS = 6;
export const DIIB_DISB_ADDR = 8;
/** struct zpci_cdiib offset. */
export const CDIIB_DIBV_ADDR = 8;
/** The adapter-interruption-suppression facility. */
export const FACILITY_AIS = 72;

export const SIC_PGM = declareFailurePoint(
  'sic.pgm',
  'SIC',
  'machine',
  'program exception (operand): the SIC has no effect',
);

function pgm(m: Machine, code: number, cpu: number): number {
  m.programChecks.push({ insn: 'SIC', code, cpu, time: m.sim.time });
  return code;
}

function readAddr(m: Machine, at: number): number {
  return m.mem.readU32(at) !== 0 ? -1 : m.mem.readU32(at + 4);
}

function iibOk(m: Machine, iib: number, len: number): boolean {
  return iib > 0 && iib % 8 === 0 && iib + len <= m.mem.size;
}

// firmware: SIC (qemu: css_do_sic(); directed modes [I])
export function sic(m: Machine, cpu: number, mode: number, isc: number, iib: number): number {
  const c = m.cpus.get(cpu);
  if (!c || !m.testFacility(FACILITY_AIS)) return pgm(m, PGM_OPERATION, cpu);
  if (m.sim.faults.shouldFail(SIC_PGM)) return pgm(m, PGM_OPERAND, cpu);
  const i = isc & 7;
  switch (mode) {
    case SIC_IRQ_MODE_ALL:
      m.flic.aisMode[i] = AIS_ALL;
      break;
    case SIC_IRQ_MODE_SINGLE:
      m.flic.aisMode[i] = AIS_SINGLE_ARMED;
      break;
    case SIC_IRQ_MODE_DIRECT: {
      if (!m.hasDirq) return pgm(m, PGM_OPERAND, cpu);
      if (!iibOk(m, iib, 32)) return pgm(m, iib % 8 ? PGM_SPECIFICATION : PGM_ADDRESSING, cpu);
      m.fwCheck(iib, 32, 'SIC DIRECT diib read', -1);
      const dIsc = (m.mem.readU8(iib + DIIB_ISC_BYTE) >>> 4) & 7;
      const nrCpus = (m.mem.readU8(iib + DIIB_NR_CPUS) << 8) | m.mem.readU8(iib + DIIB_NR_CPUS + 1);
      const disb = readAddr(m, iib + DIIB_DISB_ADDR);
      if (nrCpus === 0 || disb <= 0) return pgm(m, PGM_OPERAND, cpu);
      m.fwCheck(disb, (nrCpus + 7) >>> 3, 'SIC DIRECT DISB mapping', -1);
      const d = m.directed;
      d.enabled = true;
      d.isc = dIsc;
      d.nrCpus = nrCpus;
      d.disbAddr = disb;
      break;
    }
    case SIC_IRQ_MODE_D_ALL:
      if (!m.hasDirq) return pgm(m, PGM_OPERAND, cpu);
      c.dirqState = DIRQ_ALL;
      break;
    case SIC_IRQ_MODE_D_SINGLE:
      if (!m.hasDirq) return pgm(m, PGM_OPERAND, cpu);
      c.dirqState = DIRQ_SINGLE_ARMED;
      break;
    case SIC_IRQ_MODE_SET_CPU: {
      if (!m.hasDirq) return pgm(m, PGM_OPERAND, cpu);
      if (!iibOk(m, iib, ZPCI_SIC_IIB_SIZE)) return pgm(m, iib % 8 ? PGM_SPECIFICATION : PGM_ADDRESSING, cpu);
      m.fwCheck(iib, ZPCI_SIC_IIB_SIZE, 'SIC SET_CPU cdiib read', -1);
      const dibv = readAddr(m, iib + CDIIB_DIBV_ADDR);
      if (dibv <= 0) return pgm(m, PGM_OPERAND, cpu);
      m.fwCheck(dibv, 256, 'SIC SET_CPU DIBV mapping', -1);
      c.dibvAddr = dibv;
      break;
    }
    default:
      return pgm(m, PGM_OPERAND, cpu);
  }
  if (m.sim.trace.enabled) m.sim.trace.emit(cpu, 'sic', { mode, isc: i });
  return 0;
}
