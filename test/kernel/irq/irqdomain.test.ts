// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { EINVAL, ENOMEM, ENOSYS } from '../../../src/include/linux/errno.ts';
import { hwirqJoin } from '../../../src/include/linux/hwirq.ts';
import {
  DOMAIN_BUS_ANY,
  DOMAIN_BUS_PCI_DEVICE_MSIX,
  IRQ_HANDLED,
  type IrqDomain,
} from '../../../src/include/linux/irq.ts';
import type { MsiMsg } from '../../../src/include/linux/msi.ts';
import { handlePercpuIrq } from '../../../src/kernel/irq/chip.ts';
import { NULL_IRQ_CHIP, noIrqChip } from '../../../src/kernel/irq/dummychip.ts';
import { handleBadIrq } from '../../../src/kernel/irq/handle.ts';
import { IRQ_NOREQUEST, IRQD_ACTIVATED } from '../../../src/kernel/irq/internals.ts';
import { genericHandleDomainIrq, irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import {
  IRQ_DOMAIN_FLAG_HIERARCHY,
  IRQ_DOMAIN_NAME_ALLOCATED,
  irqChipComposeMsiMsg,
  irqChipMaskParent,
  irqChipSetAffinityParent,
  irqDomainActivateIrq,
  irqDomainAllocIrqs,
  irqDomainAllocNamedFwnode,
  irqDomainCreateHierarchy,
  irqDomainCreateLinear,
  irqDomainCreateTree,
  irqDomainDeactivateIrq,
  irqDomainFreeFwnode,
  irqDomainFreeIrqs,
  irqDomainGetIrqData,
  irqDomainInstantiate,
  irqDomainRemove,
  irqDomainSetHwirqAndChip,
  irqDomainUpdateBusToken,
  irqFindMapping,
  isErrDomain,
} from '../../../src/kernel/irq/irqdomain.ts';
import { freeIrq, requestIrq } from '../../../src/kernel/irq/manage.ts';
import { KernelOops } from '../../../src/sim/findings.ts';
import { mkChild, mkKernel, mkParent, mkTwoLevel, recChip } from './helpers.ts';

const msg = (): MsiMsg => ({ addressLo: 0, addressHi: 0, data: 0 });

describe('domain creation and names', () => {
  it('names from named fwnodes, bus-token suffix, unknown-N, list order', () => {
    const k = mkKernel();
    const fw = irqDomainAllocNamedFwnode(k, 'zpci_msi')!;
    const p = irqDomainCreateTree(k, fw, {}, null)!;
    expect(p.name).toBe('zpci_msi');
    expect(p.flags).toBe(IRQ_DOMAIN_NAME_ALLOCATED);
    const fw2 = irqDomainAllocNamedFwnode(k, 'PCI-MSIX-0001:00:00.0')!;
    const c = irqDomainCreateHierarchy(k, p, 0, 0, fw2, { alloc: () => 0 }, null)!;
    expect(c.flags).toBe(IRQ_DOMAIN_FLAG_HIERARCHY | IRQ_DOMAIN_NAME_ALLOCATED);
    expect(c.hwirqMax).toBe(0xffffffff);
    irqDomainUpdateBusToken(k, c, DOMAIN_BUS_PCI_DEVICE_MSIX);
    expect(c.name).toBe(`PCI-MSIX-0001:00:00.0-${DOMAIN_BUS_PCI_DEVICE_MSIX}`);
    irqDomainUpdateBusToken(k, c, DOMAIN_BUS_PCI_DEVICE_MSIX); // same token: unchanged
    expect(c.name).toBe(`PCI-MSIX-0001:00:00.0-${DOMAIN_BUS_PCI_DEVICE_MSIX}`);
    const r = irqDomainInstantiate(k, {
      fwnode: fw,
      domainFlags: 0,
      size: 0,
      hwirqMax: 0,
      directMax: 0,
      busToken: 11,
      ops: {},
      hostData: null,
      parent: null,
      dev: null,
    });
    expect(isErrDomain(r) ? r : (r as IrqDomain).name).toBe('zpci_msi-11');
    const u1 = irqDomainCreateLinear(k, null, 4, {}, null)!;
    const u2 = irqDomainCreateLinear(k, null, 4, {}, null)!;
    expect([u1.name, u2.name]).toEqual(['unknown-1', 'unknown-2']);
    expect(k.irqDomains.map((d) => d.name)).toEqual([
      'zpci_msi',
      'PCI-MSIX-0001:00:00.0-11',
      'zpci_msi-11',
      'unknown-1',
      'unknown-2',
    ]);
    expect(u1.busToken).toBe(DOMAIN_BUS_ANY);
    // the bus token is set before the failed rename, as in the kernel
    k.sim.faults.arm('irq_domain_update_bus_token');
    irqDomainUpdateBusToken(k, u1, 3);
    expect([u1.busToken, u1.name]).toEqual([3, 'unknown-1']);
  });

  it('creation failure points; irq_domain_free_fwnode', () => {
    const k = mkKernel();
    k.sim.faults.arm('irq_domain_alloc_named_fwnode');
    expect(irqDomainAllocNamedFwnode(k, 'x')).toBeNull();
    const fw = irqDomainAllocNamedFwnode(k, 'x')!;
    k.sim.faults.arm('irq_domain_instantiate');
    expect(irqDomainCreateTree(k, fw, {}, null)).toBeNull();
    expect(k.irqDomains.length).toBe(0);
    irqDomainFreeFwnode(k, null);
    irqDomainFreeFwnode(k, fw);
    expect(fw.freed).toBe(true);
    irqDomainFreeFwnode(k, { kind: 'device', name: 'of', freed: false });
    expect(k.sim.findings.list[0]!.message).toContain('WARN_ON(!is_fwnode_irqchip(fwnode))');
  });
});

describe('2-level hierarchy', () => {
  it('allocation fills both levels, reverse maps and mapcounts', () => {
    const k = mkKernel();
    const { parent, child, log, parentChip, childChip } = mkTwoLevel(k);
    const hw = (0x20n << 32n) | 5n;
    const v = irqDomainAllocIrqs(k, child, 2, 0, { parentHw: hw, childHw: 5n });
    expect(v).toBe(3);
    expect(log).toEqual(['child.alloc(3,2)', 'parent.alloc(3,2)']);
    for (let i = 0; i < 2; i++) {
      const desc = irqToDesc(k, v + i)!;
      const l0 = desc.irqData;
      const l1 = l0.parentData!;
      expect(l0.domain).toBe(child);
      expect(hwirqJoin(l0.hwirqHi, l0.hwirqLo)).toBe(5n + BigInt(i));
      expect(l0.chip).toBe(childChip);
      expect(l0.chipData).toBe('cdata');
      expect(l1.domain).toBe(parent);
      expect(hwirqJoin(l1.hwirqHi, l1.hwirqLo)).toBe(hw + BigInt(i));
      expect(l1.chip).toBe(parentChip);
      expect(l1.chipData).toBe('pdata');
      expect(l1.parentData).toBeNull();
      expect(l1.irq).toBe(v + i);
      expect(l1.common).toBe(l0.common);
      expect(desc.handleIrq).toBe(handlePercpuIrq);
      expect(desc.name).toBe('edge');
      expect(desc.statusUseAccessors & IRQ_NOREQUEST).toBe(0);
      expect(irqDomainGetIrqData(k, parent, v + i)).toBe(l1);
    }
    expect([child.mapcount, parent.mapcount]).toEqual([2, 2]);
    expect(irqFindMapping(k, child, 0, 6)).toBe(4);
    expect(irqFindMapping(k, parent, 0x20, 6)).toBe(4);
    expect(irqFindMapping(k, parent, 0, 6)).toBe(0); // low 32 bits alone do not match
    expect(child.revmapTree.get(0)!.size).toBe(2);
    expect(parent.revmapTree.get(0x20)!.size).toBe(2);
  });

  it('freeing clears both levels (freed flags), reverse maps, calls free once per virq', () => {
    const k = mkKernel();
    const { parent, child, log } = mkTwoLevel(k);
    const v = irqDomainAllocIrqs(k, child, 2, 0, { parentHw: 100n, childHw: 0n });
    const d0 = irqToDesc(k, v)!;
    const d1 = irqToDesc(k, v + 1)!;
    const levels = [d0.irqData, d0.irqData.parentData!, d1.irqData, d1.irqData.parentData!];
    log.length = 0;
    irqDomainFreeIrqs(k, v, 2);
    expect(log).toEqual(['child.free(3,1)', 'parent.free(3,1)', 'child.free(4,1)', 'parent.free(4,1)']);
    for (const l of levels) expect(l.freed).toBe(true);
    expect([d0.freed, d1.freed]).toEqual([true, true]);
    expect(d0.handleIrq).toBe(handleBadIrq);
    expect(d0.irqData.chip).toBe(noIrqChip);
    expect(d0.irqData.parentData).toBeNull();
    expect(d0.irqData.domain).toBeNull();
    expect([child.mapcount, parent.mapcount]).toEqual([0, 0]);
    expect(child.revmapTree.size).toBe(0);
    expect(parent.revmapTree.size).toBe(0);
    expect(irqToDesc(k, v)).toBeNull();
    expect(genericHandleDomainIrq(k, child, 0, 0)).toBe(-EINVAL);
    expect(k.sim.findings.count()).toBe(0);
  });

  it('irq_domain_free_irqs on an unallocated virq WARNs "NULL pointer, cannot free irq"', () => {
    const k = mkKernel();
    irqDomainFreeIrqs(k, 42, 1);
    expect(k.sim.findings.list.map((f) => f.kind)).toEqual(['WARN']);
    expect(k.sim.findings.list[0]!.message).toContain('NULL pointer, cannot free irq');
  });

  it('allocation failures leave nothing behind', () => {
    const k = mkKernel();
    const { parent, child } = mkTwoLevel(k);
    k.sim.faults.arm('irq_domain_alloc_irq_data', 2);
    expect(irqDomainAllocIrqs(k, child, 2, 0, { parentHw: 0n, childHw: 0n })).toBe(-ENOMEM);
    expect(irqToDesc(k, 3)).toBeNull();
    expect(irqToDesc(k, 4)).toBeNull();
    // a domain whose level-0 chip was never set fails the trim check (-EINVAL)
    const lonely = irqDomainCreateHierarchy(k, parent, 0, 0, null, { alloc: () => 0 }, null)!;
    expect(irqDomainAllocIrqs(k, lonely, 1, 0, null)).toBe(-EINVAL);
    expect(irqToDesc(k, 3)).toBeNull();
    // no alloc callback: -ENOSYS
    const noalloc = irqDomainCreateTree(k, null, {}, null)!;
    expect(irqDomainAllocIrqs(k, noalloc, 1, 0, null)).toBe(-ENOSYS);
    // NULL domain and no default domain
    expect(irqDomainAllocIrqs(k, null, 1, 0, null)).toBe(-EINVAL);
    expect(k.sim.findings.list.at(-1)!.message).toContain('domain is NULL; cannot allocate IRQ');
    expect([child.mapcount, parent.mapcount]).toEqual([0, 0]);
    expect(k.nrIrqs).toBe(5);
  });

  it('a parent level left without chip fails the trim check', () => {
    const k = mkKernel();
    const log: string[] = [];
    const parent = irqDomainCreateTree(k, null, { alloc: () => 0, free: () => {} }, null)!;
    const child = mkChild(k, parent, log, recChip('C', log));
    expect(irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0n, childHw: 0n })).toBe(-EINVAL);
    expect(irqToDesc(k, 3)).toBeNull();
  });

  it('compose: the outermost level implementing irq_compose_msi_msg wins', () => {
    const k = mkKernel();
    const inner = mkTwoLevel(k, { parentCompose: true });
    const v = irqDomainAllocIrqs(k, inner.child, 1, 0, { parentHw: (7n << 32n) | 9n, childHw: 0n });
    const m = msg();
    expect(irqChipComposeMsiMsg(k, irqToDesc(k, v)!.irqData, m)).toBe(0);
    expect(inner.log.at(-1)).toBe(`P.compose(${v},hw=${(7n << 32n) | 9n})`);
    expect(m).toEqual({ addressLo: 9, addressHi: 7, data: v });

    const k2 = mkKernel();
    const both = mkTwoLevel(k2, { parentCompose: true, childCompose: true });
    const v2 = irqDomainAllocIrqs(k2, both.child, 1, 0, { parentHw: 1n, childHw: 0n });
    irqChipComposeMsiMsg(k2, irqToDesc(k2, v2)!.irqData, msg());
    expect(both.log.at(-1)).toBe(`C.compose(${v2},hw=0)`);

    const k3 = mkKernel();
    const none = mkTwoLevel(k3);
    const v3 = irqDomainAllocIrqs(k3, none.child, 1, 0, { parentHw: 1n, childHw: 0n });
    expect(irqChipComposeMsiMsg(k3, irqToDesc(k3, v3)!.irqData, msg())).toBe(-ENOSYS);
  });

  it('parent helpers: forward to the parent chip; -ENOSYS without callback; Oops without parent_data', () => {
    const k = mkKernel();
    const log: string[] = [];
    const parent = mkParent(k, log, recChip('P', log, { omit: ['irqSetAffinity'] }));
    const child = mkChild(k, parent, log, recChip('C', log));
    const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0n, childHw: 0n });
    const l0 = irqToDesc(k, v)!.irqData;
    log.length = 0;
    irqChipMaskParent(k, l0);
    expect(log).toEqual([`P.mask(${v})`]);
    expect(irqChipSetAffinityParent(k, l0, k.cpuOnlineMask, false)).toBe(-ENOSYS);
    expect(() => irqChipMaskParent(k, l0.parentData!)).toThrow(KernelOops);
    expect(k.sim.findings.list.at(-1)!.message).toContain('NULL irq_data (parent_data)');
  });

  it('activation innermost first with rollback; deactivation outermost first', () => {
    const k = mkKernel();
    const { child, log } = mkTwoLevel(k);
    const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0n, childHw: 0n });
    const l0 = irqToDesc(k, v)!.irqData;
    log.length = 0;
    expect(irqDomainActivateIrq(k, l0, false)).toBe(0);
    expect(log).toEqual(['parent.activate(3)', 'child.activate(3)']);
    expect(l0.common.stateUseAccessors & IRQD_ACTIVATED).toBe(IRQD_ACTIVATED);
    expect(irqDomainActivateIrq(k, l0, false)).toBe(0);
    expect(log.length).toBe(2);
    irqDomainDeactivateIrq(k, l0);
    expect(log.slice(2)).toEqual(['child.deactivate(3)', 'parent.deactivate(3)']);
    expect(l0.common.stateUseAccessors & IRQD_ACTIVATED).toBe(0);
    // child activate fails: the parent is rolled back, ACTIVATED stays clear
    child.ops.activate = (_k, _d, d) => {
      log.push(`child.activate-fail(${d.irq})`);
      return -ENOMEM;
    };
    log.length = 0;
    expect(irqDomainActivateIrq(k, l0, false)).toBe(-ENOMEM);
    expect(log).toEqual(['parent.activate(3)', 'child.activate-fail(3)', 'parent.deactivate(3)']);
    expect(l0.common.stateUseAccessors & IRQD_ACTIVATED).toBe(0);
  });

  it('irq_domain_remove WARNs on live radix mappings only (not on the linear revmap)', () => {
    const k = mkKernel();
    const { parent, child } = mkTwoLevel(k);
    irqDomainAllocIrqs(k, child, 1, 0, { parentHw: (1n << 32n) | 2n, childHw: 0n });
    irqDomainRemove(k, parent);
    expect(parent.removed).toBe(true);
    expect(k.irqDomains).toEqual([child]);
    const f = k.sim.findings.list;
    expect(f.length).toBe(1);
    expect(f[0]!.kind).toBe('WARN');
    expect(f[0]!.message).toContain('at kernel/irq/irqdomain.c irq_domain_remove');
    expect(f[0]!.message).toContain('domain parent still maps 1: hwirq 0x100000002 -> virq 3');

    const k2 = mkKernel();
    const log: string[] = [];
    const p2 = mkParent(k2, log, recChip('P', log));
    const linear = mkChild(k2, p2, log, recChip('C', log), 'lin', handlePercpuIrq, 16);
    expect(linear.revmapSize).toBe(16);
    const v = irqDomainAllocIrqs(k2, linear, 1, 0, { parentHw: 0n, childHw: 3n });
    expect(linear.revmap[3]).toBe(irqToDesc(k2, v)!.irqData);
    expect(linear.revmapTree.size).toBe(0);
    irqDomainRemove(k2, linear);
    expect(k2.sim.findings.count()).toBe(0);
  });
});

