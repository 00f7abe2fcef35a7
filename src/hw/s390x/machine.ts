// SPDX-License-Identifier: GPL-2.0-only
/**
 * The IBM Z machine as the kernel sees it: CPUs, the adapter-interruption facility
 * (floating and directed I/O interruptions, SIC suppression), the zPCI firmware
 * (MPCIFC, CLP, SCLP configure), the zPCI functions with their PCI hardware, and
 * the MSI write path from a function into memory. It never reaches into kernel
 * state: it reads and writes simulated memory (PhysMem) and answers the
 * instructions the kernel issues (methods below). It presents interruptions by
 * calling the entry hooks the kernel installs (like the I/O and external new PSWs).
 *
 * Options marked [I]/[?] in the reference notes are MachineOptions; defaults and
 * the rules for odd MSI writes are documented in docs/machine.md.
 */

import { type FailurePoint, listFailurePoints } from '../../sim/faults.ts';
import { type ChoiceSource, Scheduler } from '../../sim/scheduler.ts';
import type { Sim } from '../../sim/sim.ts';
import type { MsiWriteHook, PciFunctionHw } from '../pci/device.ts';
import type { ClpFhListEntry, ClpQueryFnResult, ClpQueryGrpResult, ClpSetResult } from './clp.ts';
import { clpListPci, clpQueryPciFn, clpQueryPciFnGrp, clpSetPciFn } from './clp.ts';
import {
  type CpuState,
  Cpus,
  EXT_CODE_EMERGENCY_SIGNAL,
  EXT_CODE_EXTERNAL_CALL,
  SIGP_EXTERNAL_CALL,
  type TpiInfo,
} from './cpu.ts';
import { Flic } from './flic.ts';
import type { PhysMem } from './memory.ts';
import { msiWrite } from './msi.ts';
import { type MpcifcResult, mpcifc } from './pci-inst.ts';
import { sic } from './sic.ts';
import { ZpciFunction, type ZpciFunctionConfig, ZpciGroup, type ZpciGroupConfig } from './zpci.ts';

/** The kernel's I/O interruption entry (I/O new PSW): `tpi` is the CPU's lowcore slot. */
export type IoEntry = (cpu: number, tpi: TpiInfo) => void;
/** The kernel's external interruption entry: code 0x1202 external call / 0x1201 emergency signal. */
export type ExtEntry = (cpu: number, code: number, param: number) => void;
/** Platform events (CHSC store event information): availability and error CCDFs. */
export interface ZpciPlatformEvent {
  readonly kind: 'availability' | 'error';
  readonly fid: number;
  /** The FH as the firmware reports it in the event. */
  readonly fh: number;
  /** Product event code, e.g. 0x0301, 0x0304, 0x003a. */
  readonly pec: number;
}
export type EventEntry = (ev: ZpciPlatformEvent) => void;
/**
 * Observer of every MSI write the firmware processed (after msiWrite returned; the function's
 * counters say what became of it). `vector` is the device vector that sent it, -1 for a raw
 * write (Machine.msiWrite). For the sanitizer; null (the default) costs one branch per write.
 */
export type MsiObserver = (
  fn: ZpciFunction,
  addrHi: number,
  addrLo: number,
  data: number,
  vector: number,
) => void;
/** Firmware wrote (or tried to use) memory that is not allocated. Default: a `dma-use-after-free` finding. */
export type DmaViolationHook = (addr: number, len: number, what: string, fid: number) => void;

