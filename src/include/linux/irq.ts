// SPDX-License-Identifier: GPL-2.0-only
/**
 * The IRQ core's structures: include/linux/irq.h, irqdesc.h, interrupt.h,
 * irqdomain.h. Field names are the kernel's in camelCase. Behaviour lives in
 * src/kernel/irq/; these are shapes only. Implementations may add fields.
 *
 * hwirq is an `irq_hw_number_t` (unsigned long, 64 bits on s390). It is kept
 * exactly as two u32 halves (`hwirqHi`, `hwirqLo`) so the delivery path needs
 * no bigint; setup paths use `bigint` (see hwirq.ts).
 */
import type { Kernel } from '../../kernel/kernel.ts';
import type { Cpumask } from './cpumask.ts';
import type { Device } from './device.ts';
import type { MsiDesc, MsiMsg, MsiParentOps } from './msi.ts';

/** irqreturn_t */
export const IRQ_NONE = 0;
export const IRQ_HANDLED = 1;
export const IRQ_WAKE_THREAD = 2;
export type IrqReturn = number;

/** irq_set_affinity return values (include/linux/irq.h) */
export const IRQ_SET_MASK_OK = 0;
export const IRQ_SET_MASK_OK_NOCOPY = 1;
export const IRQ_SET_MASK_OK_DONE = 2;

export interface IrqChip {
  readonly name: string;
  flags: number;
  irqStartup?(k: Kernel, d: IrqData): number;
  irqShutdown?(k: Kernel, d: IrqData): void;
  irqEnable?(k: Kernel, d: IrqData): void;
  irqDisable?(k: Kernel, d: IrqData): void;
  irqAck?(k: Kernel, d: IrqData): void;
  irqMask?(k: Kernel, d: IrqData): void;
  irqMaskAck?(k: Kernel, d: IrqData): void;
  irqUnmask?(k: Kernel, d: IrqData): void;
  irqEoi?(k: Kernel, d: IrqData): void;
  irqSetAffinity?(k: Kernel, d: IrqData, dest: Cpumask, force: boolean): number;
  irqRetrigger?(k: Kernel, d: IrqData): number;
  irqSetType?(k: Kernel, d: IrqData, flowType: number): number;
  irqComposeMsiMsg?(k: Kernel, d: IrqData, msg: MsiMsg): void;
  irqWriteMsiMsg?(k: Kernel, d: IrqData, msg: MsiMsg): void;
  irqRequestResources?(k: Kernel, d: IrqData): number;
  irqReleaseResources?(k: Kernel, d: IrqData): void;
  /** irq_print_chip: replaces the chip name in /proc/interrupts (generic) and debugfs; returns the text. */
  irqPrintChip?(k: Kernel, d: IrqData): string;
}

/** struct irq_common_data: per virq, shared by all hierarchy levels. */
export interface IrqCommonData {
  stateUseAccessors: number; // IRQD_*
  handlerData: unknown;
  msiDesc: MsiDesc | null;
  affinity: Cpumask;
  effectiveAffinity: Cpumask;
  /** Model only: container_of(common, struct irq_desc, irq_common_data). */
  desc?: IrqDesc;
}

/** struct irq_data: one per hierarchy level. */
export interface IrqData {
  mask: number;
  irq: number; // virq
  hwirqHi: number; // upper 32 bits of irq_hw_number_t
  hwirqLo: number; // lower 32 bits
  common: IrqCommonData;
  chip: IrqChip;
  domain: IrqDomain | null;
  parentData: IrqData | null;
  chipData: unknown;
  /** Model only: set when the level was freed (kfree) — any later use is a use-after-free. */
  freed: boolean;
}

export type IrqHandler = (k: Kernel, irq: number, devId: unknown) => IrqReturn;

/** struct irqaction */
export interface IrqAction {
  handler: IrqHandler;
  devId: unknown;
  flags: number; // IRQF_*
  name: string;
  irq: number;
  next: IrqAction | null;
  /** action->dir: /proc/irq/<n>/<name>/ exists (register_handler_proc); undefined = not recorded. */
  dir?: boolean;
  /** thread_fn (threaded handlers are not modelled: request_threaded_irq refuses a non-null one). */
  threadFn?: IrqHandler | null;
  /** IRQTF_* bits (IRQTF_WARNED for the IRQ_WAKE_THREAD-without-thread warning). */
  threadFlags?: number;
}

/** A flow handler: handle_edge_irq and friends. */
export type IrqFlowHandler = (k: Kernel, desc: IrqDesc) => void;

/** struct irq_desc */
export interface IrqDesc {
  irqCommonData: IrqCommonData;
  irqData: IrqData; // level 0
  /**
   * kstat_irqs (alloc_percpu): the count of CPU c is kstatSlab[kstatOff + c], c < nr_cpu_ids.
   * Model only (memory): a row of a slab shared by many descriptors, not a view object each.
   */
  kstatSlab: Uint32Array;
  kstatOff: number;
  /** The per-CPU counts as a view of the row, indexed by logical CPU number (allocates: tests, views). */
  readonly kstatIrqs: Uint32Array;
  handleIrq: IrqFlowHandler;
  /** Flow handler name as /proc/interrupts prints it (desc->name), or null. */
  name: string | null;
  action: IrqAction | null;
  statusUseAccessors: number; // IRQ_*
  istate: number; // IRQS_*
  depth: number;
  wakeDepth: number;
  totCount: number;
  irqCount: number;
  lastUnhandled: number;
  irqsUnhandled: number;
  /** /proc/irq/<n> exists (created on first request_irq). */
  procDir: boolean;
  devName: string | null;
  /** desc->affinity_hint (/proc/irq/<n>/affinity_hint); absent or null = none. */
  affinityHint?: Cpumask | null;
  /** Model only: the descriptor was freed. */
  freed: boolean;
}

