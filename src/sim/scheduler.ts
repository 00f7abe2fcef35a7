// SPDX-License-Identifier: GPL-2.0-only
/**
 * The deterministic event scheduler shared by the machine and the kernel model.
 *
 * Events (MSI arrivals, presentation of pending interruptions, IPIs, platform
 * events, scenario callbacks) are ordered by simulated time, then by the sequence
 * number they were scheduled with. Records come from a preallocated pool kept in a
 * binary min-heap of record indices, so scheduling and running an event allocate
 * nothing in steady state (the pool only grows when more events are pending at once
 * than ever before).
 *
 * Preemption points: model code that stands for a window where another CPU or the
 * hardware could act (an airq scan between "find" and "clear", a lock-free update)
 * calls `preempt(site, cpu)`. With exploration off (the default) that is one branch.
 * With exploration on, the scheduler may, at that point, run one of:
 *   - a pending event of a kind declared `preemptible` (typically an MSI arrival),
 *     run now instead of at its planned time;
 *   - an option offered by a registered ChoiceSource (the machine offers "present
 *     the pending interruption to CPU X and run its handler to completion").
 * Choices are recorded as a list of integers (`choices`, printed as a run's `schedule:`), 0 = continue, i > 0 = the
 * i-th option in the deterministic enumeration; replaying that list reproduces the
 * run exactly. Options that would need a lock that is currently held (all holders
 * are suspended lower on the stack in this run-to-completion model, so running them
 * would deadlock) are skipped and recorded in `skipped`.
 */
import { Rng, type Sim } from './sim.ts';

/** An event handler: four scalar arguments and one reference, no closure per event. */
export type EventHandler = (a0: number, a1: number, a2: number, ref: unknown) => void;

interface EventKind {
  readonly name: string;
  readonly handler: EventHandler;
  /** May be run early at a preemption point. */
  readonly preemptible: boolean;
}

class EventRecord {
  time = 0;
  seq = 0;
  kind = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  ref: unknown = null;
}

/** A source of preemption choices other than pending events (the machine registers one). */
export interface ChoiceSource {
  readonly name: string;
  /** Number of options available while `cpu` is preempted (option indices 0..n-1). */
  options(cpu: number): number;
  /** Lock names option i may take (exact names or class prefixes ending in ':'). */
  lockNeeds(i: number): readonly string[];
  /** Short description of option i, for choice logs. */
  describe(i: number): string;
  /** Run option i to completion. */
  run(i: number): void;
}

export interface PreemptRecord {
  readonly site: string;
  readonly cpu: number;
  /** Options offered (after skipping), not counting "continue". */
  readonly offered: number;
  /** The choice made: 0 continue, i > 0 the i-th option. */
  readonly choice: number;
  readonly what: string;
}

export interface SkippedChoice {
  readonly site: string;
  readonly cpu: number;
  readonly option: string;
  readonly lock: string;
  readonly holder: number;
}

export interface LockConflict {
  readonly name: string;
  readonly cpu: number;
  readonly holder: number;
  readonly time: number;
}

/**
 * Lock ownership registry. Kernel primitives that model spin locks / bit locks
 * report lock and unlock here so the explorer can avoid choices that would spin on
 * a lock whose holder is suspended. Names are "class:instance", e.g.
 * "airq_iv.bitlock:0x2000:5"; a need "airq_iv.bitlock:" matches every instance.
 */
export class LockRegistry {
  private readonly owners = new Map<string, number>();
  /** Lock attempts on a lock held by another CPU (a deadlock in this model). */
  readonly conflicts: LockConflict[] = [];
  now: () => number = () => 0;

  /** Take `name` for `cpu`. Returns false (and records a conflict) if another CPU holds it. */
  lock(name: string, cpu: number): boolean {
    const h = this.owners.get(name);
    if (h !== undefined && h !== cpu) {
      this.conflicts.push({ name, cpu, holder: h, time: this.now() });
      return false;
    }
    this.owners.set(name, cpu);
    return true;
  }

