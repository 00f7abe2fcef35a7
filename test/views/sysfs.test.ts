// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { renderProcInterrupts } from '../../src/arch/s390/kernel/show_interrupts.ts';
import { listMsiIrqs, renderMsiIrq, renderMsiIrqsDir } from '../../src/drivers/pci/msi/sysfs.ts';
import type { Device } from '../../src/include/linux/device.ts';
import {
  irqSysfsAdd,
  irqSysfsDel,
  irqSysfsEarlyBoot,
  irqSysfsInit,
  listSysIrq,
  renderSysIrq,
} from '../../src/kernel/irq/sysfs.ts';
import { dropClassLines, golden, goldenLines, subst } from './golden.ts';
import {
  buildZpci,
  lsColumns,
  probeFunction,
  removeFunction,
  setCounts,
  type ZpciState,
} from './zpci-state.ts';

// init.sh: for each d of /sys/kernel/irq: printf "irq %s: chip=%s hwirq=%s name=%s type=%s actions=%s per_cpu=%s\n" ...
function sysIrqSummary(st: ZpciState): string {
  const { k } = st;
  let out = '';
  for (const n of listSysIrq(k)) {
    const v = Number(n);
    out +=
      `irq ${n}: chip=${subst(renderSysIrq(k, v, 'chip_name'))} hwirq=${subst(renderSysIrq(k, v, 'hwirq'))}` +
      ` name=${subst(renderSysIrq(k, v, 'name'))} type=${subst(renderSysIrq(k, v, 'type'))}` +
      ` actions=${subst(renderSysIrq(k, v, 'actions'))} per_cpu=${subst(renderSysIrq(k, v, 'per_cpu_count'))}\n`;
  }
  return out;
}

