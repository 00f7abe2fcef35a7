// The irqlab command, in process: exit codes, located input errors, no half-written
// output, determinism, and the shape of each command's output.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureStdio } from './stdio.ts';

const io = captureStdio();

const dir = mkdtempSync(join(tmpdir(), 'irqlab-cli-'));

describe('irqlab run', () => {
  it('runs the embedded default scenario: exit 0 and the exact delivery table', async () => {
    expect(await main(['run'])).toBe(0);
    expect(io.out).toContain('irqlab run <default>: backend domain, directed delivery, 4 CPUs, seed 1\n');
    expect(io.out).toContain(
      [
        '  handler      CPU0     CPU1     CPU2     CPU3     total',
        '  nic_comp       48       48       48       48       192',
        '  nvme_irq        2        1        1        1         5',
        '  ctl_irq         1        0        3        0         4',
      ].join('\n'),
    );
    expect(io.out).toContain('expectations: 13 checked, 0 failed\nfindings: none\nresult: PASS\n');
    expect(io.err).toBe('');
  });

  it('gives one byte-identical output for one seed', async () => {
    await main(['run', '--seed', '7', '--format', 'json']);
    const a = io.out;
    io.out = '';
    await main(['run', '--seed', '7', '--format', 'json']);
    expect(io.out).toBe(a);
    expect(JSON.parse(a).result).toBe('pass');
  });

  it('a bad scenario exits 2 with file:line:column, prints nothing on stdout, writes no trace', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(
      f,
      'machine:\n  cpus: 2\nfunctions:\n  - {fid: 0x10, uid: 1, msix: 8}\nsteps:\n  - fire: {fid: 0x10, vector: 8}\n',
    );
    const trace = join(dir, 'bad.trace');
    expect(await main(['run', f, '--trace', trace])).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:\\d+: `));
    expect(io.err).toContain('vector');
    expect(existsSync(trace)).toBe(false);
  });

  it('a missing file exits 2 with a message', async () => {
    expect(await main(['run', join(dir, 'nope.yaml')])).toBe(2);
    expect(io.err).toContain('nope.yaml:1:1: cannot read scenario file: no such file');
  });

  it('--parent-domain with a backend other than domain is a usage error', async () => {
    expect(await main(['run', '--backend', 'legacy', '--parent-domain', 'per-bus'])).toBe(2);
    expect(io.err).toBe('irqlab: --parent-domain applies to the domain backend only (backend is legacy)\n');
  });

  it('an unknown option value is a usage error (exit 2)', async () => {
    expect(await main(['run', '--delivery', 'sideways'])).toBe(2);
    expect(io.err).toContain("option '--delivery <mode>' argument 'sideways' is invalid");
  });

  it('a run whose expectations fail exits 1 and names the line', async () => {
    expect(await main(['run', '--delivery', 'floating'])).toBe(1);
    expect(io.out).toContain('<default>:38:5: expected the previous step to return 0, got -EINVAL');
    expect(io.out).toContain('result: FAIL\n');
  });

  it('writes an ftrace trace with the kernel irq tracepoint formats', async () => {
    const f = join(dir, 'run.trace');
    expect(await main(['run', '--trace', f])).toBe(0);
    const t = readFileSync(f, 'utf8');
    expect(t.startsWith('# tracer: nop\n')).toBe(true);
    expect(t).toMatch(/<idle>-0 +\[002\] d\.h1\. +\d+\.\d{6}: irq_handler_entry: irq=\d+ name=ctl-0\n/);
    expect(t).toMatch(/irq_handler_exit: irq=\d+ ret=handled\n/);
    expect(t).toMatch(/firmware-0 +\[---\] d\.h1\. +\d+\.\d{6}: msi_write: fid=0x30 /);
  });

  it('writes Chrome trace JSON with one track per CPU and handler slices', async () => {
    const f = join(dir, 'run.json');
    expect(await main(['run', '--trace', f, '--trace-format', 'chrome'])).toBe(0);
    const j = JSON.parse(readFileSync(f, 'utf8')) as {
      traceEvents: { ph: string; name: string; tid?: number; dur?: number }[];
    };
    const threads = j.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid);
    expect(threads).toEqual(expect.arrayContaining([0, 1, 2, 3, 1016, 1032, 1048]));
    const slices = j.traceEvents.filter((e) => e.ph === 'X');
    // 201 device handler runs, each inside the adapter interruption's own action (irq 2, AIO).
    expect(slices.length).toBe(402);
    expect(slices.filter((e) => e.name.startsWith('irq 2: ')).length).toBe(201);
    expect(slices.every((e) => (e.dur ?? 0) > 0)).toBe(true);
  });
});

describe('irqlab diff', () => {
  it('legacy and domain agree on the default scenario: exit 0', async () => {
    expect(await main(['diff'])).toBe(0);
    expect(io.out).toContain('irqlab diff <default>: legacy vs domain, directed delivery, 4 CPUs\n');
    expect(io.out).toContain('no differences in deliveries, return codes or findings\n');
  });

  it('v1 differs from legacy: exit 1 with the differences listed', async () => {
    expect(await main(['diff', '--against', 'v1'])).toBe(1);
    expect(io.out).toContain('step 2 (alloc, line 34) returned 64 on legacy, -ENODEV on v1');
  });
});

describe('irqlab explain', () => {
  it('explains the single MSI of the default scenario level by level', async () => {
    expect(await main(['explain', '0x30', '0'])).toBe(0);
    expect(io.out).toContain('MSI vector 0');
    expect(io.out).toContain('2. Directed registration (MPCIFC REG_INT_D): noi 1');
    expect(io.out).toContain('level 0: domain PCI-MSI-1003:00:00.0-10, hwirq 0x0, chip PCI-MSI');
    expect(io.out).toContain('level 1: domain ZPCI_MSI_DOM_1003, hwirq 0x0, chip PCI-MSI');
    expect(io.out).toContain('6. Flow handler handle_percpu_irq;');
    expect(io.out).toContain('7. Actions: ctl-0');
  });

  it('a vector out of range is a usage error', async () => {
    expect(await main(['explain', '0x30', '5'])).toBe(2);
    expect(io.err).toBe('irqlab explain: vector 5 is out of range (fid 0x30 has 1)\n');
  });
});

describe('irqlab faults --list', () => {
  it('lists kernel and firmware failure points with their owners', async () => {
    expect(await main(['faults', '--list'])).toBe(0);
    expect(io.out).toMatch(/^irq_alloc_descs +kernel +/m);
    expect(io.out).toMatch(/^mpcifc\.REG_INT\.cc1 +firmware +/m);
    expect(io.out).toMatch(/^airq_iv_alloc +kernel +/m);
  });
});
