// SPDX-License-Identifier: GPL-2.0-only
/**
 * The fault-injection sweep: run a scenario once per reachable failure point and
 * occurrence (bounded), each time with that one fault, and compare each run with the
 * fault-free run. Errors must be honoured: a fault either reaches the caller as an
 * error with what was set up before it undone, or is one the kernel tolerates (nothing
 * observable changes). Reported:
 *
 * - `swallowed-fault`: no step's return code changed (the error never reached the
 *   driver), yet deliveries or findings (leaks, WARNs, Oops...) differ from the
 *   fault-free run;
 * - `unhandled-fault`: the error reached the driver (a return code changed, or the
 *   kernel gave up an error recovery and told the driver so), but what was set up before
 *   it was not undone (leak findings at teardown, Oops/use-after-free), or delivery broke
 *   for a function whose driver saw no error; also any Oops on the failing call's own
 *   error path.
 *
 * Scenario `expect` failures are expected in faulted runs and are not findings.
 *
 * Occurrences are numbered per phase: boot faults count from the creation of the
 * machine (armed before boot); step faults count from right before the first step,
 * exactly as a `fault: {point, occurrence}` step inserted first counts them, so a step
 * fault's replay is that scenario.
 */
import type { ZpciSystem } from '../arch/s390/pci/system.ts';
import { errName } from '../include/linux/errno.ts';
import { type FailurePoint, listFailurePoints } from './faults.ts';
import { type Finding, type FindingKind, KernelOops, modelCallChain } from './findings.ts';
import { bootScenario, type RunOverrides, type RunResult, runScenario } from './runner.ts';
import type { Scenario, Step } from './scenario/schema.ts';
import './all-failure-points.ts';

export type SweepFindingKind = 'swallowed-fault' | 'unhandled-fault';

/** Finding kinds that are crash or memory-safety reports. */
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
  /** The scenario file's text: replays are built from it (without it: no replay text). */
  readonly sourceText?: string;
  /** Command-line options naming the run's overrides, for the replay's header (e.g. `--backend v1`). */
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
  /** Model call chain where the fault fired, innermost first (the owner, then its callers). */
  readonly callChain: readonly string[];
  /** What differed from the fault-free run, one line each. */
  readonly differences: readonly string[];
  /** Findings of the faulted run the fault-free run does not have (those that count). */
  readonly newFindings: readonly {
    readonly kind: FindingKind;
    readonly message: string;
    readonly step: number;
  }[];
  /** The first crash/memory-safety finding kind caused, or null. */
  readonly crash: FindingKind | null;
  /** Its model call chain, innermost first (where it goes wrong). */
  readonly crashChain: readonly string[];
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

export interface SweepResult {
  readonly scenario: string;
  readonly file: string;
  readonly backend: string;
  readonly delivery: 'floating' | 'directed';
  readonly cpus: number;
  readonly seed: number;
  readonly maxOccurrence: number;
  /** The fault-free run. */
  readonly baseline: RunResult;
  readonly reached: readonly ReachedPoint[];
  /** Faulted runs made. */
  readonly runs: number;
  /** Faulted runs where nothing observable differed. */
  readonly tolerated: number;
  /** Faulted runs where the error reached the driver and everything before it was undone. */
  readonly honoured: number;
  /** Faults whose effect the kernel intends (boot panics, best-effort affinity, fatal SIC program checks). */
  readonly byDesign: readonly ByDesign[];
  /** Faulted runs whose fault never fired (0 unless the scenario arms faults itself). */
  readonly notFired: number;
  readonly findings: readonly SweepFinding[];
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
        'msix_setup_interrupts()/msi_capability_init() go on without affinity masks: the vectors are allocated unmanaged and not spread over the CPUs',
      deliveriesOnly: true,
      oops: null,
    },
  ],
  [
    'group_cpus_evenly',
    {
      reason:
        'irq_create_affinity_masks() returns NULL and the PCI/MSI code goes on without masks: the vectors are allocated unmanaged and not spread over the CPUs',
      deliveriesOnly: true,
      oops: null,
    },
  ],
  [
    'sic.pgm',
    {
      reason:
        'a program check on SIC in kernel mode has no exception-table fixup: the kernel treats SIC as infallible and Oopses (on every backend)',
      deliveriesOnly: false,
      oops: /program check 0x[0-9a-f]+ on SIC/,
    },
  ],
]);

const BOOT_NOTE =
  'boot-time fault: a scenario step cannot arm it before boot; reproduce with runScenario(s, {faults: [{point, occurrence, boot: true}]})';

