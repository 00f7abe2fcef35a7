// SPDX-License-Identifier: GPL-2.0-only
/**
 * Fault injection. Every call that can fail in the kernel or firmware names a
 * failure point after its function; a run can make the n-th occurrence of one
 * point fail. Points are declared once, at module load, so `irqlab faults --list`
 * can print them without running anything.
 */

export type FaultLayer = 'kernel' | 'firmware' | 'machine';

export interface FailurePoint {
  /** Name used on the command line and in scenarios, e.g. `irq_alloc_descs`, `mpcifc.REG_INT.cc1`. */
  readonly name: string;
  /** The kernel or firmware function it belongs to. */
  readonly owner: string;
  readonly layer: FaultLayer;
  /** What the failure looks like to the caller (e.g. `-ENOMEM`, `cc 1 status 16`). */
  readonly effect: string;
}

const catalogue = new Map<string, FailurePoint>();

/** Declare a failure point; call at module top level. Returns the name for use with shouldFail. */
export function declareFailurePoint(name: string, owner: string, layer: FaultLayer, effect: string): string {
  const prev = catalogue.get(name);
  if (prev && (prev.owner !== owner || prev.layer !== layer)) {
    throw new Error(`failure point ${name} declared twice with different owners`);
  }
  catalogue.set(name, { name, owner, layer, effect });
  return name;
}

/** All declared failure points, sorted by name. */
export function listFailurePoints(): FailurePoint[] {
  return [...catalogue.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function isFailurePoint(name: string): boolean {
  return catalogue.has(name);
}

export interface FaultRecord {
  readonly name: string;
  readonly occurrence: number;
  /** Simulated time at which it fired. */
  readonly time: number;
}

/**
 * One run's fault plan: which occurrence of which point fails. When nothing is
 * armed, shouldFail() is a counter increment and a branch.
 */
export class FaultInjector {
  private readonly armed = new Map<string, Set<number>>();
  private readonly counts = new Map<string, number>();
  /** Faults that fired, in order. */
  readonly fired: FaultRecord[] = [];
  /** When true, count occurrences of every point (for sweeps); otherwise only armed ones. */
  counting = false;
  now: () => number = () => 0;

  /** Make the n-th (1-based) call of `name` fail. */
  arm(name: string, occurrence = 1): void {
    if (!catalogue.has(name)) throw new Error(`unknown failure point ${name}`);
    let s = this.armed.get(name);
    if (!s) {
      s = new Set();
      this.armed.set(name, s);
    }
    s.add(occurrence);
  }

  get anyArmed(): boolean {
    return this.armed.size > 0;
  }

  /** Ask whether this call of the failure point fails. */
  shouldFail(name: string): boolean {
    if (this.armed.size === 0 && !this.counting) return false;
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    const s = this.armed.get(name);
    if (s?.has(n)) {
      this.fired.push({ name, occurrence: n, time: this.now() });
      return true;
    }
    return false;
  }

  /** How often each point was reached (only while counting or armed). */
  occurrences(): ReadonlyMap<string, number> {
    return this.counts;
  }
}
