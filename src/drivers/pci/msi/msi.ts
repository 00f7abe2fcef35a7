// SPDX-License-Identifier: GPL-2.0-only
/**
 * drivers/pci/msi/msi.c + msi.h (Linux 6.19): PCI MSI and MSI-X capability handling —
 * mask/unmask, message writes to the capability / the MSI-X table, enabling
 * (msi_capability_init / msix_capability_init in their exact order), restore and
 * shutdown. The MSI-X table is reached through an iomem cookie (dev->msix_base) that
 * maps onto the function's BAR accessors.
 */
import {
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_MSIX,
  PCI_MSI_ADDRESS_HI,
  PCI_MSI_ADDRESS_LO,
  PCI_MSI_DATA_32,
  PCI_MSI_DATA_64,
  PCI_MSI_FLAGS,
  PCI_MSI_FLAGS_64BIT,
  PCI_MSI_FLAGS_ENABLE,
  PCI_MSI_FLAGS_MASKBIT,
  PCI_MSI_FLAGS_QMASK,
  PCI_MSI_FLAGS_QSIZE,
  PCI_MSI_MASK_32,
  PCI_MSI_MASK_64,
  PCI_MSIX_ENTRY_CTRL_MASKBIT,
  PCI_MSIX_ENTRY_DATA,
  PCI_MSIX_ENTRY_LOWER_ADDR,
  PCI_MSIX_ENTRY_SIZE,
  PCI_MSIX_ENTRY_UPPER_ADDR,
  PCI_MSIX_ENTRY_VECTOR_CTRL,
  PCI_MSIX_FLAGS,
  PCI_MSIX_FLAGS_ENABLE,
  PCI_MSIX_FLAGS_MASKALL,
  PCI_MSIX_FLAGS_QSIZE,
  PCI_MSIX_TABLE,
  PCI_MSIX_TABLE_BIR,
  PCI_MSIX_TABLE_OFFSET,
} from '../../../hw/pci/device.ts';
import type { Device } from '../../../include/linux/device.ts';
import { EINVAL, EIO, ENODEV, ENOMEM, ENOSPC, ENOTSUPP, ERANGE } from '../../../include/linux/errno.ts';
import type { IrqData } from '../../../include/linux/irq.ts';
import {
  type IrqAffinityDesc,
  MSI_DESC_ALL,
  MSI_FLAG_MSIX_CONTIGUOUS,
  MSI_FLAG_MULTI_PCI_MSI,
  MSI_FLAG_NO_MASK,
  MSI_FLAG_PCI_MSIX,
  type MsiDesc,
  type MsiMsg,
} from '../../../include/linux/msi.ts';
import {
  IORESOURCE_UNSET,
  PCI_BUS_FLAGS_NO_MSI,
  PCI_D0,
  PCI_DEV_FLAGS_HAS_MSI_MASKING,
  PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG,
  PCI_IRQ_VIRTUAL,
  type PciDev,
} from '../../../include/linux/pci.ts';
import {
  type IrqAffinity,
  irqCalcAffinityVectors,
  irqCreateAffinityMasks,
} from '../../../kernel/irq/affinity.ts';
import { irqGetMsiDesc } from '../../../kernel/irq/chip.ts';
import {
  irqDataGetMsiDesc,
  msiDescTemplate,
  msiDescTemplateReset,
  msiFirstDesc,
  msiForEachDesc,
  msiInsertMsiDesc,
  msiLockDescs,
  msiSetupDeviceData,
  msiUnlockDescs,
} from '../../../kernel/irq/msi.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { warn } from '../../../kernel/panic.ts';
import { declareFailurePoint } from '../../../sim/faults.ts';
import {
  devresAdd,
  pciDevIsDisconnected,
  pciIntx,
  pciReadConfigDword,
  pciReadConfigWord,
  pciResourceFlags,
  pciState,
  pciWriteConfigDword,
  pciWriteConfigWord,
} from '../pci.ts';
import {
  ALLOW_LEGACY,
  DENY_LEGACY,
  pciMsiDomainSupports,
  pciMsiSetupMsiIrqs,
  pciMsiTeardownMsiIrqs,
  pciSetupMsiDeviceDomain,
  pciSetupMsixDeviceDomain,
} from './irqdomain.ts';
import { archRestoreMsiIrqs } from './legacy.ts';

export const FP_MSIX_MAP_REGION = declareFailurePoint(
  'msix_map_region',
  'msix_map_region',
  'kernel',
  'NULL (ioremap failed) -> msix_capability_init returns -ENOMEM',
);
export const FP_PCIM_SETUP_MSI_RELEASE = declareFailurePoint(
  'pcim_setup_msi_release',
  'pcim_setup_msi_release',
  'kernel',
  '-ENOMEM (devm_add_action) for managed devices',
);

const F = 'drivers/pci/msi/msi.c';

