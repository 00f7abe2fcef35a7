// SPDX-License-Identifier: GPL-2.0-only
/**
 * Local stand-in for kernel/smp.c on_each_cpu() (not provided by src/arch/s390/kernel/smp.ts
 * yet): run `func(info)` on every online CPU, the calling CPU included, and (wait = 1)
 * return when all have run. The model runs them in ascending CPU order, switching
 * k.currentCpu (smp_processor_id()) for each call; the functions run with interrupts
 * disabled, as the IPI handler (or local_irq_save on the caller) would.
 * Setup paths only (zpci_directed_irq_init).
 */
import { cpumaskTestCpu } from '../../../include/linux/cpumask.ts';
import type { Kernel } from '../../../kernel/kernel.ts';

export type SmpCallFuncT = (k: Kernel, info: unknown) => void;

// kernel: on_each_cpu()
export function onEachCpu(k: Kernel, func: SmpCallFuncT, info: unknown, _wait: boolean): void {
  const prev = k.currentCpu;
  for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
    if (!cpumaskTestCpu(cpu, k.cpuOnlineMask)) continue;
    k.currentCpu = cpu;
    try {
      func(k, info);
    } finally {
      k.currentCpu = prev;
    }
  }
}