describe('generic_handle_domain_irq', () => {
  it('-EINVAL for unknown hwirq or NULL domain; delivers through the 64-bit hwirq', () => {
    const k = mkKernel();
    const { parent, child } = mkTwoLevel(k);
    const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: (0x30n << 32n) | 1n, childHw: 1n });
    let calls = 0;
    expect(
      requestIrq(
        k,
        v,
        () => {
          calls++;
          return IRQ_HANDLED;
        },
        0,
        'dev',
        null,
      ),
    ).toBe(0);
    expect(genericHandleDomainIrq(k, parent, 0x30, 2)).toBe(-EINVAL);
    expect(genericHandleDomainIrq(k, parent, 0, 1)).toBe(-EINVAL);
    expect(genericHandleDomainIrq(k, null, 0x30, 1)).toBe(-EINVAL);
    expect(calls).toBe(0);
    expect(irqToDesc(k, v)!.kstatIrqs.reduce((a, b) => a + b, 0)).toBe(0);
    expect(genericHandleDomainIrq(k, parent, 0x30, 1)).toBe(0);
    expect(genericHandleDomainIrq(k, child, 0, 1)).toBe(0);
    expect(calls).toBe(2);
  });

  it('a freed irq_data still in the reverse map Oopses on delivery (use-after-free)', () => {
    const k = mkKernel();
    const { parent, child } = mkTwoLevel(k);
    const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 8n, childHw: 0n });
    const l1 = irqToDesc(k, v)!.irqData.parentData!;
    l1.freed = true; // as if a buggy free path kfree'd the level but left its revmap entry
    expect(() => genericHandleDomainIrq(k, parent, 0, 8)).toThrow(KernelOops);
    const f = k.sim.findings.list.at(-1)!;
    expect(f.kind).toBe('Oops');
    expect(f.message).toContain('freed irq_data (use-after-free)');
  });

  it('delivery through a removed domain is a use-after-free Oops', () => {
    const k = mkKernel();
    const { child } = mkTwoLevel(k);
    irqDomainRemove(k, child);
    expect(() => genericHandleDomainIrq(k, child, 0, 0)).toThrow(KernelOops);
    expect(k.sim.findings.list.at(-1)!.message).toContain('freed irq_domain (use-after-free)');
  });

  it('irq_domain_set_hwirq_and_chip: -ENOENT for a virq without a level in the domain; NULL chip = no_irq_chip', () => {
    const k = mkKernel();
    const { parent, child } = mkTwoLevel(k);
    const other = irqDomainCreateTree(k, null, {}, null)!;
    const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0n, childHw: 0n });
    expect(irqDomainSetHwirqAndChip(k, other, v, 1n, null, null)).toBe(-2);
    expect(irqDomainSetHwirqAndChip(k, parent, v, 1n, null, null)).toBe(0);
    expect(irqDomainGetIrqData(k, parent, v)!.chip).toBe(noIrqChip);
    expect(irqDomainGetIrqData(k, parent, v)!.chip).not.toBe(NULL_IRQ_CHIP);
  });
});

