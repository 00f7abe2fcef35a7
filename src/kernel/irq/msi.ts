// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/msi.c (Linux 6.19): the MSI core. Per-device MSI data and the
 * descriptor store (an xarray per domain id, modelled as a Map keyed by msi_index
 * plus a sorted key list for in-order iteration), the MSI irq_domain operations
 * (alloc/free/activate/deactivate), msi_domain_set_affinity, MSI parent and
 * per-device MSI domains (msi_create_parent_irq_domain, msi_create_device_irq_domain,
 * msi_remove_device_irq_domain), and the allocation/free engine
 * (__msi_domain_alloc_irqs / __msi_domain_free_irqs).
 *
 * msi_prepare runs once per device domain, from msi_create_device_irq_domain() with
 * nvec = hwsize; allocations copy info->alloc_data (populate_alloc_info()) and call
 * msi_prepare only for domains without alloc_data. msi_teardown runs from
 * msi_remove_device_irq_domain().
 */
import { type Cpumask, cpumaskAlloc, cpumaskCopy, cpumaskIntersects } from '../../include/linux/cpumask.ts';
import type { Device, MsiDescStore, MsiDevDomain, MsiDeviceData } from '../../include/linux/device.ts';
import {
  EBUSY,
  EEXIST,
  EINVAL,
  ENODEV,
  ENOMEM,
  ENOSPC,
  ENOTSUPP,
  ERANGE,
} from '../../include/linux/errno.ts';
import { hwirqHi, hwirqLo } from '../../include/linux/hwirq.ts';
import {
  DOMAIN_BUS_PCI_DEVICE_MSI,
  DOMAIN_BUS_PCI_DEVICE_MSIX,
  DOMAIN_BUS_PCI_MSI,
  DOMAIN_BUS_VMD_MSI,
  IRQ_SET_MASK_OK_DONE,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqDomainOps,
} from '../../include/linux/irq.ts';
import {
  type IrqAffinityDesc,
  type IrqDomainInfo,
  MSI_ANY_INDEX,
  MSI_DEFAULT_DOMAIN,
  MSI_DESC_ALL,
  MSI_DESC_ASSOCIATED,
  MSI_DESC_NOTASSOCIATED,
  MSI_FLAG_ACTIVATE_EARLY,
  MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS,
  MSI_FLAG_DEV_SYSFS,
  MSI_FLAG_FREE_MSI_DESCS,
  MSI_FLAG_LEVEL_CAPABLE,
  MSI_FLAG_MUST_REACTIVATE,
  MSI_FLAG_NO_AFFINITY,
  MSI_FLAG_NO_MASK,
  MSI_FLAG_USE_DEF_CHIP_OPS,
  MSI_FLAG_USE_DEF_DOM_OPS,
  MSI_FLAG_USE_DEV_FWNODE,
  MSI_MAX_DEVICE_IRQDOMAINS,
  MSI_MAX_INDEX,
  type MsiAllocInfo,
  type MsiDesc,
  type MsiDomainInfo,
  type MsiDomainOps,
  type MsiDomainTemplate,
  type MsiMsg,
  type MsiParentOps,
  type PciMsiDesc,
} from '../../include/linux/msi.ts';
import type { PciDev } from '../../include/linux/pci.ts';
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Kernel } from '../kernel.ts';
import { bugOn, oops, warn } from '../panic.ts';
import { irqChipComposeMsiMsg, irqSetHandlerData, irqSetHandlerInternal, irqSetMsiDescOff } from './chip.ts';
import { msiDomainDebugShow } from './debugfs.ts';
import {
  IRQCHIP_SUPPORTS_LEVEL_MSI,
  IRQD_AFFINITY_MANAGED,
  IRQD_CAN_RESERVE,
  IRQD_MANAGED_SHUTDOWN,
  irqdClear,
  irqdIsActivated,
  irqdSet,
  NUMA_NO_NODE,
} from './internals.ts';
import {
  IRQ_DOMAIN_FLAG_MSI,
  IRQ_DOMAIN_FLAG_MSI_DEVICE,
  IRQ_DOMAIN_FLAG_MSI_PARENT,
  irqDomainActivateIrq,
  irqDomainAllocIrqsInternal,
  irqDomainAllocIrqsParent,
  irqDomainAllocNamedFwnode,
  irqDomainCreateHierarchy,
  irqDomainDeactivateIrq,
  irqDomainFreeFwnode,
  irqDomainFreeIrqs,
  irqDomainFreeIrqsTop,
  irqDomainGetIrqData,
  irqDomainInstantiate,
  irqDomainIsMsiDevice,
  irqDomainIsMsiParent,
  irqDomainRemove,
  irqDomainSetHwirqAndChip,
  irqDomainUpdateBusToken,
  irqResolveMapping,
} from './irqdomain.ts';
import { DenseIndexMap, OneKeyMap } from './small-map.ts';

// ---- failure points ----------------------------------------------------------------

export const FP_MSI_ALLOC_DESC = declareFailurePoint(
  'msi_alloc_desc',
  'msi_alloc_desc',
  'kernel',
  'NULL -> -ENOMEM',
);
export const FP_MSI_INSERT_DESC = declareFailurePoint(
  'msi_insert_desc',
  'msi_insert_desc',
  'kernel',
  '-ENOMEM (xa_insert/xa_alloc), the new desc is freed',
);
export const FP_MSI_SETUP_DEVICE_DATA = declareFailurePoint(
  'msi_setup_device_data',
  'msi_setup_device_data',
  'kernel',
  '-ENOMEM (devres_alloc)',
);
export const FP_MSI_SYSFS_POPULATE_DESC = declareFailurePoint(
  'msi_sysfs_populate_desc',
  'msi_sysfs_populate_desc',
  'kernel',
  '-ENOMEM (attribute array / name), full rollback of the allocation',
);
export const FP_MSI_CREATE_DEVICE_IRQ_DOMAIN = declareFailurePoint(
  'msi_create_device_irq_domain',
  'msi_create_device_irq_domain',
  'kernel',
  'false (kmemdup of the template bundle failed)',
);
export const FP_MSI_DOMAIN_PREPARE = declareFailurePoint(
  'msi_domain_prepare',
  'msi_domain_prepare_irqs',
  'kernel',
  '-ENOMEM from ops->msi_prepare (device domain creation fails; msi_teardown is not called)',
);
export const FP_MSI_DOMAIN_ALLOC = declareFailurePoint(
  'msi_domain_alloc',
  'msi_domain_alloc',
  'kernel',
  '-ENOMEM from irq_domain_alloc_irqs_parent (parent out of resources)',
);
export const FP___MSI_DOMAIN_ALLOC_IRQS = declareFailurePoint(
  '__msi_domain_alloc_irqs',
  '__msi_domain_alloc_irqs',
  'kernel',
  '__irq_domain_alloc_irqs < 0 -> msi_handle_pci_fail()',
);

// ---- constants ---------------------------------------------------------------------

/** MSI_XA_MAX_INDEX: invalid iterator index outside any searchable range. */
export const MSI_XA_MAX_INDEX = Number.MAX_SAFE_INTEGER;
/** MSI_XA_DOMAIN_SIZE */
export const MSI_XA_DOMAIN_SIZE = MSI_MAX_INDEX + 1;

const VIRQ_CAN_RESERVE = 0x01;
const VIRQ_ACTIVATE = 0x02;

const F = 'kernel/irq/msi.c';

/** struct msi_ctrl */
export interface MsiCtrl {
  domid: number;
  first: number;
  last: number;
  nirqs: number;
}

// ---- small helpers -------------------------------------------------------------------

/** dev_is_pci() */
export function devIsPci(dev: Device): boolean {
  const o = dev.owner as PciDev | null;
  return o !== null && typeof o === 'object' && (o as { dev?: unknown }).dev === dev && 'devfn' in o;
}

function toPciDev(dev: Device): PciDev {
  return dev.owner as PciDev;
}

/** msi_get_domain_info() */
export function msiGetDomainInfo(domain: IrqDomain): MsiDomainInfo {
  return domain.hostData as MsiDomainInfo;
}

/** irq_data_get_msi_desc() */
export function irqDataGetMsiDesc(d: IrqData): MsiDesc | null {
  return d.common.msiDesc;
}

/**
 * A zeroed struct msi_desc for a caller's init template (on the stack in the kernel).
 *
 * The kernel's msi_desc embeds `struct msi_msg msg` and `union { struct pci_msi_desc pci; }`:
 * one allocation. The model's desc is likewise one object: it carries the message and the
 * PCI fields itself, and `desc.msg` / `desc.pciMsi` refer to the desc (the embedded
 * structs), so `desc.msg.data` and `desc.pciMsi.isMsix` read what they always did.
 */
export function msiDescTemplate(dev: Device): MsiDesc {
  return new MsiDescObject(dev);
}

