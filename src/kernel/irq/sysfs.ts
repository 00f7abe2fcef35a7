// SPDX-License-Identifier: GPL-2.0-only
/**
 * /sys/kernel/irq/<n>/ (kernel/irq/irqdesc.c, CONFIG_SPARSE_IRQ + CONFIG_SYSFS): the
 * read-only attributes of every descriptor. The directory exists while the descriptor
 * does and kobject_add() succeeded, which the kernel records as IRQS_SYSFS in istate
 * (irq_sysfs_add() / irq_sysfs_del()).
 */
import type { IrqDesc } from '../../include/linux/irq.ts';
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Kernel } from '../kernel.ts';
import { IRQD_LEVEL, IRQD_WAKEUP_STATE, IRQS_SYSFS } from './internals.ts';
import {
  actionsOf,
  chipOf,
  hwirqDec,
  irqDescKstatCpu,
  irqToDesc,
  lsSort,
  possibleCpus,
  u32,
} from './proc.ts';

export type SysIrqAttr = 'per_cpu_count' | 'chip_name' | 'hwirq' | 'type' | 'wakeup' | 'name' | 'actions';

/** irq_attrs[] in order */
export const SYS_IRQ_ATTRS: readonly SysIrqAttr[] = [
  'per_cpu_count',
  'chip_name',
  'hwirq',
  'type',
  'wakeup',
  'name',
  'actions',
];

export const FP_IRQ_SYSFS_KOBJECT_ADD = declareFailurePoint(
  'irq_sysfs_add',
  'irq_sysfs_add',
  'kernel',
  'kobject_add() fails: pr_warn, no /sys/kernel/irq/<n>, IRQS_SYSFS stays clear',
);

interface SysIrqState {
  /** irq_kobj_base exists (irq_sysfs_init() ran). */
  kobjBase: boolean;
}
const sysState = new WeakMap<Kernel, SysIrqState>();

/**
 * kernel: irq_sysfs_init() — creates /sys/kernel/irq and adds the descriptors allocated so far.
 * A kernel model that never calls it (nor irqSysfsAdd) gets the directory derived: one entry per
 * descriptor, as in any booted system.
 */
export function irqSysfsInit(k: Kernel): number {
  sysState.set(k, { kobjBase: true });
  for (let irq = 0; irq < k.irqDescs.length; irq++) {
    const desc = irqToDesc(k, irq);
    if (desc) irqSysfsAdd(k, irq, desc);
  }
  return 0;
}

// kernel: irq_sysfs_add() — called by alloc_descs() after irq_insert_desc().
export function irqSysfsAdd(k: Kernel, irq: number, desc: IrqDesc): void {
  let st = sysState.get(k);
  if (!st) {
    // First use of the hooks: a booted kernel already has irq_kobj_base.
    st = { kobjBase: true };
    sysState.set(k, st);
  }
  if (!st.kobjBase) return;
  if (k.sim.faults.shouldFail(FP_IRQ_SYSFS_KOBJECT_ADD)) {
    k.sim.log.printk('warning', `Failed to add kobject for irq ${irq}`);
    return;
  }
  desc.istate |= IRQS_SYSFS;
}

// kernel: irq_sysfs_del() — kobject_del() only if the add succeeded.
export function irqSysfsDel(_k: Kernel, desc: IrqDesc): void {
  if (desc.istate & IRQS_SYSFS) desc.istate &= ~IRQS_SYSFS;
}

/** Model only: the boot phase before irq_sysfs_init() (descriptors get no sysfs entry yet). */
export function irqSysfsEarlyBoot(k: Kernel): void {
  sysState.set(k, { kobjBase: false });
}

function sysDesc(k: Kernel, virq: number): IrqDesc | null {
  const desc = irqToDesc(k, virq);
  if (!desc) return null;
  // With the hooks in use, the kernel's own record decides; without them, every descriptor.
  if (sysState.has(k)) return desc.istate & IRQS_SYSFS ? desc : null;
  return desc;
}

/**
 * cat /sys/kernel/irq/<virq>/<attr> (kernel: per_cpu_count_show, chip_name_show, hwirq_show,
 * type_show, wakeup_show, name_show, actions_show). An attribute that emits nothing reads as
 * "" (e.g. hwirq without a domain); null = no such directory.
 */
export function renderSysIrq(k: Kernel, virq: number, attr: SysIrqAttr): string | null {
  const desc = sysDesc(k, virq);
  if (!desc) return null;
  const data = desc.irqData;
  const state = desc.irqCommonData.stateUseAccessors;
  switch (attr) {
    case 'per_cpu_count':
      return `${possibleCpus(k)
        .map((c) => u32(irqDescKstatCpu(desc, c)))
        .join(',')}\n`;
    case 'chip_name': {
      const chip = chipOf(data);
      return chip?.name ? `${chip.name}\n` : '';
    }
    case 'hwirq':
      return data.domain ? `${hwirqDec(data)}\n` : '';
    case 'type':
      return state & IRQD_LEVEL ? 'level\n' : 'edge\n';
    case 'wakeup':
      return state & IRQD_WAKEUP_STATE ? 'enabled\n' : 'disabled\n';
    case 'name':
      return desc.name ? `${desc.name}\n` : '';
    case 'actions': {
      const names = actionsOf(desc).map((a) => a.name);
      return names.length ? `${names.join(',')}\n` : '';
    }
  }
}

/** `ls /sys/kernel/irq`: one directory per descriptor with IRQS_SYSFS, in ls order. */
export function listSysIrq(k: Kernel): string[] {
  const out: string[] = [];
  for (let irq = 0; irq < k.irqDescs.length; irq++) if (sysDesc(k, irq)) out.push(String(irq));
  return lsSort(out);
}
