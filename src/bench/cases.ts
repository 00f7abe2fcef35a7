// SPDX-License-Identifier: GPL-2.0-only
/**
 * The bench cases: each one builds what it measures, warms up, then times the same
 * work `reps` times (median reported). A case runs in-process (tests, --in-process) or
 * in a worker process of its own (the default: no JIT feedback shared between cases).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pciAllocIrqVectors, pciFreeIrqVectors } from '../drivers/pci/msi/api.ts';
import { PCI_IRQ_MSIX } from '../include/linux/pci.ts';
import {
  type BenchBackend,
  type BenchDelivery,
  type BenchSystem,
  createBenchSystem,
  runBurst,
  runSingle,
  runSingleAcross,
  runSingleVectors,
} from './harness.ts';

/** Work sizes of one suite run. */
export interface BenchSizes {
  /** Interrupts per timed repetition, single workload. */
  single: number;
  /** Rounds (of `burst` MSIs each) per timed repetition, burst workload. */
  burstRounds: number;
  /** MSIs pending per interruption in the burst workload. */
  burst: number;
  /** Timed repetitions (median reported). */
  reps: number;
  /** Warm-up work before timing, as a multiple of one repetition. */
  warmup: number;
  /** Functions for the setup/teardown cases. */
  setupFunctions: number;
  /** Function counts of the floating scaling case. */
  scaleFunctions: readonly number[];
  /** Vector counts of the directed scaling case. */
  scaleVectors: readonly number[];
  /** Functions and vectors of the memory case. */
  memFunctions: number;
  memVectors: number;
  /** CLI runs timed. */
  cliRuns: number;
  /** Scenario steps per fuzzing repetition. */
  fuzzOps: number;
  /**
   * Worker processes per timing case (delivery, scaling, setup): the case's figure is the
   * median of their medians. On the shared VM one process in five typically runs 25-40 %
   * slower for its whole life (same JIT decisions, no deoptimisation: docs/performance.md,
   * "Spread"), while the repetitions within one process agree to a few percent.
   */
  processes: number;
}

export const FULL_SIZES: BenchSizes = {
  single: 200_000,
  burstRounds: 8_000,
  burst: 64,
  reps: 5,
  warmup: 2,
  setupFunctions: 256,
  scaleFunctions: [1, 16, 128, 512],
  scaleVectors: [1, 16, 128, 512, 2048],
  memFunctions: 64,
  memVectors: 64,
  cliRuns: 5,
  fuzzOps: 10_000,
  processes: 5,
};

export const QUICK_SIZES: BenchSizes = {
  single: 40_000,
  burstRounds: 1_500,
  burst: 64,
  reps: 5,
  warmup: 1,
  setupFunctions: 256,
  scaleFunctions: [1, 16, 128, 512],
  scaleVectors: [1, 16, 128, 512, 2048],
  memFunctions: 32,
  memVectors: 64,
  cliRuns: 5,
  fuzzOps: 1000,
  processes: 1,
};

/** What a case is. */
export type CaseSpec =
  | {
      readonly kind: 'delivery';
      readonly backend: BenchBackend;
      readonly delivery: BenchDelivery;
      readonly sanitizer: boolean;
      readonly workload: 'single' | 'burst';
    }
  | { readonly kind: 'scale-functions'; readonly backend: BenchBackend; readonly functions: number }
  | { readonly kind: 'scale-vectors'; readonly backend: BenchBackend; readonly vectors: number }
  | {
      readonly kind: 'setup';
      readonly backend: BenchBackend;
      readonly delivery: BenchDelivery;
      readonly functions: number;
      readonly vectors: number;
    }
  | {
      readonly kind: 'memory';
      readonly backend: BenchBackend;
      readonly delivery: BenchDelivery;
      readonly functions: number;
      readonly vectors: number;
    }
  | { readonly kind: 'cli' }
  | { readonly kind: 'fuzz'; readonly backend: BenchBackend; readonly delivery: BenchDelivery };

