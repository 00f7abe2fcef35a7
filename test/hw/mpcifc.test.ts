// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import {
  CLP_RC_OK,
  CLP_RC_SETPCIFN_ALRDY,
  CLP_RC_SETPCIFN_DMAAS,
  CLP_RC_SETPCIFN_FH,
  CLP_SET_DISABLE_PCI_FN,
  CLP_SET_ENABLE_PCI_FN,
} from '../../src/hw/s390x/clp.ts';
import {
  PGM_OPERAND,
  PGM_SPECIFICATION,
  ZPCI_MOD_FC_DEREG_INT,
  ZPCI_MOD_FC_DEREG_INT_D,
  ZPCI_MOD_FC_REG_INT,
  ZPCI_MOD_FC_REG_INT_D,
  ZPCI_MOD_FC_REG_IOAT,
  ZPCI_MOD_FC_RESET_BLOCK,
  ZPCI_MOD_FC_RESET_ERROR,
} from '../../src/hw/s390x/pci-inst.ts';
import { SIC_IRQ_MODE_DIRECT } from '../../src/hw/s390x/sic.ts';
import { listFailurePoints } from '../../src/sim/faults.ts';
import {
  diib,
  enable,
  fibFmt0,
  fibFmt1,
  fibZero,
  makeMachine,
  registerDirected,
  registerFloating,
} from './helpers.ts';

const cs = (r: { cc: number; status: number; pgm: number }): string =>
  r.cc < 0 ? `pgm ${r.pgm}` : `cc ${r.cc} status ${r.status}`;

