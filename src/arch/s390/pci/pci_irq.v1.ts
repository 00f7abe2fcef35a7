// SPDX-License-Identifier: GPL-2.0-only
/**
 * Backend "v1": the seed patch ([PATCH 2/2] "s390/pci: Migrate s390 IRQ logic to IRQ domain
 * API", v1, 2025-11-12; /work/shared/seed/000_23c6a1b6829f00d8.txt) applied to the legacy
 * arch/s390/pci/pci_irq.c (blob e73be96ce5fe -> 7412906b5fec), with patch 1/2 ("genirq:
 * Change hwirq parameter to irq_hw_number_t") applied; notes/backends/v1.md.
 *
 * This file reads side by side with pci_irq.legacy.ts: unchanged functions are textually
 * parallel, changed/new ones are marked `// kernel (v1 patch): name()`. The patch is
 * reproduced exactly as posted, defects included (v1.md D1..D14): no fixes, no special
 * cases. C widths are kept (u32 msg data truncation of a u64 subtraction, unsigned int
 * bit arithmetic); indices the C code does not check are not checked here either (the
 * airq sanitizers report them). NULL dereferences are Oopses (deref()).
 *
 * The file's static globals (irq_delivery, zpci_sbv, zpci_ibv, zpci_msi_parent_domain,
 * zpci_airq, zpci_irq_chip, the per-CPU irq_data) are the state of one backend instance.
 * No arch MSI hooks: arch_setup/teardown/restore_msi_irqs are gone (the PCI core's weak
 * arch_restore_msi_irqs() returns true).
 */

import { pciMsiMaskIrq, pciMsiUnmaskIrq, pciWriteMsiMsg } from '../../../drivers/pci/msi/msi.ts';
import { devSetMsiDomain, pciName } from '../../../drivers/pci/pci.ts';
import {
  AIRQ_IV_ALLOC,
  AIRQ_IV_BITLOCK,
  AIRQ_IV_CACHELINE,
  AIRQ_IV_NONE,
  AIRQ_IV_PTR,
  type AirqIv,
  type AirqStruct,
  airqIvAlloc,
  airqIvAllocBit,
  airqIvCreate,
  airqIvEnd,
  airqIvFree,
  airqIvFreeBit,
  airqIvGetPtrHi,
  airqIvGetPtrLo,
  airqIvLock,
  airqIvRelease,
  airqIvScan,
  airqIvSetPtr64,
  airqIvUnlock,
  airqStructInit,
  CACHE_LINE_SIZE,
  kernelPhysMem,
  PCI_ISC,
  registerAdapterInterrupt,
  unregisterAdapterInterrupt,
} from '../../../drivers/s390/cio/airq.ts';
import type { TpiInfo } from '../../../hw/s390x/cpu.ts';
import { type Cpumask, cpumaskFirst, cpumaskTestCpu } from '../../../include/linux/cpumask.ts';
import type { Device } from '../../../include/linux/device.ts';
import { EINVAL, EIO, ENOMEM } from '../../../include/linux/errno.ts';
import { lower32Bits, u64, upper32Bits } from '../../../include/linux/hwirq.ts';
import {
  IRQ_SET_MASK_OK,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqDomainOps,
} from '../../../include/linux/irq.ts';
import {
  MSI_FLAG_MULTI_PCI_MSI,
  MSI_FLAG_PCI_MSI_MASK_PARENT,
  MSI_FLAG_PCI_MSIX,
  MSI_FLAG_USE_DEF_CHIP_OPS,
  MSI_FLAG_USE_DEF_DOM_OPS,
  MSI_GENERIC_FLAGS_MASK,
  type MsiAllocInfo,
  type MsiDomainInfo,
  type MsiMsg,
  type MsiParentOps,
} from '../../../include/linux/msi.ts';
import type { PciDev } from '../../../include/linux/pci.ts';
import { handlePercpuIrq, irqChipSetAffinityParent } from '../../../kernel/irq/chip.ts';
import { genericHandleDomainIrq } from '../../../kernel/irq/irqdesc.ts';
import {
  irqDomainAllocNamedFwnode,
  irqDomainFreeFwnode,
  irqDomainGetIrqData,
  irqDomainRemove,
  irqDomainResetIrqData,
  irqDomainSetInfo,
} from '../../../kernel/irq/irqdomain.ts';
import { irqDataGetMsiDesc, msiCreateParentIrqDomain } from '../../../kernel/irq/msi.ts';
import { msiLibInitDevMsiInfo } from '../../../kernel/irqchip/msi-lib.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { deref } from '../../../kernel/panic.ts';
import {
  AISB_NONE,
  MSI_FIRST_BIT_NONE,
  toZpciDev,
  ZPCI_NR_DEVICES,
  type ZpciBus,
  type ZpciDev,
  zpciFibStore,
  zpciFibZero,
  zpciGlobals,
} from '../include/asm/pci.ts';
import { IRQIO_MSI, IRQIO_PCD, IRQIO_PCF, incIrqStat } from '../kernel/irq.ts';
import {
  type CallSingleData,
  csdCreate,
  initCsd,
  smpCallFunctionSingleAsync,
  smpCpuGetCpuAddress,
} from '../kernel/smp.ts';
import { registerZpciIrqBackend, type ZpciIrqBackend } from './backend.ts';
import { onEachCpu } from './on_each_cpu.ts';
import {
  SIC_IRQ_MODE_D_SINGLE,
  SIC_IRQ_MODE_DIRECT,
  SIC_IRQ_MODE_SET_CPU,
  SIC_IRQ_MODE_SINGLE,
  ZPCI_MOD_FC_DEREG_INT,
  ZPCI_MOD_FC_DEREG_INT_D,
  ZPCI_MOD_FC_REG_INT,
  ZPCI_MOD_FC_REG_INT_D,
  type ZpciStatus,
  zpciCreateReq,
  zpciModFc,
  zpciSetIrqCtrl,
} from './pci_insn.ts';

