// SPDX-License-Identifier: GPL-2.0-only
/**
 * The bench suite: which cases run, the targets they are judged against, the machine
 * they ran on, and the text / JSON report. `npm run bench` (dist/bench/run.js) and
 * `irqlab bench` run the same suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BenchSizes,
  type CaseResult,
  type CaseSpec,
  caseName,
  FULL_SIZES,
  QUICK_SIZES,
  runCaseInProcess,
  runCaseIsolated,
} from './cases.ts';
import { BENCH_BACKENDS, BENCH_DELIVERIES, unsupported } from './harness.ts';

export interface SuiteOptions {
  quick?: boolean;
  /** Run every case in this process (default false: one worker process per case). */
  inProcess?: boolean;
  /** Override the work sizes (tests use tiny ones). */
  sizes?: BenchSizes;
  /** Only cases whose name contains this text. */
  filter?: string;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  platform: string;
}

/** A row of the report: a measured case, or one that was skipped with a reason. */
export interface SuiteRow {
  readonly name: string;
  readonly spec: CaseSpec | null;
  readonly result: CaseResult | null;
  readonly skipped: string | null;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** true met, false missed, null not measured. */
  readonly met: boolean | null;
}

export interface SuiteReport {
  readonly machine: MachineInfo;
  readonly quick: boolean;
  readonly sizes: BenchSizes;
  readonly rows: readonly SuiteRow[];
  readonly targets: readonly TargetCheck[];
  /** Fuzzing ops/s: null when src/sim/fuzz is not part of this build. */
  readonly fuzz: { readonly value: number | null; readonly note: string };
}

/** nproc, CPU model (/proc/cpuinfo "model name"), node version. */
export function machineInfo(): MachineInfo {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return { nproc: availableParallelism(), cpuModel: model, node: process.version, platform: process.platform };
}

