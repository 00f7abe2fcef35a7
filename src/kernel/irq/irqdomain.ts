// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/irqdomain.c (+ include/linux/irqdomain.h inlines): named fwnodes,
 * domain creation and removal, the reverse map (linear revmap for
 * hwirq < revmap_size, radix tree otherwise), hierarchical allocation and
 * freeing, per-level helpers, activation and deactivation.
 *
 * The radix tree is `revmapTree: Map<hi, Map<lo, IrqData>>`; an empty inner
 * map is deleted so `revmapTree.size === 0` is radix_tree_empty(). Like
 * radix_tree_insert(), inserting an existing hwirq keeps the old entry (the
 * kernel ignores the -EEXIST).
 */
import { EINVAL, ENOENT, ENOMEM, ENOSYS } from '../../include/linux/errno.ts';
import { hwirqHi, hwirqJoin, hwirqLo, u64 } from '../../include/linux/hwirq.ts';
import {
  DOMAIN_BUS_ANY,
  type FwnodeHandle,
  type IrqChip,
  type IrqData,
  type IrqDesc,
  type IrqDomain,
  type IrqDomainOps,
  type IrqFlowHandler,
  type RevmapInner,
} from '../../include/linux/irq.ts';
import type { IrqAffinityDesc, IrqDomainInfo } from '../../include/linux/msi.ts';
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Kernel } from '../kernel.ts';
import { deref, oops, warn } from '../panic.ts';
import {
  irqSetChipAndHandler,
  irqSetHandler,
  irqSetHandlerData,
  irqSetHandlerInternal,
  irqSetStatusFlags,
} from './chip.ts';
import { chipIsErrOrNull, ENOTCONN_IRQ_CHIP, NULL_IRQ_CHIP, noIrqChip } from './dummychip.ts';
import { IRQ_NOREQUEST, IRQD_ACTIVATED } from './internals.ts';
import { irqAllocDescsInternal, irqDataNew, irqDataToDesc, irqFreeDescs, irqGetIrqData } from './irqdesc.ts';
import { synchronizeIrq } from './manage.ts';
import { DenseIndexMap, OneKeyMap } from './small-map.ts';

export {
  irqChipAckParent,
  irqChipComposeMsiMsg,
  irqChipDisableParent,
  irqChipEnableParent,
  irqChipEoiParent,
  irqChipMaskAckParent,
  irqChipMaskParent,
  irqChipRetriggerHierarchy,
  irqChipSetAffinityParent,
  irqChipSetTypeParent,
  irqChipUnmaskParent,
} from './chip.ts';

/* IRQ_DOMAIN_FLAG_* (include/linux/irqdomain.h) */
export const IRQ_DOMAIN_FLAG_HIERARCHY = 1 << 0;
export const IRQ_DOMAIN_NAME_ALLOCATED = 1 << 1;
export const IRQ_DOMAIN_FLAG_IPI_PER_CPU = 1 << 2;
export const IRQ_DOMAIN_FLAG_IPI_SINGLE = 1 << 3;
export const IRQ_DOMAIN_FLAG_MSI = 1 << 4;
export const IRQ_DOMAIN_FLAG_ISOLATED_MSI = 1 << 5;
export const IRQ_DOMAIN_FLAG_NO_MAP = 1 << 6;
export const IRQ_DOMAIN_FLAG_MSI_PARENT = 1 << 8;
export const IRQ_DOMAIN_FLAG_MSI_DEVICE = 1 << 9;
export const IRQ_DOMAIN_FLAG_DESTROY_GC = 1 << 10;
export const IRQ_DOMAIN_FLAG_MSI_IMMUTABLE = 1 << 11;
export const IRQ_DOMAIN_FLAG_FWNODE_PARENT = 1 << 12;
export const IRQ_DOMAIN_FLAG_NONCORE = 1 << 16;

export const FP_IRQ_DOMAIN_ALLOC_NAMED_FWNODE = declareFailurePoint(
  'irq_domain_alloc_named_fwnode',
  '__irq_domain_alloc_fwnode',
  'kernel',
  'NULL (kzalloc/kasprintf)',
);
export const FP_IRQ_DOMAIN_INSTANTIATE = declareFailurePoint(
  'irq_domain_instantiate',
  '__irq_domain_create',
  'kernel',
  'ERR_PTR(-ENOMEM) (kzalloc of the domain)',
);
export const FP_IRQ_DOMAIN_SET_NAME = declareFailurePoint(
  'irq_domain_set_name',
  'irq_domain_set_name',
  'kernel',
  '-ENOMEM (kasprintf) -> ERR_PTR(-ENOMEM)',
);
export const FP_IRQ_DOMAIN_UPDATE_BUS_TOKEN = declareFailurePoint(
  'irq_domain_update_bus_token',
  'irq_domain_update_bus_token',
  'kernel',
  'kasprintf fails: token changed, name kept, no error reported',
);
export const FP_IRQ_DOMAIN_ALLOC_IRQ_DATA = declareFailurePoint(
  'irq_domain_alloc_irq_data',
  'irq_domain_insert_irq_data',
  'kernel',
  'NULL -> __irq_domain_alloc_irqs returns -ENOMEM',
);
export const FP_IRQ_DOMAIN_ALLOC_IRQS = declareFailurePoint(
  'irq_domain_alloc_irqs',
  'irq_domain_alloc_descs',
  'kernel',
  '-ENOMEM (descriptor allocation for the domain)',
);

