// SPDX-License-Identifier: GPL-2.0-only
/**
 * Random scenarios with fast-check: a machine (CPUs, zPCI functions) and a command
 * sequence in fast-check's model-based style (fc.commands + fc.modelRun). The model
 * is FuzzModel (what the loader and a correct driver track); each command's check()
 * asks the model whether the command has a valid target now, and run() resolves its
 * random selectors against the model, records the step and updates the model. So
 * every generated sequence is a valid scenario, and fast-check's command shrinker
 * (drop commands, shrink their arguments; commands whose check() fails are skipped)
 * only ever produces valid sequences too.
 *
 * The interleaving choices of exploration mode are generated alongside: a sparse list
 * of (preemption point, option) pairs, made into a `schedule:` list.
 */
import fc from 'fast-check';
import { listFailurePoints } from '../faults.ts';
import '../all-failure-points.ts';
import {
  BUILTIN_BACKENDS,
  type BuiltinBackend,
  type DeliveryMode,
  FALLBACK_CONDITIONS,
  type Machine,
  type ParentDomain,
  type Scenario,
  type ZpciFunctionSpec,
} from '../scenario/schema.ts';
import { FuzzModel, type StepDraft } from './model.ts';

export interface FuzzTarget {
  /** A built-in backend, or the registry name of another one (tests plant bugs this way). */
  readonly backend: BuiltinBackend | (string & {});
  readonly delivery: DeliveryMode;
  /** domain only. */
  readonly parentDomain: ParentDomain;
}

/** The drafts a command sequence produces (fast-check's "real system"). */
export interface StepSink {
  readonly drafts: StepDraft[];
}

type Cmd = fc.Command<FuzzModel, StepSink>;

/** A command: make() resolves the selectors against the model (null: no valid target now). */
class StepCommand implements Cmd {
  readonly label: string;
  readonly sel: readonly number[];
  private readonly make: (m: FuzzModel, sel: readonly number[]) => StepDraft | null;
  constructor(
    label: string,
    sel: readonly number[],
    make: (m: FuzzModel, sel: readonly number[]) => StepDraft | null,
  ) {
    this.label = label;
    this.sel = sel;
    this.make = make;
  }
  check(m: Readonly<FuzzModel>): boolean {
    const d = this.make(m as FuzzModel, this.sel);
    return d !== null && (m as FuzzModel).accepts(d);
  }
  run(m: FuzzModel, r: StepSink): void {
    const d = this.make(m, this.sel)!;
    m.apply(d);
    r.drafts.push(d);
  }
  toString(): string {
    return `${this.label}(${this.sel.join(',')})`;
  }
}

const pick = <T>(xs: readonly T[], sel: number): T | null => (xs.length ? xs[sel % xs.length]! : null);

function fnWhere(m: FuzzModel, sel: number, pred: (f: FuzzModel['fns'][number]) => boolean) {
  return pick(
    m.fns.filter((f) => pred(f)),
    sel,
  );
}

let faultNames: string[] | null = null;
function failurePointNames(): string[] {
  // Machine-layer points (a program check on SIC) crash every backend by design: left out.
  faultNames ??= listFailurePoints()
    .filter((p) => p.layer !== 'machine')
    .map((p) => p.name);
  return faultNames;
}

/** A subset of CPUs from a bit mask (never empty). */
function cpuSet(n: number, mask: number, fallback: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < n; c++) if (mask & (1 << c)) out.push(c);
  return out.length ? out : [fallback % n];
}