  /** Release `name`; false if `cpu` does not hold it. */
  unlock(name: string, cpu: number): boolean {
    if (this.owners.get(name) !== cpu) return false;
    this.owners.delete(name);
    return true;
  }

  /** The CPU holding `name`, or -1. */
  holder(name: string): number {
    return this.owners.get(name) ?? -1;
  }

  /** Locks held by `cpu`, sorted. */
  heldBy(cpu: number): string[] {
    const out: string[] = [];
    for (const [n, c] of this.owners) if (c === cpu) out.push(n);
    return out.sort();
  }

  get count(): number {
    return this.owners.size;
  }

  /** A held lock matching `need` (exact, or prefix when `need` ends with ':'), or undefined. */
  findHeld(need: string): string | undefined {
    if (!need.endsWith(':')) return this.owners.has(need) ? need : undefined;
    for (const n of this.owners.keys()) if (n.startsWith(need)) return n;
    return undefined;
  }
}

export interface SchedulerOptions {
  /** Initial event pool size (grows by doubling). */
  capacity?: number;
  /** Seed of the explorer's RNG (default: drawn from sim.rng at construction). */
  exploreSeed?: number;
}

export class Scheduler {
  readonly sim: Sim;
  private readonly kinds: EventKind[] = [];
  private pool: EventRecord[] = [];
  private free: number[] = [];
  private heap: Int32Array;
  private size = 0;
  private seqNext = 0;
  /** Events run so far. */
  eventsRun = 0;

  // ---- exploration ----
  /** Exploration mode: preempt() may run other work. Off by default. */
  get explore(): boolean {
    return this.exploring;
  }
  set explore(on: boolean) {
    this.exploring = on;
    if (this.onExplore !== null) this.onExplore(on);
  }
  private exploring = false;
  /** Told when `explore` changes (the kernel's machine link re-arms its preemption points). */
  onExplore: ((on: boolean) => void) | null = null;
  /** Probability that a preemption point with options takes one (exploration, no replay). */
  preemptProbability = 0.25;
  /** Most pending events offered at one preemption point. */
  maxEventOptions = 4;
  /** Choices made at preemption points with at least one option: the `schedule:` of a run. */
  readonly choices: number[] = [];
  /** Choices to replay; consumed in order. When exhausted, the run continues with 0 (no preemption). */
  private replayList: number[] | null = null;
  private replayPos = 0;
  /** Detailed log of preemption decisions (exploration only). */
  readonly choiceLog: PreemptRecord[] = [];
  readonly skipped: SkippedChoice[] = [];
  readonly locks = new LockRegistry();
  private readonly sources: ChoiceSource[] = [];
  private readonly rng: Rng;
  private depth = 0;
  /** Maximum nesting of preemption-run work (keeps exploration bounded). */
  maxPreemptDepth = 4;
  // scratch for option enumeration (grown only in exploration)
  private optKind: number[] = []; // -1 = event, else source index
  private optIdx: number[] = []; // heap record index or source option index

  constructor(sim: Sim, opts: SchedulerOptions = {}) {
    this.sim = sim;
    const cap = Math.max(16, opts.capacity ?? 256);
    this.heap = new Int32Array(cap);
    this.growPool(cap);
    this.rng = new Rng(opts.exploreSeed ?? sim.rng.nextU32());
    this.locks.now = () => sim.time;
  }

  /** Declare an event kind; returns its id for schedule(). */
  defineKind(name: string, handler: EventHandler, preemptible = false): number {
    this.kinds.push({ name, handler, preemptible });
    return this.kinds.length - 1;
  }

  kindName(kind: number): string {
    return this.kinds[kind]?.name ?? `kind${kind}`;
  }

  /** Schedule an event at absolute simulated time `at` (clamped to now). Returns its sequence number. */
  schedule(kind: number, at: number, a0 = 0, a1 = 0, a2 = 0, ref: unknown = null): number {
    if (this.free.length === 0) this.growPool(this.pool.length);
    const idx = this.free.pop()!;
    const r = this.pool[idx]!;
    r.time = Math.max(at, this.sim.time);
    r.seq = this.seqNext++;
    r.kind = kind;
    r.a0 = a0;
    r.a1 = a1;
    r.a2 = a2;
    r.ref = ref;
    if (this.size === this.heap.length) this.growHeap();
    this.heap[this.size] = idx;
    this.siftUp(this.size++);
    return r.seq;
  }