/** struct pci_msi_desc::msi_attrib bits of MsiDescObject.attrib (multiple / multi_cap: u8 :3 each, as in C). */
const ATTR_IS_MSIX = 1 << 0;
const ATTR_CAN_MASK = 1 << 1;
const ATTR_IS_64 = 1 << 2;
const ATTR_IS_VIRTUAL = 1 << 3;
const ATTR_MULTIPLE_SHIFT = 8;
const ATTR_MULTI_CAP_SHIFT = 16;
/** The width of `multiple` and `multi_cap` (log2 of at most 32 vectors). */
const ATTR_3BIT = 0x7;

/**
 * The one-object msi_desc of msiDescTemplate(). `msg` and `pciMsi` (the embedded structs) are
 * getters on the prototype returning the desc itself, so they take no field in each desc;
 * assigning `desc.msg = m` copies the message into the embedded struct, as C's struct
 * assignment does.
 *
 * Model only (memory): the u32 words (message, msi_mask) are kept as int32 and read back
 * with `>>> 0` (a u32 >= 2^31 in a field would be a boxed double of 16 bytes); the msi_attrib
 * bitfield (is_msix, multiple, multi_cap, can_mask, is_64, is_virtual) is one word, as in the
 * kernel's struct; mask_base (an iomem cookie beyond 32 bits) is kept as two u32 halves.
 * Readers and writers see the same fields as before through accessors.
 */
class MsiDescObject implements MsiDesc, MsiMsg, PciMsiDesc {
  irq = 0;
  nvecUsed = 0;
  dev: Device;
  affinity: MsiDesc['affinity'] = null;
  msiIndex = 0;
  freed = false;
  /** null on the prototype (the MSI core keeps sysfsIrq instead): no field in each desc. */
  declare sysfsAttrs: MsiDesc['sysfsAttrs'];
  sysfsIrq = 0;
  // struct msi_msg msg (int32 words)
  private msgAddressLo = 0;
  private msgAddressHi = 0;
  private msgData = 0;
  // struct pci_msi_desc pci
  private msiMaskWord = 0;
  /** msi_attrib bitfield (ATTR_*). */
  private attrib = 0;
  defaultIrq = 0;
  maskPos = 0;
  entryIndex = 0;
  /** mask_base: the cookie's upper and lower 32 bits (int32). */
  private maskBaseHi = 0;
  private maskBaseLo = 0;
  constructor(dev: Device) {
    this.dev = dev;
  }
  get addressLo(): number {
    return this.msgAddressLo >>> 0;
  }
  set addressLo(v: number) {
    this.msgAddressLo = v | 0;
  }
  get addressHi(): number {
    return this.msgAddressHi >>> 0;
  }
  set addressHi(v: number) {
    this.msgAddressHi = v | 0;
  }
  get data(): number {
    return this.msgData >>> 0;
  }
  set data(v: number) {
    this.msgData = v | 0;
  }
  get msiMask(): number {
    return this.msiMaskWord >>> 0;
  }
  set msiMask(v: number) {
    this.msiMaskWord = v | 0;
  }
  /** One msi_attrib flag bit (ATTR_*). */
  private attr(bit: number): boolean {
    return (this.attrib & bit) !== 0;
  }
  private setAttr(bit: number, v: boolean): void {
    this.attrib = v ? this.attrib | bit : this.attrib & ~bit;
  }
  get isMsix(): boolean {
    return this.attr(ATTR_IS_MSIX);
  }
  set isMsix(v: boolean) {
    this.setAttr(ATTR_IS_MSIX, v);
  }
  get canMask(): boolean {
    return this.attr(ATTR_CAN_MASK);
  }
  set canMask(v: boolean) {
    this.setAttr(ATTR_CAN_MASK, v);
  }
  get is64(): boolean {
    return this.attr(ATTR_IS_64);
  }
  set is64(v: boolean) {
    this.setAttr(ATTR_IS_64, v);
  }
  get isVirtual(): boolean {
    return this.attr(ATTR_IS_VIRTUAL);
  }
  set isVirtual(v: boolean) {
    this.setAttr(ATTR_IS_VIRTUAL, v);
  }
  get multiple(): number {
    return (this.attrib >>> ATTR_MULTIPLE_SHIFT) & ATTR_3BIT;
  }
  set multiple(v: number) {
    this.attrib =
      (this.attrib & ~(ATTR_3BIT << ATTR_MULTIPLE_SHIFT)) | ((v & ATTR_3BIT) << ATTR_MULTIPLE_SHIFT);
  }
  get multiCap(): number {
    return (this.attrib >>> ATTR_MULTI_CAP_SHIFT) & ATTR_3BIT;
  }
  set multiCap(v: number) {
    this.attrib =
      (this.attrib & ~(ATTR_3BIT << ATTR_MULTI_CAP_SHIFT)) | ((v & ATTR_3BIT) << ATTR_MULTI_CAP_SHIFT);
  }
  get maskBase(): number {
    return (this.maskBaseHi >>> 0) * 0x100000000 + (this.maskBaseLo >>> 0);
  }
  set maskBase(v: number) {
    this.maskBaseHi = Math.floor(v / 0x100000000) | 0;
    this.maskBaseLo = v | 0;
  }
  /** desc->msg: embedded, so the desc itself. */
  get msg(): MsiMsg {
    return this;
  }
  set msg(m: MsiMsg) {
    this.addressLo = m.addressLo;
    this.addressHi = m.addressHi;
    this.data = m.data;
  }
  /** desc->pci: embedded, so the desc itself. */
  get pciMsi(): PciMsiDesc {
    return this;
  }
}
MsiDescObject.prototype.sysfsAttrs = null;

/** memset(desc, 0) of a template from msiDescTemplate(): the same state, in place. */
export function msiDescTemplateReset(desc: MsiDesc, dev: Device): void {
  desc.irq = 0;
  desc.nvecUsed = 0;
  desc.dev = dev;
  const m = desc.msg;
  m.addressLo = 0;
  m.addressHi = 0;
  m.data = 0;
  desc.affinity = null;
  desc.msiIndex = 0;
  const p = desc.pciMsi;
  p.msiMask = 0;
  p.isMsix = false;
  p.multiple = 0;
  p.multiCap = 0;
  p.canMask = false;
  p.is64 = false;
  p.isVirtual = false;
  p.defaultIrq = 0;
  p.maskPos = 0;
  p.entryIndex = 0;
  p.maskBase = 0;
  desc.freed = false;
  if (desc.sysfsAttrs !== null) desc.sysfsAttrs = null;
  desc.sysfsIrq = 0;
  // desc->write_msi_msg / write_msi_msg_data: absent (NULL) unless a caller set them
  if (desc.writeMsiMsg !== undefined) desc.writeMsiMsg = null;
  if (desc.writeMsiMsgData !== undefined) desc.writeMsiMsgData = null;
}

/** desc->pci = init_desc->pci (struct copy into the descriptor's own). */
function copyPciMsiDesc(dst: PciMsiDesc, src: PciMsiDesc): void {
  dst.msiMask = src.msiMask;
  dst.isMsix = src.isMsix;
  dst.multiple = src.multiple;
  dst.multiCap = src.multiCap;
  dst.canMask = src.canMask;
  dst.is64 = src.is64;
  dst.isVirtual = src.isVirtual;
  dst.defaultIrq = src.defaultIrq;
  dst.maskPos = src.maskPos;
  dst.entryIndex = src.entryIndex;
  dst.maskBase = src.maskBase;
}

/** A zeroed msi_alloc_info_t. */
export function msiAllocInfoZero(): MsiAllocInfo {
  return { desc: null, hwirq: 0n, flags: 0, scratch: {} };
}

function copyAllocInfo(dst: MsiAllocInfo, src: MsiAllocInfo): void {
  dst.desc = src.desc;
  dst.hwirq = src.hwirq;
  dst.flags = src.flags;
  dst.scratch = { ...src.scratch };
}

/**
 * The descriptor store of one device domain (an xarray keyed by msi_index <= MSI_MAX_INDEX):
 * a Map<index, desc> in behaviour (iteration in insertion order), kept as an array indexed by
 * msi_index, without a hash table per device. While every index was inserted above all
 * earlier ones, insertion order is ascending order and no order list is kept; the first
 * insertion below an earlier index records the indices in insertion order from then on
 * (a DenseIndexMap with every MSI index in its dense part).
 */
class MsiXaStore extends DenseIndexMap<MsiDesc> implements MsiDescStore {
  constructor() {
    // every index dense: a key at or above 2^30 could never have its dense array anyway, and
    // a Smi limit is no boxed double in each store
    super(0x40000000);
  }
}

/** An empty descriptor store (xa_init()): what msi_setup_device_data() gives each domain slot. */
export function msiDescStoreNew(): MsiDescStore {
  return new MsiXaStore();
}

