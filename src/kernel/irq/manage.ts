// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/manage.c: the driver API — request_irq / free_irq, enable/disable
 * depth, synchronize, affinity. Threaded handlers (thread_fn) are not
 * modelled: request_threaded_irq() with a thread_fn returns -EINVAL.
 * Nothing runs concurrently in the model, so synchronize_irq() has nothing
 * to wait for.
 */
import {
  type Cpumask,
  cpumaskAnd,
  cpumaskCopy,
  cpumaskCreate,
  cpumaskEmpty,
  cpumaskIntersects,
} from '../../include/linux/cpumask.ts';
import { EBUSY, EINVAL, ENOMEM, ENOSYS, ENOTCONN } from '../../include/linux/errno.ts';
import {
  IRQ_SET_MASK_OK,
  IRQ_SET_MASK_OK_DONE,
  IRQ_SET_MASK_OK_NOCOPY,
  type IrqAction,
  type IrqData,
  type IrqDesc,
  type IrqHandler,
} from '../../include/linux/irq.ts';
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Kernel } from '../kernel.ts';
import { warn } from '../panic.ts';
import { irqActivate, irqDisable, irqShutdown, irqStartup, maskIrq, unmaskIrq } from './chip.ts';
import { noIrqChip } from './dummychip.ts';
import {
  IRQ_DISABLE_UNLAZY,
  IRQ_LEVEL,
  IRQ_NO_BALANCING,
  IRQ_NO_DEBUG,
  IRQ_NOPROBE,
  IRQ_NOTCONNECTED,
  IRQ_PER_CPU,
  IRQ_RESEND,
  IRQ_START_COND,
  IRQ_START_FORCE,
  IRQ_TYPE_LEVEL_MASK,
  IRQ_TYPE_SENSE_MASK,
  IRQCHIP_ONESHOT_SAFE,
  IRQCHIP_SET_TYPE_MASKED,
  IRQD_ACTIVATED,
  IRQD_AFFINITY_MANAGED,
  IRQD_AFFINITY_ON_ACTIVATE,
  IRQD_AFFINITY_SET,
  IRQD_IRQ_DISABLED,
  IRQD_IRQ_INPROGRESS,
  IRQD_IRQ_MASKED,
  IRQD_LEVEL,
  IRQD_NO_BALANCING,
  IRQD_PER_CPU,
  IRQD_TRIGGER_MASK,
  IRQF_COND_ONESHOT,
  IRQF_COND_SUSPEND,
  IRQF_NO_AUTOEN,
  IRQF_NO_DEBUG,
  IRQF_NO_SUSPEND,
  IRQF_NOBALANCING,
  IRQF_ONESHOT,
  IRQF_PERCPU,
  IRQF_PROBE_SHARED,
  IRQF_SHARED,
  IRQF_TRIGGER_MASK,
  IRQS_AUTODETECT,
  IRQS_ONESHOT,
  IRQS_SPURIOUS_DISABLED,
  IRQS_SUSPENDED,
  IRQS_WAITING,
  irqdGetTriggerType,
  irqdSetTriggerType,
  irqdTriggerTypeWasSet,
  irqSettingsCanAutoenable,
  irqSettingsCanRequest,
  irqSettingsIsPerCpuDevid,
} from './internals.ts';
import { irqToDesc } from './irqdesc.ts';
import { irqDomainDeactivateIrq } from './irqdomain.ts';

export const FP_REQUEST_THREADED_IRQ = declareFailurePoint(
  'request_threaded_irq',
  'request_threaded_irq',
  'kernel',
  '-ENOMEM (kzalloc of the irqaction)',
);

const GENIRQ = 'genirq: ';

/* ----------------------------------------------------------- synchronize */

/** kernel: synchronize_hardirq() — nothing in flight in the model: true. */
export function synchronizeHardirq(k: Kernel, irq: number): boolean {
  return irqToDesc(k, irq) !== null;
}

/** kernel: synchronize_irq() — nothing runs concurrently in the model. */
export function synchronizeIrq(_k: Kernel, _irq: number): void {}

/* ---------------------------------------------------------------- trigger */