/** What a case measured. */
export interface CaseResult {
  readonly spec: CaseSpec;
  /** Median of the repetitions, in `unit`. */
  readonly value: number;
  readonly unit: string;
  /** Every repetition's value. */
  readonly samples: readonly number[];
  /** Extra figures (e.g. ns per interrupt, heap bytes per function). */
  readonly extra: Readonly<Record<string, number>>;
  /** Sanitizer findings and other functional problems seen while measuring. */
  readonly findings: number;
  readonly note?: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** global.gc, made available without --expose-gc when needed. */
export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function fail(msg: string): never {
  throw new Error(`bench: ${msg}`);
}

/* ------------------------------------------------------------------ delivery */

function deliveryCase(spec: Extract<CaseSpec, { kind: 'delivery' }>, z: BenchSizes): CaseResult {
  const b = createBenchSystem({
    backend: spec.backend,
    delivery: spec.delivery,
    sanitizer: spec.sanitizer,
    vectors: Math.max(64, z.burst),
  });
  const work = spec.workload === 'single' ? z.single : z.burstRounds * z.burst;
  const run = (n: number): number => (spec.workload === 'single' ? runSingle(b, n) : runBurst(b, n, z.burst));
  const count = spec.workload === 'single' ? z.single : z.burstRounds;
  const once = (): number => run(count);
  primeLoop(run, count);
  for (let w = 0; w < z.warmup; w++) once();
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  for (let r = 0; r < z.reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = nowNs();
    const got = once();
    const dt = nowNs() - t0;
    const c1 = process.cpuUsage(c0);
    if (got !== work) fail(`${caseName(spec)}: ${got} handler calls for ${work} MSIs`);
    samples.push(got / (dt / 1e9) / 1e6);
    cpuSamples.push(got / ((c1.user + c1.system) / 1e6) / 1e6);
  }
  const value = median(samples);
  return {
    spec,
    value,
    unit: 'M irq/s',
    samples,
    extra: { nsPerIrq: 1000 / value, cpuMIrqPerS: median(cpuSamples) },
    findings: b.sys.sim.findings.list.length,
  };
}

/* ------------------------------------------------------------------- scaling */

function scaleFunctionsCase(spec: Extract<CaseSpec, { kind: 'scale-functions' }>, z: BenchSizes): CaseResult {
  const b = createBenchSystem({
    backend: spec.backend,
    delivery: 'floating',
    functions: spec.functions,
    vectors: 8,
  });
  return timedSingle(spec, b, z, (n) => runSingleAcross(b, n));
}

function scaleVectorsCase(spec: Extract<CaseSpec, { kind: 'scale-vectors' }>, z: BenchSizes): CaseResult {
  const b = createBenchSystem({ backend: spec.backend, delivery: 'directed', vectors: spec.vectors });
  return timedSingle(spec, b, z, (n) => runSingleVectors(b, n, spec.vectors));
}

/**
 * Run a harness loop 50 times with 1/100 of a repetition's count before the warm-up: V8 then
 * optimises it at its entry, with type feedback for every site (the code after the loop too)
 * and loop-body call frequencies like a repetition's (so the delivery path is inlined as in a
 * long run). Without it, each of the few long runs entered the loop in the interpreter and
 * compiled it on stack (OSR) inside the timed region, and the OSR code deoptimised at the loop
 * exit ("insufficient type feedback"): a benchmark artefact of up to 40 %.
 */
function primeLoop(run: (n: number) => number, n: number): void {
  const m = Math.max(1, Math.floor(n / 100));
  for (let i = 0; i < 50; i++) run(m);
}

function timedSingle(spec: CaseSpec, b: BenchSystem, z: BenchSizes, run: (n: number) => number): CaseResult {
  const once = (): number => run(z.single);
  primeLoop(run, z.single);
  for (let w = 0; w < z.warmup; w++) once();
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < z.reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = nowNs();
    const got = once();
    const dt = nowNs() - t0;
    const c1 = process.cpuUsage(c0);
    if (got !== z.single) fail(`${caseName(spec)}: ${got} handler calls for ${z.single} MSIs`);
    samples.push(dt / got);
    cpu.push(((c1.user + c1.system) * 1000) / got);
  }
  const value = median(samples);
  return {
    spec,
    value,
    unit: 'ns/irq',
    samples,
    extra: { mIrqPerS: 1000 / value, cpuNsPerIrq: median(cpu) },
    findings: b.sys.sim.findings.list.length,
  };
}

/* ------------------------------------------------------------ setup/teardown */

/** IRQs allocated and freed while warming up a setup case (at least). */
const WARM_IRQS = 131_072;

/**
 * pci_alloc_irq_vectors(n, n, PCI_IRQ_MSIX) then pci_free_irq_vectors() on every one of
 * `functions` functions (the whole MSI stack: msi_descs, hierarchical domain allocation,
 * airq bits, firmware registration, MSI-X table writes, and back). Functions are handled
 * in batches small enough for NR_IRQS (the kernel's sparse-irq limit, 8192): every
 * function's vectors are allocated and freed, at most `batch` functions hold vectors at once.
 */
