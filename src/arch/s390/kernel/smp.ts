// SPDX-License-Identifier: GPL-2.0-only
/**
 * s390 SMP as far as the interrupt code needs it: arch/s390/kernel/smp.c (CPU
 * addresses, the external-call IPI: pcpu_ec_call(), do_ext_call_interrupt(),
 * smp_handle_ext_call()) and the generic single-CPU function call of
 * kernel/smp.c (smp_call_function_single_async(), generic_exec_single(), the
 * per-CPU call_single_queue and its flush in the IPI).
 *
 * The IPI: the sender sets the bit in the target's ec_mask; only on the 0 -> 1
 * transition it issues SIGP external call (target running) or emergency signal
 * (target in enabled wait) to the target's CPU *address*. The machine presents
 * external interruption 0x1202/0x1201 on the target, which enters do_ext_irq()
 * (arch irq.ts) -> do_ext_interrupt -> do_ext_call_interrupt (IRQEXT_EXC/EMS) ->
 * smp_handle_ext_call -> generic_smp_call_function_single_interrupt.
 *
 * The csd queue is an intrusive llist (csd.next): nothing is allocated per call.
 */

import { SIGP_EMERGENCY_SIGNAL, SIGP_EXTERNAL_CALL } from '../../../hw/s390x/cpu.ts';
import { cpumaskTestCpu } from '../../../include/linux/cpumask.ts';
import { EBUSY, ENXIO } from '../../../include/linux/errno.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import {
  EXT_IRQ_EMERGENCY_SIG,
  EXT_IRQ_EXTERNAL_CALL,
  IRQEXT_EMS,
  IRQEXT_EXC,
  incIrqStat,
  registerExternalIrq,
  s390Machine,
} from './irq.ts';

/* ------------------------------------------------------------ csd (smp.h) */

/** smp_call_func_t */
export type SmpCallFunc = (k: Kernel, info: unknown) => void;

/** CSD_FLAG_LOCK and the CSD types (include/linux/smp_types.h) */
export const CSD_FLAG_LOCK = 0x01;
export const CSD_TYPE_ASYNC = 0x00;
export const CSD_TYPE_SYNC = 0x10;
export const CSD_FLAG_TYPE_MASK = 0xf0;

/** call_single_data_t */
export interface CallSingleData {
  func: SmpCallFunc | null;
  info: unknown;
  /** node.u_flags */
  flags: number;
  /** node.llist.next: the next csd in a call_single_queue. */
  next: CallSingleData | null;
}

/** A zeroed call_single_data_t (static/per-CPU storage in C). */
export function csdCreate(): CallSingleData {
  return { func: null, info: null, flags: 0, next: null };
}

/** kernel: INIT_CSD() */
export function initCsd(csd: CallSingleData, func: SmpCallFunc, info: unknown): void {
  csd.func = func;
  csd.info = info;
  csd.flags = 0;
  csd.next = null;
}

/* ------------------------------------------------------------------ state */

/** ec_mask bits (enum in arch/s390/kernel/smp.c) */
export const EC_SCHEDULE = 0;
export const EC_CALL_FUNCTION_SINGLE = 1;
export const EC_STOP_CPU = 2;
export const EC_MCCK_PENDING = 3;
export const EC_IRQ_WORK = 4;

/** SIGP condition codes */
export const SIGP_CC_ORDER_CODE_ACCEPTED = 0;
export const SIGP_CC_STATUS_STORED = 1;
export const SIGP_CC_BUSY = 2;
export const SIGP_CC_NOT_OPERATIONAL = 3;

/**
 * SIGP SENSE RUNNING STATUS as the model answers it (not in the machine API):
 * 'in-interrupt' (default): a CPU is running while it executes an interruption
 * handler, otherwise it waits enabled (idle) -> emergency signal; 'always': external
 * call every time; 'never': emergency signal every time.
 */
export type SenseRunningRule = 'in-interrupt' | 'always' | 'never';

export interface SmpState {
  /** pcpu_devices[cpu].address */
  readonly address: Int32Array;
  /** pcpu_devices[cpu].ec_mask */
  readonly ecMask: Int32Array;
  /** per_cpu(call_single_queue): llist heads (newest first). */
  readonly queue: (CallSingleData | null)[];
  senseRunning: SenseRunningRule;
  /** SIGPs sent (model statistics): [external calls, emergency signals]. */
  readonly sigpSent: Uint32Array;
}

const KEY = 's390.smp';

/** The SMP state of `k`, created on first use (addresses from the machine, else identity). */
export function smpState(k: Kernel): SmpState {
  let s = k.subsys.get(KEY) as SmpState | undefined;
  if (!s) {
    s = {
      address: new Int32Array(k.nrCpuIds),
      ecMask: new Int32Array(k.nrCpuIds),
      queue: new Array<CallSingleData | null>(k.nrCpuIds).fill(null),
      senseRunning: 'in-interrupt',
      sigpSent: new Uint32Array(2),
    };
    k.subsys.set(KEY, s);
    smpDetectCpus(k, s);
  }
  return s;
}

