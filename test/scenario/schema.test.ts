// SPDX-License-Identifier: GPL-2.0-only
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listFailurePoints } from '../../src/sim/faults.ts';
import { FINDING_KINDS, parseScenarioFile, STEP_KINDS, type StepOf } from '../../src/sim/scenario/index.ts';
import { scenarioJsonSchema, scenarioJsonSchemaText } from '../../src/sim/scenario/schema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('schemas/scenario.schema.json', () => {
  it('equals the schema generated from src/sim/scenario/schema.ts (run npx tsx scripts/gen-schema.ts)', () => {
    const committed = readFileSync(join(root, 'schemas', 'scenario.schema.json'), 'utf8');
    expect(committed).toBe(scenarioJsonSchemaText());
  });

  it('describes every step kind in its three forms', () => {
    const js = scenarioJsonSchema() as {
      properties: {
        steps: { items: { anyOf: { enum?: string[]; properties?: Record<string, unknown> }[] } };
      };
    };
    const forms = js.properties.steps.items.anyOf;
    expect(forms[0]?.enum).toEqual(['run', 'expect', 'teardown']);
    const oneKey = forms.slice(1, 1 + STEP_KINDS.length).map((f) => Object.keys(f.properties ?? {}));
    expect(oneKey).toEqual(STEP_KINDS.map((k) => [k]));
    const kindForm = forms
      .slice(1 + STEP_KINDS.length)
      .map((f) => (f.properties?.['kind'] as { const: string } | undefined)?.const);
    expect(kindForm).toEqual(STEP_KINDS);
    expect(forms.length).toBe(1 + 2 * STEP_KINDS.length);
  });

  it('lists the finding kinds of src/sim/findings.ts', () => {
    expect(FINDING_KINDS.length).toBe(14);
    expect(JSON.stringify(scenarioJsonSchema())).toContain(JSON.stringify([...FINDING_KINDS]));
  });
});

describe('examples/default.yaml', () => {
  it('validates cleanly, also against the declared failure points', () => {
    const known = new Set(listFailurePoints().map((p) => p.name));
    const r = parseScenarioFile(join(root, 'examples', 'default.yaml'), { knownFailurePoints: known });
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join('\n'));
    const s = r.scenario;
    expect(s.name).toBe('default');
    expect(s.machine.cpus.map((c) => c.address)).toEqual([0x10, 0x11, 0x24, 0x25]);
    expect(s.machine.cpus.some((c) => c.address !== c.cpu)).toBe(true);
    expect(s.machine.delivery).toBe('directed');
    expect(s.machine.backend).toEqual({ kind: 'domain', parentDomain: 'per-bus' });
    expect(s.functions.map((f) => [f.fid, f.irqType, f.vectors])).toEqual([
      [0x10, 'msix', 64],
      [0x20, 'msix', 33],
      [0x30, 'msi', 1],
    ]);
    const kinds = new Set(s.steps.map((x) => x.kind));
    for (const k of ['fire', 'set_affinity', 'error', 'recover', 'unbind', 'teardown'] as const) {
      expect(kinds.has(k)).toBe(true);
    }
    // Traffic on every vector of every function.
    const fired = s.steps.filter((x): x is StepOf<'fire'> => x.kind === 'fire');
    for (const f of s.functions) {
      const all = fired.some((x) => x.fid === f.fid && (x.vector === 'all' || f.vectors === 1));
      expect(all).toBe(true);
    }
    // The NVMe I/O queues are managed; the NIC spreads its 64 vectors itself.
    const nvme = s.steps.find((x): x is StepOf<'alloc'> => x.kind === 'alloc' && x.fid === 0x20);
    expect(nvme?.affinity).toBe('managed');
    expect(nvme?.preVectors).toBe(1);
    const spread = s.steps.find(
      (x): x is StepOf<'set_affinity'> => x.kind === 'set_affinity' && x.fid === 0x10,
    );
    expect(spread?.vector).toBe('all');
    expect(spread?.cpus).toEqual([0, 1, 2, 3]);
  });
});
