// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/chip.c (+ the parts of resend.c it needs): chip/handler setters,
 * startup/shutdown/enable/disable, mask helpers, the flow handlers, and the
 * irq_chip_*_parent helpers for hierarchies.
 *
 * The flow handlers are the delivery path: they allocate nothing. The core
 * calls only the level-0 chip; deeper chips are reached through the *_parent
 * helpers or hierarchy walks.
 */
import { cpumaskIntersects } from '../../include/linux/cpumask.ts';
import { EBUSY, EINVAL, ENOSYS } from '../../include/linux/errno.ts';
import {
  IRQ_NONE,
  type IrqAction,
  type IrqChip,
  type IrqData,
  type IrqDesc,
  type IrqFlowHandler,
  type IrqReturn,
} from '../../include/linux/irq.ts';
import type { MsiDesc, MsiMsg } from '../../include/linux/msi.ts';
import type { Kernel } from '../kernel.ts';
import { oops, warn } from '../panic.ts';
import { NULL_IRQ_CHIP, noIrqChip } from './dummychip.ts';
import { handleBadIrq, handleIrqEvent, handleIrqEventPercpu } from './handle.ts';
import {
  IRQ_LEVEL,
  IRQ_NO_BALANCING,
  IRQ_NOPROBE,
  IRQ_NOREQUEST,
  IRQ_NOTHREAD,
  IRQ_PER_CPU,
  IRQ_RESEND,
  IRQ_START_COND,
  IRQ_START_FORCE,
  IRQ_TYPE_NONE,
  IRQCHIP_AFFINITY_PRE_STARTUP,
  IRQCHIP_EOI_IF_HANDLED,
  IRQCHIP_EOI_THREADED,
  IRQCHIP_SKIP_SET_WAKE,
  IRQD_ACTIVATED,
  IRQD_AFFINITY_MANAGED,
  IRQD_IRQ_DISABLED,
  IRQD_IRQ_INPROGRESS,
  IRQD_IRQ_MASKED,
  IRQD_IRQ_STARTED,
  IRQD_LEVEL,
  IRQD_MANAGED_SHUTDOWN,
  IRQD_NO_BALANCING,
  IRQD_PER_CPU,
  IRQD_RESEND_WHEN_IN_PROGRESS,
  IRQD_TRIGGER_MASK,
  IRQD_WAKEUP_ARMED,
  IRQS_ONESHOT,
  IRQS_PENDING,
  IRQS_REPLAY,
  IRQS_WAITING,
  irqSettingsDisableUnlazy,
  irqSettingsGetTriggerMask,
} from './internals.ts';
import { __kstatIncrIrqsThisCpu, irqToDesc, kstatIncrIrqsThisCpu } from './irqdesc.ts';
import { irqDomainActivateIrq, irqDomainDeactivateIrq } from './irqdomain.ts';
import { irqDoSetAffinity, irqSetTrigger, irqSetupAffinity } from './manage.ts';

/** Model: a chip pointer that the kernel would dereference; NULL (inner level never set up) Oopses. */
function chipDeref(k: Kernel, d: IrqData | null, where: string): IrqChip {
  if (d === null) oops(k, 'NULL irq_data (parent_data)', where);
  if (d.freed) oops(k, 'freed irq_data (use-after-free)', where);
  if (d.chip === NULL_IRQ_CHIP) oops(k, 'NULL irq_chip', where);
  return d.chip;
}

/** Model: calling a chip callback the chip does not implement is a NULL function pointer call. */
function nullCallback(k: Kernel, chip: IrqChip, cb: string, where: string): never {
  oops(k, `NULL ${chip.name}->${cb}()`, where);
}

/* ------------------------------------------------------------ setters */

/** kernel: irq_set_chip() — NULL installs no_irq_chip; -EINVAL without desc. */
export function irqSetChip(k: Kernel, irq: number, chip: IrqChip | null): number {
  const desc = irqToDesc(k, irq);
  if (!desc) return -EINVAL;
  desc.irqData.chip = chip ?? noIrqChip;
  return 0;
}

/** kernel: irq_set_handler_data() */
export function irqSetHandlerData(k: Kernel, irq: number, data: unknown): number {
  const desc = irqToDesc(k, irq);
  if (!desc) return -EINVAL;
  desc.irqCommonData.handlerData = data;
  return 0;
}

