// SPDX-License-Identifier: GPL-2.0-only
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CPU_RST,
  doIoIrq,
  EXT_INTERRUPT,
  IO_INTERRUPT,
  IRQCLASS_SUB_DESC_6_1,
  IRQCLASS_SUB_DESC_7_2,
  IRQIO_MSI,
  IRQIO_PCF,
  incIrqStat,
  initIRQ,
  irqStatCpu,
  NR_ARCH_IRQS,
  renderIrqClassLines,
  s390IrqState,
  setIrqClassTable,
  THIN_INTERRUPT,
} from '../../../src/arch/s390/kernel/irq.ts';
import { renderProcInterrupts } from '../../../src/arch/s390/kernel/show_interrupts.ts';
import {
  airqStructInit,
  PCI_ISC,
  registerAdapterInterrupt,
  setKernelPhysMem,
} from '../../../src/drivers/s390/cio/airq.ts';
import { TpiInfo } from '../../../src/hw/s390x/cpu.ts';
import type { Machine } from '../../../src/hw/s390x/machine.ts';
import { PhysMem } from '../../../src/hw/s390x/memory.ts';
import type { IrqChip } from '../../../src/include/linux/irq.ts';
import { irqAllocDescs, irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import { Kernel } from '../../../src/kernel/kernel.ts';
import { Sim } from '../../../src/sim/sim.ts';

const FIX = new URL('../../fixtures/captures/', import.meta.url);
function fixture(name: string): string {
  return readFileSync(new URL(name, FIX), 'utf8');
}

function boot(nrCpuIds = 2): { k: Kernel; mem: PhysMem } {
  const k = new Kernel(new Sim(1), { nrCpuIds });
  const mem = new PhysMem();
  setKernelPhysMem(k, mem);
  return { k, mem };
}

/** Load the per-CPU counts of the class lines of a capture into irq_stat. */
function loadClassCounts(k: Kernel, text: string, table: typeof IRQCLASS_SUB_DESC_7_2): void {
  const st = s390IrqState(k).irqStat;
  for (const line of text.split('\n')) {
    const m = /^(\w{3}):((?:\s+\d+)+)/.exec(line);
    if (!m) continue;
    const row = table.find((r) => r.name === m[1]);
    expect(row, m[1]).toBeDefined();
    m[2]!
      .trim()
      .split(/\s+/)
      .forEach((v, cpu) => {
        st[cpu * NR_ARCH_IRQS + row!.irq] = Number(v);
      });
  }
}

describe('interrupt classes', () => {
  it('the sub-class tables have the kernel order, names and texts', () => {
    expect(IRQCLASS_SUB_DESC_7_2.length).toBe(33);
    expect(IRQCLASS_SUB_DESC_6_1.length).toBe(33);
    const pci = IRQCLASS_SUB_DESC_7_2.filter((c) => ['PCF', 'PCD', 'MSI'].includes(c.name));
    expect(pci.map((c) => `${c.name} ${c.desc}`)).toEqual([
      'PCF [AIO] PCI Floating Interrupt',
      'PCD [AIO] PCI Directed Interrupt',
      'MSI [AIO] MSI Interrupt',
    ]);
    expect(IRQCLASS_SUB_DESC_7_2.map((c) => c.name).includes('LCS')).toBe(false);
    expect(IRQCLASS_SUB_DESC_6_1.map((c) => c.name).includes('WTI')).toBe(false);
    expect(IRQCLASS_SUB_DESC_7_2.at(-1)!.irq).toBe(CPU_RST);
  });

  it('inc_irq_stat counts on the current CPU only', () => {
    const { k } = boot(4);
    k.currentCpu = 3;
    incIrqStat(k, IRQIO_MSI);
    incIrqStat(k, IRQIO_MSI);
    k.currentCpu = 1;
    incIrqStat(k, IRQIO_PCF);
    expect([0, 1, 2, 3].map((c) => irqStatCpu(k, c, IRQIO_MSI))).toEqual([0, 0, 0, 2]);
    expect([0, 1, 2, 3].map((c) => irqStatCpu(k, c, IRQIO_PCF))).toEqual([0, 1, 0, 0]);
  });
});

describe('renderIrqClassLines (golden, real captures)', () => {
  it('Linux 7.2, before module load', () => {
    const { k } = boot(2);
    const want = fixture('k72-irqclass-lines-before-load.txt');
    loadClassCounts(k, want, IRQCLASS_SUB_DESC_7_2);
    expect(renderIrqClassLines(k)).toBe(want);
  });

  it('Linux 7.2, after module load', () => {
    const { k } = boot(2);
    const want = fixture('k72-irqclass-lines-after-load.txt');
    loadClassCounts(k, want, IRQCLASS_SUB_DESC_7_2);
    expect(renderIrqClassLines(k)).toBe(want);
  });

  it('Linux 6.1 table (LCS, no WTI)', () => {
    const { k } = boot(2);
    setIrqClassTable(k, '6.1');
    const want = fixture('k61-irqclass-lines-before-load.txt');
    loadClassCounts(k, want, IRQCLASS_SUB_DESC_6_1);
    expect(renderIrqClassLines(k)).toBe(want);
  });

  it('prints only online CPUs', () => {
    const k = new Kernel(new Sim(1), { nrCpuIds: 3, online: [0, 2] });
    k.currentCpu = 2;
    incIrqStat(k, IRQIO_MSI);
    const msi = renderIrqClassLines(k)
      .split('\n')
      .find((l) => l.startsWith('MSI:'));
    expect(msi).toBe('MSI:          0          1   [AIO] MSI Interrupt');
  });

  it('the whole /proc/interrupts of the 7.2 capture, with init_IRQ and the class lines', () => {
    const { k } = boot(2);
    initIRQ(k);
    const want = fixture('k72-proc-interrupts-before-load.txt');
    const lines = want.split('\n');
    // main classes: kstat of IRQ 0/1/2
    const main = [EXT_INTERRUPT, IO_INTERRUPT, THIN_INTERRUPT];
    for (let i = 0; i < 3; i++) {
      const counts = lines[i + 1]!.slice(4).trim().split(/\s+/).map(Number);
      const d = irqToDesc(k, main[i]!)!;
      counts.forEach((v, cpu) => {
        d.kstatIrqs[cpu] = v;
      });
    }
    // dynamic IRQs 3..10: chip name and first action name as captured
    for (const line of lines.slice(4, 12)) {
      const m = /^\s*(\d+):\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)$/.exec(line)!;
      const irq = irqAllocDescs(k, Number(m[1]), 0, 1);
      expect(irq).toBe(Number(m[1]));
      const d = irqToDesc(k, irq)!;
      d.irqData.chip = { name: m[4]!, flags: 0 } as IrqChip;
      d.kstatIrqs[0] = Number(m[2]);
      d.kstatIrqs[1] = Number(m[3]);
      d.action = { handler: () => 1, devId: null, flags: 0, name: m[5]!, irq, next: null } as never;
    }
    loadClassCounts(k, lines.slice(12).join('\n'), IRQCLASS_SUB_DESC_7_2);
    expect(renderProcInterrupts(k, renderIrqClassLines)).toBe(want);
  });
});

