// SPDX-License-Identifier: GPL-2.0-only
/**
 * The adapter-interruption facility: pending floating I/O interruptions per ISC
 * (0-7; lower number = higher priority), the per-ISC suppression mode set by SIC
 * (ALL / SINGLE armed / SINGLE fired), pending directed interruptions per CPU,
 * pending external calls (IPIs), and presentation: pick a CPU that can take the
 * interruption (operating, PSW masks on, CR6 bit of the ISC set, not inside a
 * handler), store the interruption code in that CPU's lowcore tpi_info slot and
 * call the kernel's entry hook. During the handler the CPU runs with the new PSW's
 * masks off; they are restored when the hook returns (the old PSW is reloaded).
 *
 * qemu: hw/intc/s390_flic.c (qemu_s390_inject_airq, qemu_s390_modify_ais_mode,
 * qemu_s390_flic_dequeue_io) for the floating part; directed and IPI parts follow
 * the notes (2.8, 3.3, 6.5).
 */
import type { ChoiceSource } from '../../sim/scheduler.ts';
import {
  type CpuState,
  DIRQ_ALL,
  DIRQ_SINGLE_ARMED,
  DIRQ_SINGLE_FIRED,
  EXT_QUEUE,
  type TpiInfo,
} from './cpu.ts';
import type { Machine, MachineOptions } from './machine.ts';

export const MAX_ISC = 7;
/** Per-ISC adapter-interruption suppression mode (qemu: simm / nimm bits). */
export const AIS_ALL = 0;
export const AIS_SINGLE_ARMED = 1;
export const AIS_SINGLE_FIRED = 2;

/** What presentOne() delivered. */
const NOTHING = 0;
const EXT = 1;
const DIRECTED = 2;
const FLOATING = 3;

export class Flic {
  private readonly m: Machine;
  /** Suppression mode per ISC (reset: ALL). */
  readonly aisMode = new Uint8Array(MAX_ISC + 1);
  /** Pending floating adapter interruptions per ISC (QEMU keeps a list; they are identical). */
  readonly floatingPending = new Int32Array(MAX_ISC + 1);
  /** Sum of floatingPending[] (kept with every change of it: presentation and TPI skip the ISC loop at 0). */
  private floatingTotal = 0;
  /** Totals. */
  floatingRaised = 0;
  floatingSuppressed = 0;
  presented = 0;
  /** Lock classes an interruption handler may take (set by the kernel; explorer conflict check). */
  handlerLocks: string[] = [];
  private rrNext = 0;
  private readonly candidates: Int32Array;
  readonly choiceSource: ChoiceSource;

  constructor(m: Machine) {
    this.m = m;
    this.candidates = new Int32Array(Math.max(1, m.cpus.nrPossible));
    const self = this;
    this.choiceSource = {
      name: 'machine',
      options(cpu: number): number {
        return self.collectCandidates(cpu);
      },
      lockNeeds(_i: number): readonly string[] {
        return self.handlerLocks;
      },
      describe(i: number): string {
        return `present to cpu ${self.candidates[i]}`;
      },
      run(i: number): void {
        const c = m.cpus.get(self.candidates[i]!);
        if (c) self.presentTo(c);
      },
    };
  }

  // ---- raising --------------------------------------------------------------------

  /**
   * qemu: qemu_s390_inject_airq() for a suppressible adapter. Queue one floating
   * adapter interruption for `isc` unless the ISC is suppressed; in SINGLE mode
   * suppression starts now (when it becomes pending). Returns true if queued.
   */
  raiseFloating(isc: number): boolean {
    const mode = this.aisMode[isc]!;
    if (mode === AIS_SINGLE_FIRED) {
      this.floatingSuppressed++;
      return false;
    }
    this.floatingPending[isc]!++;
    this.floatingTotal++;
    if (mode === AIS_SINGLE_ARMED) this.aisMode[isc] = AIS_SINGLE_FIRED;
    this.floatingRaised++;
    if (this.m.sim.trace.enabled) this.traceRaise(-1, isc, false);
    this.m.schedulePresent(this.m.opts.presentDelayNs);
    return true;
  }

  /** Is `c` armed for a directed interruption now? */
  directedArmed(c: CpuState): boolean {
    return c.operating && (c.dirqState === DIRQ_SINGLE_ARMED || c.dirqState === DIRQ_ALL);
  }

