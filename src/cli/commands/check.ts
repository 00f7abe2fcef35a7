// SPDX-License-Identifier: GPL-2.0-only
/**
 * irqlab check [SCENARIO]: the scenario's invariants (its expectations and the
 * sanitizer's findings on the fault-free run) plus the fault-injection sweep
 * (src/sim/faultsweep.ts). Exit 1 when anything is found.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { errName } from '../../include/linux/errno.ts';
import type { SweepFinding, SweepResult } from '../../sim/faultsweep.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import {
  addCommonOptions,
  type CommonOptions,
  defaultScenarioText,
  loadScenarioOrExit,
  overridesFrom,
  UsageError,
  writeFileAtomic,
} from '../common.ts';
import { findingText, unexpectedFindings } from '../report.ts';

interface CheckOptions extends CommonOptions {
  maxOccurrence: number;
  replayDir?: string;
  points?: string;
  boot: boolean;
}

function occurrenceArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('--max-occurrence must be an integer');
  const n = Number(v);
  if (n < 1 || n > 1000) throw new InvalidArgumentError('--max-occurrence must be between 1 and 1000');
  return n;
}

export function registerCheckCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('check')
    .argument('[scenario]', 'scenario file (YAML); the embedded default when omitted')
    .description(
      'check a scenario: its invariants on the fault-free run, then one run per failure point and occurrence',
    )
    .option(
      '--max-occurrence <n>',
      'occurrences tried per failure point (boot and steps each)',
      occurrenceArg,
      3,
    )
    .option('--points <list>', 'sweep only these failure points (comma-separated; see irqlab faults --list)')
    .option('--no-boot', 'leave out faults during boot')
    .option('--replay-dir <dir>', 'write one replay scenario per finding into DIR')
    .addHelpText(
      'after',
      `
Invariants: the fault-free run's expectations hold and the sanitizer finds nothing the
scenario does not announce. Sweep: a counting run finds every failure point reached (during
boot and during the steps); the scenario then runs once per point and occurrence with just
that fault. Reported: swallowed faults (no return code changed, yet delivery or teardown
differs), unhandled faults (the error reached the driver, but what was set up before it was
not undone, or the error path crashes). Faults the kernel intends to be visible (boot
panics, unspread vectors without affinity masks, fatal SIC program checks) are listed as by
design. A replay is the scenario with a \`fault: {point, occurrence}\` step inserted first.

Exit status: 0 nothing found, 1 an invariant failed or the sweep found something,
2 usage or input error.

Examples:
  irqlab check
  irqlab check examples/default.yaml --backend legacy --delivery floating
  irqlab check --backend mainline --max-occurrence 1 --format json
  irqlab check --delivery floating --replay-dir /tmp/replays`,
    );
  addCommonOptions(cmd, { trace: false });
  cmd.action(async (file: string | undefined, o: CheckOptions) => {
    const s = await loadScenarioOrExit(file);
    const ov = await overridesFrom(o, s);
    // lazy: the sweep (and the model) are loaded only when the command runs
    await import('../../sim/all-failure-points.ts');
    const { isFailurePoint } = await import('../../sim/faults.ts');
    const { sweepFaults } = await import('../../sim/faultsweep.ts');
    const points = o.points
      ?.split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    for (const p of points ?? []) {
      if (!isFailurePoint(p))
        throw new UsageError(`irqlab: --points: unknown failure point "${p}" (see irqlab faults --list)`);
    }
    const sourceText = file === undefined ? defaultScenarioText().text : readFileSync(file, 'utf8');
    const replayArgs = [
      ...(o.backend !== undefined ? [`--backend ${o.backend}`] : []),
      ...(o.delivery !== undefined ? [`--delivery ${o.delivery}`] : []),
      ...(o.parentDomain !== undefined ? [`--parent-domain ${o.parentDomain}`] : []),
      ...(o.cpus !== undefined ? [`--cpus ${o.cpus}`] : []),
      ...(o.seed !== undefined ? [`--seed ${o.seed}`] : []),
    ].join(' ');
    const r = sweepFaults(s, {
      overrides: ov,
      maxOccurrence: o.maxOccurrence,
      boot: o.boot,
      sourceText,
      ...(points ? { points } : {}),
      ...(replayArgs ? { replayArgs } : {}),
    });
    const replayFiles =
      o.replayDir !== undefined ? writeReplays(o.replayDir, r, o) : new Map<SweepFinding, string>();
    const invariantsFailed =
      r.baseline.expectFailures.length > 0 || unexpectedFindings(s, r.baseline).length > 0;
    const code = invariantsFailed || r.findings.length > 0 ? 1 : 0;
    process.stdout.write(
      o.format === 'json'
        ? `${JSON.stringify(checkJson(s, r, replayFiles, code), null, 2)}\n`
        : renderCheckText(s, r, replayFiles, code, o.replayDir !== undefined),
    );
    setExit(code);
  });
}

/** Write each finding's replay as DIR/<scenario>-<backend>-<delivery>-<point>-<n>.yaml. */
function writeReplays(dir: string, r: SweepResult, o: CheckOptions): Map<SweepFinding, string> {
  const out = new Map<SweepFinding, string>();
  const withReplay = r.findings.filter((f) => f.replay !== null);
  if (withReplay.length === 0) return out;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`irqlab: --replay-dir ${dir}: ${(e as { code?: string }).code ?? 'cannot create'}`);
  }
  const be = basename(r.backend).replace(/\.[cm]?[jt]s$/, '');
  const pd = o.parentDomain ? `-${o.parentDomain}` : '';
  for (const f of withReplay) {
    const name = `${r.scenario}-${be}${pd}-${r.delivery}-${f.point}-${f.occurrence}.yaml`.replace(
      /[^\w.-]/g,
      '_',
    );
    const path = join(dir, name);
    writeFileAtomic(path, f.replay!);
    out.set(f, path);
  }
  return out;
}