/** Per-Kernel globals of irqdomain.c that have no Kernel field. */
interface DomainState {
  /** static atomic_t unknown_domains */
  unknownDomains: number;
  /** irq_default_domain (never set on s390) */
  defaultDomain: IrqDomain | null;
  /** Model only: irqchip fwnodes allocated and not yet freed, in allocation order (leak checks). */
  liveFwnodes: FwnodeHandle[];
}
const states = new WeakMap<Kernel, DomainState>();
function stateOf(k: Kernel): DomainState {
  let s = states.get(k);
  if (!s) {
    s = { unknownDomains: 0, defaultDomain: null, liveFwnodes: [] };
    states.set(k, s);
  }
  return s;
}

/* ---------------------------------------------------------------- fwnodes */

/** kernel: irq_domain_alloc_named_fwnode() — an irqchip fwnode carrying a copy of `name`; null on failure. */
export function irqDomainAllocNamedFwnode(k: Kernel, name: string): FwnodeHandle | null {
  if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_ALLOC_NAMED_FWNODE)) return null;
  const f: FwnodeHandle = { kind: 'named', name: `${name}`, freed: false };
  stateOf(k).liveFwnodes.push(f);
  return f;
}

/** kernel: irq_domain_alloc_named_id_fwnode() — name "<name>-<id>". */
export function irqDomainAllocNamedIdFwnode(k: Kernel, name: string, id: number): FwnodeHandle | null {
  if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_ALLOC_NAMED_FWNODE)) return null;
  const f: FwnodeHandle = { kind: 'named', name: `${name}-${id}`, freed: false };
  stateOf(k).liveFwnodes.push(f);
  return f;
}

/** Model only: the irqchip fwnodes allocated and not freed (for leak checks), in allocation order. */
export function irqDomainLiveFwnodes(k: Kernel): readonly FwnodeHandle[] {
  return stateOf(k).liveFwnodes;
}

/** kernel: is_fwnode_irqchip() */
export function isFwnodeIrqchip(fwnode: FwnodeHandle | null): boolean {
  return fwnode !== null && fwnode.kind === 'named';
}

/** kernel: irq_domain_free_fwnode() — NULL is a no-op; a non-irqchip fwnode WARNs. */
export function irqDomainFreeFwnode(k: Kernel, fwnode: FwnodeHandle | null): void {
  if (!fwnode) return;
  if (!isFwnodeIrqchip(fwnode)) {
    warn(k, 'kernel/irq/irqdomain.c irq_domain_free_fwnode', 'WARN_ON(!is_fwnode_irqchip(fwnode))');
    return;
  }
  if (fwnode.freed) {
    // kfree() of an already freed object: a double free.
    oops(k, 'double free of irqchip_fwid', 'kernel/irq/irqdomain.c irq_domain_free_fwnode');
  }
  fwnode.freed = true;
  const live = stateOf(k).liveFwnodes;
  const i = live.indexOf(fwnode);
  if (i >= 0) live.splice(i, 1);
}

/* ------------------------------------------------------ creation, removal */

// kernel: irq_domain_set_name()
function irqDomainSetName(k: Kernel, domain: IrqDomain, info: IrqDomainInfo): number {
  const busToken = info.busToken;
  const fwnode = info.fwnode;
  if (isFwnodeIrqchip(fwnode)) {
    if (info.nameSuffix) return -EINVAL;
    // alloc_name(): IRQCHIP_FWNODE_NAMED / NAMED_ID
    if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_SET_NAME)) return -ENOMEM;
    const base = deref(k, fwnode, 'fwnode_handle', 'kernel/irq/irqdomain.c irq_domain_set_name').name;
    domain.name = busToken === DOMAIN_BUS_ANY ? base : `${base}-${busToken}`;
    domain.flags |= IRQ_DOMAIN_NAME_ALLOCATED;
    return 0;
  }
  if (fwnode && fwnode.kind === 'device') {
    // alloc_fwnode_name(): "%pfw[-suffix][-token]" with '/' replaced by ':'
    if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_SET_NAME)) return -ENOMEM;
    const sep = info.nameSuffix ? `-${info.nameSuffix}` : '';
    const tok = busToken === DOMAIN_BUS_ANY ? '' : `-${busToken}`;
    domain.name = `${fwnode.name}${sep}${tok}`.replaceAll('/', ':');
    domain.flags |= IRQ_DOMAIN_NAME_ALLOCATED;
    return 0;
  }
  if (fwnode) k.sim.log.printk('err', 'irq: Invalid fwnode type for irqdomain');
  // alloc_unknown_name()
  const s = stateOf(k);
  const id = ++s.unknownDomains;
  if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_SET_NAME)) return -ENOMEM;
  domain.name = busToken === DOMAIN_BUS_ANY ? `unknown-${id}` : `unknown-${id}-${busToken}`;
  domain.flags |= IRQ_DOMAIN_NAME_ALLOCATED;
  return 0;
}