/** kernel: __irq_set_trigger() */
export function irqSetTrigger(k: Kernel, desc: IrqDesc, flags: number): number {
  const chip = desc.irqData.chip;
  if (!chip.irqSetType) return 0;
  let unmask = false;
  const c = desc.irqCommonData;
  if (chip.flags & IRQCHIP_SET_TYPE_MASKED) {
    if (!(c.stateUseAccessors & IRQD_IRQ_MASKED)) maskIrq(k, desc);
    if (!(c.stateUseAccessors & IRQD_IRQ_DISABLED)) unmask = true;
  }
  let f = flags & IRQ_TYPE_SENSE_MASK;
  let ret = chip.irqSetType(k, desc.irqData, f);
  if (ret === IRQ_SET_MASK_OK || ret === IRQ_SET_MASK_OK_DONE) {
    c.stateUseAccessors &= ~IRQD_TRIGGER_MASK;
    c.stateUseAccessors |= f;
  }
  if (ret === IRQ_SET_MASK_OK || ret === IRQ_SET_MASK_OK_DONE || ret === IRQ_SET_MASK_OK_NOCOPY) {
    f = irqdGetTriggerType(desc.irqData);
    desc.statusUseAccessors = (desc.statusUseAccessors & ~IRQ_TYPE_SENSE_MASK) | f;
    c.stateUseAccessors &= ~IRQD_LEVEL;
    desc.statusUseAccessors &= ~IRQ_LEVEL;
    if (f & IRQ_TYPE_LEVEL_MASK) {
      desc.statusUseAccessors |= IRQ_LEVEL;
      c.stateUseAccessors |= IRQD_LEVEL;
    }
    ret = 0;
  } else {
    k.sim.log.printk('err', `${GENIRQ}Setting trigger mode ${f} for irq ${desc.irqData.irq} failed`);
  }
  if (unmask) unmaskIrq(k, desc);
  return ret;
}

/* ------------------------------------------------------------- request */

// kernel: irq_request_resources()
function irqRequestResources(k: Kernel, desc: IrqDesc): number {
  const c = desc.irqData.chip;
  return c.irqRequestResources ? c.irqRequestResources(k, desc.irqData) : 0;
}

// kernel: irq_release_resources()
function irqReleaseResources(k: Kernel, desc: IrqDesc): void {
  const c = desc.irqData.chip;
  if (c.irqReleaseResources) c.irqReleaseResources(k, desc.irqData);
}

// kernel: register_irq_proc() — /proc/irq/<n>/ once per descriptor lifetime
function registerIrqProc(desc: IrqDesc): void {
  if (desc.irqData.chip === noIrqChip) return;
  desc.procDir = true;
}

// kernel: __enable_irq()
export function enableIrqInternal(k: Kernel, desc: IrqDesc): void {
  switch (desc.depth) {
    case 0:
      warn(k, 'kernel/irq/manage.c __enable_irq', `Unbalanced enable for IRQ ${desc.irqData.irq}`);
      break;
    case 1:
      if (desc.istate & IRQS_SUSPENDED) {
        warn(k, 'kernel/irq/manage.c __enable_irq', `Unbalanced enable for IRQ ${desc.irqData.irq}`);
        break;
      }
      desc.statusUseAccessors |= IRQ_NOPROBE;
      irqStartup(k, desc, IRQ_RESEND, IRQ_START_FORCE);
      break;
    default:
      desc.depth--;
  }
}