/* enum {FLOATING, DIRECTED} irq_delivery */
export const FLOATING = 0;
export const DIRECTED = 1;

/** struct cpu_irq_data (per CPU, DEFINE_PER_CPU_SHARED_ALIGNED irq_data) */
export interface CpuIrqData {
  csd: CallSingleData;
  /** atomic_t scheduled */
  scheduled: number;
}

/** The static globals of pci_irq.c (v1), zero-initialised as in C. */
export interface V1PciIrq {
  irqDelivery: number;
  /** zpci_sbv: FLOATING summary bit per function / DIRECTED summary bit per cpu (fallback) */
  zpciSbv: AirqIv | null;
  /** zpci_ibv: FLOATING per-function AIBV by summary bit / DIRECTED per-cpu DIBV */
  zpciIbv: (AirqIv | null)[] | null;
  /** kernel (v1 patch): static struct irq_domain *zpci_msi_parent_domain */
  zpciMsiParentDomain: IrqDomain | null;
  zpciAirq: AirqStruct;
  zpciIrqChip: IrqChip;
  /** per_cpu(irq_data, cpu) */
  irqData: CpuIrqData[];
  /** The zeroed on-stack status byte of the MPCIFC helpers. */
  readonly status: ZpciStatus;
}

const KEY = 's390.pci_irq';

/** The v1 pci_irq.c globals of `k` (null before zpci_irq_init). */
export function v1PciIrq(k: Kernel): V1PciIrq | null {
  const g = k.subsys.get(KEY) as V1PciIrq | undefined;
  return g ?? null;
}

function G(k: Kernel): V1PciIrq {
  return k.subsys.get(KEY) as V1PciIrq;
}

// kernel: zpci_set_airq() — Modify PCI: Register floating adapter interruptions
function zpciSetAirq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_REG_INT);
  const fib = zpciFibZero();

  fib.fmt0.isc = PCI_ISC;
  fib.fmt0.sum = 1; /* enable summary notifications */
  fib.fmt0.noi = airqIvEnd(k, zdev.aibv!);
  fib.fmt0.aibv = zdev.aibv!.vector;
  fib.fmt0.aibvo = 0; /* each zdev has its own interrupt vector */
  fib.fmt0.aisb = g.zpciSbv!.vector + Math.floor(zdev.aisb / 64) * 8;
  fib.fmt0.aisbo = zdev.aisb & 63;
  fib.gd = zdev.gisa;

  return zpciModFc(k, req, zpciFibStore(k, fib), g.status) ? -EIO : 0;
}

// kernel: zpci_clear_airq() — Modify PCI: Unregister floating adapter interruptions
function zpciClearAirq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_DEREG_INT);
  const fib = zpciFibZero();

  fib.gd = zdev.gisa;

  let cc = zpciModFc(k, req, zpciFibStore(k, fib), g.status);
  if (cc === 3 || (cc === 1 && g.status.status === 24))
    /* Function already gone or IRQs already deregistered. */
    cc = 0;

  return cc ? -EIO : 0;
}

