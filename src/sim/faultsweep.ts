// SPDX-License-Identifier: GPL-2.0-only
/**
 * The fault-injection sweep: run a scenario once per reachable failure point and
 * occurrence (bounded), each time with that one fault, and compare each run with the
 * fault-free run. Errors must be honoured: a fault either reaches the caller as an
 * error with what was set up before it undone, or is one the kernel tolerates (nothing
 * observable changes). Reported:
 *
 * - `swallowed-fault`: no step's return code changed (the error never reached the
 *   driver), yet deliveries or findings differ from the fault-free run;
 * - `unhandled-fault`: the error reached the driver (a return code changed), but what
 *   was set up before it was not undone (leaks, Oops, use-after-free at teardown...) or
 *   later delivery broke for a function whose driver saw no error.
 *
 * Scenario `expect` failures are expected in faulted runs and are not findings.
 *
 * Occurrences are numbered per phase: boot faults count from the creation of the
 * machine (armed before boot); step faults count from right before the first step,
 * exactly as a `fault: {point, occurrence}` step inserted first would count them, so a
 * step fault's replay is that scenario.
 */

import type { ZpciSystem } from '../arch/s390/pci/system.ts';
import { errName } from '../include/linux/errno.ts';
import { type FailurePoint, listFailurePoints } from './faults.ts';
import { type Finding, type FindingKind, KernelOops, modelCallChain } from './findings.ts';
import { bootScenario, type RunOverrides, type RunResult, runScenario } from './runner.ts';
import type { Scenario, Step } from './scenario/schema.ts';
import './all-failure-points.ts';

export type SweepFindingKind = 'swallowed-fault' | 'unhandled-fault';

/** Finding kinds that are memory-safety or crash reports (always reported when a fault causes them). */
export const CRASH_KINDS: readonly FindingKind[] = [
  'Oops',
  'BUG',
  'use-after-free',
  'dma-use-after-free',
  'out-of-bounds',
  'double-owner',
];

export interface SweepOptions {
  /** Backend, delivery, CPUs, seed...; `faults`, `countFaults` and `afterBoot` are the sweep's own. */
  readonly overrides?: RunOverrides;
  /** Occurrences tried per failure point and phase (default 3). */
  readonly maxOccurrence?: number;
  /** Only these failure points (default: every point reached). */
  readonly points?: readonly string[];
  /** Include faults during boot (default true). */
  readonly boot?: boolean;
  /** The scenario file's text: replays are built from it (default: no replay text). */
  readonly sourceText?: string;
  /** Command-line words naming the run's overrides, for the replay's header (e.g. `--backend v1`). */
  readonly replayArgs?: string;
}

/** One failure point reached by the fault-free run, in one phase. */
export interface ReachedPoint {
  readonly point: string;
  readonly boot: boolean;
  /** Calls in that phase. */
  readonly calls: number;
  /** Occurrences tried (min(calls, maxOccurrence)). */
  readonly tried: number;
}

export interface SweepFinding {
  readonly kind: SweepFindingKind;
  readonly point: string;
  /** The kernel or firmware function the point belongs to. */
  readonly owner: string;
  readonly layer: FailurePoint['layer'];
  /** What the failure looks like to the caller. */
  readonly effect: string;
  /** 1-based, counted within the phase (see the module comment). */
  readonly occurrence: number;
  /** Fired during boot (before the first step). */
  readonly boot: boolean;
  /** Step during which it fired (-1: boot), its kind and line. */
  readonly step: number;
  readonly stepKind: string;
  readonly line: number;
  /** Model call chain where it fired, innermost first (the owner, then its callers). */
  readonly callChain: readonly string[];
  /** What differed from the fault-free run, one line each. */
  readonly differences: readonly string[];
  /** Findings of the faulted run the fault-free run does not have. */
  readonly newFindings: readonly {
    readonly kind: FindingKind;
    readonly message: string;
    readonly step: number;
  }[];
  /** The worst crash/memory-safety finding kind caused, or null. */
  readonly crash: FindingKind | null;
  /** One paragraph a reviewer can act on. */
  readonly explanation: string;
  /** The scenario with the fault step inserted first (null for boot faults or without source text). */
  readonly replay: string | null;
  /** Why there is no replay, when there is none. */
  readonly replayNote: string | null;
}