// kernel: __setup_irq()
function setupIrq(k: Kernel, irq: number, desc: IrqDesc, nw: IrqAction): number {
  if (desc.irqData.chip === noIrqChip) return -ENOSYS;
  nw.irq = irq;
  if (!(nw.flags & IRQF_TRIGGER_MASK)) nw.flags |= irqdGetTriggerType(desc.irqData);
  if (desc.irqData.chip.flags & IRQCHIP_ONESHOT_SAFE) nw.flags &= ~IRQF_ONESHOT;

  let ret = 0;
  if (!desc.action) {
    ret = irqRequestResources(k, desc);
    if (ret) {
      k.sim.log.printk(
        'err',
        `${GENIRQ}Failed to request resources for ${nw.name} (irq ${irq}) on irqchip ${desc.irqData.chip.name}`,
      );
      return ret;
    }
  }

  let shared = false;
  const old = desc.action;
  let last: IrqAction | null = null;
  if (old) {
    let oldtype: number;
    if (irqdTriggerTypeWasSet(desc.irqData)) {
      oldtype = irqdGetTriggerType(desc.irqData);
    } else {
      oldtype = nw.flags & IRQF_TRIGGER_MASK;
      irqdSetTriggerType(desc.irqData, oldtype);
    }
    let mismatch = false;
    if (!(old.flags & nw.flags & IRQF_SHARED) || oldtype !== (nw.flags & IRQF_TRIGGER_MASK)) mismatch = true;
    else if (old.flags & IRQF_ONESHOT && nw.flags & IRQF_COND_ONESHOT) nw.flags |= IRQF_ONESHOT;
    else if ((old.flags ^ nw.flags) & IRQF_ONESHOT) mismatch = true;
    if (!mismatch && (old.flags & IRQF_PERCPU) !== (nw.flags & IRQF_PERCPU)) mismatch = true;
    if (mismatch) {
      if (!(nw.flags & IRQF_PROBE_SHARED)) {
        const h = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
        k.sim.log.printk(
          'err',
          `${GENIRQ}Flags mismatch irq ${irq}. ${h(nw.flags)} (${nw.name}) vs. ${h(old.flags)} (${old.name})`,
        );
      }
      return -EBUSY;
    }
    for (last = old; last.next; last = last.next) {}
    shared = true;
  }

  if (!shared) {
    const c = desc.irqCommonData;
    if (nw.flags & IRQF_TRIGGER_MASK) {
      ret = irqSetTrigger(k, desc, nw.flags & IRQF_TRIGGER_MASK);
      if (ret) {
        irqReleaseResources(k, desc);
        return ret;
      }
    }
    ret = irqActivate(k, desc);
    if (ret) {
      irqReleaseResources(k, desc);
      return ret;
    }
    desc.istate &= ~(IRQS_AUTODETECT | IRQS_SPURIOUS_DISABLED | IRQS_ONESHOT | IRQS_WAITING);
    c.stateUseAccessors &= ~IRQD_IRQ_INPROGRESS;
    if (nw.flags & IRQF_PERCPU) {
      c.stateUseAccessors |= IRQD_PER_CPU;
      desc.statusUseAccessors |= IRQ_PER_CPU;
      if (nw.flags & IRQF_NO_DEBUG) desc.statusUseAccessors |= IRQ_NO_DEBUG;
    }
    if (nw.flags & IRQF_ONESHOT) desc.istate |= IRQS_ONESHOT;
    if (nw.flags & IRQF_NOBALANCING) {
      desc.statusUseAccessors |= IRQ_NO_BALANCING;
      c.stateUseAccessors |= IRQD_NO_BALANCING;
    }
    if (!(nw.flags & IRQF_NO_AUTOEN) && irqSettingsCanAutoenable(desc)) {
      irqStartup(k, desc, IRQ_RESEND, IRQ_START_COND);
    } else {
      if (nw.flags & IRQF_SHARED)
        warn(k, 'kernel/irq/manage.c __setup_irq', 'WARN_ON_ONCE(new->flags & IRQF_SHARED)');
      desc.depth = 1;
    }
  } else if (nw.flags & IRQF_TRIGGER_MASK) {
    const nmsk = nw.flags & IRQF_TRIGGER_MASK;
    const omsk = irqdGetTriggerType(desc.irqData);
    if (nmsk !== omsk)
      k.sim.log.printk('warning', `${GENIRQ}irq ${irq} uses trigger mode ${omsk}; requested ${nmsk}`);
  }

  if (last) last.next = nw;
  else desc.action = nw;
  desc.irqCount = 0;
  desc.irqsUnhandled = 0;
  if (shared && desc.istate & IRQS_SPURIOUS_DISABLED) {
    desc.istate &= ~IRQS_SPURIOUS_DISABLED;
    enableIrqInternal(k, desc);
  }
  registerIrqProc(desc);
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'irq_request', { irq, name: nw.name });
  return 0;
}

/**
 * kernel: request_threaded_irq() — returns 0 or -errno. thread_fn is not
 * modelled: a non-null one returns -EINVAL (logged).
 */