// kernel: zpci_set_directed_irq() — Modify PCI: Register CPU directed interruptions
function zpciSetDirectedIrq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_REG_INT_D);
  const fib = zpciFibZero();

  fib.fmt = 1;
  fib.fmt1.noi = zdev.msiNrIrqs;
  fib.fmt1.dibvo = zdev.msiFirstBit;
  fib.gd = zdev.gisa;

  return zpciModFc(k, req, zpciFibStore(k, fib), g.status) ? -EIO : 0;
}

// kernel: zpci_clear_directed_irq() — Modify PCI: Unregister CPU directed interruptions
function zpciClearDirectedIrq(k: Kernel, zdev: ZpciDev): number {
  const g = G(k);
  const req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_DEREG_INT_D);
  const fib = zpciFibZero();

  fib.fmt = 1;
  fib.gd = zdev.gisa;
  let cc = zpciModFc(k, req, zpciFibStore(k, fib), g.status);
  if (cc === 3 || (cc === 1 && g.status.status === 24))
    /* Function already gone or IRQs already deregistered. */
    cc = 0;

  return cc ? -EIO : 0;
}

// kernel: zpci_set_irq() — Register adapter interruptions
function zpciSetIrq(k: Kernel, zdev: ZpciDev): number {
  let rc: number;

  if (G(k).irqDelivery === DIRECTED) rc = zpciSetDirectedIrq(k, zdev);
  else rc = zpciSetAirq(k, zdev);

  return rc;
}

// kernel: zpci_clear_irq() — removed by the v1 patch (callers use the mode-specific clear)

// kernel: zpci_set_irq_affinity()
function zpciSetIrqAffinity(k: Kernel, data: IrqData, dest: Cpumask, _force: boolean): number {
  const entry = irqDataGetMsiDesc(data)!;
  const msg: MsiMsg = {
    addressLo: entry.msg.addressLo,
    addressHi: entry.msg.addressHi,
    data: entry.msg.data,
  };
  const cpuAddr = smpCpuGetCpuAddress(k, cpumaskFirst(dest));

  msg.addressLo = (msg.addressLo & 0xff0000ff) >>> 0;
  msg.addressLo = (msg.addressLo | (cpuAddr << 8)) >>> 0;
  pciWriteMsiMsg(k, data.irq, msg);

  return IRQ_SET_MASK_OK;
}

// kernel (v1 patch): zpci_compose_msi_msg()
function zpciComposeMsiMsg(k: Kernel, data: IrqData, msg: MsiMsg): void {
  const desc = deref(k, irqDataGetMsiDesc(data), 'msi_desc', 'arch/s390/pci/pci_irq.c zpci_compose_msi_msg');
  const zdev = deref(k, toZpciDev(desc.dev), 'zpci_dev', 'arch/s390/pci/pci_irq.c zpci_compose_msi_msg');

  if (G(k).irqDelivery === DIRECTED) {
    let cpu = 0;

    if (desc.affinity) cpu = cpumaskFirst(desc.affinity[0]!.mask);
    else cpu = 0;
    msg.addressLo = (lower32Bits(zdev.msiAddr) & 0xff0000ff) >>> 0;
    msg.addressLo = (msg.addressLo | (smpCpuGetCpuAddress(k, cpu) << 8)) >>> 0;
  } else {
    msg.addressLo = lower32Bits(zdev.msiAddr);
  }
  msg.addressHi = upper32Bits(zdev.msiAddr);
  // msg->data = data->hwirq - zdev->msi_first_bit: u64 subtraction, truncated to the u32 data
  const hwirq = (BigInt(data.hwirqHi >>> 0) << 32n) | BigInt(data.hwirqLo >>> 0);
  msg.data = Number(BigInt.asUintN(32, u64(hwirq - BigInt(zdev.msiFirstBit >>> 0))));
}

/** kernel (v1 patch): static struct irq_chip zpci_irq_chip (one per backend instance: irq_set_affinity is patched at init). */
function zpciIrqChipInit(): IrqChip {
  return {
    name: 'PCI-MSI',
    flags: 0,
    irqSetAffinity: irqChipSetAffinityParent,
    irqUnmask: pciMsiUnmaskIrq,
    irqMask: pciMsiMaskIrq,
    irqComposeMsiMsg: zpciComposeMsiMsg,
  };
}