/** kernel: irq_set_chip_data() (level 0) */
export function irqSetChipData(k: Kernel, irq: number, data: unknown): number {
  const desc = irqToDesc(k, irq);
  if (!desc) return -EINVAL;
  desc.irqData.chipData = data;
  return 0;
}

/** kernel: irq_set_msi_desc_off() — also sets entry->irq = irq_base for offset 0. */
export function irqSetMsiDescOff(
  k: Kernel,
  irqBase: number,
  irqOffset: number,
  entry: MsiDesc | null,
): number {
  const desc = irqToDesc(k, irqBase + irqOffset);
  if (!desc) return -EINVAL;
  desc.irqCommonData.msiDesc = entry;
  if (entry && !irqOffset) entry.irq = irqBase;
  return 0;
}

/** kernel: irq_set_msi_desc() */
export function irqSetMsiDesc(k: Kernel, irq: number, entry: MsiDesc | null): number {
  return irqSetMsiDescOff(k, irq, 0, entry);
}

/** kernel: irq_get_msi_desc() */
export function irqGetMsiDesc(k: Kernel, irq: number): MsiDesc | null {
  const desc = irqToDesc(k, irq);
  return desc ? desc.irqCommonData.msiDesc : null;
}

/** kernel: irq_get_chip() */
export function irqGetChip(k: Kernel, irq: number): IrqChip | null {
  const desc = irqToDesc(k, irq);
  return desc ? desc.irqData.chip : null;
}

/** kernel: irq_get_handler_data() */
export function irqGetHandlerData(k: Kernel, irq: number): unknown {
  const desc = irqToDesc(k, irq);
  return desc ? desc.irqCommonData.handlerData : null;
}

function badChainedIrq(k: Kernel, irq: number, _devId: unknown): IrqReturn {
  const s = chipState(k);
  if (!s.chainedWarned) {
    s.chainedWarned = true;
    warn(k, 'kernel/irq/chip.c bad_chained_irq', `Chained irq ${irq} should not call an action`);
  }
  return IRQ_NONE;
}

/** kernel: chained_action */
export const chainedAction: IrqAction = {
  handler: badChainedIrq,
  devId: null,
  flags: 0,
  name: '',
  irq: 0,
  next: null,
};

interface ChipState {
  chainedWarned: boolean;
}
const chipStates = new WeakMap<Kernel, ChipState>();
function chipState(k: Kernel): ChipState {
  let s = chipStates.get(k);
  if (!s) {
    s = { chainedWarned: false };
    chipStates.set(k, s);
  }
  return s;
}

// kernel: __irq_do_set_handler()
function irqDoSetHandler(
  k: Kernel,
  desc: IrqDesc,
  handle: IrqFlowHandler | null,
  isChained: boolean,
  name: string | null,
): void {
  let h = handle;
  if (!h) {
    h = handleBadIrq;
  } else {
    let irqData: IrqData | null = desc.irqData;
    while (irqData) {
      if (irqData.chip !== noIrqChip) break;
      if (isChained) {
        warn(k, 'kernel/irq/chip.c __irq_do_set_handler', 'WARN_ON(is_chained)');
        return;
      }
      irqData = irqData.parentData;
    }
    if (!irqData || irqData.chip === noIrqChip) {
      warn(
        k,
        'kernel/irq/chip.c __irq_do_set_handler',
        'WARN_ON(!irq_data || irq_data->chip == &no_irq_chip)',
      );
      return;
    }
  }
  if (h === handleBadIrq) {
    if (desc.irqData.chip !== noIrqChip) maskAckIrq(k, desc);
    desc.irqCommonData.stateUseAccessors |= IRQD_IRQ_DISABLED;
    if (isChained) desc.action = null;
    desc.depth = 1;
  }
  desc.handleIrq = h;
  desc.name = name;
  if (h !== handleBadIrq && isChained) {
    const type = desc.irqCommonData.stateUseAccessors & IRQD_TRIGGER_MASK;
    if (type !== IRQ_TYPE_NONE) {
      irqSetTrigger(k, desc, type);
      desc.handleIrq = h;
    }
    desc.statusUseAccessors |= IRQ_NOPROBE | IRQ_NOREQUEST | IRQ_NOTHREAD;
    desc.action = chainedAction;
    irqActivateAndStartup(k, desc, IRQ_RESEND);
  }
}