// kernel: irq_domain_check_hierarchy()
function irqDomainCheckHierarchy(domain: IrqDomain): void {
  if (domain.ops.alloc) domain.flags |= IRQ_DOMAIN_FLAG_HIERARCHY;
}

/** True when an irqDomainInstantiate() result is an ERR_PTR (negative errno). */
export function isErrDomain(d: IrqDomain | number): d is number {
  return typeof d === 'number';
}

/**
 * kernel: irq_domain_instantiate() — returns the domain or a negative errno
 * (the kernel's ERR_PTR). Published in k.irqDomains in creation order
 * (the kernel's list_add() puts it at the head; walk k.irqDomains backwards
 * for the kernel's list order).
 */
export function irqDomainInstantiate(k: Kernel, info: IrqDomainInfo): IrqDomain | number {
  // __irq_domain_create(): no IRQ_DOMAIN_NOMAP on s390, direct_max must be 0
  if (
    (info.size && info.directMax) ||
    info.directMax ||
    (info.directMax && info.directMax !== info.hwirqMax)
  ) {
    warn(k, 'kernel/irq/irqdomain.c __irq_domain_create', 'WARN_ON(direct_max)');
    return -EINVAL;
  }
  if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_INSTANTIATE)) return -ENOMEM;
  const domain: IrqDomain = {
    name: '',
    ops: info.ops,
    hostData: null,
    flags: 0,
    mapcount: 0,
    fwnode: null,
    busToken: DOMAIN_BUS_ANY,
    hwirqMax: 0,
    revmapSize: 0,
    revmap: new Array<IrqData | null>(info.size).fill(null),
    revmapTree: new OneKeyMap<number, RevmapInner>(),
    revmapCacheHi: 0,
    revmapCacheInner: null,
    parent: null,
    dev: null,
    msiParentOps: null,
    removed: false,
    exit: null,
  };
  const err = irqDomainSetName(k, domain, info);
  if (err) return err;
  domain.fwnode = info.fwnode;
  domain.ops = info.ops;
  domain.hostData = info.hostData;
  domain.busToken = info.busToken;
  domain.hwirqMax = info.hwirqMax;
  domain.revmapSize = info.size;
  irqDomainCheckHierarchy(domain);
  // __irq_domain_instantiate()
  domain.flags |= info.domainFlags;
  domain.exit = info.exit ?? null;
  domain.dev = info.dev;
  if (info.parent) domain.parent = info.parent;
  if (info.init) {
    const r = info.init(k, domain);
    if (r) return r;
  }
  // __irq_domain_publish()
  k.irqDomains.push(domain);
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'irq_domain_add', { name: domain.name });
  return domain;
}

function infoOf(
  fwnode: FwnodeHandle | null,
  size: number,
  hwirqMax: number,
  ops: IrqDomainOps,
  hostData: unknown,
  parent: IrqDomain | null,
  domainFlags: number,
): IrqDomainInfo {
  return {
    fwnode,
    domainFlags,
    size,
    hwirqMax,
    directMax: 0,
    busToken: DOMAIN_BUS_ANY,
    ops,
    hostData,
    parent,
    dev: null,
  };
}

/** kernel: irq_domain_create_linear() — linear revmap of `size`; null on error. */
export function irqDomainCreateLinear(
  k: Kernel,
  fwnode: FwnodeHandle | null,
  size: number,
  ops: IrqDomainOps,
  hostData: unknown,
): IrqDomain | null {
  const d = irqDomainInstantiate(k, infoOf(fwnode, size, size, ops, hostData, null, 0));
  return isErrDomain(d) ? null : d;
}

/** kernel: irq_domain_create_tree() — radix tree only (size 0, hwirq_max ~0). */
export function irqDomainCreateTree(
  k: Kernel,
  fwnode: FwnodeHandle | null,
  ops: IrqDomainOps,
  hostData: unknown,
): IrqDomain | null {
  const d = irqDomainInstantiate(k, infoOf(fwnode, 0, 0xffffffff, ops, hostData, null, 0));
  return isErrDomain(d) ? null : d;
}

/** kernel: irq_domain_create_hierarchy() — hwirq_max = size ?: ~0U; null on error. */
export function irqDomainCreateHierarchy(
  k: Kernel,
  parent: IrqDomain | null,
  flags: number,
  size: number,
  fwnode: FwnodeHandle | null,
  ops: IrqDomainOps,
  hostData: unknown,
): IrqDomain | null {
  const d = irqDomainInstantiate(k, infoOf(fwnode, size, size || 0xffffffff, ops, hostData, parent, flags));
  return isErrDomain(d) ? null : d;
}

/** Live mappings of a domain: linear slots in use and radix entries, as [hwirq, virq] pairs. */
export function irqDomainLiveMappings(domain: IrqDomain): [bigint, number][] {
  const out: [bigint, number][] = [];
  domain.revmap.forEach((d, i) => {
    if (d) out.push([BigInt(i), d.irq]);
  });
  const his = [...domain.revmapTree.keys()].sort((a, b) => a - b);
  for (const hi of his) {
    const inner = domain.revmapTree.get(hi)!;
    const los = [...inner.keys()].sort((a, b) => a - b);
    for (const lo of los) out.push([hwirqJoin(hi, lo), inner.get(lo)!.irq]);
  }
  return out;
}