// kernel (v1 patch): zpci_handle_cpu_local_irq()
function zpciHandleCpuLocalIrq(k: Kernel, rescan: boolean): void {
  const g = G(k);
  const dibv = g.zpciIbv![k.currentCpu]!;
  let hwirqHi: number; // irq_hw_number_t hwirq
  let hwirqLo: number;
  let bit: number;
  let irqsOn = 0;

  for (bit = 0; ; ) {
    /* Scan the directed IRQ bit vector */
    bit = airqIvScan(k, dibv, bit, airqIvEnd(k, dibv));
    if (bit === AIRQ_IV_NONE) {
      if (!rescan || irqsOn++)
        /* End of second scan with interrupts on. */
        break;
      /* First scan complete, reenable interrupts. */
      if (zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null)) break;
      bit = 0;
      continue;
    }
    incIrqStat(k, IRQIO_MSI);
    hwirqHi = airqIvGetPtrHi(k, dibv, bit); // hwirq = airq_iv_get_ptr(dibv, bit)
    hwirqLo = airqIvGetPtrLo(k, dibv, bit);
    genericHandleDomainIrq(k, g.zpciMsiParentDomain, hwirqHi, hwirqLo);
  }
}

// kernel: zpci_handle_remote_irq()
function zpciHandleRemoteIrq(k: Kernel, data: unknown): void {
  const scheduled = data as CpuIrqData;

  do {
    zpciHandleCpuLocalIrq(k, false);
  } while (--scheduled.scheduled); // atomic_dec_return(scheduled)
}

// kernel: zpci_handle_fallback_irq()
function zpciHandleFallbackIrq(k: Kernel): void {
  const g = G(k);
  let cpuData: CpuIrqData;
  let cpu: number;
  let irqsOn = 0;

  for (cpu = 0; ; ) {
    cpu = airqIvScan(k, g.zpciSbv!, cpu, airqIvEnd(k, g.zpciSbv!));
    if (cpu === AIRQ_IV_NONE) {
      if (irqsOn++)
        /* End of second scan with interrupts on. */
        break;
      /* First scan complete, reenable interrupts. */
      if (zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null)) break;
      cpu = 0;
      continue;
    }
    cpuData = g.irqData[cpu]!;
    if (++cpuData.scheduled > 1) continue; // atomic_inc_return(&cpu_data->scheduled) > 1

    initCsd(cpuData.csd, zpciHandleRemoteIrq, cpuData);
    smpCallFunctionSingleAsync(k, cpu, cpuData.csd);
  }
}

// kernel: zpci_directed_irq_handler()
function zpciDirectedIrqHandler(k: Kernel, _airq: AirqStruct, tpiInfo: TpiInfo): void {
  const floating = !tpiInfo.directed;

  if (floating) {
    incIrqStat(k, IRQIO_PCF);
    zpciHandleFallbackIrq(k);
  } else {
    incIrqStat(k, IRQIO_PCD);
    zpciHandleCpuLocalIrq(k, true);
  }
}

// kernel (v1 patch): zpci_floating_irq_handler()
function zpciFloatingIrqHandler(k: Kernel, _airq: AirqStruct, _tpiInfo: TpiInfo): void {
  const g = G(k);
  let hwirqHi: number; // irq_hw_number_t hwirq
  let hwirqLo: number;
  let si: number;
  let ai: number;
  let aibv: AirqIv;
  let irqsOn = 0;

  incIrqStat(k, IRQIO_PCF);
  for (si = 0; ; ) {
    /* Scan adapter summary indicator bit vector */
    si = airqIvScan(k, g.zpciSbv!, si, airqIvEnd(k, g.zpciSbv!));
    if (si === AIRQ_IV_NONE) {
      if (irqsOn++)
        /* End of second scan with interrupts on. */
        break;
      /* First scan complete, reenable interrupts. */
      if (zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null)) break;
      si = 0;
      continue;
    }

    /* Scan the adapter interrupt vector for this device. */
    aibv = g.zpciIbv![si] as AirqIv; // NULL is not checked (notes 7.4)
    for (ai = 0; ; ) {
      ai = airqIvScan(k, aibv, ai, airqIvEnd(k, aibv));
      if (ai === AIRQ_IV_NONE) break;
      incIrqStat(k, IRQIO_MSI);
      airqIvLock(k, aibv, ai);

      hwirqHi = airqIvGetPtrHi(k, aibv, ai); // hwirq = airq_iv_get_ptr(aibv, ai)
      hwirqLo = airqIvGetPtrLo(k, aibv, ai);
      genericHandleDomainIrq(k, g.zpciMsiParentDomain, hwirqHi, hwirqLo);
      airqIvUnlock(k, aibv, ai);
    }
  }
}