/** Base of the iomem cookies handed out for mapped MSI-X tables. */
export const MSIX_IOMEM_COOKIE = 0x100000000;

/** struct msix_entry */
export interface MsixEntry {
  vector: number;
  entry: number;
}

// ---- MMIO to the MSI-X table (readl / writel on the cookie) ------------------------------

function mmioDev(desc: MsiDesc): PciDev {
  return msiDescToPciDev(desc);
}

function readl(dev: PciDev, addr: number): number {
  if (pciDevIsDisconnected(dev)) return 0xffffffff;
  return dev.hw.memRead32(dev.msixBir, addr - MSIX_IOMEM_COOKIE);
}

function writel(dev: PciDev, val: number, addr: number): void {
  if (pciDevIsDisconnected(dev)) return;
  dev.hw.memWrite32(dev.msixBir, addr - MSIX_IOMEM_COOKIE, val >>> 0);
}

// kernel: msi_desc_to_pci_dev()
export function msiDescToPciDev(desc: MsiDesc): PciDev {
  return desc.dev.owner as PciDev;
}

// kernel: pci_msix_desc_addr()
export function pciMsixDescAddr(desc: MsiDesc): number {
  return (desc.pciMsi.maskBase ?? 0) + desc.msiIndex * PCI_MSIX_ENTRY_SIZE;
}

// kernel: msi_multi_mask()
export function msiMultiMask(desc: MsiDesc): number {
  if (desc.pciMsi.multiCap >= 5) return 0xffffffff;
  return ((1 << (1 << desc.pciMsi.multiCap)) - 1) >>> 0;
}

// kernel: pci_msi_supported()
function pciMsiSupported(k: Kernel, dev: PciDev | null, nvec: number): boolean {
  if (!pciState(k).msiEnable) return false;
  if (!dev || dev.noMsi) return false;
  if (nvec < 1) return false;
  for (let bus = dev.bus as PciDev['bus'] | null; bus; bus = bus.parent) {
    if (bus.busFlags & PCI_BUS_FLAGS_NO_MSI) return false;
  }
  return true;
}

// kernel: pcim_msi_release()
function pcimMsiRelease(k: Kernel, d: Device): void {
  const dev = d.owner as PciDev;
  dev.isMsiManaged = false;
  pciFreeIrqVectorsImpl(k, dev);
}

// kernel: pcim_setup_msi_release()
function pcimSetupMsiRelease(k: Kernel, dev: PciDev): number {
  if (!dev.isManaged || dev.isMsiManaged) return 0;
  if (k.sim.faults.shouldFail(FP_PCIM_SETUP_MSI_RELEASE)) return -ENOMEM;
  devresAdd(dev.dev, { name: 'pcim_msi_release', release: pcimMsiRelease });
  dev.isMsiManaged = true;
  return 0;
}

// kernel: pci_setup_msi_context()
function pciSetupMsiContext(k: Kernel, dev: PciDev): number {
  const ret = msiSetupDeviceData(k, dev.dev);
  if (ret) return ret;
  return pcimSetupMsiRelease(k, dev);
}

// ---- mask / unmask -------------------------------------------------------------------

// kernel: pci_msi_update_mask()
export function pciMsiUpdateMask(desc: MsiDesc, clear: number, set: number): void {
  if (!desc.pciMsi.canMask) return;
  desc.pciMsi.msiMask = ((desc.pciMsi.msiMask & ~clear) | set) >>> 0;
  pciWriteConfigDword(msiDescToPciDev(desc), desc.pciMsi.maskPos, desc.pciMsi.msiMask);
}

// kernel: pci_msi_mask()
export function pciMsiMask(desc: MsiDesc, mask: number): void {
  pciMsiUpdateMask(desc, 0, mask);
}

// kernel: pci_msi_unmask()
export function pciMsiUnmask(desc: MsiDesc, mask: number): void {
  pciMsiUpdateMask(desc, mask, 0);
}

// kernel: pci_msix_write_vector_ctrl()
export function pciMsixWriteVectorCtrl(desc: MsiDesc, ctrl: number): void {
  if (desc.pciMsi.canMask) writel(mmioDev(desc), ctrl, pciMsixDescAddr(desc) + PCI_MSIX_ENTRY_VECTOR_CTRL);
}

// kernel: pci_msix_mask()
export function pciMsixMask(desc: MsiDesc): void {
  desc.pciMsi.msiMask = (desc.pciMsi.msiMask | PCI_MSIX_ENTRY_CTRL_MASKBIT) >>> 0;
  pciMsixWriteVectorCtrl(desc, desc.pciMsi.msiMask);
  // Flush write to device
  readl(mmioDev(desc), desc.pciMsi.maskBase ?? 0);
}