export function requestThreadedIrq(
  k: Kernel,
  irq: number,
  handler: IrqHandler | null,
  threadFn: IrqHandler | null,
  irqflags: number,
  devname: string,
  devId: unknown,
): number {
  if (irq >>> 0 === IRQ_NOTCONNECTED) return -ENOTCONN;
  if (
    (irqflags & IRQF_SHARED && !devId) ||
    (irqflags & IRQF_SHARED && irqflags & IRQF_NO_AUTOEN) ||
    (!(irqflags & IRQF_SHARED) && irqflags & IRQF_COND_SUSPEND) ||
    (irqflags & IRQF_NO_SUSPEND && irqflags & IRQF_COND_SUSPEND)
  ) {
    return -EINVAL;
  }
  const desc = irqToDesc(k, irq);
  if (!desc) return -EINVAL;
  if (!irqSettingsCanRequest(desc)) return -EINVAL;
  if (irqSettingsIsPerCpuDevid(desc)) {
    warn(k, 'kernel/irq/manage.c request_threaded_irq', 'WARN_ON(irq_settings_is_per_cpu_devid(desc))');
    return -EINVAL;
  }
  if (!handler) {
    if (!threadFn) return -EINVAL;
  }
  if (threadFn) {
    k.sim.log.printk('err', `irqlab: threaded handler for irq ${irq} (${devname}) not modelled`);
    return -EINVAL;
  }
  if (k.sim.faults.shouldFail(FP_REQUEST_THREADED_IRQ)) return -ENOMEM;
  const action: IrqAction = {
    handler: handler!,
    devId,
    flags: irqflags,
    name: devname,
    irq: 0,
    next: null,
    // thread_fn is NULL (refused above) and thread_flags 0: absent until set. dir is set by
    // register_handler_proc() (undefined = not recorded): in the literal so the object keeps
    // its shape.
    dir: undefined,
  };
  return setupIrq(k, irq, desc, action);
}

/** kernel: request_irq() */
export function requestIrq(
  k: Kernel,
  irq: number,
  handler: IrqHandler | null,
  flags: number,
  name: string,
  devId: unknown,
): number {
  return requestThreadedIrq(k, irq, handler, null, flags, name, devId);
}

/** kernel: can_request_irq() */
export function canRequestIrq(k: Kernel, irq: number, irqflags: number): boolean {
  const desc = irqToDesc(k, irq);
  if (!desc || !irqSettingsCanRequest(desc)) return false;
  if (!desc.action) return true;
  return (irqflags & desc.action.flags & IRQF_SHARED) !== 0;
}

/* ----------------------------------------------------------------- free */

// kernel: __free_irq()
function freeIrqInternal(k: Kernel, desc: IrqDesc, devId: unknown): IrqAction | null {
  const irq = desc.irqData.irq;
  if (k.hardirqCount > 0) {
    warn(k, 'kernel/irq/manage.c __free_irq', `Trying to free IRQ ${irq} from IRQ context!`);
  }
  let prev: IrqAction | null = null;
  let action = desc.action;
  for (;;) {
    if (!action) {
      warn(k, 'kernel/irq/manage.c __free_irq', `Trying to free already-free IRQ ${irq}`);
      return null;
    }
    if (action.devId === devId) break;
    prev = action;
    action = action.next;
  }
  if (prev) prev.next = action.next;
  else desc.action = action.next;
  if (!desc.action) {
    desc.statusUseAccessors &= ~IRQ_DISABLE_UNLAZY;
    irqShutdown(k, desc);
  }
  if (desc.affinityHint) {
    warn(k, 'kernel/irq/manage.c __free_irq', 'WARN_ON_ONCE(desc->affinity_hint)');
    desc.affinityHint = null;
  }
  synchronizeIrq(k, irq);
  if (!desc.action) {
    irqDomainDeactivateIrq(k, desc.irqData);
    irqReleaseResources(k, desc);
  }
  action.next = null;
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'irq_free', { irq, name: action.name });
  return action;
}

/**
 * kernel: free_irq() — returns the devname given to request_irq, or null
 * (no descriptor, per-CPU-devid, or no action with this dev_id: WARN).
 */