/** Every case of the suite in report order; unsupported combinations carry their reason. */
export function suiteCases(z: BenchSizes): { name: string; spec: CaseSpec; skipped: string | null }[] {
  const out: { name: string; spec: CaseSpec; skipped: string | null }[] = [];
  const add = (spec: CaseSpec, skipped: string | null = null): void => {
    out.push({ name: caseName(spec), spec, skipped });
  };
  for (const workload of ['single', 'burst'] as const) {
    for (const sanitizer of [false, true]) {
      for (const backend of BENCH_BACKENDS) {
        for (const delivery of BENCH_DELIVERIES) {
          add({ kind: 'delivery', backend, delivery, sanitizer, workload }, unsupported(backend, delivery));
        }
      }
    }
  }
  for (const functions of z.scaleFunctions) add({ kind: 'scale-functions', backend: 'domain', functions });
  for (const vectors of z.scaleVectors) add({ kind: 'scale-vectors', backend: 'domain', vectors });
  for (const backend of BENCH_BACKENDS) {
    add({ kind: 'setup', backend, delivery: 'floating', functions: z.setupFunctions, vectors: 64 });
    add(
      { kind: 'setup', backend, delivery: 'directed', functions: z.setupFunctions, vectors: 8 },
      unsupported(backend, 'directed'),
    );
  }
  for (const backend of BENCH_BACKENDS) {
    for (const delivery of BENCH_DELIVERIES) {
      add(
        { kind: 'memory', backend, delivery, functions: z.memFunctions, vectors: z.memVectors },
        unsupported(backend, delivery),
      );
    }
  }
  add({ kind: 'cli' });
  return out;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Fuzzing throughput, when the fuzzer (src/sim/fuzz) is part of this build. */
async function fuzzOps(): Promise<{ value: number | null; note: string }> {
  const ext = here.endsWith('/dist/bench') ? 'js' : 'ts';
  const dir = resolve(here, '../sim/fuzz');
  if (!existsSync(dir)) return { value: null, note: 'not measured: src/sim/fuzz does not exist in this build' };
  const entry = resolve(dir, `index.${ext}`);
  if (!existsSync(entry)) return { value: null, note: `not measured: no ${entry}` };
  try {
    const mod = (await import(entry)) as Record<string, unknown>;
    const bench = mod['benchFuzzOps'];
    if (typeof bench !== 'function') {
      return { value: null, note: 'not measured: src/sim/fuzz exports no benchFuzzOps()' };
    }
    return { value: Number(await (bench as () => unknown)()), note: '' };
  } catch (e) {
    return { value: null, note: `not measured: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function find(rows: readonly SuiteRow[], pred: (s: CaseSpec) => boolean): CaseResult | null {
  for (const r of rows) if (r.spec && r.result && pred(r.spec)) return r.result;
  return null;
}

function fmt(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** The targets, judged on this report's rows. */
export function checkTargets(rows: readonly SuiteRow[]): TargetCheck[] {
  const t: TargetCheck[] = [];
  const del = (d: string, w: string, san: boolean): CaseResult | null =>
    find(
      rows,
      (s) =>
        s.kind === 'delivery' &&
        s.backend === 'domain' &&
        s.delivery === d &&
        s.workload === w &&
        s.sanitizer === san,
    );
  const rate = (label: string, r: CaseResult | null, min: number): void => {
    t.push({
      target: `${label} >= ${min} M irq/s`,
      measured: r ? `${fmt(r.value)} M irq/s` : 'not measured',
      met: r ? r.value >= min : null,
    });
  };
  for (const d of BENCH_DELIVERIES) {
    rate(`domain ${d} burst, sanitizer off`, del(d, 'burst', false), 10);
    rate(`domain ${d} single, sanitizer off`, del(d, 'single', false), 2);
    rate(`domain ${d} single, sanitizer on`, del(d, 'single', true), 1);
  }
  const s1 = find(rows, (s) => s.kind === 'scale-functions' && s.functions === 1);
  const s512 = find(rows, (s) => s.kind === 'scale-functions' && s.functions === 512);
  t.push({
    target: 'floating: per-interrupt cost with 512 functions <= 1.25x of 1',
    measured: s1 && s512 ? `${fmt(s512.value / s1.value)}x (${fmt(s512.value, 0)} / ${fmt(s1.value, 0)} ns)` : 'not measured',
    met: s1 && s512 ? s512.value <= 1.25 * s1.value : null,
  });
  for (const [d, v] of [
    ['floating', 64],
    ['directed', 8],
  ] as const) {
    const r = find(rows, (s) => s.kind === 'setup' && s.backend === 'domain' && s.delivery === d);
    t.push({
      target: `domain ${d}: allocate and free ${v} vectors on each of 256 functions <= 50 ms`,
      measured: r ? `${fmt(r.value, 1)} ms` : 'not measured',
      met: r ? r.value <= 50 : null,
    });
  }
  for (const d of BENCH_DELIVERIES) {
    const r = find(rows, (s) => s.kind === 'memory' && s.backend === 'domain' && s.delivery === d);
    t.push({
      target: `domain ${d}: heap per allocated IRQ <= 1024 B`,
      measured: r ? `${fmt(r.value, 0)} B` : 'not measured',
      met: r ? r.value <= 1024 : null,
    });
  }
  const cli = find(rows, (s) => s.kind === 'cli');
  t.push({
    target: 'node dist/cli/main.js run (default scenario) <= 300 ms',
    measured: cli && Number.isFinite(cli.value) ? `${fmt(cli.value, 0)} ms` : 'not measured',
    met: cli && Number.isFinite(cli.value) ? cli.value <= 300 : null,
  });
  return t;
}

/** Run the suite. */
export async function runSuite(o: SuiteOptions = {}): Promise<SuiteReport> {
  const quick = o.quick ?? false;
  const z = o.sizes ?? (quick ? QUICK_SIZES : FULL_SIZES);
  const rows: SuiteRow[] = [];
  for (const c of suiteCases(z)) {
    if (o.filter && !c.name.includes(o.filter)) continue;
    if (c.skipped) {
      rows.push({ name: c.name, spec: c.spec, result: null, skipped: c.skipped });
      continue;
    }
    o.progress?.(`${c.name} ...`);
    const result = o.inProcess ? runCaseInProcess(c.spec, z) : runCaseIsolated(c.spec, z);
    rows.push({ name: c.name, spec: c.spec, result, skipped: null });
    o.progress?.(`  ${fmtResult(result)}`);
  }
  const fuzz = o.filter ? { value: null, note: 'not measured (filtered run)' } : await fuzzOps();
  return { machine: machineInfo(), quick, sizes: z, rows, targets: checkTargets(rows), fuzz };
}

function fmtResult(r: CaseResult): string {
  const digits = r.unit === 'M irq/s' ? 2 : r.unit === 'ms' ? 1 : 0;
  let s = `${fmt(r.value, digits)} ${r.unit}`;
  if (r.extra['nsPerIrq'] !== undefined) s += ` (${fmt(r.extra['nsPerIrq'], 0)} ns/irq)`;
  if (r.extra['bytesPerFunction'] !== undefined) s += `, ${fmt(r.extra['bytesPerFunction'], 0)} B/function`;
  if (r.findings) s += `, ${r.findings} finding(s)`;
  if (r.note) s += ` [${r.note}]`;
  return s;
}

/** The report as text: machine, one line per case, targets. */
export function renderText(r: SuiteReport): string {
  const m = r.machine;
  let out = `irqlab bench${r.quick ? ' --quick' : ''}: ${m.nproc} CPUs, ${m.cpuModel}, node ${m.node} (${m.platform})\n`;
  out += `median of ${r.sizes.reps} runs; single = one MSI per adapter interruption, burst = ${r.sizes.burst} MSIs pending per interruption\n\n`;
  const w = Math.max(...r.rows.map((x) => x.name.length), 10);
  for (const row of r.rows) {
    const v = row.result ? fmtResult(row.result) : `skipped: ${row.skipped}`;
    out += `${row.name.padEnd(w)}  ${v}\n`;
  }
  out += `${'fuzzing ops/s'.padEnd(w)}  ${r.fuzz.value === null ? r.fuzz.note : fmt(r.fuzz.value, 0)}\n`;
  out += '\ntargets:\n';
  for (const t of r.targets) {
    const s = t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS';
    out += `  [${s}] ${t.target}: ${t.measured}\n`;
  }
  return out;
}

/** The report as JSON (NaN as null). */
export function renderJson(r: SuiteReport): string {
  return `${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