/** A fault whose observable effect the kernel intends (not a finding). */
export interface ByDesign {
  readonly point: string;
  readonly occurrence: number;
  readonly boot: boolean;
  readonly step: number;
  /** Why this effect is what the kernel does on purpose. */
  readonly reason: string;
}

/**
 * Failure points whose observable effect is the kernel's design, with the test that the
 * faulted run shows exactly that effect (anything more is still reported).
 */
const DESIGNED: ReadonlyMap<
  string,
  { readonly reason: string; readonly deliveriesOnly: boolean; readonly oops: RegExp | null }
> = new Map([
  [
    'irq_create_affinity_masks',
    {
      reason:
        'msix_setup_interrupts()/msi_capability_init() go on without affinity masks: the vectors are allocated unmanaged and are not spread over the CPUs',
      deliveriesOnly: true,
      oops: null,
    },
  ],
  [
    'group_cpus_evenly',
    {
      reason:
        'irq_create_affinity_masks() returns NULL and the PCI/MSI code goes on without masks: the vectors are allocated unmanaged and are not spread over the CPUs',
      deliveriesOnly: true,
      oops: null,
    },
  ],
  [
    'sic.pgm',
    {
      reason:
        'a program check on SIC in kernel mode has no exception-table fixup: the kernel treats SIC as infallible and Oopses (every backend)',
      deliveriesOnly: false,
      oops: /program check 0x[0-9a-f]+ on SIC/,
    },
  ],
]);

export interface SweepResult {
  readonly scenario: string;
  readonly file: string;
  readonly backend: string;
  readonly delivery: 'floating' | 'directed';
  readonly cpus: number;
  readonly seed: number;
  readonly maxOccurrence: number;
  /** The fault-free run (also the counting run). */
  readonly baseline: RunResult;
  readonly reached: readonly ReachedPoint[];
  /** Faulted runs made. */
  readonly runs: number;
  /** Faulted runs where nothing observable differed, or the error was honoured. */
  readonly tolerated: number;
  /** Faulted runs whose fault never fired (should be 0: runs are deterministic). */
  readonly notFired: number;
  /** Faults whose effect the kernel intends (boot panics, best-effort affinity, fatal SIC program checks). */
  readonly byDesign: readonly ByDesign[];
  readonly findings: readonly SweepFinding[];
}

interface CallSite {
  readonly step: number;
}

/** Strip run-specific noise (event counters) from a finding message for matching. */
function normalize(msg: string): string {
  return msg.replace(/\s*\[event \d+\]/g, '');
}

/** A fault plan entry with the step where it fires, from the fault-free run. */
interface Trial {
  readonly point: string;
  readonly occurrence: number;
  readonly boot: boolean;
  readonly step: number;
}

/**
 * Wrap the injector's shouldFail on this system: `onCall(name, n)` for every call
 * (n counted here, from the moment of wrapping), and the model call chain of the
 * first fault that fires.
 */
function instrument(
  sys: ZpciSystem,
  onCall: ((name: string, n: number, step: number) => void) | null,
  chainOut: { chain: string[] | null },
): void {
  const inj = sys.sim.faults;
  const proto = Object.getPrototypeOf(inj) as { shouldFail: (name: string) => boolean };
  const counts = new Map<string, number>();
  inj.shouldFail = (name: string): boolean => {
    const r = proto.shouldFail.call(inj, name);
    if (onCall) {
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      onCall(name, n, sys.k.sim.findings.step);
    }
    if (r && chainOut.chain === null) {
      const chain = modelCallChain(new Error('fault').stack);
      // drop this wrapper and shouldFail itself
      chainOut.chain = chain.filter((f) => !/shouldFail|instrument|inj\./.test(f));
    }
    return r;
  };
}