describe('scale: 10,000 vectors over 100 devices', () => {
  it('allocates, maps, delivers and frees everything', () => {
    const k = mkKernel({ irqLimit: 20000 });
    const log: string[] = [];
    const pchip = recChip('P', log);
    const parent = mkParent(k, log, pchip);
    const devs: IrqDomain[] = [];
    for (let d = 0; d < 100; d++) devs.push(mkChild(k, parent, log, recChip(`C${d}`, log), `dev${d}`));
    const virqs: number[][] = devs.map(() => []);
    // interleave devices, one vector at a time (MSI-X style)
    for (let i = 0; i < 100; i++) {
      for (let d = 0; d < 100; d++) {
        const v = irqDomainAllocIrqs(k, devs[d]!, 1, 0, {
          parentHw: (BigInt(d) << 32n) | BigInt(i),
          childHw: BigInt(i),
        });
        expect(v).toBe(3 + i * 100 + d);
        virqs[d]!.push(v);
      }
    }
    expect(k.nrIrqs).toBe(10003);
    expect(parent.mapcount).toBe(10000);
    expect(parent.revmapTree.size).toBe(100);
    let handled = 0;
    for (let d = 0; d < 100; d++) {
      expect(devs[d]!.mapcount).toBe(100);
      const v = virqs[d]![37]!;
      expect(irqFindMapping(k, parent, d, 37)).toBe(v);
      expect(irqFindMapping(k, devs[d]!, 0, 37)).toBe(v);
      expect(
        requestIrq(
          k,
          v,
          () => {
            handled++;
            return IRQ_HANDLED;
          },
          0,
          `dev${d}`,
          null,
        ),
      ).toBe(0);
      expect(genericHandleDomainIrq(k, parent, d, 37)).toBe(0);
    }
    expect(handled).toBe(100);
    log.length = 0;
    for (let d = 0; d < 100; d++) {
      for (const v of virqs[d]!) {
        if (irqToDesc(k, v)!.action) expect(freeIrq(k, v, null)).toBe(`dev${d}`);
        irqDomainFreeIrqs(k, v, 1);
      }
    }
    expect(k.irqDescs.filter((x) => x !== undefined).length).toBe(0);
    expect(parent.mapcount).toBe(0);
    expect(parent.revmapTree.size).toBe(0);
    for (const d of devs) {
      expect(d.mapcount).toBe(0);
      expect(d.revmapTree.size).toBe(0);
      irqDomainRemove(k, d);
    }
    irqDomainRemove(k, parent);
    expect(k.irqDomains.length).toBe(0);
    expect(k.nrIrqs).toBe(10003);
    expect(log.filter((l) => l.startsWith('child.free')).length).toBe(10000);
    expect(log.filter((l) => l.startsWith('parent.free')).length).toBe(10000);
    expect(k.sim.findings.count()).toBe(0);
  });
});
