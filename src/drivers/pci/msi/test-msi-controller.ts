// SPDX-License-Identifier: GPL-2.0-only
/**
 * A generic (non-s390) MSI parent controller, the MSI core's test platform. Shaped like
 * a simple MSI parent (e.g. drivers/irqchip/irq-gic-v2m.c / x86 vector domain) reduced
 * to the essentials: one parent domain with msi_parent_ops (init_dev_msi_info =
 * msi_lib_init_dev_msi_info), a chip composing address = doorbell (| target CPU << 12)
 * and data = hwirq, a lowest-free hwirq allocator, and the platform msiWrite hook that
 * decodes a message and hands it to generic_handle_domain_irq() on the target CPU.
 * Not a kernel file: the model's own test fixture. Delivery allocates nothing.
 */
import type { MsiWriteHook, PciFunctionHw } from '../../../hw/pci/device.ts';
import { cpumaskAnd, cpumaskCreate, cpumaskFirst, NR_CPUS_MAX } from '../../../include/linux/cpumask.ts';
import type { Device } from '../../../include/linux/device.ts';
import { ENOSPC } from '../../../include/linux/errno.ts';
import { hwirqJoin } from '../../../include/linux/hwirq.ts';
import {
  DOMAIN_BUS_NEXUS,
  IRQ_SET_MASK_OK,
  type IrqChip,
  type IrqData,
  type IrqDomain,
} from '../../../include/linux/irq.ts';
import {
  MSI_CHIP_FLAG_SET_ACK,
  MSI_FLAG_MULTI_PCI_MSI,
  MSI_FLAG_PCI_MSIX,
  MSI_FLAG_USE_DEF_CHIP_OPS,
  MSI_FLAG_USE_DEF_DOM_OPS,
  MSI_GENERIC_FLAGS_MASK,
  type MsiAllocInfo,
  type MsiDomainInfo,
  type MsiMsg,
  type MsiParentOps,
} from '../../../include/linux/msi.ts';
import { handleEdgeIrq } from '../../../kernel/irq/chip.ts';
import { genericHandleDomainIrq } from '../../../kernel/irq/irqdesc.ts';
import {
  irqDomainAllocNamedFwnode,
  irqDomainFreeFwnode,
  irqDomainGetIrqData,
  irqDomainRemove,
  irqDomainResetIrqData,
  irqDomainSetInfo,
} from '../../../kernel/irq/irqdomain.ts';
import { msiCreateParentIrqDomain } from '../../../kernel/irq/msi.ts';
import { msiLibInitDevMsiInfo } from '../../../kernel/irqchip/msi-lib.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import { warn } from '../../../kernel/panic.ts';

export interface TestMsiControllerOptions {
  name?: string;
  /** Doorbell address (default 0x0:0xfee00000). */
  doorbellHi?: number;
  doorbellLo?: number;
  /** Number of hwirqs the controller has (default 16384). */
  nrHwirqs?: number;
  /** msi_parent_ops::supported_flags (default GENERIC | MULTI_PCI_MSI | PCI_MSIX). */
  supportedFlags?: number;
  /** msi_parent_ops::required_flags (default USE_DEF_DOM_OPS | USE_DEF_CHIP_OPS). */
  requiredFlags?: number;
  /** Install msi_prepare/msi_teardown on every device domain (counted in `stats`). */
  countPrepare?: boolean;
  /** Have msi_prepare fail with this errno (negative). */
  prepareFails?: number;
}

export interface TestMsiControllerStats {
  prepareCalls: { dev: string; nvec: number }[];
  teardownCalls: string[];
  allocCalls: number;
  freeCalls: number;
  delivered: number;
  /** Message writes that hit no mapped hwirq or a wrong address. */
  unhandled: number;
  setAffinityCalls: number;
  /** irq_ack calls at the controller (edge flow). */
  acks: number;
}

export interface TestMsiController {
  readonly k: Kernel;
  readonly domain: IrqDomain;
  readonly parentOps: MsiParentOps;
  readonly chip: IrqChip;
  readonly stats: TestMsiControllerStats;
  readonly doorbellHi: number;
  readonly doorbellLo: number;
  /** hwirq -> allocated */
  readonly used: Uint8Array;
  /** hwirq -> target CPU */
  readonly target: Int32Array;
  /** Per-hwirq controller-level mask state. */
  readonly masked: Uint8Array;
  /** The platform hook for PciFunctionHw.msiWrite. */
  readonly msiWrite: MsiWriteHook;
  /** Number of hwirqs currently allocated. */
  inUse(): number;
  /** Connect a function's message writes to this controller. */
  attach(fn: PciFunctionHw): void;
  /** Remove the parent domain and its fwnode. */
  destroy(): void;
}