describe('do_io_irq', () => {
  function adapterTpi(isc: number, directed = false): TpiInfo {
    const t = new TpiInfo();
    t.setAdapter(isc, directed);
    return t;
  }

  it('enters interrupt context on the CPU, dispatches AIO -> do_airq_interrupt, counts, and returns', () => {
    const { k, mem } = boot(2);
    initIRQ(k);
    const seen: string[] = [];
    const airq = airqStructInit((kk, _a, t) => {
      seen.push(
        `cpu${kk.currentCpu} hardirq${kk.hardirqCount} isc${t.isc} ${t.directed ? 'directed' : 'floating'}`,
      );
    }, PCI_ISC);
    expect(registerAdapterInterrupt(k, airq)).toBe(0);
    mem.u8[airq.lsiPtr] = 1;
    doIoIrq(k, 1, adapterTpi(2));
    doIoIrq(k, 1, adapterTpi(2, true));
    doIoIrq(k, 0, adapterTpi(3)); // no handler on ISC 3: still one AIO
    expect(seen).toEqual(['cpu1 hardirq1 isc2 floating', 'cpu1 hardirq1 isc2 directed']);
    expect(k.currentCpu).toBe(0);
    expect(k.hardirqCount).toBe(0);
    const aio = irqToDesc(k, THIN_INTERRUPT)!;
    expect([aio.kstatIrqs[0], aio.kstatIrqs[1]]).toEqual([1, 2]);
    expect(irqToDesc(k, IO_INTERRUPT)!.kstatIrqs[0]).toBe(0);
  });

  it('a subchannel interruption (adapter_IO = 0) goes to IRQ 1 "I/O"', () => {
    const { k } = boot(2);
    initIRQ(k);
    doIoIrq(k, 0, new TpiInfo());
    expect(irqToDesc(k, IO_INTERRUPT)!.kstatIrqs[0]).toBe(1);
    expect(irqToDesc(k, THIN_INTERRUPT)!.kstatIrqs[0]).toBe(0);
  });

  it('on LPAR it loops while TPI dequeues more interruptions: one AIO per interruption', () => {
    const { k, mem } = boot(2);
    initIRQ(k);
    let n = 0;
    const airq = airqStructInit(() => {
      n++;
    }, PCI_ISC);
    registerAdapterInterrupt(k, airq);
    mem.u8[airq.lsiPtr] = 1;
    const queued = [adapterTpi(2), adapterTpi(2)];
    const fake = { isLpar: true, tpi: () => queued.shift() ?? null };
    s390IrqState(k).machine = fake as unknown as Machine;
    doIoIrq(k, 1, adapterTpi(2));
    expect(n).toBe(3);
    expect(irqToDesc(k, THIN_INTERRUPT)!.kstatIrqs[1]).toBe(3);
    (fake as { isLpar: boolean }).isLpar = false;
    queued.push(adapterTpi(2));
    doIoIrq(k, 1, adapterTpi(2));
    expect(n).toBe(4); // under z/VM or KVM: one interruption per entry
  });

  it('nested entry on another CPU restores the interrupted CPU and its hardirq depth', () => {
    const { k, mem } = boot(2);
    initIRQ(k);
    const log: string[] = [];
    let nested = false;
    const airq = airqStructInit((kk) => {
      log.push(`in cpu${kk.currentCpu} depth${kk.hardirqCount}`);
      if (!nested) {
        nested = true;
        doIoIrq(kk, 1, adapterTpi(2)); // CPU 1 takes one while CPU 0 is inside its handler
        log.push(`back cpu${kk.currentCpu} depth${kk.hardirqCount}`);
      }
    }, PCI_ISC);
    registerAdapterInterrupt(k, airq);
    mem.u8[airq.lsiPtr] = 1;
    doIoIrq(k, 0, adapterTpi(2));
    expect(log).toEqual(['in cpu0 depth1', 'in cpu1 depth1', 'back cpu0 depth1']);
    expect(k.hardirqCount).toBe(0);
  });
});
