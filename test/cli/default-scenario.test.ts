// SPDX-License-Identifier: GPL-2.0-only
// The pre-validated default scenario (src/cli/default-scenario.ts, written by the build into
// dist/cli/default-scenario.json): it must be exactly what loading examples/default.yaml
// gives, and it must not be used once the text it was made from differs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultScenarioText, loadScenarioOrExit } from '../../src/cli/common.ts';
import {
  PREVALIDATED_DEFAULT_FILE,
  prevalidatedDefault,
  writePrevalidatedDefault,
} from '../../src/cli/default-scenario.ts';
import { validateScenarioText } from '../../src/cli/validate.ts';
import { listFailurePoints } from '../../src/sim/faults.ts';
import { loadScenario } from '../../src/sim/scenario/index.ts';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'irqlab-default-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** examples/default.yaml loaded as `irqlab run` without a file always did. */
function loadedDefault() {
  const { text, file } = defaultScenarioText();
  expect(file).toBe('<default>');
  const r = loadScenario(text, file, { knownFailurePoints: new Set(listFailurePoints().map((p) => p.name)) });
  if (!r.ok) throw new Error('examples/default.yaml does not load');
  return { text, scenario: r.scenario };
}

describe('pre-validated default scenario', () => {
  it('equals what loading examples/default.yaml gives (through JSON, key order included)', () => {
    const { text, scenario } = loadedDefault();
    const v = validateScenarioText(text, '<default>');
    if (!v.ok) throw new Error(v.message);
    writePrevalidatedDefault(dir, text, v.scenario);
    const pre = prevalidatedDefault(text, dir);
    expect(pre).toStrictEqual(scenario);
    expect(JSON.stringify(pre)).toBe(JSON.stringify(scenario));
    expect(pre?.file).toBe('<default>');
    expect(pre?.steps.length).toBe(scenario.steps.length);
  });

  it('is not used when examples/default.yaml changed after the build', () => {
    const { text, scenario } = loadedDefault();
    writePrevalidatedDefault(dir, text, scenario);
    expect(prevalidatedDefault(`${text}\n# edited\n`, dir)).toBeNull();
  });

  it('is not used when missing, unreadable JSON or of another format', () => {
    const { text, scenario } = loadedDefault();
    expect(prevalidatedDefault(text, dir)).toBeNull();
    writeFileSync(join(dir, PREVALIDATED_DEFAULT_FILE), '{');
    expect(prevalidatedDefault(text, dir)).toBeNull();
    writeFileSync(
      join(dir, PREVALIDATED_DEFAULT_FILE),
      JSON.stringify({ format: 2, source: text, scenario }),
    );
    expect(prevalidatedDefault(text, dir)).toBeNull();
  });

  it('from sources (no JSON next to the module) the default is validated, same result', async () => {
    const { scenario } = loadedDefault();
    expect(await loadScenarioOrExit(undefined)).toStrictEqual(scenario);
  });

  it('the build writes it from the same text', () => {
    const { text } = loadedDefault();
    const path = writePrevalidatedDefault(dir, text, loadedDefault().scenario);
    const j = JSON.parse(readFileSync(path, 'utf8')) as { format: number; source: string };
    expect(j.format).toBe(1);
    expect(j.source).toBe(text);
  });
});