/** kernel: __irq_set_handler() */
export function irqSetHandlerInternal(
  k: Kernel,
  irq: number,
  handle: IrqFlowHandler | null,
  isChained: boolean,
  name: string | null,
): void {
  const desc = irqToDesc(k, irq);
  if (!desc) return;
  irqDoSetHandler(k, desc, handle, isChained, name);
}

/** kernel: irq_set_handler() */
export function irqSetHandler(k: Kernel, irq: number, handle: IrqFlowHandler | null): void {
  irqSetHandlerInternal(k, irq, handle, false, null);
}

/** kernel: irq_set_chained_handler_and_data() */
export function irqSetChainedHandlerAndData(
  k: Kernel,
  irq: number,
  handle: IrqFlowHandler | null,
  data: unknown,
): void {
  const desc = irqToDesc(k, irq);
  if (!desc) return;
  desc.irqCommonData.handlerData = data;
  irqDoSetHandler(k, desc, handle, true, null);
}

/** kernel: irq_set_chip_and_handler_name() */
export function irqSetChipAndHandlerName(
  k: Kernel,
  irq: number,
  chip: IrqChip | null,
  handle: IrqFlowHandler | null,
  name: string | null,
): void {
  irqSetChip(k, irq, chip);
  irqSetHandlerInternal(k, irq, handle, false, name);
}

/** kernel: irq_set_chip_and_handler() */
export function irqSetChipAndHandler(
  k: Kernel,
  irq: number,
  chip: IrqChip | null,
  handle: IrqFlowHandler | null,
): void {
  irqSetChipAndHandlerName(k, irq, chip, handle, null);
}

/** kernel: irq_modify_status() — updates IRQ_* settings and re-derives the IRQD_* copies. */
export function irqModifyStatus(k: Kernel, irq: number, clr: number, set: number): void {
  const desc = irqToDesc(k, irq);
  if (!desc) return;
  desc.statusUseAccessors &= ~clr;
  desc.statusUseAccessors |= set;
  const c = desc.irqCommonData;
  let trigger = c.stateUseAccessors & IRQD_TRIGGER_MASK;
  c.stateUseAccessors &= ~(IRQD_NO_BALANCING | IRQD_PER_CPU | IRQD_TRIGGER_MASK | IRQD_LEVEL);
  if (desc.statusUseAccessors & IRQ_NO_BALANCING) c.stateUseAccessors |= IRQD_NO_BALANCING;
  if (desc.statusUseAccessors & IRQ_PER_CPU) c.stateUseAccessors |= IRQD_PER_CPU;
  if (desc.statusUseAccessors & IRQ_LEVEL) c.stateUseAccessors |= IRQD_LEVEL;
  const tmp = irqSettingsGetTriggerMask(desc);
  if (tmp !== IRQ_TYPE_NONE) trigger = tmp;
  c.stateUseAccessors |= trigger;
}

/** kernel: irq_set_status_flags() */
export function irqSetStatusFlags(k: Kernel, irq: number, set: number): void {
  irqModifyStatus(k, irq, 0, set);
}

/** kernel: irq_clear_status_flags() */
export function irqClearStatusFlags(k: Kernel, irq: number, clr: number): void {
  irqModifyStatus(k, irq, clr, 0);
}

/* -------------------------------------------------- mask / unmask state */

/** kernel: mask_irq() */
export function maskIrq(k: Kernel, desc: IrqDesc): void {
  const c = desc.irqCommonData;
  if (c.stateUseAccessors & IRQD_IRQ_MASKED) return;
  const chip = desc.irqData.chip;
  if (chip.irqMask) {
    chip.irqMask(k, desc.irqData);
    c.stateUseAccessors |= IRQD_IRQ_MASKED;
  }
}

/** kernel: unmask_irq() */
export function unmaskIrq(k: Kernel, desc: IrqDesc): void {
  const c = desc.irqCommonData;
  if (!(c.stateUseAccessors & IRQD_IRQ_MASKED)) return;
  const chip = desc.irqData.chip;
  if (chip.irqUnmask) {
    chip.irqUnmask(k, desc.irqData);
    c.stateUseAccessors &= ~IRQD_IRQ_MASKED;
  }
}

