// Acceptance for the zPCI backends: three functions (MSI-X 64, MSI-X 8, MSI 1) plugged,
// bound, allocated, requested; every vector fired with its affinity set to each CPU in
// turn; then freed, unbound and unplugged with nothing left allocated.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/runner.ts';
import { loadScenarioOrThrow } from '../../src/sim/scenario/index.ts';

const CPUS = 4;

function scenarioText(delivery: 'floating' | 'directed', backend: string): string {
  const lines = [
    'machine:',
    '  cpus: 4',
    `  delivery: ${delivery}`,
    `  backend: ${backend}`,
    'functions:',
    '  - {fid: 0x100, uid: 0x11, name: nic, msix: 64, maxMsi: 64, present: false}',
    '  - {fid: 0x200, uid: 0x12, name: blk, msix: 8, maxMsi: 64, present: false}',
    '  - {fid: 0x300, uid: 0x13, name: ctl, msi: 1, present: false}',
    'steps:',
  ];
  for (const [fid, type, n] of [
    [0x100, 'msix', 64],
    [0x200, 'msix', 8],
    [0x300, 'msi', 1],
  ] as const) {
    const h = `h${fid.toString(16)}`;
    lines.push(`  - plug: {fid: ${fid}}`, `  - bind: {fid: ${fid}}`);
    lines.push(`  - alloc: {fid: ${fid}, min: ${n}, max: ${n}, type: ${type}}`, `  - expect: {rc: ${n}}`);
    lines.push(`  - request: {fid: ${fid}, vector: all, handler: ${h}}`, '  - expect: {rc: 0}');
  }
  for (let cpu = 0; cpu < CPUS; cpu++) {
    for (const fid of [0x100, 0x200, 0x300]) {
      lines.push(`  - set_affinity: {fid: ${fid}, vector: all, cpus: [${cpu}]}`);
      lines.push(`  - fire: {fid: ${fid}, vector: all}`);
    }
    lines.push('  - run');
  }
  for (const fid of [0x100, 0x200, 0x300]) {
    lines.push(`  - free_irq: {fid: ${fid}, vector: all}`, `  - free_vectors: {fid: ${fid}}`);
    lines.push(`  - unbind: {fid: ${fid}}`, `  - unplug: {fid: ${fid}}`);
  }
  lines.push('  - teardown');
  return `${lines.join('\n')}\n`;
}

function run(delivery: 'floating' | 'directed', backend: string) {
  const s = loadScenarioOrThrow(scenarioText(delivery, backend), `three-${backend}-${delivery}.yaml`);
  return runScenario(s);
}

const perCpu = (r: ReturnType<typeof run>, h: string): number[] =>
  r.deliveries.find((d) => d.handler === h)?.perCpu ?? [];

describe.each(['legacy', 'domain'])('%s backend, three functions', (backend) => {
  it('directed: every MSI reaches the owning handler on the CPU its message names, once', () => {
    const r = run('directed', backend);
    expect(r.findings).toEqual([]);
    expect(r.stopped).toBe(false);
    expect(r.expectFailures).toEqual([]);
    // Each round moves every vector to one CPU and fires each vector once.
    expect(perCpu(r, 'h100')).toEqual([64, 64, 64, 64]);
    expect(perCpu(r, 'h200')).toEqual([8, 8, 8, 8]);
    expect(perCpu(r, 'h300')).toEqual([1, 1, 1, 1]);
    const aff = r.steps.filter((x) => x.kind === 'set_affinity').map((x) => x.rc);
    expect(aff).toEqual(Array(12).fill(0));
  });

  it('floating: affinity is refused (-EINVAL) and every MSI is delivered exactly once', () => {
    const r = run('floating', backend);
    expect(r.findings).toEqual([]);
    const aff = r.steps.filter((x) => x.kind === 'set_affinity').map((x) => x.rc);
    expect(aff).toEqual(Array(12).fill(-22));
    // The floating interruption is taken by the lowest enabled CPU.
    expect(perCpu(r, 'h100')).toEqual([256, 0, 0, 0]);
    expect(perCpu(r, 'h200')).toEqual([32, 0, 0, 0]);
    expect(perCpu(r, 'h300')).toEqual([4, 0, 0, 0]);
  });
});

describe('legacy and domain agree on what a driver can observe', () => {
  it.each(['floating', 'directed'] as const)('%s', (delivery) => {
    const a = run(delivery, 'legacy');
    const b = run(delivery, 'domain');
    expect(b.deliveries).toEqual(a.deliveries);
    expect(b.steps.map((x) => x.rc)).toEqual(a.steps.map((x) => x.rc));
    expect(b.findings.map((f) => f.kind)).toEqual(a.findings.map((f) => f.kind));
  });
});

describe('specimens: what the posted and the merged code do with the same scenario', () => {
  it('v1 floating: request_irq Oopses in irq_chip_set_affinity_parent (NULL parent_data)', () => {
    const r = run('floating', 'v1');
    expect(r.stopped).toBe(true);
    expect(r.findings.map((f) => f.kind)).toEqual(['Oops']);
    expect(r.findings[0]!.callChain).toContain('irqChipSetAffinityParent');
    expect(r.steps.at(-1)?.kind).toBe('request');
  });

  it('v1 directed: REG_INT_D goes out before msi_nr_irqs is set, so allocation fails with -ENODEV', () => {
    const r = run('directed', 'v1');
    const allocs = r.steps.filter((x) => x.kind === 'alloc').map((x) => x.rc);
    expect(allocs).toEqual([-19, -19, -19]);
    expect(r.deliveries.every((d) => d.total === 0)).toBe(true);
  });

  it('mainline: delivery works in both modes with this scenario', () => {
    for (const d of ['floating', 'directed'] as const) {
      const r = run(d, 'mainline');
      expect(r.stopped).toBe(false);
      expect(perCpu(r, 'h200').reduce((x, y) => x + y, 0)).toBe(32);
    }
  });
});
