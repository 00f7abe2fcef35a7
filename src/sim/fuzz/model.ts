// SPDX-License-Identifier: GPL-2.0-only
/**
 * The fuzzer's model of a scenario: what the loader tracks (plugged functions, online
 * CPUs, allocated vectors, known handlers) plus what a correct driver keeps track of
 * (bound, requested IRQs per vector, disable depth), so generated sequences are valid
 * scenario files and use the kernel API correctly. Only the *static* state is modelled:
 * return codes are not known before the run (repair.ts drops the steps a failed call
 * makes wrong).
 *
 * `FuzzModel.accepts(step)` / `apply(step)` is the single source of validity: the
 * generator's commands (generate.ts) build steps from it, and the repair pass filters
 * step lists through it.
 */
import type { Scenario, Step, ZpciFunctionSpec } from '../scenario/schema.ts';

/** A step without its position (index/loc are filled when the scenario is built). */
export type StepDraft = Step extends infer S ? (S extends Step ? Omit<S, 'index' | 'loc'> : never) : never;

export interface FnModel {
  readonly spec: ZpciFunctionSpec;
  plugged: boolean;
  bound: boolean;
  /** zpci_disable_device() without a zpci_enable_device() since. */
  disabled: boolean;
  allocated: boolean;
  /** Upper bound of the vectors the last alloc can have returned (min(max, table)). */
  allocMax: number;
  /** Requested handlers per vector, in request order; shared flag per vector. */
  readonly requested: Map<number, string[]>;
  readonly shared: Map<number, boolean>;
  /** disable_irq depth per vector (enable_irq only when > 0). */
  readonly depth: Map<number, number>;
  /** The last alloc asked for managed affinity (PCI_IRQ_AFFINITY). */
  managed: boolean;
  /** Handlers ever requested on this function (for unique names). */
  serial: number;
}

export class FuzzModel {
  readonly fns: FnModel[];
  readonly byFid = new Map<number, FnModel>();
  readonly nrCpus: number;
  readonly online: Set<number>;
  /** Handler names requested so far (the loader needs them known for free_irq). */
  readonly handlers = new Set<string>();
  steps = 0;

  constructor(s: Pick<Scenario, 'machine' | 'functions'>) {
    this.nrCpus = s.machine.cpus.length;
    this.online = new Set(s.machine.online);
    this.fns = s.functions.map((spec) => ({
      spec,
      plugged: spec.present,
      bound: false,
      disabled: false,
      allocated: false,
      allocMax: 0,
      requested: new Map(),
      shared: new Map(),
      depth: new Map(),
      managed: false,
      serial: 0,
    }));
    for (const f of this.fns) this.byFid.set(f.spec.fid, f);
  }

  /** Whether `step` is valid here (loader rules + correct driver use). */
  accepts(st: StepDraft): boolean {
    if (!('fid' in st) || st.fid === null) {
      switch (st.kind) {
        case 'cpu_offline':
          return this.online.has(st.cpu) && this.online.size > 1;
        case 'cpu_online':
          return st.cpu < this.nrCpus && !this.online.has(st.cpu);
        case 'snapshot':
          return (
            st.view !== 'debugfs_irq' &&
            st.view !== 'proc_irq' &&
            st.view !== 'sys_irq' &&
            st.view !== 'msi_irqs'
          );
        default:
          return true;
      }
    }
    const f = this.byFid.get(st.fid);
    if (!f) return false;
    if (st.kind === 'plug') return !f.plugged;
    if (!f.plugged) return false;
    switch (st.kind) {
      case 'unplug':
        return !f.bound;
      case 'error':
      case 'recover':
        return true;
      case 'enable':
        return f.disabled;
      case 'disable':
        return !f.disabled;
      case 'bind':
        return !f.bound;
      case 'unbind':
        return f.bound && st.cleanup;
      case 'alloc':
        return f.bound && !f.allocated && st.type === f.spec.irqType && st.min <= st.max;
      case 'free_vectors':
        return f.allocated && f.requested.size === 0;
      case 'request': {
        if (!f.allocated || st.returns !== 'handled' || this.handlers.has(st.handler)) return false;
        if (st.vector === 'all') return f.requested.size === 0 && st.handler === st.name;
        if (st.vector >= f.allocMax) return false;
        const hs = f.requested.get(st.vector);
        return !hs || (st.shared && f.shared.get(st.vector) === true);
      }
      case 'free_irq': {
        if (st.vector === 'all' || st.handler === null) return false;
        const hs = f.requested.get(st.vector);
        return hs !== undefined && hs[hs.length - 1] === st.handler;
      }
      case 'enable_irq':
      case 'disable_irq': {
        if (!f.requested.has(st.vector)) return false;
        if (st.kind === 'disable_irq') return true;
        // A driver does not enable_irq() a managed vector while CPUs are offline: the kernel
        // WARNs on enabling a managed IRQ whose affinity has no online CPU (__irq_startup_managed,
        // "Catch code which fiddles with enable_irq() on a managed and potentially shutdown
        // IRQ"); drivers of managed vectors quiesce their per-CPU queues across hotplug. The
        // model does not know the kernel's spread, so it waits until every CPU is online.
        if (f.managed && this.online.size < this.nrCpus) return false;
        return (f.depth.get(st.vector) ?? 0) > 0;
      }
      case 'set_affinity':
        return f.allocated && st.cpus.length > 0 && st.cpus.every((c) => c < this.nrCpus);
      case 'fire':
        return st.vector === 'all' || st.vector < f.spec.vectors;
      case 'snapshot':
        return st.view === 'msi_irqs';
      default:
        return false;
    }
  }

