// SPDX-License-Identifier: GPL-2.0-only
/**
 * The fuzz loop of one lane (a worker with its own seed): fast-check generates cases
 * (generate.ts), each is realized into a valid scenario, run with every invariant on
 * (the sanitizer), repaired for driver misuse (repair.ts), and judged: any finding, or
 * in differential mode any difference in observable behaviour between two backends
 * (compareRuns), fails the property. fast-check then shrinks the case to a minimal
 * one; the engine writes it as a replay (a scenario file with its `schedule:`) and checks
 * that the file, loaded back, reproduces the same finding. Known findings (same
 * signature) do not fail the property again, so one lane can report several distinct ones.
 */
import fc from 'fast-check';
import { compareRuns, type Difference } from '../diff.ts';
import type { Finding } from '../findings.ts';
import { type RunOverrides, type RunResult, runScenario } from '../runner.ts';
import { loadScenario } from '../scenario/load.ts';
import type { Scenario, Step } from '../scenario/schema.ts';
import { installHangGuards, WATCHDOG_TEXT } from '../watchdog.ts';
import {
  caseArbitrary,
  type FuzzTarget,
  type GeneratedCase,
  type GeneratorStyle,
  realize,
} from './generate.ts';
import { buildScenario, filterValid, type StepDraft } from './model.ts';
import { findMisuse } from './repair.ts';
import { scenarioToYaml } from './serialize.ts';

export interface FuzzOptions {
  readonly target: FuzzTarget;
  /** Differential mode: run every case on `legacy` and on the target (domain) and compare. */
  readonly differential: boolean;
  /** How commands are generated: one integer each (default) or fc.commands objects. */
  readonly generator?: GeneratorStyle;
  /** Most commands per generated scenario (default 600, about 120 steps). */
  readonly maxCommands?: number;
  /** Cases per fast-check batch (default 10). */
  readonly batch?: number;
  /** Initial simulated memory per run (default 256 KiB; grows on demand). */
  readonly memSize?: number;
  /** Time limit of one fast-check batch in ms (default 20000); it only cuts the tail of the shrink stream. */
  readonly batchTimeLimitMs?: number;
  /** Stop shrinking a finding after this many property evaluations (default 1000). */
  readonly maxShrinkRuns?: number;
}

export interface FoundCase {
  /** Finding kind (FindingKind, `difference`, or `crash` for an exception out of the runner). */
  readonly kind: string;
  /** Deduplication key: kind + where (backend function or normalized message). */
  readonly signature: string;
  /** A paragraph a reviewer can act on. */
  readonly text: string;
  /** The backend function where it went wrong (kernel name), if the call chain tells. */
  readonly where: string | null;
  /** The minimal scenario as a YAML file, and a file name for it. */
  readonly yaml: string;
  readonly fileName: string;
  readonly steps: number;
  /** fast-check seed and path of the counterexample (fc.check(..., {seed, path}) replays it). */
  readonly fcSeed: number;
  readonly fcPath: string;
  /** The file loaded back and run reproduced the finding. */
  readonly reproduced: boolean;
}

export interface LaneReport {
  readonly lane: number;
  readonly seed: number;
  /** Scenario steps executed (runs, repair reruns and shrinking included). */
  ops: number;
  /** Steps of the generated cases' runs (repair reruns included, shrinking excluded). */
  caseOps: number;
  /** Wall time spent on those (ms): caseOps / caseMs is the fuzzing throughput. */
  caseMs: number;
  cases: number;
  /** Cases dropped because the repair did not converge. */
  invalid: number;
  /** Steps removed by the misuse repair. */
  repaired: number;
  readonly findings: FoundCase[];
  elapsedMs: number;
}

/** What one run (or pair of runs) of a case gave. */
interface Outcome {
  readonly scenario: Scenario;
  readonly results: RunResult[];
  readonly ops: number;
  readonly failures: Failure[];
}

interface Failure {
  readonly kind: string;
  readonly signature: string;
  readonly finding: Finding | null;
  readonly difference: Difference | null;
  readonly message: string;
}