export interface MachineOptions {
  /**
   * Floating MSI: when to raise an adapter interruption (notes 3.2.5 [I]).
   * 'bit': only on this function's summary bit 0 -> 1 (KVM; default).
   * 'byte': only if the whole summary byte was 0 (QEMU).
   * 'always': on every accepted MSI (then subject to suppression).
   */
  summaryEdge: 'bit' | 'byte' | 'always';
  /** Drop (and count) MSI data >= noi. false: QEMU behaviour (data & 0x7ff, no check). Default true. */
  checkNoi: boolean;
  /** Which eligible CPU takes a floating interruption: lowest logical number (default), seeded random, round robin. */
  floatingCpu: 'lowest' | 'random' | 'round-robin';
  /**
   * Directed MSI fallback rule (notes 3.3.6/9.1 [?]).
   * 'not-armed' (default): fallback whenever the target CPU is not armed for a directed
   * interruption (never armed, already fired, stopped, or no DIBV).
   * 'unavailable': fallback only if the target is stopped or has no DIBV; a fired
   * target just gets its DIBV bit (its own rescan finds it).
   */
  directedFallback: 'not-armed' | 'unavailable';
  /** DISB bit index of a fallback: the target's logical CPU number (default) or its CPU address. */
  disbIndex: 'logical' | 'address';
  /** Delay between an interruption becoming pending and its presentation (ns). Default 0. */
  presentDelayNs: number;
  /** Delay of a SIGP external call / emergency signal (ns). Default 0. */
  ipiDelayNs: number;
  /** Delay of a platform event notification (ns). Default 0. */
  eventDelayNs: number;
  /** [I] CLP disable also resets the PCI function hardware (MSI-X table cleared, masked). Default true. */
  disableResetsDevice: boolean;
}

export const DEFAULT_MACHINE_OPTIONS: Readonly<MachineOptions> = {
  summaryEdge: 'bit',
  checkNoi: true,
  floatingCpu: 'lowest',
  directedFallback: 'not-armed',
  disbIndex: 'logical',
  presentDelayNs: 0,
  ipiDelayNs: 0,
  eventDelayNs: 0,
  disableResetsDevice: true,
};

export interface MachineConfig {
  /** Possible CPUs (SCLP max; Linux num_possible_cpus()). */
  nrCpus: number;
  /** Operating CPUs at start (default all). */
  online?: readonly number[];
  /** CPU address of each logical CPU (default 2*cpu + 0x10, non-identity on purpose). */
  cpuAddresses?: readonly number[];
  /** Installed facilities (STFLE bits; default [72], the adapter-interruption-suppression facility). */
  facilities?: readonly number[];
  /** SCLP reports directed interruptions (sclp.has_dirq). Default false. */
  hasDirq?: boolean;
  /** Running in an LPAR (Linux MACHINE_IS_LPAR: do_io_irq loops on TPI). Default true. */
  lpar?: boolean;
  options?: Partial<MachineOptions>;
  /** Share an existing scheduler (default: a new one on `sim`). */
  scheduler?: Scheduler;
}

/** SIC directed-mode registration (SIC DIRECT). */
export class DirectedState {
  enabled = false;
  isc = 0;
  nrCpus = 0;
  disbAddr = 0;
}

/** The firmware and machine failure points (layers 'firmware' and 'machine'), sorted by name. */
export function machineFailurePoints(): FailurePoint[] {
  return listFailurePoints().filter((p) => p.layer !== 'kernel');
}

/**
 * The installed STFLE facilities: a Set that also keeps whether facility 72 (AIS, tested
 * by every SIC of the delivery path) is installed, so that test is a field read.
 */
export class FacilitySet extends Set<number> {
  /** has(72), kept exact by add/delete/clear. */
  ais: boolean;

  constructor(init: Iterable<number>) {
    super(init);
    this.ais = super.has(72);
  }

  override add(nr: number): this {
    super.add(nr);
    if (nr === 72) this.ais = true;
    return this;
  }

  override delete(nr: number): boolean {
    const r = super.delete(nr);
    if (nr === 72) this.ais = false;
    return r;
  }

  override clear(): void {
    super.clear();
    this.ais = false;
  }
}