/** unsigned long *bit (out parameter of __alloc_airq) */
interface BitOut {
  bit: number;
}

// kernel (v1 patch): __alloc_airq()
function __allocAirq(k: Kernel, zdev: ZpciDev, msiVecs: number, bit: BitOut): number {
  const g = G(k);
  if (g.irqDelivery === DIRECTED) {
    /* Allocate cpu vector bits */
    bit.bit = airqIvAlloc(k, g.zpciIbv![0]!, msiVecs);
    if (bit.bit === AIRQ_IV_NONE) return -EIO;
  } else {
    /* Allocate adapter summary indicator bit */
    bit.bit = airqIvAllocBit(k, g.zpciSbv!);
    if (bit.bit === AIRQ_IV_NONE) return -EIO;
    zdev.aisb = bit.bit;

    /* Create adapter interrupt vector */
    zdev.aibv = airqIvCreate(
      k,
      msiVecs,
      AIRQ_IV_PTR | AIRQ_IV_BITLOCK,
      null,
      `zpci aibv fid 0x${zdev.fid.toString(16)}`,
    );
    if (!zdev.aibv) return -ENOMEM;

    /* Wire up shortcut pointer */
    g.zpciIbv![bit.bit] = zdev.aibv;
    /* Each function has its own interrupt vector */
    bit.bit = 0;
  }
  return 0;
}

// kernel (v1 patch): static struct airq_struct zpci_airq (moved up; same content) — V1PciIrq.zpciAirq

// kernel (v1 patch): zpci_encode_hwirq() — ((irq_hw_number_t)fid << 32) | msi_index
function zpciEncodeHwirq(fid: number, msiIndex: number): bigint {
  return (BigInt(fid >>> 0) << 32n) | BigInt(msiIndex & 0xffff);
}

// kernel (v1 patch): zpci_decode_hwirq_msi_index() — u16 = irq & 0xFFFF
function zpciDecodeHwirqMsiIndex(irq: bigint): number {
  return Number(irq & 0xffffn);
}

// kernel (v1 patch): zpci_msi_prepare()
function zpciMsiPrepare(
  k: Kernel,
  _domain: IrqDomain,
  dev: Device,
  nvec: number,
  _info: MsiAllocInfo,
): number {
  const g = G(k);
  const zdev = deref(k, toZpciDev(dev), 'zpci_dev', 'arch/s390/pci/pci_irq.c zpci_msi_prepare');
  const pdev = dev.owner as PciDev;
  const out: BitOut = { bit: 0 };
  let msiVecs: number;
  let rc: number;

  msiVecs = Math.min(nvec >>> 0, zdev.maxMsi >>> 0) | 0; // int msi_vecs = min_t(unsigned int, ...)
  if (msiVecs < nvec)
    k.sim.log.printk(
      'info',
      `zpci: ${pciName(pdev)} requested ${nvec} irqs, allocate system limit of ${zdev.maxMsi | 0}`,
    );

  rc = __allocAirq(k, zdev, msiVecs, out);
  if (rc) {
    k.sim.log.printk('err', `zpci: Allocating AIRQ for ${pciName(pdev)} failed`);
    return rc;
  }

  zdev.msiFirstBit = out.bit >>> 0;
  rc = zpciSetIrq(k, zdev);
  if (rc) {
    k.sim.log.printk('err', `zpci: Registering floating adapter interruptions for ${pciName(pdev)} failed`);
    if (g.irqDelivery === DIRECTED) {
      airqIvFree(k, g.zpciIbv![0]!, zdev.msiFirstBit, msiVecs);
    } else {
      zpciClearAirq(k, zdev);
      airqIvRelease(k, zdev.aibv!);
      zdev.aibv = null;
      airqIvFreeBit(k, g.zpciSbv!, zdev.aisb);
      zdev.aisb = AISB_NONE;
    }
    zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
    return rc;
  }

  zdev.msiNrIrqs = msiVecs >>> 0;

  return 0;
}