/**
 * kernel: smp_detect_cpus() (the part that fills pcpu_devices[].address): SCLP read
 * CPU info lists each CPU's address; logical CPU n gets the n-th entry. Without a
 * machine the address is the logical number.
 */
function smpDetectCpus(k: Kernel, s: SmpState): void {
  const m = s390Machine(k);
  for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
    const a = m ? m.cpuAddress(cpu) : cpu;
    s.address[cpu] = a < 0 ? cpu : a;
  }
}

/** Model: override the CPU address table (tests; what SCLP would have reported). */
export function smpSetCpuAddresses(k: Kernel, addresses: readonly number[]): void {
  const s = smpState(k);
  for (let cpu = 0; cpu < addresses.length && cpu < k.nrCpuIds; cpu++) s.address[cpu] = addresses[cpu]!;
}

/** kernel: smp_cpu_get_cpu_address() */
export function smpCpuGetCpuAddress(k: Kernel, cpu: number): number {
  return smpState(k).address[cpu] ?? -1;
}

/** kernel: smp_find_processor_id() — the logical CPU of a CPU address (-1 if none). */
export function smpFindProcessorId(k: Kernel, address: number): number {
  const s = smpState(k);
  for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
    if (cpumaskTestCpu(cpu, k.cpuPossibleMask) && s.address[cpu] === address) return cpu;
  }
  return -1;
}

/**
 * kernel: smp_prepare_cpus() (the IPI part): register do_ext_call_interrupt for
 * emergency signal and external call. The kernel panics if that fails.
 */
export function smpPrepareCpus(k: Kernel): number {
  smpState(k);
  let rc = registerExternalIrq(k, EXT_IRQ_EMERGENCY_SIG, doExtCallInterrupt);
  if (rc) {
    k.sim.log.printk('emerg', "Kernel panic - not syncing: Couldn't request external interrupt 0x1201");
    return rc;
  }
  rc = registerExternalIrq(k, EXT_IRQ_EXTERNAL_CALL, doExtCallInterrupt);
  if (rc) {
    k.sim.log.printk('emerg', "Kernel panic - not syncing: Couldn't request external interrupt 0x1202");
    return rc;
  }
  return 0;
}

/* ---------------------------------------------------------- sender side */

// kernel: pcpu_running() — SIGP SENSE RUNNING STATUS (see SenseRunningRule)
function pcpuRunning(k: Kernel, s: SmpState, cpu: number): boolean {
  if (s.senseRunning === 'always') return true;
  if (s.senseRunning === 'never') return false;
  const m = s390Machine(k);
  const c = m?.cpu(m.cpuOfAddress(s.address[cpu]!));
  return c ? c.inInterrupt > 0 : false;
}

/** Most SIGP busy retries before the model gives up (C would retry for ever). */
const SIGP_RETRY_LIMIT = 1000;

// kernel: pcpu_sigp_retry()
function pcpuSigpRetry(k: Kernel, s: SmpState, cpu: number, order: number): number {
  const m = s390Machine(k);
  if (!m) return SIGP_CC_NOT_OPERATIONAL;
  let cc = SIGP_CC_BUSY;
  for (let retry = 0; retry < SIGP_RETRY_LIMIT; retry++) {
    // __pcpu_sigp(pcpu->address, order, parm): the machine addresses CPUs by address
    const target = m.cpuOfAddress(s.address[cpu]!);
    cc = target < 0 ? SIGP_CC_NOT_OPERATIONAL : m.ipi(k.currentCpu, target, 0, order);
    if (cc !== SIGP_CC_BUSY) break;
  }
  return cc;
}

// kernel: pcpu_ec_call()
function pcpuEcCall(k: Kernel, cpu: number, ecBit: number): void {
  const s = smpState(k);
  const mask = 1 << ecBit;
  const old = s.ecMask[cpu]!;
  s.ecMask[cpu] = old | mask; // test_and_set_bit(ec_bit, &pcpu->ec_mask)
  if (old & mask) return;
  const order = pcpuRunning(k, s, cpu) ? SIGP_EXTERNAL_CALL : SIGP_EMERGENCY_SIGNAL;
  s.sigpSent[order === SIGP_EXTERNAL_CALL ? 0 : 1]!++;
  if (k.sim.trace.enabled) {
    k.sim.trace.emit(k.currentCpu, 'ipi_raise', {
      target: cpu,
      order: order === SIGP_EXTERNAL_CALL ? 'EXC' : 'EMS',
    });
  }
  pcpuSigpRetry(k, s, cpu, order);
}

