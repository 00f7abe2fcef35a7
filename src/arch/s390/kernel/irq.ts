// SPDX-License-Identifier: GPL-2.0-only
/**
 * s390 interrupt entry and interrupt classes: arch/s390/kernel/irq.c,
 * arch/s390/include/asm/irq.h, asm/irq_regs.h.
 *
 * - The interruption classes (enum interruption_class) and their per-CPU
 *   counters (struct irq_stat, inc_irq_stat()).
 * - The I/O interruption entry do_io_irq(), which the machine calls through the
 *   I/O new PSW (Machine.setIoEntry): irq_enter, then for the stored tpi_info and
 *   (on LPAR) for every further one TPI dequeues, generic_handle_irq() of
 *   THIN_INTERRUPT (adapter interruptions: "AIO" -> do_airq_interrupt) or
 *   IO_INTERRUPT; irq_exit.
 * - The external interruption entry do_ext_irq() (IPIs arrive here) with the
 *   ext_int_hash handler lists (register_external_irq()).
 * - init_IRQ(): the fixed IRQs 0/1/2 (EXT, I/O, AIO) with dummy_irq_chip and
 *   handle_percpu_irq.
 * - The arch part of /proc/interrupts: the sub-class lines (renderIrqClassLines).
 *
 * Interruption classes: the model's enumeration is the union of the kernel
 * versions it imitates (IRQEXT_WTI exists from about 6.12, IRQIO_LCS was removed
 * later); which rows /proc/interrupts shows is chosen with setIrqClassTable().
 */

import {
  type AirqLockRegistry,
  airqState,
  doAirqInterrupt,
  setKernelPhysMem,
} from '../../../drivers/s390/cio/airq.ts';
import { TpiInfo } from '../../../hw/s390x/cpu.ts';
import type { Machine } from '../../../hw/s390x/machine.ts';
import { ENOMEM } from '../../../include/linux/errno.ts';
import { IRQ_HANDLED, type IrqReturn } from '../../../include/linux/irq.ts';
import { handlePercpuIrq, irqSetChipAndHandler } from '../../../kernel/irq/chip.ts';
import { dummyIrqChip } from '../../../kernel/irq/dummychip.ts';
import { genericHandleIrq, irqAllocDescs, irqToDesc } from '../../../kernel/irq/irqdesc.ts';
import { requestIrq } from '../../../kernel/irq/manage.ts';
import { onlineCpus, rjust, u32 } from '../../../kernel/irq/proc.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { declareFailurePoint } from '../../../sim/faults.ts';
import { KernelOops, modelCallChain } from '../../../sim/findings.ts';

/* ---------------------------------------------------------- fixed IRQs */

export const EXT_INTERRUPT = 0;
export const IO_INTERRUPT = 1;
export const THIN_INTERRUPT = 2;
export const NR_IRQS_BASE = 3;

/* External interruption codes (asm/irq.h) */
export const EXT_IRQ_INTERRUPT_KEY = 0x0040;
export const EXT_IRQ_CLK_COMP = 0x1004;
export const EXT_IRQ_CPU_TIMER = 0x1005;
export const EXT_IRQ_WARNING_TRACK = 0x1007;
export const EXT_IRQ_MALFUNC_ALERT = 0x1200;
export const EXT_IRQ_EMERGENCY_SIG = 0x1201;
export const EXT_IRQ_EXTERNAL_CALL = 0x1202;
export const EXT_IRQ_TIMING_ALERT = 0x1406;
export const EXT_IRQ_MEASURE_ALERT = 0x1407;
export const EXT_IRQ_SERVICE_SIG = 0x2401;
export const EXT_IRQ_CP_SERVICE = 0x2603;
export const EXT_IRQ_IUCV = 0x4000;

/* ------------------------------------------------ interruption classes */