/** A failed error recovery as __zpci_event_error() logs it (the driver then gets io_perm_failure). */
const RECOVERY_FAILED = /zpci: ([0-9a-f]{4}):[0-9a-f]{2}:[0-9a-f]{2}\.\d: Automatic recovery failed/;

/** One faulted run to make. */
interface Trial {
  readonly point: string;
  readonly occurrence: number;
  readonly boot: boolean;
  /** Step during which it fires in the fault-free run (-1: boot). */
  readonly step: number;
}

type Verdict =
  | { readonly status: 'tolerated' }
  | { readonly status: 'honoured' }
  | { readonly status: 'found'; readonly finding: SweepFinding };

/**
 * Wrap the injector's shouldFail on this system: `onCall(name, step)` for every call
 * from now on, and the model call chain of the first fault that fires.
 */
function instrument(
  sys: ZpciSystem,
  onCall: ((name: string, step: number) => void) | null,
  chainOut: { chain: string[] | null },
): void {
  const inj = sys.sim.faults;
  const proto = Object.getPrototypeOf(inj) as { shouldFail: (name: string) => boolean };
  inj.shouldFail = (name: string): boolean => {
    const r = proto.shouldFail.call(inj, name);
    if (onCall) onCall(name, sys.k.sim.findings.step);
    if (r && chainOut.chain === null) {
      chainOut.chain = kernelCallChain(new Error('fault').stack);
    }
    return r;
  };
}

/**
 * The modelled kernel's call chain in a JS stack, innermost first: frames of the machine
 * (src/hw), of the simulation (src/sim) and of Node are left out, repeated names (dispatch
 * wrappers named after the function they call) collapsed; it stops at the runner.
 */
export function kernelCallChain(stack: string | undefined): string[] {
  const out: string[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const m = /^\s+at (?:async )?(?:new )?([\w$.<>]+)(?: \[as [\w$]+\])? \((.*):\d+:\d+\)$/.exec(line);
    if (!m) continue;
    const name = m[1]!.replace(/^(?:Object|Array|Map)\./, '');
    if (name === 'runStep' || name === 'runScenario') break;
    const file = m[2]!;
    if (/\/src\/(hw|sim)\/|node_modules|^node:/.test(file)) continue;
    if (out[out.length - 1] !== name) out.push(name);
  }
  return out;
}

/** Run the fault-injection sweep on one scenario. */
export function sweepFaults(s: Scenario, opts: SweepOptions = {}): SweepResult {
  const { faults: _f, countFaults: _c, afterBoot: _a, ...base } = opts.overrides ?? {};
  const bound = opts.maxOccurrence ?? 3;
  const only = opts.points ? new Set(opts.points) : null;
  const catalogue = new Map(listFailurePoints().map((p) => [p.name, p]));

  // 1. Calls per point during boot (boot is deterministic: one boot with counting on).
  const bootCalls = new Map(bootScenario(s, { ...base, countFaults: true }).sim.faults.occurrences());

  // 2. The fault-free run, recording the step of every call of every point after boot.
  const stepCalls = new Map<string, number[]>();
  const baseline = runScenario(s, {
    ...base,
    afterBoot: (sys) =>
      instrument(
        sys,
        (name, step) => {
          const l = stepCalls.get(name);
          if (l) l.push(step);
          else stepCalls.set(name, [step]);
        },
        { chain: null },
      ),
  });

  const trials: Trial[] = [];
  const reached: ReachedPoint[] = [];
  for (const name of [...new Set([...bootCalls.keys(), ...stepCalls.keys()])].sort()) {
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
        trials.push({ point: name, occurrence: n, boot: false, step: sc[n - 1]! });
    }
  }

  // 3. One run per trial, classified against the fault-free run.
  const findings: SweepFinding[] = [];
  const byDesign: ByDesign[] = [];
  let tolerated = 0;
  let honoured = 0;
  let notFired = 0;
  for (const t of trials) {
    const chainOut: { chain: string[] | null } = { chain: null };
    const fp = catalogue.get(t.point)!;
    const designed = DESIGNED.get(t.point);
    let r: RunResult;
    try {
      r = runScenario(s, {
        ...base,
        faults: [{ point: t.point, occurrence: t.occurrence, boot: t.boot }],
        afterBoot: (sys) => instrument(sys, null, chainOut),
      });
    } catch (e) {
      // Boot itself stopped (the runner guards the steps only).
      if (
        e instanceof KernelOops &&
        e.finding.kind === 'BUG' &&
        e.finding.message.startsWith('Kernel panic')
      ) {
        byDesign.push({
          ...trialKey(t),
          reason: `the kernel panics during boot, as it does: ${e.finding.message}`,
        });
      } else if (designed?.oops?.test(e instanceof Error ? e.message : String(e))) {
        byDesign.push({ ...trialKey(t), reason: designed.reason });
      } else {
        findings.push(bootCrash(s, t, fp, e));
      }
      continue;
    }
    if (r.system.sim.faults.fired.length === 0) {
      notFired++;
      continue;
    }
    const v = classify(s, baseline, r, t, fp, chainOut.chain ?? [], opts);
    if (v.status === 'tolerated') tolerated++;
    else if (v.status === 'honoured') honoured++;
    else if (isDesigned(v.finding)) byDesign.push({ ...trialKey(t), reason: designed!.reason });
    else findings.push(v.finding);
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
    honoured,
    byDesign,
    notFired,
    findings,
  };
}