const CMDS: {
  label: string;
  weight: number;
  make: (m: FuzzModel, s: readonly number[]) => StepDraft | null;
}[] = [
  {
    label: 'plug',
    weight: 2,
    make: (m, [a]) => {
      const f = fnWhere(m, a!, (x) => !x.plugged);
      return f && { kind: 'plug', fid: f.spec.fid };
    },
  },
  {
    label: 'unplug',
    weight: 1,
    make: (m, [a]) => {
      // a driver is unbound first (the runner's unplug forgets what the driver holds)
      const f = fnWhere(m, a!, (x) => x.plugged && !x.bound);
      return f && { kind: 'unplug', fid: f.spec.fid };
    },
  },
  {
    label: 'bind',
    weight: 4,
    make: (m, [a]) => {
      const f = fnWhere(m, a!, (x) => x.plugged && !x.bound);
      return f && { kind: 'bind', fid: f.spec.fid, driver: f.spec.driver ?? 'irqlab-test' };
    },
  },
  {
    label: 'unbind',
    weight: 2,
    make: (m, [a]) => {
      const f = fnWhere(m, a!, (x) => x.bound);
      return f && { kind: 'unbind', fid: f.spec.fid, cleanup: true };
    },
  },
  {
    label: 'enable/disable',
    weight: 1,
    make: (m, [a]) => {
      const f = fnWhere(m, a!, (x) => x.plugged);
      return f && { kind: f.disabled ? 'enable' : 'disable', fid: f.spec.fid };
    },
  },
  {
    label: 'error',
    weight: 1,
    make: (m, [a]) => {
      const f = fnWhere(m, a!, (x) => x.plugged);
      return f && { kind: 'error', fid: f.spec.fid };
    },
  },
  {
    label: 'recover',
    weight: 1,
    make: (m, [a]) => {
      const f = fnWhere(m, a!, (x) => x.plugged);
      return f && { kind: 'recover', fid: f.spec.fid };
    },
  },
  {
    label: 'alloc',
    weight: 6,
    make: (m, [a, b, c, d]) => {
      const f = fnWhere(m, a!, (x) => x.bound && !x.allocated);
      if (!f) return null;
      const n = f.spec.vectors;
      // mostly within the table; 1 in 8 above it (the kernel caps or fails)
      const max = b! % 8 === 7 ? n + 1 + (b! % 3) : 1 + (b! % n);
      const min = c! % 4 === 3 ? max : 1;
      const managed = d! % 10 < 3;
      return {
        kind: 'alloc',
        fid: f.spec.fid,
        min,
        max,
        type: f.spec.irqType,
        affinity: managed ? 'managed' : 'none',
        preVectors: managed && d! % 10 === 0 ? 1 : 0,
        postVectors: 0,
      };
    },
  },
  {
    label: 'free_vectors',
    weight: 2,
    make: (m, [a]) => {
      const f = fnWhere(m, a!, (x) => x.allocated && x.requested.size === 0);
      return f && { kind: 'free_vectors', fid: f.spec.fid };
    },
  },
  {
    label: 'request',
    weight: 9,
    make: (m, [a, b, c]) => {
      const f = fnWhere(m, a!, (x) => x.allocated && x.allocMax > 0);
      if (!f) return null;
      if (c! % 5 === 4 && f.requested.size === 0) {
        const name = `${f.spec.name}q${f.serial}`;
        if (m.handlers.has(name)) return null;
        return {
          kind: 'request',
          fid: f.spec.fid,
          vector: 'all',
          name,
          handler: name,
          shared: false,
          returns: 'handled',
        };
      }
      const shared = c! % 5 === 0;
      // the first vector from b on that can take this request
      for (let i = 0; i < f.allocMax; i++) {
        const v = (b! + i) % f.allocMax;
        const hs = f.requested.get(v);
        if (hs && !(shared && f.shared.get(v))) continue;
        let name = `${f.spec.name}-${v}`;
        if (m.handlers.has(name)) name = `${f.spec.name}-${v}.${f.serial}`;
        if (m.handlers.has(name)) return null;
        return {
          kind: 'request',
          fid: f.spec.fid,
          vector: v,
          name,
          handler: name,
          shared,
          returns: 'handled',
        };
      }
      return null;
    },
  },
  {
    label: 'free_irq',
    weight: 5,
    make: (m, [a, b]) => {
      const f = fnWhere(m, a!, (x) => x.requested.size > 0);
      if (!f) return null;
      const v = pick(
        [...f.requested.keys()].sort((x, y) => x - y),
        b!,
      )!;
      const hs = f.requested.get(v)!;
      return { kind: 'free_irq', fid: f.spec.fid, vector: v, handler: hs[hs.length - 1]! };
    },
  },
  {
    label: 'disable_irq',
    weight: 2,
    make: (m, [a, b]) => {
      const f = fnWhere(m, a!, (x) => x.requested.size > 0);
      if (!f) return null;
      const v = pick(
        [...f.requested.keys()].sort((x, y) => x - y),
        b!,
      )!;
      return { kind: 'disable_irq', fid: f.spec.fid, vector: v };
    },
  },
  {
    label: 'enable_irq',
    weight: 2,
    make: (m, [a, b]) => {
      const f = fnWhere(m, a!, (x) => [...x.depth.values()].some((d) => d > 0));
      if (!f) return null;
      const vs = [...f.depth].filter(([, d]) => d > 0).map(([v]) => v);
      return {
        kind: 'enable_irq',
        fid: f.spec.fid,
        vector: pick(
          vs.sort((x, y) => x - y),
          b!,
        )!,
      };
    },
  },
  {
    label: 'set_affinity',
    weight: 4,
    make: (m, [a, b, c]) => {
      const f = fnWhere(m, a!, (x) => x.allocated && x.allocMax > 0);
      if (!f) return null;
      const cpus = cpuSet(m.nrCpus, c!, b!);
      if (b! % 5 === 4) return { kind: 'set_affinity', fid: f.spec.fid, vector: 'all', cpus };
      return { kind: 'set_affinity', fid: f.spec.fid, vector: b! % f.allocMax, cpus };
    },
  },
  {
    label: 'fire',
    weight: 12,
    make: (m, [a, b, c]) => {
      const f = fnWhere(m, a!, (x) => x.plugged);
      if (!f) return null;
      const count = c! % 8 === 7 ? 2 + (c! % 3) : 1;
      if (f.allocated && b! % 4 === 3) return { kind: 'fire', fid: f.spec.fid, vector: 'all', count };
      const range = f.allocated && b! % 8 !== 0 ? Math.max(1, f.allocMax) : f.spec.vectors;
      return { kind: 'fire', fid: f.spec.fid, vector: b! % range, count };
    },
  },
  {
    label: 'cpu_offline',
    weight: 2,
    make: (m, [a]) => {
      if (m.online.size < 2) return null;
      return {
        kind: 'cpu_offline',
        cpu: pick(
          [...m.online].sort((x, y) => x - y),
          a!,
        )!,
      };
    },
  },
  {
    label: 'cpu_online',
    weight: 2,
    make: (m, [a]) => {
      const off = [...Array(m.nrCpus).keys()].filter((c) => !m.online.has(c));
      const c = pick(off, a!);
      return c === null ? null : { kind: 'cpu_online', cpu: c };
    },
  },
  {
    label: 'fault',
    weight: 1,
    make: (_m, [a, b]) => ({
      kind: 'fault',
      point: pick(failurePointNames(), a!)!,
      occurrence: 1 + (b! % 2),
    }),
  },
  {
    label: 'run',
    weight: 1,
    make: () => ({ kind: 'run', ns: null }),
  },
  {
    label: 'check',
    weight: 1,
    make: () => ({ kind: 'expect', deliveries: null, dropped: null, pending: null, rc: null, findings: [] }),
  },
  {
    label: 'snapshot',
    weight: 0.5,
    make: (_m, [a]) => ({
      kind: 'snapshot',
      view: a! % 2 ? 'proc_interrupts' : 'debugfs_domains',
      irq: null,
      fid: null,
      vector: null,
      label: null,
    }),
  },
  {
    label: 'teardown',
    weight: 0.3,
    make: () => ({ kind: 'teardown' }),
  },
];