export class Machine {
  readonly sim: Sim;
  readonly mem: PhysMem;
  readonly sched: Scheduler;
  readonly opts: MachineOptions;
  readonly cpus: Cpus;
  readonly flic: Flic;
  readonly directed = new DirectedState();
  readonly facilities: FacilitySet;
  readonly hasDirq: boolean;
  readonly isLpar: boolean;
  /** Functions in FID order of creation (deterministic). */
  readonly functions: ZpciFunction[] = [];
  readonly groups = new Map<number, ZpciGroup>();

  ioEntry: IoEntry | null = null;
  extEntry: ExtEntry | null = null;
  eventEntry: EventEntry | null = null;
  onDmaViolation: DmaViolationHook;
  /** Sanitizer hook: called after each MSI write the firmware processed. */
  msiObserver: MsiObserver | null = null;

  /** Program exceptions the kernel's instructions caused (none expected from a correct kernel). */
  readonly programChecks: { insn: string; code: number; cpu: number; time: number }[] = [];
  /** Platform events sent, in order. */
  readonly eventsSent: ZpciPlatformEvent[] = [];

  /** Context of the firmware access being checked (for the default violation report). */
  private fwWhat = '';
  private fwFid = -1;
  private readonly byFid = new Map<number, ZpciFunction>();
  private readonly byDevice = new Map<PciFunctionHw, ZpciFunction>();
  private nextIndex = 1;
  private presentScheduled = false;
  /**
   * One-entry lookup caches of the per-MSI path (speed only): fid -> function and device ->
   * function never change once added (addFunction refuses a second fid and resets the device
   * cache); the group cache is dropped whenever a group is (re)defined.
   */
  private sigFid = -1;
  private sigFn: ZpciFunction | undefined = undefined;
  private hookDev: PciFunctionHw | null = null;
  private hookFn: ZpciFunction | undefined = undefined;
  private grpId = -1;
  private grp: ZpciGroup | undefined = undefined;
  /** Scheduler event kinds. */
  readonly kindPresent: number;
  readonly kindSignal: number;
  readonly kindEvent: number;
  readonly kindCall: number;
  /** The bound MSI hook handed to every function's hardware (one closure per machine). */
  readonly msiHook: MsiWriteHook;

  constructor(sim: Sim, mem: PhysMem, cfg: MachineConfig) {
    this.sim = sim;
    this.mem = mem;
    this.opts = { ...DEFAULT_MACHINE_OPTIONS, ...(cfg.options ?? {}) };
    this.cpus = new Cpus(cfg.nrCpus, cfg.online ?? [...Array(cfg.nrCpus).keys()], cfg.cpuAddresses);
    this.facilities = new FacilitySet(cfg.facilities ?? [72]);
    this.hasDirq = cfg.hasDirq ?? false;
    this.isLpar = cfg.lpar ?? true;
    this.sched = cfg.scheduler ?? new Scheduler(sim);
    this.flic = new Flic(this);
    this.onDmaViolation = (addr, len, what, fid) => {
      const r = mem.regionContaining(addr);
      const where = r ? `${r.tag} (0x${r.addr.toString(16)}+${addr - r.addr})` : 'unallocated memory';
      const who = fid < 0 ? 'firmware' : `firmware (fid 0x${fid.toString(16)})`;
      sim.findings.add(
        'dma-use-after-free',
        `${who}: ${what}: ${len} byte(s) at 0x${addr.toString(16)} in ${where}, which is not allocated`,
        ['machine', what],
      );
    };
    // The sanitizer hook: if the simulation has not installed one, firmware accesses
    // to unallocated memory are reported through onDmaViolation.
    if (!mem.onViolation) {
      mem.onViolation = (who, addr, len) => {
        if (who === 'firmware') this.onDmaViolation(addr, len, this.fwWhat, this.fwFid);
      };
    }
    this.kindPresent = this.sched.defineKind('machine.present', () => this.presentEvent());
    this.kindSignal = this.sched.defineKind(
      'machine.signal',
      (fid, vector) => {
        this.fnForSignal(fid >>> 0)?.device.signal(vector);
      },
      true,
    );
    this.kindEvent = this.sched.defineKind('machine.event', (_a0, _a1, _a2, ref) => {
      this.eventEntry?.(ref as ZpciPlatformEvent);
    });
    this.kindCall = this.sched.defineKind('machine.call', (a0, a1, a2, ref) => {
      (ref as (a0: number, a1: number, a2: number) => void)(a0, a1, a2);
    });
    // int32Args: the device passes the DWORDs as int32 patterns (no heap number for the
    // 0xfe000000 address); msiWrite() normalises, the observer gets the unsigned values.
    const hook = (hi: number, lo: number, data: number, dev: PciFunctionHw): void => {
      let fn = this.hookFn;
      if (dev !== this.hookDev) {
        // addFunction() set platform and owner with the byDevice entry: the same answer, no Map lookup
        const p = dev.platform;
        fn = p instanceof ZpciFunction && p.device === dev && p.owner === this ? p : this.byDevice.get(dev);
        this.hookDev = dev;
        this.hookFn = fn;
      }
      if (fn) {
        msiWrite(this, fn, hi, lo, data);
        if (this.msiObserver !== null) this.msiObserver(fn, hi >>> 0, lo >>> 0, data >>> 0, dev.lastVector);
      }
    };
    this.msiHook = Object.assign(hook, { int32Args: true as const });
    this.sched.addChoiceSource(this.flic.choiceSource);
  }

