// SPDX-License-Identifier: GPL-2.0-only
/**
 * Bit definitions and small state accessors of the generic IRQ core:
 * include/linux/irq.h (IRQ_TYPE_*, IRQ_* settings, IRQD_* state, IRQCHIP_*),
 * include/linux/interrupt.h (IRQF_*), kernel/irq/internals.h (IRQS_*),
 * kernel/irq/settings.h (irq_settings_*). None of these allocates.
 */
import type { IrqData, IrqDesc } from '../../include/linux/irq.ts';

/* IRQ_TYPE_* (include/linux/irq.h) */
export const IRQ_TYPE_NONE = 0x0;
export const IRQ_TYPE_EDGE_RISING = 0x1;
export const IRQ_TYPE_EDGE_FALLING = 0x2;
export const IRQ_TYPE_EDGE_BOTH = 0x3;
export const IRQ_TYPE_LEVEL_HIGH = 0x4;
export const IRQ_TYPE_LEVEL_LOW = 0x8;
export const IRQ_TYPE_LEVEL_MASK = 0xc;
export const IRQ_TYPE_SENSE_MASK = 0xf;
export const IRQ_TYPE_DEFAULT = IRQ_TYPE_SENSE_MASK;
export const IRQ_TYPE_PROBE = 0x10;

/* IRQ_* settings (desc->status_use_accessors) */
export const IRQ_LEVEL = 1 << 8;
export const IRQ_PER_CPU = 1 << 9;
export const IRQ_NOPROBE = 1 << 10;
export const IRQ_NOREQUEST = 1 << 11;
export const IRQ_NOAUTOEN = 1 << 12;
export const IRQ_NO_BALANCING = 1 << 13;
export const IRQ_NESTED_THREAD = 1 << 15;
export const IRQ_NOTHREAD = 1 << 16;
export const IRQ_PER_CPU_DEVID = 1 << 17;
export const IRQ_IS_POLLED = 1 << 18;
export const IRQ_DISABLE_UNLAZY = 1 << 19;
export const IRQ_HIDDEN = 1 << 20;
export const IRQ_NO_DEBUG = 1 << 21;
/** _IRQ_DEFAULT_INIT_FLAGS (ARCH_IRQ_INIT_FLAGS is 0 on s390) */
export const IRQ_DEFAULT_INIT_FLAGS = 0;

/* IRQD_* state (irq_common_data.state_use_accessors) */
export const IRQD_TRIGGER_MASK = 0xf;
export const IRQD_SETAFFINITY_PENDING = 1 << 8;
export const IRQD_ACTIVATED = 1 << 9;
export const IRQD_NO_BALANCING = 1 << 10;
export const IRQD_PER_CPU = 1 << 11;
export const IRQD_AFFINITY_SET = 1 << 12;
export const IRQD_LEVEL = 1 << 13;
export const IRQD_WAKEUP_STATE = 1 << 14;
export const IRQD_IRQ_DISABLED = 1 << 16;
export const IRQD_IRQ_MASKED = 1 << 17;
export const IRQD_IRQ_INPROGRESS = 1 << 18;
export const IRQD_WAKEUP_ARMED = 1 << 19;
export const IRQD_FORWARDED_TO_VCPU = 1 << 20;
export const IRQD_AFFINITY_MANAGED = 1 << 21;
export const IRQD_IRQ_STARTED = 1 << 22;
export const IRQD_MANAGED_SHUTDOWN = 1 << 23;
export const IRQD_SINGLE_TARGET = 1 << 24;
export const IRQD_DEFAULT_TRIGGER_SET = 1 << 25;
export const IRQD_CAN_RESERVE = 1 << 26;
export const IRQD_HANDLE_ENFORCE_IRQCTX = 1 << 27;
export const IRQD_AFFINITY_ON_ACTIVATE = 1 << 28;
export const IRQD_IRQ_ENABLED_ON_SUSPEND = 1 << 29;
export const IRQD_RESEND_WHEN_IN_PROGRESS = 1 << 30;