/** kernel: mask_ack_irq() */
export function maskAckIrq(k: Kernel, desc: IrqDesc): void {
  const chip = desc.irqData.chip;
  if (chip.irqMaskAck) {
    chip.irqMaskAck(k, desc.irqData);
    desc.irqCommonData.stateUseAccessors |= IRQD_IRQ_MASKED;
  } else {
    maskIrq(k, desc);
    if (chip.irqAck) chip.irqAck(k, desc.irqData);
  }
}

/* ---------------------------------------------- startup / shutdown etc. */

/** kernel: irq_enable() */
export function irqEnable(k: Kernel, desc: IrqDesc): void {
  const c = desc.irqCommonData;
  if (!(c.stateUseAccessors & IRQD_IRQ_DISABLED)) {
    unmaskIrq(k, desc);
  } else {
    c.stateUseAccessors &= ~IRQD_IRQ_DISABLED;
    const chip = desc.irqData.chip;
    if (chip.irqEnable) {
      chip.irqEnable(k, desc.irqData);
      c.stateUseAccessors &= ~IRQD_IRQ_MASKED;
    } else {
      unmaskIrq(k, desc);
    }
  }
}

// kernel: __irq_disable()
function irqDisableInternal(k: Kernel, desc: IrqDesc, mask: boolean): void {
  const c = desc.irqCommonData;
  if (c.stateUseAccessors & IRQD_IRQ_DISABLED) {
    if (mask) maskIrq(k, desc);
  } else {
    c.stateUseAccessors |= IRQD_IRQ_DISABLED;
    const chip = desc.irqData.chip;
    if (chip.irqDisable) {
      chip.irqDisable(k, desc.irqData);
      c.stateUseAccessors |= IRQD_IRQ_MASKED;
    } else if (mask) {
      maskIrq(k, desc);
    }
  }
}

/** kernel: irq_disable() — lazy unless IRQ_DISABLE_UNLAZY or the chip has irq_disable. */
export function irqDisable(k: Kernel, desc: IrqDesc): void {
  irqDisableInternal(k, desc, irqSettingsDisableUnlazy(desc));
}

const IRQ_STARTUP_NORMAL = 0;
const IRQ_STARTUP_MANAGED = 1;
const IRQ_STARTUP_ABORT = 2;

const startupWarned = new WeakMap<Kernel, Set<string>>();
function warnOnce(k: Kernel, where: string, text: string): void {
  let s = startupWarned.get(k);
  if (!s) {
    s = new Set();
    startupWarned.set(k, s);
  }
  if (s.has(where)) return;
  s.add(where);
  warn(k, where, text);
}

// kernel: __irq_startup_managed()
function irqStartupManagedInternal(k: Kernel, desc: IrqDesc, force: boolean): number {
  const d = desc.irqData;
  const c = desc.irqCommonData;
  if (!(c.stateUseAccessors & IRQD_AFFINITY_MANAGED)) return IRQ_STARTUP_NORMAL;
  c.stateUseAccessors &= ~IRQD_MANAGED_SHUTDOWN;
  if (!cpumaskIntersects(c.affinity, k.cpuOnlineMask)) {
    if (force) warnOnce(k, 'kernel/irq/chip.c __irq_startup_managed', 'WARN_ON_ONCE(force)');
    return IRQ_STARTUP_ABORT;
  }
  if (irqDomainActivateIrq(k, d, false)) {
    warn(k, 'kernel/irq/chip.c __irq_startup_managed', 'WARN_ON(irq_domain_activate_irq(d, false))');
    return IRQ_STARTUP_ABORT;
  }
  return IRQ_STARTUP_MANAGED;
}

/**
 * kernel: irq_startup_managed() — CPU hotplug restart of a managed IRQ that was shut down
 * (6.16+, 788019eb559f and the follow-up that clears the flag first): clear the
 * managed-shutdown flag, undo the one disable level irq_shutdown() added, and start it up
 * (IRQ_RESEND, IRQ_START_COND) only when no other disable level (disable_irq) remains.
 */
export function irqStartupManaged(k: Kernel, desc: IrqDesc): void {
  desc.irqCommonData.stateUseAccessors &= ~IRQD_MANAGED_SHUTDOWN;
  desc.depth--;
  if (!desc.depth) irqStartup(k, desc, IRQ_RESEND, IRQ_START_COND);
}

