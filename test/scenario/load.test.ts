// SPDX-License-Identifier: GPL-2.0-only
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatError,
  loadScenario,
  loadScenarioOrThrow,
  parseScenarioFile,
  type Scenario,
  type StepOf,
} from '../../src/sim/scenario/index.ts';

function load(text: string): Scenario {
  return loadScenarioOrThrow(text, 't.yaml');
}
function errors(text: string): string[] {
  const r = loadScenario(text, 't.yaml');
  return r.ok ? [] : r.errors.map(formatError);
}

const FNS = `functions:
  - {fid: 0x10, uid: 1, msix: 8, name: nic, driver: mlx5_core}
  - {fid: "0x2A", uid: 2, msi: 4}
`;

describe('loadScenario: normalization', () => {
  it('fills in every default', () => {
    const s = load('machine: {cpus: 2}\nsteps: []\n');
    expect(s.name).toBe('t');
    expect(s.description).toBe('');
    expect(s.file).toBe('t.yaml');
    expect(s.functions).toEqual([]);
    expect(s.schedule).toEqual([]);
    expect(s.machine).toEqual({
      cpus: [
        { cpu: 0, address: 0x10, online: true },
        { cpu: 1, address: 0x12, online: true },
      ],
      online: [0, 1],
      delivery: 'directed',
      directedIrqFacility: true,
      forceFloating: false,
      aisFacility: true,
      backend: { kind: 'mainline' },
      seed: 1,
      options: {
        floatingCpuSelection: 'lowest',
        summaryEdge: 'bit',
        checkNoi: false,
        disbIndex: 'logical',
        directedFallback: ['offline', 'no-dibv', 'unknown-address'],
        nrPciFunctions: 512,
      },
    });
  });

  it('takes CPU lists with addresses and per-CPU online flags', () => {
    const s = load(`machine:
  cpus:
    - {cpu: 0, address: 0x100}
    - {address: 0x3, online: false}
    - {address: 0xffff}
steps: []
`);
    expect(s.machine.cpus).toEqual([
      { cpu: 0, address: 0x100, online: true },
      { cpu: 1, address: 3, online: false },
      { cpu: 2, address: 0xffff, online: true },
    ]);
    expect(s.machine.online).toEqual([0, 2]);
  });

  it('takes a machine.online list', () => {
    const s = load('machine: {cpus: 4, online: [2, 0]}\nsteps: []\n');
    expect(s.machine.online).toEqual([0, 2]);
    expect(s.machine.cpus.map((c) => c.online)).toEqual([true, false, true, false]);
  });

  it('derives the delivery mode from the facility switches', () => {
    const d = (m: string) => load(`machine: {cpus: 1, ${m}}\nsteps: []\n`).machine;
    expect(d('delivery: directed')).toMatchObject({
      delivery: 'directed',
      directedIrqFacility: true,
      forceFloating: false,
    });
    expect(d('delivery: floating')).toMatchObject({
      delivery: 'floating',
      directedIrqFacility: false,
      forceFloating: false,
    });
    expect(d('forceFloating: true')).toMatchObject({
      delivery: 'floating',
      directedIrqFacility: true,
      forceFloating: true,
    });
    expect(d('directedIrqFacility: false')).toMatchObject({
      delivery: 'floating',
      directedIrqFacility: false,
    });
    expect(d('delivery: floating, directedIrqFacility: true, forceFloating: true')).toMatchObject({
      delivery: 'floating',
      directedIrqFacility: true,
      forceFloating: true,
    });
  });

  it('normalizes backends', () => {
    const b = (m: string) => load(`machine: {cpus: 1, ${m}}\nsteps: []\n`).machine.backend;
    expect(b('backend: legacy')).toEqual({ kind: 'legacy' });
    expect(b('backend: v1')).toEqual({ kind: 'v1' });
    expect(b('backend: domain')).toEqual({ kind: 'domain', parentDomain: 'global' });
    expect(b('backend: domain, parentDomain: per-bus')).toEqual({ kind: 'domain', parentDomain: 'per-bus' });
    expect(b('backend: ./my/backend.mjs')).toEqual({ kind: 'module', path: './my/backend.mjs' });
  });

  it('normalizes functions (hex fids, defaults, labels)', () => {
    const s = load(`machine: {cpus: 1}\n${FNS}steps: []\n`);
    expect(s.functions).toEqual([
      {
        fid: 0x10,
        uid: 1,
        devfn: 0,
        bus: null,
        maxMsi: 8,
        irqType: 'msix',
        vectors: 8,
        name: 'nic',
        driver: 'mlx5_core',
        present: true,
        loc: { line: 3, column: 5 },
      },
      {
        fid: 0x2a,
        uid: 2,
        devfn: 0,
        bus: null,
        maxMsi: 4,
        irqType: 'msi',
        vectors: 4,
        name: 'fn0x2a',
        driver: null,
        present: true,
        loc: { line: 4, column: 5 },
      },
    ]);
  });

  it('allows maxMsi below the vector count (capping) and shared buses with distinct devfns', () => {
    const s = load(`machine: {cpus: 1}
functions:
  - {fid: 1, uid: 1, msix: 64, maxMsi: 32, bus: 7, devfn: 0}
  - {fid: 2, uid: 2, msix: 8, bus: 7, devfn: 1}
steps: []
`);
    expect(s.functions.map((f) => [f.maxMsi, f.bus, f.devfn])).toEqual([
      [32, 7, 0],
      [8, 7, 1],
    ]);
  });

  it('accepts the three step forms and keeps step positions', () => {
    const s = load(`machine: {cpus: 2}
${FNS}steps:
  - bind: {fid: 0x10}
  - {kind: alloc, fid: 0x10, max: 4}
  - run
  - teardown:
  - kind: expect
    findings: none
`);
    expect(s.steps).toEqual([
      { index: 0, loc: { line: 6, column: 5 }, kind: 'bind', fid: 0x10, driver: 'mlx5_core' },
      {
        index: 1,
        loc: { line: 7, column: 5 },
        kind: 'alloc',
        fid: 0x10,
        min: 1,
        max: 4,
        type: 'msix',
        affinity: 'none',
        preVectors: 0,
        postVectors: 0,
      },
      { index: 2, loc: { line: 8, column: 5 }, kind: 'run', ns: null },
      { index: 3, loc: { line: 9, column: 5 }, kind: 'teardown' },
      {
        index: 4,
        loc: { line: 10, column: 5 },
        kind: 'expect',
        deliveries: null,
        dropped: null,
        pending: null,
        rc: null,
        findings: [],
      },
    ]);
  });

  it('normalizes request, free_irq, fire, set_affinity and expect', () => {
    const s = load(`machine: {cpus: 4}
${FNS}steps:
  - alloc: {fid: 0x10, min: 2, affinity: managed, preVectors: 1}
  - expect: {rc: 8}
  - request: {fid: 0x10, vector: 3}
  - expect: {rc: -EBUSY}
  - request: {fid: 0x10, vector: all, handler: rx, shared: true, returns: none}
  - request: {fid: 0x10, vector: 5, name: q5, handler: rx}
  - free_irq: {fid: 0x10, vector: 3}
  - free_irq: {fid: 0x10, vector: 6}
  - set_affinity: {fid: 0x10, vector: 5, cpus: [3, 1, 3]}
  - expect: {rc: -22}
  - fire: {fid: 0x10, vector: all, count: 5}
  - fire: {fid: 0x10, vector: 7}
  - run: {ns: 1000}
  - expect:
      deliveries: {rx: {cpu1: 2, cpu3: 0}, nic-3: 1}
      dropped: 0
      pending: 0
      findings: [WARN, leak]
`);
    const st = s.steps;
    expect(st[0]).toMatchObject({ kind: 'alloc', min: 2, max: 8, affinity: 'managed', preVectors: 1 });
    expect(st[1]).toMatchObject({ kind: 'expect', rc: 8 });
    expect(st[2]).toMatchObject({
      kind: 'request',
      vector: 3,
      name: 'nic-3',
      handler: 'nic-3',
      shared: false,
      returns: 'handled',
    });
    expect(st[3]).toMatchObject({ kind: 'expect', rc: -16 });
    expect(st[4]).toMatchObject({
      kind: 'request',
      vector: 'all',
      name: 'nic',
      handler: 'rx',
      shared: true,
      returns: 'none',
    });
    expect(st[5]).toMatchObject({ kind: 'request', vector: 5, name: 'q5', handler: 'rx' });
    expect(st[6]).toMatchObject({ kind: 'free_irq', vector: 3, handler: 'nic-3' });
    expect(st[7]).toMatchObject({ kind: 'free_irq', vector: 6, handler: 'rx' });
    expect((st[8] as StepOf<'set_affinity'>).cpus).toEqual([1, 3]);
    expect(st[9]).toMatchObject({ kind: 'expect', rc: -22 });
    expect(st[10]).toMatchObject({ kind: 'fire', vector: 'all', count: 5 });
    expect(st[11]).toMatchObject({ kind: 'fire', vector: 7, count: 1 });
    expect(st[12]).toMatchObject({ kind: 'run', ns: 1000 });
    expect(st[13]).toEqual({
      index: 13,
      loc: { line: 19, column: 5 },
      kind: 'expect',
      deliveries: [
        { handler: 'rx', total: null, perCpu: [null, 2, null, 0] },
        { handler: 'nic-3', total: 1, perCpu: null },
      ],
      dropped: 0,
      pending: 0,
      rc: null,
      findings: ['WARN', 'leak'],
    });
  });

  it('follows plug, unplug, cpu hotplug and teardown', () => {
    const s = load(`machine: {cpus: 3}
functions:
  - {fid: 5, uid: 5, msix: 2, present: false}
steps:
  - plug: {fid: 5}
  - expect: {rc: 0}
  - unplug: {fid: 5}
  - plug: {fid: 5}
  - cpu_offline: {cpu: 2}
  - cpu_offline: {cpu: 0}
  - cpu_online: {cpu: 2}
  - fault: {point: anything_goes_without_a_list, occurrence: 3}
  - snapshot: {view: msi_irqs, fid: 5}
  - snapshot: {view: debugfs_irq, irq: 40, label: before}
  - snapshot: {view: sys_irq, fid: 5, vector: 1}
  - teardown
  - plug: {fid: 5}
`);
    expect(s.steps.map((x) => x.kind)).toEqual([
      'plug',
      'expect',
      'unplug',
      'plug',
      'cpu_offline',
      'cpu_offline',
      'cpu_online',
      'fault',
      'snapshot',
      'snapshot',
      'snapshot',
      'teardown',
      'plug',
    ]);
    expect(s.steps[7]).toMatchObject({ point: 'anything_goes_without_a_list', occurrence: 3 });
    expect(s.steps[8]).toMatchObject({ view: 'msi_irqs', fid: 5, irq: null, vector: null, label: null });
    expect(s.steps[9]).toMatchObject({ view: 'debugfs_irq', irq: 40, fid: null, label: 'before' });
    expect(s.steps[10]).toMatchObject({ view: 'sys_irq', fid: 5, vector: 1 });
  });

  it('keeps name, description and schedule', () => {
    const s = load('name: n\ndescription: d\nmachine: {cpus: 1}\nsteps: []\nschedule: [0, 3, 1]\n');
    expect([s.name, s.description, s.schedule]).toEqual(['n', 'd', [0, 3, 1]]);
  });

  it('accepts a failure point from the known list', () => {
    const r = loadScenario('machine: {cpus: 1}\nsteps:\n  - fault: {point: irq_alloc_descs}\n', 'f.yaml', {
      knownFailurePoints: new Set(['irq_alloc_descs']),
    });
    expect(r.ok).toBe(true);
  });
});