  /**
   * A firmware access to [addr, addr+len) in PhysMem: PhysMem.check('firmware', ...),
   * which reports through the sanitizer hook when the memory is not allocated.
   * Returns true when the access is to allocated memory. Allocation-free.
   */
  fwCheck(addr: number, len: number, what: string, fid: number): boolean {
    this.fwWhat = what;
    this.fwFid = fid;
    return this.mem.check('firmware', addr, len);
  }

  // ===== kernel-installed entry hooks =============================================

  /** Install the I/O interruption entry (do_io_irq). */
  setIoEntry(fn: IoEntry): void {
    this.ioEntry = fn;
    this.schedulePresent(this.opts.presentDelayNs);
  }

  /** Install the external interruption entry (do_ext_interrupt; IPIs arrive here). */
  setExtEntry(fn: ExtEntry): void {
    this.extEntry = fn;
    this.schedulePresent(this.opts.presentDelayNs);
  }

  /** Install the platform event entry (zpci_event_availability / zpci_event_error). */
  setEventEntry(fn: EventEntry): void {
    this.eventEntry = fn;
  }

  /** Lock classes an I/O interruption handler may take (for the explorer's conflict check). */
  setIoHandlerLocks(names: readonly string[]): void {
    this.flic.handlerLocks = names.slice();
  }

  // ===== instructions the kernel issues ===========================================

  /**
   * MPCIFC (Modify PCI Function Controls) on function handle `fh` with operation
   * control `oc` and the 80-byte FIB at `fibAddr` in PhysMem. Returns cc and status
   * (cc 2 = busy, the kernel retries). A program exception returns cc -1 and `pgm`.
   */
  mpcifc(fh: number, oc: number, fibAddr: number, cpu = 0): MpcifcResult {
    return mpcifc(this, fh, oc, fibAddr, cpu);
  }

  /**
   * SIC (Set Interruption Controls) executed on `cpu`: mode (SIC_IRQ_MODE_*), isc (R3),
   * interruption information block at `iibAddr` (0 allowed for modes that take none).
   * Returns 0, or a program-interruption code (PGM_OPERATION without facility 72,
   * PGM_OPERAND for an unknown mode, ...). Allocation-free.
   */
  sic(cpu: number, mode: number, isc: number, iibAddr: number): number {
    return sic(this, cpu, mode, isc, iibAddr);
  }