/** Compare a faulted run with the fault-free run. */
function classify(
  s: Scenario,
  b: RunResult,
  r: RunResult,
  t: Trial,
  fp: FailurePoint,
  chain: readonly string[],
  opts: SweepOptions,
): Verdict {
  const diffs: string[] = [];
  const newStop = r.stopped && !b.stopped;
  const stopStep = newStop ? r.steps[r.steps.length - 1]?.index : undefined;

  // 1. Return codes the driver saw (the step the faulted run stopped in has none).
  let rcChanged = false;
  const fidsWithError = new Set<number>();
  let globalError = false;
  for (const x of r.steps) {
    if (x.index === stopStep) continue;
    const y = b.steps.find((z) => z.index === x.index);
    if (!y || x.rc === y.rc) continue;
    rcChanged = true;
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
    const fn = s.functions.find((x) => x.uid === Number.parseInt(m[1]!, 16));
    if (!fn || fidsWithError.has(fn.fid)) continue;
    fidsWithError.add(fn.fid);
    rcChanged = true;
    diffs.push(
      `the kernel gave up recovering fid 0x${fn.fid.toString(16)} ("${stripStamp(line).trim()}"): its driver got error_detected(pci_channel_io_perm_failure)`,
    );
  }
  const errorReached = rcChanged;

  // 2. New findings (by kind and message, event counters ignored), and vanished ones.
  const pool = new Map<string, number>();
  for (const f of b.findings) pool.set(findingKey(f), (pool.get(findingKey(f)) ?? 0) + 1);
  const fresh: Finding[] = [];
  for (const f of r.findings) {
    const n = pool.get(findingKey(f)) ?? 0;
    if (n > 0) pool.set(findingKey(f), n - 1);
    else fresh.push(f);
  }
  const gone = [...pool].filter(([, n]) => n > 0);
  // With the error reported, consequences of the scenario's driver carrying on after a
  // failed step on its own function (its lost/spurious interrupts, WARNs about its calls)
  // are the scenario's doing; leaks and crashes are the kernel's.
  const counted = fresh.filter((f) => {
    if (!errorReached || f.kind === 'leak' || CRASH_KINDS.includes(f.kind)) return true;
    if (f.kind === 'WARN' || globalError) return false;
    const m = /fid 0x([0-9a-f]+)/.exec(f.message);
    return m ? !fidsWithError.has(Number.parseInt(m[1]!, 16)) : false;
  });

  // 3. Deliveries per handler and CPU (not after a crash: everything after it is lost).
  // A handler's deliveries count as broken only when the driver of every function it was
  // requested on saw no error.
  const handlerFids = new Map<string, Set<number>>();
  for (const st of s.steps) {
    if (st.kind !== 'request') continue;
    const set = handlerFids.get(st.handler) ?? new Set<number>();
    set.add(st.fid);
    handlerFids.set(st.handler, set);
  }
  const deliveryDiffs: string[] = [];
  if (!newStop) {
    const handlers = [...new Set([...b.deliveries, ...r.deliveries].map((d) => d.handler))].sort();
    for (const h of handlers) {
      const excused = globalError || [...(handlerFids.get(h) ?? [])].some((fid) => fidsWithError.has(fid));
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
  }
  diffs.push(...deliveryDiffs);
  for (const g of groupFindings(counted)) {
    diffs.push(
      g.count === 1
        ? `new ${g.kind} at ${stepLabel(s, g.step)}: ${g.example}`
        : `${g.count} new ${g.kind} findings at ${stepLabel(s, g.step)}, e.g. ${g.example}`,
    );
  }
  if (!errorReached) {
    for (const [key, n] of gone) {
      const [kind, msg] = key.split('\u0000');
      diffs.push(`${n} ${kind} finding${n === 1 ? '' : 's'} of the fault-free run missing: ${msg}`);
    }
  }
  if (newStop) diffs.push(`the run stopped at an Oops in ${stepLabel(s, stopStep ?? -1)}`);

  const broken =
    deliveryDiffs.length > 0 || counted.length > 0 || newStop || (!errorReached && gone.length > 0);
  if (!broken) return { status: errorReached ? 'honoured' : 'tolerated' };

  // An Oops in the very step the fault fired in is on the failing call's own error path.
  const kind: SweepFindingKind =
    errorReached || (newStop && stopStep === t.step) ? 'unhandled-fault' : 'swallowed-fault';
  const crashFinding = counted.find((f) => CRASH_KINDS.includes(f.kind)) ?? null;
  const st = s.steps[t.step];
  const core: FindingCore = {
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
    crash: crashFinding ? crashFinding.kind : newStop ? 'Oops' : null,
    crashChain: crashFinding?.callChain ?? [],
  };
  const replay =
    t.boot || opts.sourceText === undefined
      ? null
      : replayText(opts.sourceText, t.point, t.occurrence, core, opts.replayArgs);
  return {
    status: 'found',
    finding: {
      ...core,
      explanation: explain(s, core, b, r, deliveryDiffs.length > 0),
      replay,
      replayNote: t.boot
        ? BOOT_NOTE
        : replay === null
          ? 'no block-style `steps:` list in the scenario text to insert the fault step into'
          : null,
    },
  };
}

type FindingCore = Omit<SweepFinding, 'explanation' | 'replay' | 'replayNote'>;

/** A boot fault that ended in an Oops (not a deliberate panic): the error path crashed. */
function bootCrash(s: Scenario, t: Trial, fp: FailurePoint, e: unknown): SweepFinding {
  const msg = e instanceof KernelOops ? e.finding.message : e instanceof Error ? e.message : String(e);
  const kind: FindingKind = e instanceof KernelOops ? e.finding.kind : 'Oops';
  const chain =
    e instanceof KernelOops ? e.finding.callChain : modelCallChain(e instanceof Error ? e.stack : undefined);
  const core: FindingCore = {
    kind: 'unhandled-fault',
    point: t.point,
    owner: fp.owner,
    layer: fp.layer,
    effect: fp.effect,
    occurrence: t.occurrence,
    boot: true,
    step: -1,
    stepKind: 'boot',
    line: 0,
    callChain: [],
    differences: [`boot stopped at ${kind === 'BUG' ? 'a BUG' : 'an Oops'}: ${msg}`],
    newFindings: [{ kind, message: msg, step: -1 }],
    crash: kind,
    crashChain: chain,
  };
  return { ...core, explanation: explain(s, core, null, null, false), replay: null, replayNote: BOOT_NOTE };
}

function trialKey(t: Trial): Omit<ByDesign, 'reason'> {
  return { point: t.point, occurrence: t.occurrence, boot: t.boot, step: t.step };
}

/** The faulted run shows exactly the effect the kernel intends for this point. */
function isDesigned(f: SweepFinding): boolean {
  const d = DESIGNED.get(f.point);
  if (!d) return false;
  if (d.deliveriesOnly) {
    return (
      f.kind === 'swallowed-fault' &&
      f.newFindings.length === 0 &&
      f.differences.every((x) => x.startsWith('handler '))
    );
  }
  const re = d.oops;
  return (
    re !== null &&
    f.newFindings.length > 0 &&
    f.newFindings.every((x) => x.kind === 'Oops' && re.test(x.message))
  );
}

/** Strip run-specific noise (event counters) from a finding message. */
function normalize(msg: string): string {
  return msg.replace(/\s*\[event \d+\]/g, '');
}

function findingKey(f: Finding): string {
  return `${f.kind}\u0000${normalize(f.message)}`;
}

function stripStamp(line: string): string {
  return line.replace(/^\[[^\]]*\]\s*/, '');
}