/* enum interruption_class (model numbering: union of the imitated versions) */
export const IRQEXT_CLK = 0;
export const IRQEXT_EXC = 1;
export const IRQEXT_EMS = 2;
export const IRQEXT_TMR = 3;
export const IRQEXT_TLA = 4;
export const IRQEXT_PFL = 5;
export const IRQEXT_DSD = 6;
export const IRQEXT_VRT = 7;
export const IRQEXT_SCP = 8;
export const IRQEXT_IUC = 9;
export const IRQEXT_CMS = 10;
export const IRQEXT_CMC = 11;
export const IRQEXT_FTP = 12;
export const IRQEXT_WTI = 13;
export const IRQIO_CIO = 14;
export const IRQIO_DAS = 15;
export const IRQIO_C15 = 16;
export const IRQIO_C70 = 17;
export const IRQIO_TAP = 18;
export const IRQIO_VMR = 19;
export const IRQIO_LCS = 20;
export const IRQIO_CTC = 21;
export const IRQIO_ADM = 22;
export const IRQIO_CSC = 23;
export const IRQIO_VIR = 24;
export const IRQIO_QAI = 25;
export const IRQIO_APB = 26;
export const IRQIO_PCF = 27;
export const IRQIO_PCD = 28;
export const IRQIO_MSI = 29;
export const IRQIO_VAI = 30;
export const IRQIO_GAL = 31;
export const NMI_NMI = 32;
export const CPU_RST = 33;
export const NR_ARCH_IRQS = 34;

/** struct irq_class */
export interface IrqClass {
  readonly irq: number;
  readonly name: string;
  readonly desc: string | null;
}

function cls(irq: number, name: string, desc: string): IrqClass {
  return Object.freeze({ irq, name, desc });
}

const EXT_ROWS: readonly IrqClass[] = [
  cls(IRQEXT_CLK, 'CLK', '[EXT] Clock Comparator'),
  cls(IRQEXT_EXC, 'EXC', '[EXT] External Call'),
  cls(IRQEXT_EMS, 'EMS', '[EXT] Emergency Signal'),
  cls(IRQEXT_TMR, 'TMR', '[EXT] CPU Timer'),
  cls(IRQEXT_TLA, 'TAL', '[EXT] Timing Alert'),
  cls(IRQEXT_PFL, 'PFL', '[EXT] Pseudo Page Fault'),
  cls(IRQEXT_DSD, 'DSD', '[EXT] DASD Diag'),
  cls(IRQEXT_VRT, 'VRT', '[EXT] Virtio'),
  cls(IRQEXT_SCP, 'SCP', '[EXT] Service Call'),
  cls(IRQEXT_IUC, 'IUC', '[EXT] IUCV'),
  cls(IRQEXT_CMS, 'CMS', '[EXT] CPU-Measurement: Sampling'),
  cls(IRQEXT_CMC, 'CMC', '[EXT] CPU-Measurement: Counter'),
  cls(IRQEXT_FTP, 'FTP', '[EXT] HMC FTP Service'),
];
const WTI_ROW = cls(IRQEXT_WTI, 'WTI', '[EXT] Warning Track');
const IO_ROWS_1: readonly IrqClass[] = [
  cls(IRQIO_CIO, 'CIO', '[I/O] Common I/O Layer Interrupt'),
  cls(IRQIO_DAS, 'DAS', '[I/O] DASD'),
  cls(IRQIO_C15, 'C15', '[I/O] 3215'),
  cls(IRQIO_C70, 'C70', '[I/O] 3270'),
  cls(IRQIO_TAP, 'TAP', '[I/O] Tape'),
  cls(IRQIO_VMR, 'VMR', '[I/O] Unit Record Devices'),
];
const LCS_ROW = cls(IRQIO_LCS, 'LCS', '[I/O] LCS');
const REST_ROWS: readonly IrqClass[] = [
  cls(IRQIO_CTC, 'CTC', '[I/O] CTC'),
  cls(IRQIO_ADM, 'ADM', '[I/O] EADM Subchannel'),
  cls(IRQIO_CSC, 'CSC', '[I/O] CHSC Subchannel'),
  cls(IRQIO_VIR, 'VIR', '[I/O] Virtual I/O Devices'),
  cls(IRQIO_QAI, 'QAI', '[AIO] QDIO Adapter Interrupt'),
  cls(IRQIO_APB, 'APB', '[AIO] AP Bus'),
  cls(IRQIO_PCF, 'PCF', '[AIO] PCI Floating Interrupt'),
  cls(IRQIO_PCD, 'PCD', '[AIO] PCI Directed Interrupt'),
  cls(IRQIO_MSI, 'MSI', '[AIO] MSI Interrupt'),
  cls(IRQIO_VAI, 'VAI', '[AIO] Virtual I/O Devices AI'),
  cls(IRQIO_GAL, 'GAL', '[AIO] GIB Alert'),
  cls(NMI_NMI, 'NMI', '[NMI] Machine Check'),
  cls(CPU_RST, 'RST', '[CPU] CPU Restart'),
];