  /** Record the effect of an accepted step. */
  apply(st: StepDraft): void {
    this.steps++;
    switch (st.kind) {
      case 'cpu_offline':
        this.online.delete(st.cpu);
        return;
      case 'cpu_online':
        this.online.add(st.cpu);
        return;
      case 'teardown':
        for (const f of this.fns) if (f.plugged) this.reset(f, false);
        return;
      default:
        break;
    }
    if (!('fid' in st) || st.fid === null) return;
    const f = this.byFid.get(st.fid)!;
    switch (st.kind) {
      case 'plug':
        f.plugged = true;
        return;
      case 'unplug':
        this.reset(f, false);
        return;
      case 'enable':
        f.disabled = false;
        return;
      case 'disable':
        f.disabled = true;
        return;
      case 'bind':
        f.bound = true;
        return;
      case 'unbind':
        this.reset(f, true);
        return;
      case 'alloc':
        f.allocated = true;
        f.allocMax = Math.min(st.max, f.spec.vectors);
        f.managed = st.affinity === 'managed';
        return;
      case 'free_vectors':
        f.allocated = false;
        f.allocMax = 0;
        f.depth.clear();
        return;
      case 'request': {
        this.handlers.add(st.handler);
        f.serial++;
        const vs = st.vector === 'all' ? [...Array(f.allocMax).keys()] : [st.vector];
        for (const v of vs) {
          const hs = f.requested.get(v);
          if (hs) hs.push(st.handler);
          else {
            f.requested.set(v, [st.handler]);
            f.shared.set(v, st.shared);
            f.depth.delete(v);
          }
        }
        return;
      }
      case 'free_irq': {
        const v = st.vector as number;
        const hs = f.requested.get(v)!;
        hs.pop();
        if (hs.length === 0) {
          f.requested.delete(v);
          f.shared.delete(v);
          f.depth.delete(v);
        }
        return;
      }
      case 'disable_irq':
        f.depth.set(st.vector, (f.depth.get(st.vector) ?? 0) + 1);
        return;
      case 'enable_irq':
        f.depth.set(st.vector, (f.depth.get(st.vector) ?? 0) - 1);
        return;
      default:
        return;
    }
  }

  private reset(f: FnModel, stillPlugged: boolean): void {
    f.plugged = stillPlugged;
    f.bound = false;
    if (!stillPlugged) f.disabled = false;
    f.allocated = false;
    f.allocMax = 0;
    f.requested.clear();
    f.shared.clear();
    f.depth.clear();
  }
}

/** Keep the steps of `drafts` the model accepts, in order (the repair pass's filter). */
export function filterValid(
  s: Pick<Scenario, 'machine' | 'functions'>,
  drafts: readonly StepDraft[],
): StepDraft[] {
  const m = new FuzzModel(s);
  const out: StepDraft[] = [];
  for (const d of drafts) {
    if (m.accepts(d)) {
      m.apply(d);
      out.push(d);
    }
  }
  return out;
}

/** A Scenario from a machine, functions and step drafts (index = position, loc 0:0). */
export function buildScenario(
  base: Pick<Scenario, 'machine' | 'functions' | 'name' | 'description'>,
  drafts: readonly StepDraft[],
  schedule: readonly number[],
  file = '<fuzz>',
): Scenario {
  const steps = drafts.map((d, index) => ({ ...d, index, loc: { line: 0, column: 0 } }) as Step);
  return {
    file,
    name: base.name,
    description: base.description,
    machine: base.machine,
    functions: base.functions,
    steps,
    schedule: [...schedule],
  };
}