function devDomain(md: MsiDeviceData, domid: number): MsiDevDomain {
  return md.domains[domid]!;
}

/** array.splice(i, 1) without building the array of removed elements. */
function removeAt<T>(a: T[], i: number): void {
  const n = a.length - 1;
  for (let j = i; j < n; j++) a[j] = a[j + 1]!;
  a.length = n;
}

function xaInsert(dd: MsiDevDomain, index: number, desc: MsiDesc): number {
  if (dd.store.has(index)) return -EBUSY;
  dd.store.set(index, desc);
  return 0;
}

function xaErase(dd: MsiDevDomain, index: number): void {
  dd.store.delete(index);
}

/**
 * xa_find(): the smallest index present in [from, last], or -1. The loops
 * `for (idx = xaFind(dd, first, last); idx >= 0; idx = xaFind(dd, idx + 1, last))` are
 * xa_for_each_range() (a live cursor, as the kernel's).
 */
function xaFind(dd: MsiDevDomain, from: number, last: number): number {
  return dd.store.findFrom(from, last);
}

// ---- descriptors --------------------------------------------------------------------

// kernel: msi_alloc_desc()
export function msiAllocDesc(
  k: Kernel,
  dev: Device,
  nvec: number,
  affinity: readonly IrqAffinityDesc[] | null,
): MsiDesc | null {
  if (k.sim.faults.shouldFail(FP_MSI_ALLOC_DESC)) return null;
  const desc = msiDescTemplate(dev);
  desc.nvecUsed = nvec;
  if (affinity) {
    desc.affinity = [];
    for (let i = 0; i < nvec; i++) {
      const a = affinity[i]!;
      const m = cpumaskAlloc();
      cpumaskCopy(m, a.mask);
      desc.affinity.push({ mask: m, isManaged: a.isManaged });
    }
  }
  return desc;
}

// kernel: msi_free_desc()
export function msiFreeDesc(desc: MsiDesc): void {
  desc.affinity = null;
  desc.freed = true;
}

// kernel: msi_insert_desc()
export function msiInsertDesc(k: Kernel, dev: Device, desc: MsiDesc, domid: number, index: number): number {
  const md = dev.msiData!;
  const dd = devDomain(md, domid);
  const hwsize = msiDomainGetHwsize(k, dev, domid);
  let ret: number;
  if (index === MSI_ANY_INDEX) {
    let free = -1;
    for (let i = 0; i < hwsize; i++) {
      if (!dd.store.has(i)) {
        free = i;
        break;
      }
    }
    if (k.sim.faults.shouldFail(FP_MSI_INSERT_DESC)) ret = -ENOMEM;
    else if (free < 0)
      ret = -EBUSY; // xa_alloc: -EBUSY when the limit range is full
    else {
      desc.msiIndex = free;
      return xaInsert(dd, free, desc);
    }
  } else {
    if (index >= hwsize) {
      ret = -ERANGE;
    } else {
      desc.msiIndex = index;
      ret = k.sim.faults.shouldFail(FP_MSI_INSERT_DESC) ? -ENOMEM : xaInsert(dd, index, desc);
      if (ret === 0) return 0;
    }
  }
  msiFreeDesc(desc);
  return ret;
}

/**
 * kernel: msi_domain_insert_msi_desc() — copies nvec_used, a deep copy of the affinity
 * array and the PCI part of `initDesc` into a new desc inserted at initDesc.msiIndex.
 */
export function msiDomainInsertMsiDesc(k: Kernel, dev: Device, domid: number, initDesc: MsiDesc): number {
  const desc = msiAllocDesc(k, dev, initDesc.nvecUsed, initDesc.affinity);
  if (!desc) return -ENOMEM;
  copyPciMsiDesc(desc.pciMsi, initDesc.pciMsi);
  return msiInsertDesc(k, dev, desc, domid, initDesc.msiIndex);
}

// kernel: msi_insert_msi_desc()
export function msiInsertMsiDesc(k: Kernel, dev: Device, initDesc: MsiDesc): number {
  return msiDomainInsertMsiDesc(k, dev, MSI_DEFAULT_DOMAIN, initDesc);
}

// kernel: msi_desc_match()
export function msiDescMatch(desc: MsiDesc, filter: number): boolean {
  switch (filter) {
    case MSI_DESC_ALL:
      return true;
    case MSI_DESC_NOTASSOCIATED:
      return desc.irq === 0;
    case MSI_DESC_ASSOCIATED:
      return desc.irq !== 0;
  }
  return false;
}

// kernel: msi_ctrl_valid()
function msiCtrlValid(k: Kernel, dev: Device, ctrl: MsiCtrl): boolean {
  if (
    ctrl.domid >= MSI_MAX_DEVICE_IRQDOMAINS ||
    (dev.msiDomain !== null && !devDomain(dev.msiData!, ctrl.domid).domain)
  ) {
    warn(k, `${F} msi_ctrl_valid`, 'WARN_ON_ONCE(ctrl->domid >= MSI_MAX_DEVICE_IRQDOMAINS || ...)');
    return false;
  }
  const hwsize = msiDomainGetHwsize(k, dev, ctrl.domid);
  if (ctrl.first > ctrl.last || ctrl.first >= hwsize || ctrl.last >= hwsize) {
    warn(k, `${F} msi_ctrl_valid`, 'WARN_ON_ONCE(ctrl->first > ctrl->last || ...)');
    return false;
  }
  return true;
}

// kernel: msi_domain_free_descs()
function msiDomainFreeDescs(k: Kernel, dev: Device, ctrl: MsiCtrl): void {
  if (!msiCtrlValid(k, dev, ctrl)) return;
  const dd = devDomain(dev.msiData!, ctrl.domid);
  for (let idx = xaFind(dd, ctrl.first, ctrl.last); idx >= 0; idx = xaFind(dd, idx + 1, ctrl.last)) {
    const desc = dd.store.get(idx)!;
    xaErase(dd, idx);
    // Leak the descriptor when it is still referenced
    if (msiDescMatch(desc, MSI_DESC_ASSOCIATED)) {
      warn(k, `${F} msi_domain_free_descs`, 'WARN_ON_ONCE(msi_desc_match(desc, MSI_DESC_ASSOCIATED))');
      continue;
    }
    msiFreeDesc(desc);
  }
}

// kernel: msi_domain_free_msi_descs_range()
export function msiDomainFreeMsiDescsRange(
  k: Kernel,
  dev: Device,
  domid: number,
  first: number,
  last: number,
): void {
  msiDomainFreeDescs(k, dev, { domid, first, last, nirqs: 0 });
}

// kernel: msi_free_msi_descs_range()
export function msiFreeMsiDescsRange(k: Kernel, dev: Device, first: number, last: number): void {
  msiDomainFreeMsiDescsRange(k, dev, MSI_DEFAULT_DOMAIN, first, last);
}

// kernel: msi_free_msi_descs()
export function msiFreeMsiDescs(k: Kernel, dev: Device): void {
  msiFreeMsiDescsRange(k, dev, 0, MSI_MAX_INDEX);
}

// kernel: msi_domain_add_simple_msi_descs()
function msiDomainAddSimpleMsiDescs(k: Kernel, dev: Device, ctrl: MsiCtrl): number {
  if (!msiCtrlValid(k, dev, ctrl)) return -EINVAL;
  let ret = 0;
  for (let idx = ctrl.first; idx <= ctrl.last; idx++) {
    const desc = msiAllocDesc(k, dev, 1, null);
    if (!desc) {
      ret = -ENOMEM;
      break;
    }
    ret = msiInsertDesc(k, dev, desc, ctrl.domid, idx);
    if (ret) break;
  }
  if (ret) msiDomainFreeDescs(k, dev, ctrl);
  return ret;
}

// kernel: __get_cached_msi_msg()
export function __getCachedMsiMsg(entry: MsiDesc, msg: MsiMsg): void {
  msg.addressLo = entry.msg.addressLo;
  msg.addressHi = entry.msg.addressHi;
  msg.data = entry.msg.data;
}

// ---- per-device data -----------------------------------------------------------------

/**
 * kernel: msi_device_data_release() — the devres release of dev->msi.data: remove each
 * per-device domain, WARN if a store still holds descriptors, clear dev->msi.data.
 */
export function msiDeviceDataRelease(k: Kernel, dev: Device): void {
  const md = dev.msiData;
  if (!md) return;
  for (let i = 0; i < MSI_MAX_DEVICE_IRQDOMAINS; i++) {
    msiRemoveDeviceIrqDomain(k, dev, i);
    if (devDomain(md, i).store.size !== 0) {
      warn(k, `${F} msi_device_data_release`, 'WARN_ON_ONCE(!xa_empty(&md->__domains[i].store))');
    }
  }
  dev.sysfs?.delete('msi_irqs');
  dev.msiData = null;
}