  /** Schedule `delay` ns from now. */
  after(kind: number, delay: number, a0 = 0, a1 = 0, a2 = 0, ref: unknown = null): number {
    return this.schedule(kind, this.sim.time + delay, a0, a1, a2, ref);
  }

  /** Pending events. */
  get pending(): number {
    return this.size;
  }

  /** Time of the next event, or Infinity. */
  nextTime(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.pool[this.heap[0]!]!.time;
  }

  /** Run the next event (advancing the clock to it). Returns false when nothing is pending. */
  step(): boolean {
    if (this.size === 0) return false;
    const idx = this.heap[0]!;
    this.removeAt(0);
    const r = this.pool[idx]!;
    if (r.time > this.sim.time) this.sim.time = r.time;
    this.dispatch(idx);
    return true;
  }

  /** Run events up to and including time `until` (or `maxEvents`). Returns the number run. */
  run(until = Number.POSITIVE_INFINITY, maxEvents = Number.POSITIVE_INFINITY): number {
    let n = 0;
    while (this.size > 0 && n < maxEvents && this.pool[this.heap[0]!]!.time <= until) {
      this.step();
      n++;
    }
    if (until !== Number.POSITIVE_INFINITY && until > this.sim.time && (this.size === 0 || n < maxEvents)) {
      this.sim.time = until;
    }
    return n;
  }

  /** Snapshot of pending events in run order (for tests and views; allocates). */
  pendingEvents(): { time: number; seq: number; kind: string; a0: number; a1: number; a2: number }[] {
    const out = [];
    for (let i = 0; i < this.size; i++) {
      const r = this.pool[this.heap[i]!]!;
      out.push({ time: r.time, seq: r.seq, kind: this.kindName(r.kind), a0: r.a0, a1: r.a1, a2: r.a2 });
    }
    return out.sort((a, b) => a.time - b.time || a.seq - b.seq);
  }

  // ---- exploration ----------------------------------------------------------------

  /** Register a choice source (the machine's interruption presenter). */
  addChoiceSource(src: ChoiceSource): void {
    this.sources.push(src);
  }

  /** Replay a recorded schedule (turns exploration on). */
  replay(choices: readonly number[]): void {
    this.replayList = choices.slice();
    this.replayPos = 0;
    this.explore = true;
  }

  /**
   * A preemption point on `cpu` at `site`. Off: one branch. On: maybe run one pending
   * preemptible event or one choice-source option to completion, then return.
   */
  preempt(site: string, cpu: number): void {
    if (!this.explore) return;
    this.explorePoint(site, cpu);
  }

  private explorePoint(site: string, cpu: number): void {
    if (this.depth >= this.maxPreemptDepth) return;
    const n = this.enumerate(site, cpu);
    if (n === 0) return;
    let choice: number;
    if (this.replayList) {
      choice = this.replayPos < this.replayList.length ? this.replayList[this.replayPos++]! : 0;
      if (choice > n || choice < 0) choice = 0;
    } else if (this.rng.nextU32() / 4294967296 < this.preemptProbability) {
      choice = 1 + this.rng.below(n);
    } else {
      choice = 0;
    }
    this.choices.push(choice);
    const what = choice === 0 ? 'continue' : this.describeOption(choice - 1);
    this.choiceLog.push({ site, cpu, offered: n, choice, what });
    if (choice === 0) return;
    const k = this.optKind[choice - 1]!;
    const i = this.optIdx[choice - 1]!;
    this.depth++;
    try {
      if (k < 0) {
        const pos = this.heapPosOf(i);
        if (pos >= 0) {
          this.removeAt(pos);
          this.dispatch(i);
        }
      } else {
        this.sources[k]!.run(i);
      }
    } finally {
      this.depth--;
    }
  }