/**
 * kernel: irq_domain_remove() — calls exit, WARNs if the radix tree still holds
 * mappings (the kernel does not look at the linear revmap or mapcount), unlinks
 * and frees the domain (domain.removed = true). The irqchip fwnode is not freed.
 */
export function irqDomainRemove(k: Kernel, domain: IrqDomain): void {
  const dom = deref(k, domain, 'irq_domain', 'kernel/irq/irqdomain.c irq_domain_remove');
  if (dom.removed) oops(k, 'freed irq_domain (use-after-free)', 'kernel/irq/irqdomain.c irq_domain_remove');
  if (dom.exit) dom.exit(k, dom);
  if (dom.revmapTree.size !== 0) {
    const live = irqDomainLiveMappings(dom).filter(([hw]) => hw >= BigInt(dom.revmapSize));
    const list = live.map(([hw, virq]) => `hwirq 0x${hw.toString(16)} -> virq ${virq}`).join(', ');
    warn(
      k,
      'kernel/irq/irqdomain.c irq_domain_remove',
      `WARN_ON(!radix_tree_empty(&domain->revmap_tree)): domain ${dom.name} still maps ${live.length}: ${list}`,
    );
  }
  const i = k.irqDomains.indexOf(dom);
  if (i >= 0) k.irqDomains.splice(i, 1);
  const s = stateOf(k);
  if (s.defaultDomain === dom) s.defaultDomain = null;
  if (k.sim.trace.enabled) k.sim.trace.emit(k.currentCpu, 'irq_domain_remove', { name: dom.name });
  dom.removed = true;
}

/** kernel: irq_domain_update_bus_token() — renames to "<name>-<token>". */
export function irqDomainUpdateBusToken(k: Kernel, domain: IrqDomain, busToken: number): void {
  if (domain.busToken === busToken) return;
  domain.busToken = busToken;
  if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_UPDATE_BUS_TOKEN)) return;
  domain.name = `${domain.name}-${busToken}`;
  domain.flags |= IRQ_DOMAIN_NAME_ALLOCATED;
}

/** kernel: irq_set_default_domain() */
export function irqSetDefaultDomain(k: Kernel, domain: IrqDomain | null): void {
  stateOf(k).defaultDomain = domain;
}

/** kernel: irq_get_default_domain() */
export function irqGetDefaultDomain(k: Kernel): IrqDomain | null {
  return stateOf(k).defaultDomain;
}

/* ----------------------------------------------------------- flag helpers */

// kernel: irq_domain_is_hierarchy()
export function irqDomainIsHierarchy(d: IrqDomain): boolean {
  return (d.flags & IRQ_DOMAIN_FLAG_HIERARCHY) !== 0;
}
// kernel: irq_domain_is_msi()
export function irqDomainIsMsi(d: IrqDomain): boolean {
  return (d.flags & IRQ_DOMAIN_FLAG_MSI) !== 0;
}
// kernel: irq_domain_is_msi_parent()
export function irqDomainIsMsiParent(d: IrqDomain): boolean {
  return (d.flags & IRQ_DOMAIN_FLAG_MSI_PARENT) !== 0;
}
// kernel: irq_domain_is_msi_device()
export function irqDomainIsMsiDevice(d: IrqDomain): boolean {
  return (d.flags & IRQ_DOMAIN_FLAG_MSI_DEVICE) !== 0;
}

/* ------------------------------------------------------------ reverse map */

/** Slots of a domain's direct-mapped cache of inner maps by hi (a power of two). */
const REVMAP_HI_SLOTS = 1024;

/** Keys below this get a dense mirror in a RevmapLeaf. */
const REVMAP_DENSE = 4096;

/**
 * An inner map of the radix-tree reverse map (one hwirq high half): a DenseIndexMap whose
 * dense part holds lo < REVMAP_DENSE (the common case), so the delivery path's lookup is
 * `leaf.dense[lo]`.
 */
export class RevmapLeaf extends DenseIndexMap<IrqData> implements RevmapInner {
  constructor() {
    super(REVMAP_DENSE);
  }
}

// kernel: irq_domain_set_mapping()
function irqDomainSetMapping(domain: IrqDomain, hi: number, lo: number, irqData: IrqData): void {
  if (hi === 0 && lo < domain.revmapSize) {
    domain.revmap[lo] = irqData;
    return;
  }
  let inner = domain.revmapTree.get(hi);
  if (!inner) {
    inner = new RevmapLeaf();
    domain.revmapTree.set(hi, inner);
    // only a domain with several inner maps needs the cache (16 KiB): a per-device domain
    // with one hi is served by revmapCacheInner
    if (!domain.revmapHiKeys && domain.revmapTree.size > 1) {
      domain.revmapHiKeys = new Float64Array(REVMAP_HI_SLOTS).fill(-1);
      domain.revmapHiInner = new Array<RevmapInner | null>(REVMAP_HI_SLOTS).fill(null);
    }
  }
  // radix_tree_insert() returns -EEXIST and keeps the old entry; the kernel ignores it.
  if (!inner.has(lo)) inner.set(lo, irqData);
}