// kernel: msi_setup_device_data()
export function msiSetupDeviceData(k: Kernel, dev: Device): number {
  if (dev.msiData) return 0;
  if (k.sim.faults.shouldFail(FP_MSI_SETUP_DEVICE_DATA)) return -ENOMEM;
  // msi_sysfs_create_group(): the empty msi_irqs group
  if (!dev.sysfs) dev.sysfs = new OneKeyMap<string, string[]>();
  dev.sysfs.set('msi_irqs', []);
  // an array of exactly MSI_MAX_DEVICE_IRQDOMAINS slots (push would reserve 17)
  const domains = new Array<MsiDevDomain>(MSI_MAX_DEVICE_IRQDOMAINS);
  for (let i = 0; i < MSI_MAX_DEVICE_IRQDOMAINS; i++) domains[i] = { domain: null, store: msiDescStoreNew() };
  const md: MsiDeviceData = { descs: domains[0]!.store, domains, iterIdx: MSI_XA_MAX_INDEX };
  if (dev.msiDomain && !irqDomainIsMsiParent(dev.msiDomain))
    md.domains[MSI_DEFAULT_DOMAIN]!.domain = dev.msiDomain;
  dev.msiData = md;
  const entry = { name: 'msi_device_data_release', release: msiDeviceDataRelease };
  // a literal when it is the first: exact size (push onto [] reserves 17 slots)
  if (!dev.devres) dev.devres = [entry];
  else dev.devres.push(entry);
  return 0;
}

// kernel: msi_lock_descs() (guard(msi_descs_lock))
export function msiLockDescs(_dev: Device): void {
  // single-threaded model: nothing to wait for
}

// kernel: msi_unlock_descs() — invalidates the iterator
export function msiUnlockDescs(dev: Device): void {
  if (dev.msiData) dev.msiData.iterIdx = MSI_XA_MAX_INDEX;
}

// kernel: msi_find_desc()
function msiFindDesc(md: MsiDeviceData, domid: number, filter: number): MsiDesc | null {
  const dd = devDomain(md, domid);
  for (
    let idx = xaFind(dd, md.iterIdx, MSI_XA_MAX_INDEX);
    idx >= 0;
    idx = xaFind(dd, idx + 1, MSI_XA_MAX_INDEX)
  ) {
    const desc = dd.store.get(idx)!;
    md.iterIdx = idx;
    if (msiDescMatch(desc, filter)) return desc;
  }
  md.iterIdx = MSI_XA_MAX_INDEX;
  return null;
}

// kernel: msi_domain_first_desc()
export function msiDomainFirstDesc(k: Kernel, dev: Device, domid: number, filter: number): MsiDesc | null {
  const md = dev.msiData;
  if (!md || domid >= MSI_MAX_DEVICE_IRQDOMAINS) {
    warn(k, `${F} msi_domain_first_desc`, 'WARN_ON_ONCE(!md || domid >= MSI_MAX_DEVICE_IRQDOMAINS)');
    return null;
  }
  md.iterIdx = 0;
  return msiFindDesc(md, domid, filter);
}

// kernel: msi_first_desc()
export function msiFirstDesc(k: Kernel, dev: Device, filter: number): MsiDesc | null {
  return msiDomainFirstDesc(k, dev, MSI_DEFAULT_DOMAIN, filter);
}

// kernel: msi_next_desc()
export function msiNextDesc(k: Kernel, dev: Device, domid: number, filter: number): MsiDesc | null {
  const md = dev.msiData;
  if (!md || domid >= MSI_MAX_DEVICE_IRQDOMAINS) {
    warn(k, `${F} msi_next_desc`, 'WARN_ON_ONCE(!md || domid >= MSI_MAX_DEVICE_IRQDOMAINS)');
    return null;
  }
  if (md.iterIdx >= MSI_MAX_INDEX) return null;
  md.iterIdx++;
  return msiFindDesc(md, domid, filter);
}

/** msi_for_each_desc() on MSI_DEFAULT_DOMAIN, as a list (caller holds the lock). */
export function msiForEachDesc(k: Kernel, dev: Device, filter: number): MsiDesc[] {
  const out: MsiDesc[] = [];
  for (let d = msiFirstDesc(k, dev, filter); d; d = msiNextDesc(k, dev, MSI_DEFAULT_DOMAIN, filter))
    out.push(d);
  return out;
}

// kernel: msi_domain_get_virq()
export function msiDomainGetVirq(k: Kernel, dev: Device, domid: number, index: number): number {
  if (!dev.msiData) return 0;
  if (index > MSI_MAX_INDEX || domid >= MSI_MAX_DEVICE_IRQDOMAINS) {
    warn(
      k,
      `${F} msi_domain_get_virq`,
      'WARN_ON_ONCE(index > MSI_MAX_INDEX || domid >= MSI_MAX_DEVICE_IRQDOMAINS)',
    );
    return 0;
  }
  let pcimsi = false;
  if (devIsPci(dev) && domid === MSI_DEFAULT_DOMAIN) pcimsi = toPciDev(dev).msiEnabled;
  msiLockDescs(dev);
  const desc = devDomain(dev.msiData, domid).store.get(pcimsi ? 0 : index);
  let ret = 0;
  if (desc?.irq) {
    if (!pcimsi) ret = desc.irq;
    else if (index < desc.nvecUsed) ret = desc.irq + index;
  }
  msiUnlockDescs(dev);
  return ret;
}

// kernel: msi_get_virq()
export function msiGetVirq(k: Kernel, dev: Device, index: number): number {
  return msiDomainGetVirq(k, dev, MSI_DEFAULT_DOMAIN, index);
}

// ---- sysfs ----------------------------------------------------------------------------

/** kernel: msi_mode_show() — the content of /sys/.../msi_irqs/<virq>. */
export function msiModeShow(dev: Device): string {
  const isMsix = devIsPci(dev) ? toPciDev(dev).msixEnabled : false;
  return isMsix ? 'msix\n' : 'msi\n';
}

/**
 * desc->sysfs_attrs of the model: the attribute array is not kept per descriptor. A populated
 * descriptor records the virq its files were named from (`sysfsIrq`, 0 = none); attribute i
 * is named by the decimal number sysfsIrq + i, as msi_sysfs_populate_desc() named it. The
 * file names live in the device's msi_irqs group.
 */
function msiSysfsAttrName(desc: MsiDesc, i: number): string {
  return String(desc.sysfsIrq! + i);
}

// kernel: msi_sysfs_remove_desc()
function msiSysfsRemoveDesc(dev: Device, desc: MsiDesc): void {
  if (!desc.sysfsIrq) return;
  const group = dev.sysfs?.get('msi_irqs');
  if (group) {
    for (let i = 0; i < desc.nvecUsed; i++) {
      const at = group.indexOf(msiSysfsAttrName(desc, i));
      if (at >= 0) removeAt(group, at);
    }
  }
  desc.sysfsIrq = 0;
}

// kernel: msi_sysfs_populate_desc()
function msiSysfsPopulateDesc(k: Kernel, dev: Device, desc: MsiDesc): number {
  if (k.sim.faults.shouldFail(FP_MSI_SYSFS_POPULATE_DESC)) return -ENOMEM;
  desc.sysfsIrq = desc.irq;
  let group = dev.sysfs?.get('msi_irqs');
  if (!group) {
    if (!dev.sysfs) dev.sysfs = new OneKeyMap<string, string[]>();
    group = [];
    dev.sysfs.set('msi_irqs', group);
  }
  for (let i = 0; i < desc.nvecUsed; i++) group.push(msiSysfsAttrName(desc, i));
  return 0;
}

/** Model only (memory): the msi_irqs file list at its exact length (push leaves spare slots). */
function msiSysfsTrimGroup(dev: Device): void {
  const group = dev.sysfs?.get('msi_irqs');
  if (group && group.length > 0) dev.sysfs!.set('msi_irqs', group.slice());
}

// kernel: msi_device_populate_sysfs()
export function msiDevicePopulateSysfs(k: Kernel, dev: Device): number {
  for (const desc of msiForEachDesc(k, dev, MSI_DESC_ASSOCIATED)) {
    if (desc.sysfsIrq) continue;
    const ret = msiSysfsPopulateDesc(k, dev, desc);
    if (ret) return ret;
  }
  return 0;
}

// kernel: msi_device_destroy_sysfs()
export function msiDeviceDestroySysfs(k: Kernel, dev: Device): void {
  for (const desc of msiForEachDesc(k, dev, MSI_DESC_ALL)) msiSysfsRemoveDesc(dev, desc);
}

// ---- device domain lookup ----------------------------------------------------------------

