// SPDX-License-Identifier: GPL-2.0-only
/**
 * CPU hotplug as far as interrupts go (kernel/irq/cpuhotplug.c, kernel 6.19): when a
 * CPU goes offline its started interrupts whose chip can set affinity move to the
 * remaining online CPUs of their affinity (or to any online CPU, "broke affinity"); the
 * affinity mask itself stays as it was (irq_do_set_affinity gives the chip only its online
 * part). Managed interrupts whose mask has no online CPU left are shut down (irq_shutdown
 * adds a disable level). When a CPU comes back, managed interrupts that include it are
 * started again through irq_startup_managed() (only if no disable_irq level remains) and
 * their affinity is set again.
 */
import {
  cpumaskClearCpu,
  cpumaskIntersects,
  cpumaskSetCpu,
  cpumaskTestCpu,
} from '../../include/linux/cpumask.ts';
import { ENOSPC } from '../../include/linux/errno.ts';
import type { IrqDesc } from '../../include/linux/irq.ts';
import type { Kernel } from '../kernel.ts';
import { irqShutdownAndDeactivate, irqStartupManaged } from './chip.ts';
import { NULL_IRQ_CHIP } from './dummychip.ts';
import {
  IRQD_AFFINITY_MANAGED,
  IRQD_IRQ_STARTED,
  IRQD_MANAGED_SHUTDOWN,
  IRQD_PER_CPU,
  IRQD_SINGLE_TARGET,
} from './internals.ts';
import { irqDoSetAffinity, irqSetAffinityLocked } from './manage.ts';

// kernel: migrate_one_irq() — returns true when the affinity was broken.
function migrateOneIrq(k: Kernel, desc: IrqDesc, cpu: number): boolean {
  const d = desc.irqData;
  const c = desc.irqCommonData;
  const chip = d.chip;
  // Chip torn down, or no affinity setter (e.g. MSI_FLAG_NO_AFFINITY): nothing can be done.
  if (chip === NULL_IRQ_CHIP || !chip.irqSetAffinity) {
    k.sim.log.printk('debug', `IRQ ${d.irq}: Unable to migrate away`);
    return false;
  }
  // irq_force_complete_move(), irq_fixup_move_pending(): no GENERIC_PENDING_IRQ on s390.
  if (c.stateUseAccessors & IRQD_PER_CPU || !(c.stateUseAccessors & IRQD_IRQ_STARTED)) return false;
  // irq_needs_fixup() (the model keeps the effective mask next to the affinity)
  if (!cpumaskTestCpu(cpu, c.effectiveAffinity) && !cpumaskTestCpu(cpu, c.affinity)) return false;
  // maskchip: irq_can_move_pcntxt() is true without GENERIC_PENDING_IRQ.
  let affinity = c.affinity;
  let brokeaff = false;
  if (!cpumaskIntersects(affinity, k.cpuOnlineMask)) {
    if (c.stateUseAccessors & IRQD_AFFINITY_MANAGED) {
      // Managed: shut it down and leave the affinity untouched until a CPU of it returns.
      c.stateUseAccessors |= IRQD_MANAGED_SHUTDOWN;
      irqShutdownAndDeactivate(k, desc);
      return false;
    }
    affinity = k.cpuOnlineMask;
    brokeaff = true;
  }
  // Not forced: irq_do_set_affinity() hands the chip only the online CPUs of the mask.
  let err = irqDoSetAffinity(k, d, affinity, false);
  if (err === -ENOSPC && !(c.stateUseAccessors & IRQD_AFFINITY_MANAGED) && affinity !== k.cpuOnlineMask) {
    k.sim.log.printk('debug', `IRQ${d.irq}: set affinity failed, re-try with online CPUs`);
    affinity = k.cpuOnlineMask;
    brokeaff = true;
    err = irqDoSetAffinity(k, d, affinity, false);
  }
  if (err) {
    k.sim.log.printk('debug', `IRQ${d.irq}: set affinity failed(${err}).`);
    brokeaff = false;
  }
  return brokeaff;
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

// kernel: irq_restore_affinity_of_irq() (no housekeeping isolation: hk_should_isolate() is false)
function irqRestoreAffinityOfIrq(k: Kernel, desc: IrqDesc, cpu: number): void {
  const data = desc.irqData;
  const c = desc.irqCommonData;
  if (
    !(c.stateUseAccessors & IRQD_AFFINITY_MANAGED) ||
    !desc.action ||
    data.chip === NULL_IRQ_CHIP ||
    !cpumaskTestCpu(cpu, c.affinity)
  )
    return;
  // irqd_is_managed_and_shutdown()
  if (c.stateUseAccessors & IRQD_MANAGED_SHUTDOWN) irqStartupManaged(k, desc);
  if (!(c.stateUseAccessors & IRQD_SINGLE_TARGET)) irqSetAffinityLocked(k, data, c.affinity, false);
}

// kernel: irq_affinity_online_cpu() (+ the cpu_online_mask update of the CPU coming up)
export function irqAffinityOnlineCpu(k: Kernel, cpu: number): void {
  cpumaskSetCpu(cpu, k.cpuOnlineMask);
  for (let irq = 0; irq < k.irqDescs.length; irq++) {
    const desc = k.irqDescs[irq];
    if (!desc) continue;
    irqRestoreAffinityOfIrq(k, desc, cpu);
  }
}