// kernel: irq_domain_clear_mapping()
function irqDomainClearMapping(domain: IrqDomain, hi: number, lo: number): void {
  if (hi === 0 && lo < domain.revmapSize) {
    domain.revmap[lo] = null;
    return;
  }
  const inner = domain.revmapTree.get(hi);
  if (!inner) return;
  inner.delete(lo);
  if (inner.size === 0) {
    domain.revmapTree.delete(hi);
    if (domain.revmapCacheInner === inner) domain.revmapCacheInner = null;
    const keys = domain.revmapHiKeys;
    const slot = hi & (REVMAP_HI_SLOTS - 1);
    if (keys && keys[slot] === hi) {
      keys[slot] = -1;
      domain.revmapHiInner![slot] = null;
    }
  }
}

/** The irq_data a domain's reverse map holds for hwirq (hi:lo), or null. Allocation-free. */
export function irqDomainRevmapLookup(domain: IrqDomain, hwHi: number, hwLo: number): IrqData | null {
  if (hwHi === 0 && hwLo < domain.revmapSize) return domain.revmap[hwLo] ?? null;
  let inner = domain.revmapCacheInner;
  if (inner === undefined || inner === null || domain.revmapCacheHi !== hwHi) {
    const keys = domain.revmapHiKeys;
    const slot = hwHi & (REVMAP_HI_SLOTS - 1);
    if (keys && keys[slot] === hwHi) {
      inner = domain.revmapHiInner![slot]!;
    } else {
      inner = domain.revmapTree.get(hwHi);
      if (inner === undefined) return null;
      if (keys) {
        keys[slot] = hwHi;
        domain.revmapHiInner![slot] = inner;
      }
    }
    domain.revmapCacheHi = hwHi;
    domain.revmapCacheInner = inner;
  }
  if (inner instanceof RevmapLeaf && hwLo >= 0 && hwLo < REVMAP_DENSE && (hwLo | 0) === hwLo) {
    return inner.dense[hwLo] ?? null;
  }
  return inner.get(hwLo) ?? null;
}

/**
 * kernel: irq_resolve_mapping() / __irq_resolve_mapping() — the desc mapped
 * to hwirq in `domain` (NULL domain = default domain), or null. Allocation-free.
 */
export function irqResolveMapping(
  k: Kernel,
  domain: IrqDomain | null,
  hwHi: number,
  hwLo: number,
): IrqDesc | null {
  let d = domain;
  if (d === null) d = irqGetDefaultDomain(k);
  if (d === null) return null;
  if (d.removed) oops(k, 'freed irq_domain (use-after-free)', 'kernel/irq/irqdomain.c __irq_resolve_mapping');
  const data = irqDomainRevmapLookup(d, hwHi, hwLo);
  if (data === null) return null;
  return irqDataToDesc(k, data);
}

/** kernel: irq_find_mapping() — virq or 0. Allocation-free. */
export function irqFindMapping(k: Kernel, domain: IrqDomain | null, hwHi: number, hwLo: number): number {
  let d = domain;
  if (d === null) d = irqGetDefaultDomain(k);
  if (d === null) return 0;
  const data = irqDomainRevmapLookup(d, hwHi, hwLo);
  return data === null ? 0 : data.irq;
}

/* ------------------------------------------------------------- allocation */

/** kernel: irq_domain_alloc_descs() */
export function irqDomainAllocDescs(
  k: Kernel,
  virq: number,
  cnt: number,
  hwirq: bigint,
  node: number,
  affinity: readonly IrqAffinityDesc[] | null,
): number {
  if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_ALLOC_IRQS)) return -ENOMEM;
  if (virq >= 0) return irqAllocDescsInternal(k, virq, virq, cnt, node, affinity);
  let hint = k.nrIrqs === 0 ? 0 : Number(u64(hwirq) % BigInt(k.nrIrqs));
  if (hint === 0) hint++;
  let r = irqAllocDescsInternal(k, -1, hint, cnt, node, affinity);
  if (r <= 0 && hint > 1) r = irqAllocDescsInternal(k, -1, 1, cnt, node, affinity);
  return r;
}

/** kernel: irq_domain_reset_irq_data() */
export function irqDomainResetIrqData(d: IrqData): void {
  d.hwirqHi = 0;
  d.hwirqLo = 0;
  d.chip = noIrqChip;
  d.chipData = null;
}

// kernel: irq_domain_insert_irq()
function irqDomainInsertIrq(k: Kernel, virq: number): void {
  for (let data = irqGetIrqData(k, virq); data; data = data.parentData) {
    const domain = deref(k, data.domain, 'irq_domain', 'kernel/irq/irqdomain.c irq_domain_insert_irq');
    domain.mapcount++;
    irqDomainSetMapping(domain, data.hwirqHi, data.hwirqLo, data);
  }
  irqClearStatusFlags(k, virq, IRQ_NOREQUEST);
}

// kernel: irq_clear_status_flags() -> irq_modify_status(irq, clr, 0)
function irqClearStatusFlags(k: Kernel, virq: number, clr: number): void {
  const desc = irqGetIrqData(k, virq);
  if (!desc) return;
  const d = irqDataToDesc(k, desc);
  d.statusUseAccessors &= ~clr;
}