/** Run the fault-injection sweep on one scenario. */
export function sweepFaults(s: Scenario, opts: SweepOptions = {}): SweepResult {
  const base = { ...(opts.overrides ?? {}) };
  delete (base as { faults?: unknown }).faults;
  delete (base as { countFaults?: unknown }).countFaults;
  delete (base as { afterBoot?: unknown }).afterBoot;
  const bound = opts.maxOccurrence ?? 3;
  const only = opts.points ? new Set(opts.points) : null;
  const catalogue = new Map(listFailurePoints().map((p) => [p.name, p]));

  // 1. Boot calls per point (boot is deterministic: one boot with counting on).
  const bootSys = bootScenario(s, { ...base, countFaults: true });
  const bootCalls = new Map(bootSys.sim.faults.occurrences());

  // 2. The fault-free run, counting the calls of every point per step after boot.
  const stepCalls = new Map<string, CallSite[]>();
  const noChain = { chain: null as string[] | null };
  const baseline = runScenario(s, {
    ...base,
    afterBoot: (sys) =>
      instrument(
        sys,
        (name, _n, step) => {
          let l = stepCalls.get(name);
          if (!l) {
            l = [];
            stepCalls.set(name, l);
          }
          l.push({ step });
        },
        noChain,
      ),
  });

  const trials: Trial[] = [];
  const reached: ReachedPoint[] = [];
  const names = [...new Set([...bootCalls.keys(), ...stepCalls.keys()])].sort();
  for (const name of names) {
    if (only && !only.has(name)) continue;
    const nb = bootCalls.get(name) ?? 0;
    if (nb > 0 && opts.boot !== false) {
      const tried = Math.min(nb, bound);
      reached.push({ point: name, boot: true, calls: nb, tried });
      for (let n = 1; n <= tried; n++) trials.push({ point: name, occurrence: n, boot: true, step: -1 });
    }
    const sc = stepCalls.get(name) ?? [];
    if (sc.length > 0) {
      const tried = Math.min(sc.length, bound);
      reached.push({ point: name, boot: false, calls: sc.length, tried });
      for (let n = 1; n <= tried; n++)
        trials.push({ point: name, occurrence: n, boot: false, step: sc[n - 1]!.step });
    }
  }

  // 3. One run per trial, classified against the fault-free run.
  const findings: SweepFinding[] = [];
  let tolerated = 0;
  let notFired = 0;
  const byDesign: ByDesign[] = [];
  for (const t of trials) {
    const chainOut = { chain: null as string[] | null };
    const fp = catalogue.get(t.point)!;
    let r: RunResult;
    try {
      r = runScenario(s, {
        ...base,
        faults: [{ point: t.point, occurrence: t.occurrence, boot: t.boot }],
        afterBoot: (sys) => instrument(sys, null, chainOut),
      });
    } catch (e) {
      // Boot itself stopped (runScenario guards the steps only).
      if (
        e instanceof KernelOops &&
        e.finding.kind === 'BUG' &&
        e.finding.message.startsWith('Kernel panic')
      ) {
        byDesign.push({
          ...trialKey(t),
          reason: `the kernel panics during boot, as it does: ${e.finding.message}`,
        });
        continue;
      }
      const msg = e instanceof Error ? e.message : String(e);
      const designed = DESIGNED.get(t.point);
      if (designed?.oops?.test(msg)) {
        byDesign.push({ ...trialKey(t), reason: designed.reason });
        continue;
      }
      findings.push(bootCrash(s, t, fp, e, opts));
      continue;
    }
    if (r.system.sim.faults.fired.length === 0) {
      notFired++;
      continue;
    }
    const f = classify(s, baseline, r, t, fp, chainOut.chain ?? [], opts);
    if (!f) tolerated++;
    else if (isDesigned(f)) byDesign.push({ ...trialKey(t), reason: DESIGNED.get(t.point)!.reason });
    else findings.push(f);
  }

  return {
    scenario: baseline.scenario,
    file: baseline.file,
    backend: baseline.backend,
    delivery: baseline.delivery,
    cpus: baseline.cpus,
    seed: baseline.seed,
    maxOccurrence: bound,
    baseline,
    reached,
    runs: trials.length,
    tolerated,
    notFired,
    byDesign,
    findings,
  };
}

/** A boot fault that ended in an Oops (not a deliberate panic). */
function bootCrash(s: Scenario, t: Trial, fp: FailurePoint, e: unknown, _opts: SweepOptions): SweepFinding {
  const msg = e instanceof KernelOops ? e.finding.message : e instanceof Error ? e.message : String(e);
  const chain =
    e instanceof KernelOops ? e.finding.callChain : modelCallChain(e instanceof Error ? e.stack : undefined);
  const base = {
    kind: 'swallowed-fault' as const,
    point: t.point,
    owner: fp.owner,
    layer: fp.layer,
    effect: fp.effect,
    occurrence: t.occurrence,
    boot: true,
    step: -1,
    stepKind: 'boot',
    line: 0,
    callChain: chain,
    differences: [`boot stopped at an Oops: ${msg}`],
    newFindings: [{ kind: 'Oops' as const, message: msg, step: -1 }],
    crash: 'Oops' as const,
  };
  return {
    ...base,
    explanation: explain(s, base, null, null, false),
    replay: null,
    replayNote: BOOT_NOTE,
  };
}

