// SPDX-License-Identifier: GPL-2.0-only
// irqlab check, in process: exit 0 when the invariants hold and the sweep finds nothing
// (domain backend), exit 1 on a finding (the legacy backend's leak when DEREG_INT_D fails
// at teardown), JSON output, replay files, usage errors.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureStdio } from './stdio.ts';

const io = captureStdio();

const dir = mkdtempSync(join(tmpdir(), 'irqlab-check-'));
/** The scenario the fault-sweep tests use too (test/fixtures/scenarios/small.yaml). */
const small = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scenarios', 'small.yaml');

describe('irqlab check', () => {
  it('domain: invariants hold, the sweep finds nothing, exit 0', async () => {
    expect(await main(['check', small])).toBe(0);
    expect(io.out).toContain(`irqlab check ${small}: backend domain, directed delivery, 2 CPUs, seed 1\n`);
    expect(io.out).toContain('expectations: 3 checked, 0 failed\nfindings: none\n');
    expect(io.out).toContain('faulted runs: 94 (at most 3 occurrences per point and phase)\n');
    expect(io.out).toContain('  findings: 0\n');
    expect(io.out).toContain('\nresult: PASS\n');
    expect(io.err).toBe('');
  });

  it('legacy: DEREG_INT_D failing at teardown leaks, exit 1, text names point, owner, step and replay', async () => {
    expect(await main(['check', small, '--backend', 'legacy', '--points', 'mpcifc.DEREG_INT_D.cc1'])).toBe(1);
    expect(io.out).toContain('faulted runs: 1 (at most 3 occurrences per point and phase)\n');
    expect(io.out).toContain(
      '[swallowed-fault] mpcifc.DEREG_INT_D.cc1, occurrence 1: MPCIFC DEREG_INT_D (firmware: cc 1 status 16 (insufficient resources)) in step 7 (teardown, line 16)\n',
    );
    expect(io.out).toContain(
      '      4 new leak findings at step 7 (teardown, line 16), e.g. irq_desc of IRQ 3 still allocated after teardown\n',
    );
    expect(io.out).toContain('    replay: write it with --replay-dir DIR\n');
    expect(io.out).toContain('\nresult: FAIL (1 sweep finding)\n');
  });

  it('--format json and --replay-dir: the replay file is the scenario with the fault step first', async () => {
    const rd = join(dir, 'replays');
    expect(
      await main([
        'check',
        small,
        '--backend',
        'legacy',
        '--points',
        'mpcifc.DEREG_INT_D.cc1,clp.enable',
        '--format',
        'json',
        '--replay-dir',
        rd,
      ]),
    ).toBe(1);
    const j = JSON.parse(io.out);
    expect(j.result).toBe('fail');
    expect(j.invariants.expectFailures).toEqual([]);
    expect(
      j.sweep.reached.map((p: { point: string; boot: boolean }) => `${p.point}${p.boot ? ' boot' : ''}`),
    ).toEqual(['clp.enable boot', 'mpcifc.DEREG_INT_D.cc1']);
    expect(j.sweep.runs).toBe(2);
    expect(j.sweep.findings).toHaveLength(1);
    const f = j.sweep.findings[0];
    expect([f.kind, f.point, f.occurrence, f.step, f.owner]).toEqual([
      'swallowed-fault',
      'mpcifc.DEREG_INT_D.cc1',
      1,
      7,
      'MPCIFC DEREG_INT_D',
    ]);
    const file = join(rd, 'small-legacy-directed-mpcifc.DEREG_INT_D.cc1-1.yaml');
    expect(f.replayFile).toBe(file);
    expect(readdirSync(rd)).toEqual(['small-legacy-directed-mpcifc.DEREG_INT_D.cc1-1.yaml']);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').slice(0, 1)).toEqual([
      '# Replay of an irqlab check finding; run it with: irqlab run FILE --backend legacy',
    ]);
    expect(text).toContain('steps:\n');
    expect(text).toContain(
      '  - fault: {point: mpcifc.DEREG_INT_D.cc1, occurrence: 1}\n  - bind: {fid: 0x10}\n',
    );
    // Running the replay shows the leak the sweep reported.
    io.out = '';
    expect(await main(['run', file, '--backend', 'legacy', '--format', 'json'])).toBe(1);
    const run = JSON.parse(io.out);
    expect(run.findings.filter((x: { kind: string }) => x.kind === 'leak')).toHaveLength(4);
  });

  it('the default scenario on domain, directed: nothing found', async () => {
    expect(await main(['check', '--max-occurrence', '1', '--format', 'json'])).toBe(0);
    const j = JSON.parse(io.out);
    expect(j.sweep.findings).toEqual([]);
    expect(j.sweep.maxOccurrence).toBe(1);
    expect(j.result).toBe('pass');
  });

  it('usage errors exit 2 and write nothing', async () => {
    expect(await main(['check', small, '--points', 'no_such_point'])).toBe(2);
    expect(io.err).toBe(
      'irqlab: --points: unknown failure point "no_such_point" (see irqlab faults --list)\n',
    );
    io.err = '';
    expect(await main(['check', small, '--max-occurrence', '0'])).toBe(2);
    expect(io.err).toContain('--max-occurrence must be between 1 and 1000');
    expect(io.out).toBe('');
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });
});