/** struct irq_fwspec / fwnode_handle (named fwnodes only in this model). */
export interface FwnodeHandle {
  readonly kind: 'named' | 'device';
  name: string;
  /** Model only: freed by irq_domain_free_fwnode(). */
  freed: boolean;
}

/**
 * enum irq_domain_bus_token. DOMAIN_BUS_PLATFORM_MSI is gone in the kernel the model
 * follows: the real 7.2 capture names the device domains `PCI-MSIX-<bdf>-11`, so
 * PCI_DEVICE_MSIX is 11 (the token is the domain-name suffix).
 */
export const DOMAIN_BUS_ANY = 0;
export const DOMAIN_BUS_WIRED = 1;
export const DOMAIN_BUS_GENERIC_MSI = 2;
export const DOMAIN_BUS_PCI_MSI = 3;
export const DOMAIN_BUS_NEXUS = 4;
export const DOMAIN_BUS_IPI = 5;
export const DOMAIN_BUS_FSL_MC_MSI = 6;
export const DOMAIN_BUS_TI_SCI_INTA_MSI = 7;
export const DOMAIN_BUS_WAKEUP = 8;
export const DOMAIN_BUS_VMD_MSI = 9;
export const DOMAIN_BUS_PCI_DEVICE_MSI = 10;
export const DOMAIN_BUS_PCI_DEVICE_MSIX = 11;

/** struct irq_domain_ops */
export interface IrqDomainOps {
  alloc?(k: Kernel, d: IrqDomain, virq: number, nrIrqs: number, arg: unknown): number;
  free?(k: Kernel, d: IrqDomain, virq: number, nrIrqs: number): void;
  activate?(k: Kernel, d: IrqDomain, irqData: IrqData, reserve: boolean): number;
  deactivate?(k: Kernel, d: IrqDomain, irqData: IrqData): void;
  /**
   * debug_show(seq, domain, irq_data, ind) for GENERIC_IRQ_DEBUGFS: returns the text it would
   * seq_printf. Called with (d, null) from the domain file and (null, irqData) from the irq file.
   */
  debugShow?(k: Kernel, d: IrqDomain | null, irqData: IrqData | null, ind: number): string;
}

/**
 * One inner map of a domain's radix-tree reverse map (the irq_data of each low half of the
 * hwirqs with one high half). A Map<number, IrqData> is one; irqdomain.ts uses RevmapLeaf.
 */
export interface RevmapInner {
  readonly size: number;
  get(lo: number): IrqData | undefined;
  has(lo: number): boolean;
  set(lo: number, d: IrqData): unknown;
  delete(lo: number): boolean;
  keys(): IterableIterator<number>;
  [Symbol.iterator](): IterableIterator<[number, IrqData]>;
}

/**
 * The outer level of the radix-tree reverse map (keyed by hwirq hi): the part of a Map's
 * interface the model uses. A Map<number, RevmapInner> is one; irqdomain.ts uses a map that
 * holds one key inline (a per-device domain only has hi 0).
 */
export interface RevmapTree {
  readonly size: number;
  get(hi: number): RevmapInner | undefined;
  has(hi: number): boolean;
  set(hi: number, inner: RevmapInner): unknown;
  delete(hi: number): boolean;
  keys(): IterableIterator<number>;
  [Symbol.iterator](): IterableIterator<[number, RevmapInner]>;
}

/** struct irq_domain */
export interface IrqDomain {
  name: string;
  ops: IrqDomainOps;
  hostData: unknown;
  flags: number; // IRQ_DOMAIN_FLAG_*
  mapcount: number;
  fwnode: FwnodeHandle | null;
  busToken: number;
  hwirqMax: number;
  revmapSize: number;
  /** Linear reverse map, hwirq < revmapSize (hwirqHi == 0). */
  revmap: (IrqData | null)[];
  /** Radix-tree reverse map for hwirqs beyond revmapSize: keyed by hi, then lo. */
  revmapTree: RevmapTree;
  /**
   * Model only (speed): the inner map of revmapTree last looked up and its hi (the delivery
   * path resolves many hwirqs of one function in a row). Kept valid by irqdomain.ts.
   */
  revmapCacheHi?: number;
  revmapCacheInner?: RevmapInner | null;
  /**
   * Model only (speed): a direct-mapped cache of revmapTree's inner maps by hi (slot =
   * hi & mask; key -1 = empty), for interrupts of many functions in turn. Made with the
   * first inner map (setup path); kept valid by irqdomain.ts.
   */
  revmapHiKeys?: Float64Array | null;
  revmapHiInner?: (RevmapInner | null)[] | null;
  parent: IrqDomain | null;
  dev: Device | null;
  msiParentOps: MsiParentOps | null;
  /** Model only: removed by irq_domain_remove(). */
  removed: boolean;
  /** domain->exit, called first by irq_domain_remove(). */
  exit?: ((k: Kernel, d: IrqDomain) => void) | null;
}
