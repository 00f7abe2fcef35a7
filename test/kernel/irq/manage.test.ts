// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { cpumaskCreate, cpumaskPrintList } from '../../../src/include/linux/cpumask.ts';
import { EBUSY, EINVAL, ENOMEM, ENOSYS, ENOTCONN } from '../../../src/include/linux/errno.ts';
import {
  IRQ_HANDLED,
  IRQ_NONE,
  IRQ_SET_MASK_OK_NOCOPY,
  type IrqHandler,
} from '../../../src/include/linux/irq.ts';
import { handlePercpuIrq } from '../../../src/kernel/irq/chip.ts';
import {
  IRQ_NOREQUEST,
  IRQ_NOTCONNECTED,
  IRQD_ACTIVATED,
  IRQD_AFFINITY_SET,
  IRQD_IRQ_DISABLED,
  IRQD_IRQ_MASKED,
  IRQD_IRQ_STARTED,
  IRQF_SHARED,
  IRQF_TRIGGER_RISING,
} from '../../../src/kernel/irq/internals.ts';
import { genericHandleIrq, irqAllocDescs, irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import { irqDomainAllocIrqs } from '../../../src/kernel/irq/irqdomain.ts';
import {
  disableIrq,
  disableIrqNosync,
  enableIrq,
  freeIrq,
  irqSetAffinity,
  irqSetAffinityHint,
  requestIrq,
  requestThreadedIrq,
} from '../../../src/kernel/irq/manage.ts';
import { mkChild, mkKernel, mkParent, recChip } from './helpers.ts';

function setup(chipOpts: Parameters<typeof recChip>[2] = {}, online?: number[]) {
  const k = mkKernel(online ? { online } : {});
  const log: string[] = [];
  const parent = mkParent(k, log, recChip('P', log));
  const child = mkChild(k, parent, log, recChip('C', log, chipOpts), 'child', handlePercpuIrq);
  const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0n, childHw: 0n });
  log.length = 0;
  return { k, log, v, desc: irqToDesc(k, v)! };
}

const h =
  (log: string[], name: string, ret = IRQ_HANDLED): IrqHandler =>
  (_k, irq, devId) => {
    log.push(`${name}(${irq},${String(devId)})`);
    return ret;
  };

describe('request_irq / free_irq', () => {
  it('request: activation, startup, affinity setup; free: shutdown, deactivation; returns devname', () => {
    const { k, log, v, desc } = setup();
    expect(requestIrq(k, v, h(log, 'a'), 0, 'eth0', 'A')).toBe(0);
    expect(log).toEqual([
      'parent.activate(3)',
      'child.activate(3)',
      'C.startup(3)',
      'C.set_affinity(3,0-3,false)',
    ]);
    expect(desc.irqCommonData.stateUseAccessors).toBe(IRQD_ACTIVATED | IRQD_IRQ_STARTED);
    expect(desc.depth).toBe(0);
    log.length = 0;
    expect(freeIrq(k, v, 'A')).toBe('eth0');
    expect(log).toEqual(['C.shutdown(3)', 'child.deactivate(3)', 'parent.deactivate(3)']);
    expect(desc.irqCommonData.stateUseAccessors).toBe(IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED);
    expect(desc.depth).toBe(1);
    expect(desc.action).toBeNull();
  });

  it('refusals with the kernel return codes', () => {
    const { k, log, v, desc } = setup();
    expect(requestIrq(k, IRQ_NOTCONNECTED, h(log, 'a'), 0, 'x', null)).toBe(-ENOTCONN);
    expect(requestIrq(k, v, h(log, 'a'), IRQF_SHARED, 'x', null)).toBe(-EINVAL);
    expect(requestIrq(k, 999, h(log, 'a'), 0, 'x', null)).toBe(-EINVAL);
    expect(requestIrq(k, v, null, 0, 'x', null)).toBe(-EINVAL);
    expect(requestThreadedIrq(k, v, null, h(log, 't'), 0, 'x', null)).toBe(-EINVAL);
    desc.statusUseAccessors |= IRQ_NOREQUEST;
    expect(requestIrq(k, v, h(log, 'a'), 0, 'x', null)).toBe(-EINVAL);
    desc.statusUseAccessors &= ~IRQ_NOREQUEST;
    const bare = irqAllocDescs(k, -1, 1, 1); // still no_irq_chip
    expect(requestIrq(k, bare, h(log, 'a'), 0, 'x', null)).toBe(-ENOSYS);
    k.sim.faults.arm('request_threaded_irq');
    expect(requestIrq(k, v, h(log, 'a'), 0, 'x', null)).toBe(-ENOMEM);
    expect(desc.action).toBeNull();
    expect(log).toEqual([]);
  });

  it('shared lines: actions in order, all run; flags mismatch is -EBUSY with the kernel message', () => {
    const { k, log, v, desc } = setup();
    expect(requestIrq(k, v, h(log, 'a', IRQ_NONE), IRQF_SHARED, 'a', 'A')).toBe(0);
    expect(requestIrq(k, v, h(log, 'b'), IRQF_SHARED, 'b', 'B')).toBe(0);
    expect(requestIrq(k, v, h(log, 'c'), 0, 'c', 'C')).toBe(-EBUSY);
    expect(k.sim.log.lines.at(-1)!.text).toBe('genirq: Flags mismatch irq 3. 00000000 (c) vs. 00000080 (a)');
    expect(requestIrq(k, v, h(log, 'd'), IRQF_SHARED | IRQF_TRIGGER_RISING, 'd', 'D')).toBe(-EBUSY);
    expect(k.sim.log.lines.at(-1)!.text).toBe('genirq: Flags mismatch irq 3. 00000081 (d) vs. 00000080 (a)');
    log.length = 0;
    genericHandleIrq(k, v);
    expect(log).toEqual(['C.ack(3)', 'a(3,A)', 'b(3,B)', 'C.eoi(3)']);
    expect(desc.irqsUnhandled).toBe(0);
    expect(freeIrq(k, v, 'A')).toBe('a');
    expect(desc.action!.name).toBe('b');
    expect(desc.irqCommonData.stateUseAccessors & IRQD_IRQ_STARTED).toBe(IRQD_IRQ_STARTED);
    expect(freeIrq(k, v, 'B')).toBe('b');
    expect(k.sim.findings.count()).toBe(0);
  });

  it('double free_irq => WARN with the kernel text, null, no exception', () => {
    const { k, log, v } = setup();
    requestIrq(k, v, h(log, 'a'), 0, 'a', 'A');
    expect(freeIrq(k, v, 'A')).toBe('a');
    expect(freeIrq(k, v, 'A')).toBeNull();
    const f = k.sim.findings.list;
    expect(f.length).toBe(1);
    expect(f[0]!.kind).toBe('WARN');
    expect(f[0]!.message).toBe(
      'WARNING: CPU: 0 PID: 0 at kernel/irq/manage.c __free_irq\nTrying to free already-free IRQ 3',
    );
    expect(freeIrq(k, 999, 'A')).toBeNull();
    expect(f.length).toBe(1);
  });

  it('free_irq from IRQ context WARNs', () => {
    const { k, log, v } = setup();
    requestIrq(k, v, h(log, 'a'), 0, 'a', 'A');
    k.hardirqCount = 1;
    expect(freeIrq(k, v, 'A')).toBe('a');
    expect(k.sim.findings.list[0]!.message).toContain('Trying to free IRQ 3 from IRQ context!');
  });
});