// kernel: __irq_startup()
function irqStartupInternal(k: Kernel, desc: IrqDesc): number {
  const d = desc.irqData;
  const c = desc.irqCommonData;
  let ret = 0;
  if (!(c.stateUseAccessors & IRQD_ACTIVATED)) {
    warnOnce(k, 'kernel/irq/chip.c __irq_startup', 'WARN_ON_ONCE(!irqd_is_activated(d))');
  }
  if (d.chip.irqStartup) {
    ret = d.chip.irqStartup(k, d);
    c.stateUseAccessors &= ~(IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED);
  } else {
    irqEnable(k, desc);
  }
  c.stateUseAccessors |= IRQD_IRQ_STARTED;
  return ret;
}

/** kernel: irq_startup(desc, resend, force) */
export function irqStartup(k: Kernel, desc: IrqDesc, resend: boolean, force: boolean): number {
  const d = desc.irqData;
  const c = desc.irqCommonData;
  let ret = 0;
  desc.depth = 0;
  if (c.stateUseAccessors & IRQD_IRQ_STARTED) {
    irqEnable(k, desc);
  } else {
    switch (irqStartupManagedInternal(k, desc, force)) {
      case IRQ_STARTUP_NORMAL:
        if (d.chip.flags & IRQCHIP_AFFINITY_PRE_STARTUP) irqSetupAffinity(k, desc);
        ret = irqStartupInternal(k, desc);
        if (!(d.chip.flags & IRQCHIP_AFFINITY_PRE_STARTUP)) irqSetupAffinity(k, desc);
        break;
      case IRQ_STARTUP_MANAGED:
        irqDoSetAffinity(k, d, c.affinity, false);
        ret = irqStartupInternal(k, desc);
        break;
      default:
        desc.depth = 1;
        c.stateUseAccessors |= IRQD_MANAGED_SHUTDOWN;
        return 0;
    }
  }
  if (resend) checkIrqResend(k, desc, false);
  return ret;
}

/** kernel: irq_activate() — non-managed: irq_domain_activate_irq(level0, false); managed: 0. */
export function irqActivate(k: Kernel, desc: IrqDesc): number {
  if (!(desc.irqCommonData.stateUseAccessors & IRQD_AFFINITY_MANAGED)) {
    return irqDomainActivateIrq(k, desc.irqData, false);
  }
  return 0;
}

/** kernel: irq_activate_and_startup() */
export function irqActivateAndStartup(k: Kernel, desc: IrqDesc, resend: boolean): number {
  if (irqActivate(k, desc)) {
    warn(k, 'kernel/irq/chip.c irq_activate_and_startup', 'WARN_ON(irq_activate(desc))');
    return 0;
  }
  return irqStartup(k, desc, resend, IRQ_START_FORCE);
}

/**
 * kernel: irq_shutdown() — only if STARTED: depth++ (6.16+: a managed shutdown at CPU
 * hot-unplug keeps the disable_irq() depth; irq_startup_managed() undoes this level),
 * chip shutdown or __irq_disable(mask). No resend queue on s390 (clear_irq_resend: no-op).
 */
export function irqShutdown(k: Kernel, desc: IrqDesc): void {
  const c = desc.irqCommonData;
  if (c.stateUseAccessors & IRQD_IRQ_STARTED) {
    desc.depth++;
    const chip = desc.irqData.chip;
    if (chip.irqShutdown) {
      chip.irqShutdown(k, desc.irqData);
      c.stateUseAccessors |= IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED;
    } else {
      irqDisableInternal(k, desc, true);
    }
    c.stateUseAccessors &= ~IRQD_IRQ_STARTED;
  }
}

/** kernel: irq_shutdown_and_deactivate() */
export function irqShutdownAndDeactivate(k: Kernel, desc: IrqDesc): void {
  irqShutdown(k, desc);
  irqDomainDeactivateIrq(k, desc.irqData);
}

/**
 * kernel: check_irq_resend() (kernel/irq/resend.c). s390 has no
 * HARDIRQS_SW_RESEND, so without a chip retrigger the pending event is dropped
 * (-EINVAL), as irq_sw_resend() does there.
 */
