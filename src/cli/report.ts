// SPDX-License-Identifier: GPL-2.0-only
/** Text and JSON renderings of a run, for `irqlab run` and friends. */
import { errName } from '../include/linux/errno.ts';
import type { Finding } from '../sim/findings.ts';
import type { RunResult } from '../sim/runner.ts';
import type { Scenario } from '../sim/scenario/schema.ts';

/** Findings not announced by any `expect: {findings: [...]}` step. */
export function unexpectedFindings(s: Scenario, r: RunResult): Finding[] {
  const expected = new Set<string>();
  for (const st of s.steps)
    if (st.kind === 'expect' && st.findings) for (const f of st.findings) expected.add(f);
  return r.findings.filter((f) => !expected.has(f.kind));
}

/** 0: expectations hold and nothing unexpected was found; 1 otherwise. */
export function runExitCode(s: Scenario, r: RunResult): number {
  return r.expectFailures.length > 0 || unexpectedFindings(s, r).length > 0 ? 1 : 0;
}

export function deliveryTableText(r: RunResult): string {
  if (r.deliveries.length === 0) return '  (no handler ran)\n';
  const w = Math.max(8, ...r.deliveries.map((d) => d.handler.length));
  let out = `  ${'handler'.padEnd(w)}`;
  for (let c = 0; c < r.cpus; c++) out += `${`CPU${c}`.padStart(9)}`;
  out += `${'total'.padStart(10)}\n`;
  for (const d of r.deliveries) {
    out += `  ${d.handler.padEnd(w)}`;
    for (const n of d.perCpu) out += `${String(n).padStart(9)}`;
    out += `${String(d.total).padStart(10)}\n`;
  }
  return out;
}

export function findingText(f: Finding, file: string, s: Scenario): string {
  const st = f.step >= 0 ? s.steps[f.step] : undefined;
  const where = st ? `${file}:${st.loc.line}: step ${f.step} (${st.kind})` : 'after the last step';
  let out = `  [${f.kind}] ${where}\n`;
  for (const line of f.message.split('\n')) out += `      ${line}\n`;
  if (f.callChain.length > 0) out += `      call chain: ${f.callChain.slice(0, 12).join(' <- ')}\n`;
  return out;
}

export function renderRunText(s: Scenario, r: RunResult): string {
  let out = `irqlab run ${r.file}: backend ${r.backend}, ${r.delivery} delivery, ${r.cpus} CPUs, seed ${r.seed}\n`;
  for (const snap of r.snapshots) {
    out += `\n== ${snap.title}  (step ${snap.step}, ${r.file}:${snap.line}) ==\n${snap.text}`;
    if (!snap.text.endsWith('\n')) out += '\n';
  }
  out += '\n== summary ==\n';
  out += 'deliveries (handler invocations per CPU):\n';
  out += deliveryTableText(r);
  const errors = r.steps.filter((x) => x.rc !== null && x.rc < 0);
  out += `return codes: ${r.steps.length} steps run`;
  out +=
    errors.length === 0
      ? ', no errors\n'
      : `; errors: ${errors.map((x) => `step ${x.index} ${x.kind} = ${errName(x.rc!)}`).join(', ')}\n`;
  const nExpect = s.steps.filter(
    (x) => x.kind === 'expect' && r.steps.some((y) => y.index === x.index),
  ).length;
  out += `expectations: ${nExpect} checked, ${r.expectFailures.length} failed\n`;
  for (const e of r.expectFailures) out += `  ${r.file}:${e.line}:${e.column}: ${e.message}\n`;
  out += r.findings.length === 0 ? 'findings: none\n' : `findings: ${r.findings.length}\n`;
  for (const f of r.findings) out += findingText(f, r.file, s);
  if (r.stopped) {
    // The modelled CPU never leaves a soft-locked loop, so the run ends there; else an Oops/BUG.
    const last = r.findings[r.findings.length - 1];
    out +=
      last?.kind === 'soft-lockup'
        ? 'the run stopped at the soft lockup: the modelled CPU never leaves the loop\n'
        : 'the run stopped at the Oops, as the machine would\n';
  }
  out += `result: ${runExitCode(s, r) === 0 ? 'PASS' : 'FAIL'}\n`;
  return out;
}

export function runJson(s: Scenario, r: RunResult): unknown {
  return {
    scenario: r.scenario,
    file: r.file,
    backend: r.backend,
    delivery: r.delivery,
    cpus: r.cpus,
    seed: r.seed,
    steps: r.steps,
    deliveries: r.deliveries,
    snapshots: r.snapshots,
    expectFailures: r.expectFailures,
    findings: r.findings,
    stopped: r.stopped,
    result: runExitCode(s, r) === 0 ? 'pass' : 'fail',
  };
}