describe('loadScenario: errors', () => {
  it('reports several independent errors, sorted by position', () => {
    expect(
      errors(`machine: {cpus: 2, seed: x}
functions:
  - {fid: 1, uid: 1, msix: 0}
steps:
  - fire: {fid: 1, vector: -1}
  - nope
`),
    ).toEqual([
      't.yaml:1:26: machine.seed: expected a seed between 0 and 0xffffffff, got "x"',
      't.yaml:3:28: functions[0].msix: expected an integer between 1 and 2048, got 0',
      't.yaml:5:28: steps[0].fire.vector: expected a vector index (a non-negative integer), got -1',
      "t.yaml:6:5: steps[1]: unknown step kind 'nope'; step kinds: plug, unplug, bind, unbind, enable, disable, error, recover, alloc, free_vectors, request, free_irq, enable_irq, disable_irq, set_affinity, fire, cpu_offline, cpu_online, fault, snapshot, run, expect, teardown",
    ]);
  });

  it('checks snapshot targets and vector ranges', () => {
    expect(
      errors(`machine: {cpus: 1}
${FNS}steps:
  - snapshot: {view: proc_irq, irq: 3, fid: 0x10, vector: 0}
  - snapshot: {view: msi_irqs, fid: 0x10, vector: 1}
  - snapshot: {view: debugfs_irq, fid: 0x10, vector: 8}
  - enable_irq: {fid: 0x2a, vector: 4}
`),
    ).toEqual([
      't.yaml:6:32: steps[0].snapshot.irq: give either irq or fid and vector, not both',
      't.yaml:7:43: steps[1].snapshot.vector: view msi_irqs takes no vector',
      't.yaml:8:54: steps[2].snapshot.vector: expected an integer between 0 and 7 (function 0x10 has 8 MSI-X vectors), got 8',
      't.yaml:9:37: steps[3].enable_irq.vector: expected an integer between 0 and 3 (function 0x2a has 4 MSI vectors), got 4',
    ]);
  });

  it('reports no functions when a step names a fid in a scenario without any', () => {
    expect(errors('machine: {cpus: 1}\nsteps: [{disable: {fid: 3}}]\n')).toEqual([
      't.yaml:2:25: steps[0].disable.fid: no function with fid 0x3 (the scenario has no functions)',
    ]);
  });

  it('never returns a stack trace for non-string input', () => {
    const r = loadScenario(42 as unknown as string, 'x.yaml');
    expect(r).toEqual({
      ok: false,
      errors: [{ file: 'x.yaml', line: 1, column: 1, message: 'scenario: expected YAML text' }],
    });
  });
});

describe('parseScenarioFile', () => {
  it('reads a file', () => {
    const d = mkdtempSync(join(tmpdir(), 'irqlab-scn-'));
    const p = join(d, 'a.yaml');
    writeFileSync(p, 'machine: {cpus: 1}\nsteps: []\n');
    const r = parseScenarioFile(p);
    expect(r.ok && r.scenario.name).toBe('a');
  });

  it('reports a missing file as an error, not an exception', () => {
    const r = parseScenarioFile('/nonexistent/irqlab/x.yaml');
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          file: '/nonexistent/irqlab/x.yaml',
          line: 1,
          column: 1,
          message: 'cannot read scenario file: no such file',
        },
      ],
    });
  });
});
