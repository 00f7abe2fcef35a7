// SPDX-License-Identifier: GPL-2.0-only
/**
 * The soft-lockup detector (kernel/watchdog.c) for model runs, shared by `irqlab run`
 * (runner.ts installs it on every run) and the fuzzer (which adds hang guards of its own).
 *
 * The kernel's detector: a per-CPU hrtimer fires every sample period
 * (watchdog_thresh * 2 / NUM_SAMPLE_PERIODS = 4 s) and checks the timestamp the CPU's
 * stopper work last touched when it got to run; when the CPU has not scheduled for more
 * than get_softlockup_thresh() = 2 * watchdog_thresh = 20 s (timestamps in units of
 * 2^30 ns, get_timestamp()), it prints
 * "watchdog: BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]" (pr_fmt "watchdog: ").
 *
 * The model has no tasks and a busy loop does not advance the simulated clock, so CPU
 * time is counted in preemption points (Kernel.preemptPoint: the airq library, zPCI
 * instructions, CLP): every WATCHDOG_POINTS_PER_SAMPLE points is one 4-second sample. A
 * sample "touches" the watchdog when the run made progress since the previous sample: a
 * new scenario step began (the task returned to user space), the machine ran an event, or
 * the simulated clock moved. Six samples in a row without progress are 24 s, 22 units of
 * 2^30 ns: the report says "stuck for 22s!", as real reports usually do. The report is a
 * `soft-lockup` finding with the model's call chain, and the run stops there (the kernel
 * would go on looping; the model cannot).
 *
 * Cost on the delivery path: one counter increment and one compare per preemption point.
 */
import type { ZpciSystem } from '../arch/s390/pci/system.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { KernelOops, modelCallChain } from './findings.ts';

/** kernel: watchdog_thresh (default 10 s, kernel.watchdog_thresh). */
export const WATCHDOG_THRESH_S = 10;
/** kernel: get_softlockup_thresh() = watchdog_thresh * 2. */
export const SOFTLOCKUP_THRESH_S = 2 * WATCHDOG_THRESH_S;
/** kernel: NUM_SAMPLE_PERIODS: the hrtimer samples 5 times per soft-lockup threshold. */
export const NUM_SAMPLE_PERIODS = 5;
/** kernel: sample_period (ns): 4 s. */
export const SAMPLE_PERIOD_NS = (SOFTLOCKUP_THRESH_S * 1e9) / NUM_SAMPLE_PERIODS;
/**
 * Preemption points that stand for one sample period of CPU time. The largest legitimate
 * stretch without progress measured (teardown of 2 x 2048 MSI-X vectors on 64 CPUs) is
 * 8,256 points; the examples need at most 528 per step. A report needs 6 samples: 60,000.
 */
export const WATCHDOG_POINTS_PER_SAMPLE = 10_000;

/** The message prefix of a soft-lockup report. */
export const WATCHDOG_TEXT = 'watchdog: BUG: soft lockup';

/** The task the model's code runs in: scenario steps are one process (PID 1), interrupts hit the idle task. */
const STEP_COMM = 'irqlab';
const STEP_PID = 1;

/** Functions of the watchdog itself, dropped from the reported call chain. */
const OWN_FRAMES =
  /preemptPoint|^(?:SoftLockupWatchdog\.)?(?:watchdogTimerFn|softLockupReport|callChainHere)$/;

export interface WatchdogOptions {
  /** Preemption points per 4-second sample (default WATCHDOG_POINTS_PER_SAMPLE). */
  readonly pointsPerSample?: number;
}

/** The detector of one run. */
export class SoftLockupWatchdog {
  /** Preemption points so far; `next` is the point count of the next sample. */
  points = 0;
  next: number;
  private readonly period: number;
  private readonly k: Kernel;
  private readonly sys: ZpciSystem;
  /** Samples in a row without progress (the CPU's stuck time is samples * 4 s). */
  private stuckSamples = 0;
  private lastEvents = -1;
  private lastTime = -1;
  private lastStep = -2;

  constructor(sys: ZpciSystem, o: WatchdogOptions = {}) {
    this.sys = sys;
    this.k = sys.k;
    this.period = Math.max(1, o.pointsPerSample ?? WATCHDOG_POINTS_PER_SAMPLE);
    this.next = this.period;
  }

