// SPDX-License-Identifier: GPL-2.0-only
/**
 * WARN(), BUG() and Oops as the model reports them (kernel/panic.c: __warn(),
 * arch/s390/mm/fault.c: the Oops path). A WARN records a finding and prints
 * kernel-style lines to the log, then execution continues as in the kernel.
 * An Oops or BUG records a finding and stops the run by throwing KernelOops,
 * which only the simulation's top level catches.
 */
import { KernelOops, modelCallChain } from '../sim/findings.ts';
import type { Kernel } from './kernel.ts';

const REPORTERS = new Set([
  'warn',
  'warnOn',
  'oops',
  'bugOn',
  'deref',
  'callChain',
  'chipDeref',
  'nullCallback',
]);

/** The model's call chain at the report site, innermost first, without the reporting helpers. */
function callChain(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  return modelCallChain(stack).filter((n) => !REPORTERS.has(n));
}

/**
 * kernel: __warn() — `where` is "file function" of the WARN site,
 * e.g. "kernel/irq/manage.c __free_irq".
 */
export function warn(k: Kernel, where: string, message: string): void {
  const chain = callChain();
  const text = `WARNING: CPU: ${k.currentCpu} PID: 0 at ${where}\n${message}`;
  k.sim.log.printk('warning', `WARNING: CPU: ${k.currentCpu} PID: 0 at ${where}`);
  k.sim.log.printk('warning', message);
  k.sim.findings.add('WARN', text, chain);
}

/** kernel: WARN_ON(cond) — returns cond, as the macro does. */
export function warnOn(k: Kernel, cond: boolean, where: string, message = ''): boolean {
  if (cond) warn(k, where, message || `WARN_ON at ${where}`);
  return cond;
}

/** A NULL or freed-object dereference in modelled kernel code: Oops, and the run stops. */
export function oops(k: Kernel, what: string, where: string): never {
  const chain = callChain();
  const text = `Unable to handle kernel pointer dereference in virtual kernel address space: ${what} at ${where}`;
  k.sim.log.printk('alert', text);
  k.sim.log.printk('emerg', `Oops: 0004 [#1] SMP`);
  k.sim.log.printk('emerg', `Call Trace: ${chain.join(' <- ')}`);
  throw new KernelOops(k.sim.findings.add('Oops', text, chain));
}

/** kernel: BUG_ON(cond) */
export function bugOn(k: Kernel, cond: boolean, where: string): void {
  if (!cond) return;
  const chain = callChain();
  const text = `kernel BUG at ${where}!`;
  k.sim.log.printk('emerg', text);
  throw new KernelOops(k.sim.findings.add('BUG', text, chain));
}

/** Dereference check: a NULL pointer or a freed object in modelled kernel code Oopses. */
export function deref<T extends object>(k: Kernel, p: T | null | undefined, what: string, where: string): T {
  if (p === null || p === undefined) oops(k, `NULL ${what}`, where);
  if ((p as { freed?: boolean }).freed === true) oops(k, `freed ${what} (use-after-free)`, where);
  return p;
}