describe('disable/enable depth', () => {
  it('nests, enables at depth 1, WARNs on unbalanced enable', () => {
    const { k, log, v, desc } = setup();
    requestIrq(k, v, h(log, 'a'), 0, 'a', 'A');
    log.length = 0;
    disableIrq(k, v);
    disableIrqNosync(k, v);
    expect(desc.depth).toBe(2);
    expect(log).toEqual(['C.disable(3)']);
    enableIrq(k, v);
    expect(desc.depth).toBe(1);
    expect(log).toEqual(['C.disable(3)']);
    enableIrq(k, v);
    expect(desc.depth).toBe(0);
    expect(log).toEqual(['C.disable(3)', 'C.enable(3)']);
    expect(desc.irqCommonData.stateUseAccessors & (IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED)).toBe(0);
    enableIrq(k, v);
    expect(desc.depth).toBe(0);
    const f = k.sim.findings.list;
    expect(f.map((x) => x.message)).toEqual([
      'WARNING: CPU: 0 PID: 0 at kernel/irq/manage.c __enable_irq\nUnbalanced enable for IRQ 3',
    ]);
    expect(disableIrqNosync(k, 999)).toBe(-EINVAL);
  });
});

describe('affinity', () => {
  it('irq_set_affinity: online CPUs to the chip, requested mask copied on OK', () => {
    const { k, log, v, desc } = setup({}, [0, 1]);
    requestIrq(k, v, h(log, 'a'), 0, 'a', 'A');
    expect(log.at(-1)).toBe('C.set_affinity(3,0-1,false)');
    expect(cpumaskPrintList(desc.irqCommonData.affinity)).toBe('0-1');
    expect(irqSetAffinity(k, v, cpumaskCreate(1, 2))).toBe(0);
    expect(log.at(-1)).toBe('C.set_affinity(3,1,false)');
    expect(cpumaskPrintList(desc.irqCommonData.affinity)).toBe('1-2');
    expect(cpumaskPrintList(desc.irqCommonData.effectiveAffinity)).toBe('1-2');
    expect(desc.irqCommonData.stateUseAccessors & IRQD_AFFINITY_SET).toBe(IRQD_AFFINITY_SET);
    expect(irqSetAffinity(k, v, cpumaskCreate(3))).toBe(-EINVAL); // no online CPU
    expect(cpumaskPrintList(desc.irqCommonData.affinity)).toBe('1-2');
    expect(irqSetAffinity(k, 999, cpumaskCreate(0))).toBe(-EINVAL);
  });

  it('NOCOPY leaves the affinity mask; no chip callback => -EINVAL; hint stored and applied', () => {
    const a = setup({ setAffinityRet: IRQ_SET_MASK_OK_NOCOPY });
    expect(irqSetAffinity(a.k, a.v, cpumaskCreate(2))).toBe(0);
    expect(cpumaskPrintList(a.desc.irqCommonData.affinity)).toBe('0-3');
    const b = setup({ omit: ['irqSetAffinity'] });
    expect(irqSetAffinity(b.k, b.v, cpumaskCreate(2))).toBe(-EINVAL);
    const c = setup();
    const hint = cpumaskCreate(3);
    expect(irqSetAffinityHint(c.k, c.v, hint)).toBe(0);
    expect(c.desc.affinityHint).toBe(hint);
    expect(cpumaskPrintList(c.desc.irqCommonData.affinity)).toBe('3');
    requestIrq(c.k, c.v, h(c.log, 'a'), 0, 'a', 'A');
    freeIrq(c.k, c.v, 'A');
    expect(c.k.sim.findings.list[0]!.message).toContain('WARN_ON_ONCE(desc->affinity_hint)');
    expect(c.desc.affinityHint).toBeNull();
  });
});