export function checkIrqResend(k: Kernel, desc: IrqDesc, inject: boolean): number {
  if (desc.statusUseAccessors & IRQ_LEVEL) {
    desc.istate &= ~IRQS_PENDING;
    return -EINVAL;
  }
  if (desc.istate & IRQS_REPLAY) return -EBUSY;
  if (!(desc.istate & IRQS_PENDING) && !inject) return 0;
  desc.istate &= ~IRQS_PENDING;
  // try_retrigger()
  let retriggered = 0;
  const chip = desc.irqData.chip;
  if (chip.irqRetrigger) retriggered = chip.irqRetrigger(k, desc.irqData);
  else retriggered = irqChipRetriggerHierarchy(k, desc.irqData);
  const err = retriggered ? 0 : -EINVAL;
  if (!err) desc.istate |= IRQS_REPLAY;
  return err;
}

/* ---------------------------------------------------------- flow handlers */

// kernel: irq_can_handle_pm() — no wakeup/poll/single-target modelling: in progress => false.
function irqCanHandlePm(desc: IrqDesc): boolean {
  return (desc.irqCommonData.stateUseAccessors & (IRQD_IRQ_INPROGRESS | IRQD_WAKEUP_ARMED)) === 0;
}

// kernel: irq_can_handle_actions()
function irqCanHandleActions(desc: IrqDesc): boolean {
  desc.istate &= ~(IRQS_REPLAY | IRQS_WAITING);
  if (desc.action === null || (desc.irqCommonData.stateUseAccessors & IRQD_IRQ_DISABLED) !== 0) {
    desc.istate |= IRQS_PENDING;
    return false;
  }
  return true;
}

// kernel: irq_can_handle()
function irqCanHandle(desc: IrqDesc): boolean {
  if (!irqCanHandlePm(desc)) return false;
  return irqCanHandleActions(desc);
}

/** kernel: handle_simple_irq() — no chip callbacks. */
export function handleSimpleIrq(k: Kernel, desc: IrqDesc): void {
  if (!irqCanHandlePm(desc)) {
    if (desc.irqCommonData.stateUseAccessors & IRQD_RESEND_WHEN_IN_PROGRESS) desc.istate |= IRQS_PENDING;
    return;
  }
  if (!irqCanHandleActions(desc)) return;
  kstatIncrIrqsThisCpu(k, desc);
  handleIrqEvent(k, desc);
}

// kernel: cond_unmask_irq() (threads_oneshot is always 0: no irq threads in the model)
function condUnmaskIrq(k: Kernel, desc: IrqDesc): void {
  const st = desc.irqCommonData.stateUseAccessors;
  if (!(st & IRQD_IRQ_DISABLED) && st & IRQD_IRQ_MASKED) unmaskIrq(k, desc);
}

/** kernel: handle_level_irq() — mask_ack, handle, cond_unmask. */
export function handleLevelIrq(k: Kernel, desc: IrqDesc): void {
  maskAckIrq(k, desc);
  if (!irqCanHandle(desc)) return;
  kstatIncrIrqsThisCpu(k, desc);
  handleIrqEvent(k, desc);
  condUnmaskIrq(k, desc);
}

function chipEoi(k: Kernel, chip: IrqChip, d: IrqData): void {
  if (!chip.irqEoi) nullCallback(k, chip, 'irq_eoi', 'kernel/irq/chip.c handle_fasteoi_irq');
  chip.irqEoi(k, d);
}

// kernel: cond_unmask_eoi_irq()
function condUnmaskEoiIrq(k: Kernel, desc: IrqDesc, chip: IrqChip): void {
  if (!(desc.istate & IRQS_ONESHOT)) {
    chipEoi(k, chip, desc.irqData);
    return;
  }
  const st = desc.irqCommonData.stateUseAccessors;
  if (!(st & IRQD_IRQ_DISABLED) && st & IRQD_IRQ_MASKED) {
    chipEoi(k, chip, desc.irqData);
    unmaskIrq(k, desc);
  } else if (!(chip.flags & IRQCHIP_EOI_THREADED)) {
    chipEoi(k, chip, desc.irqData);
  }
}

// kernel: cond_eoi_irq()
function condEoiIrq(k: Kernel, chip: IrqChip, d: IrqData): void {
  if (!(chip.flags & IRQCHIP_EOI_IF_HANDLED)) chipEoi(k, chip, d);
}