// kernel: msi_get_device_domain()
export function msiGetDeviceDomain(k: Kernel, dev: Device, domid: number): IrqDomain | null {
  if (domid >= MSI_MAX_DEVICE_IRQDOMAINS) {
    warn(k, `${F} msi_get_device_domain`, 'WARN_ON_ONCE(domid >= MSI_MAX_DEVICE_IRQDOMAINS)');
    return null;
  }
  const domain = devDomain(dev.msiData!, domid).domain;
  if (!domain) return null;
  if (irqDomainIsMsiParent(domain)) {
    warn(k, `${F} msi_get_device_domain`, 'WARN_ON_ONCE(irq_domain_is_msi_parent(domain))');
    return null;
  }
  return domain;
}

// kernel: msi_domain_get_hwsize()
export function msiDomainGetHwsize(k: Kernel, dev: Device, domid: number): number {
  const domain = msiGetDeviceDomain(k, dev, domid);
  if (domain) return msiGetDomainInfo(domain).hwsize;
  return MSI_XA_DOMAIN_SIZE;
}

// ---- irq_domain_ops of every MSI domain ----------------------------------------------------

// kernel: irq_chip_write_msi_msg()
function irqChipWriteMsiMsg(k: Kernel, data: IrqData, msg: MsiMsg): void {
  const fn = data.chip.irqWriteMsiMsg;
  if (!fn) oops(k, 'NULL irq_chip::irq_write_msi_msg', `${F} irq_chip_write_msi_msg`);
  fn.call(data.chip, k, data, msg);
}

// kernel: msi_check_level()
function msiCheckLevel(k: Kernel, domain: IrqDomain | null, msg1: MsiMsg): void {
  const info = domain ? msiGetDomainInfo(domain) : null;
  const capable =
    info !== null &&
    (info.flags & MSI_FLAG_LEVEL_CAPABLE) !== 0 &&
    ((info.chip?.flags ?? 0) & IRQCHIP_SUPPORTS_LEVEL_MSI) !== 0;
  if (!capable && (msg1.addressLo || msg1.addressHi || msg1.data)) {
    warn(k, `${F} msi_check_level`, 'WARN_ON(!(LEVEL_CAPABLE && SUPPORTS_LEVEL_MSI) && msg[1] != 0)');
  }
}

/**
 * msg[1] of the kernel's msg[2]: no model chip composes a second message, so it stays zero;
 * msi_check_level() only reads it. One frozen zero message serves every call.
 */
const MSG1_ZERO: MsiMsg = Object.freeze({ addressLo: 0, addressHi: 0, data: 0 }) as MsiMsg;

function zeroMsg(): MsiMsg {
  return { addressLo: 0, addressHi: 0, data: 0 };
}

/**
 * The kernel's on-stack `struct msi_msg msg` of activate/deactivate/set_affinity: one zeroed
 * scratch message reused (no chip keeps the pointer: __pci_write_msi_msg copies it into
 * desc->msg); a nested use while it is taken gets a fresh one.
 */
const scratchMsg: MsiMsg = zeroMsg();
let scratchMsgTaken = false;

function takeMsg(): MsiMsg {
  if (scratchMsgTaken) return zeroMsg();
  scratchMsgTaken = true;
  scratchMsg.addressLo = 0;
  scratchMsg.addressHi = 0;
  scratchMsg.data = 0;
  return scratchMsg;
}

function putMsg(msg: MsiMsg): void {
  if (msg === scratchMsg) scratchMsgTaken = false;
}

/**
 * kernel: msi_domain_set_affinity() — the parent chip's irq_set_affinity (no NULL
 * check, as in the kernel), then unless it failed or returned IRQ_SET_MASK_OK_DONE:
 * recompose the message through the hierarchy and write it with this level's chip.
 */
export function msiDomainSetAffinity(k: Kernel, irqData: IrqData, mask: Cpumask, force: boolean): number {
  const parent = irqData.parentData;
  if (!parent) oops(k, 'NULL irq_data->parent_data', `${F} msi_domain_set_affinity`);
  const setAff = parent.chip.irqSetAffinity;
  if (!setAff) oops(k, 'NULL parent irq_chip::irq_set_affinity', `${F} msi_domain_set_affinity`);
  const ret = setAff.call(parent.chip, k, parent, mask, force);
  if (ret >= 0 && ret !== IRQ_SET_MASK_OK_DONE) {
    const msg = takeMsg();
    try {
      const msg1 = MSG1_ZERO;
      bugOn(k, irqChipComposeMsiMsg(k, irqData, msg) !== 0, `${F}:msi_domain_set_affinity`);
      msiCheckLevel(k, irqData.domain, msg1);
      irqChipWriteMsiMsg(k, irqData, msg);
    } finally {
      putMsg(msg);
    }
  }
  return ret;
}

// kernel: msi_domain_activate()
export function msiDomainActivate(k: Kernel, _domain: IrqDomain, irqData: IrqData, _early: boolean): number {
  const msg = takeMsg();
  try {
    const msg1 = MSG1_ZERO;
    bugOn(k, irqChipComposeMsiMsg(k, irqData, msg) !== 0, `${F}:msi_domain_activate`);
    msiCheckLevel(k, irqData.domain, msg1);
    irqChipWriteMsiMsg(k, irqData, msg);
  } finally {
    putMsg(msg);
  }
  return 0;
}

// kernel: msi_domain_deactivate()
export function msiDomainDeactivate(k: Kernel, _domain: IrqDomain, irqData: IrqData): void {
  const msg = takeMsg();
  try {
    irqChipWriteMsiMsg(k, irqData, msg);
  } finally {
    putMsg(msg);
  }
}

// kernel: msi_domain_alloc()
export function msiDomainAlloc(
  k: Kernel,
  domain: IrqDomain,
  virq: number,
  nrIrqs: number,
  arg: unknown,
): number {
  const info = msiGetDomainInfo(domain);
  const ops = info.ops;
  const a = arg as MsiAllocInfo;
  const getHwirq = ops.getHwirq;
  if (!getHwirq) oops(k, 'NULL msi_domain_ops::get_hwirq', `${F} msi_domain_alloc`);
  const hwirq = getHwirq.call(ops, k, info, a);
  if (irqResolveMapping(k, domain, hwirqHi(hwirq), hwirqLo(hwirq))) return -EEXIST;
  if (domain.parent) {
    if (k.sim.faults.shouldFail(FP_MSI_DOMAIN_ALLOC)) return -ENOMEM;
    const ret = irqDomainAllocIrqsParent(k, domain, virq, nrIrqs, arg);
    if (ret < 0) return ret;
  }
  const init = ops.msiInit;
  if (!init) oops(k, 'NULL msi_domain_ops::msi_init', `${F} msi_domain_alloc`);
  for (let i = 0; i < nrIrqs; i++) {
    const ret = init.call(ops, k, domain, info, virq + i, i === 0 ? hwirq : hwirq + BigInt(i), a);
    if (ret < 0) {
      if (ops.msiFree) {
        for (i--; i >= 0; i--) ops.msiFree(k, domain, info, virq + i);
      }
      irqDomainFreeIrqsTop(k, domain, virq, nrIrqs);
      return ret;
    }
  }
  return 0;
}

// kernel: msi_domain_free()
export function msiDomainFree(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): void {
  const info = msiGetDomainInfo(domain);
  if (info.ops.msiFree) {
    for (let i = 0; i < nrIrqs; i++) info.ops.msiFree(k, domain, info, virq + i);
  }
  irqDomainFreeIrqsTop(k, domain, virq, nrIrqs);
}

/** kernel: msi_domain_translate() — no fwspec translation for PCI MSI: -ENOTSUPP. */
export function msiDomainTranslate(): number {
  return -ENOTSUPP;
}

/** kernel: msi_domain_ops (struct irq_domain_ops of every MSI domain; debug_show: CONFIG_GENERIC_IRQ_DEBUGFS) */
export const msiDomainOps: IrqDomainOps = Object.freeze({
  alloc: msiDomainAlloc,
  free: msiDomainFree,
  activate: msiDomainActivate,
  deactivate: msiDomainDeactivate,
  debugShow: msiDomainDebugShow,
});

// ---- msi_domain_ops defaults ----------------------------------------------------------------

// kernel: msi_domain_ops_get_hwirq()
export function msiDomainOpsGetHwirq(_k: Kernel, _info: MsiDomainInfo, arg: MsiAllocInfo): bigint {
  return arg.hwirq;
}

// kernel: msi_domain_ops_prepare()
export function msiDomainOpsPrepare(
  _k: Kernel,
  _domain: IrqDomain,
  _dev: Device,
  _nvec: number,
  arg: MsiAllocInfo,
): number {
  arg.desc = null;
  arg.hwirq = 0n;
  arg.flags = 0;
  arg.scratch = {};
  return 0;
}

// kernel: msi_domain_ops_teardown()
export function msiDomainOpsTeardown(_k: Kernel, _domain: IrqDomain, _arg: MsiAllocInfo): void {}

// kernel: msi_domain_ops_set_desc()
export function msiDomainOpsSetDesc(_k: Kernel, arg: MsiAllocInfo, desc: MsiDesc): void {
  arg.desc = desc;
}