// kernel: pci_msix_unmask()
export function pciMsixUnmask(desc: MsiDesc): void {
  desc.pciMsi.msiMask = (desc.pciMsi.msiMask & ~PCI_MSIX_ENTRY_CTRL_MASKBIT) >>> 0;
  pciMsixWriteVectorCtrl(desc, desc.pciMsi.msiMask);
}

// kernel: __pci_msi_mask_desc()
function __pciMsiMaskDesc(desc: MsiDesc, mask: number): void {
  if (desc.pciMsi.isMsix) pciMsixMask(desc);
  else pciMsiMask(desc, mask);
}

// kernel: __pci_msi_unmask_desc()
function __pciMsiUnmaskDesc(desc: MsiDesc, mask: number): void {
  if (desc.pciMsi.isMsix) pciMsixUnmask(desc);
  else pciMsiUnmask(desc, mask);
}

/** kernel: pci_msi_mask_irq() — generic irq_chip callback (any hierarchy level). */
export function pciMsiMaskIrq(_k: Kernel, data: IrqData): void {
  const desc = irqDataGetMsiDesc(data)!;
  __pciMsiMaskDesc(desc, (1 << (data.irq - desc.irq)) >>> 0);
}

/** kernel: pci_msi_unmask_irq() — generic irq_chip callback (any hierarchy level). */
export function pciMsiUnmaskIrq(_k: Kernel, data: IrqData): void {
  const desc = irqDataGetMsiDesc(data)!;
  __pciMsiUnmaskDesc(desc, (1 << (data.irq - desc.irq)) >>> 0);
}

// ---- messages --------------------------------------------------------------------------

// kernel: __pci_read_msi_msg()
export function __pciReadMsiMsg(k: Kernel, entry: MsiDesc, msg: MsiMsg): void {
  const dev = msiDescToPciDev(entry);
  if (dev.currentState !== PCI_D0) {
    warn(k, `${F} __pci_read_msi_msg`, 'BUG_ON(dev->current_state != PCI_D0)');
    return;
  }
  if (entry.pciMsi.isMsix) {
    const base = pciMsixDescAddr(entry);
    if (entry.pciMsi.isVirtual) {
      warn(k, `${F} __pci_read_msi_msg`, 'WARN_ON_ONCE(entry->pci.msi_attrib.is_virtual)');
      return;
    }
    msg.addressLo = readl(dev, base + PCI_MSIX_ENTRY_LOWER_ADDR);
    msg.addressHi = readl(dev, base + PCI_MSIX_ENTRY_UPPER_ADDR);
    msg.data = readl(dev, base + PCI_MSIX_ENTRY_DATA);
  } else {
    const pos = dev.msiCap;
    msg.addressLo = pciReadConfigDword(dev, pos + PCI_MSI_ADDRESS_LO);
    if (entry.pciMsi.is64) {
      msg.addressHi = pciReadConfigDword(dev, pos + PCI_MSI_ADDRESS_HI);
      msg.data = pciReadConfigWord(dev, pos + PCI_MSI_DATA_64);
    } else {
      msg.addressHi = 0;
      msg.data = pciReadConfigWord(dev, pos + PCI_MSI_DATA_32);
    }
  }
}

// kernel: pci_write_msg_msi()
function pciWriteMsgMsi(dev: PciDev, desc: MsiDesc, msg: MsiMsg): void {
  const pos = dev.msiCap;
  let msgctl = pciReadConfigWord(dev, pos + PCI_MSI_FLAGS);
  msgctl &= ~PCI_MSI_FLAGS_QSIZE;
  msgctl |= (desc.pciMsi.multiple << 4) & PCI_MSI_FLAGS_QSIZE;
  pciWriteConfigWord(dev, pos + PCI_MSI_FLAGS, msgctl);
  pciWriteConfigDword(dev, pos + PCI_MSI_ADDRESS_LO, msg.addressLo);
  if (desc.pciMsi.is64) {
    pciWriteConfigDword(dev, pos + PCI_MSI_ADDRESS_HI, msg.addressHi);
    pciWriteConfigWord(dev, pos + PCI_MSI_DATA_64, msg.data & 0xffff);
  } else {
    pciWriteConfigWord(dev, pos + PCI_MSI_DATA_32, msg.data & 0xffff);
  }
  // Ensure that the writes are visible in the device
  pciReadConfigWord(dev, pos + PCI_MSI_FLAGS);
}