const BOOT_NOTE =
  'boot-time fault: a scenario step cannot arm it before boot; reproduce with runScenario(s, {faults: [{point, occurrence, boot: true}]})';

function trialKey(t: Trial): Omit<ByDesign, 'reason'> {
  return { point: t.point, occurrence: t.occurrence, boot: t.boot, step: t.step };
}

/** The faulted run shows exactly the effect the kernel intends for this point. */
function isDesigned(f: SweepFinding): boolean {
  const d = DESIGNED.get(f.point);
  if (!d) return false;
  if (d.deliveriesOnly)
    return (
      f.newFindings.length === 0 &&
      f.kind === 'swallowed-fault' &&
      f.differences.every((x) => x.startsWith('handler '))
    );
  if (d.oops)
    return (
      f.newFindings.length > 0 && f.newFindings.every((x) => x.kind === 'Oops' && d.oops!.test(x.message))
    );
  return false;
}

const RECOVERY_FAILED = /zpci: ([0-9a-f]{4}):[0-9a-f]{2}:[0-9a-f]{2}\.\d: Automatic recovery failed/;

function stripStamp(line: string): string {
  return line.replace(/^\[[^\]]*\]\s*/, '');
}

function rcText(rc: number | null): string {
  return rc === null ? 'nothing' : errName(rc);
}

function stepLabel(s: Scenario, index: number): string {
  const st = s.steps[index];
  return st ? `step ${index} (${st.kind}, line ${st.loc.line})` : 'boot';
}

function fidOf(st: Step | undefined): number | null {
  return st && 'fid' in st && typeof st.fid === 'number' ? st.fid : null;
}