/** kernel: handle_fasteoi_irq() */
export function handleFasteoiIrq(k: Kernel, desc: IrqDesc): void {
  const chip = desc.irqData.chip;
  if (!irqCanHandlePm(desc)) {
    if (desc.irqCommonData.stateUseAccessors & IRQD_RESEND_WHEN_IN_PROGRESS) desc.istate |= IRQS_PENDING;
    condEoiIrq(k, chip, desc.irqData);
    return;
  }
  if (!irqCanHandleActions(desc)) {
    maskIrq(k, desc);
    condEoiIrq(k, chip, desc.irqData);
    return;
  }
  kstatIncrIrqsThisCpu(k, desc);
  if (desc.istate & IRQS_ONESHOT) maskIrq(k, desc);
  handleIrqEvent(k, desc);
  condUnmaskEoiIrq(k, desc, chip);
  if (desc.istate & IRQS_PENDING) checkIrqResend(k, desc, false);
}

/** kernel: handle_edge_irq() — irq_ack is called unconditionally (a chip without it Oopses). */
export function handleEdgeIrq(k: Kernel, desc: IrqDesc): void {
  if (!irqCanHandle(desc)) {
    desc.istate |= IRQS_PENDING;
    maskAckIrq(k, desc);
    return;
  }
  kstatIncrIrqsThisCpu(k, desc);
  const chip = desc.irqData.chip;
  if (!chip.irqAck) nullCallback(k, chip, 'irq_ack', 'kernel/irq/chip.c handle_edge_irq');
  chip.irqAck(k, desc.irqData);
  do {
    if (desc.action === null) {
      maskIrq(k, desc);
      return;
    }
    if (desc.istate & IRQS_PENDING) {
      const st = desc.irqCommonData.stateUseAccessors;
      if (!(st & IRQD_IRQ_DISABLED) && st & IRQD_IRQ_MASKED) unmaskIrq(k, desc);
    }
    handleIrqEvent(k, desc);
  } while (desc.istate & IRQS_PENDING && !(desc.irqCommonData.stateUseAccessors & IRQD_IRQ_DISABLED));
}

/**
 * kernel: handle_percpu_irq() — per-CPU count only (no tot_count), optional
 * ack, all actions + note_interrupt, optional eoi. No lock, no DISABLED check.
 */
export function handlePercpuIrq(k: Kernel, desc: IrqDesc): void {
  const chip = desc.irqData.chip;
  __kstatIncrIrqsThisCpu(k, desc);
  if (chip.irqAck) chip.irqAck(k, desc.irqData);
  handleIrqEventPercpu(k, desc);
  if (chip.irqEoi) chip.irqEoi(k, desc.irqData);
}

/* ------------------------------------------------ hierarchy parent helpers */

/** kernel: irq_chip_enable_parent() */
export function irqChipEnableParent(k: Kernel, data: IrqData): void {
  const where = 'kernel/irq/chip.c irq_chip_enable_parent';
  const p = data.parentData;
  const chip = chipDeref(k, p, where);
  if (chip.irqEnable) chip.irqEnable(k, p!);
  else if (chip.irqUnmask) chip.irqUnmask(k, p!);
  else nullCallback(k, chip, 'irq_unmask', where);
}

/** kernel: irq_chip_disable_parent() */
export function irqChipDisableParent(k: Kernel, data: IrqData): void {
  const where = 'kernel/irq/chip.c irq_chip_disable_parent';
  const p = data.parentData;
  const chip = chipDeref(k, p, where);
  if (chip.irqDisable) chip.irqDisable(k, p!);
  else if (chip.irqMask) chip.irqMask(k, p!);
  else nullCallback(k, chip, 'irq_mask', where);
}

/** kernel: irq_chip_ack_parent() */
export function irqChipAckParent(k: Kernel, data: IrqData): void {
  const where = 'kernel/irq/chip.c irq_chip_ack_parent';
  const p = data.parentData;
  const chip = chipDeref(k, p, where);
  if (!chip.irqAck) nullCallback(k, chip, 'irq_ack', where);
  chip.irqAck(k, p!);
}

