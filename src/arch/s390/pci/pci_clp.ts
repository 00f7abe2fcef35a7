// SPDX-License-Identifier: GPL-2.0-only
/**
 * arch/s390/pci/pci_clp.c, as far as the zPCI lifecycle needs it: CLP list (scan,
 * refresh fh, get state), query function and function group (fills msi_addr, max_msi),
 * set PCI function (enable / disable with the busy retry). The firmware side is the
 * machine's CLP (src/hw/s390x/clp.ts); the request/response blocks are not modelled
 * as memory, the machine returns their contents.
 */
import {
  CLP_RC_OK,
  CLP_RC_SETPCIFN_BUSY,
  CLP_SET_DISABLE_PCI_FN,
  CLP_SET_ENABLE_PCI_FN,
} from '../../../hw/s390x/clp.ts';
import type { Machine } from '../../../hw/s390x/machine.ts';
import { EIO, ENODEV } from '../../../include/linux/errno.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { oops } from '../../../kernel/panic.ts';
import {
  ZPCI_FN_STATE_CONFIGURED,
  ZPCI_FN_STATE_RESERVED,
  ZPCI_FN_STATE_STANDBY,
  type ZpciDev,
} from '../include/asm/pci.ts';
import { s390Machine } from '../kernel/irq.ts';

/** `u32 *fh` / `enum zpci_state *state` out parameters */
export interface FhOut {
  fh: number;
}
export interface StateOut {
  state: number;
}

/** struct clp_fh_list_entry as __clp_add sees it */
export interface ClpFhListEntry {
  fid: number;
  fh: number;
  vendorId: number;
  deviceId: number;
  /** 1 configured, 0 standby */
  configState: number;
}

function machine(k: Kernel, where: string): Machine {
  const m = s390Machine(k);
  if (!m) oops(k, 'CLP without a machine', where);
  return m;
}

// kernel: clp_list_pci() — the whole list (all continuation blocks)
export function clpListPci(k: Kernel): ClpFhListEntry[] {
  const m = machine(k, 'arch/s390/pci/pci_clp.c clp_list_pci');
  return m.clpListPci().map((e) => ({
    fid: e.fid,
    fh: e.fh,
    vendorId: e.vendorId,
    deviceId: e.deviceId,
    configState: e.configState,
  }));
}

// kernel: clp_store_query_pci_fngrp()
function clpStoreQueryPciFngrp(zdev: ZpciDev, r: ReturnType<Machine['clpQueryPciFnGrp']>): void {
  zdev.maxMsi = r.noi >>> 0;
  zdev.maxstbl = r.maxstbl & 0xffff;
  zdev.msiAddr = (BigInt(r.msiaHi >>> 0) << 32n) | BigInt(r.msiaLo >>> 0);
  zdev.dmaMask = r.dasm >= 64 ? 0xffffffffffffffffn : (1n << BigInt(r.dasm)) - 1n;
}

// kernel: clp_query_pci_fngrp()
export function clpQueryPciFngrp(k: Kernel, zdev: ZpciDev, pfgid: number): number {
  const m = machine(k, 'arch/s390/pci/pci_clp.c clp_query_pci_fngrp');
  const r = m.clpQueryPciFnGrp(pfgid);
  if (r.rc === CLP_RC_OK) {
    clpStoreQueryPciFngrp(zdev, r);
    return 0;
  }
  k.sim.log.printk('err', `zpci: Q PCI FGRP: rsp ${r.rc}`);
  return -EIO;
}

// kernel: clp_store_query_pci_fn()
function clpStoreQueryPciFn(zdev: ZpciDev, r: ReturnType<Machine['clpQueryPciFn']>): void {
  zdev.pchid = r.pchid & 0xffff;
  zdev.pfgid = r.pfgid & 0xff;
  zdev.pft = r.pft & 0xff;
  zdev.vfn = r.vfn & 0xffff;
  zdev.uid = r.uid >>> 0;
  zdev.isPhysfn = r.isPhysfn;
  zdev.rid = r.rid & 0xffff;
  zdev.ridAvailable = r.ridAvailable;
  zdev.vendorId = r.vendorId;
  zdev.deviceId = r.deviceId;
}

