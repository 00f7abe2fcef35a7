// SPDX-License-Identifier: GPL-2.0-only
/**
 * CPU hotplug as far as interrupts go (kernel/irq/cpuhotplug.c, kernel 6.19): when a
 * CPU goes offline its interrupts move to the remaining online CPUs of their
 * affinity (or to any online CPU, "broke affinity"), and managed interrupts whose
 * mask has no online CPU left are shut down; when it comes back, managed interrupts
 * that include it are started again and their affinity restored.
 */
import {
  type Cpumask,
  cpumaskAnd,
  cpumaskClearCpu,
  cpumaskCopy,
  cpumaskCreate,
  cpumaskEmpty,
  cpumaskSetCpu,
  cpumaskTestCpu,
} from '../../include/linux/cpumask.ts';
import type { IrqDesc } from '../../include/linux/irq.ts';
import type { Kernel } from '../kernel.ts';
import { irqShutdownAndDeactivate, irqStartup } from './chip.ts';
import { IRQD_AFFINITY_MANAGED, IRQD_IRQ_STARTED, IRQD_MANAGED_SHUTDOWN, IRQD_PER_CPU } from './internals.ts';
import { irqDoSetAffinity } from './manage.ts';

const scratch: Cpumask = cpumaskCreate();

// kernel: migrate_one_irq() — returns true when the affinity was broken.
function migrateOneIrq(k: Kernel, desc: IrqDesc, cpu: number): boolean {
  const d = desc.irqData;
  const c = desc.irqCommonData;
  if (c.stateUseAccessors & IRQD_PER_CPU || !(c.stateUseAccessors & IRQD_IRQ_STARTED)) return false;
  if (!cpumaskTestCpu(cpu, c.effectiveAffinity) && !cpumaskTestCpu(cpu, c.affinity)) return false;
  if (!cpumaskAnd(scratch, c.affinity, k.cpuOnlineMask)) {
    if (c.stateUseAccessors & IRQD_AFFINITY_MANAGED) {
      // Managed: no online CPU left in its mask: shut it down until one returns.
      c.stateUseAccessors |= IRQD_MANAGED_SHUTDOWN;
      irqShutdownAndDeactivate(k, desc);
      return false;
    }
    cpumaskCopy(scratch, k.cpuOnlineMask);
    const err = irqDoSetAffinity(k, d, scratch, true);
    if (err < 0) {
      k.sim.log.printk('debug', `IRQ${d.irq}: set affinity failed(${err}).`);
      return false;
    }
    return true;
  }
  const err = irqDoSetAffinity(k, d, scratch, true);
  if (err < 0) k.sim.log.printk('debug', `IRQ${d.irq}: set affinity failed(${err}).`);
  return false;
}

// kernel: irq_migrate_all_off_this_cpu() + the cpu_online_mask update of takedown_cpu()
export function irqMigrateAllOffCpu(k: Kernel, cpu: number): void {
  cpumaskClearCpu(cpu, k.cpuOnlineMask);
  for (let irq = 0; irq < k.irqDescs.length; irq++) {
    const desc = k.irqDescs[irq];
    if (!desc) continue;
    if (migrateOneIrq(k, desc, cpu)) {
      k.sim.log.printk('warning', `IRQ ${irq}: no longer affine to CPU${cpu}`);
    }
  }
}

// kernel: irq_affinity_online_cpu() — restore managed interrupts that include `cpu`.
export function irqAffinityOnlineCpu(k: Kernel, cpu: number): void {
  cpumaskSetCpu(cpu, k.cpuOnlineMask);
  for (let irq = 0; irq < k.irqDescs.length; irq++) {
    const desc = k.irqDescs[irq];
    if (!desc) continue;
    const c = desc.irqCommonData;
    if (!(c.stateUseAccessors & IRQD_AFFINITY_MANAGED) || !desc.action) continue;
    if (!cpumaskTestCpu(cpu, c.affinity)) continue;
    if (c.stateUseAccessors & IRQD_MANAGED_SHUTDOWN) {
      // kernel: irq_restore_affinity_of_irq() -> irq_startup(desc, IRQ_RESEND, IRQ_START_COND)
      c.stateUseAccessors &= ~IRQD_MANAGED_SHUTDOWN;
      irqStartup(k, desc, true, false);
    } else if (!cpumaskEmpty(c.affinity)) {
      cpumaskAnd(scratch, c.affinity, k.cpuOnlineMask);
      irqDoSetAffinity(k, desc.irqData, scratch, false);
    }
  }
}
