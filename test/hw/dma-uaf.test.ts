// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { enable, makeMachine, registerFloating } from './helpers.ts';

describe('firmware writes into freed memory', () => {
  it('an MSI after the AIBV was freed is reported as dma-use-after-free, not thrown', () => {
    const { m, mem, sim } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const { aibv } = registerFloating(m, fn, 8, 0);
    m.msiWrite(0x10, 0xfe000000, 0, 1);
    expect(sim.findings.count('dma-use-after-free')).toBe(0);
    expect(mem.free(aibv)).toBe(true); // teardown freed the vector but never deregistered
    m.msiWrite(0x10, 0xfe000000, 0, 2);
    expect(sim.findings.count('dma-use-after-free')).toBe(1);
    expect(fn.counters.dmaViolations).toBe(1);
    const f = sim.findings.list[0]!;
    expect(f.message).toBe(
      `firmware (fid 0x10): AIBV bit set: 1 byte(s) at 0x${aibv.toString(16)} in aibv fid 16 (0x${aibv.toString(16)}+0), which is not allocated`,
    );
  });

  it('a sanitizer hook installed on PhysMem receives the report instead', () => {
    const { m, mem, sim } = makeMachine();
    const seen: string[] = [];
    mem.onViolation = (who, addr, len, region, shadow) =>
      seen.push(`${who} ${addr} ${len} ${region?.tag} ${shadow}`);
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const { sbv } = registerFloating(m, fn, 8, 0);
    mem.free(sbv);
    m.msiWrite(0x10, 0xfe000000, 0, 0);
    expect(seen).toEqual([`firmware ${sbv} 1 zpci_sbv 2`]);
    expect(sim.findings.count()).toBe(0);
  });

  it('REG_INT naming freed memory: cc 1 status 4 and a report', () => {
    const { m, mem, sim } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const sbv = mem.alloc(64, 8, 'sbv');
    mem.free(sbv);
    const r = registerFloating(m, fn, 8, 0, sbv);
    expect(r.rc).toBe(1);
    expect(sim.findings.count('dma-use-after-free')).toBe(1);
  });
});