// kernel: clp_query_pci_fn()
export function clpQueryPciFn(k: Kernel, zdev: ZpciDev): number {
  const m = machine(k, 'arch/s390/pci/pci_clp.c clp_query_pci_fn');
  const r = m.clpQueryPciFn(zdev.fh);
  if (r.rc === CLP_RC_OK) {
    clpStoreQueryPciFn(zdev, r);
    return clpQueryPciFngrp(k, zdev, r.pfgid);
  }
  k.sim.log.printk('err', `zpci: Q PCI FN: rsp ${r.rc}`);
  return -EIO;
}

/** Busy retries of clp_set_pci_fn() before it gives up. */
const CLP_SET_RETRIES = 100;

/**
 * kernel: clp_set_pci_fn() — 0 and the new fh, or the CLP response code (positive, e.g.
 * CLP_RC_SETPCIFN_ALRDY) with *fh = 0. Busy responses are retried (msleep(20)).
 */
function clpSetPciFn(k: Kernel, zdev: ZpciDev, fh: FhOut, nrDmaAs: number, command: number): number {
  const m = machine(k, 'arch/s390/pci/pci_clp.c clp_set_pci_fn');
  let retries = CLP_SET_RETRIES;
  let rsp: number;
  let nfh = 0;

  fh.fh = 0;
  do {
    const r = m.clpSetPciFn(zdev.fh, nrDmaAs, command);
    rsp = r.rc;
    nfh = r.fh;
    if (rsp === CLP_RC_SETPCIFN_BUSY) {
      retries--;
      if (retries < 0) break;
      k.sim.advance(20_000_000); // msleep(20)
      if (k.preemptArmed) k.preemptPoint!(k, 'clp_set_pci_fn.msleep');
    }
  } while (rsp === CLP_RC_SETPCIFN_BUSY);

  if (rsp === CLP_RC_OK) {
    fh.fh = nfh >>> 0;
    return 0;
  }
  k.sim.log.printk('err', `zpci: Set PCI FN: rsp 0x${rsp.toString(16)}`);
  return rsp;
}

// kernel: clp_enable_fh()
export function clpEnableFh(k: Kernel, zdev: ZpciDev, fh: FhOut, nrDmaAs: number): number {
  const rc = clpSetPciFn(k, zdev, fh, nrDmaAs, CLP_SET_ENABLE_PCI_FN);
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'zpci_dbg', { ena: zdev.fid, fh: fh.fh, rc });
  return rc;
}

// kernel: clp_disable_fh()
export function clpDisableFh(k: Kernel, zdev: ZpciDev, fh: FhOut): number {
  if (!(zdev.fh & 0x80000000)) return 0; // !zdev_enabled(zdev)
  const rc = clpSetPciFn(k, zdev, fh, 0, CLP_SET_DISABLE_PCI_FN);
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'zpci_dbg', { dis: zdev.fid, fh: fh.fh, rc });
  return rc;
}

// kernel: clp_find_pci() (via clp_list_pci)
function clpFindPci(k: Kernel, fid: number): ClpFhListEntry | null {
  for (const e of clpListPci(k)) if (e.fid === fid >>> 0) return e;
  return null;
}

// kernel: clp_refresh_fh() — 0 and the current fh, or -ENODEV
export function clpRefreshFh(k: Kernel, fid: number, fh: FhOut): number {
  const e = clpFindPci(k, fid);
  if (!e) return -ENODEV;
  fh.fh = e.fh >>> 0;
  return 0;
}

// kernel: clp_get_state() — RESERVED when the function is not listed
export function clpGetState(k: Kernel, fid: number, state: StateOut): number {
  state.state = ZPCI_FN_STATE_RESERVED;
  const e = clpFindPci(k, fid);
  if (e) state.state = e.configState ? ZPCI_FN_STATE_CONFIGURED : ZPCI_FN_STATE_STANDBY;
  return 0;
}