  /** TEST PENDING INTERRUPTION (TPI 0) on `cpu`: dequeue one pending I/O interruption into the lowcore slot (cc 1) or null (cc 0). */
  tpi(cpu: number): TpiInfo | null {
    return this.flic.tpi(cpu);
  }

  /** STFLE facility bit. */
  testFacility(nr: number): boolean {
    return nr === 72 ? this.facilities.ais : this.facilities.has(nr);
  }

  /** STAP on `cpu`: its CPU address. */
  stap(cpu: number): number {
    return this.cpus.get(cpu)?.address ?? -1;
  }

  /** SCLP read CPU info: the CPU address of logical CPU `cpu` (-1 if none). */
  cpuAddress(cpu: number): number {
    return this.cpus.get(cpu)?.address ?? -1;
  }

  /** Logical CPU of a CPU address (-1 if none). */
  cpuOfAddress(address: number): number {
    return this.cpus.cpuOfAddress(address);
  }

  get nrCpus(): number {
    return this.cpus.nrPossible;
  }

  /** PSW I/O + external masks of `cpu` (arch_local_irq_enable/disable). Enabling may present pending interruptions. */
  setIrqsEnabled(cpu: number, on: boolean): void {
    const c = this.cpus.get(cpu);
    if (!c) return;
    c.irqsEnabled = on;
    if (on) this.schedulePresent(this.opts.presentDelayNs);
  }

  /** Load control register 6 (ISC mask) on `cpu`. */
  setCr6(cpu: number, value: number): void {
    const c = this.cpus.get(cpu);
    if (!c) return;
    c.cr6 = value >>> 0;
    this.schedulePresent(this.opts.presentDelayNs);
  }

  /** Set or clear the CR6 bit of `isc` on `cpu` (system_ctl_set_bit(6, 31 - isc) on one CPU). */
  setIscEnabled(cpu: number, isc: number, on: boolean): void {
    const c = this.cpus.get(cpu);
    if (!c) return;
    this.setCr6(cpu, on ? c.cr6 | (0x80000000 >>> isc) : c.cr6 & ~(0x80000000 >>> isc));
  }

  /** SIGP start/stop: bring a CPU to the operating state or stop it (CPU hotplug). */
  setCpuOperating(cpu: number, on: boolean): void {
    const c = this.cpus.get(cpu);
    if (!c) return;
    c.operating = on;
    if (on) this.schedulePresent(this.opts.presentDelayNs);
  }

  /**
   * SIGP external call (or emergency signal) from `fromCpu` to `targetCpu` carrying
   * `param` (the kernel's IPI function id). Returns the SIGP cc: 0 accepted, 3 not
   * operational (no such CPU). The target's ExtEntry runs later on the scheduler.
   */
  ipi(fromCpu: number, targetCpu: number, param: number, order = SIGP_EXTERNAL_CALL): number {
    return this.flic.sigp(
      fromCpu,
      targetCpu,
      param,
      order === SIGP_EXTERNAL_CALL ? EXT_CODE_EXTERNAL_CALL : EXT_CODE_EMERGENCY_SIGNAL,
    );
  }

  // ----- CLP -----

  /** CLP LIST PCI: every function not reserved (fid, fh, config state). */
  clpListPci(): ClpFhListEntry[] {
    return clpListPci(this);
  }

  /** CLP QUERY PCI FN by function handle. */
  clpQueryPciFn(fh: number): ClpQueryFnResult {
    return clpQueryPciFn(this, fh);
  }

  /** CLP QUERY PCI FNGRP. */
  clpQueryPciFnGrp(pfgid: number): ClpQueryGrpResult {
    return clpQueryPciFnGrp(this, pfgid);
  }

  /** CLP SET PCI FN: oc CLP_SET_ENABLE_PCI_FN (0) / CLP_SET_DISABLE_PCI_FN (1), ndas DMA spaces. */
  clpSetPciFn(fh: number, ndas: number, oc: number): ClpSetResult {
    return clpSetPciFn(this, fh, ndas, oc);
  }