// kernel: irq_domain_remove_irq()
function irqDomainRemoveIrq(k: Kernel, virq: number): void {
  irqSetStatusFlags(k, virq, IRQ_NOREQUEST);
  irqSetChipAndHandler(k, virq, null, null);
  synchronizeIrq(k, virq);
  for (let data = irqGetIrqData(k, virq); data; data = data.parentData) {
    const domain = deref(k, data.domain, 'irq_domain', 'kernel/irq/irqdomain.c irq_domain_remove_irq');
    domain.mapcount--;
    irqDomainClearMapping(domain, data.hwirqHi, data.hwirqLo);
  }
}

// kernel: irq_domain_insert_irq_data()
function irqDomainInsertIrqData(k: Kernel, domain: IrqDomain, child: IrqData): IrqData | null {
  if (k.sim.faults.shouldFail(FP_IRQ_DOMAIN_ALLOC_IRQ_DATA)) return null;
  const irqData = irqDataNew(child.irq, child.common, NULL_IRQ_CHIP, domain);
  child.parentData = irqData;
  return irqData;
}

// kernel: __irq_domain_free_hierarchy()
function irqDomainFreeHierarchyInternal(irqData: IrqData | null): void {
  let d = irqData;
  while (d) {
    const tmp = d;
    d = d.parentData;
    tmp.freed = true; // kfree(tmp)
  }
}

// kernel: irq_domain_free_irq_data()
function irqDomainFreeIrqData(k: Kernel, virq: number, nrIrqs: number): void {
  for (let i = 0; i < nrIrqs; i++) {
    const irqData = deref(
      k,
      irqGetIrqData(k, virq + i),
      'irq_data',
      'kernel/irq/irqdomain.c irq_domain_free_irq_data',
    );
    const tmp = irqData.parentData;
    irqData.parentData = null;
    irqData.domain = null;
    irqDomainFreeHierarchyInternal(tmp);
  }
}

/** kernel: irq_domain_disconnect_hierarchy() — marks this level as the trim point. */
export function irqDomainDisconnectHierarchy(k: Kernel, domain: IrqDomain, virq: number): number {
  const irqd = irqDomainGetIrqData(k, domain, virq);
  if (!irqd) return -EINVAL;
  irqd.chip = ENOTCONN_IRQ_CHIP;
  return 0;
}

// kernel: irq_domain_trim_hierarchy()
function irqDomainTrimHierarchy(k: Kernel, virq: number): number {
  let irqData = deref(
    k,
    irqGetIrqData(k, virq),
    'irq_data',
    'kernel/irq/irqdomain.c irq_domain_trim_hierarchy',
  );
  let tail: IrqData | null = null;
  if (chipIsErrOrNull(irqData.chip)) return -EINVAL;
  for (let irqd = irqData.parentData; irqd; irqData = irqd, irqd = irqd.parentData) {
    const hasChip = irqd.chip !== NULL_IRQ_CHIP;
    if (hasChip && tail) return -EINVAL;
    if (!hasChip && !tail) return -EINVAL;
    if (irqd.chip === ENOTCONN_IRQ_CHIP) tail = irqData;
  }
  if (!tail) return 0;
  const inner = tail.parentData!;
  k.sim.log.printk('info', `irq: IRQ${virq}: trimming hierarchy from ${inner.domain?.name ?? '(null)'}`);
  tail.parentData = null;
  irqDomainFreeHierarchyInternal(inner);
  return 0;
}

// kernel: irq_domain_alloc_irq_data()
function irqDomainAllocIrqData(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): number {
  for (let i = 0; i < nrIrqs; i++) {
    let irqData = deref(
      k,
      irqGetIrqData(k, virq + i),
      'irq_data',
      'kernel/irq/irqdomain.c irq_domain_alloc_irq_data',
    );
    irqData.domain = domain;
    for (let parent = domain.parent; parent; parent = parent.parent) {
      const next = irqDomainInsertIrqData(k, parent, irqData);
      if (!next) {
        irqDomainFreeIrqData(k, virq, i + 1);
        return -ENOMEM;
      }
      irqData = next;
    }
  }
  return 0;
}

/** kernel: irq_domain_get_irq_data() — the level of `virq` that belongs to `domain`, or null. */
export function irqDomainGetIrqData(k: Kernel, domain: IrqDomain | null, virq: number): IrqData | null {
  for (let d = irqGetIrqData(k, virq); d; d = d.parentData) if (d.domain === domain) return d;
  return null;
}

/** kernel: irq_domain_set_hwirq_and_chip() — -ENOENT if `virq` has no level in `domain`. */
export function irqDomainSetHwirqAndChip(
  k: Kernel,
  domain: IrqDomain,
  virq: number,
  hwirq: bigint,
  chip: IrqChip | null,
  chipData: unknown,
): number {
  const irqData = irqDomainGetIrqData(k, domain, virq);
  if (!irqData) return -ENOENT;
  irqData.hwirqHi = hwirqHi(hwirq);
  irqData.hwirqLo = hwirqLo(hwirq);
  irqData.chip = chip ?? noIrqChip;
  irqData.chipData = chipData;
  return 0;
}

