// SPDX-License-Identifier: GPL-2.0-only
/**
 * A directed message sent to an offline CPU leaves that CPU's DIBV bit set. The next write of
 * the same vector to that CPU (online again) lands in the still-set bit: the machine coalesces
 * it, zpci_handle_cpu_local_irq() scans the bit once and the handler runs once, for the new
 * write. The sanitizer must count that run as the new write's delivery, not as spurious-irq
 * plus lost-irq (fuzz replays findings/2026-11-26/*-spurious-irq-zpci-handle-cpu-local-irq.yaml,
 * docs/findings.md).
 */
import { describe, expect, it } from 'vitest';
import { kinds, run, total } from './scenario-run.ts';

// The minimal mainline replay: the vectors are freed and allocated again in between.
const REALLOC = `
machine: {cpus: 4, delivery: directed, backend: mainline, seed: 0}
functions:
  - {fid: 0x10, uid: 1, msi: 1}
steps:
  - bind: {fid: 0x10}
  - alloc: {fid: 0x10}
  - fire: {fid: 0x10, vector: all}
  - cpu_offline: {cpu: 0}
  - request: {fid: 0x10, vector: 0}
  - free_irq: {fid: 0x10, vector: 0, handler: fn0x10-0}
  - free_vectors: {fid: 0x10}
  - cpu_online: {cpu: 0}
  - alloc: {fid: 0x10}
  - request: {fid: 0x10, vector: 0, name: fn0x10-0.1, shared: true}
  - fire: {fid: 0x10, vector: 0}
`;

// The minimal legacy replay: the first write is reported lost at the quiescence check.
const LOST_THEN_AGAIN = `
machine: {cpus: 3, delivery: directed, backend: legacy, seed: 0}
functions:
  - {fid: 0x10, uid: 1, msi: 1}
steps:
  - cpu_offline: {cpu: 0}
  - bind: {fid: 0x10}
  - fire: {fid: 0x10, vector: 0}
  - alloc: {fid: 0x10}
  - request: {fid: 0x10, vector: 0}
  - expect: {findings: none}
  - cpu_online: {cpu: 0}
  - set_affinity: {fid: 0x10, vector: 0, cpus: [0, 1]}
  - fire: {fid: 0x10, vector: 0}
  - run
schedule: [0]
`;

describe('a write into a stale DIBV bit is delivered once', () => {
  it('mainline: freed and reallocated vector, one run for the new write, no finding', () => {
    const r = run(REALLOC);
    expect(kinds(r)).toEqual([]);
    expect(total(r, 'fn0x10-0.1')).toBe(1);
    expect(total(r, 'fn0x10-0')).toBe(0);
  });
  it('legacy: the first write is lost (defect 1), the second is delivered once, not spurious', () => {
    const r = run(LOST_THEN_AGAIN);
    expect(kinds(r)).toEqual(['lost-irq']);
    expect(r.findings[0]!.step).toBe(5);
    expect(total(r, 'fn0x10-0')).toBe(1);
  });
  it('domain: both sequences clean', () => {
    expect(kinds(run(REALLOC, { backend: 'domain' }))).toEqual([]);
    // domain routes the pending write to an online CPU (departure 24): both writes delivered
    const d = run(LOST_THEN_AGAIN, { backend: 'domain' });
    expect(kinds(d)).toEqual([]);
    expect(total(d, 'fn0x10-0')).toBe(2);
  });
});
