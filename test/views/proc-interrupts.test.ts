// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import {
  renderInterruptsHeader,
  renderProcInterrupts,
  showInterruptsIndex,
  showMsiInterrupt,
} from '../../src/arch/s390/kernel/show_interrupts.ts';
import { Kernel } from '../../src/kernel/kernel.ts';
import { Sim } from '../../src/sim/sim.ts';
import { classLinesOf, dropClassLines, golden, goldenLines } from './golden.ts';
import { buildZpci, removeFunction, setCounts } from './zpci-state.ts';

describe('s390 /proc/interrupts (show_interrupts, show_msi_interrupt)', () => {
  it('matches Linux 7.2 before module load line for line', () => {
    const g = golden('k72-proc-interrupts-before-load.txt');
    const { k } = buildZpci(true);
    setCounts(k, { 0: [191, 190], 1: [0, 0], 2: [1, 2], 4: [1, 1], 7: [0, 1] });
    const out = renderProcInterrupts(k, classLinesOf(g));
    expect(out.split('\n')).toEqual(g.split('\n'));
    expect(out).toBe(g);
  });

  it('matches Linux 7.2 after module load, class lines given as a callback', () => {
    const g = golden('k72-proc-interrupts-after-load.txt');
    const { k } = buildZpci(true);
    setCounts(k, { 0: [706, 714], 2: [1, 4], 4: [1, 3], 7: [0, 1] });
    let calls = 0;
    const out = renderProcInterrupts(k, (kk) => {
      calls++;
      expect(kk).toBe(k);
      return classLinesOf(g);
    });
    expect(out).toBe(g);
    expect(calls).toBe(1);
  });

  it('matches Linux 6.1 (legacy zpci_irq_chip "PCI-MSI") line for line', () => {
    const g = golden('k61-proc-interrupts-before-load.txt');
    const { k } = buildZpci(false);
    setCounts(k, { 0: [183, 185], 2: [1, 1], 4: [1, 0], 7: [0, 1] });
    expect(renderProcInterrupts(k, classLinesOf(g))).toBe(g);
  });

  it('drops the lines of freed virqs but keeps nr_irqs (7.2 after removing 0003:00:00.0)', () => {
    const g = goldenLines('k72-remove.txt').slice(0, 12);
    const st = buildZpci(true);
    const { k } = st;
    removeFunction(st, st.fns[2]!);
    expect(k.nrIrqs).toBe(11);
    setCounts(k, {
      0: [16423, 8691],
      2: [11676, 18977],
      4: [3421, 5213],
      6: [3773, 2227],
      7: [5057, 11951],
    });
    const classes = g
      .slice(9)
      .map((l) => `${l}\n`)
      .join('');
    const out = dropClassLines(renderProcInterrupts(k, classes));
    expect(out.split('\n').slice(0, 12)).toEqual(g);
  });

  it('prints the header with one CPU%-8d column per online CPU only', () => {
    const k = new Kernel(new Sim(1), { nrCpuIds: 4, online: [0, 2, 3] });
    expect(renderInterruptsHeader(k)).toBe(`           CPU0       CPU2       CPU3       \n`);
  });

  it('prints a virq without action as count columns plus the chip, nothing for a missing desc', () => {
    const st = buildZpci(true);
    const { k } = st;
    k.irqDescs[4]!.action = null;
    k.irqDescs[4]!.kstatIrqs[1] = 1234567890;
    // "%3d: " + "%10u " per CPU + " %8s"
    expect(showMsiInterrupt(k, 4)).toBe('  4:          0 1234567890  PCI-MSIX-0001:00:00.0\n');
    k.irqDescs[5] = undefined;
    expect(showMsiInterrupt(k, 5)).toBe('');
    // a short chip name is right-aligned in 8 columns
    k.irqDescs[6]!.irqData.chip = { name: 'abc', flags: 0 };
    expect(showMsiInterrupt(k, 6)).toBe('  6:          0          0       abc  virtio1-req.0\n');
  });

  it('walks seq indexes 0..nr_irqs: index 0 prints the header, nr_irqs the class lines', () => {
    const { k } = buildZpci(true);
    expect(showInterruptsIndex(k, 0, 'X\n')).toBe(
      '           CPU0       CPU1       \nEXT:          0          0 \n',
    );
    expect(showInterruptsIndex(k, 1, 'X\n')).toBe('I/O:          0          0 \n');
    expect(showInterruptsIndex(k, 11, 'X\n')).toBe('X\n');
    // EXT/I/O/AIO of a kernel without those descriptors: kstat_irqs_cpu() is 0
    const bare = new Kernel(new Sim(1), { nrCpuIds: 1 });
    bare.nrIrqs = 3;
    expect(renderProcInterrupts(bare, 'CLS\n')).toBe(
      '           CPU0       \nEXT:          0 \nI/O:          0 \nAIO:          0 \nCLS\n',
    );
  });
});