// kernel (v1 patch): zpci_msi_teardown_directed()
function zpciMsiTeardownDirected(k: Kernel, zdev: ZpciDev): void {
  zpciClearDirectedIrq(k, zdev);
  airqIvFree(k, G(k).zpciIbv![0]!, zdev.msiFirstBit, zdev.maxMsi);
  zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
}

// kernel (v1 patch): zpci_msi_teardown_floating()
function zpciMsiTeardownFloating(k: Kernel, zdev: ZpciDev): void {
  zpciClearAirq(k, zdev);
  airqIvRelease(k, deref(k, zdev.aibv, 'airq_iv', 'arch/s390/pci/pci_irq.c zpci_msi_teardown_floating'));
  zdev.aibv = null;
  airqIvFreeBit(k, G(k).zpciSbv!, zdev.aisb);
  zdev.aisb = AISB_NONE;
  zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
}

// kernel (v1 patch): zpci_msi_teardown()
function zpciMsiTeardown(k: Kernel, domain: IrqDomain, _arg: MsiAllocInfo): void {
  const zdev = deref(
    k,
    toZpciDev(deref(k, domain.dev, 'device', 'arch/s390/pci/pci_irq.c zpci_msi_teardown')),
    'zpci_dev',
    'arch/s390/pci/pci_irq.c zpci_msi_teardown',
  );

  if (G(k).irqDelivery === DIRECTED) zpciMsiTeardownDirected(k, zdev);
  else zpciMsiTeardownFloating(k, zdev);
}

// kernel (v1 patch): zpci_msi_domain_alloc()
function zpciMsiDomainAlloc(
  k: Kernel,
  domain: IrqDomain,
  virq: number,
  nrIrqs: number,
  args: unknown,
): number {
  const g = G(k);
  const desc = deref(
    k,
    (args as MsiAllocInfo).desc,
    'msi_desc',
    'arch/s390/pci/pci_irq.c zpci_msi_domain_alloc',
  );
  const zdev = deref(k, toZpciDev(desc.dev), 'zpci_dev', 'arch/s390/pci/pci_irq.c zpci_msi_domain_alloc');
  let hwirq: bigint;
  let bit: number;

  bit = (zdev.msiFirstBit + desc.msiIndex) >>> 0; // unsigned int + u16, widened to unsigned long
  hwirq = zpciEncodeHwirq(zdev.fid, desc.msiIndex);

  if ((desc.msiIndex + nrIrqs) >>> 0 > zdev.maxMsi >>> 0) return -EINVAL;

  for (let i = 0; i < nrIrqs; i++) {
    irqDomainSetInfo(
      k,
      domain,
      virq + i,
      u64(hwirq + BigInt(i)),
      g.zpciIrqChip,
      zdev,
      handlePercpuIrq,
      null,
      null,
    );

    if (g.irqDelivery === DIRECTED) {
      airqIvSetPtr64(k, g.zpciIbv![k.currentCpu]!, bit + i, u64(hwirq + BigInt(i)));
    } else {
      airqIvSetPtr64(
        k,
        deref(k, zdev.aibv, 'airq_iv', 'arch/s390/pci/pci_irq.c zpci_msi_domain_alloc'),
        bit + i,
        u64(hwirq + BigInt(i)),
      );
    }
  }

  return 0;
}

// kernel (v1 patch): zpci_msi_domain_free()
function zpciMsiDomainFree(k: Kernel, domain: IrqDomain, virq: number, nrIrqs: number): void {
  let hwirq: bigint;
  let d: IrqData;
  let msiIndex: number;

  for (let i = 0; i < nrIrqs; i++) {
    d = deref(
      k,
      irqDomainGetIrqData(k, domain, virq + i),
      'irq_data',
      'arch/s390/pci/pci_irq.c zpci_msi_domain_free',
    );
    hwirq = (BigInt(d.hwirqHi >>> 0) << 32n) | BigInt(d.hwirqLo >>> 0);
    msiIndex = zpciDecodeHwirqMsiIndex(hwirq);
    void msiIndex; // computed and unused, as in the patch
    irqDomainResetIrqData(d);
  }
}

// kernel (v1 patch): static const struct irq_domain_ops zpci_msi_domain_ops
const zpciMsiDomainOps: IrqDomainOps = Object.freeze({
  alloc: zpciMsiDomainAlloc,
  free: zpciMsiDomainFree,
});