/** Create the controller and its MSI parent domain on `k`. */
export function createTestMsiController(k: Kernel, opts: TestMsiControllerOptions = {}): TestMsiController {
  const nr = opts.nrHwirqs ?? 16384;
  const doorbellHi = opts.doorbellHi ?? 0;
  const doorbellLo = opts.doorbellLo ?? 0xfee00000;
  const used = new Uint8Array(nr);
  const target = new Int32Array(nr);
  const masked = new Uint8Array(nr).fill(1);
  const stats: TestMsiControllerStats = {
    prepareCalls: [],
    teardownCalls: [],
    allocCalls: 0,
    freeCalls: 0,
    delivered: 0,
    unhandled: 0,
    setAffinityCalls: 0,
    acks: 0,
  };
  let count = 0;
  const tmpMask = cpumaskCreate();

  const chip: IrqChip = {
    name: opts.name ?? 'TEST-MSI',
    flags: 0,
    irqAck(_k: Kernel, _d: IrqData): void {
      stats.acks++;
    },
    irqMask(_k: Kernel, d: IrqData): void {
      masked[d.hwirqLo] = 1;
    },
    irqUnmask(_k: Kernel, d: IrqData): void {
      masked[d.hwirqLo] = 0;
    },
    irqComposeMsiMsg(_k: Kernel, d: IrqData, msg: MsiMsg): void {
      msg.addressHi = doorbellHi;
      msg.addressLo = (doorbellLo | ((target[d.hwirqLo]! & 0xff) << 12)) >>> 0;
      msg.data = d.hwirqLo;
    },
    irqSetAffinity(kk: Kernel, d: IrqData, dest, _force: boolean): number {
      stats.setAffinityCalls++;
      let cpu = cpumaskAnd(tmpMask, dest, kk.cpuOnlineMask) ? cpumaskFirst(tmpMask) : cpumaskFirst(dest);
      if (cpu >= NR_CPUS_MAX) cpu = 0;
      target[d.hwirqLo] = cpu;
      return IRQ_SET_MASK_OK;
    },
  };

  const ctrl = {} as TestMsiController;

  const parentOps: MsiParentOps = {
    supportedFlags:
      opts.supportedFlags ?? (MSI_GENERIC_FLAGS_MASK | MSI_FLAG_MULTI_PCI_MSI | MSI_FLAG_PCI_MSIX) >>> 0,
    requiredFlags: opts.requiredFlags ?? MSI_FLAG_USE_DEF_DOM_OPS | MSI_FLAG_USE_DEF_CHIP_OPS,
    // handle_edge_irq acks: the device chip gets irq_chip_ack_parent from msi-lib
    chipFlags: MSI_CHIP_FLAG_SET_ACK,
    busSelectToken: DOMAIN_BUS_NEXUS,
    busSelectMask: 1 << 3,
    prefix: '',
    initDevMsiInfo(
      kk: Kernel,
      dev: Device,
      domain: IrqDomain,
      realParent: IrqDomain,
      info: MsiDomainInfo,
    ): boolean {
      if (!msiLibInitDevMsiInfo(kk, dev, domain, realParent, info)) return false;
      if (opts.countPrepare || opts.prepareFails) {
        info.ops.msiPrepare = (
          _k2: Kernel,
          _d: IrqDomain,
          dv: Device,
          nvec: number,
          _arg: MsiAllocInfo,
        ): number => {
          stats.prepareCalls.push({ dev: dv.name, nvec });
          return opts.prepareFails ?? 0;
        };
        info.ops.msiTeardown = (_k2: Kernel, d: IrqDomain, _arg: MsiAllocInfo): void => {
          stats.teardownCalls.push(d.name);
        };
      }
      return true;
    },
  };

  const fwnode = irqDomainAllocNamedFwnode(k, opts.name ?? 'test_msi');
  const domain = msiCreateParentIrqDomain(
    k,
    {
      fwnode,
      domainFlags: 0,
      size: 0,
      hwirqMax: 0,
      directMax: 0,
      busToken: 0,
      ops: {
        alloc(kk: Kernel, d: IrqDomain, virq: number, nrIrqs: number, _arg: unknown): number {
          stats.allocCalls++;
          const got: number[] = [];
          for (let i = 0; i < nrIrqs; i++) {
            let hw = -1;
            for (let h = 0; h < nr; h++) {
              if (!used[h]) {
                hw = h;
                break;
              }
            }
            if (hw < 0) {
              for (const h of got) used[h] = 0;
              count -= got.length;
              return -ENOSPC;
            }
            used[hw] = 1;
            count++;
            got.push(hw);
            target[hw] = 0;
            masked[hw] = 1;
            irqDomainSetInfo(kk, d, virq + i, hwirqJoin(0, hw), chip, ctrl, handleEdgeIrq, null, 'edge');
          }
          return 0;
        },
        free(kk: Kernel, d: IrqDomain, virq: number, nrIrqs: number): void {
          stats.freeCalls++;
          for (let i = 0; i < nrIrqs; i++) {
            const irqd = irqDomainGetIrqData(kk, d, virq + i);
            if (!irqd) continue;
            const hw = irqd.hwirqLo;
            if (!used[hw]) warn(kk, 'test-msi-controller free', `hwirq ${hw} freed twice`);
            else {
              used[hw] = 0;
              count--;
            }
            irqDomainResetIrqData(irqd);
          }
        },
      },
      hostData: ctrl,
      parent: null,
      dev: null,
    },
    parentOps,
  );
  if (!domain) throw new Error('test MSI controller: msi_create_parent_irq_domain failed');

  const msiWrite: MsiWriteHook = (addrHi: number, addrLo: number, data: number, _fn: PciFunctionHw): void => {
    if (addrHi !== doorbellHi || (addrLo & ~0xff000) >>> 0 !== doorbellLo) {
      stats.unhandled++;
      return;
    }
    const cpu = (addrLo >>> 12) & 0xff;
    const saved = k.currentCpu;
    k.currentCpu = cpu;
    k.hardirqCount++;
    const rc = genericHandleDomainIrq(k, domain, 0, data);
    k.hardirqCount--;
    k.currentCpu = saved;
    if (rc === 0) stats.delivered++;
    else stats.unhandled++;
  };

  Object.assign(ctrl, {
    k,
    domain,
    parentOps,
    chip,
    stats,
    doorbellHi,
    doorbellLo,
    used,
    target,
    masked,
    msiWrite,
    inUse: (): number => count,
    attach: (fn: PciFunctionHw): void => {
      fn.msiWrite = msiWrite;
      fn.platform = ctrl;
    },
    destroy: (): void => {
      irqDomainRemove(k, domain);
      irqDomainFreeFwnode(k, fwnode);
    },
  });
  return ctrl;
}