/** kernel: irq_chip_mask_parent() */
export function irqChipMaskParent(k: Kernel, data: IrqData): void {
  const where = 'kernel/irq/chip.c irq_chip_mask_parent';
  const p = data.parentData;
  const chip = chipDeref(k, p, where);
  if (!chip.irqMask) nullCallback(k, chip, 'irq_mask', where);
  chip.irqMask(k, p!);
}

/** kernel: irq_chip_mask_ack_parent() */
export function irqChipMaskAckParent(k: Kernel, data: IrqData): void {
  const where = 'kernel/irq/chip.c irq_chip_mask_ack_parent';
  const p = data.parentData;
  const chip = chipDeref(k, p, where);
  if (!chip.irqMaskAck) nullCallback(k, chip, 'irq_mask_ack', where);
  chip.irqMaskAck(k, p!);
}

/** kernel: irq_chip_unmask_parent() */
export function irqChipUnmaskParent(k: Kernel, data: IrqData): void {
  const where = 'kernel/irq/chip.c irq_chip_unmask_parent';
  const p = data.parentData;
  const chip = chipDeref(k, p, where);
  if (!chip.irqUnmask) nullCallback(k, chip, 'irq_unmask', where);
  chip.irqUnmask(k, p!);
}

/** kernel: irq_chip_eoi_parent() */
export function irqChipEoiParent(k: Kernel, data: IrqData): void {
  const where = 'kernel/irq/chip.c irq_chip_eoi_parent';
  const p = data.parentData;
  const chip = chipDeref(k, p, where);
  if (!chip.irqEoi) nullCallback(k, chip, 'irq_eoi', where);
  chip.irqEoi(k, p!);
}

/** kernel: irq_chip_set_affinity_parent() — -ENOSYS when the parent chip has no irq_set_affinity. */
export function irqChipSetAffinityParent(
  k: Kernel,
  data: IrqData,
  dest: import('../../include/linux/cpumask.ts').Cpumask,
  force: boolean,
): number {
  const p = data.parentData;
  const chip = chipDeref(k, p, 'kernel/irq/chip.c irq_chip_set_affinity_parent');
  if (chip.irqSetAffinity) return chip.irqSetAffinity(k, p!, dest, force);
  return -ENOSYS;
}

/** kernel: irq_chip_set_type_parent() */
export function irqChipSetTypeParent(k: Kernel, data: IrqData, type: number): number {
  const p = data.parentData;
  const chip = chipDeref(k, p, 'kernel/irq/chip.c irq_chip_set_type_parent');
  if (chip.irqSetType) return chip.irqSetType(k, p!, type);
  return -ENOSYS;
}

/** kernel: irq_chip_set_wake_parent() (no irq_set_wake in the model chips: -ENOSYS unless SKIP_SET_WAKE) */
export function irqChipSetWakeParent(k: Kernel, data: IrqData, _on: boolean): number {
  const p = data.parentData;
  const chip = chipDeref(k, p, 'kernel/irq/chip.c irq_chip_set_wake_parent');
  if (chip.flags & IRQCHIP_SKIP_SET_WAKE) return 0;
  return -ENOSYS;
}

/** kernel: irq_chip_retrigger_hierarchy() — first deeper level with irq_retrigger, else 0. */
export function irqChipRetriggerHierarchy(k: Kernel, data: IrqData): number {
  for (let d = data.parentData; d; d = d.parentData) {
    if (d.chip !== NULL_IRQ_CHIP && d.chip.irqRetrigger) return d.chip.irqRetrigger(k, d);
  }
  return 0;
}

/**
 * kernel: irq_chip_compose_msi_msg() — the first (outermost) level, starting
 * at `data`, whose chip implements irq_compose_msi_msg composes, with its own
 * irq_data; -ENOSYS if none does.
 */
export function irqChipComposeMsiMsg(k: Kernel, data: IrqData, msg: MsiMsg): number {
  let pos: IrqData | null = null;
  for (let d: IrqData | null = data; !pos && d; d = d.parentData) {
    if (d.freed) oops(k, 'freed irq_data (use-after-free)', 'kernel/irq/chip.c irq_chip_compose_msi_msg');
    if (d.chip !== NULL_IRQ_CHIP && d.chip.irqComposeMsiMsg) pos = d;
  }
  if (!pos) return -ENOSYS;
  pos.chip.irqComposeMsiMsg!(k, pos, msg);
  return 0;
}
