// SPDX-License-Identifier: GPL-2.0-only
/**
 * A whole fuzz run: the saved replays first (regressions/), then the lanes of this
 * shard (one per worker, each with its own seed; in-process when there is one
 * worker), then the findings merged, deduplicated and written as replay files.
 *
 * Lanes: a run with --shard I/N and W workers owns lanes (I-1)*W .. I*W-1 of N*W; lane
 * L fuzzes with seed mixSeed(seed, L), so a shard runs anywhere and gives the same
 * result for the same arguments.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type FoundCase,
  type FuzzOptions,
  fuzzLane,
  type LaneOptions,
  type LaneReport,
  mixSeed,
  runRegression,
} from './engine.ts';

export interface FuzzRunOptions extends FuzzOptions {
  readonly seed: number;
  /** Steps to run in this process (split over the workers). */
  readonly ops: number;
  readonly workers: number;
  /** 1-based shard index and shard count. */
  readonly shard: { readonly index: number; readonly count: number };
  /** Saved replays to run first (null: none). */
  readonly regressionsDir: string | null;
  /** Where new replays are written. */
  readonly outDir: string;
  /** Command line, for replay headers. */
  readonly command: string;
  readonly onProgress?: (ops: number, total: number) => void;
}

export interface RegressionResult {
  readonly path: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly findings: { kind: string; signature: string; text: string }[];
}

export interface FuzzFinding {
  readonly kind: string;
  readonly signature: string;
  readonly text: string;
  readonly where: string | null;
  /** The replay file (a new one in outDir, or the saved regression that shows it). */
  readonly path: string;
  readonly steps: number | null;
  readonly reproduced: boolean;
  readonly lane: number | null;
  readonly laneSeed: number | null;
  readonly fcSeed: number | null;
  readonly fcPath: string | null;
  readonly fromRegression: boolean;
}

export interface FuzzRunReport {
  readonly regressions: RegressionResult[];
  readonly lanes: Omit<LaneReport, 'findings'>[];
  readonly findings: FuzzFinding[];
  readonly ops: number;
  readonly caseOps: number;
  readonly cases: number;
  readonly elapsedMs: number;
  /** Steps per second per lane (each lane is one core), averaged over lanes: everything. */
  readonly opsPerSecondPerCore: number;
  /** The same for fuzzing proper (generated cases and their repair reruns, no shrinking). */
  readonly caseOpsPerSecondPerCore: number;
}

