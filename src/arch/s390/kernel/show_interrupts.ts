// SPDX-License-Identifier: GPL-2.0-only
/**
 * s390's /proc/interrupts (arch/s390/kernel/irq.c: show_interrupts(), show_msi_interrupt()).
 * The seq_file walks index 0..nr_irqs inclusive (fs/proc/interrupts.c: int_seq_start):
 * index 0 also prints the header; 0..2 are the main classes EXT, I/O, AIO (kstat of Linux
 * irq 0/1/2); 3..nr_irqs-1 are the dynamic irqs, one line per existing descriptor; index
 * nr_irqs prints the sub-class lines (irqclass_sub_desc[]), which the caller supplies
 * (renderIrqClassLines(k) of src/arch/s390/kernel/irq.ts).
 */

import {
  chipOf,
  irqDescKstatCpu,
  irqToDesc,
  kstatIrqsCpu,
  ljust,
  onlineCpus,
  rjust,
  u32,
} from '../../../kernel/irq/proc.ts';
import type { Kernel } from '../../../kernel/kernel.ts';

/** NR_IRQS_BASE: EXT_INTERRUPT 0, IO_INTERRUPT 1, THIN_INTERRUPT 2 */
export const NR_IRQS_BASE = 3;

// kernel: irqclass_main_desc[]
export const IRQCLASS_MAIN_NAMES: readonly string[] = ['EXT', 'I/O', 'AIO'];

/** The sub-class lines, as text or as a function of the kernel. */
export type ClassLines = string | ((k: Kernel) => string);

/** `%10u ` for each online CPU */
function counts(cpus: number[], get: (cpu: number) => number): string {
  let s = '';
  for (const c of cpus) s += `${rjust(u32(get(c)), 10)} `;
  return s;
}

/** The header line (index 0): 11 spaces, then "CPU%-8d" per online CPU. */
export function renderInterruptsHeader(k: Kernel): string {
  let s = '           ';
  for (const c of onlineCpus(k)) s += `CPU${ljust(String(c), 8)}`;
  return `${s}\n`;
}

// kernel: show_msi_interrupt() — "" when no descriptor exists for irq.
export function showMsiInterrupt(k: Kernel, irq: number): string {
  const desc = irqToDesc(k, irq);
  if (!desc) return '';
  let s = `${rjust(String(irq), 3)}: `;
  s += counts(onlineCpus(k), (c) => irqDescKstatCpu(desc, c));
  const chip = chipOf(desc.irqData);
  if (chip) s += ` ${rjust(chip.name, 8)}`;
  if (desc.action) s += `  ${desc.action.name}`;
  return `${s}\n`;
}

// kernel: show_interrupts() for one seq index
export function showInterruptsIndex(k: Kernel, index: number, classLines: ClassLines): string {
  let s = index === 0 ? renderInterruptsHeader(k) : '';
  if (index < NR_IRQS_BASE) {
    s += `${IRQCLASS_MAIN_NAMES[index]}: `;
    s += counts(onlineCpus(k), (c) => kstatIrqsCpu(k, index, c));
    return `${s}\n`;
  }
  if (index < k.nrIrqs) return s + showMsiInterrupt(k, index);
  return s + (typeof classLines === 'string' ? classLines : classLines(k));
}

/** cat /proc/interrupts on s390: seq indexes 0..nr_irqs (int_seq_start stops after nr_irqs). */
export function renderProcInterrupts(k: Kernel, classLines: ClassLines): string {
  let s = '';
  for (let index = 0; index <= k.nrIrqs; index++) s += showInterruptsIndex(k, index, classLines);
  return s;
}