export function freeIrq(k: Kernel, irq: number, devId: unknown): string | null {
  const desc = irqToDesc(k, irq);
  if (!desc) return null;
  if (irqSettingsIsPerCpuDevid(desc)) {
    warn(k, 'kernel/irq/manage.c free_irq', 'WARN_ON(irq_settings_is_per_cpu_devid(desc))');
    return null;
  }
  const action = freeIrqInternal(k, desc, devId);
  if (!action) return null;
  return action.name;
}

/* ---------------------------------------------------- enable / disable */

// kernel: __disable_irq()
export function disableIrqInternal(k: Kernel, desc: IrqDesc): void {
  if (!desc.depth++) irqDisable(k, desc);
}

/** kernel: disable_irq_nosync() — -EINVAL for no desc (return value of __disable_irq_nosync). */
export function disableIrqNosync(k: Kernel, irq: number): number {
  const desc = irqToDesc(k, irq);
  if (!desc || irqSettingsIsPerCpuDevid(desc)) return -EINVAL;
  disableIrqInternal(k, desc);
  return 0;
}

/** kernel: disable_irq() */
export function disableIrq(k: Kernel, irq: number): void {
  if (!disableIrqNosync(k, irq)) synchronizeIrq(k, irq);
}

/** kernel: disable_hardirq() */
export function disableHardirq(k: Kernel, irq: number): boolean {
  if (!disableIrqNosync(k, irq)) return synchronizeHardirq(k, irq);
  return false;
}

/** kernel: enable_irq() — depth 0 => WARN "Unbalanced enable for IRQ %d". */
export function enableIrq(k: Kernel, irq: number): void {
  const desc = irqToDesc(k, irq);
  if (!desc || irqSettingsIsPerCpuDevid(desc)) return;
  enableIrqInternal(k, desc);
}

/* -------------------------------------------------------------- affinity */

// kernel: __irq_can_set_affinity()
function irqCanSetAffinityDesc(desc: IrqDesc | null): boolean {
  if (!desc) return false;
  if (desc.irqCommonData.stateUseAccessors & (IRQD_PER_CPU | IRQD_NO_BALANCING)) return false;
  return desc.irqData.chip.irqSetAffinity !== undefined;
}

/** kernel: irq_can_set_affinity() */
export function irqCanSetAffinity(k: Kernel, irq: number): boolean {
  return irqCanSetAffinityDesc(irqToDesc(k, irq));
}

/** kernel: irq_can_set_affinity_usr() */
export function irqCanSetAffinityUsr(k: Kernel, irq: number): boolean {
  const desc = irqToDesc(k, irq);
  return irqCanSetAffinityDesc(desc) && !(desc!.irqCommonData.stateUseAccessors & IRQD_AFFINITY_MANAGED);
}

/**
 * kernel: irq_do_set_affinity() — hands mask ∩ online (or the raw mask when
 * forced) to the level-0 chip; on OK/OK_DONE the requested mask becomes the
 * affinity (and, without GENERIC_IRQ_EFFECTIVE_AFF_MASK, the effective mask).
 */
export function irqDoSetAffinity(k: Kernel, data: IrqData, mask: Cpumask, force: boolean): number {
  const chip = data.chip;
  const desc = data.common.desc;
  if (!chip.irqSetAffinity || !desc) return -EINVAL;
  const tmp = cpumaskCreate();
  cpumaskAnd(tmp, mask, k.cpuOnlineMask);
  let ret: number;
  if (!force && !cpumaskEmpty(tmp)) ret = chip.irqSetAffinity(k, data, tmp, false);
  else if (force) ret = chip.irqSetAffinity(k, data, mask, true);
  else ret = -EINVAL;
  if (ret === IRQ_SET_MASK_OK || ret === IRQ_SET_MASK_OK_DONE) {
    cpumaskCopy(desc.irqCommonData.affinity, mask);
    cpumaskCopy(desc.irqCommonData.effectiveAffinity, mask);
  }
  if (ret === IRQ_SET_MASK_OK || ret === IRQ_SET_MASK_OK_DONE || ret === IRQ_SET_MASK_OK_NOCOPY) ret = 0;
  return ret;
}