/** Cumulative weights of CMDS over 0..255, for decodeCommand. */
let cumulative: number[] | null = null;

/** One integer -> a command: bits 0..7 pick the command by weight, bits 8..30 are its selectors. */
export function decodeCommand(n: number): Cmd {
  const sel = [0, 0, 0, 0];
  const c = CMDS[decodeInto(n, sel)]!;
  return new StepCommand(c.label, sel, c.make);
}

/** Decode `n`: the index into CMDS, selectors written to `sel`. */
function decodeInto(n: number, sel: number[]): number {
  if (!cumulative) {
    const total = CMDS.reduce((a, c) => a + c.weight, 0);
    let acc = 0;
    cumulative = CMDS.map((c) => {
      acc += c.weight;
      return Math.round((acc / total) * 256);
    });
  }
  const k = n & 255;
  let i = 0;
  while (i < CMDS.length - 1 && k >= cumulative[i]!) i++;
  const b = (n >>> 16) & 255;
  const x = (n >>> 24) & 127;
  sel[0] = (n >>> 8) & 255;
  sel[1] = b;
  sel[2] = x;
  sel[3] = (x * 7 + b) & 255;
  return i;
}

/** The weighted command arbitrary (four selectors each; shrink toward 0 = first target). */
export function commandArbitrary(): fc.Arbitrary<Cmd> {
  const sel = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  return fc.oneof(
    ...CMDS.map((c) => ({
      weight: Math.round(c.weight * 10),
      arbitrary: sel.map((s) => new StepCommand(c.label, s, c.make) as Cmd),
    })),
  );
}

