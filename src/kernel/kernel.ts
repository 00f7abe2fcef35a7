// SPDX-License-Identifier: GPL-2.0-only
/**
 * One modelled Linux kernel instance. What the kernel keeps in globals
 * (the sparse irq tree, the domain list, cpu masks, per-CPU current CPU) is a
 * field here, so several kernels (a diff, fuzz workers) can live in one process.
 * Every model function that needs global kernel state takes `k` first.
 */
import { type Cpumask, cpumaskCreate } from '../include/linux/cpumask.ts';
import type { IrqDesc, IrqDomain } from '../include/linux/irq.ts';
import type { Sim } from '../sim/sim.ts';

export interface KernelConfig {
  /** nr_cpu_ids: possible CPUs are 0..nrCpuIds-1. */
  nrCpuIds: number;
  /** Online CPUs at boot (default: all possible). */
  online?: number[];
  /** arch_dynirq_lower_bound(): the first dynamically allocated virq (3 on s390). */
  dynirqLowerBound?: number;
  /** NR_IRQS / the sparse irq limit (default 8192 as on s390 with SPARSE_IRQ). */
  irqLimit?: number;
}

/** A preemption point hook (Kernel.preemptPoint). */
export type PreemptHook = (k: Kernel, point: string) => void;

export class Kernel {
  readonly sim: Sim;
  readonly nrCpuIds: number;
  readonly cpuPossibleMask: Cpumask;
  readonly cpuOnlineMask: Cpumask;
  /** smp_processor_id(): the CPU the model's kernel code is running on now. */
  currentCpu = 0;
  /** Interrupt context depth on the current CPU (in_interrupt()). */
  hardirqCount = 0;
  /**
   * Scheduler preemption point: kernel primitives (the airq library, ...) call it, when set,
   * at places where another CPU may interleave; `point` is a constant such as 'airq_iv_scan'.
   * null (the default) costs one branch per call site.
   */
  get preemptPoint(): PreemptHook | null {
    return this.preemptHook;
  }
  set preemptPoint(fn: PreemptHook | null) {
    this.preemptHook = fn;
    this.preemptRearm();
  }
  /**
   * Model only (speed): true when the call sites must call `preemptPoint`. The hot call sites
   * test this field (`if (k.preemptArmed) k.preemptPoint!(k, SITE)`) instead of calling a hook
   * that would do nothing. False only while the installed hook is the machine's own
   * (`preemptIdleHook`, which acts only while the scheduler explores) and the scheduler does
   * not explore; any other hook (the soft-lockup watchdog, the fuzzer's guards, a test's)
   * arms it, as does exploration. Kept by the preemptPoint setter and preemptSetExploring().
   */
  preemptArmed = false;
  /** The hook that does nothing unless `preemptExploring` (set once by the machine link). */
  preemptIdleHook: PreemptHook | null = null;
  /** The scheduler's exploration mode, as the machine link reports it. */
  preemptExploring = false;
  private preemptHook: PreemptHook | null = null;

  /** The scheduler's exploration mode changed: re-arm the preemption points. */
  preemptSetExploring(on: boolean): void {
    this.preemptExploring = on;
    this.preemptRearm();
  }

  private preemptRearm(): void {
    const fn = this.preemptHook;
    this.preemptArmed = fn !== null && (fn !== this.preemptIdleHook || this.preemptExploring);
  }
  /**
   * Sanitizer hook: called by handle_irq_desc() right before a descriptor's flow handler runs
   * (on k.currentCpu). null (the default) costs one branch per delivery.
   */
  irqEntryHook: ((k: Kernel, desc: IrqDesc) => void) | null = null;

  /** The sparse irq tree: descs by virq (undefined = free). */
  readonly irqDescs: (IrqDesc | undefined)[] = [];
  /** nr_irqs: grows, never shrinks. */
  nrIrqs = 0;
  readonly dynirqLowerBound: number;
  readonly irqLimit: number;
  /** irq_default_affinity */
  readonly irqDefaultAffinity: Cpumask;

  /** irq_domain_list, in creation order. */
  readonly irqDomains: IrqDomain[] = [];

  /** Arch and subsystem state hangs here (e.g. the s390 zPCI globals). */
  readonly subsys = new Map<string, unknown>();

  constructor(sim: Sim, cfg: KernelConfig) {
    this.sim = sim;
    this.nrCpuIds = cfg.nrCpuIds;
    this.cpuPossibleMask = cpumaskCreate();
    this.cpuOnlineMask = cpumaskCreate();
    for (let c = 0; c < cfg.nrCpuIds; c++) this.cpuPossibleMask.bits[c >>> 5]! |= 1 << (c & 31);
    for (const c of cfg.online ?? [...Array(cfg.nrCpuIds).keys()]) {
      this.cpuOnlineMask.bits[c >>> 5]! |= 1 << (c & 31);
    }
    this.irqDefaultAffinity = cpumaskCreate();
    this.irqDefaultAffinity.bits.set(this.cpuPossibleMask.bits);
    this.dynirqLowerBound = cfg.dynirqLowerBound ?? 3;
    this.irqLimit = cfg.irqLimit ?? 8192;
  }
}