describe('/sys/kernel/irq/<n>/ (irqdesc.c attributes)', () => {
  it('matches Linux 7.2: chip_name, hwirq of level 0, empty name, edge, actions, per_cpu_count', () => {
    const st = buildZpci(true);
    setCounts(st.k, { 0: [1068, 1041], 2: [1, 5], 4: [1, 4], 7: [0, 1] });
    expect(sysIrqSummary(st)).toBe(golden('k72-sys-kernel-irq.txt'));
  });

  it('matches Linux 6.1: legacy descriptors have no domain, so hwirq is empty', () => {
    const st = buildZpci(false);
    setCounts(st.k, { 0: [924, 992], 2: [1, 1], 4: [1, 0], 7: [0, 1] });
    expect(sysIrqSummary(st)).toBe(golden('k61-sys-kernel-irq.txt'));
  });

  it('prints exactly the kernel formats (trailing newline, empty attributes, level, wakeup)', () => {
    const st = buildZpci(true);
    const { k } = st;
    const d = k.irqDescs[4]!;
    expect(renderSysIrq(k, 4, 'wakeup')).toBe('disabled\n');
    expect(renderSysIrq(k, 4, 'hwirq')).toBe('1\n');
    expect(renderSysIrq(k, 0, 'hwirq')).toBe('');
    expect(renderSysIrq(k, 4, 'name')).toBe('');
    d.irqCommonData.stateUseAccessors |= (1 << 13) | (1 << 14); // IRQD_LEVEL | IRQD_WAKEUP_STATE
    d.name = 'edge';
    d.action!.next = { ...d.action!, name: 'second', next: null };
    d.irqData.hwirqHi = 1;
    expect(renderSysIrq(k, 4, 'type')).toBe('level\n');
    expect(renderSysIrq(k, 4, 'wakeup')).toBe('enabled\n');
    expect(renderSysIrq(k, 4, 'name')).toBe('edge\n');
    expect(renderSysIrq(k, 4, 'actions')).toBe('virtio0-input,second\n');
    expect(renderSysIrq(k, 4, 'hwirq')).toBe('4294967297\n');
    d.action = null;
    expect(renderSysIrq(k, 4, 'actions')).toBe('');
    expect(renderSysIrq(k, 42, 'type')).toBeNull();
  });

  it('lists one directory per descriptor; with the irqdesc hooks, IRQS_SYSFS decides', () => {
    const g = goldenLines('k72-remove.txt');
    const st = buildZpci(true);
    removeFunction(st, st.fns[2]!);
    expect(listSysIrq(st.k)).toEqual(lsColumns([g[13]!]));
    const { k } = st;
    irqSysfsEarlyBoot(k);
    for (const d of k.irqDescs) if (d) d.istate = 0;
    expect(listSysIrq(k)).toEqual([]);
    irqSysfsAdd(k, 3, k.irqDescs[3]!); // before irq_sysfs_init(): no kobject
    expect(k.irqDescs[3]!.istate).toBe(0);
    expect(irqSysfsInit(k)).toBe(0);
    expect(listSysIrq(k)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(k.irqDescs[5]!.istate).toBe(0x4000);
    irqSysfsDel(k, k.irqDescs[5]!);
    expect(renderSysIrq(k, 5, 'chip_name')).toBeNull();
    // kobject_add() failure: a warning, no directory
    k.sim.faults.arm('irq_sysfs_add');
    irqSysfsAdd(k, 5, k.irqDescs[5]!);
    expect(k.irqDescs[5]!.istate).toBe(0);
    expect(k.sim.log.lines.at(-1)?.text).toBe('Failed to add kobject for irq 5');
    irqSysfsAdd(k, 5, k.irqDescs[5]!);
    expect(renderSysIrq(k, 5, 'chip_name')).toBe('PCI-MSIX-0002:00:00.0\n');
  });
});

// init.sh: echo "msi_irqs:"; for each file i of $d/msi_irqs: echo "  <name> -> $(cat $i)"
function msiIrqsBlock(st: ZpciState, dev: Device): string {
  let out = 'msi_irqs:\n';
  for (const { name, content } of renderMsiIrqsDir(st.k, dev)) out += `  ${name} -> ${subst(content)}\n`;
  return out;
}

describe('/sys/bus/pci/devices/<dev>/msi_irqs/ (msi_mode_show)', () => {
  it('matches Linux 7.2 for the three functions (ls order: 10 before 8)', () => {
    const st = buildZpci(true);
    expect(st.fns.map((f) => msiIrqsBlock(st, f.dev)).join('')).toBe(golden('k72-msi-irqs.txt'));
  });

  it('matches the rescan section: removal drops the directory, re-probe restores the same virqs', () => {
    const g = goldenLines('k72-rescan.txt');
    const st = buildZpci(true);
    const fn = st.fns[2]!;
    removeFunction(st, fn);
    expect(listMsiIrqs(st.k, fn.dev)).toBeNull();
    probeFunction(st, fn, true);
    const lines = st.fns.map(
      (f) =>
        `/sys/bus/pci/devices/${f.bdf} msi_irqs: ${(listMsiIrqs(st.k, f.dev) ?? []).map((n) => `${n} `).join('')}`,
    );
    expect(lines).toEqual(g.slice(17, 20));
    // and the rest of the section that comes from these views: /proc/interrupts (filtered) ...
    setCounts(st.k, {
      0: [16989, 9247],
      2: [11676, 18977],
      4: [3421, 5213],
      6: [3773, 2227],
      7: [5057, 11951],
    });
    const classes = g
      .slice(12, 15)
      .map((l) => `${l}\n`)
      .join('');
    expect(dropClassLines(renderProcInterrupts(st.k, classes)).split('\n').slice(0, 15)).toEqual(
      g.slice(0, 15),
    );
    // ... ls /sys/kernel/irq and the per-irq summary
    expect(listSysIrq(st.k)).toEqual(lsColumns([g[16]!]));
    const summary = listSysIrq(st.k).map(
      (n) =>
        `irq ${n}: chip=${subst(renderSysIrq(st.k, Number(n), 'chip_name'))} hwirq=${subst(renderSysIrq(st.k, Number(n), 'hwirq'))} actions=${subst(renderSysIrq(st.k, Number(n), 'actions'))}`,
    );
    expect(summary).toEqual(g.slice(20, 31));
  });

  it('reads "msi" when MSI-X is not enabled and follows the MSI core records when present', () => {
    const st = buildZpci(true);
    const dev = st.fns[1]!.dev;
    (dev as Device & { owner: unknown }).owner = { msixEnabled: false };
    expect(renderMsiIrq(st.k, dev, 5)).toBe('msi\n');
    expect(renderMsiIrq(st.k, dev, 3)).toBeNull();
    dev.sysfs = new Map([['msi_irqs', ['7', '5']]]);
    expect(listMsiIrqs(st.k, dev)).toEqual(['5', '7']);
    expect(renderMsiIrq(st.k, dev, 6)).toBeNull();
    dev.sysfs = new Map();
    expect(listMsiIrqs(st.k, dev)).toBeNull();
  });
});