// kernel: pci_write_msg_msix()
function pciWriteMsgMsix(desc: MsiDesc, msg: MsiMsg): void {
  const dev = mmioDev(desc);
  const base = pciMsixDescAddr(desc);
  const ctrl = desc.pciMsi.msiMask;
  const unmasked = !(ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
  if (desc.pciMsi.isVirtual) return;
  // The entry must be masked while its message is modified (PCI spec).
  if (unmasked) pciMsixWriteVectorCtrl(desc, ctrl | PCI_MSIX_ENTRY_CTRL_MASKBIT);
  writel(dev, msg.addressLo, base + PCI_MSIX_ENTRY_LOWER_ADDR);
  writel(dev, msg.addressHi, base + PCI_MSIX_ENTRY_UPPER_ADDR);
  writel(dev, msg.data, base + PCI_MSIX_ENTRY_DATA);
  if (unmasked) pciMsixWriteVectorCtrl(desc, ctrl);
  // Ensure that the writes are visible in the device
  readl(dev, base + PCI_MSIX_ENTRY_DATA);
}

/**
 * kernel: __pci_write_msi_msg() — hardware untouched unless in D0 and connected; the
 * message is always cached in desc->msg, then desc->write_msi_msg is called.
 * Model: a freed descriptor is reported (WARN) and nothing is written.
 */
export function __pciWriteMsiMsg(k: Kernel, entry: MsiDesc, msg: MsiMsg): void {
  if (entry.freed) {
    warn(k, `${F} __pci_write_msi_msg`, `msi_desc ${entry.msiIndex} of ${entry.dev.name} used after free`);
    return;
  }
  const dev = msiDescToPciDev(entry);
  if (dev.currentState !== PCI_D0 || pciDevIsDisconnected(dev)) {
    // Don't touch the hardware now
  } else if (entry.pciMsi.isMsix) {
    pciWriteMsgMsix(entry, msg);
  } else {
    pciWriteMsgMsi(dev, entry, msg);
  }
  // entry->msg = *msg (a copy into the descriptor's own struct)
  const m = entry.msg;
  const lo = msg.addressLo >>> 0;
  const hi = msg.addressHi >>> 0;
  const data = msg.data >>> 0;
  m.addressLo = lo;
  m.addressHi = hi;
  m.data = data;
  if (entry.writeMsiMsg) entry.writeMsiMsg(k, entry, entry.writeMsiMsgData);
}

/**
 * kernel: pci_write_msi_msg() — on irq_get_msi_desc(irq). Model: an irq without an MSI
 * descriptor (a freed vector) gets a WARN instead of the kernel's NULL dereference.
 */
export function pciWriteMsiMsg(k: Kernel, irq: number, msg: MsiMsg): void {
  const entry = irqGetMsiDesc(k, irq);
  if (!entry) {
    warn(k, `${F} pci_write_msi_msg`, `irq ${irq}: no MSI descriptor (vector not allocated or freed)`);
    return;
  }
  __pciWriteMsiMsg(k, entry, msg);
}

// ---- MSI --------------------------------------------------------------------------------

// kernel: pci_intx_for_msi()
function pciIntxForMsi(dev: PciDev, enable: boolean): void {
  if (!(dev.devFlags & PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG)) pciIntx(dev, enable);
}

// kernel: pci_msi_set_enable()
function pciMsiSetEnable(dev: PciDev, enable: boolean): void {
  let control = pciReadConfigWord(dev, dev.msiCap + PCI_MSI_FLAGS);
  control &= ~PCI_MSI_FLAGS_ENABLE;
  if (enable) control |= PCI_MSI_FLAGS_ENABLE;
  pciWriteConfigWord(dev, dev.msiCap + PCI_MSI_FLAGS, control);
}

function ilog2RoundupPow2(n: number): number {
  let l = 0;
  while (1 << l < n) l++;
  return l;
}

// kernel: msi_setup_msi_desc()
function msiSetupMsiDesc(k: Kernel, dev: PciDev, nvec: number, masks: IrqAffinityDesc[] | null): number {
  const desc = msiDescTemplate(dev.dev);
  let control = pciReadConfigWord(dev, dev.msiCap + PCI_MSI_FLAGS);
  // Lies, damned lies, and MSIs
  if (dev.devFlags & PCI_DEV_FLAGS_HAS_MSI_MASKING) control |= PCI_MSI_FLAGS_MASKBIT;
  // Respect XEN's mask disabling
  if (pciMsiDomainSupports(k, dev, MSI_FLAG_NO_MASK, DENY_LEGACY)) control &= ~PCI_MSI_FLAGS_MASKBIT;
  desc.nvecUsed = nvec;
  desc.pciMsi.is64 = (control & PCI_MSI_FLAGS_64BIT) !== 0;
  desc.pciMsi.canMask = (control & PCI_MSI_FLAGS_MASKBIT) !== 0;
  desc.pciMsi.defaultIrq = dev.irq;
  desc.pciMsi.multiCap = (control & PCI_MSI_FLAGS_QMASK) >>> 1;
  desc.pciMsi.multiple = ilog2RoundupPow2(nvec);
  desc.affinity = masks;
  desc.pciMsi.maskPos = dev.msiCap + (control & PCI_MSI_FLAGS_64BIT ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
  // Save the initial mask status
  if (desc.pciMsi.canMask) desc.pciMsi.msiMask = pciReadConfigDword(dev, desc.pciMsi.maskPos);
  return msiInsertMsiDesc(k, dev.dev, desc);
}

// kernel: msi_verify_entries()
function msiVerifyEntries(k: Kernel, dev: PciDev): number {
  if (!dev.no64bitMsi) return 0;
  for (const entry of msiForEachDesc(k, dev.dev, MSI_DESC_ALL)) {
    if (entry.msg.addressHi) {
      k.sim.log.printk(
        'err',
        `pci ${dev.dev.name}: arch assigned 64-bit MSI address 0x${entry.msg.addressHi.toString(16)}${entry.msg.addressLo
          .toString(16)
          .padStart(8, '0')} but device only supports 32 bits`,
      );
      return -EIO;
    }
  }
  return 0;
}

/**
 * kernel: msi_capability_init() — 0, a positive retry count (multi-MSI not supported),
 * or -errno. One desc at index 0 with nvec_used = nvec; all 2^MMC vectors masked
 * before allocation; Enable set last.
 */
function msiCapabilityInit(k: Kernel, dev: PciDev, nvec: number, affd: IrqAffinity | null): number {
  // Reject multi-MSI early on irq domain enabled architectures
  if (nvec > 1 && !pciMsiDomainSupports(k, dev, MSI_FLAG_MULTI_PCI_MSI, ALLOW_LEGACY)) return 1;
  // Disable MSI during setup in the hardware, but mark it enabled so setup code can evaluate it.
  pciMsiSetEnable(dev, false);
  dev.msiEnabled = true;
  const masks = affd ? irqCreateAffinityMasks(k, nvec, affd) : null;
  msiLockDescs(dev.dev);
  let ret = msiSetupMsiDesc(k, dev, nvec, masks);
  if (ret) {
    dev.msiEnabled = false;
    msiUnlockDescs(dev.dev);
    return ret;
  }
  // All MSIs are unmasked by default; mask them all
  const entry = msiFirstDesc(k, dev.dev, MSI_DESC_ALL)!;
  pciMsiMask(entry, msiMultiMask(entry));
  ret = pciMsiSetupMsiIrqs(k, dev, nvec, PCI_CAP_ID_MSI);
  if (!ret) ret = msiVerifyEntries(k, dev);
  if (ret) {
    pciMsiUnmask(entry, msiMultiMask(entry));
    pciFreeMsiIrqs(k, dev);
    dev.msiEnabled = false;
    msiUnlockDescs(dev.dev);
    return ret;
  }
  // Set MSI enabled bits
  pciIntxForMsi(dev, false);
  pciMsiSetEnable(dev, true);
  dev.irq = entry.irq;
  msiUnlockDescs(dev.dev);
  return 0;
}

// kernel: pci_msi_vec_count()
export function pciMsiVecCount(dev: PciDev): number {
  if (!dev.msiCap) return -EINVAL;
  const msgctl = pciReadConfigWord(dev, dev.msiCap + PCI_MSI_FLAGS);
  return 1 << ((msgctl & PCI_MSI_FLAGS_QMASK) >>> 1);
}

// kernel: __pci_enable_msi_range()
export function __pciEnableMsiRange(
  k: Kernel,
  dev: PciDev,
  minvec: number,
  maxvec: number,
  affd: IrqAffinity | null,
): number {
  if (!pciMsiSupported(k, dev, minvec) || dev.currentState !== PCI_D0) return -EINVAL;
  // Check whether driver already requested MSI-X IRQs
  if (dev.msixEnabled) {
    k.sim.log.printk('info', `pci ${dev.dev.name}: can't enable MSI (MSI-X already enabled)`);
    return -EINVAL;
  }
  if (maxvec < minvec) return -ERANGE;
  if (dev.msiEnabled) {
    warn(k, `${F} __pci_enable_msi_range`, 'WARN_ON_ONCE(dev->msi_enabled)');
    return -EINVAL;
  }
  // Test for the availability of MSI support
  if (!pciMsiDomainSupports(k, dev, 0, ALLOW_LEGACY)) return -ENOTSUPP;
  let nvec = pciMsiVecCount(dev);
  if (nvec < 0) return nvec;
  if (nvec < minvec) return -ENOSPC;
  let rc = pciSetupMsiContext(k, dev);
  if (rc) return rc;
  if (!pciSetupMsiDeviceDomain(k, dev, nvec)) return -ENODEV;
  if (nvec > maxvec) nvec = maxvec;
  for (;;) {
    if (affd) {
      nvec = irqCalcAffinityVectors(k, minvec, nvec, affd);
      if (nvec < minvec) return -ENOSPC;
    }
    rc = msiCapabilityInit(k, dev, nvec, affd);
    if (rc === 0) return nvec;
    if (rc < 0) return rc;
    if (rc < minvec) return -ENOSPC;
    nvec = rc;
  }
}

// kernel: __pci_restore_msi_state()
export function __pciRestoreMsiState(k: Kernel, dev: PciDev): void {
  if (!dev.msiEnabled) return;
  const entry = irqGetMsiDesc(k, dev.irq);
  if (!entry) {
    warn(k, `${F} __pci_restore_msi_state`, `irq ${dev.irq}: no MSI descriptor`);
    return;
  }
  pciIntxForMsi(dev, false);
  pciMsiSetEnable(dev, false);
  if (archRestoreMsiIrqs(k, dev)) __pciWriteMsiMsg(k, entry, entry.msg);
  let control = pciReadConfigWord(dev, dev.msiCap + PCI_MSI_FLAGS);
  pciMsiUpdateMask(entry, 0, 0);
  control &= ~PCI_MSI_FLAGS_QSIZE;
  control |= PCI_MSI_FLAGS_ENABLE | ((entry.pciMsi.multiple << 4) & PCI_MSI_FLAGS_QSIZE);
  pciWriteConfigWord(dev, dev.msiCap + PCI_MSI_FLAGS, control);
}

// kernel: pci_msi_shutdown()
export function pciMsiShutdown(k: Kernel, dev: PciDev): void {
  if (!pciState(k).msiEnable || !dev.msiEnabled) return;
  pciMsiSetEnable(dev, false);
  pciIntxForMsi(dev, true);
  dev.msiEnabled = false;
  // Return the device with MSI unmasked as initial states
  const desc = msiFirstDesc(k, dev.dev, MSI_DESC_ALL);
  if (!desc) {
    warn(k, `${F} pci_msi_shutdown`, 'WARN_ON_ONCE(!desc)');
    return;
  }
  pciMsiUnmask(desc, msiMultiMask(desc));
  // Restore dev->irq to its default pin-assertion IRQ
  dev.irq = desc.pciMsi.defaultIrq;
}

// ---- MSI-X ------------------------------------------------------------------------------

// kernel: pci_msix_clear_and_set_ctrl()
function pciMsixClearAndSetCtrl(dev: PciDev, clear: number, set: number): void {
  let ctrl = pciReadConfigWord(dev, dev.msixCap + PCI_MSIX_FLAGS);
  ctrl &= ~clear;
  ctrl |= set;
  pciWriteConfigWord(dev, dev.msixCap + PCI_MSIX_FLAGS, ctrl);
}

// kernel: msix_table_size()
function msixTableSize(control: number): number {
  return (control & PCI_MSIX_FLAGS_QSIZE) + 1;
}

/**
 * kernel: msix_map_region() — the iomem cookie of the table, 0 (NULL) on failure: the BAR
 * named by the BIR must be a resource the device has (`!flags || flags & IORESOURCE_UNSET`
 * -> NULL; e.g. BIR 7 from an all-ones read of a function whose config space is gone), then
 * ioremap() (failure point).
 */
export function msixMapRegion(k: Kernel, dev: PciDev, _nrEntries: number): number {
  const tableOffset = pciReadConfigDword(dev, dev.msixCap + PCI_MSIX_TABLE);
  const bir = tableOffset & PCI_MSIX_TABLE_BIR;
  const flags = pciResourceFlags(dev, bir);
  if (!flags || flags & IORESOURCE_UNSET) return 0;
  if (k.sim.faults.shouldFail(FP_MSIX_MAP_REGION)) return 0;
  dev.msixBir = bir;
  return MSIX_IOMEM_COOKIE + ((tableOffset & PCI_MSIX_TABLE_OFFSET) >>> 0);
}

// kernel: pci_msix_vec_count()
export function pciMsixVecCount(dev: PciDev): number {
  if (!dev.msixCap) return -EINVAL;
  return msixTableSize(pciReadConfigWord(dev, dev.msixCap + PCI_MSIX_FLAGS));
}

/** kernel: msix_prepare_msi_desc() — fill in a half-initialised MSI-X descriptor. */
export function msixPrepareMsiDesc(k: Kernel, dev: PciDev, desc: MsiDesc): void {
  desc.nvecUsed = 1;
  desc.pciMsi.isMsix = true;
  desc.pciMsi.is64 = true;
  desc.pciMsi.defaultIrq = dev.irq;
  desc.pciMsi.maskBase = dev.msixBase;
  desc.pciMsi.entryIndex = desc.msiIndex;
  desc.pciMsi.canMask =
    !desc.pciMsi.isVirtual && !pciMsiDomainSupports(k, dev, MSI_FLAG_NO_MASK, DENY_LEGACY);
  if (desc.pciMsi.canMask) {
    desc.pciMsi.msiMask = readl(dev, pciMsixDescAddr(desc) + PCI_MSIX_ENTRY_VECTOR_CTRL);
  }
}

// kernel: msix_setup_msi_descs()
function msixSetupMsiDescs(
  k: Kernel,
  dev: PciDev,
  entries: MsixEntry[] | null,
  nvec: number,
  masks: IrqAffinityDesc[] | null,
): number {
  let ret = 0;
  const vecCount = pciMsixVecCount(dev);
  // struct msi_desc desc on the stack: one template, zeroed for each vector
  const desc = msiDescTemplate(dev.dev);
  const curmsk: IrqAffinityDesc[] | null = masks ? [masks[0]!] : null;
  for (let i = 0; i < nvec; i++) {
    if (i > 0) msiDescTemplateReset(desc, dev.dev);
    desc.msiIndex = entries ? entries[i]!.entry : i;
    if (curmsk) curmsk[0] = masks![i]!;
    desc.affinity = curmsk;
    desc.pciMsi.isVirtual = desc.msiIndex >= vecCount;
    msixPrepareMsiDesc(k, dev, desc);
    ret = msiInsertMsiDesc(k, dev.dev, desc);
    if (ret) break;
  }
  return ret;
}

// kernel: msix_update_entries()
function msixUpdateEntries(k: Kernel, dev: PciDev, entries: MsixEntry[] | null): void {
  if (!entries) return;
  let i = 0;
  for (const desc of msiForEachDesc(k, dev.dev, MSI_DESC_ALL)) {
    const e = entries[i++];
    if (e) e.vector = desc.irq;
  }
}

// kernel: msix_mask_all()
function msixMaskAll(dev: PciDev, base: number, tsize: number): void {
  for (let i = 0; i < tsize; i++, base += PCI_MSIX_ENTRY_SIZE) {
    writel(dev, PCI_MSIX_ENTRY_CTRL_MASKBIT, base + PCI_MSIX_ENTRY_VECTOR_CTRL);
  }
}

// kernel: msix_setup_interrupts()
function msixSetupInterrupts(
  k: Kernel,
  dev: PciDev,
  entries: MsixEntry[] | null,
  nvec: number,
  affd: IrqAffinity | null,
): number {
  const masks = affd ? irqCreateAffinityMasks(k, nvec, affd) : null;
  msiLockDescs(dev.dev);
  let ret = msixSetupMsiDescs(k, dev, entries, nvec, masks);
  if (!ret) ret = pciMsiSetupMsiIrqs(k, dev, nvec, PCI_CAP_ID_MSIX);
  // Check if all MSI entries honor device restrictions
  if (!ret) ret = msiVerifyEntries(k, dev);
  if (ret) pciFreeMsiIrqs(k, dev);
  else msixUpdateEntries(k, dev, entries);
  msiUnlockDescs(dev.dev);
  return ret;
}

/**
 * kernel: msix_capability_init() — Enable|MaskAll first (table accessible, nothing can
 * fire), map the table, descriptors + interrupts (messages written on activation), INTx
 * off, every table entry masked, Function Mask cleared.
 */
function msixCapabilityInit(
  k: Kernel,
  dev: PciDev,
  entries: MsixEntry[] | null,
  nvec: number,
  affd: IrqAffinity | null,
): number {
  pciMsixClearAndSetCtrl(dev, 0, PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE);
  // Mark it enabled so setup functions can query it
  dev.msixEnabled = true;
  const control = pciReadConfigWord(dev, dev.msixCap + PCI_MSIX_FLAGS);
  const tsize = msixTableSize(control);
  dev.msixBase = msixMapRegion(k, dev, tsize);
  let ret: number;
  if (!dev.msixBase) {
    ret = -ENOMEM;
  } else {
    ret = msixSetupInterrupts(k, dev, entries, nvec, affd);
    if (!ret) {
      // Disable INTX
      pciIntxForMsi(dev, false);
      if (!pciMsiDomainSupports(k, dev, MSI_FLAG_NO_MASK, DENY_LEGACY)) msixMaskAll(dev, dev.msixBase, tsize);
      pciMsixClearAndSetCtrl(dev, PCI_MSIX_FLAGS_MASKALL, 0);
      return 0;
    }
  }
  dev.msixEnabled = false;
  pciMsixClearAndSetCtrl(dev, PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE, 0);
  return ret;
}

// kernel: pci_msix_validate_entries()
function pciMsixValidateEntries(k: Kernel, dev: PciDev, entries: MsixEntry[] | null, nvec: number): boolean {
  if (!entries) return true;
  const nogap = pciMsiDomainSupports(k, dev, MSI_FLAG_MSIX_CONTIGUOUS, DENY_LEGACY);
  for (let i = 0; i < nvec; i++) {
    for (let j = i + 1; j < nvec; j++) if (entries[i]!.entry === entries[j]!.entry) return false;
    if (nogap && entries[i]!.entry !== i) return false;
  }
  return true;
}

// kernel: __pci_enable_msix_range()
export function __pciEnableMsixRange(
  k: Kernel,
  dev: PciDev,
  entries: MsixEntry[] | null,
  minvec: number,
  maxvec: number,
  affd: IrqAffinity | null,
  flags: number,
): number {
  let nvec = maxvec;
  if (maxvec < minvec) return -ERANGE;
  if (dev.msiEnabled) {
    k.sim.log.printk('info', `pci ${dev.dev.name}: can't enable MSI-X (MSI already enabled)`);
    return -EINVAL;
  }
  if (dev.msixEnabled) {
    warn(k, `${F} __pci_enable_msix_range`, 'WARN_ON_ONCE(dev->msix_enabled)');
    return -EINVAL;
  }
  // Check MSI-X early on irq domain enabled architectures
  if (!pciMsiDomainSupports(k, dev, MSI_FLAG_PCI_MSIX, ALLOW_LEGACY)) return -ENOTSUPP;
  if (!pciMsiSupported(k, dev, nvec) || dev.currentState !== PCI_D0) return -EINVAL;
  let hwsize = pciMsixVecCount(dev);
  if (hwsize < 0) return hwsize;
  if (!pciMsixValidateEntries(k, dev, entries, nvec)) return -EINVAL;
  if (hwsize < nvec) {
    // Keep the IRQ virtual hackery working
    if (flags & PCI_IRQ_VIRTUAL) hwsize = nvec;
    else nvec = hwsize;
  }
  if (nvec < minvec) return -ENOSPC;
  let rc = pciSetupMsiContext(k, dev);
  if (rc) return rc;
  if (!pciSetupMsixDeviceDomain(k, dev, hwsize)) return -ENODEV;
  for (;;) {
    if (affd) {
      nvec = irqCalcAffinityVectors(k, minvec, nvec, affd);
      if (nvec < minvec) return -ENOSPC;
    }
    rc = msixCapabilityInit(k, dev, entries, nvec, affd);
    if (rc === 0) return nvec;
    if (rc < 0) return rc;
    if (rc < minvec) return -ENOSPC;
    nvec = rc;
  }
}

// kernel: __pci_restore_msix_state()
export function __pciRestoreMsixState(k: Kernel, dev: PciDev): void {
  if (!dev.msixEnabled) return;
  // route the table
  pciIntxForMsi(dev, false);
  pciMsixClearAndSetCtrl(dev, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
  const writeMsg = archRestoreMsiIrqs(k, dev);
  msiLockDescs(dev.dev);
  for (const entry of msiForEachDesc(k, dev.dev, MSI_DESC_ALL)) {
    if (writeMsg) __pciWriteMsiMsg(k, entry, entry.msg);
    pciMsixWriteVectorCtrl(entry, entry.pciMsi.msiMask);
  }
  msiUnlockDescs(dev.dev);
  pciMsixClearAndSetCtrl(dev, PCI_MSIX_FLAGS_MASKALL, 0);
}

// kernel: pci_msix_shutdown()
export function pciMsixShutdown(k: Kernel, dev: PciDev): void {
  if (!pciState(k).msiEnable || !dev.msixEnabled) return;
  if (pciDevIsDisconnected(dev)) {
    dev.msixEnabled = false;
    return;
  }
  // Return the device with MSI-X masked as initial states
  for (const desc of msiForEachDesc(k, dev.dev, MSI_DESC_ALL)) pciMsixMask(desc);
  pciMsixClearAndSetCtrl(dev, PCI_MSIX_FLAGS_ENABLE, 0);
  pciIntxForMsi(dev, true);
  dev.msixEnabled = false;
}

// kernel: pci_free_msi_irqs()
export function pciFreeMsiIrqs(k: Kernel, dev: PciDev): void {
  pciMsiTeardownMsiIrqs(k, dev);
  if (dev.msixBase) dev.msixBase = 0; // iounmap()
}

// kernel: pci_disable_msi()
export function pciDisableMsi(k: Kernel, dev: PciDev): void {
  if (!pciState(k).msiEnable || !dev.msiEnabled) return;
  msiLockDescs(dev.dev);
  pciMsiShutdown(k, dev);
  pciFreeMsiIrqs(k, dev);
  msiUnlockDescs(dev.dev);
}

// kernel: pci_disable_msix()
export function pciDisableMsix(k: Kernel, dev: PciDev): void {
  if (!pciState(k).msiEnable || !dev.msixEnabled) return;
  msiLockDescs(dev.dev);
  pciMsixShutdown(k, dev);
  pciFreeMsiIrqs(k, dev);
  msiUnlockDescs(dev.dev);
}

/** kernel: pci_free_irq_vectors() = pci_disable_msix() + pci_disable_msi(). */
export function pciFreeIrqVectorsImpl(k: Kernel, dev: PciDev): void {
  pciDisableMsix(k, dev);
  pciDisableMsi(k, dev);
}

export { PCI_CAP_ID_MSIX, PCI_MSI_FLAGS_ENABLE, PCI_MSIX_FLAGS_ENABLE };