const MSIX_SIZES = [1, 2, 3, 4, 5, 8, 16, 33, 64] as const;
const MSI_SIZES = [1, 2, 4, 8, 16, 32] as const;

/** Functions: 1..3, MSI-X or MSI, sometimes a smaller maxMsi, a shared zbus or a late plug. */
export function functionsArbitrary(): fc.Arbitrary<ZpciFunctionSpec[]> {
  const fn = fc.record({
    msix: fc.boolean(),
    size: fc.nat(20),
    maxMsiSel: fc.nat(9),
    present: fc.nat(9),
    shareBus: fc.nat(4),
  });
  return fc.array(fn, { minLength: 1, maxLength: 3 }).map((list) =>
    list.map((g, i): ZpciFunctionSpec => {
      const msix = g.msix || g.size % 4 !== 0;
      const vectors = msix ? MSIX_SIZES[g.size % MSIX_SIZES.length]! : MSI_SIZES[g.size % MSI_SIZES.length]!;
      const maxMsi = g.maxMsiSel >= 7 ? 1 + (g.maxMsiSel % vectors) : vectors;
      const fid = 0x10 * (i + 1);
      const shared = g.shareBus === 4;
      return {
        fid,
        uid: i + 1,
        // devfn 0 on a shared zbus would need rid_available, which the runner sets for devfn != 0 only
        devfn: shared ? i + 1 : 0,
        // the runner uses the bus id as PCHID and a function's uid for a bus of its own: keep them apart
        bus: shared ? 0x100 : null,
        maxMsi,
        irqType: msix ? 'msix' : 'msi',
        vectors,
        name: `fn0x${fid.toString(16)}`,
        driver: null,
        present: g.present < 8,
        loc: { line: 0, column: 0 },
      };
    }),
  );
}

/** The normalized machine for a target (what the loader makes of `delivery`, `backend`, ...). */
export function machineFor(t: FuzzTarget, nrCpus: number, seed: number): Machine {
  const cpus = [...Array(nrCpus).keys()].map((c) => ({ cpu: c, address: 2 * c + 0x10, online: true }));
  return {
    cpus,
    online: cpus.map((c) => c.cpu),
    delivery: t.delivery,
    directedIrqFacility: t.delivery === 'directed',
    forceFloating: false,
    aisFacility: true,
    backend:
      t.backend === 'domain'
        ? { kind: 'domain', parentDomain: t.parentDomain }
        : (BUILTIN_BACKENDS as readonly string[]).includes(t.backend)
          ? { kind: t.backend as Exclude<BuiltinBackend, 'domain'> }
          : { kind: 'module', path: t.backend },
    seed,
    options: {
      floatingCpuSelection: 'lowest',
      summaryEdge: 'bit',
      checkNoi: false,
      disbIndex: 'logical',
      directedFallback: [...FALLBACK_CONDITIONS],
      nrPciFunctions: 512,
    },
  };
}

