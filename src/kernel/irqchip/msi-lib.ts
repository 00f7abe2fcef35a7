// SPDX-License-Identifier: GPL-2.0-only
/**
 * drivers/irqchip/irq-msi-lib.c (Linux 6.19): the shared init_dev_msi_info of MSI
 * parent domains, and the shared select function. 6.19 does not yet have the
 * "refuse when irq_write_msi_msg() is missing" check (tip irq/msi, Feb 2026).
 */
import type { Device } from '../../include/linux/device.ts';
import {
  DOMAIN_BUS_PCI_DEVICE_MSI,
  DOMAIN_BUS_PCI_DEVICE_MSIX,
  type FwnodeHandle,
  type IrqDomain,
} from '../../include/linux/irq.ts';
import {
  MSI_CHIP_FLAG_SET_ACK,
  MSI_CHIP_FLAG_SET_EOI,
  MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS,
  MSI_FLAG_FREE_MSI_DESCS,
  MSI_FLAG_NO_AFFINITY,
  MSI_FLAG_PCI_MSI_MASK_PARENT,
  type MsiDomainInfo,
} from '../../include/linux/msi.ts';
import { irqChipAckParent, irqChipEoiParent, irqChipMaskParent, irqChipUnmaskParent } from '../irq/chip.ts';
import { IRQ_DOMAIN_FLAG_FWNODE_PARENT } from '../irq/irqdomain.ts';
import { msiDomainSetAffinity } from '../irq/msi.ts';
import type { Kernel } from '../kernel.ts';
import { oops, warn } from '../panic.ts';

/** enum irq_domain_bus_token values msi-lib knows beyond the PCI ones (irqdomain_defs.h). */
export const DOMAIN_BUS_DEVICE_MSI = 15;
export const DOMAIN_BUS_WIRED_TO_MSI = 16;

/** MATCH_PCI_MSI (irq-msi-lib.h): BIT(DOMAIN_BUS_PCI_MSI) */
export const MATCH_PCI_MSI = 1 << 3;

const F = 'drivers/irqchip/irq-msi-lib.c msi_lib_init_dev_msi_info';

/**
 * kernel: msi_lib_init_dev_msi_info() — check the parent, the child bus token
 * (PCI_DEVICE_MSI/MSIX; DEVICE_MSI; WIRED_TO_MSI), mask the child's flags with the
 * parent's supported_flags, OR in its required_flags, and fix up the child's chip copy:
 * EOI/ACK parent helpers per chip_flags, msi_domain_set_affinity unless the chip has
 * irq_set_affinity or NO_AFFINITY is set, and the parent mask/unmask helpers when
 * PCI_MSI_MASK_PARENT is set. Returns false (with a WARN) where the kernel refuses.
 */
export function msiLibInitDevMsiInfo(
  k: Kernel,
  _dev: Device,
  domain: IrqDomain,
  realParent: IrqDomain,
  info: MsiDomainInfo,
): boolean {
  const pops = realParent.msiParentOps;
  const chip = info.chip;
  if (!pops) {
    warn(k, F, 'WARN_ON_ONCE(!pops)');
    return false;
  }
  if (domain.busToken === pops.busSelectToken) {
    if (domain !== realParent) {
      warn(k, F, 'WARN_ON_ONCE(domain != real_parent)');
      return false;
    }
  } else {
    warn(k, F, 'WARN_ON_ONCE(1): domain bus token != bus_select_token');
    return false;
  }
  let requiredFlags = pops.requiredFlags;
  switch (info.busToken) {
    case DOMAIN_BUS_PCI_DEVICE_MSI:
    case DOMAIN_BUS_PCI_DEVICE_MSIX:
      break; // CONFIG_PCI_MSI=y
    case DOMAIN_BUS_DEVICE_MSI:
      if (info.flags) {
        warn(k, F, 'WARN_ON_ONCE(info->flags)');
        return false;
      }
      info.flags = MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS | MSI_FLAG_FREE_MSI_DESCS;
      requiredFlags &= ~MSI_FLAG_PCI_MSI_MASK_PARENT;
      break;
    case DOMAIN_BUS_WIRED_TO_MSI:
      requiredFlags &= ~MSI_FLAG_PCI_MSI_MASK_PARENT;
      break;
    default:
      warn(k, F, `WARN_ON_ONCE(1): unsupported child bus token ${info.busToken}`);
      return false;
  }
  info.flags = (info.flags & pops.supportedFlags) >>> 0;
  info.flags = (info.flags | requiredFlags) >>> 0;
  if (!chip) oops(k, 'NULL msi_domain_info::chip', 'drivers/irqchip/irq-msi-lib.c msi_lib_init_dev_msi_info');
  if (!chip.irqEoi && pops.chipFlags & MSI_CHIP_FLAG_SET_EOI) chip.irqEoi = irqChipEoiParent;
  if (!chip.irqAck && pops.chipFlags & MSI_CHIP_FLAG_SET_ACK) chip.irqAck = irqChipAckParent;
  if (!chip.irqSetAffinity && !(info.flags & MSI_FLAG_NO_AFFINITY))
    chip.irqSetAffinity = msiDomainSetAffinity;
  if (info.flags & MSI_FLAG_PCI_MSI_MASK_PARENT) {
    chip.irqMask = irqChipMaskParent;
    chip.irqUnmask = irqChipUnmaskParent;
  }
  return true;
}

/** struct irq_fwspec (reduced) for msi_lib_irq_domain_select() */
export interface IrqFwspec {
  fwnode: FwnodeHandle | null;
  paramCount: number;
  /** Parent of `fwnode` (fwnode_get_parent()), for FWNODE_PARENT domains. */
  fwnodeParent?: FwnodeHandle | null;
}

/** kernel: msi_lib_irq_domain_select() — 1 if `d` is the (parent) domain looked for. */
export function msiLibIrqDomainSelect(d: IrqDomain, fwspec: IrqFwspec, busToken: number): number {
  const ops = d.msiParentOps;
  if (!ops) return 0;
  const fwh = d.flags & IRQ_DOMAIN_FLAG_FWNODE_PARENT ? (fwspec.fwnodeParent ?? null) : fwspec.fwnode;
  if (fwh !== d.fwnode || fwspec.paramCount !== 0) return 0;
  if (busToken === ops.busSelectToken) return 1;
  return ops.busSelectMask & (1 << busToken) ? 1 : 0;
}