/* IRQS_* (kernel/irq/internals.h, desc->istate) */
export const IRQS_AUTODETECT = 0x1;
export const IRQS_SPURIOUS_DISABLED = 0x2;
export const IRQS_POLL_INPROGRESS = 0x8;
export const IRQS_ONESHOT = 0x20;
export const IRQS_REPLAY = 0x40;
export const IRQS_WAITING = 0x80;
export const IRQS_PENDING = 0x200;
export const IRQS_SUSPENDED = 0x800;
export const IRQS_TIMINGS = 0x1000;
export const IRQS_NMI = 0x2000;
export const IRQS_SYSFS = 0x4000;

/* IRQF_* (include/linux/interrupt.h) */
export const IRQF_TRIGGER_NONE = 0x0;
export const IRQF_TRIGGER_RISING = 0x1;
export const IRQF_TRIGGER_FALLING = 0x2;
export const IRQF_TRIGGER_HIGH = 0x4;
export const IRQF_TRIGGER_LOW = 0x8;
export const IRQF_TRIGGER_MASK =
  IRQF_TRIGGER_HIGH | IRQF_TRIGGER_LOW | IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING;
export const IRQF_TRIGGER_PROBE = 0x10;
export const IRQF_SHARED = 0x80;
export const IRQF_PROBE_SHARED = 0x100;
export const __IRQF_TIMER = 0x200;
export const IRQF_PERCPU = 0x400;
export const IRQF_NOBALANCING = 0x800;
export const IRQF_IRQPOLL = 0x1000;
export const IRQF_ONESHOT = 0x2000;
export const IRQF_NO_SUSPEND = 0x4000;
export const IRQF_FORCE_RESUME = 0x8000;
export const IRQF_NO_THREAD = 0x10000;
export const IRQF_EARLY_RESUME = 0x20000;
export const IRQF_COND_SUSPEND = 0x40000;
export const IRQF_NO_AUTOEN = 0x80000;
export const IRQF_NO_DEBUG = 0x100000;
export const IRQF_COND_ONESHOT = 0x200000;
export const IRQF_TIMER = __IRQF_TIMER | IRQF_NO_SUSPEND | IRQF_NO_THREAD;
/** IRQ_NOTCONNECTED: request_irq() on it fails with -ENOTCONN. */
export const IRQ_NOTCONNECTED = 0x80000000;

/* IRQTF_* (action->thread_flags) */
export const IRQTF_RUNTHREAD = 1 << 0;
export const IRQTF_WARNED = 1 << 1;

/* IRQCHIP_* (struct irq_chip flags) */
export const IRQCHIP_SET_TYPE_MASKED = 1 << 0;
export const IRQCHIP_EOI_IF_HANDLED = 1 << 1;
export const IRQCHIP_MASK_ON_SUSPEND = 1 << 2;
export const IRQCHIP_ONOFFLINE_ENABLED = 1 << 3;
export const IRQCHIP_SKIP_SET_WAKE = 1 << 4;
export const IRQCHIP_ONESHOT_SAFE = 1 << 5;
export const IRQCHIP_EOI_THREADED = 1 << 6;
export const IRQCHIP_SUPPORTS_LEVEL_MSI = 1 << 7;
export const IRQCHIP_SUPPORTS_NMI = 1 << 8;
export const IRQCHIP_ENABLE_WAKEUP_ON_SUSPEND = 1 << 9;
export const IRQCHIP_AFFINITY_PRE_STARTUP = 1 << 10;
export const IRQCHIP_IMMUTABLE = 1 << 11;
export const IRQCHIP_MOVE_DEFERRED = 1 << 12;

/** NUMA_NO_NODE */
export const NUMA_NO_NODE = -1;

/* irq_startup() arguments */
export const IRQ_RESEND = true;
export const IRQ_NORESEND = false;
export const IRQ_START_FORCE = true;
export const IRQ_START_COND = false;

// kernel: irqd_get() / __irqd_to_state()
export function irqdGetState(d: IrqData): number {
  return d.common.stateUseAccessors;
}

// kernel: irqd_set()
export function irqdSet(d: IrqData, mask: number): void {
  d.common.stateUseAccessors |= mask;
}

// kernel: irqd_clear()
export function irqdClear(d: IrqData, mask: number): void {
  d.common.stateUseAccessors &= ~mask;
}

// kernel: irqd_has_set()
export function irqdHasSet(d: IrqData, mask: number): boolean {
  return (d.common.stateUseAccessors & mask) !== 0;
}

