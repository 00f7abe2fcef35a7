// SPDX-License-Identifier: GPL-2.0-only
/**
 * Snapshots of kernel views for scenarios and the CLI: each view is the text the
 * kernel would show for that file, with a `cat`-style title. All of them are pure
 * functions of kernel state (src/kernel/irq/{proc,debugfs,sysfs}.ts,
 * src/arch/s390/kernel/show_interrupts.ts, src/drivers/pci/msi/sysfs.ts).
 */
import { renderIrqClassLines } from '../arch/s390/kernel/irq.ts';
import { renderProcInterrupts } from '../arch/s390/kernel/show_interrupts.ts';
import type { ZpciSystem } from '../arch/s390/pci/system.ts';
import { renderMsiIrqsDir } from '../drivers/pci/msi/sysfs.ts';
import { listDebugfsDomains, renderDebugfsDomainFile, renderDebugfsIrq } from '../kernel/irq/debugfs.ts';
import { listProcIrqDir, renderProcIrq } from '../kernel/irq/proc.ts';
import { renderSysIrq, SYS_IRQ_ATTRS } from '../kernel/irq/sysfs.ts';
import type { SnapshotView } from './scenario/schema.ts';

export interface Snapshot {
  readonly title: string;
  readonly text: string;
}

/** Render one view; `irq` is the virq for the per-IRQ views (-1 or null: none). */
export function renderSnapshot(sys: ZpciSystem, view: SnapshotView, irq: number | null): Snapshot {
  const k = sys.k;
  switch (view) {
    case 'proc_interrupts':
      return { title: 'cat /proc/interrupts', text: renderProcInterrupts(k, renderIrqClassLines) };
    case 'debugfs_domains': {
      let text = '';
      for (const name of listDebugfsDomains(k)) {
        text += `==> /sys/kernel/debug/irq/domains/${name} <==\n${renderDebugfsDomainFile(k, name) ?? ''}\n`;
      }
      return { title: 'head /sys/kernel/debug/irq/domains/*', text };
    }
    case 'debugfs_irq': {
      const t = irq !== null && irq >= 0 ? renderDebugfsIrq(k, irq) : null;
      return {
        title: `cat /sys/kernel/debug/irq/irqs/${irq ?? '?'}`,
        text: t ?? `cat: /sys/kernel/debug/irq/irqs/${irq ?? '?'}: No such file or directory\n`,
      };
    }
    case 'proc_irq': {
      let text = '';
      if (irq === null || irq < 0 || !listProcIrqDir(k, irq)) {
        text = `ls: cannot access '/proc/irq/${irq ?? '?'}': No such file or directory\n`;
      } else {
        for (const attr of [
          'smp_affinity',
          'smp_affinity_list',
          'effective_affinity',
          'effective_affinity_list',
          'node',
          'spurious',
        ] as const) {
          const t = renderProcIrq(k, irq, attr);
          if (t !== null) text += `==> /proc/irq/${irq}/${attr} <==\n${t}\n`;
        }
      }
      return { title: `head /proc/irq/${irq ?? '?'}/*`, text };
    }
    case 'sys_irq': {
      let text = '';
      for (const attr of SYS_IRQ_ATTRS) {
        const t = irq !== null && irq >= 0 ? renderSysIrq(k, irq, attr) : null;
        if (t !== null) text += `==> /sys/kernel/irq/${irq}/${attr} <==\n${t}\n`;
      }
      if (text === '')
        text = `ls: cannot access '/sys/kernel/irq/${irq ?? '?'}': No such file or directory\n`;
      return { title: `head /sys/kernel/irq/${irq ?? '?'}/*`, text };
    }
    case 'msi_irqs': {
      let text = '';
      for (const f of sys.machine.functions) {
        const fid = f.fid;
        const p = sys.pdev(fid);
        if (!p) continue;
        for (const e of renderMsiIrqsDir(k, p.dev)) {
          text += `/sys/bus/pci/devices/${p.dev.name}/msi_irqs/${e.name}: ${e.content}`;
        }
      }
      return { title: 'grep . /sys/bus/pci/devices/*/msi_irqs/*', text };
    }
    case 'dmesg':
      return { title: 'dmesg', text: k.sim.log.render() };
  }
}
