// SPDX-License-Identifier: GPL-2.0-only
/** Running an inline scenario in the zPCI backend tests, and reading its result. */
import { type RunResult, runScenario } from '../../../../src/sim/runner.ts';
import { loadScenario } from '../../../../src/sim/scenario/index.ts';

/** Load `text` (it must be valid) and run it. */
export function run(text: string, o: Parameters<typeof runScenario>[1] = {}): RunResult {
  const l = loadScenario(text, 't.yaml');
  if (!l.ok) throw new Error(l.errors[0]!.message);
  return runScenario(l.scenario, o);
}

/** The kinds of the run's findings, in order. */
export const kinds = (r: RunResult): string[] => r.findings.map((f) => f.kind);

/** The handler's delivery total, -1 when it never ran. */
export const total = (r: RunResult, h: string): number =>
  r.deliveries.find((d) => d.handler === h)?.total ?? -1;
