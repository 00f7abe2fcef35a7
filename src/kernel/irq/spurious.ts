// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/spurious.c: the unhandled-interrupt detector. Per delivery it only
 * updates counters; text is built only when the kernel prints. Not modelled:
 * irqpoll/irqfixup misrouted-irq polling (off by default), the threaded-handler
 * deferral (no irq threads in the model), the 100 ms poll_spurious_irq timer
 * (it only polls IRQF_SHARED lines), dump_stack().
 */
import {
  IRQ_HANDLED,
  IRQ_NONE,
  IRQ_WAKE_THREAD,
  type IrqDesc,
  type IrqReturn,
} from '../../include/linux/irq.ts';
import type { Kernel } from '../kernel.ts';
import { irqDisable } from './chip.ts';
import { IRQ_IS_POLLED, IRQS_POLL_INPROGRESS, IRQS_SPURIOUS_DISABLED } from './internals.ts';

/** HZ/10 in ns (jiffies are 10 ms on s390, HZ=100). */
const HZ_DIV_10_NS = 100_000_000;

interface SpuriousState {
  /** report_bad_irq(): static int count = 100 */
  reportCount: number;
}
const states = new WeakMap<Kernel, SpuriousState>();
function stateOf(k: Kernel): SpuriousState {
  let s = states.get(k);
  if (!s) {
    s = { reportCount: 100 };
    states.set(k, s);
  }
  return s;
}

// kernel: bad_action_ret()
function badActionRet(actionRet: IrqReturn): boolean {
  return actionRet >>> 0 > (IRQ_HANDLED | IRQ_WAKE_THREAD);
}

// kernel: __report_bad_irq()
function reportBadIrqInternal(k: Kernel, desc: IrqDesc, actionRet: IrqReturn): void {
  const irq = desc.irqData.irq;
  if (badActionRet(actionRet)) {
    k.sim.log.printk('err', `irq event ${irq}: bogus return value ${(actionRet >>> 0).toString(16)}`);
  } else {
    k.sim.log.printk('err', `irq ${irq}: nobody cared (try booting with the "irqpoll" option)`);
  }
  k.sim.log.printk('err', 'handlers:');
  for (let a = desc.action; a !== null; a = a.next) {
    const fn = a.handler.name || 'handler';
    k.sim.log.printk(
      'err',
      `[<0000000000000000>] ${fn}${a.threadFn ? ` threaded [<0000000000000000>] ${a.threadFn.name}` : ''}`,
    );
  }
}

// kernel: report_bad_irq() — at most 100 reports per boot
function reportBadIrq(k: Kernel, desc: IrqDesc, actionRet: IrqReturn): void {
  const s = stateOf(k);
  if (s.reportCount > 0) {
    s.reportCount--;
    reportBadIrqInternal(k, desc, actionRet);
  }
}

/**
 * kernel: note_interrupt() — counts unhandled interrupts; 100000 interrupts
 * with more than 99900 unhandled (and no 100 ms quiet gap) disable the line
 * (lazily: irq_disable), set IRQS_SPURIOUS_DISABLED and bump depth.
 */
export function noteInterrupt(k: Kernel, desc: IrqDesc, actionRet: IrqReturn): void {
  if (desc.istate & IRQS_POLL_INPROGRESS || desc.statusUseAccessors & IRQ_IS_POLLED) return;
  if (badActionRet(actionRet)) {
    reportBadIrq(k, desc, actionRet);
    return;
  }
  if (actionRet === IRQ_NONE) {
    const now = k.sim.time;
    if (now > desc.lastUnhandled + HZ_DIV_10_NS) desc.irqsUnhandled = 1;
    else desc.irqsUnhandled++;
    desc.lastUnhandled = now;
  }
  if (desc.irqsUnhandled === 0) return;
  noteUnhandledCount(k, desc, actionRet);
}

/** note_interrupt() once this line has unhandled interrupts: the 100000-interrupt window (out of line). */
function noteUnhandledCount(k: Kernel, desc: IrqDesc, actionRet: IrqReturn): void {
  desc.irqCount++;
  if (desc.irqCount < 100000) return;
  desc.irqCount = 0;
  if (desc.irqsUnhandled > 99900) {
    reportBadIrqInternal(k, desc, actionRet);
    k.sim.log.printk('emerg', `Disabling IRQ #${desc.irqData.irq}`);
    desc.istate |= IRQS_SPURIOUS_DISABLED;
    desc.depth++;
    irqDisable(k, desc);
    if (k.sim.trace.enabled)
      k.sim.trace.emit(k.currentCpu, 'irq_spurious_disabled', { irq: desc.irqData.irq });
  }
  desc.irqsUnhandled = 0;
}
