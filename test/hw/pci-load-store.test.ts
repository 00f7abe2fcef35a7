// SPDX-License-Identifier: GPL-2.0-only
// PCI LOAD / PCI STORE of the configuration space (qemu: pcilg_service_call(), pcistg_service_call()).
import { describe, expect, it } from 'vitest';
import { CLP_SET_DISABLE_PCI_FN } from '../../src/hw/s390x/clp.ts';
import {
  PciLsResult,
  PGM_OPERAND,
  pcilg,
  pcistg,
  ZPCI_MOD_FC_RESET_BLOCK,
  ZPCI_PCI_ST_BLOCKED,
  ZPCI_PCI_ST_INVAL_AS,
  ZPCI_PCIAS_CFGSPC,
  zpciEndianSwap,
} from '../../src/hw/s390x/pci-inst.ts';
import { listFailurePoints } from '../../src/sim/faults.ts';
import { enable, fibZero, makeMachine } from './helpers.ts';

const CFG = ZPCI_PCIAS_CFGSPC;

describe('PCILG / PCISTG on the configuration space', () => {
  it('an enabled function answers cc 0 with the bytes in register order', () => {
    const { m } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10, vendorId: 0x1af4, deviceId: 0x1041 }));
    const out = new PciLsResult();
    expect(pcilg(m, fn.fh, CFG, 4, 0, 0, out)).toBe(0);
    // config space is little-endian: 0x10411af4 is held byte-swapped in R1
    expect(out.data).toBe(0xf41a4110);
    expect(zpciEndianSwap(out.data, 4)).toBe(0x10411af4);
    expect(pcilg(m, fn.fh, CFG, 2, 2, 0, out)).toBe(0);
    expect(zpciEndianSwap(out.data, 2)).toBe(0x1041);
    expect(pcilg(m, fn.fh, CFG, 1, 0, 0, out)).toBe(0);
    expect(out.data).toBe(0xf4);
    // beyond the 4 KiB configuration space: all ones
    expect(pcilg(m, fn.fh, CFG, 4, 0x1000, 0, out)).toBe(0);
    expect(out.data).toBe(0xffffffff);
  });

  it('a store reaches the device only through an enabled handle', () => {
    const { m } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const out = new PciLsResult();
    const cmd = fn.device.configRead16(4);
    // set INTx disable (0x0400) in the command register: register order is big-endian
    expect(pcistg(m, fn.fh, CFG, 2, 4, zpciEndianSwap(cmd | 0x400, 2), 0, out)).toBe(0);
    expect(fn.device.configRead16(4)).toBe(cmd | 0x400);
    const oldFh = fn.fh;
    expect(m.clpSetPciFn(fn.fh, 0, CLP_SET_DISABLE_PCI_FN).rc).toBe(0x10);
    const after = fn.device.configRead16(4); // the disable reset the function
    expect(after & 0x400).toBe(0);
    expect(pcistg(m, oldFh, CFG, 2, 4, zpciEndianSwap(after | 0x400, 2), 0, out)).toBe(3);
    expect(pcistg(m, fn.fh, CFG, 2, 4, zpciEndianSwap(after | 0x400, 2), 0, out)).toBe(3);
    expect(fn.device.configRead16(4)).toBe(after);
  });

  it('disabled (handle without the enable bit) and stale handles: cc 3, R1 unchanged', () => {
    const { m } = makeMachine();
    const fn = m.addFunction({ fid: 0x10 });
    const out = new PciLsResult();
    out.data = 0x12345678;
    expect(pcilg(m, fn.fh, CFG, 4, 0, 0, out)).toBe(3);
    expect(out.data).toBe(0x12345678);
    enable(m, fn);
    const enabledFh = fn.fh;
    expect(m.clpSetPciFn(fn.fh, 0, CLP_SET_DISABLE_PCI_FN).rc).toBe(0x10);
    // the old handle still has the enable bit but names no function any more
    expect(enabledFh & 0x80000000).not.toBe(0);
    expect(pcilg(m, enabledFh, CFG, 4, 0, 0, out)).toBe(3);
    expect(pcilg(m, fn.fh, CFG, 4, 0, 0, out)).toBe(3);
  });

  it('error state: cc 1 status 12 (blocked); after RESET_BLOCK loads work again', () => {
    const { m, mem } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const out = new PciLsResult();
    m.injectError(0x10);
    expect(fn.state).toBe('error');
    expect(pcilg(m, fn.fh, CFG, 4, 0, 0, out)).toBe(1);
    expect(out.status).toBe(ZPCI_PCI_ST_BLOCKED);
    expect(pcistg(m, fn.fh, CFG, 2, 4, 0, 0, out)).toBe(1);
    expect(out.status).toBe(ZPCI_PCI_ST_BLOCKED);
    expect(m.mpcifc(fn.fh, ZPCI_MOD_FC_RESET_BLOCK, fibZero(mem)).cc).toBe(0);
    expect(fn.state).toBe('blocked');
    expect(pcilg(m, fn.fh, CFG, 4, 0, 0, out)).toBe(0);
  });

  it('lengths and address spaces: operand exception, invalid address space', () => {
    const { m } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const out = new PciLsResult();
    expect(pcilg(m, fn.fh, CFG, 3, 0, 1, out)).toBe(-1);
    expect(out.pgm).toBe(PGM_OPERAND);
    expect(pcilg(m, fn.fh, CFG, 4, 2, 1, out)).toBe(-1);
    expect(pcistg(m, fn.fh, CFG, 0, 0, 0, 1, out)).toBe(-1);
    expect(m.programChecks.map((p) => `${p.insn} ${p.code} cpu${p.cpu}`)).toEqual([
      'PCILG 21 cpu1',
      'PCILG 21 cpu1',
      'PCISTG 21 cpu1',
    ]);
    expect(pcilg(m, fn.fh, 14, 4, 0, 0, out)).toBe(1);
    expect(out.status).toBe(ZPCI_PCI_ST_INVAL_AS);
  });

  it('failure points: cc 2 (busy) once, then the same instruction succeeds', () => {
    const { m, sim } = makeMachine();
    const fn = enable(m, m.addFunction({ fid: 0x10 }));
    const out = new PciLsResult();
    sim.faults.arm('pcilg.cc2', 1);
    sim.faults.arm('pcistg.cc2', 1);
    expect(pcilg(m, fn.fh, CFG, 4, 0, 0, out)).toBe(2);
    expect(pcilg(m, fn.fh, CFG, 4, 0, 0, out)).toBe(0);
    const cmd = fn.device.configRead16(4);
    expect(pcistg(m, fn.fh, CFG, 2, 4, zpciEndianSwap(cmd | 0x400, 2), 0, out)).toBe(2);
    expect(fn.device.configRead16(4)).toBe(cmd);
    expect(pcistg(m, fn.fh, CFG, 2, 4, zpciEndianSwap(cmd | 0x400, 2), 0, out)).toBe(0);
    expect(fn.device.configRead16(4)).toBe(cmd | 0x400);
    const names = listFailurePoints()
      .filter((p) => p.name.startsWith('pcilg.') || p.name.startsWith('pcistg.'))
      .map((p) => `${p.name} ${p.layer}`);
    expect(names).toEqual(['pcilg.cc2 firmware', 'pcistg.cc2 firmware']);
  });
});