/** irqclass_sub_desc[] of Linux 6.1 (LCS present, no WTI): 33 rows. */
export const IRQCLASS_SUB_DESC_6_1: readonly IrqClass[] = Object.freeze([
  ...EXT_ROWS,
  ...IO_ROWS_1,
  LCS_ROW,
  ...REST_ROWS,
]);

/** irqclass_sub_desc[] of Linux 7.2 (WTI present, LCS removed): 33 rows. */
export const IRQCLASS_SUB_DESC_7_2: readonly IrqClass[] = Object.freeze([
  ...EXT_ROWS,
  WTI_ROW,
  ...IO_ROWS_1,
  ...REST_ROWS,
]);

/** irqclass_main_desc[] */
export const IRQCLASS_MAIN_DESC: readonly IrqClass[] = Object.freeze([
  Object.freeze({ irq: EXT_INTERRUPT, name: 'EXT', desc: null }),
  Object.freeze({ irq: IO_INTERRUPT, name: 'I/O', desc: null }),
  Object.freeze({ irq: THIN_INTERRUPT, name: 'AIO', desc: null }),
]);

export type IrqClassTableVersion = '6.1' | '7.2';

/* ----------------------------------------------------------------- state */

/** ext_int_handler_t: (ext_code, param32, param64) */
export type ExtIntHandler = (k: Kernel, code: number, param32: number, param64: number) => void;

/** struct ext_int_info */
interface ExtIntInfo {
  handler: ExtIntHandler;
  code: number;
}

/** The part of struct pt_regs the model keeps per CPU (set_irq_regs / get_irq_regs). */
export interface IrqRegs {
  /** regs->tpi_info, copied from the lowcore slot on every pass of do_io_irq. */
  readonly tpiInfo: TpiInfo;
  /** regs->int_code (external interruptions): (subcode << 16) | code. */
  intCode: number;
  /** regs->int_parm */
  intParm: number;
  /** regs->int_parm_long */
  intParmLong: number;
}

export interface S390IrqState {
  /** per_cpu(irq_stat, cpu).irqs[]: cpu * NR_ARCH_IRQS + class. */
  readonly irqStat: Uint32Array;
  /** The irqclass_sub_desc table /proc/interrupts prints. */
  classTable: readonly IrqClass[];
  readonly regs: IrqRegs[];
  /** Per-CPU hardirq depth while another CPU's code runs (k.hardirqCount is the current CPU's). */
  readonly cpuHardirq: Int32Array;
  /** ext_int_hash[32] */
  readonly extIntHash: ExtIntInfo[][];
  /** The machine, when attached (TPI loop on LPAR, instructions). */
  machine: Machine | null;
}

const KEY = 's390.irq';

/** One-entry cache of s390IrqState(): the delivery path asks for it several times per interrupt. */
let cachedKernel: Kernel | null = null;
let cachedState: S390IrqState | null = null;

/** The s390 interrupt state of `k`, created on first use. Allocation-free once created. */
export function s390IrqState(k: Kernel): S390IrqState {
  if (k === cachedKernel) return cachedState!;
  return s390IrqStateLookup(k);
}

/** s390IrqState() past its one-entry cache (out of line: the cached path inlines). */
function s390IrqStateLookup(k: Kernel): S390IrqState {
  let s = k.subsys.get(KEY) as S390IrqState | undefined;
  if (!s) {
    const regs: IrqRegs[] = [];
    for (let c = 0; c < k.nrCpuIds; c++)
      regs.push({ tpiInfo: new TpiInfo(), intCode: 0, intParm: 0, intParmLong: 0 });
    const hash: ExtIntInfo[][] = [];
    for (let i = 0; i < 32; i++) hash.push([]);
    s = {
      irqStat: new Uint32Array(k.nrCpuIds * NR_ARCH_IRQS),
      classTable: IRQCLASS_SUB_DESC_7_2,
      regs,
      cpuHardirq: new Int32Array(k.nrCpuIds),
      extIntHash: hash,
      machine: null,
    };
    k.subsys.set(KEY, s);
  }
  cachedKernel = k;
  cachedState = s;
  return s;
}