// kernel (v1 patch): zpci_init_dev_msi_info()
function zpciInitDevMsiInfo(
  k: Kernel,
  dev: Device,
  domain: IrqDomain,
  realParent: IrqDomain,
  info: MsiDomainInfo,
): boolean {
  if (!msiLibInitDevMsiInfo(k, dev, domain, realParent, info)) return false;

  info.ops.msiPrepare = zpciMsiPrepare;
  info.ops.msiTeardown = zpciMsiTeardown;

  return true;
}

// kernel (v1 patch): static const struct msi_parent_ops zpci_msi_parent_ops
const zpciMsiParentOps: MsiParentOps = Object.freeze({
  supportedFlags: MSI_GENERIC_FLAGS_MASK | MSI_FLAG_PCI_MSIX | MSI_FLAG_MULTI_PCI_MSI,
  requiredFlags: MSI_FLAG_USE_DEF_DOM_OPS | MSI_FLAG_USE_DEF_CHIP_OPS | MSI_FLAG_PCI_MSI_MASK_PARENT,
  chipFlags: 0,
  busSelectToken: 0,
  busSelectMask: 0,
  prefix: '',
  initDevMsiInfo: zpciInitDevMsiInfo,
});

// kernel (v1 patch): zpci_create_parent_msi_domain()
function zpciCreateParentMsiDomain(k: Kernel): number {
  const g = G(k);
  const info = {
    fwnode: irqDomainAllocNamedFwnode(k, 'zpci_msi'),
    domainFlags: 0,
    size: 0,
    hwirqMax: 0,
    directMax: 0,
    busToken: 0,
    ops: zpciMsiDomainOps,
    hostData: null,
    parent: null,
    dev: null,
  };
  if (!info.fwnode) {
    k.sim.log.printk('err', 'zpci: Failed to allocate fwnode for MSI IRQ domain');
    return -ENOMEM;
  }

  g.zpciMsiParentDomain = msiCreateParentIrqDomain(k, info, zpciMsiParentOps);
  if (!g.zpciMsiParentDomain) {
    irqDomainFreeFwnode(k, info.fwnode);
    k.sim.log.printk('err', 'zpci: Failed to create MSI IRQ domain');
    return -ENOMEM;
  }

  return 0;
}

// kernel (v1 patch): zpci_set_msi_parent_domain()
function zpciSetMsiParentDomain(k: Kernel, zbus: ZpciBus): void {
  devSetMsiDomain(
    deref(k, zbus.bus, 'pci_bus', 'arch/s390/pci/pci_irq.c zpci_set_msi_parent_domain').dev,
    G(k).zpciMsiParentDomain,
  );
}

// kernel: cpu_enable_directed_irq() (runs on each CPU through on_each_cpu)
function cpuEnableDirectedIrq(k: Kernel, _unused: unknown): void {
  const g = G(k);

  zpciSetIrqCtrl(k, SIC_IRQ_MODE_SET_CPU, 0, { kind: 'cdiib', dibvAddr: g.zpciIbv![k.currentCpu]!.vector });
  zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null);
}

/** num_possible_cpus() */
function numPossibleCpus(k: Kernel): number {
  let n = 0;
  for (let c = 0; c < k.nrCpuIds; c++) if (cpumaskTestCpu(c, k.cpuPossibleMask)) n++;
  return n;
}

// kernel (v1 patch): zpci_directed_irq_init()
function zpciDirectedIrqInit(k: Kernel): number {
  const g = G(k);

  g.zpciSbv = airqIvCreate(k, numPossibleCpus(k), 0, null, 'zpci disb');
  if (!g.zpciSbv) return -ENOMEM;

  zpciSetIrqCtrl(k, SIC_IRQ_MODE_DIRECT, 0, {
    kind: 'diib',
    isc: PCI_ISC,
    nrCpus: numPossibleCpus(k),
    disbAddr: g.zpciSbv.vector,
  });

  g.zpciIbv = new Array<AirqIv | null>(numPossibleCpus(k)).fill(null); // kcalloc

  for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
    if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue;
    /*
     * Per CPU IRQ vectors look the same but bit-allocation
     * is only done on the first vector.
     */
    g.zpciIbv[cpu] = airqIvCreate(
      k,
      CACHE_LINE_SIZE * 8,
      AIRQ_IV_PTR | AIRQ_IV_CACHELINE | (!cpu ? AIRQ_IV_ALLOC : 0),
      null,
      `zpci dibv cpu ${cpu}`,
    );
    if (!g.zpciIbv[cpu]) return -ENOMEM;
  }
  onEachCpu(k, cpuEnableDirectedIrq, null, true);

  g.zpciIrqChip.irqSetAffinity = zpciSetIrqAffinity;

  return 0;
}