/** kernel: irq_domain_set_info() */
export function irqDomainSetInfo(
  k: Kernel,
  domain: IrqDomain,
  virq: number,
  hwirq: bigint,
  chip: IrqChip | null,
  chipData: unknown,
  handler: IrqFlowHandler | null,
  handlerData: unknown,
  handlerName: string | null,
): void {
  irqDomainSetHwirqAndChip(k, domain, virq, hwirq, chip, chipData);
  irqSetHandlerInternal(k, virq, handler, false, handlerName);
  irqSetHandlerData(k, virq, handlerData);
}

/** kernel: irq_domain_free_irqs_common() */
export function irqDomainFreeIrqsCommon(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): void {
  for (let i = 0; i < nrIrqs; i++) {
    const irqData = irqDomainGetIrqData(k, domain, virq + i);
    if (irqData) irqDomainResetIrqData(irqData);
  }
  irqDomainFreeIrqsParent(k, domain, virq, nrIrqs);
}

/** kernel: irq_domain_free_irqs_top() */
export function irqDomainFreeIrqsTop(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): void {
  for (let i = 0; i < nrIrqs; i++) {
    irqSetHandlerData(k, virq + i, null);
    irqSetHandler(k, virq + i, null);
  }
  irqDomainFreeIrqsCommon(k, domain, virq, nrIrqs);
}

// kernel: irq_domain_free_irqs_hierarchy() — ops->free once per virq with nr_irqs = 1.
function irqDomainFreeIrqsHierarchy(k: Kernel, domain: IrqDomain, irqBase: number, nrIrqs: number): void {
  const free = domain.ops.free;
  if (!free) return;
  for (let i = 0; i < nrIrqs; i++) {
    if (irqDomainGetIrqData(k, domain, irqBase + i)) free(k, domain, irqBase + i, 1);
  }
}

// kernel: irq_domain_alloc_irqs_hierarchy()
function irqDomainAllocIrqsHierarchy(
  k: Kernel,
  domain: IrqDomain,
  irqBase: number,
  nrIrqs: number,
  arg: unknown,
): number {
  const alloc = domain.ops.alloc;
  if (!alloc) {
    k.sim.log.printk('debug', 'irq: domain->ops->alloc() is NULL');
    return -ENOSYS;
  }
  return alloc(k, domain, irqBase, nrIrqs, arg);
}

// kernel: irq_domain_alloc_irqs_locked()
function irqDomainAllocIrqsLocked(
  k: Kernel,
  domain: IrqDomain,
  irqBase: number,
  nrIrqs: number,
  node: number,
  arg: unknown,
  realloc: boolean,
  affinity: readonly IrqAffinityDesc[] | null,
): number {
  let virq: number;
  if (realloc && irqBase >= 0) {
    virq = irqBase;
  } else {
    virq = irqDomainAllocDescs(k, irqBase, nrIrqs, 0n, node, affinity);
    if (virq < 0) {
      k.sim.log.printk('debug', `irq: cannot allocate IRQ(base ${irqBase}, count ${nrIrqs})`);
      return virq;
    }
  }
  let ret: number;
  if (irqDomainAllocIrqData(k, domain, virq, nrIrqs)) {
    k.sim.log.printk('debug', `irq: cannot allocate memory for IRQ${virq}`);
    irqFreeDescs(k, virq, nrIrqs);
    return -ENOMEM;
  }
  ret = irqDomainAllocIrqsHierarchy(k, domain, virq, nrIrqs, arg);
  if (ret < 0) {
    irqDomainFreeIrqData(k, virq, nrIrqs);
    irqFreeDescs(k, virq, nrIrqs);
    return ret;
  }
  for (let i = 0; i < nrIrqs; i++) {
    ret = irqDomainTrimHierarchy(k, virq + i);
    if (ret) {
      irqDomainFreeIrqData(k, virq, nrIrqs);
      irqFreeDescs(k, virq, nrIrqs);
      return ret;
    }
  }
  for (let i = 0; i < nrIrqs; i++) irqDomainInsertIrq(k, virq + i);
  if (k.sim.trace.enabled) {
    k.sim.trace.emit(k.currentCpu, 'irq_domain_alloc_irqs', { domain: domain.name, virq, nr: nrIrqs });
  }
  return virq;
}

/**
 * kernel: __irq_domain_alloc_irqs() — descriptors, one irq_data per hierarchy
 * level, the domains' alloc callbacks, the trim check, reverse maps. Does not
 * activate (callers such as msi_init_virq() do). Returns the first virq or -errno.
 */
export function irqDomainAllocIrqsInternal(
  k: Kernel,
  domain: IrqDomain | null,
  irqBase: number,
  nrIrqs: number,
  node: number,
  arg: unknown,
  realloc: boolean,
  affinity: readonly IrqAffinityDesc[] | null,
): number {
  let d = domain;
  if (d === null) {
    d = irqGetDefaultDomain(k);
    if (!d) {
      warn(k, 'kernel/irq/irqdomain.c __irq_domain_alloc_irqs', 'domain is NULL; cannot allocate IRQ');
      return -EINVAL;
    }
  }
  if (d.removed)
    oops(k, 'freed irq_domain (use-after-free)', 'kernel/irq/irqdomain.c __irq_domain_alloc_irqs');
  return irqDomainAllocIrqsLocked(k, d, irqBase, nrIrqs, node, arg, realloc, affinity);
}