function setupCase(spec: Extract<CaseSpec, { kind: 'setup' }>, z: BenchSizes): CaseResult {
  const b = createBenchSystem({
    backend: spec.backend,
    delivery: spec.delivery,
    functions: spec.functions,
    vectors: spec.vectors,
    bind: false,
  });
  const { sys, fids } = b;
  const k = sys.k;
  const pdevs = fids.map((fid) => {
    const p = sys.pdev(fid);
    if (!p) fail(`${caseName(spec)}: no pci_dev for fid 0x${fid.toString(16)}`);
    return p;
  });
  const limit = k.irqLimit - k.dynirqLowerBound - 64;
  const batch = Math.max(1, Math.min(fids.length, Math.floor(limit / spec.vectors)));
  const n = spec.vectors;
  const cpu: number[] = [];
  const once = (): number => {
    const c0 = process.cpuUsage();
    const t0 = nowNs();
    for (let s = 0; s < pdevs.length; s += batch) {
      const end = Math.min(pdevs.length, s + batch);
      for (let i = s; i < end; i++) {
        const rc = pciAllocIrqVectors(k, pdevs[i]!, n, n, PCI_IRQ_MSIX);
        if (rc !== n)
          fail(`${caseName(spec)}: pci_alloc_irq_vectors on fid 0x${fids[i]!.toString(16)}: ${rc}`);
      }
      for (let i = s; i < end; i++) pciFreeIrqVectors(k, pdevs[i]!);
    }
    const ms = (nowNs() - t0) / 1e6;
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
    return ms;
  };
  const samples: number[] = [];
  let note: string | undefined =
    batch < fids.length ? `NR_IRQS ${k.irqLimit}: batches of ${batch} functions` : undefined;
  // Warm up on at least 131,072 IRQs (eight repetitions of the 64 x 256 case): one repetition of the
  // 8 x 256 case (2048 IRQs) is too short for V8 to optimise the MSI core, whose first
  // runs are 5-10 times slower (the cold first run is reported as `firstMs`).
  const warmup = Math.max(z.warmup, Math.ceil(WARM_IRQS / (spec.functions * n)));
  let firstMs = Number.NaN;
  try {
    for (let w = 0; w < warmup; w++) {
      const ms = once();
      if (w === 0) firstMs = ms;
    }
    cpu.length = 0;
    for (let r = 0; r < z.reps; r++) samples.push(once());
  } catch (e) {
    // a backend whose teardown leaks (mainline) may not get its vectors a second time
    if (samples.length === 0) throw e;
    note = `${note ? `${note}; ` : ''}stopped after ${samples.length} run(s): ${e instanceof Error ? e.message : String(e)}`;
  }
  return {
    spec,
    value: median(samples),
    unit: 'ms',
    samples,
    extra: {
      batch,
      firstMs,
      cpuMs: median(cpu.slice(0, samples.length)),
      irqs: spec.functions * spec.vectors,
      usPerIrq: (median(samples) * 1000) / (spec.functions * spec.vectors),
    },
    findings: sys.sim.findings.list.length,
    ...(note ? { note } : {}),
  };
}

/* -------------------------------------------------------------------- memory */

function heapNow(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Heap per allocated IRQ: bind `functions` functions with `vectors` vectors each (descriptor,
 * every irq_data level, msi_desc, action, reverse maps, vector slots), divided by the IRQs.
 * Heap per function: hot plug + scan `functions` functions (zpci_dev, pci_dev, the
 * function's hardware model: 4 KiB config space + write mask, MSI-X table).
 */
function memoryCase(spec: Extract<CaseSpec, { kind: 'memory' }>, z: BenchSizes): CaseResult {
  const gc = getGc();
  const perIrq: number[] = [];
  const perFn: number[] = [];
  for (let r = 0; r < z.reps; r++) {
    const base = createBenchSystem({
      backend: spec.backend,
      delivery: spec.delivery,
      functions: 0,
      vectors: spec.vectors,
      bind: false,
    });
    // warm up: plug, bind and unbind as many functions as are measured, twice, so that the
    // JIT's code and feedback for the bind path (V8 is still optimising it after a few binds:
    // ~165 B per IRQ of code in the directed figure) and one-time globals (pools, caches,
    // kernel tables grown once) are not counted as heap of the IRQs
    for (let i = 0; i < spec.functions; i++) {
      const fid = 0x800 + i;
      base.sys.plug(fid, { uid: fid, msixVectors: spec.vectors });
    }
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < spec.functions; i++) {
        if (base.sys.bind(0x800 + i, base.driver) !== 0) fail(`${caseName(spec)}: warm-up probe failed`);
      }
      for (let i = 0; i < spec.functions; i++) base.sys.unbind(0x800 + i);
    }
    const h0 = heapNow(gc);
    for (let i = 0; i < spec.functions; i++) {
      base.sys.plug(0x1000 + i, { uid: 0x1000 + i, msixVectors: spec.vectors });
    }
    const h1 = heapNow(gc);
    for (let i = 0; i < spec.functions; i++) {
      const rc = base.sys.bind(0x1000 + i, base.driver);
      if (rc !== 0) fail(`${caseName(spec)}: probe failed: ${rc}`);
    }
    const h2 = heapNow(gc);
    if (base.requestErrors.length > 0) fail(`${caseName(spec)}: request_irq failed`);
    perFn.push((h1 - h0) / spec.functions);
    perIrq.push((h2 - h1) / (spec.functions * spec.vectors));
    // keep the system alive until measured
    if (base.sys.k.nrIrqs < 0) fail('unreachable');
  }
  return {
    spec,
    value: median(perIrq),
    unit: 'B/irq',
    samples: perIrq,
    extra: { bytesPerFunction: median(perFn) },
    findings: 0,
  };
}