  /** Make a directed interruption pending for `c` (caller checked directedArmed). */
  raiseDirected(c: CpuState): void {
    if (c.dirqState === DIRQ_SINGLE_ARMED) c.dirqState = DIRQ_SINGLE_FIRED;
    c.directedPending++;
    if (this.m.sim.trace.enabled) this.traceRaise(c.cpu, this.m.directed.isc, true);
    this.m.schedulePresent(this.m.opts.presentDelayNs);
  }

  /** The airq_raise trace event (out of line: keeps the raise paths small enough to inline). */
  private traceRaise(cpu: number, isc: number, directed: boolean): void {
    this.m.sim.trace.emit(cpu, 'airq_raise', { isc, directed });
  }

  /** SIGP external call / emergency signal: queue (code, param) on the target. Returns the SIGP cc. */
  sigp(_from: number, target: number, param: number, code: number): number {
    const c = this.m.cpus.get(target);
    if (!c) return 3;
    if (c.extCount >= EXT_QUEUE) return 2; // busy
    const slot = (c.extHead + c.extCount) % EXT_QUEUE;
    c.extCode[slot] = code;
    c.extParam[slot] = param;
    c.extCount++;
    this.m.schedulePresent(this.m.opts.ipiDelayNs);
    return 0;
  }

  // ---- presentation ---------------------------------------------------------------

  /** Present until nothing deliverable is left. Returns the number presented. */
  presentAll(): number {
    let n = 0;
    while (this.presentOne() !== NOTHING) n++;
    return n;
  }