/** 32-bit mix (splitmix32 finaliser) for lane and batch seeds. */
export function mixSeed(a: number, b: number): number {
  let z = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** camelCase model name -> kernel snake_case name (zpciMsiDomainAlloc -> zpci_msi_domain_alloc). */
export function kernelName(model: string): string {
  return model
    .replace(/^.*\./, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * The innermost zPCI function of a call chain, as a kernel name: the backends'
 * functions (zpci_msi_domain_alloc, __alloc_airq, arch_setup_msi_irqs, ...) and the
 * arch/s390/pci code around them all start with zpci, arch_ or __alloc_airq.
 */
export function backendFunction(chain: readonly string[]): string | null {
  for (const raw of chain) {
    const name = raw.replace(/^.*\./, '');
    if (/^(zpci|arch[A-Z]|__allocAirq|allocAirq)/.test(name)) return kernelName(name);
  }
  return null;
}

function normalizeMessage(m: string): string {
  return m
    .replace(/0x[0-9a-f]+/gi, '#')
    .replace(/\d+/g, '#')
    .replace(/\[event #\]/g, '')
    .replace(/fn#x#|fn#/g, 'fn')
    .slice(0, 90);
}

function findingSignature(f: Finding): string {
  const where = backendFunction(f.callChain);
  return `${f.kind}@${where ?? normalizeMessage(f.message).slice(0, 40)}`;
}

function differenceSignature(d: Difference): string {
  return `difference:${d.what}@${normalizeMessage(d.text.replace(/^handler \S+/, 'handler H').replace(/step # \(([a-z_]+)[^)]*\)/, 'step $1'))}`;
}

/** Runs of a scenario for the mode: [target] or [legacy, target]. */
function runAll(s: Scenario, o: FuzzOptions): RunResult[] {
  // The runner's soft-lockup detector is on in every run; the fuzzer adds its hang guards.
  const base: RunOverrides = { memSize: o.memSize ?? 256 << 10, afterBoot: installHangGuards };
  const t = o.target;
  const target: RunOverrides = {
    ...base,
    backend: t.backend,
    delivery: t.delivery,
    ...(t.backend === 'domain' ? { parentDomain: t.parentDomain } : {}),
  };
  if (!o.differential) return [runScenario(s, target)];
  return [runScenario(s, { ...base, backend: 'legacy', delivery: t.delivery }), runScenario(s, target)];
}

function failuresOf(results: readonly RunResult[], differential: boolean): Failure[] {
  if (differential) {
    const [a, b] = results as [RunResult, RunResult];
    return compareRuns(a, b).map((d) => ({
      kind: 'difference',
      signature: differenceSignature(d),
      finding: null,
      difference: d,
      message: d.text,
    }));
  }
  const r = results[0]!;
  return r.findings.map((f) => {
    const lockup = f.message.indexOf(WATCHDOG_TEXT);
    if (f.kind === 'soft-lockup' || lockup >= 0) {
      // One signature per step kind: the loop spans several functions.
      const st = r.steps.find((x) => x.index === f.step);
      const message = f.message.slice(Math.max(0, lockup)).replace(/\)$/, '');
      return {
        kind: 'soft-lockup',
        signature: `soft-lockup@${st?.kind ?? 'run'}`,
        finding: f,
        difference: null,
        message,
      };
    }
    return { kind: f.kind, signature: findingSignature(f), finding: f, difference: null, message: f.message };
  });
}

/**
 * Realize, run and repair one case. Returns null if the misuse repair does not converge
 * in three rounds (the case counts as invalid and passes).
 */
export function runCase(c: GeneratedCase, o: FuzzOptions, stats?: { repaired: number }): Outcome | null {
  const { base, drafts } = realize(c, o.target);
  return runDrafts(base, drafts, c.schedule ?? [], o, stats);
}

type Base = Pick<Scenario, 'machine' | 'functions' | 'name' | 'description'>;

/** Run step drafts (with the misuse repair); null if the repair does not converge. */
export function runDrafts(
  base: Base,
  first: readonly StepDraft[],
  schedule: readonly number[],
  o: FuzzOptions,
  stats?: { repaired: number },
): Outcome | null {
  let drafts: StepDraft[] = [...first];
  let ops = 0;
  for (let round = 0; round < 4; round++) {
    const s = buildScenario(base, drafts, schedule);
    let results: RunResult[];
    try {
      results = runAll(s, o);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return {
        scenario: s,
        results: [],
        ops,
        failures: [
          {
            kind: 'crash',
            signature: `crash@${normalizeMessage(msg)}`,
            finding: null,
            difference: null,
            message: msg,
          },
        ],
      };
    }
    for (const r of results) ops += r.steps.length;
    const misuse = new Set<number>();
    for (const r of results) for (const i of findMisuse(s, r)) misuse.add(i);
    if (misuse.size === 0)
      return { scenario: s, results, ops, failures: failuresOf(results, o.differential) };
    if (round === 3) break;
    const before = drafts.length;
    drafts = filterValid(
      base,
      drafts.filter((_, i) => !misuse.has(i)),
    );
    if (stats) stats.repaired += before - drafts.length;
  }
  return null;
}

/**
 * After fast-check's shrinking: drop single steps while the same failure stays (a
 * one-minimal sequence). Returns the smaller outcome and the runs it took.
 */
export function removeSteps(out: Outcome, signature: string, o: FuzzOptions): { out: Outcome; ops: number } {
  const s = out.scenario;
  const base: Base = { machine: s.machine, functions: s.functions, name: s.name, description: s.description };
  let best = out;
  let drafts: StepDraft[] = s.steps.map(({ index: _i, loc: _l, ...d }) => d as StepDraft);
  let ops = 0;
  for (let i = 0; i < drafts.length; ) {
    const cand = filterValid(
      base,
      drafts.filter((_, j) => j !== i),
    );
    const r = runDrafts(base, cand, s.schedule, o);
    if (r) ops += r.ops;
    if (r?.failures.some((f) => f.signature === signature) && r.scenario.steps.length < drafts.length) {
      best = r;
      drafts = r.scenario.steps.map(({ index: _i, loc: _l, ...d }) => d as StepDraft);
    } else i++;
  }
  return { out: best, ops };
}

/** The effective schedule of a run, trailing zeros dropped (at least one entry in exploration mode). */
function effectiveSchedule(s: Scenario, results: readonly RunResult[]): number[] {
  if (s.schedule.length === 0) return [];
  // In differential mode the two backends make their own choices; keep the generated list.
  const sched = results.length === 1 ? [...results[0]!.schedule] : [...s.schedule];
  while (sched.length > 1 && sched[sched.length - 1] === 0) sched.pop();
  return sched.length ? sched : [0];
}

function stepText(st: Step): string {
  const yaml = scenarioToYaml({
    file: '',
    name: 'x',
    description: '',
    machine: DUMMY_MACHINE,
    functions: [],
    steps: [st],
    schedule: [],
  });
  return yaml.slice(yaml.indexOf('  - ') + 4).trim();
}
const DUMMY_MACHINE: Scenario['machine'] = {
  cpus: [{ cpu: 0, address: 0x10, online: true }],
  online: [0],
  delivery: 'directed',
  directedIrqFacility: true,
  forceFloating: false,
  aisFacility: true,
  backend: { kind: 'legacy' },
  seed: 1,
  options: {
    floatingCpuSelection: 'lowest',
    summaryEdge: 'bit',
    checkNoi: false,
    disbIndex: 'logical',
    directedFallback: ['offline', 'no-dibv', 'unknown-address'],
    nrPciFunctions: 512,
  },
};

function targetLabel(t: FuzzTarget): string {
  return `${t.backend}${t.backend === 'domain' ? ` (${t.parentDomain} parent domain)` : ''}, ${t.delivery} delivery`;
}

/** The reviewer's paragraph for a failure of a minimal scenario. */
export function describeFailure(f: Failure, s: Scenario, o: FuzzOptions, path: string): string {
  const where = f.finding ? backendFunction(f.finding.callChain) : null;
  const stepIdx = f.finding ? f.finding.step : -1;
  const st = stepIdx >= 0 ? s.steps[stepIdx] : undefined;
  const during = st ? `during step ${stepIdx} (\`${stepText(st)}\`)` : 'after the last step';
  const seq = s.steps.map((x) => x.kind).join(', ');
  const explore = s.schedule.length
    ? ` The interleaving matters: the file's \`schedule:\` makes the scheduler preempt at the chosen points (MSIs in flight, another CPU's handler).`
    : '';
  if (f.difference) {
    return (
      `Differential: legacy and ${targetLabel(o.target)} behave differently on the same scenario. ` +
      `First difference: ${f.difference.text}. Observable behaviour (handler invocations per CPU, return codes seen by the driver, findings) should be equal unless docs/backends.md lists the difference as intended. ` +
      `Minimal sequence (${s.steps.length} steps): ${seq}.${explore} Reproduce with \`irqlab diff ${path} --backend legacy --against ${o.target.backend}${o.target.backend === 'domain' ? ` --parent-domain ${o.target.parentDomain}` : ''}\`.`
    );
  }
  const chain = f.finding?.callChain.length
    ? ` Call chain (innermost first): ${f.finding.callChain.slice(0, 8).join(' <- ')}.`
    : '';
  const fn = where ? ` It went wrong in the backend's ${where}().` : '';
  return (
    `${f.kind} on ${targetLabel(o.target)} ${during}: ${f.message.replace(/\s+/g, ' ').trim()}${/[.!]$/.test(f.message.trim()) ? '' : '.'}${fn}${chain} ` +
    `Minimal sequence (${s.steps.length} steps): ${seq}.${explore} Reproduce with \`irqlab run ${path}\`.`
  );
}

function fileNameFor(f: Failure, o: FuzzOptions, where: string | null): string {
  const t = o.target;
  const tag = `${o.differential ? 'diff-legacy-' : ''}${t.backend}${t.backend === 'domain' ? `-${t.parentDomain}` : ''}-${t.delivery}`;
  const what = (where ?? (f.difference ? f.difference.what : normalizeMessage(f.message)))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `${tag}-${f.kind.toLowerCase()}-${what || 'x'}.yaml`;
}

/** Write the minimal case as a replay, load it back and rerun it. */
function makeFound(
  out: Outcome,
  f: Failure,
  o: FuzzOptions,
  fcSeed: number,
  fcPath: string,
  outDir: string,
  header: readonly string[],
): FoundCase {
  const where = f.finding ? backendFunction(f.finding.callChain) : null;
  const fileName = fileNameFor(f, o, where);
  const path = `${outDir.replace(/\/$/, '')}/${fileName}`;
  const schedule = effectiveSchedule(out.scenario, out.results);
  const s: Scenario = { ...out.scenario, name: fileName.replace(/\.yaml$/, ''), schedule };
  const text = describeFailure(f, s, o, path);
  const described: Scenario = { ...s, description: text };
  const yaml = scenarioToYaml(described, [
    `irqlab fuzz finding: kind=${f.kind} signature=${f.signature}`,
    ...header,
    `fast-check seed ${fcSeed} path ${fcPath || '(none)'}`,
  ]);
  // The replay must reproduce: load the file and run it as `irqlab run` would.
  let reproduced = false;
  const loaded = loadScenario(yaml, path);
  if (loaded.ok) {
    try {
      const again = runAll(loaded.scenario, o);
      reproduced = failuresOf(again, o.differential).some((g) => g.signature === f.signature);
    } catch {
      reproduced = f.kind === 'crash';
    }
  }
  return {
    kind: f.kind,
    signature: f.signature,
    text,
    where,
    yaml,
    fileName,
    steps: s.steps.length,
    fcSeed,
    fcPath,
    reproduced,
  };
}

export interface LaneOptions extends FuzzOptions {
  readonly lane: number;
  readonly seed: number;
  /** Steps to run in this lane. */
  readonly ops: number;
  /** Signatures already known (regressions, other findings): they do not fail the property. */
  readonly known?: Iterable<string>;
  /** Where replays will be written (for the paths in the text). */
  readonly outDir: string;
  /** Header lines for replays (the command). */
  readonly header?: readonly string[];
  readonly onProgress?: (ops: number) => void;
}

/** Fuzz one lane until `ops` steps have run. */
export function fuzzLane(o: LaneOptions): LaneReport {
  const t0 = performance.now();
  const known = new Set(o.known ?? []);
  const report: LaneReport = {
    lane: o.lane,
    seed: o.seed,
    ops: 0,
    caseOps: 0,
    caseMs: 0,
    cases: 0,
    invalid: 0,
    repaired: 0,
    findings: [],
    elapsedMs: 0,
  };
  const arb = caseArbitrary(o.maxCommands ?? 600, o.generator ?? 'compact');
  const batch = o.batch ?? 10;
  let last: { out: Outcome; failure: Failure } | null = null;
  let shrinking = false;
  let evals = 0;
  const maxShrink = o.maxShrinkRuns ?? 1000;
  const property = fc.property(arb, (c) => {
    if (shrinking && ++evals > maxShrink) return true; // stop shrinking: keep the smallest so far
    const tc = shrinking ? 0 : performance.now();
    const out = runCase(c, o, report);
    if (!shrinking) report.caseMs += performance.now() - tc;
    if (!out) {
      if (!shrinking) report.invalid++;
      return true;
    }
    report.ops += out.ops;
    if (!shrinking) {
      report.cases++;
      report.caseOps += out.ops;
    }
    o.onProgress?.(report.ops);
    const failure = out.failures.find(
      (f) => !known.has(f.signature) && !(last && shrinking && f.signature !== last.failure.signature),
    );
    if (!failure) return true;
    last = { out, failure };
    shrinking = true;
    return false;
  });
  for (let b = 0; report.ops < o.ops; b++) {
    const seed = mixSeed(o.seed, b);
    last = null;
    shrinking = false;
    evals = 0;
    // The time limit only cuts the tail of the shrink stream once maxShrinkRuns evaluations are spent
    // (the property then passes every candidate), so the counterexample stays deterministic.
    const d = fc.check(property, {
      seed,
      numRuns: batch,
      endOnFailure: false,
      interruptAfterTimeLimit: o.batchTimeLimitMs ?? 20_000,
    });
    if (d.failed && last) {
      const l = last as { out: Outcome; failure: Failure };
      known.add(l.failure.signature);
      const min = removeSteps(l.out, l.failure.signature, o);
      report.ops += min.ops;
      l.out = min.out;
      l.failure = min.out.failures.find((f) => f.signature === l.failure.signature) ?? l.failure;
      report.findings.push(
        makeFound(l.out, l.failure, o, seed, d.counterexamplePath ?? '', o.outDir, [
          ...(o.header ?? []),
          `lane ${o.lane} seed ${o.seed}, batch ${b}`,
        ]),
      );
    } else if (d.failed && d.errorInstance) {
      throw d.errorInstance;
    }
  }
  report.elapsedMs = performance.now() - t0;
  return report;
}

/** Run one saved replay against the fuzz target; its failures, described. */
export function runRegression(
  text: string,
  path: string,
  o: FuzzOptions,
): {
  ok: boolean;
  error?: string;
  ops: number;
  findings: { kind: string; signature: string; text: string }[];
} {
  const loaded = loadScenario(text, path);
  if (!loaded.ok)
    return {
      ok: false,
      error: loaded.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'),
      ops: 0,
      findings: [],
    };
  const s = loaded.scenario;
  let results: RunResult[];
  try {
    results = runAll(s, o);
  } catch (e) {
    return { ok: true, ops: 0, findings: [{ kind: 'crash', signature: 'crash', text: String(e) }] };
  }
  const ops = results.reduce((n, r) => n + r.steps.length, 0);
  const seen = new Set<string>();
  const findings: { kind: string; signature: string; text: string }[] = [];
  for (const f of failuresOf(results, o.differential)) {
    if (seen.has(f.signature)) continue;
    seen.add(f.signature);
    findings.push({ kind: f.kind, signature: f.signature, text: describeFailure(f, s, o, path) });
  }
  return { ok: true, ops, findings };
}