/** Choose which kernel version's irqclass_sub_desc table /proc/interrupts shows (default 7.2). */
export function setIrqClassTable(k: Kernel, version: IrqClassTableVersion): void {
  s390IrqState(k).classTable = version === '6.1' ? IRQCLASS_SUB_DESC_6_1 : IRQCLASS_SUB_DESC_7_2;
}

/** The machine attached to `k` (null when the kernel runs without one, e.g. in unit tests). */
export function s390Machine(k: Kernel): Machine | null {
  return s390IrqState(k).machine;
}

/* --------------------------------------------------------------- counters */

/** kernel: inc_irq_stat() — this CPU's counter of class `irq`. Allocation-free. */
export function incIrqStat(k: Kernel, irq: number): void {
  s390IrqState(k).irqStat[k.currentCpu * NR_ARCH_IRQS + irq]!++;
}

/** per_cpu(irq_stat, cpu).irqs[irq] */
export function irqStatCpu(k: Kernel, cpu: number, irq: number): number {
  return s390IrqState(k).irqStat[cpu * NR_ARCH_IRQS + irq] ?? 0;
}

/** Sum over all CPUs of class `irq` (model convenience). */
export function irqStatSum(k: Kernel, irq: number): number {
  const st = s390IrqState(k).irqStat;
  let n = 0;
  for (let c = 0; c < k.nrCpuIds; c++) n += st[c * NR_ARCH_IRQS + irq]!;
  return n;
}

/** get_irq_regs() of the current CPU. */
export function getIrqRegs(k: Kernel): IrqRegs {
  return s390IrqState(k).regs[k.currentCpu]!;
}

/* ------------------------------------------------------------------ entry */

/** Enter interrupt context on `cpu` (the CPU switch + irq_enter_rcu). Returns the interrupted CPU. */
function irqEnterOn(k: Kernel, s: S390IrqState, cpu: number): number {
  const prev = k.currentCpu;
  s.cpuHardirq[prev] = k.hardirqCount;
  k.currentCpu = cpu;
  k.hardirqCount = s.cpuHardirq[cpu]! + 1;
  return prev;
}

/** irq_exit_rcu + back to the interrupted CPU's context. */
function irqExitTo(k: Kernel, s: S390IrqState, cpu: number, prev: number): void {
  k.hardirqCount--;
  s.cpuHardirq[cpu] = k.hardirqCount;
  k.currentCpu = prev;
  k.hardirqCount = s.cpuHardirq[prev]!;
}

function copyTpi(dst: TpiInfo, src: TpiInfo): void {
  dst.schid = src.schid;
  dst.intparm = src.intparm;
  dst.adapterIO = src.adapterIO;
  dst.directed = src.directed;
  dst.isc = src.isc;
  dst.word2 = src.word2;
}

// kernel: do_IRQ() — the clock comparator is not modelled; generic_handle_irq(irq).
function doIRQ(k: Kernel, irq: number): void {
  genericHandleIrq(k, irq);
}

/**
 * kernel: do_io_irq() — the I/O interruption entry on `cpu` with the lowcore
 * tpi_info. On LPAR it loops while TPI finds another pending I/O interruption for
 * this CPU. Allocation-free.
 */
export function doIoIrq(k: Kernel, cpu: number, tpi: TpiInfo): void {
  const s = s390IrqState(k);
  const prev = irqEnterOn(k, s, cpu); // irqentry_enter, set_irq_regs, irq_enter_rcu
  const regs = s.regs[cpu]!;
  const m = s.machine;
  let t: TpiInfo | null = tpi;
  do {
    copyTpi(regs.tpiInfo, t);
    doIRQ(k, t.adapterIO ? THIN_INTERRUPT : IO_INTERRUPT);
    t = m?.isLpar ? m.tpi(cpu) : null; // MACHINE_IS_LPAR && irq_pending(): TPI 0
  } while (t);
  irqExitTo(k, s, cpu, prev); // irq_exit_rcu, set_irq_regs(old_regs), irqentry_exit
}

/**
 * kernel: do_ext_irq() — the external interruption entry on `cpu`: `code` is the
 * interruption code (0x1202 external call, 0x1201 emergency signal, ...), `param`
 * the parameter. Allocation-free.
 */