  /** Wrap the kernel's preemption point hook: count, and sample every `period` points. */
  install(): void {
    const pp = this.k.preemptPoint;
    // biome-ignore lint/complexity/noUselessThisAlias: the closure must not allocate or rebind per call
    const wd = this;
    this.k.preemptPoint = (kk, site) => {
      if (++wd.points >= wd.next) wd.watchdogTimerFn(kk);
      if (pp !== null) pp(kk, site);
    };
  }

  /** kernel: watchdog_timer_fn() — one sample: touched (progress) or one more period stuck. */
  watchdogTimerFn(k: Kernel): void {
    this.next = this.points + this.period;
    const events = this.sys.machine.sched.eventsRun;
    const time = k.sim.time;
    const step = k.sim.findings.step;
    if (events !== this.lastEvents || time !== this.lastTime || step !== this.lastStep) {
      // The stopper work ran (the CPU scheduled): __touch_watchdog().
      this.lastEvents = events;
      this.lastTime = time;
      this.lastStep = step;
      this.stuckSamples = 0;
      return;
    }
    this.stuckSamples++;
    // kernel: is_softlockup() with get_timestamp() in units of 2^30 ns
    const duration = Math.floor((this.stuckSamples * SAMPLE_PERIOD_NS) / 2 ** 30);
    if (duration > SOFTLOCKUP_THRESH_S) this.softLockupReport(k, duration);
  }

  /** The report (pr_emerg + show_regs' "CPU: .. PID: .. Comm:" + the call trace); the run stops. */
  private softLockupReport(k: Kernel, duration: number): never {
    const irq = k.hardirqCount > 0;
    const comm = irq ? `swapper/${k.currentCpu}` : STEP_COMM;
    const pid = irq ? 0 : STEP_PID;
    const chain = callChainHere();
    const text = `${WATCHDOG_TEXT} - CPU#${k.currentCpu} stuck for ${duration}s! [${comm}:${pid}]`;
    k.sim.log.printk('emerg', text);
    k.sim.log.printk('emerg', `CPU: ${k.currentCpu} PID: ${pid} Comm: ${comm}`);
    k.sim.log.printk('emerg', `Call Trace: ${chain.join(' <- ')}`);
    throw new KernelOops(k.sim.findings.add('soft-lockup', text, chain));
  }
}

function callChainHere(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  return modelCallChain(stack).filter((n) => !OWN_FRAMES.test(n));
}

/** Install the soft-lockup detector on a booted system (runner.ts does it for every run). */
export function installWatchdog(sys: ZpciSystem, o: WatchdogOptions = {}): SoftLockupWatchdog {
  const wd = new SoftLockupWatchdog(sys, o);
  wd.install();
  return wd;
}

/** Simulated time after which a fuzz run counts as hung (a loop that sleeps advances the clock). */
export const HANG_GUARD_NS = 120e9;
/** Scheduler events after which a fuzz run counts as an interrupt storm. */
export const HANG_GUARD_EVENTS = 1_000_000;

/**
 * The fuzzer's guards against runs that make "progress" forever, which the soft-lockup
 * detector accepts: a loop that sleeps (the clock moves) or an event storm. Not kernel
 * behaviour, and `irqlab run` does not install them (a scenario may legitimately run
 * longer); they cost a closure call per event, so only the fuzzer pays.
 */
export function installHangGuards(sys: ZpciSystem): void {
  const k = sys.k;
  const pp = k.preemptPoint;
  k.preemptPoint = (kk, site) => {
    if (kk.sim.time > HANG_GUARD_NS) {
      throw new Error(
        `${WATCHDOG_TEXT} - CPU#${kk.currentCpu} stuck at ${site} for ${Math.round(kk.sim.time / 1e9)}s of simulated time`,
      );
    }
    if (pp !== null) pp(kk, site);
  };
  const sched = sys.machine.sched;
  const step = sched.step.bind(sched);
  sched.step = () => {
    if (sched.eventsRun > HANG_GUARD_EVENTS) {
      throw new Error(`${WATCHDOG_TEXT} - ${sched.eventsRun} events without quiescence (interrupt storm)`);
    }
    return step();
  };
}