/** kernel: arch_send_call_function_single_ipi() */
export function archSendCallFunctionSingleIpi(k: Kernel, cpu: number): void {
  pcpuEcCall(k, cpu, EC_CALL_FUNCTION_SINGLE);
}

// kernel: __smp_call_single_queue() — llist_add; the IPI only when the queue was empty.
function smpCallSingleQueue(k: Kernel, s: SmpState, cpu: number, csd: CallSingleData): void {
  const head = s.queue[cpu] ?? null;
  csd.next = head;
  s.queue[cpu] = csd;
  if (head === null) archSendCallFunctionSingleIpi(k, cpu); // send_call_function_single_ipi()
}

// kernel: generic_exec_single()
function genericExecSingle(k: Kernel, s: SmpState, cpu: number, csd: CallSingleData): number {
  if (cpu === k.currentCpu) {
    const func = csd.func;
    const info = csd.info;
    csd.flags &= ~CSD_FLAG_LOCK; // csd_unlock()
    // local_irq_save(): the function runs with interrupts off on this CPU
    func?.(k, info);
    return 0;
  }
  if (cpu < 0 || cpu >= k.nrCpuIds || !cpumaskTestCpu(cpu, k.cpuOnlineMask)) {
    csd.flags &= ~CSD_FLAG_LOCK;
    return -ENXIO;
  }
  smpCallSingleQueue(k, s, cpu, csd);
  return 0;
}

/**
 * kernel: smp_call_function_single_async() — -EBUSY while the csd is still queued
 * (CSD_FLAG_LOCK); runs inline on the current CPU; -ENXIO for an offline or
 * invalid CPU (the function never runs); else queue + IPI and 0. Allocation-free.
 */
export function smpCallFunctionSingleAsync(k: Kernel, cpu: number, csd: CallSingleData): number {
  if (csd.flags & CSD_FLAG_LOCK) return -EBUSY;
  csd.flags = CSD_FLAG_LOCK; // CSD_TYPE_ASYNC
  return genericExecSingle(k, smpState(k), cpu, csd);
}

/* -------------------------------------------------------- target side */

/** kernel: do_ext_call_interrupt() — the handler of external interruptions 0x1202 and 0x1201. */
export function doExtCallInterrupt(k: Kernel, code: number, _param32: number, _param64: number): void {
  incIrqStat(k, code === EXT_IRQ_EXTERNAL_CALL ? IRQEXT_EXC : IRQEXT_EMS);
  smpHandleExtCall(k);
}

// kernel: smp_handle_ext_call()
function smpHandleExtCall(k: Kernel): void {
  const s = smpState(k);
  const cpu = k.currentCpu;
  const bits = s.ecMask[cpu]!; // this_cpu_xchg(pcpu_devices->ec_mask, 0)
  s.ecMask[cpu] = 0;
  // ec_stop_cpu, ec_schedule, ec_mcck_pending, ec_irq_work: not modelled
  if (bits & (1 << EC_CALL_FUNCTION_SINGLE)) genericSmpCallFunctionSingleInterrupt(k);
}

/** kernel: generic_smp_call_function_single_interrupt() -> __flush_smp_call_function_queue(true) */
export function genericSmpCallFunctionSingleInterrupt(k: Kernel): void {
  flushSmpCallFunctionQueue(k);
}

// kernel: __flush_smp_call_function_queue() — llist_del_all, oldest first; sync csds
// run then unlock, async csds unlock then run (so they may be re-queued meanwhile).
function flushSmpCallFunctionQueue(k: Kernel): void {
  const s = smpState(k);
  const cpu = k.currentCpu;
  // llist_del_all + llist_reverse_order
  let entry = s.queue[cpu] ?? null;
  s.queue[cpu] = null;
  let rev: CallSingleData | null = null;
  while (entry) {
    const next: CallSingleData | null = entry.next;
    entry.next = rev;
    rev = entry;
    entry = next;
  }
  for (let csd = rev; csd; ) {
    const next: CallSingleData | null = csd.next;
    const func = csd.func;
    const info = csd.info;
    if ((csd.flags & CSD_FLAG_TYPE_MASK) === CSD_TYPE_SYNC) {
      func?.(k, info);
      csd.flags &= ~CSD_FLAG_LOCK;
    } else {
      csd.flags &= ~CSD_FLAG_LOCK; // csd_unlock() before the call for async csds
      func?.(k, info);
    }
    csd = next;
  }
}

/** Model: the csds queued for `cpu`, oldest first (views and tests). */
export function smpQueuedCsds(k: Kernel, cpu: number): CallSingleData[] {
  const out: CallSingleData[] = [];
  for (let c = smpState(k).queue[cpu] ?? null; c; c = c.next) out.unshift(c);
  return out;
}
