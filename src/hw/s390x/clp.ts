// SPDX-License-Identifier: GPL-2.0-only
/**
 * CLP (Call Logical Processor), only what the interrupt path needs: list PCI
 * functions, query a function and its group (MSI address, number of interrupts),
 * set a function enabled or disabled (a new FH each time; disabling drops the
 * interrupt and DMA registrations, as QEMU's device reset does).
 * qemu: hw/s390x/s390-pci-inst.c clp_service_call(); Linux arch/s390/pci/pci_clp.c.
 */
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Machine } from './machine.ts';

// Linux arch/s390/include/asm/clp.h, pci_clp.h
export const CLP_RC_OK = 0x0010;
export const CLP_RC_SETPCIFN_FH = 0x0101;
export const CLP_RC_SETPCIFN_FHOP = 0x0102;
export const CLP_RC_SETPCIFN_DMAAS = 0x0103;
export const CLP_RC_SETPCIFN_RES = 0x0104;
export const CLP_RC_SETPCIFN_ALRDY = 0x0105;
export const CLP_RC_SETPCIFN_ERR = 0x0106;
export const CLP_RC_SETPCIFN_RECPND = 0x0107;
export const CLP_RC_SETPCIFN_BUSY = 0x0108;
export const CLP_RC_QUERYPCIFG_PFGID = 0x010b;
export const CLP_SET_ENABLE_PCI_FN = 0;
export const CLP_SET_DISABLE_PCI_FN = 1;

export const CLP_ENABLE = declareFailurePoint(
  'clp.enable',
  'CLP SET PCI FN enable',
  'firmware',
  'response 0x0104 (insufficient resources)',
);
export const CLP_ENABLE_BUSY = declareFailurePoint(
  'clp.enable.busy',
  'CLP SET PCI FN enable',
  'firmware',
  'response 0x0108 (busy) once; the kernel retries',
);
export const CLP_DISABLE = declareFailurePoint(
  'clp.disable',
  'CLP SET PCI FN disable',
  'firmware',
  'response 0x0104 (insufficient resources)',
);

export interface ClpFhListEntry {
  readonly fid: number;
  readonly fh: number;
  /** 1 = configured, 0 = standby. */
  readonly configState: number;
  readonly vendorId: number;
  readonly deviceId: number;
}

export interface ClpQueryFnResult {
  readonly rc: number;
  readonly fid: number;
  readonly fh: number;
  readonly uid: number;
  readonly pchid: number;
  readonly pfgid: number;
  readonly pft: number;
  readonly vfn: number;
  readonly isPhysfn: boolean;
  readonly rid: number;
  readonly ridAvailable: boolean;
  readonly vendorId: number;
  readonly deviceId: number;
}

export interface ClpQueryGrpResult {
  readonly rc: number;
  readonly pfgid: number;
  /** MSI address (group `msia`), high and low words. */
  readonly msiaHi: number;
  readonly msiaLo: number;
  /** Interrupts per function (Linux max_msi). */
  readonly noi: number;
  readonly maxstbl: number;
  readonly dasm: number;
  readonly version: number;
}

export interface ClpSetResult {
  readonly rc: number;
  /** The new FH (0 unless rc is CLP_RC_OK). */
  readonly fh: number;
}

// firmware: CLP LIST PCI (qemu: clp_service_call CLP_LIST_PCI)
export function clpListPci(m: Machine): ClpFhListEntry[] {
  const out: ClpFhListEntry[] = [];
  for (const fn of m.functions) {
    if (fn.state === 'reserved') continue;
    out.push({
      fid: fn.fid,
      fh: fn.fh,
      configState: fn.configured ? 1 : 0,
      vendorId: fn.device.configRead16(0),
      deviceId: fn.device.configRead16(2),
    });
  }
  return out;
}