/* ----------------------------------------------------------------------- CLI */

const here = dirname(fileURLToPath(import.meta.url));

/** The built CLI next to this module (dist/cli/main.js), or null when running from sources. */
export function builtCliPath(): string | null {
  const p = resolve(here, '../cli/main.js');
  return here.endsWith('/dist/bench') ? p : null;
}

/** Wall time of `node dist/cli/main.js run` (default scenario), spawn to exit. */
function cliCase(spec: Extract<CaseSpec, { kind: 'cli' }>, z: BenchSizes): CaseResult {
  const cli = builtCliPath();
  if (!cli) {
    return {
      spec,
      value: Number.NaN,
      unit: 'ms',
      samples: [],
      extra: {},
      findings: 0,
      note: 'not measured: needs the built package (npm run bench)',
    };
  }
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < z.cliRuns + 1; r++) {
    const c0 = childrenCpuMs();
    const t0 = nowNs();
    const p = spawnSync(process.execPath, [cli, 'run'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const dt = (nowNs() - t0) / 1e6;
    const c1 = childrenCpuMs();
    if (p.status !== 0) fail(`cli: exit ${p.status}: ${String(p.stderr)}`);
    if (r === 0) continue; // the first run warms the file cache
    samples.push(dt);
    if (c0 >= 0 && c1 >= 0) cpu.push(c1 - c0);
  }
  return {
    spec,
    value: median(samples),
    unit: 'ms',
    samples,
    extra: cpu.length ? { cpuMs: median(cpu) } : {},
    findings: 0,
  };
}

/** CPU time (user + system, ms) of this process's waited-for children (Linux /proc; -1 elsewhere). */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 16 and 17 (cutime, cstime) are 13 and 14 after the command name and state
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return -1;
  }
}

/* ----------------------------------------------------------------- dispatch */

export function caseName(s: CaseSpec): string {
  switch (s.kind) {
    case 'delivery':
      return `delivery ${s.workload} ${s.backend} ${s.delivery} sanitizer ${s.sanitizer ? 'on' : 'off'}`;
    case 'scale-functions':
      return `scaling ${s.backend} floating ${s.functions} functions`;
    case 'scale-vectors':
      return `scaling ${s.backend} directed ${s.vectors} vectors`;
    case 'setup':
      return `setup/teardown ${s.backend} ${s.delivery} ${s.functions}x${s.vectors}`;
    case 'memory':
      return `memory ${s.backend} ${s.delivery}`;
    case 'cli':
      return 'cli run (default scenario)';
    case 'fuzz':
      return `fuzzing ${s.backend} ${s.delivery}`;
  }
}

/** Run one case in this process. */
export function runCaseInProcess(spec: CaseSpec, z: BenchSizes): CaseResult {
  switch (spec.kind) {
    case 'delivery':
      return deliveryCase(spec, z);
    case 'scale-functions':
      return scaleFunctionsCase(spec, z);
    case 'scale-vectors':
      return scaleVectorsCase(spec, z);
    case 'setup':
      return setupCase(spec, z);
    case 'memory':
      return memoryCase(spec, z);
    case 'cli':
      return cliCase(spec, z);
    case 'fuzz':
      throw new Error('bench: the fuzzing case is asynchronous: runCase()');
  }
}