// kernel: zpci_floating_irq_init()
function zpciFloatingIrqInit(k: Kernel): number {
  const g = G(k);
  g.zpciIbv = new Array<AirqIv | null>(ZPCI_NR_DEVICES).fill(null); // kcalloc

  g.zpciSbv = airqIvCreate(k, ZPCI_NR_DEVICES, AIRQ_IV_ALLOC, null, 'zpci aisb');
  if (!g.zpciSbv) {
    g.zpciIbv = null; // kfree(zpci_ibv) (the dangling pointer stays in C; NULL here)
    return -ENOMEM;
  }

  return 0;
}

// kernel (v1 patch): zpci_irq_init()
function zpciIrqInit(k: Kernel): number {
  const g = G(k);
  const pg = zpciGlobals(k);
  let rc: number;

  g.irqDelivery = pg.sclpHasDirq ? DIRECTED : FLOATING;
  if (pg.forceFloating) g.irqDelivery = FLOATING;

  if (g.irqDelivery === DIRECTED) g.zpciAirq.handler = zpciDirectedIrqHandler;

  rc = registerAdapterInterrupt(k, g.zpciAirq);
  if (rc) return rc; // goto out

  zpciCreateParentMsiDomain(k);
  if (!g.zpciMsiParentDomain) {
    // goto out_airq (rc is still 0 from register_adapter_interrupt: D10)
    unregisterAdapterInterrupt(k, g.zpciAirq);
    return rc;
  }

  /* Set summary to 1 to be called every time for the ISC. */
  kernelPhysMem(k).writeU8(g.zpciAirq.lsiPtr, 1);

  switch (g.irqDelivery) {
    case FLOATING:
      rc = zpciFloatingIrqInit(k);
      break;
    default:
      rc = zpciDirectedIrqInit(k);
      break;
  }

  if (rc) {
    // goto out_msi_domain
    irqDomainRemove(k, g.zpciMsiParentDomain);
    // out_airq:
    unregisterAdapterInterrupt(k, g.zpciAirq);
    return rc;
  }

  /*
   * Enable floating IRQs (with suppression after one IRQ). When using
   * directed IRQs this enables the fallback path.
   */
  zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null);

  return 0;
}

// kernel (v1 patch): zpci_irq_exit()
function zpciIrqExit(k: Kernel): void {
  const g = G(k);

  if (g.irqDelivery === DIRECTED) {
    for (let cpu = 0; cpu < k.nrCpuIds; cpu++) {
      if (!cpumaskTestCpu(cpu, k.cpuPossibleMask)) continue;
      airqIvRelease(k, g.zpciIbv![cpu]!);
    }
  }
  g.zpciIbv = null; // kfree(zpci_ibv)
  irqDomainRemove(k, deref(k, g.zpciMsiParentDomain, 'irq_domain', 'arch/s390/pci/pci_irq.c zpci_irq_exit'));
  if (g.zpciSbv) airqIvRelease(k, g.zpciSbv);
  unregisterAdapterInterrupt(k, g.zpciAirq);
}

/**
 * A fresh v1 backend: its pci_irq.c globals are created (zeroed) and bound to the kernel
 * on zpciIrqInit. No arch MSI hooks are linked (the patch removed them).
 */
export function createV1Backend(): ZpciIrqBackend {
  return {
    name: 'v1',
    zpciIrqInit(k: Kernel): number {
      const irqData: CpuIrqData[] = [];
      for (let c = 0; c < k.nrCpuIds; c++) irqData.push({ csd: csdCreate(), scheduled: 0 });
      const g: V1PciIrq = {
        irqDelivery: FLOATING,
        zpciSbv: null,
        zpciIbv: null,
        zpciMsiParentDomain: null,
        zpciAirq: airqStructInit(zpciFloatingIrqHandler, PCI_ISC),
        zpciIrqChip: zpciIrqChipInit(),
        irqData,
        status: { status: 0 },
      };
      k.subsys.set(KEY, g);
      return zpciIrqInit(k);
    },
    zpciIrqExit,
    zpciSetMsiParentDomain,
  };
}

registerZpciIrqBackend('v1', createV1Backend);
