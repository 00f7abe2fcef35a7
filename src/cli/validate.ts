// SPDX-License-Identifier: GPL-2.0-only
/**
 * Full validation of a scenario text (yaml, zod, the failure-point catalogue). Imported
 * lazily by common.ts, so that commands which do not read a scenario file do not load it.
 */
import { listFailurePoints } from '../sim/faults.ts';
import { formatError, loadScenario } from '../sim/scenario/index.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import '../sim/all-failure-points.ts';

/** Load and validate; on failure the `file:line:column: message` lines, joined. */
export function validateScenarioText(
  text: string,
  file: string,
): { ok: true; scenario: Scenario } | { ok: false; message: string } {
  const r = loadScenario(text, file, { knownFailurePoints: new Set(listFailurePoints().map((p) => p.name)) });
  return r.ok ? r : { ok: false, message: r.errors.map(formatError).join('\n') };
}