/** The replay files in a directory, sorted. */
export function listReplays(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

function laneOptions(
  o: FuzzRunOptions,
  lane: number,
  ops: number,
  known: readonly string[],
): Omit<LaneOptions, 'onProgress'> {
  return {
    target: o.target,
    differential: o.differential,
    ...(o.maxCommands !== undefined ? { maxCommands: o.maxCommands } : {}),
    ...(o.generator !== undefined ? { generator: o.generator } : {}),
    ...(o.batch !== undefined ? { batch: o.batch } : {}),
    ...(o.memSize !== undefined ? { memSize: o.memSize } : {}),
    ...(o.maxShrinkRuns !== undefined ? { maxShrinkRuns: o.maxShrinkRuns } : {}),
    lane,
    seed: mixSeed(o.seed, lane),
    ops,
    known,
    outDir: o.outDir,
    header: [o.command],
  };
}

function runLaneInWorker(
  opts: Omit<LaneOptions, 'onProgress'>,
  onProgress: (lane: number, ops: number) => void,
): Promise<LaneReport> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new Promise((resolve, reject) => {
    const url = new URL(`./worker${ext}`, import.meta.url).href;
    // In development (TypeScript sources run by tsx) the worker registers the tsx loader first.
    const boot =
      ext === '.ts'
        ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(url)}); });`
        : `import(${JSON.stringify(url)});`;
    const w = new Worker(boot, { eval: true, workerData: opts });
    w.on(
      'message',
      (m: { type: string; lane?: number; ops?: number; report?: LaneReport; message?: string }) => {
        if (m.type === 'progress') onProgress(m.lane!, m.ops!);
        else if (m.type === 'done') resolve(m.report!);
        else if (m.type === 'error') reject(new Error(`fuzz worker: ${m.message}`));
      },
    );
    w.on('error', reject);
    w.on('exit', (code) => {
      if (code !== 0) reject(new Error(`fuzz worker exited with code ${code}`));
    });
  });
}

/** Run the saved replays, then fuzz; write new replays to outDir. */
export async function fuzzRun(o: FuzzRunOptions): Promise<FuzzRunReport> {
  const t0 = performance.now();
  const findings: FuzzFinding[] = [];
  const known = new Set<string>();
  // 1. saved replays first
  const regressions: RegressionResult[] = [];
  let regOps = 0;
  for (const path of o.regressionsDir ? listReplays(o.regressionsDir) : []) {
    const r = runRegression(readFileSync(path, 'utf8'), path, o);
    regOps += r.ops;
    regressions.push({
      path,
      ok: r.ok,
      ...(r.error !== undefined ? { error: r.error } : {}),
      findings: r.findings,
    });
    for (const f of r.findings) {
      if (known.has(f.signature)) continue;
      known.add(f.signature);
      findings.push({
        kind: f.kind,
        signature: f.signature,
        text: f.text,
        where: null,
        path,
        steps: null,
        reproduced: true,
        lane: null,
        laneSeed: null,
        fcSeed: null,
        fcPath: null,
        fromRegression: true,
      });
    }
  }
  // 2. the lanes of this shard
  const W = Math.max(1, o.workers);
  const first = (o.shard.index - 1) * W;
  const perLane = Math.ceil(o.ops / W);
  const progress = new Array<number>(W).fill(0);
  const total = perLane * W;
  const report = (lane: number, ops: number): void => {
    progress[lane - first] = ops;
    o.onProgress?.(
      progress.reduce((a, b) => a + b, 0),
      total,
    );
  };
  const knownList = [...known];
  let lanes: LaneReport[];
  if (W === 1) {
    lanes = [
      fuzzLane({ ...laneOptions(o, first, perLane, knownList), onProgress: (ops) => report(first, ops) }),
    ];
  } else {
    lanes = await Promise.all(
      [...Array(W).keys()].map((w) => runLaneInWorker(laneOptions(o, first + w, perLane, knownList), report)),
    );
  }
  // 3. merge: one replay per signature (the shortest), written to outDir
  const best = new Map<string, { f: FoundCase; lane: LaneReport }>();
  for (const l of lanes) {
    for (const f of l.findings) {
      if (known.has(f.signature)) continue;
      const b = best.get(f.signature);
      if (!b || f.steps < b.f.steps) best.set(f.signature, { f, lane: l });
    }
  }
  if (best.size > 0) mkdirSync(o.outDir, { recursive: true });
  for (const { f, lane } of [...best.values()].sort((a, b) => (a.f.fileName < b.f.fileName ? -1 : 1))) {
    const path = join(o.outDir, f.fileName);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.yaml);
    renameSync(tmp, path);
    findings.push({
      kind: f.kind,
      signature: f.signature,
      text: f.text,
      where: f.where,
      path,
      steps: f.steps,
      reproduced: f.reproduced,
      lane: lane.lane,
      laneSeed: lane.seed,
      fcSeed: f.fcSeed,
      fcPath: f.fcPath,
      fromRegression: false,
    });
  }
  const ops = regOps + lanes.reduce((n, l) => n + l.ops, 0);
  const perCore =
    lanes.reduce((n, l) => n + (l.elapsedMs > 0 ? (l.ops / l.elapsedMs) * 1000 : 0), 0) / lanes.length;
  return {
    regressions,
    lanes: lanes.map(({ findings: _f, ...rest }) => rest),
    findings,
    ops,
    caseOps: lanes.reduce((n, l) => n + l.caseOps, 0),
    cases: lanes.reduce((n, l) => n + l.cases, 0),
    elapsedMs: performance.now() - t0,
    opsPerSecondPerCore: perCore,
    caseOpsPerSecondPerCore:
      lanes.reduce((n, l) => n + (l.caseMs > 0 ? (l.caseOps / l.caseMs) * 1000 : 0), 0) / lanes.length,
  };
}