  private describeOption(o: number): string {
    const k = this.optKind[o]!;
    const i = this.optIdx[o]!;
    if (k < 0) {
      const r = this.pool[i]!;
      return `event ${this.kindName(r.kind)}(${r.a0},${r.a1},${r.a2})@${r.time}#${r.seq}`;
    }
    const s = this.sources[k]!;
    return `${s.name}: ${s.describe(i)}`;
  }

  /** Fill optKind/optIdx deterministically; returns the count. */
  private enumerate(site: string, cpu: number): number {
    let n = 0;
    // earliest preemptible events, in (time, seq) order
    const picked: number[] = [];
    for (let round = 0; round < this.maxEventOptions; round++) {
      let best = -1;
      for (let h = 0; h < this.size; h++) {
        const idx = this.heap[h]!;
        const r = this.pool[idx]!;
        if (!this.kinds[r.kind]!.preemptible || picked.includes(idx)) continue;
        if (best < 0 || this.less(idx, best)) best = idx;
      }
      if (best < 0) break;
      picked.push(best);
      this.optKind[n] = -1;
      this.optIdx[n] = best;
      n++;
    }
    for (let s = 0; s < this.sources.length; s++) {
      const src = this.sources[s]!;
      const m = src.options(cpu);
      for (let i = 0; i < m; i++) {
        let blocked = '';
        for (const need of src.lockNeeds(i)) {
          const held = this.locks.findHeld(need);
          if (held !== undefined) {
            blocked = held;
            break;
          }
        }
        if (blocked) {
          this.skipped.push({
            site,
            cpu,
            option: `${src.name}: ${src.describe(i)}`,
            lock: blocked,
            holder: this.locks.holder(blocked),
          });
          continue;
        }
        this.optKind[n] = s;
        this.optIdx[n] = i;
        n++;
      }
    }
    return n;
  }

  // ---- heap -----------------------------------------------------------------------

  private dispatch(idx: number): void {
    const r = this.pool[idx]!;
    const kind = r.kind;
    const a0 = r.a0;
    const a1 = r.a1;
    const a2 = r.a2;
    const ref = r.ref;
    r.ref = null;
    this.free.push(idx);
    this.eventsRun++;
    this.kinds[kind]!.handler(a0, a1, a2, ref);
  }

  /** Double the heap array (out of line: keeps schedule() small enough to inline). */
  private growHeap(): void {
    const h = new Int32Array(this.heap.length * 2);
    h.set(this.heap);
    this.heap = h;
  }

  private growPool(by: number): void {
    const start = this.pool.length;
    for (let i = 0; i < by; i++) this.pool.push(new EventRecord());
    for (let i = start + by - 1; i >= start; i--) this.free.push(i);
  }

  private less(a: number, b: number): boolean {
    const ra = this.pool[a]!;
    const rb = this.pool[b]!;
    return ra.time < rb.time || (ra.time === rb.time && ra.seq < rb.seq);
  }

  private heapPosOf(idx: number): number {
    for (let h = 0; h < this.size; h++) if (this.heap[h] === idx) return h;
    return -1;
  }

  private removeAt(pos: number): void {
    const last = --this.size;
    if (pos === last) return;
    this.heap[pos] = this.heap[last]!;
    if (pos > 0 && this.less(this.heap[pos]!, this.heap[(pos - 1) >> 1]!)) this.siftUp(pos);
    else this.siftDown(pos);
  }

  private siftUp(pos: number): void {
    const h = this.heap;
    const x = h[pos]!;
    while (pos > 0) {
      const p = (pos - 1) >> 1;
      const y = h[p]!;
      if (!this.less(x, y)) break;
      h[pos] = y;
      pos = p;
    }
    h[pos] = x;
  }

  private siftDown(pos: number): void {
    const h = this.heap;
    const n = this.size;
    const x = h[pos]!;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, x)) break;
      h[pos] = h[c]!;
      pos = c;
    }
    h[pos] = x;
  }
}
