// SPDX-License-Identifier: GPL-2.0-only
/**
 * The bench suite: which cases run, the targets they are judged against, the machine
 * they ran on, and the text / JSON report. `npm run bench` (dist/bench/run.js) and
 * `irqlab bench` run the same suite.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import {
  type BenchSizes,
  type CaseResult,
  type CaseSpec,
  caseName,
  FULL_SIZES,
  QUICK_SIZES,
  runCase,
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
  /** 1-minute load average when the suite started and ended (other processes share the CPUs). */
  loadStart: number;
  loadEnd: number;
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
  const load = loadavg()[0] ?? 0;
  return {
    nproc: availableParallelism(),
    cpuModel: model,
    node: process.version,
    platform: process.platform,
    loadStart: load,
    loadEnd: load,
  };
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
      // directed: the per-CPU DIBVs have 2048 bits for all functions together
      const vectors = delivery === 'directed' ? Math.min(8, z.memVectors) : z.memVectors;
      add(
        { kind: 'memory', backend, delivery, functions: z.memFunctions, vectors },
        unsupported(backend, delivery),
      );
    }
  }
  add({ kind: 'fuzz', backend: 'domain', delivery: 'floating' });
  add({ kind: 'cli' });
  return out;
}

function find(rows: readonly SuiteRow[], pred: (s: CaseSpec) => boolean): CaseResult | null {
  for (const r of rows) if (r.spec && r.result && pred(r.spec)) return r.result;
  return null;
}

function fmt(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** The issue's targets, judged on this report's rows. */
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
  // throughput of one core = work / CPU time of the process (wall time also counts the time
  // other processes had the core); both are shown, the CPU-time figure is judged
  const rate = (label: string, r: CaseResult | null, min: number): void => {
    const v = r ? (r.extra['cpuMIrqPerS'] ?? r.value) : Number.NaN;
    t.push({
      target: `${label} >= ${min} M irq/s`,
      measured: r ? `${fmt(v)} M irq/s (wall ${fmt(r.value)})` : 'not measured',
      met: r ? v >= min : null,
    });
  };
  for (const d of BENCH_DELIVERIES) {
    rate(`domain ${d} burst, sanitizer off`, del(d, 'burst', false), 10);
    rate(`domain ${d} single, sanitizer off`, del(d, 'single', false), 2);
    rate(`domain ${d} single, sanitizer on`, del(d, 'single', true), 1);
  }
  const s1 = find(rows, (s) => s.kind === 'scale-functions' && s.functions === 1);
  const s512 = find(rows, (s) => s.kind === 'scale-functions' && s.functions === 512);
  const ns = (r: CaseResult): number => r.extra['cpuNsPerIrq'] ?? r.value;
  t.push({
    target: 'floating: per-interrupt cost with 512 functions <= 1.25x of 1',
    measured:
      s1 && s512
        ? `${fmt(ns(s512) / ns(s1))}x (${fmt(ns(s512), 0)} / ${fmt(ns(s1), 0)} ns; wall ${fmt(s512.value / s1.value)}x)`
        : 'not measured',
    met: s1 && s512 ? ns(s512) <= 1.25 * ns(s1) : null,
  });
  for (const [d, v] of [
    ['floating', 64],
    ['directed', 8],
  ] as const) {
    const r = find(rows, (s) => s.kind === 'setup' && s.backend === 'domain' && s.delivery === d);
    const ms = r ? (r.extra['cpuMs'] ?? r.value) : Number.NaN;
    t.push({
      target: `domain ${d}: allocate and free ${v} vectors on each of 256 functions <= 50 ms`,
      measured: r ? `${fmt(ms, 1)} ms (wall ${fmt(r.value, 1)})` : 'not measured',
      met: r ? ms <= 50 : null,
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
  const start = machineInfo();
  for (const c of suiteCases(z)) {
    if (o.filter && !c.name.includes(o.filter)) continue;
    if (c.skipped) {
      rows.push({ name: c.name, spec: c.spec, result: null, skipped: c.skipped });
      continue;
    }
    o.progress?.(`${c.name} ...`);
    let result: CaseResult;
    try {
      result = o.inProcess ? await runCase(c.spec, z) : runCaseIsolated(c.spec, z);
    } catch (e) {
      // a backend that cannot do what the case asks (e.g. a specimen's defect): report, go on
      const text = e instanceof Error ? e.message : String(e);
      const msg = text.split('\n').find((l) => /^(?:Error: )?bench: /.test(l.trim()));
      const why = (msg ?? text.split('\n')[0] ?? '').trim().replace(/^(?:Error: )?bench: /, '');
      rows.push({ name: c.name, spec: c.spec, result: null, skipped: `failed: ${why}` });
      o.progress?.(`  failed: ${why}`);
      continue;
    }
    rows.push({ name: c.name, spec: c.spec, result, skipped: null });
    o.progress?.(`  ${fmtResult(result)}`);
  }
  const machine = { ...start, loadEnd: loadavg()[0] ?? 0 };
  return { machine, quick, sizes: z, rows, targets: checkTargets(rows) };
}

function fmtResult(r: CaseResult): string {
  const digits = r.unit === 'M irq/s' ? 2 : r.unit === 'ms' ? 1 : 0;
  if (!Number.isFinite(r.value) && r.note) return r.note;
  let s = `${fmt(r.value, digits)} ${r.unit}`;
  if (r.extra['nsPerIrq'] !== undefined) s += ` (${fmt(r.extra['nsPerIrq'], 0)} ns/irq)`;
  if (r.extra['cpuMIrqPerS'] !== undefined) s += `, cpu ${fmt(r.extra['cpuMIrqPerS'])} M irq/s`;
  if (r.extra['cpuNsPerIrq'] !== undefined) s += `, cpu ${fmt(r.extra['cpuNsPerIrq'], 0)} ns/irq`;
  if (r.extra['cpuMs'] !== undefined) s += `, cpu ${fmt(r.extra['cpuMs'], 1)} ms`;
  if (r.extra['bytesPerFunction'] !== undefined) s += `, ${fmt(r.extra['bytesPerFunction'], 0)} B/function`;
  if (r.extra['usPerIrq'] !== undefined) s += ` (${fmt(r.extra['usPerIrq'], 2)} us/irq)`;
  if (r.extra['firstMs'] !== undefined) s += `, first (cold) run ${fmt(r.extra['firstMs'], 1)} ms`;
  if (r.findings) s += `, ${r.findings} finding(s)`;
  if (r.note) s += ` [${r.note}]`;
  return s;
}

/** The report as text: machine, one line per case, targets. */
export function renderText(r: SuiteReport): string {
  const m = r.machine;
  let out = `irqlab bench${r.quick ? ' --quick' : ''}: ${m.nproc} CPUs, ${m.cpuModel}, node ${m.node} (${m.platform}), load average ${fmt(m.loadStart)} -> ${fmt(m.loadEnd)}\n`;
  out += `${r.sizes.processes > 1 ? `median over ${r.sizes.processes} worker processes of each one's ` : ''}median of ${r.sizes.reps} runs; single = one MSI per adapter interruption, burst = ${r.sizes.burst} MSIs pending per interruption\n\n`;
  const w = Math.max(...r.rows.map((x) => x.name.length), 10);
  for (const row of r.rows) {
    const v = row.result
      ? fmtResult(row.result)
      : row.skipped?.startsWith('failed:')
        ? row.skipped
        : `skipped: ${row.skipped}`;
    out += `${row.name.padEnd(w)}  ${v}\n`;
  }
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
