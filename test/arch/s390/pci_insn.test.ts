// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { s390AttachMachine } from '../../../src/arch/s390/kernel/irq.ts';
import {
  pciInsnState,
  SIC_IRQ_MODE_ALL,
  SIC_IRQ_MODE_SINGLE,
  ZPCI_MOD_FC_DEREG_INT,
  ZPCI_PCI_LS_ERR,
  ZPCI_PCI_LS_INVAL_HANDLE,
  type ZpciStatus,
  zpciCreateReq,
  zpciModFc,
  zpciSetIrqCtrl,
} from '../../../src/arch/s390/pci/pci_insn.ts';
import { kernelPhysMem } from '../../../src/drivers/s390/cio/airq.ts';
import { AIS_ALL, AIS_SINGLE_ARMED } from '../../../src/hw/s390x/flic.ts';
import { Machine, type MachineConfig } from '../../../src/hw/s390x/machine.ts';
import { PhysMem } from '../../../src/hw/s390x/memory.ts';
import { EIO } from '../../../src/include/linux/errno.ts';
import { Kernel } from '../../../src/kernel/kernel.ts';
import { KernelOops } from '../../../src/sim/findings.ts';
import { Sim } from '../../../src/sim/sim.ts';

function boot(cfg: Partial<MachineConfig> = {}): { k: Kernel; m: Machine; mem: PhysMem } {
  const sim = new Sim(1);
  const mem = new PhysMem();
  const m = new Machine(sim, mem, { nrCpus: 2, ...cfg });
  const k = new Kernel(sim, { nrCpuIds: 2 });
  s390AttachMachine(k, m);
  return { k, m, mem };
}

describe('zpci_set_irq_ctrl', () => {
  it('issues SIC on the current CPU and returns 0', () => {
    const { k, m } = boot();
    expect(zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, 2, null)).toBe(0);
    expect(m.flic.aisMode[2]).toBe(AIS_SINGLE_ARMED);
    expect(zpciSetIrqCtrl(k, SIC_IRQ_MODE_ALL, 2)).toBe(0);
    expect(m.flic.aisMode[2]).toBe(AIS_ALL);
    expect(m.programChecks).toEqual([]);
  });

  it('returns -EIO without facility 72 and issues nothing', () => {
    const { k, m } = boot({ facilities: [] });
    expect(zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, 2, null)).toBe(-EIO);
    expect(m.programChecks).toEqual([]);
  });

  it('a program check in kernel mode is an Oops', () => {
    const { k } = boot();
    expect(() => zpciSetIrqCtrl(k, 99, 2, null)).toThrow(KernelOops);
    expect(k.sim.findings.count('Oops')).toBe(1);
  });

  it('serializes a diib for SIC DIRECT (isc in MSB-0 bits 1-3, nr_cpus, disb_addr)', () => {
    const { k, m, mem } = boot({ hasDirq: true });
    const disb = mem.alloc(8, 8, 'disb');
    expect(zpciSetIrqCtrl(k, 4, 0, { kind: 'diib', isc: 2, nrCpus: 2, disbAddr: disb })).toBe(0);
    expect(m.directed.enabled).toBe(true);
    expect(m.directed.isc).toBe(2);
    expect(m.directed.nrCpus).toBe(2);
    expect(m.directed.disbAddr).toBe(disb);
    const iib = pciInsnState(k).iib;
    expect(mem.u8[iib]).toBe(0x20);
    // the next SIC passes a zeroed iib again
    expect(zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, 2, null)).toBe(0);
    expect([...mem.u8.slice(iib, iib + 16)].every((b) => b === 0)).toBe(true);
  });
});

describe('zpci_mod_fc', () => {
  it('ZPCI_CREATE_REQ puts the handle in the upper word', () => {
    expect(zpciCreateReq(0x80000011, 0, ZPCI_MOD_FC_DEREG_INT)).toBe(0x8000001100000003n);
  });

  it('retries busy (msleep 1 each), logs level 1 on the first retry and on the final result', () => {
    const { k, m } = boot();
    const fn = m.addFunction({ fid: 0x10 });
    const r = m.clpSetPciFn(fn.fh, 1, 0);
    expect(r.rc).toBe(0x10);
    fn.busyCount = 2;
    const out: ZpciStatus = { status: 0 };
    const fibAddr = kernelPhysMem(k).alloc(80, 8, 'fib');
    const t0 = k.sim.time;
    // DEREG_INT of a function without registration: cc 1, status 24
    const cc = zpciModFc(k, zpciCreateReq(r.fh, 0, ZPCI_MOD_FC_DEREG_INT), fibAddr, out);
    expect(cc).toBe(ZPCI_PCI_LS_ERR);
    expect(out.status).toBe(24);
    expect(k.sim.time - t0).toBe(2_000_000);
    const log = pciInsnState(k).errLog.map((e) => `${e.level} ${e.insn} cc${e.cc} st${e.status}`);
    expect(log).toEqual(['1 M cc2 st0', '0 M cc1 st24']);
  });

  it('a stale FH: cc 3 at once, one level-0 entry and no sleep', () => {
    const { k, m, mem } = boot();
    const fn = m.addFunction({ fid: 0x20 });
    const fh = m.clpSetPciFn(fn.fh, 1, 0).fh;
    const fibAddr = mem.alloc(80, 8, 'fib');
    const out: ZpciStatus = { status: 0 };
    const t0 = k.sim.time;
    expect(
      zpciModFc(
        k,
        zpciCreateReq(fn.fh === fh ? fh ^ 0x100 : fn.fh ^ 0x100, 0, ZPCI_MOD_FC_DEREG_INT),
        fibAddr,
        out,
      ),
    ).toBe(ZPCI_PCI_LS_INVAL_HANDLE);
    expect(k.sim.time).toBe(t0);
    expect(pciInsnState(k).errLog.map((e) => `${e.level} ${e.insn} cc${e.cc}`)).toEqual(['0 M cc3']);
  });
});