/** Compare a faulted run with the fault-free run; null when the fault was tolerated or honoured. */
function classify(
  s: Scenario,
  b: RunResult,
  r: RunResult,
  t: Trial,
  fp: FailurePoint,
  chain: readonly string[],
  opts: SweepOptions,
): SweepFinding | null {
  const diffs: string[] = [];

  // Return codes the driver saw; the step where the faulted run stopped has no rc.
  const stopStep = r.stopped ? r.steps[r.steps.length - 1]?.index : undefined;
  const rcChanged: number[] = [];
  const fidsWithError = new Set<number>();
  let globalError = false;
  for (const x of r.steps) {
    if (x.index === stopStep && !b.stopped) continue;
    const y = b.steps.find((z) => z.index === x.index);
    if (!y || x.rc === y.rc) continue;
    rcChanged.push(x.index);
    const fid = fidOf(s.steps[x.index]);
    if (fid === null) globalError = true;
    else fidsWithError.add(fid);
    diffs.push(`${stepLabel(s, x.index)} returned ${rcText(x.rc)} (fault-free: ${rcText(y.rc)})`);
  }
  // A failed error recovery reaches the driver through error_detected(pci_channel_io_perm_failure)
  // (__zpci_event_error -> zpci_event_io_failure), and the operator through the kernel log.
  const seen = new Set(b.dmesg.split('\n').map(stripStamp));
  for (const line of r.dmesg.split('\n')) {
    const m = RECOVERY_FAILED.exec(line);
    if (!m || seen.has(stripStamp(line))) continue;
    const uid = Number.parseInt(m[1]!, 16);
    const fn = s.functions.find((x) => x.uid === uid);
    if (!fn || fidsWithError.has(fn.fid)) continue;
    fidsWithError.add(fn.fid);
    rcChanged.push(-1);
    diffs.push(
      `the kernel gave up recovering fid 0x${fn.fid.toString(16)} ("${stripStamp(line).trim()}"): its driver got error_detected(pci_channel_io_perm_failure)`,
    );
  }
  const errorReached = rcChanged.length > 0;

  // New findings (by kind and message, event counters ignored).
  const pool = new Map<string, number>();
  for (const f of b.findings) {
    const key = `${f.kind}\u0000${normalize(f.message)}`;
    pool.set(key, (pool.get(key) ?? 0) + 1);
  }
  const fresh: Finding[] = [];
  for (const f of r.findings) {
    const key = `${f.kind}\u0000${normalize(f.message)}`;
    const n = pool.get(key) ?? 0;
    if (n > 0) pool.set(key, n - 1);
    else fresh.push(f);
  }
  const gone = [...pool].filter(([, n]) => n > 0);

  // Deliveries: per handler and CPU. A handler's deliveries only count as broken when
  // the driver of every function it was requested on saw no error.
  const handlerFids = new Map<string, Set<number>>();
  for (const st of s.steps) {
    if (st.kind !== 'request') continue;
    let set = handlerFids.get(st.handler);
    if (!set) {
      set = new Set();
      handlerFids.set(st.handler, set);
    }
    set.add(st.fid);
  }
  const handlers = [
    ...new Set([...b.deliveries.map((d) => d.handler), ...r.deliveries.map((d) => d.handler)]),
  ].sort();
  const deliveryDiffs: string[] = [];
  for (const h of handlers) {
    const fids = handlerFids.get(h) ?? new Set<number>();
    const excused = globalError || [...fids].some((fid) => fidsWithError.has(fid));
    if (errorReached && excused) continue;
    const db = b.deliveries.find((d) => d.handler === h);
    const dr = r.deliveries.find((d) => d.handler === h);
    const parts: string[] = [];
    for (let c = 0; c < Math.max(b.cpus, r.cpus); c++) {
      const x = db?.perCpu[c] ?? 0;
      const y = dr?.perCpu[c] ?? 0;
      if (x !== y) parts.push(`CPU ${c} ${y} (fault-free ${x})`);
    }
    if (parts.length > 0) deliveryDiffs.push(`handler ${h} ran ${parts.join(', ')}`);
  }
  diffs.push(...deliveryDiffs);

  // Findings that count: with the error reported, consequences of the driver carrying
  // on after a failed step on its own function (lost or spurious interrupts of that
  // function, WARNs about the driver's calls) are the scenario's doing, not the kernel's.
  const counted = fresh.filter((f) => {
    if (!errorReached) return true;
    if (f.kind === 'leak' || CRASH_KINDS.includes(f.kind)) return true;
    if (f.kind === 'WARN') return false;
    if (globalError) return false;
    const m = /fid 0x([0-9a-f]+)/.exec(f.message);
    return m ? !fidsWithError.has(Number.parseInt(m[1]!, 16)) : false;
  });
  for (const f of counted)
    diffs.push(`new ${f.kind} finding at ${stepLabel(s, f.step)}: ${normalize(f.message)}`);
  if (!errorReached) {
    for (const [key, n] of gone) {
      const [kind, msg] = key.split('\u0000');
      diffs.push(`${n} ${kind} finding${n === 1 ? '' : 's'} of the fault-free run missing: ${msg}`);
    }
  }
  if (r.stopped && !b.stopped) diffs.push(`the run stopped at an Oops in ${stepLabel(s, stopStep ?? -1)}`);

  const broken =
    deliveryDiffs.length > 0 ||
    counted.length > 0 ||
    (r.stopped && !b.stopped) ||
    (!errorReached && gone.length > 0);
  if (!broken) return null;

  const kind: SweepFindingKind = errorReached ? 'unhandled-fault' : 'swallowed-fault';
  const crashFinding = counted.find((f) => CRASH_KINDS.includes(f.kind)) ?? null;
  const crash = crashFinding ? crashFinding.kind : r.stopped && !b.stopped ? 'Oops' : null;
  const st = s.steps[t.step];
  const finding: Omit<SweepFinding, 'explanation' | 'replay' | 'replayNote'> = {
    kind,
    point: t.point,
    owner: fp.owner,
    layer: fp.layer,
    effect: fp.effect,
    occurrence: t.occurrence,
    boot: t.boot,
    step: t.step,
    stepKind: st ? st.kind : 'boot',
    line: st ? st.loc.line : 0,
    callChain: chain,
    differences: diffs,
    newFindings: counted.map((f) => ({ kind: f.kind, message: normalize(f.message), step: f.step })),
    crash,
  };
  const replay =
    t.boot || opts.sourceText === undefined
      ? null
      : replayText(opts.sourceText, t.point, t.occurrence, finding, opts.replayArgs);
  const replayNote = t.boot
    ? BOOT_NOTE
    : replay === null
      ? 'no scenario text to build the replay from'
      : null;
  return {
    ...finding,
    explanation: explain(s, finding, b, r, deliveryDiffs.length > 0),
    replay,
    replayNote,
  };
}

