// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/handle.c: running the action list of a descriptor, and
 * handle_bad_irq. Delivery path: allocates nothing (the only strings built are
 * the kernel's own one-time / bad-irq log lines).
 */
import { IRQ_NONE, IRQ_WAKE_THREAD, type IrqDesc, type IrqReturn } from '../../include/linux/irq.ts';
import type { Kernel } from '../kernel.ts';
import { ackBadIrq } from './dummychip.ts';
import { IRQ_NO_DEBUG, IRQD_IRQ_INPROGRESS, IRQS_PENDING, IRQTF_WARNED } from './internals.ts';
import { kstatIncrIrqsThisCpu } from './irqdesc.ts';
import { noteInterrupt } from './spurious.ts';

/**
 * kernel: handle_bad_irq() — counts (per-CPU and total) and acks the bad irq.
 * print_irq_desc() is rate limited in the kernel and not reproduced.
 */
export function handleBadIrq(k: Kernel, desc: IrqDesc): void {
  const irq = desc.irqData.irq;
  kstatIncrIrqsThisCpu(k, desc);
  ackBadIrq(k, irq);
}

// kernel: warn_no_thread()
function warnNoThread(k: Kernel, irq: number, action: NonNullable<IrqDesc['action']>): void {
  const flags = action.threadFlags ?? 0;
  if (flags & IRQTF_WARNED) return;
  action.threadFlags = flags | IRQTF_WARNED;
  k.sim.log.printk(
    'warning',
    `IRQ ${irq} device ${action.name} returned IRQ_WAKE_THREAD but no thread function available.`,
  );
}

/** The irq_handler_entry / irq_handler_exit trace events (out of line: keeps the loop small). */
function traceHandlerEntry(k: Kernel, irq: number, name: string): void {
  k.sim.trace.emit(k.currentCpu, 'irq_handler_entry', { irq, name });
}
function traceHandlerExit(k: Kernel, irq: number, ret: IrqReturn): void {
  k.sim.trace.emit(k.currentCpu, 'irq_handler_exit', { irq, ret });
}

/** kernel: __handle_irq_event_percpu() — every action, in list order; results OR-ed. */
export function handleIrqEventPercpuInternal(k: Kernel, desc: IrqDesc): IrqReturn {
  let retval = IRQ_NONE;
  const irq = desc.irqData.irq;
  for (let action = desc.action; action !== null; action = action.next) {
    const tracing = k.sim.trace.enabled;
    if (tracing) traceHandlerEntry(k, irq, action.name);
    const res = action.handler(k, irq, action.devId);
    if (tracing) traceHandlerExit(k, irq, res);
    if (res === IRQ_WAKE_THREAD) {
      // threaded handlers are not modelled (request_threaded_irq refuses thread_fn)
      if (!action.threadFn) warnNoThread(k, irq, action);
    }
    retval |= res;
  }
  return retval;
}

/** kernel: handle_irq_event_percpu() — run actions, then note_interrupt unless IRQ_NO_DEBUG. */
export function handleIrqEventPercpu(k: Kernel, desc: IrqDesc): IrqReturn {
  const retval = handleIrqEventPercpuInternal(k, desc);
  // add_interrupt_randomness(): nothing to model
  if ((desc.statusUseAccessors & IRQ_NO_DEBUG) === 0) noteInterrupt(k, desc, retval);
  return retval;
}

/** kernel: handle_irq_event() — clears PENDING, sets INPROGRESS around the actions. */
export function handleIrqEvent(k: Kernel, desc: IrqDesc): IrqReturn {
  desc.istate &= ~IRQS_PENDING;
  desc.irqCommonData.stateUseAccessors |= IRQD_IRQ_INPROGRESS;
  const ret = handleIrqEventPercpu(k, desc);
  desc.irqCommonData.stateUseAccessors &= ~IRQD_IRQ_INPROGRESS;
  return ret;
}