export interface GeneratedCase {
  readonly nrCpus: number;
  readonly seed: number;
  readonly functions: ZpciFunctionSpec[];
  /**
   * The commands: fast-check command objects (generator 'commands'), or one integer per
   * command (generator 'compact': bits 0..7 pick the command by weight, bits 8..30 its
   * selectors). Both run through the same model (check, then run).
   */
  readonly cmds: Iterable<Cmd> | readonly number[];
  /** null: normal mode; else the exploration schedule (may be all zeros). */
  readonly schedule: number[] | null;
}

/** Sparse (point, option) pairs -> a dense `schedule:` list. */
function denseSchedule(pairs: readonly { at: number; choice: number }[]): number[] {
  const n = pairs.reduce((m, p) => Math.max(m, p.at + 1), 0);
  const out = new Array<number>(n).fill(0);
  for (const p of pairs) out[p.at] = p.choice;
  return out;
}

/** The whole case: machine size, functions, commands, interleaving choices. */
export type GeneratorStyle = 'compact' | 'commands';

/**
 * The whole case. `compact` (default) encodes each command as one integer: fast-check
 * generates and shrinks an integer array (drop elements, shrink values) far faster
 * than command objects, and decoding goes through the same commands and model, so the
 * sequences and their validity are the same. `commands` is fc.commands + fc.modelRun.
 */
export function caseArbitrary(
  maxCommands: number,
  style: GeneratorStyle = 'compact',
): fc.Arbitrary<GeneratedCase> {
  return fc.record({
    nrCpus: fc.oneof(
      { weight: 1, arbitrary: fc.constant(1) },
      { weight: 6, arbitrary: fc.integer({ min: 2, max: 4 }) },
    ),
    seed: fc.nat(0xffff),
    functions: functionsArbitrary(),
    cmds:
      style === 'commands'
        ? fc.commands([commandArbitrary()], { maxCommands, size: 'max' })
        : fc.array(fc.nat(0x7fffffff), { maxLength: maxCommands, size: 'max' }),
    schedule: fc.oneof(
      { weight: 2, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.record({ at: fc.nat(150), choice: fc.integer({ min: 1, max: 4 }) }), { maxLength: 4 })
          .map(denseSchedule)
          .map((s) => (s.length ? s : [0])),
      },
    ),
  });
}

/** Run the commands against a fresh model: the step drafts of the case. */
export function realize(
  c: GeneratedCase,
  t: FuzzTarget,
): { base: Pick<Scenario, 'machine' | 'functions' | 'name' | 'description'>; drafts: StepDraft[] } {
  const base = {
    name: 'fuzz',
    description: '',
    machine: machineFor(t, c.nrCpus, c.seed),
    functions: c.functions,
  };
  const sink: StepSink = { drafts: [] };
  if (Array.isArray(c.cmds)) {
    // The same check-then-run as fc.modelRun, with make() called once per command.
    const model = new FuzzModel(base);
    const sel = [0, 0, 0, 0];
    for (const n of c.cmds as readonly number[]) {
      const d = CMDS[decodeInto(n, sel)]!.make(model, sel);
      if (d !== null && model.accepts(d)) {
        model.apply(d);
        sink.drafts.push(d);
      }
    }
  } else fc.modelRun(() => ({ model: new FuzzModel(base), real: sink }), c.cmds as Iterable<Cmd>);
  sink.drafts.push({ kind: 'teardown' });
  return { base, drafts: sink.drafts };
}