export function doExtIrq(k: Kernel, cpu: number, code: number, param: number, paramLong = 0): void {
  const s = s390IrqState(k);
  const prev = irqEnterOn(k, s, cpu);
  const regs = s.regs[cpu]!;
  regs.intCode = code >>> 0;
  regs.intParm = param >>> 0;
  regs.intParmLong = paramLong;
  doIRQ(k, EXT_INTERRUPT);
  irqExitTo(k, s, cpu, prev);
}

/* ------------------------------------------------ external interrupt hash */

export const FP_REGISTER_EXTERNAL_IRQ = declareFailurePoint(
  'register_external_irq',
  'register_external_irq',
  'kernel',
  '-ENOMEM',
);

// kernel: ext_hash()
function extHash(code: number): number {
  return (code + (code >>> 9)) & 31;
}

// kernel: register_external_irq()
export function registerExternalIrq(k: Kernel, code: number, handler: ExtIntHandler): number {
  if (k.sim.faults.shouldFail(FP_REGISTER_EXTERNAL_IRQ)) return -ENOMEM; // kmalloc(GFP_ATOMIC)
  const s = s390IrqState(k);
  s.extIntHash[extHash(code)]!.unshift({ handler, code: code & 0xffff }); // hlist_add_head_rcu
  return 0;
}

// kernel: unregister_external_irq()
export function unregisterExternalIrq(k: Kernel, code: number, handler: ExtIntHandler): number {
  const list = s390IrqState(k).extIntHash[extHash(code)]!;
  for (let i = list.length - 1; i >= 0; i--) {
    const p = list[i]!;
    if (p.code === (code & 0xffff) && p.handler === handler) list.splice(i, 1);
  }
  return 0;
}

/** kernel: do_ext_interrupt() — the "EXT" action of IRQ 0. Allocation-free. */
export function doExtInterrupt(k: Kernel, _irq: number, _devId: unknown): IrqReturn {
  const s = s390IrqState(k);
  const regs = s.regs[k.currentCpu]!;
  const code = regs.intCode & 0xffff; // ext_code.code (the low half of int_code)
  // if (code != EXT_IRQ_CLK_COMP) set_cpu_flag(CIF_NOHZ_DELAY)
  const list = s.extIntHash[extHash(code)]!;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (p.code !== code) continue;
    p.handler(k, code, regs.intParm, regs.intParmLong);
  }
  return IRQ_HANDLED;
}

/** The "AIO" action of IRQ 2: kernel do_airq_interrupt(irq, dummy) with get_irq_regs()->tpi_info. */
export function doAirqInterruptAction(k: Kernel, _irq: number, _devId: unknown): IrqReturn {
  const s = s390IrqState(k);
  return doAirqInterrupt(k, s.regs[k.currentCpu]!.tpiInfo);
}

/** The "I/O" action of IRQ 1 (kernel: do_cio_interrupt); subchannel I/O is not modelled. */
export function doCioInterruptAction(_k: Kernel, _irq: number, _devId: unknown): IrqReturn {
  return IRQ_HANDLED;
}

/* ------------------------------------------------------------- init_IRQ */

// kernel: panic()
function panic(k: Kernel, text: string): never {
  const chain = modelCallChain(new Error().stack, 1);
  k.sim.log.printk('emerg', `Kernel panic - not syncing: ${text}`);
  throw new KernelOops(k.sim.findings.add('BUG', `Kernel panic - not syncing: ${text}`, chain));
}

// kernel: init_cio_interrupts()
function initCioInterrupts(k: Kernel): void {
  irqSetChipAndHandler(k, IO_INTERRUPT, dummyIrqChip, handlePercpuIrq);
  if (requestIrq(k, IO_INTERRUPT, doCioInterruptAction, 0, 'I/O', null))
    panic(k, 'Failed to register I/O interrupt');
}

/** kernel: init_airq_interrupts() (drivers/s390/cio/airq.c): IRQ 2 "AIO" -> do_airq_interrupt. */
export function initAirqInterrupts(k: Kernel): void {
  irqSetChipAndHandler(k, THIN_INTERRUPT, dummyIrqChip, handlePercpuIrq);
  if (requestIrq(k, THIN_INTERRUPT, doAirqInterruptAction, 0, 'AIO', null)) {
    panic(k, 'Failed to register AIO interrupt');
  }
}

// kernel: init_ext_interrupts()
function initExtInterrupts(k: Kernel): void {
  irqSetChipAndHandler(k, EXT_INTERRUPT, dummyIrqChip, handlePercpuIrq);
  if (requestIrq(k, EXT_INTERRUPT, doExtInterrupt, 0, 'EXT', null))
    panic(k, 'Failed to register EXT interrupt');
}