// kernel: msi_domain_ops_init()
export function msiDomainOpsInit(
  k: Kernel,
  domain: IrqDomain,
  info: MsiDomainInfo,
  virq: number,
  hwirq: bigint,
  _arg: MsiAllocInfo,
): number {
  irqDomainSetHwirqAndChip(k, domain, virq, hwirq, info.chip, info.chipData);
  if (info.handler && info.handlerName) {
    irqSetHandlerInternal(k, virq, info.handler, false, info.handlerName);
    if (info.handlerData) irqSetHandlerData(k, virq, info.handlerData);
  }
  return 0;
}

/** kernel: msi_domain_ops_default */
export const msiDomainOpsDefault: Readonly<MsiDomainOps> = Object.freeze({
  getHwirq: msiDomainOpsGetHwirq,
  msiInit: msiDomainOpsInit,
  msiPrepare: msiDomainOpsPrepare,
  msiTeardown: msiDomainOpsTeardown,
  setDesc: msiDomainOpsSetDesc,
});

// kernel: msi_domain_update_dom_ops()
export function msiDomainUpdateDomOps(info: MsiDomainInfo): void {
  const ops = info.ops as MsiDomainOps | null;
  if (ops === null || ops === undefined) {
    info.ops = msiDomainOpsDefault as MsiDomainOps;
    return;
  }
  if (!(info.flags & MSI_FLAG_USE_DEF_DOM_OPS)) return;
  if (!ops.getHwirq) ops.getHwirq = msiDomainOpsDefault.getHwirq;
  if (!ops.msiInit) ops.msiInit = msiDomainOpsDefault.msiInit;
  if (!ops.msiPrepare) ops.msiPrepare = msiDomainOpsDefault.msiPrepare;
  if (!ops.msiTeardown) ops.msiTeardown = msiDomainOpsDefault.msiTeardown;
  if (!ops.setDesc) ops.setDesc = msiDomainOpsDefault.setDesc;
}

// kernel: msi_domain_update_chip_ops()
export function msiDomainUpdateChipOps(k: Kernel, info: MsiDomainInfo): void {
  const chip = info.chip;
  bugOn(k, !chip?.irqMask || !chip.irqUnmask, `${F}:msi_domain_update_chip_ops`);
  if (chip && !chip.irqSetAffinity && !(info.flags & MSI_FLAG_NO_AFFINITY))
    chip.irqSetAffinity = msiDomainSetAffinity;
}

// kernel: __msi_create_irq_domain()
export function __msiCreateIrqDomain(
  k: Kernel,
  fwnode: import('../../include/linux/irq.ts').FwnodeHandle | null,
  info: MsiDomainInfo,
  flags: number,
  parent: IrqDomain | null,
): IrqDomain | null {
  if (info.hwsize > MSI_XA_DOMAIN_SIZE) return null;
  if (!info.hwsize) info.hwsize = MSI_XA_DOMAIN_SIZE;
  msiDomainUpdateDomOps(info);
  if (info.flags & MSI_FLAG_USE_DEF_CHIP_OPS) msiDomainUpdateChipOps(k, info);
  const domain = irqDomainCreateHierarchy(
    k,
    parent,
    flags | IRQ_DOMAIN_FLAG_MSI,
    0,
    fwnode,
    msiDomainOps,
    info,
  );
  if (domain) {
    irqDomainUpdateBusToken(k, domain, info.busToken);
    domain.dev = info.dev ?? null;
  }
  return domain;
}

// kernel: msi_create_irq_domain()
export function msiCreateIrqDomain(
  k: Kernel,
  fwnode: import('../../include/linux/irq.ts').FwnodeHandle | null,
  info: MsiDomainInfo,
  parent: IrqDomain | null,
): IrqDomain | null {
  return __msiCreateIrqDomain(k, fwnode, info, 0, parent);
}

/**
 * kernel: msi_create_parent_irq_domain() — size = hwirq_max = max(hwirq_max, size),
 * IRQ_DOMAIN_FLAG_MSI_PARENT, bus token = parent_ops->bus_select_token; NULL on error.
 */
export function msiCreateParentIrqDomain(
  k: Kernel,
  info: IrqDomainInfo,
  msiParentOps: MsiParentOps,
): IrqDomain | null {
  info.hwirqMax = Math.max(info.hwirqMax, info.size);
  info.size = info.hwirqMax;
  info.domainFlags |= IRQ_DOMAIN_FLAG_MSI_PARENT;
  info.busToken = msiParentOps.busSelectToken;
  const d = irqDomainInstantiate(k, info);
  if (typeof d === 'number') return null;
  d.msiParentOps = msiParentOps;
  return d;
}

// kernel: msi_parent_init_dev_msi_info()
export function msiParentInitDevMsiInfo(
  k: Kernel,
  dev: Device,
  domain: IrqDomain,
  msiParentDomain: IrqDomain,
  msiChildInfo: MsiDomainInfo,
): boolean {
  const parent = domain.parent;
  if (!parent?.msiParentOps) {
    warn(k, `${F} msi_parent_init_dev_msi_info`, 'WARN_ON_ONCE(!parent || !parent->msi_parent_ops || ...)');
    return false;
  }
  return parent.msiParentOps.initDevMsiInfo(k, dev, parent, msiParentDomain, msiChildInfo);
}

/** Own keys of `src` that `dst` lacks, copied (a template with model-only extra fields). */
function copyExtraKeys(dst: object, src: object): void {
  for (const key of Object.keys(src)) {
    if (!Object.hasOwn(dst, key))
      (dst as Record<string, unknown>)[key] = (src as Record<string, unknown>)[key];
  }
}

/**
 * The per-device copy of msi_domain_info: an object literal naming every field, so the
 * fields set after the copy (dev, data, ...) are in-object rather than out-of-line property
 * storage per device. (chip and ops stay spread copies: most of their members are absent,
 * a literal naming them all costs more than the few added out of line.)
 */
function infoDup(t: MsiDomainInfo): MsiDomainInfo {
  const i: MsiDomainInfo = {
    flags: t.flags,
    busToken: t.busToken,
    hwsize: t.hwsize,
    ops: t.ops,
    chip: t.chip,
    chipData: t.chipData,
    handler: t.handler,
    handlerData: t.handlerData,
    handlerName: t.handlerName,
    data: t.data,
    allocData: t.allocData,
    dev: t.dev,
  };
  copyExtraKeys(i, t);
  return i;
}

/** Deep copy of a template into a per-device bundle (kmemdup of struct msi_domain_template). */
function templateDup(t: MsiDomainTemplate): MsiDomainTemplate {
  const chip = { ...t.chip } as IrqChip;
  const ops = { ...t.ops };
  const allocInfo: MsiAllocInfo = msiAllocInfoZero();
  copyAllocInfo(allocInfo, t.allocInfo);
  const info = infoDup(t.info);
  return { name: t.name, chip, ops, info, allocInfo };
}

/** Bundles by info (container_of(info, struct msi_domain_template, info)). */
const bundles = new WeakMap<MsiDomainInfo, MsiDomainTemplate>();

/** The per-device bundle behind a device domain's info (for tests and views). */
export function msiDomainBundle(info: MsiDomainInfo): MsiDomainTemplate | null {
  return bundles.get(info) ?? null;
}

/**
 * kernel: msi_create_device_irq_domain() (6.16+ order): parent must be an MSI parent;
 * copy the template; name "<prefix><chip>-<dev>" (47 chars max); named fwnode; device
 * data; WARN if the slot is taken; parent init_dev_msi_info (may refuse); create the
 * domain (IRQ_DOMAIN_FLAG_MSI_DEVICE); publish in the slot; then msi_prepare ONCE with
 * nvec = hwsize into the bundle's alloc_info. A failing prepare removes the domain
 * again (msi_teardown is not called).
 */