describe('MPCIFC condition codes and status', () => {
  it('floating REG_INT / DEREG_INT table', () => {
    const { m, mem } = makeMachine();
    const fn = m.addFunction({ fid: 0x10 });
    const aibv = mem.alloc(8, 8, 'aibv');
    const sbv = mem.alloc(64, 8, 'sbv');
    const good = fibFmt0(mem, { noi: 8, aisbo: 0, aibv, aisb: sbv });
    const zero = fibZero(mem);
    // disabled function (handle without the enable bit): cc 3
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT, good))).toBe('cc 3 status 0');
    enable(m, fn);
    const rows: [string, number, number, string][] = [
      ['dereg, nothing registered', ZPCI_MOD_FC_DEREG_INT, zero, 'cc 1 status 24'],
      ['reg', ZPCI_MOD_FC_REG_INT, good, 'cc 0 status 0'],
      ['reg again', ZPCI_MOD_FC_REG_INT, good, 'cc 1 status 24'],
      ['dereg', ZPCI_MOD_FC_DEREG_INT, zero, 'cc 0 status 0'],
      ['dereg again', ZPCI_MOD_FC_DEREG_INT, zero, 'cc 1 status 24'],
      [
        'noi > max_msi',
        ZPCI_MOD_FC_REG_INT,
        fibFmt0(mem, { noi: 129, aisbo: 0, aibv, aisb: sbv }),
        'cc 1 status 16',
      ],
      ['noi 0', ZPCI_MOD_FC_REG_INT, fibFmt0(mem, { noi: 0, aisbo: 0, aibv, aisb: sbv }), 'cc 1 status 16'],
      [
        'aibv 0',
        ZPCI_MOD_FC_REG_INT,
        fibFmt0(mem, { noi: 8, aisbo: 0, aibv: 0, aisb: sbv }),
        'cc 1 status 4',
      ],
      ['format 1 on REG_INT', ZPCI_MOD_FC_REG_INT, fibFmt1(mem, 8, 0), `pgm ${PGM_OPERAND}`],
      ['unaligned FIB', ZPCI_MOD_FC_REG_INT, good + 4, `pgm ${PGM_SPECIFICATION}`],
      [
        'REG_INT_D without directed facility',
        ZPCI_MOD_FC_REG_INT_D,
        fibFmt1(mem, 8, 0),
        `pgm ${PGM_OPERAND}`,
      ],
      ['unknown oc 8', 8, zero, `pgm ${PGM_OPERAND}`],
      ['RESET_ERROR not in error', ZPCI_MOD_FC_RESET_ERROR, zero, 'cc 1 status 24'],
      ['RESET_BLOCK not in error', ZPCI_MOD_FC_RESET_BLOCK, zero, 'cc 1 status 24'],
      ['REG_IOAT', ZPCI_MOD_FC_REG_IOAT, zero, 'cc 0 status 0'],
      ['REG_IOAT again', ZPCI_MOD_FC_REG_IOAT, zero, 'cc 1 status 24'],
    ];
    for (const [what, oc, fib, want] of rows)
      expect(`${what}: ${cs(m.mpcifc(fn.fh, oc, fib))}`).toBe(`${what}: ${want}`);
    expect(m.programChecks.map((p) => p.code)).toEqual([
      PGM_OPERAND,
      PGM_SPECIFICATION,
      PGM_OPERAND,
      PGM_OPERAND,
    ]);
  });

  it('stale FH after CLP disable: cc 3; registration dropped by the disable', () => {
    const { m } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    registerFloating(m, fn, 4, 0);
    const oldFh = fn.fh;
    const d = m.clpSetPciFn(fn.fh, 1, CLP_SET_DISABLE_PCI_FN);
    expect(d.rc).toBe(CLP_RC_OK);
    expect(d.fh & 0x80000000).toBe(0);
    expect(cs(m.mpcifc(oldFh, ZPCI_MOD_FC_DEREG_INT, fibZero(m.mem)))).toBe('cc 3 status 0');
    expect(m.clpSetPciFn(oldFh, 1, CLP_SET_ENABLE_PCI_FN).rc).toBe(CLP_RC_SETPCIFN_FH);
    expect(m.clpSetPciFn(fn.fh, 1, CLP_SET_DISABLE_PCI_FN).rc).toBe(CLP_RC_SETPCIFN_ALRDY);
    expect(m.clpSetPciFn(fn.fh, 2, CLP_SET_ENABLE_PCI_FN).rc).toBe(CLP_RC_SETPCIFN_DMAAS);
    const e = m.clpSetPciFn(fn.fh, 1, CLP_SET_ENABLE_PCI_FN);
    expect(e.rc).toBe(CLP_RC_OK);
    expect(e.fh).not.toBe(oldFh);
    expect(e.fh >>> 31).toBe(1);
    // re-enabled: nothing registered any more
    expect(cs(m.mpcifc(e.fh, ZPCI_MOD_FC_DEREG_INT, fibZero(m.mem)))).toBe('cc 1 status 24');
  });

  it('hard unplug makes DEREG return cc 3; error state allows RESET_BLOCK then RESET_ERROR', () => {
    const { m } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const zero = fibZero(m.mem);
    m.injectError(0x10);
    expect(fn.state).toBe('error');
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_RESET_BLOCK, zero))).toBe('cc 0 status 0');
    expect(fn.state).toBe('blocked');
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_RESET_ERROR, zero))).toBe('cc 0 status 0');
    expect(fn.state).toBe('enabled');
    registerFloating(m, fn, 4, 0);
    const fh = fn.fh;
    m.unplug(0x10, true);
    expect(cs(m.mpcifc(fh, ZPCI_MOD_FC_DEREG_INT, zero))).toBe('cc 3 status 0');
    const events: string[] = [];
    m.setEventEntry((ev) => events.push(`${ev.kind} ${ev.pec.toString(16)} fid ${ev.fid.toString(16)}`));
    m.run();
    expect(events).toEqual(['error 3a fid 10', 'availability 304 fid 10']);
  });

  it('busy: cc 2 the requested number of times, then the operation runs', () => {
    const { m } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    fn.busyCount = 2;
    const aibv = m.mem.alloc(8, 8, 'aibv');
    const fib = fibFmt0(m.mem, { noi: 4, aisbo: 0, aibv, aisb: m.mem.alloc(8, 8, 'sbv') });
    expect([0, 1, 2].map(() => m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT, fib).cc)).toEqual([2, 2, 0]);
  });

  it('directed REG_INT_D / DEREG_INT_D table', () => {
    const { m, mem } = makeMachine({ hasDirq: true });
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const z1 = fibZero(mem, 1);
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT_D, fibFmt1(mem, 4, 0)))).toBe('cc 1 status 24'); // before SIC DIRECT
    expect(m.sic(0, SIC_IRQ_MODE_DIRECT, 0, diib(mem, 2, 2, mem.alloc(8, 8, 'disb')))).toBe(0);
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_DEREG_INT_D, z1))).toBe('cc 1 status 24');
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT_D, fibFmt1(mem, 4, 2046)))).toBe('cc 1 status 16');
    expect(registerDirected(m, fn, 4, 8)).toBe(0);
    expect([fn.irq.fmt, fn.irq.noi, fn.irq.dibvo, fn.irq.isc]).toEqual([1, 4, 8, 2]);
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT_D, fibFmt1(mem, 4, 8)))).toBe('cc 1 status 24');
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_DEREG_INT, fibZero(mem)))).toBe('cc 1 status 24'); // wrong kind
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_DEREG_INT_D, z1))).toBe('cc 0 status 0');
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_DEREG_INT_D, z1))).toBe('cc 1 status 24');
  });

  it('failure points: mpcifc.REG_INT.cc1 / .cc3 / DEREG_INT.cc2 fire on the armed occurrence', () => {
    const { m, sim } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    sim.faults.arm('mpcifc.REG_INT.cc1', 1);
    sim.faults.arm('mpcifc.REG_INT.cc3', 2);
    sim.faults.arm('mpcifc.DEREG_INT.cc2', 1);
    const aibv = m.mem.alloc(8, 8, 'aibv');
    const fib = fibFmt0(m.mem, { noi: 4, aisbo: 0, aibv, aisb: m.mem.alloc(8, 8, 'sbv') });
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT, fib))).toBe('cc 1 status 16');
    expect(fn.irq.fmt).toBe(-1);
    const staleFh = fn.fh;
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT, fib))).toBe('cc 3 status 0');
    // An injected cc 3 is made true: the function left the enabled state, its handle is stale.
    expect(fn.state).toBe('disabled');
    expect(fn.fh).not.toBe(staleFh);
    expect(cs(m.mpcifc(staleFh, ZPCI_MOD_FC_REG_INT, fib))).toBe('cc 3 status 0');
    enable(m, fn);
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_REG_INT, fib))).toBe('cc 0 status 0');
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_DEREG_INT, fibZero(m.mem)))).toBe('cc 2 status 0');
    expect(cs(m.mpcifc(fn.fh, ZPCI_MOD_FC_DEREG_INT, fibZero(m.mem)))).toBe('cc 0 status 0');
    expect(sim.faults.fired.map((f) => f.name)).toEqual([
      'mpcifc.REG_INT.cc1',
      'mpcifc.REG_INT.cc3',
      'mpcifc.DEREG_INT.cc2',
    ]);
  });

  it('declares the machine failure points', () => {
    const names = listFailurePoints()
      .filter((p) => p.layer !== 'kernel')
      .map((p) => p.name);
    for (const n of [
      'mpcifc.REG_INT.cc1',
      'mpcifc.REG_INT.cc3',
      'mpcifc.DEREG_INT.cc3',
      'mpcifc.REG_INT_D.cc1',
      'mpcifc.DEREG_INT_D.cc3',
      'clp.enable',
      'clp.disable',
      'sic.pgm',
    ]) {
      expect(names).toContain(n);
    }
  });

  it('CLP list / query report fid, fh, uid, devfn and the group MSI address and noi', () => {
    const { m } = makeMachine();
    m.addGroup({ pfgid: 7, noi: 32 });
    m.addFunction({ fid: 0x10, uid: 1, pfgid: 7, pchid: 0x1c0, rid: 0x0103, ridAvailable: true });
    m.addFunction({ fid: 0x20, state: 'standby' });
    m.addFunction({ fid: 0x30, state: 'reserved' });
    const list = m.clpListPci();
    expect(list.map((e) => [e.fid, e.configState])).toEqual([
      [0x10, 1],
      [0x20, 0],
    ]);
    const q = m.clpQueryPciFn(list[0]!.fh);
    expect([q.rc, q.fid, q.uid, q.pfgid, q.pchid, q.rid & 0xff]).toEqual([CLP_RC_OK, 0x10, 1, 7, 0x1c0, 3]);
    expect(m.fn(0x10)!.devfn).toBe(3);
    const g = m.clpQueryPciFnGrp(7);
    expect([g.rc, g.msiaHi, g.msiaLo, g.noi]).toEqual([CLP_RC_OK, 0xfe000000, 0, 32]);
    expect(m.clpQueryPciFnGrp(99).rc).toBe(0x010b);
  });
});
