// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { IRQ_HANDLED, IRQ_NONE } from '../../../src/include/linux/irq.ts';
import { handlePercpuIrq } from '../../../src/kernel/irq/chip.ts';
import { IRQD_IRQ_DISABLED, IRQS_SPURIOUS_DISABLED } from '../../../src/kernel/irq/internals.ts';
import { genericHandleIrq, irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import { irqDomainAllocIrqs } from '../../../src/kernel/irq/irqdomain.ts';
import { requestIrq } from '../../../src/kernel/irq/manage.ts';
import { mkChild, mkKernel, mkParent, recChip } from './helpers.ts';

function setup() {
  const k = mkKernel();
  const log: string[] = [];
  const parent = mkParent(k, log, recChip('P', log));
  const child = mkChild(k, parent, log, recChip('C', log, { omit: ['irqDisable', 'irqAck', 'irqEoi'] }));
  const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0n, childHw: 0n });
  let ret = IRQ_NONE;
  let calls = 0;
  function mydev_handler(): number {
    calls++;
    return ret;
  }
  expect(requestIrq(k, v, mydev_handler, 0, 'mydev', null)).toBe(0);
  return {
    k,
    v,
    desc: irqToDesc(k, v)!,
    setRet: (r: number) => {
      ret = r;
    },
    calls: () => calls,
  };
}

describe('note_interrupt', () => {
  it('disables after 100000 interrupts of which more than 99900 were unhandled', () => {
    const { k, v, desc, calls } = setup();
    const before = k.sim.log.lines.length;
    for (let i = 0; i < 99999; i++) genericHandleIrq(k, v);
    expect(desc.istate & IRQS_SPURIOUS_DISABLED).toBe(0);
    expect(desc.irqCount).toBe(99999);
    expect(desc.irqsUnhandled).toBe(99999);
    genericHandleIrq(k, v);
    expect(desc.istate & IRQS_SPURIOUS_DISABLED).toBe(IRQS_SPURIOUS_DISABLED);
    expect(desc.depth).toBe(1);
    expect(desc.irqCommonData.stateUseAccessors & IRQD_IRQ_DISABLED).toBe(IRQD_IRQ_DISABLED);
    expect([desc.irqCount, desc.irqsUnhandled]).toEqual([0, 0]);
    expect(k.sim.log.lines.slice(before).map((l) => l.text)).toEqual([
      `irq ${v}: nobody cared (try booting with the "irqpoll" option)`,
      'handlers:',
      '[<0000000000000000>] mydev_handler',
      `Disabling IRQ #${v}`,
    ]);
    // lazy disable + handle_percpu_irq: delivery continues
    genericHandleIrq(k, v);
    expect(calls()).toBe(100001);
    expect(desc.kstatIrqs[0]).toBe(100001);
  });

  it('99900 unhandled of 100000 is not enough', () => {
    const { k, v, desc, setRet } = setup();
    for (let i = 0; i < 99900; i++) genericHandleIrq(k, v);
    setRet(IRQ_HANDLED);
    for (let i = 0; i < 100; i++) genericHandleIrq(k, v);
    expect(desc.istate & IRQS_SPURIOUS_DISABLED).toBe(0);
    expect([desc.irqCount, desc.irqsUnhandled]).toEqual([0, 0]);
  });

  it('a quiet gap of more than 100 ms restarts the unhandled count; handled-only irqs are not counted', () => {
    const { k, v, desc, setRet } = setup();
    setRet(IRQ_HANDLED);
    genericHandleIrq(k, v);
    expect([desc.irqCount, desc.irqsUnhandled]).toEqual([0, 0]);
    setRet(IRQ_NONE);
    genericHandleIrq(k, v);
    genericHandleIrq(k, v);
    expect([desc.irqCount, desc.irqsUnhandled]).toEqual([2, 2]);
    k.sim.advance(100_000_001);
    genericHandleIrq(k, v);
    expect([desc.irqCount, desc.irqsUnhandled]).toEqual([3, 1]);
  });

  it('a bogus return value is reported', () => {
    const { k, v, desc, setRet } = setup();
    setRet(7);
    genericHandleIrq(k, v);
    expect(k.sim.log.lines.at(-3)!.text).toBe(`irq event ${v}: bogus return value 7`);
    expect(desc.irqsUnhandled).toBe(0);
  });

  it('an interrupt on a virq without action counts as unhandled (handle_percpu_irq)', () => {
    const k = mkKernel();
    const log: string[] = [];
    const parent = mkParent(k, log, recChip('P', log));
    const child = mkChild(k, parent, log, recChip('C', log), 'c', handlePercpuIrq);
    const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0n, childHw: 0n });
    genericHandleIrq(k, v);
    expect(irqToDesc(k, v)!.irqsUnhandled).toBe(1);
  });
});
