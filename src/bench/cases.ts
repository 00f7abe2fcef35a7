// SPDX-License-Identifier: GPL-2.0-only
/**
 * The bench cases: each one builds what it measures, warms up, then times the same
 * work `reps` times (median reported). A case runs in-process (tests, --in-process) or
 * in a worker process of its own (the default: no JIT feedback shared between cases).
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
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
  | { readonly kind: 'cli' };

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
  const once = (): number =>
    spec.workload === 'single' ? runSingle(b, z.single) : runBurst(b, z.burstRounds, z.burst);
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
  return timedSingle(spec, b, z, () => runSingleAcross(b, z.single));
}

function scaleVectorsCase(spec: Extract<CaseSpec, { kind: 'scale-vectors' }>, z: BenchSizes): CaseResult {
  const b = createBenchSystem({ backend: spec.backend, delivery: 'directed', vectors: spec.vectors });
  return timedSingle(spec, b, z, () => runSingleVectors(b, z.single, spec.vectors));
}

function timedSingle(spec: CaseSpec, b: BenchSystem, z: BenchSizes, once: () => number): CaseResult {
  for (let w = 0; w < z.warmup; w++) once();
  const samples: number[] = [];
  for (let r = 0; r < z.reps; r++) {
    const t0 = nowNs();
    const got = once();
    const dt = nowNs() - t0;
    if (got !== z.single) fail(`${caseName(spec)}: ${got} handler calls for ${z.single} MSIs`);
    samples.push(dt / got);
  }
  const value = median(samples);
  return {
    spec,
    value,
    unit: 'ns/irq',
    samples,
    extra: { mIrqPerS: 1000 / value },
    findings: b.sys.sim.findings.list.length,
  };
}

/* ------------------------------------------------------------ setup/teardown */

/**
 * Bind (pci_alloc_irq_vectors + request_irq per vector) and unbind (free_irq +
 * pci_free_irq_vectors) the bench driver on `functions` functions. Functions are bound in
 * batches small enough for NR_IRQS (the kernel's sparse-irq limit, 8192): every function's
 * vectors are allocated and freed, at most `batch` functions hold vectors at once.
 */
function setupCase(spec: Extract<CaseSpec, { kind: 'setup' }>, z: BenchSizes): CaseResult {
  const b = createBenchSystem({
    backend: spec.backend,
    delivery: spec.delivery,
    functions: spec.functions,
    vectors: spec.vectors,
    bind: false,
  });
  const { sys, fids, driver } = b;
  const limit = sys.k.irqLimit - sys.k.dynirqLowerBound - 64;
  const batch = Math.max(1, Math.min(fids.length, Math.floor(limit / spec.vectors)));
  const once = (): number => {
    const t0 = nowNs();
    for (let s = 0; s < fids.length; s += batch) {
      const end = Math.min(fids.length, s + batch);
      for (let i = s; i < end; i++) {
        const rc = sys.bind(fids[i]!, driver);
        if (rc !== 0) fail(`${caseName(spec)}: probe of fid 0x${fids[i]!.toString(16)} failed: ${rc}`);
      }
      for (let i = s; i < end; i++) sys.unbind(fids[i]!);
    }
    if (b.requestErrors.length > 0) fail(`${caseName(spec)}: request_irq failed: ${b.requestErrors[0]}`);
    return (nowNs() - t0) / 1e6;
  };
  for (let w = 0; w < Math.max(1, z.warmup - 1); w++) once();
  const samples: number[] = [];
  for (let r = 0; r < z.reps; r++) samples.push(once());
  return {
    spec,
    value: median(samples),
    unit: 'ms',
    samples,
    extra: { batch, irqs: spec.functions * spec.vectors },
    findings: sys.sim.findings.list.length,
    ...(batch < fids.length
      ? { note: `NR_IRQS ${sys.k.irqLimit}: bound in batches of ${batch} functions` }
      : {}),
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
    // warm up: plug, bind and unbind a few functions first, so that compiled code and
    // one-time globals (pools, caches, kernel tables grown once) are not counted
    for (let i = 0; i < 4; i++) {
      const fid = 0x800 + i;
      base.sys.plug(fid, { uid: fid, msixVectors: spec.vectors });
      if (base.sys.bind(fid, base.driver) !== 0) fail(`${caseName(spec)}: warm-up probe failed`);
    }
    for (let i = 0; i < 4; i++) base.sys.unbind(0x800 + i);
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
  for (let r = 0; r < z.cliRuns + 1; r++) {
    const t0 = nowNs();
    const p = spawnSync(process.execPath, [cli, 'run'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const dt = (nowNs() - t0) / 1e6;
    if (p.status !== 0) fail(`cli: exit ${p.status}: ${String(p.stderr)}`);
    if (r > 0) samples.push(dt); // the first run warms the file cache
  }
  return { spec, value: median(samples), unit: 'ms', samples, extra: {}, findings: 0 };
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
  }
}

/** Run one case in a worker process of its own (node --expose-gc worker.js). */
export function runCaseIsolated(spec: CaseSpec, z: BenchSizes): CaseResult {
  const ext = here.endsWith('/dist/bench') ? '.js' : '.ts';
  const worker = resolve(here, `worker${ext}`);
  const p = spawnSync(
    process.execPath,
    [...process.execArgv, '--expose-gc', worker, JSON.stringify({ spec, sizes: z })],
    { encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  if (p.status !== 0) {
    throw new Error(`bench worker for ${caseName(spec)} failed (exit ${p.status}): ${p.stderr.trim()}`);
  }
  return JSON.parse(p.stdout) as CaseResult;
}