/** Findings grouped by kind, step and message shape (numbers elided), in first-seen order. */
function groupFindings(
  list: readonly Finding[],
): { kind: FindingKind; step: number; count: number; example: string }[] {
  const out = new Map<string, { kind: FindingKind; step: number; count: number; example: string }>();
  for (const f of list) {
    const msg = normalize(f.message).split('\n').join(' ');
    const key = `${f.kind}\u0000${f.step}\u0000${msg.replace(/0x[0-9a-f]+|\d+/g, '#')}`;
    const g = out.get(key);
    if (g) g.count++;
    else out.set(key, { kind: f.kind, step: f.step, count: 1, example: msg });
  }
  return [...out.values()];
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

/** The one-paragraph explanation of a finding. */
function explain(
  s: Scenario,
  f: FindingCore,
  b: RunResult | null,
  r: RunResult | null,
  deliveryBroken: boolean,
): string {
  const where = f.boot ? 'during boot' : `while ${stepLabel(s, f.step)} ran`;
  const callers = f.callChain;
  const via = callers.length > 0 ? ` in ${callers.slice(0, 5).join(' <- ')}` : '';
  let out = `The ${ordinal(f.occurrence)} ${f.boot ? 'boot-time ' : ''}call of ${f.owner} (${f.layer}) failed with ${f.effect} ${where}${via}. `;
  const path = callers.length > 1 ? ` (${callers.slice(0, 8).join(' <- ')})` : '';
  const crashAt = f.crashChain.length > 0 ? ` in ${f.crashChain.slice(0, 4).join(' <- ')}` : '';
  if (f.kind === 'swallowed-fault') {
    out += 'No step returned a different code: the error never reached the driver, ';
    out += deliveryBroken
      ? 'yet later delivery differs from the fault-free run'
      : 'yet the run differs from the fault-free run';
    out += f.newFindings.length > 0 ? ` and the run reports ${kindsText(f.newFindings)}${crashAt}. ` : '. ';
    out += `A function on the call path${path} drops the failure and carries on as if the call had succeeded: it must either return the error to its caller, undoing what it set up, or make the failure harmless.`;
    return out;
  }
  if (
    f.boot ||
    (r?.stopped && !b?.stopped && f.step === r.steps[r.steps.length - 1]?.index && !firstRcChange(b, r))
  ) {
    out += `The failure was handled by an error path that crashes: ${f.crash ?? 'Oops'}${crashAt}. `;
    out +=
      'The unwinding must only release what the failed call had set up, and check each object before it touches it.';
    return out;
  }
  const first = firstRcChange(b, r);
  out += first
    ? `The error reached the driver (${stepLabel(s, first.index)} returned ${rcText(first.rc)} instead of ${rcText(first.was)}), `
    : `The error reached the driver (${f.differences[0] ?? 'an error was reported'}), `;
  out += 'but what was set up before the failure was not undone: ';
  const parts: string[] = [];
  if (f.newFindings.length > 0) parts.push(`the run reports ${kindsText(f.newFindings)}${crashAt}`);
  if (deliveryBroken) parts.push('delivery broke for a function whose driver saw no error');
  if (r?.stopped && !b?.stopped && f.newFindings.every((x) => x.kind !== 'Oops'))
    parts.push('the run stopped at an Oops');
  out += `${parts.join('; ')}. The error path${path ? ` along${path}` : ''} must release what was set up before the failure, and only that.`;
  return out;
}

function firstRcChange(
  b: RunResult | null,
  r: RunResult | null,
): { index: number; rc: number | null; was: number | null } | null {
  if (!b || !r) return null;
  const stop = r.stopped && !b.stopped ? r.steps[r.steps.length - 1]?.index : undefined;
  for (const x of r.steps) {
    if (x.index === stop) continue;
    const y = b.steps.find((z) => z.index === x.index);
    if (y && x.rc !== y.rc) return { index: x.index, rc: x.rc, was: y.rc };
  }
  return null;
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

/** A YAML plain scalar when safe, else a JSON (= YAML double-quoted) string. */
function yamlScalar(v: string): string {
  return /^[A-Za-z_][\w.]*$/.test(v) ? v : JSON.stringify(v);
}

/**
 * The scenario text with `- fault: {point, occurrence}` inserted as the first step (and
 * comments naming the finding). Null when the text has no block-style top-level
 * `steps:` list.
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
  const what = f
    ? ` (${f.kind}: ${f.owner} fails in step ${f.step + 1}, ${f.stepKind}, line ${f.line + 3} of this file)`
    : '';
  const note = `${indent}# irqlab check: the fault-injection sweep's fault${what}`;
  const step = `${indent}- fault: {point: ${yamlScalar(point)}, occurrence: ${occurrence}}`;
  lines.splice(at + 1, 0, note, step);
  const header = `# Replay of an irqlab check finding${args ? `; run it with: irqlab run FILE ${args}` : ''}\n`;
  return header + lines.join('\n');
}