/** Wrap a paragraph at `width` columns with `indent`. */
function wrap(text: string, indent: string, width = 100): string {
  let out = '';
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      out += `${line}\n`;
      line = indent;
    }
    line += line.length > indent.length ? ` ${word}` : word;
  }
  return `${out}${line}\n`;
}

function where(f: SweepFinding): string {
  return f.boot ? 'during boot' : `in step ${f.step} (${f.stepKind}, line ${f.line})`;
}

export function renderCheckText(
  s: Scenario,
  r: SweepResult,
  replayFiles: ReadonlyMap<SweepFinding, string>,
  code: number,
  replayDirGiven: boolean,
): string {
  const b = r.baseline;
  let out = `irqlab check ${r.file}: backend ${r.backend}, ${r.delivery} delivery, ${r.cpus} CPUs, seed ${r.seed}\n`;

  out += '\n== invariants (fault-free run) ==\n';
  const nExpect = s.steps.filter(
    (x) => x.kind === 'expect' && b.steps.some((y) => y.index === x.index),
  ).length;
  const errors = b.steps.filter((x) => x.rc !== null && x.rc < 0);
  out += `${b.steps.length} steps run${errors.length === 0 ? ', no errors' : `; errors: ${errors.map((x) => `step ${x.index} ${x.kind} = ${errName(x.rc!)}`).join(', ')}`}\n`;
  out += `expectations: ${nExpect} checked, ${b.expectFailures.length} failed\n`;
  for (const e of b.expectFailures) out += `  ${r.file}:${e.line}:${e.column}: ${e.message}\n`;
  const unexpected = unexpectedFindings(s, b);
  out += unexpected.length === 0 ? 'findings: none\n' : `findings: ${unexpected.length}\n`;
  for (const f of unexpected) out += findingText(f, r.file, s);
  if (b.stopped) out += 'the fault-free run stopped at an Oops: the sweep covers the steps before it\n';

  out += '\n== fault-injection sweep ==\n';
  const nb = r.reached.filter((p) => p.boot).length;
  const ns = r.reached.length - nb;
  out += `failure points reached: ${new Set(r.reached.map((p) => p.point)).size} (${nb} during boot, ${ns} during the steps)\n`;
  out += `faulted runs: ${r.runs} (at most ${r.maxOccurrence} occurrence${r.maxOccurrence === 1 ? '' : 's'} per point and phase)\n`;
  out += `  tolerated (nothing observable changed): ${r.tolerated}\n`;
  out += `  honoured (the error reached the driver, everything before it undone): ${r.honoured}\n`;
  out += `  by design: ${r.byDesign.length}\n`;
  if (r.notFired > 0) out += `  fault never fired: ${r.notFired}\n`;
  out += `  findings: ${r.findings.length}\n`;
  for (const f of r.findings) {
    out += `\n[${f.kind}] ${f.point}, occurrence ${f.occurrence}${f.boot ? ' (boot)' : ''}: ${f.owner} (${f.layer}: ${f.effect}) ${where(f)}\n`;
    out += '    what differed:\n';
    for (const d of f.differences) out += `      ${d}\n`;
    out += wrap(f.explanation, '    ');
    if (f.callChain.length > 0) out += `    fault call chain: ${f.callChain.slice(0, 10).join(' <- ')}\n`;
    if (f.crashChain.length > 0)
      out += `    ${f.crash} call chain: ${f.crashChain.slice(0, 10).join(' <- ')}\n`;
    const file = replayFiles.get(f);
    if (file) out += `    replay: ${file}\n`;
    else if (f.replay === null) out += `    replay: none (${f.replayNote})\n`;
    else if (!replayDirGiven) out += '    replay: write it with --replay-dir DIR\n';
  }
  if (r.byDesign.length > 0) {
    out += '\nby design (not findings):\n';
    const groups = new Map<string, string[]>();
    for (const d of r.byDesign) {
      const key = `${d.point}\u0000${d.reason}`;
      const l = groups.get(key) ?? [];
      l.push(`${d.boot ? 'boot ' : ''}#${d.occurrence}`);
      groups.set(key, l);
    }
    for (const [key, occ] of groups) {
      const [point, reason] = key.split('\u0000');
      out += wrap(`${point} (${occ.join(', ')}): ${reason}`, '  ');
    }
  }
  const n = r.findings.length;
  out += `\nresult: ${code === 0 ? 'PASS' : `FAIL (${n} sweep finding${n === 1 ? '' : 's'}${b.expectFailures.length + unexpected.length > 0 ? ', invariants failed' : ''})`}\n`;
  return out;
}

export function checkJson(
  s: Scenario,
  r: SweepResult,
  replayFiles: ReadonlyMap<SweepFinding, string>,
  code: number,
): unknown {
  const b = r.baseline;
  return {
    scenario: r.scenario,
    file: r.file,
    backend: r.backend,
    delivery: r.delivery,
    cpus: r.cpus,
    seed: r.seed,
    invariants: {
      steps: b.steps,
      expectFailures: b.expectFailures,
      findings: unexpectedFindings(s, b),
      stopped: b.stopped,
    },
    sweep: {
      maxOccurrence: r.maxOccurrence,
      reached: r.reached,
      runs: r.runs,
      tolerated: r.tolerated,
      honoured: r.honoured,
      notFired: r.notFired,
      byDesign: r.byDesign,
      findings: r.findings.map((f) => ({ ...f, replayFile: replayFiles.get(f) ?? null })),
    },
    result: code === 0 ? 'pass' : 'fail',
  };
}