/** Run one case in this process (any kind). */
export async function runCase(spec: CaseSpec, z: BenchSizes): Promise<CaseResult> {
  return spec.kind === 'fuzz' ? fuzzCase(spec, z) : runCaseInProcess(spec, z);
}

/**
 * Fuzzing throughput: scenario steps per second of one fuzzing lane (src/sim/fuzz, when this
 * build has it: its fuzzLane() reports the steps of the generated cases and their wall time).
 */
async function fuzzCase(spec: Extract<CaseSpec, { kind: 'fuzz' }>, z: BenchSizes): Promise<CaseResult> {
  const ext = here.endsWith('/dist/bench') ? 'js' : 'ts';
  const entry = resolve(here, `../sim/fuzz/engine.${ext}`);
  const none = (note: string): CaseResult => ({
    spec,
    value: Number.NaN,
    unit: 'ops/s',
    samples: [],
    extra: {},
    findings: 0,
    note,
  });
  if (!existsSync(entry)) return none('not measured: src/sim/fuzz is not part of this build');
  let lane: unknown;
  try {
    lane = ((await import(pathToFileURL(entry).href)) as Record<string, unknown>)['fuzzLane'];
  } catch (e) {
    return none(`not measured: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (typeof lane !== 'function') return none('not measured: src/sim/fuzz has no fuzzLane()');
  const runLane = lane as (o: unknown) => { caseOps: number; caseMs: number; findings: unknown[] };
  const laneOf = (seed: number) =>
    runLane({
      target: { backend: spec.backend, delivery: spec.delivery, parentDomain: 'global' },
      differential: false,
      lane: 0,
      seed,
      ops: z.fuzzOps,
      outDir: tmpdir(),
    });
  // warm up as the other cases do (a campaign runs for minutes: its throughput is the
  // compiled model's, not the first seconds' of interpreter and JIT); other seeds than timed
  let found = 0;
  for (let w = 0; w < z.warmup; w++) found += laneOf(1000 + w).findings.length;
  const samples: number[] = [];
  for (let r = 0; r < z.reps; r++) {
    const rep = laneOf(1 + r);
    if (!(rep.caseMs > 0)) return none('not measured: fuzzLane() reported no case time');
    samples.push(rep.caseOps / (rep.caseMs / 1000));
    found += rep.findings.length;
  }
  return { spec, value: median(samples), unit: 'ops/s', samples, extra: {}, findings: found };
}

/**
 * Run one case in worker processes of its own (node --expose-gc --single-threaded worker.js):
 * `z.processes` of them for the timing cases, one for the others. With several, the value and
 * every extra figure are the medians over the processes, `samples` their values.
 */
export function runCaseIsolated(spec: CaseSpec, z: BenchSizes): CaseResult {
  const timing =
    spec.kind === 'delivery' ||
    spec.kind === 'scale-functions' ||
    spec.kind === 'scale-vectors' ||
    spec.kind === 'setup';
  const n = timing ? Math.max(1, z.processes) : 1;
  const runs: CaseResult[] = [];
  for (let i = 0; i < n; i++) runs.push(runWorker(spec, z));
  return combineRuns(spec, runs);
}

/** One result from several processes' results of the same case: medians, samples = their values. */
export function combineRuns(spec: CaseSpec, runs: readonly CaseResult[]): CaseResult {
  if (runs.length === 1) return runs[0]!;
  const extra: Record<string, number> = {};
  for (const key of Object.keys(runs[0]!.extra))
    extra[key] = median(runs.map((r) => r.extra[key] ?? Number.NaN));
  const note = runs.find((r) => r.note)?.note;
  return {
    spec,
    value: median(runs.map((r) => r.value)),
    unit: runs[0]!.unit,
    samples: runs.map((r) => r.value),
    extra,
    findings: Math.max(...runs.map((r) => r.findings)),
    ...(note ? { note } : {}),
  };
}

function runWorker(spec: CaseSpec, z: BenchSizes): CaseResult {
  const ext = here.endsWith('/dist/bench') ? '.js' : '.ts';
  const worker = resolve(here, `worker${ext}`);
  const p = spawnSync(
    process.execPath,
    // --single-threaded: V8's GC and compiler run on the measuring thread, so a case's CPU time
    // is one core's work (with helper threads it also counted work done on the other core)
    [...process.execArgv, '--expose-gc', '--single-threaded', worker, JSON.stringify({ spec, sizes: z })],
    { encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  if (p.status !== 0) {
    throw new Error(`bench worker for ${caseName(spec)} failed (exit ${p.status}): ${p.stderr.trim()}`);
  }
  return JSON.parse(p.stdout) as CaseResult;
}
