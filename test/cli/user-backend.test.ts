// SPDX-License-Identifier: GPL-2.0-only
// A user's own backend through the irqlab command: examples/backends/template.ts, loaded
// by --backend PATH (src/sim/backends.ts loadUserBackend), runs the embedded default
// scenario and delivers every interrupt the devices sent, with no findings, in both
// delivery modes.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureStdio } from './stdio.ts';

const template = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'backends',
  'template.ts',
);
/** The path as a user types it, relative to the working directory (examples/backends/template.ts). */
const templateArg = relative(process.cwd(), template);

const io = captureStdio();

interface RunJson {
  backend: string;
  delivery: string;
  cpus: number;
  deliveries: { handler: string; perCpu: number[]; total: number }[];
  expectFailures: { line: number; message: string }[];
  findings: unknown[];
  stopped: boolean;
  steps: { kind: string; rc: number | null }[];
}

async function runTemplate(delivery: 'directed' | 'floating'): Promise<{ code: number; r: RunJson }> {
  const code = await main(['run', '--backend', templateArg, '--delivery', delivery, '--format', 'json']);
  return { code, r: JSON.parse(io.out) as RunJson };
}

/** What the default scenario's devices send: NIC 64 + 2 * 64, NVMe 5, the MSI device 1 + 3. */
const SENT = { nic_comp: 192, nvme_irq: 5, ctl_irq: 4 };

describe('irqlab run --backend examples/backends/template.ts', () => {
  it('is the path a user types', () => {
    expect(templateArg.replaceAll('\\', '/')).toBe('examples/backends/template.ts');
  });

  it('directed: every interrupt delivered where the scenario expects it, no findings, exit 0', async () => {
    const { code, r } = await runTemplate('directed');
    expect(io.err).toBe('');
    expect(r.backend).toBe('template');
    expect(r.delivery).toBe('directed');
    expect(r.findings).toEqual([]);
    expect(r.stopped).toBe(false);
    expect(Object.fromEntries(r.deliveries.map((d) => [d.handler, d.total]))).toEqual(SENT);
    expect(r.deliveries.map((d) => [d.handler, d.perCpu])).toEqual([
      ['nic_comp', [48, 48, 48, 48]],
      ['nvme_irq', [2, 1, 1, 1]],
      ['ctl_irq', [1, 0, 3, 0]],
    ]);
    // The default scenario is written for directed delivery: all its expectations hold.
    expect(r.expectFailures).toEqual([]);
    expect(code).toBe(0);
  });

  it('floating: every interrupt delivered, no findings (affinity is not settable, as in the kernel)', async () => {
    const { code, r } = await runTemplate('floating');
    expect(io.err).toBe('');
    expect(r.backend).toBe('template');
    expect(r.delivery).toBe('floating');
    expect(r.findings).toEqual([]);
    expect(r.stopped).toBe(false);
    expect(Object.fromEntries(r.deliveries.map((d) => [d.handler, d.total]))).toEqual(SENT);
    // Floating interruptions go to the lowest eligible CPU (the machine's default option).
    for (const d of r.deliveries) expect(d.perCpu.slice(1)).toEqual([0, 0, 0]);
    // The only failing steps are the two irq_set_affinity calls: no irq_set_affinity in the chip.
    expect(r.steps.filter((s) => s.rc !== null && s.rc < 0)).toEqual([
      { index: 5, kind: 'set_affinity', line: 37, rc: -22 },
      { index: 24, kind: 'set_affinity', line: 74, rc: -22 },
    ]);
    // ... so the default scenario's directed expectations (rc 0, per-CPU counts) fail: exit 1.
    expect(r.expectFailures.length).toBeGreaterThan(0);
    for (const f of r.expectFailures)
      expect(f.message).toMatch(/^(expected the previous step to return 0|handler )/);
    expect(code).toBe(1);
  });

  it('loads as a module with a default export factory giving a fresh instance per run', async () => {
    const mod = (await import(template)) as { default: () => { name: string; zpciIrqInit: unknown } };
    const a = mod.default();
    const b = mod.default();
    expect(a.name).toBe('template');
    expect(typeof a.zpciIrqInit).toBe('function');
    expect(a).not.toBe(b);
  });
});