export function msiCreateDeviceIrqDomain(
  k: Kernel,
  dev: Device,
  domid: number,
  template: MsiDomainTemplate,
  hwsize: number,
  domainData: unknown,
  chipData: unknown,
): boolean {
  const parent = dev.msiDomain;
  if (!parent || !irqDomainIsMsiParent(parent)) return false;
  if (domid >= MSI_MAX_DEVICE_IRQDOMAINS) return false;
  if (k.sim.faults.shouldFail(FP_MSI_CREATE_DEVICE_IRQ_DOMAIN)) return false;
  const bundle = templateDup(template);
  bundle.info.hwsize = hwsize;
  bundle.info.chip = bundle.chip;
  bundle.info.ops = bundle.ops;
  bundle.info.data = domainData;
  bundle.info.chipData = chipData;
  bundle.info.allocData = bundle.allocInfo;
  bundle.info.dev = dev;
  const pops = parent.msiParentOps!;
  bundle.name = `${pops.prefix ?? ''}${template.chip.name}-${dev.name}`.slice(0, 47);
  (bundle.chip as { name: string }).name = bundle.name;

  let fwnode: import('../../include/linux/irq.ts').FwnodeHandle | null;
  let fwnodeAlloced: import('../../include/linux/irq.ts').FwnodeHandle | null = null;
  if (!(bundle.info.flags & MSI_FLAG_USE_DEV_FWNODE)) {
    fwnodeAlloced = irqDomainAllocNamedFwnode(k, bundle.name);
    fwnode = fwnodeAlloced;
  } else {
    fwnode =
      (dev as Device & { fwnode?: import('../../include/linux/irq.ts').FwnodeHandle | null }).fwnode ?? null;
  }
  if (!fwnode) return false;

  const fail = (): boolean => {
    if (fwnodeAlloced) irqDomainFreeFwnode(k, fwnodeAlloced);
    return false;
  };

  if (msiSetupDeviceData(k, dev)) return fail();
  msiLockDescs(dev);
  try {
    if (msiGetDeviceDomain(k, dev, domid)) {
      warn(k, `${F} msi_create_device_irq_domain`, 'WARN_ON_ONCE(msi_get_device_domain(dev, domid))');
      return fail();
    }
    if (!pops.initDevMsiInfo(k, dev, parent, parent, bundle.info)) return fail();
    const domain = __msiCreateIrqDomain(k, fwnode, bundle.info, IRQ_DOMAIN_FLAG_MSI_DEVICE, parent);
    if (!domain) return fail();
    devDomain(dev.msiData!, domid).domain = domain;
    if (msiDomainPrepareIrqs(k, domain, dev, hwsize, bundle.allocInfo)) {
      devDomain(dev.msiData!, domid).domain = null;
      irqDomainRemove(k, domain);
      return fail();
    }
    bundles.set(bundle.info, bundle);
    return true;
  } finally {
    msiUnlockDescs(dev);
  }
}

/**
 * kernel: msi_remove_device_irq_domain() — clear the slot, msi_teardown(alloc_data),
 * irq_domain_remove() (WARNs on live mappings), free the named fwnode and the bundle.
 */
export function msiRemoveDeviceIrqDomain(k: Kernel, dev: Device, domid: number): void {
  if (!dev.msiData) return;
  msiLockDescs(dev);
  try {
    const domain = msiGetDeviceDomain(k, dev, domid);
    if (!domain || !irqDomainIsMsiDevice(domain)) return;
    devDomain(dev.msiData, domid).domain = null;
    const info = msiGetDomainInfo(domain);
    const teardown = info.ops.msiTeardown;
    if (!teardown) oops(k, 'NULL msi_domain_ops::msi_teardown', `${F} msi_remove_device_irq_domain`);
    teardown.call(info.ops, k, domain, info.allocData ?? msiAllocInfoZero());
    let fwnode: import('../../include/linux/irq.ts').FwnodeHandle | null = null;
    if (irqDomainIsMsiDevice(domain)) fwnode = domain.fwnode;
    irqDomainRemove(k, domain);
    irqDomainFreeFwnode(k, fwnode);
    bundles.delete(info);
  } finally {
    msiUnlockDescs(dev);
  }
}

// kernel: msi_match_device_irq_domain()
export function msiMatchDeviceIrqDomain(k: Kernel, dev: Device, domid: number, busToken: number): boolean {
  if (!dev.msiData) return false;
  msiLockDescs(dev);
  const domain = msiGetDeviceDomain(k, dev, domid);
  msiUnlockDescs(dev);
  if (domain && irqDomainIsMsiDevice(domain)) return msiGetDomainInfo(domain).busToken === busToken;
  return false;
}

// kernel: msi_domain_prepare_irqs()
export function msiDomainPrepareIrqs(
  k: Kernel,
  domain: IrqDomain,
  dev: Device,
  nvec: number,
  arg: MsiAllocInfo,
): number {
  const info = msiGetDomainInfo(domain);
  const prepare = info.ops.msiPrepare;
  if (!prepare) oops(k, 'NULL msi_domain_ops::msi_prepare', `${F} msi_domain_prepare_irqs`);
  if (k.sim.faults.shouldFail(FP_MSI_DOMAIN_PREPARE)) return -ENOMEM;
  return prepare.call(info.ops, k, domain, dev, nvec, arg);
}

// kernel: msi_check_reservation_mode()
function msiCheckReservationMode(k: Kernel, domain: IrqDomain, info: MsiDomainInfo, dev: Device): boolean {
  switch (domain.busToken) {
    case DOMAIN_BUS_PCI_MSI:
    case DOMAIN_BUS_PCI_DEVICE_MSI:
    case DOMAIN_BUS_PCI_DEVICE_MSIX:
    case DOMAIN_BUS_VMD_MSI:
      break;
    default:
      return false;
  }
  if (!(info.flags & MSI_FLAG_MUST_REACTIVATE)) return false;
  if (info.flags & MSI_FLAG_NO_MASK) return false;
  const desc = msiFirstDesc(k, dev, MSI_DESC_ALL);
  if (!desc) oops(k, 'NULL msi_desc', `${F} msi_check_reservation_mode`);
  return desc.pciMsi.isMsix || desc.pciMsi.canMask;
}

// kernel: msi_handle_pci_fail()
function msiHandlePciFail(domain: IrqDomain, desc: MsiDesc, allocated: number): number {
  switch (domain.busToken) {
    case DOMAIN_BUS_PCI_MSI:
    case DOMAIN_BUS_PCI_DEVICE_MSI:
    case DOMAIN_BUS_PCI_DEVICE_MSIX:
    case DOMAIN_BUS_VMD_MSI:
      break;
    default:
      return -ENOSPC;
  }
  if (desc.nvecUsed > 1) return 1;
  return allocated ? allocated : -ENOSPC;
}

// kernel: msi_init_virq()
function msiInitVirq(k: Kernel, domain: IrqDomain, virq: number, vflags: number): number {
  const irqd = irqDomainGetIrqData(k, domain, virq);
  if (!irqd) oops(k, 'NULL irq_data', `${F} msi_init_virq`);
  if (!(vflags & VIRQ_CAN_RESERVE)) {
    irqdClear(irqd, IRQD_CAN_RESERVE);
    if (
      vflags & VIRQ_ACTIVATE &&
      irqd.common.stateUseAccessors & IRQD_AFFINITY_MANAGED &&
      !cpumaskIntersects(irqd.common.affinity, k.cpuOnlineMask)
    ) {
      irqdSet(irqd, IRQD_MANAGED_SHUTDOWN);
      return 0;
    }
  }
  if (!(vflags & VIRQ_ACTIVATE)) return 0;
  const ret = irqDomainActivateIrq(k, irqd, (vflags & VIRQ_CAN_RESERVE) !== 0);
  if (ret) return ret;
  if (vflags & VIRQ_CAN_RESERVE) irqdClear(irqd, 1 << 9 /* IRQD_ACTIVATED */);
  return 0;
}

// kernel: populate_alloc_info()
function populateAllocInfo(
  k: Kernel,
  domain: IrqDomain,
  dev: Device,
  nirqs: number,
  arg: MsiAllocInfo,
): number {
  const info = msiGetDomainInfo(domain);
  if (!info.allocData) return msiDomainPrepareIrqs(k, domain, dev, nirqs, arg);
  copyAllocInfo(arg, info.allocData);
  return 0;
}

/**
 * kernel: __msi_domain_alloc_irqs() — for each not-associated desc in [first, last]:
 * prepare_desc, set_desc, __irq_domain_alloc_irqs(nvec_used, desc->affinity), then per
 * vector irq_set_msi_desc_off + msi_init_virq (activation), sysfs. Non-zero return:
 * the caller frees the whole range.
 */