/** kernel: irq_domain_alloc_irqs(domain, nr_irqs, node, arg) */
export function irqDomainAllocIrqs(
  k: Kernel,
  domain: IrqDomain | null,
  nrIrqs: number,
  node: number,
  arg: unknown,
): number {
  return irqDomainAllocIrqsInternal(k, domain, -1, nrIrqs, node, arg, false, null);
}

/** kernel: irq_domain_alloc_irqs_parent() — -ENOSYS without a parent. */
export function irqDomainAllocIrqsParent(
  k: Kernel,
  domain: IrqDomain,
  irqBase: number,
  nrIrqs: number,
  arg: unknown,
): number {
  if (!domain.parent) return -ENOSYS;
  return irqDomainAllocIrqsHierarchy(k, domain.parent, irqBase, nrIrqs, arg);
}

/** kernel: irq_domain_free_irqs_parent() */
export function irqDomainFreeIrqsParent(k: Kernel, domain: IrqDomain, irqBase: number, nrIrqs: number): void {
  if (!domain.parent) return;
  irqDomainFreeIrqsHierarchy(k, domain.parent, irqBase, nrIrqs);
}

/**
 * kernel: irq_domain_free_irqs() — WARN "NULL pointer, cannot free irq" when
 * the virq has no irq_data, no domain, or the domain has no free callback.
 */
export function irqDomainFreeIrqs(k: Kernel, virq: number, nrIrqs: number): void {
  const data = irqGetIrqData(k, virq);
  if (!data?.domain?.ops.free) {
    warn(k, 'kernel/irq/irqdomain.c irq_domain_free_irqs', 'NULL pointer, cannot free irq');
    return;
  }
  const domain = data.domain;
  for (let i = 0; i < nrIrqs; i++) irqDomainRemoveIrq(k, virq + i);
  irqDomainFreeIrqsHierarchy(k, domain, virq, nrIrqs);
  irqDomainFreeIrqData(k, virq, nrIrqs);
  irqFreeDescs(k, virq, nrIrqs);
  if (k.sim.trace.enabled) {
    k.sim.trace.emit(k.currentCpu, 'irq_domain_free_irqs', { domain: domain.name, virq, nr: nrIrqs });
  }
}

/** kernel: irq_dispose_mapping() (hierarchical domains; MSI-device wired irqs not modelled) */
export function irqDisposeMapping(k: Kernel, virq: number): void {
  const irqData = virq ? irqGetIrqData(k, virq) : null;
  if (!irqData) return;
  const domain = irqData.domain;
  if (domain === null) {
    warn(k, 'kernel/irq/irqdomain.c irq_dispose_mapping', 'WARN_ON(domain == NULL)');
    return;
  }
  if (irqDomainIsHierarchy(domain)) irqDomainFreeIrqs(k, virq, 1);
}

/* ------------------------------------------------- activate / deactivate */

// kernel: __irq_domain_deactivate_irq() — outermost first
function irqDomainDeactivateIrqInternal(k: Kernel, irqData: IrqData | null): void {
  if (irqData?.domain) {
    const domain = irqData.domain;
    if (domain.ops.deactivate) domain.ops.deactivate(k, domain, irqData);
    if (irqData.parentData) irqDomainDeactivateIrqInternal(k, irqData.parentData);
  }
}

// kernel: __irq_domain_activate_irq() — innermost first, rollback of deeper levels on failure
function irqDomainActivateIrqInternal(k: Kernel, irqd: IrqData | null, reserve: boolean): number {
  let ret = 0;
  if (irqd?.domain) {
    const domain = irqd.domain;
    if (irqd.parentData) ret = irqDomainActivateIrqInternal(k, irqd.parentData, reserve);
    if (!ret && domain.ops.activate) {
      ret = domain.ops.activate(k, domain, irqd, reserve);
      if (ret && irqd.parentData) irqDomainDeactivateIrqInternal(k, irqd.parentData);
    }
  }
  return ret;
}

/** kernel: irq_domain_activate_irq() — no-op (0) when already ACTIVATED. */
export function irqDomainActivateIrq(k: Kernel, irqData: IrqData, reserve: boolean): number {
  let ret = 0;
  if ((irqData.common.stateUseAccessors & IRQD_ACTIVATED) === 0) {
    ret = irqDomainActivateIrqInternal(k, irqData, reserve);
  }
  if (!ret) irqData.common.stateUseAccessors |= IRQD_ACTIVATED;
  return ret;
}

/** kernel: irq_domain_deactivate_irq() — only when ACTIVATED. */
export function irqDomainDeactivateIrq(k: Kernel, irqData: IrqData): void {
  if ((irqData.common.stateUseAccessors & IRQD_ACTIVATED) !== 0) {
    irqDomainDeactivateIrqInternal(k, irqData);
    irqData.common.stateUseAccessors &= ~IRQD_ACTIVATED;
  }
}