// kernel: irq_set_affinity_deactivated()
function irqSetAffinityDeactivated(data: IrqData, mask: Cpumask): boolean {
  const st = data.common.stateUseAccessors;
  if (st & IRQD_ACTIVATED || !(st & IRQD_AFFINITY_ON_ACTIVATE)) return false;
  cpumaskCopy(data.common.affinity, mask);
  cpumaskCopy(data.common.effectiveAffinity, mask);
  data.common.stateUseAccessors |= IRQD_AFFINITY_SET;
  return true;
}

/** kernel: irq_set_affinity_locked() — AFFINITY_SET is set even when the chip refused. */
export function irqSetAffinityLocked(k: Kernel, data: IrqData, mask: Cpumask, force: boolean): number {
  if (!data.chip.irqSetAffinity) return -EINVAL;
  if (irqSetAffinityDeactivated(data, mask)) return 0;
  // irq_try_set_affinity(): no GENERIC_PENDING_IRQ on s390
  const ret = irqDoSetAffinity(k, data, mask, force);
  data.common.stateUseAccessors |= IRQD_AFFINITY_SET;
  return ret;
}

/** kernel: irq_set_affinity() */
export function irqSetAffinity(k: Kernel, irq: number, mask: Cpumask): number {
  const desc = irqToDesc(k, irq);
  if (!desc) return -EINVAL;
  return irqSetAffinityLocked(k, desc.irqData, mask, false);
}

/** kernel: irq_force_affinity() */
export function irqForceAffinity(k: Kernel, irq: number, mask: Cpumask): number {
  const desc = irqToDesc(k, irq);
  if (!desc) return -EINVAL;
  return irqSetAffinityLocked(k, desc.irqData, mask, true);
}

/**
 * kernel: irq_setup_affinity() — at startup: keep a managed/user affinity that
 * still has an online CPU, else irq_default_affinity; ∩ online (all online if
 * empty); no NUMA on s390.
 */
export function irqSetupAffinity(k: Kernel, desc: IrqDesc): number {
  if (!irqCanSetAffinityDesc(desc)) return 0;
  const c = desc.irqCommonData;
  let set = k.irqDefaultAffinity;
  if (c.stateUseAccessors & (IRQD_AFFINITY_MANAGED | IRQD_AFFINITY_SET)) {
    if (cpumaskIntersects(c.affinity, k.cpuOnlineMask)) set = c.affinity;
    else c.stateUseAccessors &= ~IRQD_AFFINITY_SET;
  }
  const mask = cpumaskCreate();
  cpumaskAnd(mask, k.cpuOnlineMask, set);
  if (cpumaskEmpty(mask)) cpumaskCopy(mask, k.cpuOnlineMask);
  return irqDoSetAffinity(k, desc.irqData, mask, false);
}

/**
 * kernel: __irq_apply_affinity_hint() — store the hint; with `setaffinity`
 * also irq_set_affinity(). irq_set_affinity_hint() = (…, true),
 * irq_update_affinity_hint() = (…, false).
 */
export function irqApplyAffinityHint(
  k: Kernel,
  irq: number,
  m: Cpumask | null,
  setaffinity: boolean,
): number {
  const desc = irqToDesc(k, irq);
  if (!desc || irqSettingsIsPerCpuDevid(desc)) return -EINVAL;
  desc.affinityHint = m;
  if (m && setaffinity) irqSetAffinity(k, irq, m);
  return 0;
}

/** kernel: irq_set_affinity_hint() */
export function irqSetAffinityHint(k: Kernel, irq: number, m: Cpumask | null): number {
  return irqApplyAffinityHint(k, irq, m, true);
}

/** kernel: irq_update_affinity_hint() */
export function irqUpdateAffinityHint(k: Kernel, irq: number, m: Cpumask | null): number {
  return irqApplyAffinityHint(k, irq, m, false);
}

/** kernel: irq_set_irq_type() */
export function irqSetIrqType(k: Kernel, irq: number, type: number): number {
  const desc = irqToDesc(k, irq);
  if (!desc || irqSettingsIsPerCpuDevid(desc)) return -EINVAL;
  return irqSetTrigger(k, desc, type);
}