// firmware: CLP QUERY PCI FN
export function clpQueryPciFn(m: Machine, fh: number): ClpQueryFnResult {
  const fn = m.fnByFh(fh >>> 0);
  if (!fn) {
    return {
      rc: CLP_RC_SETPCIFN_FH,
      fid: 0,
      fh: 0,
      uid: 0,
      pchid: 0,
      pfgid: 0,
      pft: 0,
      vfn: 0,
      isPhysfn: false,
      rid: 0,
      ridAvailable: false,
      vendorId: 0,
      deviceId: 0,
    };
  }
  return {
    rc: CLP_RC_OK,
    fid: fn.fid,
    fh: fn.fh,
    uid: fn.uid,
    pchid: fn.pchid,
    pfgid: fn.pfgid,
    pft: fn.pft,
    vfn: fn.vfn,
    isPhysfn: fn.isPhysfn,
    rid: fn.rid,
    ridAvailable: fn.ridAvailable,
    vendorId: fn.device.configRead16(0),
    deviceId: fn.device.configRead16(2),
  };
}

// firmware: CLP QUERY PCI FNGRP
export function clpQueryPciFnGrp(m: Machine, pfgid: number): ClpQueryGrpResult {
  const g = m.groups.get(pfgid);
  if (!g) {
    return {
      rc: CLP_RC_QUERYPCIFG_PFGID,
      pfgid,
      msiaHi: 0,
      msiaLo: 0,
      noi: 0,
      maxstbl: 0,
      dasm: 0,
      version: 0,
    };
  }
  return {
    rc: CLP_RC_OK,
    pfgid,
    msiaHi: g.msiaHi,
    msiaLo: g.msiaLo,
    noi: g.noi,
    maxstbl: g.maxstbl,
    dasm: g.dasm,
    version: g.version,
  };
}

// firmware: CLP SET PCI FN (qemu: clp_service_call CLP_SET_PCI_FN)
export function clpSetPciFn(m: Machine, fh: number, ndas: number, oc: number): ClpSetResult {
  const fn = m.fnByFh(fh >>> 0);
  if (!fn) return { rc: CLP_RC_SETPCIFN_FH, fh: 0 };
  if (fn.state === 'permError') return { rc: CLP_RC_SETPCIFN_ERR, fh: 0 };
  if (fn.state === 'reserved' || fn.state === 'standby') return { rc: CLP_RC_SETPCIFN_FHOP, fh: 0 };
  const faults = m.sim.faults;
  if (oc === CLP_SET_ENABLE_PCI_FN) {
    if (ndas !== 1) return { rc: CLP_RC_SETPCIFN_DMAAS, fh: 0 };
    if (fn.state !== 'disabled') return { rc: CLP_RC_SETPCIFN_ALRDY, fh: 0 };
    if (faults.shouldFail(CLP_ENABLE_BUSY)) return { rc: CLP_RC_SETPCIFN_BUSY, fh: 0 };
    if (faults.shouldFail(CLP_ENABLE)) return { rc: CLP_RC_SETPCIFN_RES, fh: 0 };
    fn.state = 'enabled';
    const nfh = fn.newFh(true);
    traceClp(m, fn.fid, 'enable', nfh);
    return { rc: CLP_RC_OK, fh: nfh };
  }
  if (oc === CLP_SET_DISABLE_PCI_FN) {
    if (fn.state === 'disabled') return { rc: CLP_RC_SETPCIFN_ALRDY, fh: 0 };
    if (faults.shouldFail(CLP_DISABLE)) return { rc: CLP_RC_SETPCIFN_RES, fh: 0 };
    // qemu: device_cold_reset -> s390_pci_device_reset: interrupts and DMA deregistered
    fn.dropRegistrations();
    if (m.opts.disableResetsDevice) fn.device.reset();
    fn.state = 'disabled';
    const nfh = fn.newFh(false);
    traceClp(m, fn.fid, 'disable', nfh);
    return { rc: CLP_RC_OK, fh: nfh };
  }
  return { rc: CLP_RC_SETPCIFN_FHOP, fh: 0 };
}

function traceClp(m: Machine, fid: number, op: string, fh: number): void {
  if (m.sim.trace.enabled) m.sim.trace.emit(-1, 'clp_set_pci_fn', { fid, op, fh });
}