/**
 * kernel: init_IRQ() — the fixed IRQs 0 (EXT), 1 (I/O), 2 (AIO) with dummy_irq_chip and
 * handle_percpu_irq. Their descriptors come from early_irq_init() (NR_IRQS_LEGACY =
 * NR_IRQS_BASE); when the model's boot has not created them, they are allocated here.
 */
export function initIRQ(k: Kernel): void {
  if (!irqToDesc(k, EXT_INTERRUPT) && !irqToDesc(k, IO_INTERRUPT) && !irqToDesc(k, THIN_INTERRUPT)) {
    const rc = irqAllocDescs(k, 0, 0, NR_IRQS_BASE);
    if (rc < 0) panic(k, `early_irq_init: ${rc}`);
  }
  initCioInterrupts(k);
  initAirqInterrupts(k);
  initExtInterrupts(k);
}

/* ------------------------------------------------------------ machine link */

/**
 * Attach the machine to the kernel (what the s390 setup code finds at boot): the
 * kernel-visible memory, the I/O and external new PSWs (entries), the scheduler's
 * preemption points, CR6 updates from isc_register()/isc_unregister() (applied to
 * the online CPUs, as smp_ctl_set_clear_bit does with on_each_cpu), and the bit-lock
 * registry while the scheduler explores.
 */
export function s390AttachMachine(k: Kernel, m: Machine): void {
  const s = s390IrqState(k);
  s.machine = m;
  setKernelPhysMem(k, m.mem);
  m.setIoEntry((cpu, tpi) => doIoIrq(k, cpu, tpi));
  m.setExtEntry((cpu, code, param) => doExtIrq(k, cpu, code, param));
  const sched = m.sched;
  // Scheduler.preempt() returns at once unless exploring: test that here, one call less per point
  // (named so that soft-lockup call chains drop its frame, as they drop every preemptPoint hook's)
  const preemptPoint = (kk: Kernel, site: string): void => {
    if (sched.explore) m.preempt(site, kk.currentCpu);
  };
  // The hook does nothing while the scheduler does not explore: the call sites skip it then
  // (k.preemptArmed false); the scheduler reports mode changes.
  k.preemptIdleHook = preemptPoint;
  k.preemptExploring = sched.explore;
  k.preemptPoint = preemptPoint;
  sched.onExplore = (on) => k.preemptSetExploring(on);
  const a = airqState(k);
  a.onCr6Change = (kk, cr6) => {
    for (const cpu of onlineCpus(kk)) {
      const c = m.cpu(cpu);
      if (c) m.setCr6(cpu, ((c.cr6 & ~0xff000000) | (cr6 & 0xff000000)) >>> 0);
    }
  };
  a.lockRegistry = new SchedLockRegistry(m.sched);
  if (a.cr6) a.onCr6Change(k, a.cr6);
}

/**
 * The airq bit locks' view of the scheduler's lock registry (active only while exploring).
 * A class, so that `active` is one prototype getter the airq library can inline.
 */
class SchedLockRegistry implements AirqLockRegistry {
  private readonly sched: Machine['sched'];
  constructor(sched: Machine['sched']) {
    this.sched = sched;
  }
  get active(): boolean {
    return this.sched.explore;
  }
  lock(name: string, cpu: number): boolean {
    return this.sched.locks.lock(name, cpu);
  }
  unlock(name: string, cpu: number): boolean {
    return this.sched.locks.unlock(name, cpu);
  }
}

/* ----------------------------------------------------------- /proc view */

/**
 * The arch sub-class lines of /proc/interrupts (show_interrupts() at index nr_irqs):
 * for each irqclass_sub_desc row, "%s: ", "%10u " per online CPU, "  %s" desc, "\n".
 */
export function renderIrqClassLines(k: Kernel): string {
  const s = s390IrqState(k);
  const cpus = onlineCpus(k);
  let out = '';
  for (const c of s.classTable) {
    out += `${c.name}: `;
    for (const cpu of cpus) out += `${rjust(u32(s.irqStat[cpu * NR_ARCH_IRQS + c.irq] ?? 0), 10)} `;
    if (c.desc) out += `  ${c.desc}`;
    out += '\n';
  }
  return out;
}