  /** SCLP configure PCI function: standby -> configured (disabled). Returns 0 or -1. */
  sclpConfigure(fid: number): number {
    const fn = this.byFid.get(fid >>> 0);
    if (fn?.state !== 'standby') return -1;
    fn.state = 'disabled';
    fn.newFh(false);
    return 0;
  }

  /** SCLP deconfigure PCI function: configured -> standby. Returns 0 or -1. */
  sclpDeconfigure(fid: number): number {
    const fn = this.byFid.get(fid >>> 0);
    if (!fn?.configured) return -1;
    fn.dropRegistrations();
    fn.state = 'standby';
    fn.newFh(false);
    return 0;
  }

  // ===== platform side: functions, hot plug, errors ===============================

  /** Define (or redefine) a function group. */
  addGroup(cfg: ZpciGroupConfig): ZpciGroup {
    const g = new ZpciGroup(cfg);
    this.groups.set(g.pfgid, g);
    this.grpId = -1;
    this.grp = undefined;
    return g;
  }

  group(pfgid: number): ZpciGroup {
    if (pfgid === this.grpId && this.grp !== undefined) return this.grp;
    let g = this.groups.get(pfgid);
    if (!g) {
      g = new ZpciGroup({ pfgid });
      this.groups.set(pfgid, g);
    }
    this.grpId = pfgid;
    this.grp = g;
    return g;
  }

  /** Add a function to the platform (cold plug: no event). Its hardware's msiWrite is wired to the machine. */
  addFunction(cfg: ZpciFunctionConfig): ZpciFunction {
    if (this.byFid.has(cfg.fid >>> 0)) throw new Error(`fid 0x${cfg.fid.toString(16)} exists`);
    const fn = new ZpciFunction(cfg, this.nextIndex++);
    this.group(fn.pfgid);
    this.functions.push(fn);
    this.byFid.set(fn.fid, fn);
    this.byDevice.set(fn.device, fn);
    fn.owner = this;
    this.hookDev = null;
    this.hookFn = undefined;
    fn.device.msiWrite = this.msiHook;
    fn.device.platform = fn;
    return fn;
  }

  fn(fid: number): ZpciFunction | undefined {
    return this.byFid.get(fid >>> 0);
  }

  /** The function whose current FH is `fh` (undefined for a stale or unknown FH). */
  fnByFh(fh: number): ZpciFunction | undefined {
    const idx = fh & 0xffff;
    const fn = this.functions[idx - 1];
    return fn && fn.fh === fh >>> 0 ? fn : undefined;
  }

  /** Hot plug: a standby (or new) function becomes configured; availability event PEC 0x0301. */
  hotplug(fid: number, cfg?: Omit<ZpciFunctionConfig, 'fid'>): ZpciFunction {
    let fn = this.byFid.get(fid >>> 0);
    if (!fn) fn = this.addFunction({ ...(cfg ?? {}), fid, state: 'standby' });
    if (fn.state === 'standby' || fn.state === 'reserved') {
      fn.state = 'disabled';
      fn.newFh(false);
    }
    this.sendEvent('availability', fn, 0x0301);
    return fn;
  }

  /**
   * Unplug. graceful: PEC 0x0303 (deconfiguration requested; the kernel removes the
   * device and deconfigures). hard: the function is disabled and put in standby at
   * once (registrations dropped), then PEC 0x0304.
   */
  unplug(fid: number, hard = false): void {
    const fn = this.byFid.get(fid >>> 0);
    if (!fn) return;
    if (hard) {
      fn.dropRegistrations();
      fn.state = 'standby';
      fn.newFh(false);
      this.sendEvent('availability', fn, 0x0304);
    } else {
      this.sendEvent('availability', fn, 0x0303);
    }
  }