// kernel: irqd_is_activated()
export function irqdIsActivated(d: IrqData): boolean {
  return (d.common.stateUseAccessors & IRQD_ACTIVATED) !== 0;
}

// kernel: irqd_is_started()
export function irqdIsStarted(d: IrqData): boolean {
  return (d.common.stateUseAccessors & IRQD_IRQ_STARTED) !== 0;
}

// kernel: irqd_irq_disabled()
export function irqdIrqDisabled(d: IrqData): boolean {
  return (d.common.stateUseAccessors & IRQD_IRQ_DISABLED) !== 0;
}

// kernel: irqd_irq_masked()
export function irqdIrqMasked(d: IrqData): boolean {
  return (d.common.stateUseAccessors & IRQD_IRQ_MASKED) !== 0;
}

// kernel: irqd_irq_inprogress()
export function irqdIrqInprogress(d: IrqData): boolean {
  return (d.common.stateUseAccessors & IRQD_IRQ_INPROGRESS) !== 0;
}

// kernel: irqd_affinity_is_managed()
export function irqdAffinityIsManaged(d: IrqData): boolean {
  return (d.common.stateUseAccessors & IRQD_AFFINITY_MANAGED) !== 0;
}

// kernel: irqd_can_balance()
export function irqdCanBalance(d: IrqData): boolean {
  return (d.common.stateUseAccessors & (IRQD_PER_CPU | IRQD_NO_BALANCING)) === 0;
}

// kernel: irqd_get_trigger_type()
export function irqdGetTriggerType(d: IrqData): number {
  return d.common.stateUseAccessors & IRQD_TRIGGER_MASK;
}

// kernel: irqd_set_trigger_type()
export function irqdSetTriggerType(d: IrqData, type: number): void {
  d.common.stateUseAccessors &= ~IRQD_TRIGGER_MASK;
  d.common.stateUseAccessors |= type & IRQD_TRIGGER_MASK;
  d.common.stateUseAccessors |= IRQD_DEFAULT_TRIGGER_SET;
}

// kernel: irqd_trigger_type_was_set()
export function irqdTriggerTypeWasSet(d: IrqData): boolean {
  return (d.common.stateUseAccessors & IRQD_DEFAULT_TRIGGER_SET) !== 0;
}

// kernel: irq_settings_clr_and_set()
export function irqSettingsClrAndSet(desc: IrqDesc, clr: number, set: number): void {
  desc.statusUseAccessors &= ~clr;
  desc.statusUseAccessors |= set;
}

// kernel: irq_settings_is_per_cpu()
export function irqSettingsIsPerCpu(desc: IrqDesc): boolean {
  return (desc.statusUseAccessors & IRQ_PER_CPU) !== 0;
}

// kernel: irq_settings_is_per_cpu_devid()
export function irqSettingsIsPerCpuDevid(desc: IrqDesc): boolean {
  return (desc.statusUseAccessors & IRQ_PER_CPU_DEVID) !== 0;
}

// kernel: irq_settings_no_debug()
export function irqSettingsNoDebug(desc: IrqDesc): boolean {
  return (desc.statusUseAccessors & IRQ_NO_DEBUG) !== 0;
}

// kernel: irq_settings_can_request()
export function irqSettingsCanRequest(desc: IrqDesc): boolean {
  return (desc.statusUseAccessors & IRQ_NOREQUEST) === 0;
}

// kernel: irq_settings_can_autoenable()
export function irqSettingsCanAutoenable(desc: IrqDesc): boolean {
  return (desc.statusUseAccessors & IRQ_NOAUTOEN) === 0;
}

// kernel: irq_settings_disable_unlazy()
export function irqSettingsDisableUnlazy(desc: IrqDesc): boolean {
  return (desc.statusUseAccessors & IRQ_DISABLE_UNLAZY) !== 0;
}

// kernel: irq_settings_is_polled()
export function irqSettingsIsPolled(desc: IrqDesc): boolean {
  return (desc.statusUseAccessors & IRQ_IS_POLLED) !== 0;
}

// kernel: irq_settings_get_trigger_mask()
export function irqSettingsGetTriggerMask(desc: IrqDesc): number {
  return desc.statusUseAccessors & IRQ_TYPE_SENSE_MASK;
}
