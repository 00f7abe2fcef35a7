// SPDX-License-Identifier: GPL-2.0-only
/**
 * The embedded default scenario, pre-validated at build time. `npm run build` writes
 * dist/cli/default-scenario.json (scripts/build-cli.mjs): the normalized Scenario that
 * loading examples/default.yaml gives, together with the text it was made from. `irqlab run`
 * without a file then needs neither yaml nor zod. The file is used only when its text equals
 * the current examples/default.yaml, so an edited default is validated as usual; running
 * from sources (no such file next to this module) always validates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../sim/scenario/schema.ts';

export const PREVALIDATED_DEFAULT_FILE = 'default-scenario.json';
const FORMAT = 1;

interface Prevalidated {
  format: number;
  /** The examples/default.yaml text the scenario was loaded from. */
  source: string;
  scenario: Scenario;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The pre-validated default in `dir` (default: next to this module) if made from `text`, else null. */
export function prevalidatedDefault(text: string, dir: string = here): Scenario | null {
  let raw: string;
  try {
    raw = readFileSync(join(dir, PREVALIDATED_DEFAULT_FILE), 'utf8');
  } catch {
    return null;
  }
  let p: Prevalidated;
  try {
    p = JSON.parse(raw) as Prevalidated;
  } catch {
    return null;
  }
  return p.format === FORMAT && p.source === text ? p.scenario : null;
}

/** The file's contents for a scenario loaded (and validated) from `text`. */
export function prevalidatedDefaultJson(text: string, scenario: Scenario): string {
  const p: Prevalidated = { format: FORMAT, source: text, scenario };
  return `${JSON.stringify(p)}\n`;
}

/** Write the pre-validated default into `dir` (the build does this for dist/cli). */
export function writePrevalidatedDefault(dir: string, text: string, scenario: Scenario): string {
  const path = join(dir, PREVALIDATED_DEFAULT_FILE);
  writeFileSync(path, prevalidatedDefaultJson(text, scenario));
  return path;
}