  /** Deliver one interruption (external first, then directed, then floating by ISC). */
  presentOne(): number {
    const m = this.m;
    const list = m.cpus.list;
    if (m.extEntry) {
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!;
        if (c.extCount > 0 && c.canTakeInterruption) {
          this.deliverExt(c);
          return EXT;
        }
      }
    }
    if (!m.ioEntry) return NOTHING;
    const disc = m.directed.isc;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c.directedPending > 0 && c.canTakeInterruption && c.iscEnabled(disc)) {
        c.directedPending--;
        this.deliverIo(c, disc, true);
        return DIRECTED;
      }
    }
    if (this.floatingTotal === 0) return NOTHING;
    for (let isc = 0; isc <= MAX_ISC; isc++) {
      if (this.floatingPending[isc]! === 0) continue;
      const c = this.pickFloatingCpu(isc);
      if (!c) continue;
      this.floatingPending[isc]!--;
      this.floatingTotal--;
      this.deliverIo(c, isc, false);
      return FLOATING;
    }
    return NOTHING;
  }

  /** Deliver one interruption to a given CPU if it has one (explorer option). */
  presentTo(c: CpuState): boolean {
    const m = this.m;
    if (!c.canTakeInterruption) return false;
    if (c.extCount > 0 && m.extEntry) {
      this.deliverExt(c);
      return true;
    }
    if (!m.ioEntry) return false;
    const disc = m.directed.isc;
    if (c.directedPending > 0 && c.iscEnabled(disc)) {
      c.directedPending--;
      this.deliverIo(c, disc, true);
      return true;
    }
    if (this.floatingTotal === 0) return false;
    for (let isc = 0; isc <= MAX_ISC; isc++) {
      if (this.floatingPending[isc]! > 0 && c.iscEnabled(isc)) {
        this.floatingPending[isc]!--;
        this.floatingTotal--;
        this.deliverIo(c, isc, false);
        return true;
      }
    }
    return false;
  }

  /** Does `c` have something it could take now? */
  hasDeliverable(c: CpuState): boolean {
    if (!c.canTakeInterruption) return false;
    if (c.extCount > 0 && this.m.extEntry) return true;
    if (!this.m.ioEntry) return false;
    if (c.directedPending > 0 && c.iscEnabled(this.m.directed.isc)) return true;
    if (this.floatingTotal === 0) return false;
    for (let isc = 0; isc <= MAX_ISC; isc++)
      if (this.floatingPending[isc]! > 0 && c.iscEnabled(isc)) return true;
    return false;
  }

  private collectCandidates(_preempted: number): number {
    let n = 0;
    for (const c of this.m.cpus.list) if (this.hasDeliverable(c)) this.candidates[n++] = c.cpu;
    return n;
  }

  private pickFloatingCpu(isc: number): CpuState | undefined {
    const list = this.m.cpus.list;
    const policy = this.m.opts.floatingCpu;
    if (policy === 'lowest') {
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!;
        if (c.canTakeInterruption && c.iscEnabled(isc)) return c;
      }
      return undefined;
    }
    return this.pickFloatingCpuPolicy(isc, policy);
  }

  /** pickFloatingCpu() for the 'random' and 'round-robin' policies. */
  private pickFloatingCpuPolicy(isc: number, policy: MachineOptions['floatingCpu']): CpuState | undefined {
    const list = this.m.cpus.list;
    let n = 0;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c.canTakeInterruption && c.iscEnabled(isc)) this.candidates[n++] = i;
    }
    if (n === 0) return undefined;
    if (policy === 'random') return list[this.candidates[this.m.sim.rng.below(n)]!];
    // round robin: first eligible at or after rrNext
    for (let k = 0; k < n; k++) {
      const idx = this.candidates[k]!;
      if (idx >= this.rrNext) {
        this.rrNext = idx + 1;
        return list[idx];
      }
    }
    const idx = this.candidates[0]!;
    this.rrNext = idx + 1;
    return list[idx];
  }

  private deliverIo(c: CpuState, isc: number, directed: boolean): void {
    const m = this.m;
    const tpi = c.lowcoreTpi;
    tpi.setAdapter(isc, directed);
    c.ioInterruptions++;
    if (directed) c.directedInterruptions++;
    this.presented++;
    if (m.sim.trace.enabled) this.traceIo(c.cpu, isc, directed, tpi.word2);
    const saved = c.irqsEnabled;
    c.irqsEnabled = false;
    c.inInterrupt++;
    try {
      m.ioEntry!(c.cpu, tpi);
    } finally {
      c.inInterrupt--;
      c.irqsEnabled = saved;
    }
  }

  /** The io_interruption trace event (out of line). */
  private traceIo(cpu: number, isc: number, directed: boolean, word2: number): void {
    this.m.sim.trace.emit(cpu, 'io_interruption', { isc, directed, word2 });
  }

  private deliverExt(c: CpuState): void {
    const m = this.m;
    const code = c.extCode[c.extHead]!;
    const param = c.extParam[c.extHead]!;
    c.extHead = (c.extHead + 1) % EXT_QUEUE;
    c.extCount--;
    c.extInterruptions++;
    this.presented++;
    if (m.sim.trace.enabled) m.sim.trace.emit(c.cpu, 'ext_interruption', { code, param });
    const saved = c.irqsEnabled;
    c.irqsEnabled = false;
    c.inInterrupt++;
    try {
      m.extEntry!(c.cpu, code, param);
    } finally {
      c.inInterrupt--;
      c.irqsEnabled = saved;
    }
  }

  // ---- TPI --------------------------------------------------------------------------

  /**
   * qemu: qemu_s390_flic_dequeue_io() via TPI: dequeue one I/O interruption that
   * `cpu` is enabled for (CR6), directed first, then floating by ISC, and store its
   * code in the CPU's lowcore slot. null = nothing pending (cc 0).
   */
  tpi(cpu: number): TpiInfo | null {
    const c = this.m.cpus.get(cpu);
    if (!c?.operating) return null;
    const disc = this.m.directed.isc;
    if (c.directedPending > 0 && c.iscEnabled(disc)) {
      c.directedPending--;
      c.lowcoreTpi.setAdapter(disc, true);
      c.ioInterruptions++;
      c.directedInterruptions++;
      return c.lowcoreTpi;
    }
    if (this.floatingTotal === 0) return null;
    for (let isc = 0; isc <= MAX_ISC; isc++) {
      if (this.floatingPending[isc]! > 0 && c.iscEnabled(isc)) {
        this.floatingPending[isc]!--;
        this.floatingTotal--;
        c.lowcoreTpi.setAdapter(isc, false);
        c.ioInterruptions++;
        return c.lowcoreTpi;
      }
    }
    return null;
  }

  /** Total pending I/O interruptions (floating + directed). */
  get pendingIo(): number {
    let n = this.floatingTotal;
    for (const c of this.m.cpus.list) n += c.directedPending;
    return n;
  }
}
