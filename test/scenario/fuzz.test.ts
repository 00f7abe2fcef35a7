// SPDX-License-Identifier: GPL-2.0-only
// loadScenario never throws, and every failure is a located, one-line message.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { stringify } from 'yaml';
import { type LoadResult, loadScenario, STEP_KINDS } from '../../src/sim/scenario/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const example = readFileSync(join(root, 'examples', 'default.yaml'), 'utf8');

function wellFormed(text: string, r: LoadResult): void {
  if (r.ok) {
    expect(r.scenario.machine.cpus.length).toBeGreaterThan(0);
    return;
  }
  const lines = text.split('\n').length;
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) {
    expect(e.file).toBe('f.yaml');
    expect(Number.isInteger(e.line) && e.line >= 1 && e.line <= lines + 1).toBe(true);
    expect(Number.isInteger(e.column) && e.column >= 1).toBe(true);
    expect(e.message).not.toMatch(/internal error|\n\s+at |undefined:|\[object Object\]/);
    expect(e.message.includes('\n')).toBe(false);
  }
}

function check(text: string): void {
  let r: LoadResult | undefined;
  expect(() => {
    r = loadScenario(text, 'f.yaml');
  }).not.toThrow();
  wellFormed(text, r!);
}

const KEYS = [
  'name',
  'machine',
  'functions',
  'steps',
  'schedule',
  'cpus',
  'online',
  'delivery',
  'backend',
  'parentDomain',
  'seed',
  'directedIrqFacility',
  'forceFloating',
  'options',
  'cpu',
  'address',
  'fid',
  'uid',
  'devfn',
  'bus',
  'maxMsi',
  'msi',
  'msix',
  'present',
  'vector',
  'count',
  'min',
  'max',
  'type',
  'affinity',
  'preVectors',
  'view',
  'irq',
  'point',
  'deliveries',
  'rc',
  'findings',
  'kind',
  'handler',
  'cpu0',
  '__proto__',
  'constructor',
  ...STEP_KINDS,
];
const leaf = fc.oneof(
  fc.integer({ min: -3, max: 70 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'all',
    '0x10',
    '0xZZ',
    'none',
    '-ENOSPC',
    '-ENOPE',
    'directed',
    'domain',
    'x.mjs',
    'managed',
    'msix',
  ),
  fc.string({ maxLength: 6 }),
);
const doc = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 5 }),
  ),
})).node;

describe('loadScenario never throws', () => {
  // The yaml library must not print process warnings (e.g. for collection keys).
  let warn: MockInstance<typeof process.emitWarning>;
  beforeAll(() => {
    warn = vi.spyOn(process, 'emitWarning');
  });
  afterAll(() => {
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 500 });
  });

  it('on random YAML-looking text', () => {
    const tok = fc.constantFrom(
      'machine:',
      'steps:',
      '- ',
      '  ',
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      '\n',
      '&a ',
      '*a',
      '!!str ',
      '? ',
      '|',
      '#',
      '"',
      "'",
      'fire',
      '0x10',
      '---\n',
    );
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 60 }), (parts) => check(parts.join(''))),
      { numRuns: 500 },
    );
  });

  it('on random documents built from scenario vocabulary', () => {
    fc.assert(
      fc.property(doc, (d) => check(stringify(d))),
      { numRuns: 800 },
    );
  });

  it('on random structures under a valid machine', () => {
    const step = fc.dictionary(
      fc.constantFrom(...STEP_KINDS),
      fc.dictionary(fc.constantFrom(...KEYS), leaf),
      {
        minKeys: 1,
        maxKeys: 1,
      },
    );
    const fn = fc.dictionary(
      fc.constantFrom('fid', 'uid', 'msi', 'msix', 'devfn', 'bus', 'present', 'maxMsi'),
      leaf,
    );
    fc.assert(
      fc.property(fc.array(fn, { maxLength: 3 }), fc.array(step, { maxLength: 8 }), (functions, steps) =>
        check(stringify({ machine: { cpus: 4 }, functions, steps })),
      ),
      { numRuns: 800 },
    );
  });

  it('on the default example with a random slice cut out or replaced', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: example.length }),
        fc.nat({ max: 40 }),
        fc.string({ maxLength: 8 }),
        (at, len, ins) => check(example.slice(0, at) + ins + example.slice(at + len)),
      ),
      { numRuns: 500 },
    );
  });
});