/** The one-paragraph explanation of a finding. */
function explain(
  s: Scenario,
  f: Omit<SweepFinding, 'explanation' | 'replay' | 'replayNote'>,
  b: RunResult | null,
  r: RunResult | null,
  deliveryBroken: boolean,
): string {
  const where = f.boot ? 'during boot' : `while ${stepLabel(s, f.step)} ran`;
  const callers = f.callChain.slice(0, 5);
  const via = callers.length > 0 ? `, called as ${callers.join(' <- ')}` : '';
  let out = `The ${ordinal(f.occurrence)} ${f.boot ? 'boot-time ' : ''}call of ${f.owner} (${f.layer}) failed with ${f.effect} ${where}${via}. `;
  const caller = callers.find((c, i) => i > 0 && c !== callers[0]) ?? callers[0];
  if (f.kind === 'swallowed-fault') {
    out += 'No step returned a different code: the error never reached the driver, ';
    out += deliveryBroken
      ? 'yet later delivery differs from the fault-free run'
      : 'yet the run differs from the fault-free run';
    out += f.newFindings.length > 0 ? ` and the sanitizer reports ${kindsText(f.newFindings)}. ` : '. ';
    out += `The code that receives the failure${caller ? ` (${caller})` : ''} carries on as if it had succeeded: it must either propagate the error to its caller (undoing what it set up) or make the failure harmless.`;
  } else {
    const first = r?.steps.find((x) => {
      const y = b?.steps.find((z) => z.index === x.index);
      return y && x.rc !== y.rc;
    });
    out += first
      ? `The error reached the driver (${stepLabel(s, first.index)} returned ${rcText(first.rc)} instead of ${rcText(b?.steps.find((z) => z.index === first.index)?.rc ?? null)}), `
      : 'The error reached the driver, ';
    out += 'but what was set up before the failure was not undone: ';
    const parts: string[] = [];
    if (f.newFindings.length > 0) parts.push(`the sanitizer reports ${kindsText(f.newFindings)}`);
    if (deliveryBroken) parts.push('delivery broke for a function whose driver saw no error');
    if (r?.stopped && !b?.stopped && !f.newFindings.some((x) => x.kind === 'Oops'))
      parts.push('the run stopped at an Oops');
    out += `${parts.join('; ')}. The error path${caller ? ` around ${caller}` : ''} must release what the failed call had already set up before returning the error.`;
  }
  if (f.crash)
    out += ` The fault ends in ${f.crash === 'Oops' ? 'an Oops' : `a ${f.crash} report`}: a memory-safety bug on the error path.`;
  return out;
}

function kindsText(list: readonly { kind: FindingKind }[]): string {
  const m = new Map<string, number>();
  for (const f of list) m.set(f.kind, (m.get(f.kind) ?? 0) + 1);
  return [...m].map(([k, n]) => `${n} ${k}`).join(', ');
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/** YAML plain scalar when safe, else a JSON (= YAML double-quoted) string. */
function yamlScalar(v: string): string {
  return /^[A-Za-z_][\w.]*$/.test(v) ? v : JSON.stringify(v);
}

/**
 * The scenario text with `- fault: {point, occurrence}` inserted as the first step,
 * and a header comment naming the finding. Returns null when the text has no
 * block-style top-level `steps:` list.
 */
export function replayText(
  source: string,
  point: string,
  occurrence: number,
  f?: Pick<SweepFinding, 'kind' | 'owner' | 'step' | 'stepKind' | 'line'>,
  args?: string,
): string | null {
  const lines = source.split('\n');
  const at = lines.findIndex((l) => /^steps:\s*(#.*)?$/.test(l));
  if (at < 0) return null;
  let indent: string | null = null;
  for (let i = at + 1; i < lines.length; i++) {
    const m = /^(\s*)-(\s|$)/.exec(lines[i]!);
    if (m) {
      indent = m[1]!;
      break;
    }
    if (/^\S/.test(lines[i]!)) break;
  }
  if (indent === null) return null;
  const step = `${indent}- fault: {point: ${yamlScalar(point)}, occurrence: ${occurrence}}`;
  const note = `${indent}# irqlab check replay: this fault${f ? ` (${f.kind}, ${f.owner}, fires in step ${f.step + 1} ${f.stepKind}, originally line ${f.line})` : ''}`;
  const header = `# Replay of an irqlab check finding${args ? `: irqlab run <this file> ${args}` : ''}\n`;
  lines.splice(at + 1, 0, note, step);
  return header + lines.join('\n');
}