  /** standby -> reserved, PEC 0x0308. */
  reserve(fid: number): void {
    const fn = this.byFid.get(fid >>> 0);
    if (!fn) return;
    fn.dropRegistrations();
    fn.state = 'reserved';
    fn.newFh(false);
    this.sendEvent('availability', fn, 0x0308);
  }

  /** Error event: the function enters the error state (load/store and DMA blocked; MSIs dropped). */
  injectError(fid: number, pec = 0x003a): void {
    const fn = this.byFid.get(fid >>> 0);
    if (!fn) return;
    if (fn.state === 'enabled' || fn.state === 'blocked') fn.state = 'error';
    this.sendEvent('error', fn, pec);
  }

  /** Queue a platform event for the kernel's event entry. */
  sendEvent(kind: 'availability' | 'error', fn: ZpciFunction, pec: number): void {
    const ev: ZpciPlatformEvent = { kind, fid: fn.fid, fh: fn.fh, pec };
    this.eventsSent.push(ev);
    this.sched.after(this.kindEvent, this.opts.eventDelayNs, 0, 0, 0, ev);
  }

  // ===== MSI arrivals and running ==================================================

  /** The function signals MSI vector `vector` now (through its PCI hardware: MSI-X table, masks). */
  signal(fid: number, vector: number): void {
    this.fnForSignal(fid >>> 0)?.device.signal(vector);
  }

  /** byFid.get(fid) through the one-entry cache (fid is already >>> 0). */
  private fnForSignal(fid: number): ZpciFunction | undefined {
    if (fid === this.sigFid) return this.sigFn;
    const fn = this.byFid.get(fid);
    if (fn !== undefined) {
      this.sigFid = fid;
      this.sigFn = fn;
    }
    return fn;
  }

  /** Schedule a device signal at absolute time `at` (a preemptible hardware event). */
  scheduleSignal(at: number, fid: number, vector: number): void {
    this.sched.schedule(this.kindSignal, at, fid, vector);
  }

  /** Schedule a scenario callback at absolute time `at` (setup-time helper; allocates the closure once). */
  scheduleCall(at: number, fn: (a0: number, a1: number, a2: number) => void, a0 = 0, a1 = 0, a2 = 0): void {
    this.sched.schedule(this.kindCall, at, a0, a1, a2, fn);
  }

  /** A raw MSI write as the function would issue it (bypasses the device's table; for tests). */
  msiWrite(fid: number, addrHi: number, addrLo: number, data: number): void {
    const fn = this.byFid.get(fid >>> 0);
    if (fn) {
      msiWrite(this, fn, addrHi >>> 0, addrLo >>> 0, data >>> 0);
      if (this.msiObserver !== null) this.msiObserver(fn, addrHi >>> 0, addrLo >>> 0, data >>> 0, -1);
    }
  }

  /** Make sure a presentation pass runs `delay` ns from now (at most one scheduled). */
  schedulePresent(delay: number): void {
    if (this.presentScheduled) return;
    this.presentScheduled = true;
    this.sched.after(this.kindPresent, delay);
  }

  /** Present every deliverable pending interruption now (runs handlers). Returns how many were presented. */
  presentPending(): number {
    return this.flic.presentAll();
  }

  private presentEvent(): void {
    this.presentScheduled = false;
    this.flic.presentAll();
  }

  /** Run the scheduler until `until` (ns, default: until idle). Returns events run. */
  run(until?: number, maxEvents?: number): number {
    return this.sched.run(until, maxEvents);
  }

  /** A preemption point in kernel code running on `cpu` (forwards to the scheduler). */
  preempt(site: string, cpu: number): void {
    this.sched.preempt(site, cpu);
  }

  cpu(cpu: number): CpuState | undefined {
    return this.cpus.get(cpu);
  }

  /** The explorer's view of this machine as a choice source. */
  get choiceSource(): ChoiceSource {
    return this.flic.choiceSource;
  }
}
