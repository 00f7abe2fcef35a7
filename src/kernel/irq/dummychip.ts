// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/dummychip.c: the placeholder chips, plus two model-only sentinels
 * standing for what the kernel spells as a NULL chip pointer and as the
 * ERR_PTR(-ENOTCONN) trim marker (irq_data.chip is never null in the model).
 */
import type { IrqChip, IrqData } from '../../include/linux/irq.ts';
import type { Kernel } from '../kernel.ts';
import { IRQCHIP_SKIP_SET_WAKE } from './internals.ts';

// kernel: ack_bad() — print_irq_desc() is rate limited; the model prints ack_bad_irq()'s line only.
function ackBad(k: Kernel, d: IrqData): void {
  ackBadIrq(k, d.irq);
}

/** kernel: ack_bad_irq() (include/asm-generic/hardirq.h, used by s390) */
export function ackBadIrq(k: Kernel, irq: number): void {
  k.sim.log.printk('crit', `unexpected IRQ trap at vector ${irq.toString(16).padStart(2, '0')}`);
}

function noop(_k: Kernel, _d: IrqData): void {}

function noopRet(_k: Kernel, _d: IrqData): number {
  return 0;
}

/** kernel: no_irq_chip — name "none" */
export const noIrqChip: IrqChip = Object.freeze({
  name: 'none',
  flags: IRQCHIP_SKIP_SET_WAKE,
  irqStartup: noopRet,
  irqShutdown: noop,
  irqEnable: noop,
  irqDisable: noop,
  irqAck: ackBad,
}) as IrqChip;

/** kernel: dummy_irq_chip — name "dummy" */
export const dummyIrqChip: IrqChip = Object.freeze({
  name: 'dummy',
  flags: IRQCHIP_SKIP_SET_WAKE,
  irqStartup: noopRet,
  irqShutdown: noop,
  irqEnable: noop,
  irqDisable: noop,
  irqAck: noop,
  irqMask: noop,
  irqUnmask: noop,
}) as IrqChip;

/**
 * Model only: a NULL `irq_data->chip` (deeper hierarchy levels are kzalloc'ed
 * with chip == NULL until their domain's alloc sets one). Code that would
 * dereference it Oopses via chipDeref().
 */
export const NULL_IRQ_CHIP: IrqChip = Object.freeze({ name: '(null)', flags: 0 }) as IrqChip;

/** Model only: ERR_PTR(-ENOTCONN), the irq_domain_disconnect_hierarchy() trim marker. */
export const ENOTCONN_IRQ_CHIP: IrqChip = Object.freeze({ name: '(-ENOTCONN)', flags: 0 }) as IrqChip;

/** IS_ERR_OR_NULL(chip) */
export function chipIsErrOrNull(chip: IrqChip): boolean {
  return chip === NULL_IRQ_CHIP || chip === ENOTCONN_IRQ_CHIP;
}