export function __msiDomainAllocIrqs(k: Kernel, dev: Device, domain: IrqDomain, ctrl: MsiCtrl): number {
  const dd = devDomain(dev.msiData!, ctrl.domid);
  const info = msiGetDomainInfo(domain);
  const ops = info.ops;
  let vflags = 0;
  let allocated = 0;
  const arg = msiAllocInfoZero();
  let ret = populateAllocInfo(k, domain, dev, ctrl.nirqs, arg);
  if (ret) return ret;
  if (info.flags & MSI_FLAG_ACTIVATE_EARLY) vflags |= VIRQ_ACTIVATE;
  if (msiCheckReservationMode(k, domain, info, dev)) vflags |= VIRQ_CAN_RESERVE;

  for (let idx = xaFind(dd, ctrl.first, ctrl.last); idx >= 0; idx = xaFind(dd, idx + 1, ctrl.last)) {
    const desc = dd.store.get(idx);
    if (!desc || !msiDescMatch(desc, MSI_DESC_NOTASSOCIATED)) continue;
    if (allocated >= ctrl.nirqs) {
      warn(k, `${F} __msi_domain_alloc_irqs`, 'WARN_ON_ONCE(allocated >= ctrl->nirqs)');
      return -EINVAL;
    }
    if (ops.prepareDesc) ops.prepareDesc(k, domain, arg, desc);
    const setDesc = ops.setDesc;
    if (!setDesc) oops(k, 'NULL msi_domain_ops::set_desc', `${F} __msi_domain_alloc_irqs`);
    setDesc.call(ops, k, arg, desc);
    const virq = k.sim.faults.shouldFail(FP___MSI_DOMAIN_ALLOC_IRQS)
      ? -ENOMEM
      : irqDomainAllocIrqsInternal(k, domain, -1, desc.nvecUsed, NUMA_NO_NODE, arg, false, desc.affinity);
    if (virq < 0) return msiHandlePciFail(domain, desc, allocated);
    for (let i = 0; i < desc.nvecUsed; i++) {
      irqSetMsiDescOff(k, virq, i, desc);
      const idesc = k.irqDescs[virq + i];
      if (idesc) idesc.devName = dev.name; // irq_debugfs_copy_devname()
      ret = msiInitVirq(k, domain, virq + i, vflags);
      if (ret) return ret;
    }
    if (info.flags & MSI_FLAG_DEV_SYSFS) {
      ret = msiSysfsPopulateDesc(k, dev, desc);
      if (ret) return ret;
    }
    allocated++;
  }
  if (info.flags & MSI_FLAG_DEV_SYSFS) msiSysfsTrimGroup(dev);
  return 0;
}

// kernel: msi_domain_alloc_simple_msi_descs()
function msiDomainAllocSimpleMsiDescs(k: Kernel, dev: Device, info: MsiDomainInfo, ctrl: MsiCtrl): number {
  if (!(info.flags & MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS)) return 0;
  return msiDomainAddSimpleMsiDescs(k, dev, ctrl);
}

// kernel: __msi_domain_alloc_locked()
function __msiDomainAllocLocked(k: Kernel, dev: Device, ctrl: MsiCtrl): number {
  if (!msiCtrlValid(k, dev, ctrl)) return -EINVAL;
  const domain = msiGetDeviceDomain(k, dev, ctrl.domid);
  if (!domain) return -ENODEV;
  const info = msiGetDomainInfo(domain);
  const ret = msiDomainAllocSimpleMsiDescs(k, dev, info, ctrl);
  if (ret) return ret;
  const ops = info.ops;
  if (ops.domainAllocIrqs) return ops.domainAllocIrqs(k, domain, dev, ctrl.nirqs);
  return __msiDomainAllocIrqs(k, dev, domain, ctrl);
}

// kernel: msi_domain_alloc_locked()
function msiDomainAllocLocked(k: Kernel, dev: Device, ctrl: MsiCtrl): number {
  const ret = __msiDomainAllocLocked(k, dev, ctrl);
  if (ret) msiDomainFreeLocked(k, dev, ctrl);
  return ret;
}

// kernel: msi_domain_alloc_irqs_range_locked()
export function msiDomainAllocIrqsRangeLocked(
  k: Kernel,
  dev: Device,
  domid: number,
  first: number,
  last: number,
): number {
  return msiDomainAllocLocked(k, dev, { domid, first, last, nirqs: last + 1 - first });
}

// kernel: msi_domain_alloc_irqs_range()
export function msiDomainAllocIrqsRange(
  k: Kernel,
  dev: Device,
  domid: number,
  first: number,
  last: number,
): number {
  msiLockDescs(dev);
  try {
    return msiDomainAllocIrqsRangeLocked(k, dev, domid, first, last);
  } finally {
    msiUnlockDescs(dev);
  }
}

// kernel: msi_domain_alloc_irqs_all_locked()
export function msiDomainAllocIrqsAllLocked(k: Kernel, dev: Device, domid: number, nirqs: number): number {
  return msiDomainAllocLocked(k, dev, {
    domid,
    first: 0,
    last: msiDomainGetHwsize(k, dev, domid) - 1,
    nirqs,
  });
}

/** struct msi_map */
export interface MsiMap {
  index: number;
  virq: number;
}

// kernel: msi_domain_alloc_irq_at() (+ __msi_domain_alloc_irq_at())
export function msiDomainAllocIrqAt(
  k: Kernel,
  dev: Device,
  domid: number,
  index: number,
  affdesc: IrqAffinityDesc | null,
): MsiMap {
  msiLockDescs(dev);
  try {
    const map: MsiMap = { index: 0, virq: 0 };
    const domain = msiGetDeviceDomain(k, dev, domid);
    if (!domain) {
      map.index = -ENODEV;
      return map;
    }
    const desc = msiAllocDesc(k, dev, 1, affdesc ? [affdesc] : null);
    if (!desc) {
      map.index = -ENOMEM;
      return map;
    }
    const ret = msiInsertDesc(k, dev, desc, domid, index);
    if (ret) {
      map.index = ret;
      return map;
    }
    const ctrl: MsiCtrl = { domid, first: desc.msiIndex, last: desc.msiIndex, nirqs: 1 };
    const r = __msiDomainAllocIrqs(k, dev, domain, ctrl);
    if (r) {
      map.index = r;
      msiDomainFreeLocked(k, dev, ctrl);
    } else {
      map.index = desc.msiIndex;
      map.virq = desc.irq;
    }
    return map;
  } finally {
    msiUnlockDescs(dev);
  }
}

/**
 * kernel: __msi_domain_free_irqs() — per associated desc: deactivate still-activated
 * vectors, irq_domain_free_irqs(desc->irq, nvec_used), remove sysfs, desc->irq = 0.
 */
function __msiDomainFreeIrqs(k: Kernel, dev: Device, domain: IrqDomain, ctrl: MsiCtrl): void {
  const dd = devDomain(dev.msiData!, ctrl.domid);
  const info = msiGetDomainInfo(domain);
  for (let idx = xaFind(dd, ctrl.first, ctrl.last); idx >= 0; idx = xaFind(dd, idx + 1, ctrl.last)) {
    const desc = dd.store.get(idx)!;
    if (!msiDescMatch(desc, MSI_DESC_ASSOCIATED)) continue;
    for (let i = 0; i < desc.nvecUsed; i++) {
      const irqd = irqDomainGetIrqData(k, domain, desc.irq + i);
      if (irqd && irqdIsActivated(irqd)) irqDomainDeactivateIrq(k, irqd);
    }
    irqDomainFreeIrqs(k, desc.irq, desc.nvecUsed);
    if (info.flags & MSI_FLAG_DEV_SYSFS) msiSysfsRemoveDesc(dev, desc);
    desc.irq = 0;
  }
}

// kernel: msi_domain_free_locked()
function msiDomainFreeLocked(k: Kernel, dev: Device, ctrl: MsiCtrl): void {
  if (!msiCtrlValid(k, dev, ctrl)) return;
  const domain = msiGetDeviceDomain(k, dev, ctrl.domid);
  if (!domain) return;
  const info = msiGetDomainInfo(domain);
  const ops = info.ops;
  if (ops.domainFreeIrqs) ops.domainFreeIrqs(k, domain, dev);
  else __msiDomainFreeIrqs(k, dev, domain, ctrl);
  if (info.flags & MSI_FLAG_FREE_MSI_DESCS) msiDomainFreeDescs(k, dev, ctrl);
}

// kernel: msi_domain_free_irqs_range_locked()
export function msiDomainFreeIrqsRangeLocked(
  k: Kernel,
  dev: Device,
  domid: number,
  first: number,
  last: number,
): void {
  msiDomainFreeLocked(k, dev, { domid, first, last, nirqs: 0 });
}

// kernel: msi_domain_free_irqs_range()
export function msiDomainFreeIrqsRange(
  k: Kernel,
  dev: Device,
  domid: number,
  first: number,
  last: number,
): void {
  msiLockDescs(dev);
  try {
    msiDomainFreeIrqsRangeLocked(k, dev, domid, first, last);
  } finally {
    msiUnlockDescs(dev);
  }
}

// kernel: msi_domain_free_irqs_all_locked()
export function msiDomainFreeIrqsAllLocked(k: Kernel, dev: Device, domid: number): void {
  msiDomainFreeIrqsRangeLocked(k, dev, domid, 0, msiDomainGetHwsize(k, dev, domid) - 1);
}

// kernel: msi_domain_free_irqs_all()
export function msiDomainFreeIrqsAll(k: Kernel, dev: Device, domid: number): void {
  msiLockDescs(dev);
  try {
    msiDomainFreeIrqsAllLocked(k, dev, domid);
  } finally {
    msiUnlockDescs(dev);
  }
}

/** Number of descriptors a device holds over all domain ids (for leak checks). */
export function msiDescCount(dev: Device): number {
  const md = dev.msiData;
  if (!md) return 0;
  let n = 0;
  for (const dd of md.domains) n += dd.store.size;
  return n;
}
