// SPDX-License-Identifier: GPL-2.0-only
/** Throwaway chips and 2-level domain hierarchies for the IRQ core tests. */
import type { Cpumask } from '../../../src/include/linux/cpumask.ts';
import { cpumaskPrintList } from '../../../src/include/linux/cpumask.ts';
import { hwirqJoin } from '../../../src/include/linux/hwirq.ts';
import {
  IRQ_SET_MASK_OK,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqDomainOps,
  type IrqFlowHandler,
} from '../../../src/include/linux/irq.ts';
import type { MsiMsg } from '../../../src/include/linux/msi.ts';
import { handlePercpuIrq } from '../../../src/kernel/irq/chip.ts';
import {
  irqDomainAllocIrqsParent,
  irqDomainAllocNamedFwnode,
  irqDomainCreateHierarchy,
  irqDomainCreateTree,
  irqDomainFreeIrqsParent,
  irqDomainFreeIrqsTop,
  irqDomainGetIrqData,
  irqDomainResetIrqData,
  irqDomainSetHwirqAndChip,
  irqDomainSetInfo,
} from '../../../src/kernel/irq/irqdomain.ts';
import { Kernel, type KernelConfig } from '../../../src/kernel/kernel.ts';
import { Sim } from '../../../src/sim/sim.ts';

export function mkKernel(cfg: Partial<KernelConfig> = {}): Kernel {
  return new Kernel(new Sim(1), { nrCpuIds: 4, ...cfg });
}

/** A chip whose every callback appends "<name>.<cb>(<virq>)" to `log`. */
export function recChip(
  name: string,
  log: string[],
  opts: { omit?: string[]; setAffinityRet?: number; compose?: boolean; flags?: number } = {},
): IrqChip {
  const omit = new Set(opts.omit ?? []);
  const c: IrqChip = { name, flags: opts.flags ?? 0 };
  const rec =
    (cb: string) =>
    (_k: Kernel, d: IrqData): void => {
      log.push(`${name}.${cb}(${d.irq})`);
    };
  for (const cb of [
    'irqAck',
    'irqMask',
    'irqUnmask',
    'irqEoi',
    'irqShutdown',
    'irqEnable',
    'irqDisable',
    'irqMaskAck',
  ]) {
    if (!omit.has(cb)) (c as unknown as Record<string, unknown>)[cb] = rec(cb.slice(3).toLowerCase());
  }
  if (!omit.has('irqStartup')) {
    c.irqStartup = (_k, d) => {
      log.push(`${name}.startup(${d.irq})`);
      return 0;
    };
  }
  if (!omit.has('irqSetAffinity')) {
    c.irqSetAffinity = (_k, d, dest: Cpumask, force) => {
      log.push(`${name}.set_affinity(${d.irq},${cpumaskPrintList(dest)},${force})`);
      return opts.setAffinityRet ?? IRQ_SET_MASK_OK;
    };
  }
  if (opts.compose) {
    c.irqComposeMsiMsg = (_k, d, msg: MsiMsg) => {
      log.push(`${name}.compose(${d.irq},hw=${hwirqJoin(d.hwirqHi, d.hwirqLo)})`);
      msg.addressLo = d.hwirqLo;
      msg.addressHi = d.hwirqHi;
      msg.data = d.irq;
    };
  }
  return c;
}

export interface TwoLevel {
  parent: IrqDomain;
  child: IrqDomain;
  log: string[];
  parentChip: IrqChip;
  childChip: IrqChip;
}

/** Allocation argument: the hwirq of the first vector at the parent level (child uses its index). */
export interface AllocArg {
  parentHw: bigint;
  childHw: bigint;
}

/** Parent (tree) domain: sets hwirq parentHw+i and its chip; free resets its level. */
export function mkParent(k: Kernel, log: string[], parentChip: IrqChip, name = 'parent'): IrqDomain {
  const ops: IrqDomainOps = {
    alloc(k2, d, virq, nr, arg) {
      const a = arg as AllocArg;
      log.push(`parent.alloc(${virq},${nr})`);
      for (let i = 0; i < nr; i++)
        irqDomainSetHwirqAndChip(k2, d, virq + i, a.parentHw + BigInt(i), parentChip, 'pdata');
      return 0;
    },
    free(k2, d, virq, nr) {
      log.push(`parent.free(${virq},${nr})`);
      for (let i = 0; i < nr; i++) {
        const irqd = irqDomainGetIrqData(k2, d, virq + i);
        if (irqd) irqDomainResetIrqData(irqd);
      }
    },
    activate(_k2, _d, irqd) {
      log.push(`parent.activate(${irqd.irq})`);
      return 0;
    },
    deactivate(_k2, _d, irqd) {
      log.push(`parent.deactivate(${irqd.irq})`);
    },
  };
  const fw = irqDomainAllocNamedFwnode(k, name);
  const d = irqDomainCreateTree(k, fw, ops, null);
  if (!d) throw new Error('parent');
  return d;
}

/** Child (device) domain on top of `parent`: hwirq childHw+i, the given handler. */
export function mkChild(
  k: Kernel,
  parent: IrqDomain,
  log: string[],
  childChip: IrqChip,
  name = 'child',
  handler: IrqFlowHandler = handlePercpuIrq,
  size = 0,
): IrqDomain {
  const ops: IrqDomainOps = {
    alloc(k2, d, virq, nr, arg) {
      const a = arg as AllocArg;
      log.push(`child.alloc(${virq},${nr})`);
      const r = irqDomainAllocIrqsParent(k2, d, virq, nr, arg);
      if (r < 0) return r;
      for (let i = 0; i < nr; i++) {
        irqDomainSetInfo(k2, d, virq + i, a.childHw + BigInt(i), childChip, 'cdata', handler, null, 'edge');
      }
      return 0;
    },
    free(k2, d, virq, nr) {
      log.push(`child.free(${virq},${nr})`);
      irqDomainFreeIrqsTop(k2, d, virq, nr);
    },
    activate(_k2, _d, irqd) {
      log.push(`child.activate(${irqd.irq})`);
      return 0;
    },
    deactivate(_k2, _d, irqd) {
      log.push(`child.deactivate(${irqd.irq})`);
    },
  };
  const fw = irqDomainAllocNamedFwnode(k, name);
  const d = irqDomainCreateHierarchy(k, parent, 0, size, fw, ops, null);
  if (!d) throw new Error('child');
  return d;
}

export function mkTwoLevel(
  k: Kernel,
  opts: { parentCompose?: boolean; childCompose?: boolean } = {},
): TwoLevel {
  const log: string[] = [];
  const parentChip = recChip('P', log, { compose: opts.parentCompose ?? false });
  const childChip = recChip('C', log, { compose: opts.childCompose ?? false });
  const parent = mkParent(k, log, parentChip);
  const child = mkChild(k, parent, log, childChip);
  return { parent, child, log, parentChip, childChip };
}

/** irq_domain_free_irqs_parent is used by mkChild via irq_domain_free_irqs_top; re-export for tests. */
export { irqDomainFreeIrqsParent };
