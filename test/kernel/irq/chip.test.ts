// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { IRQ_HANDLED, IRQ_NONE, type IrqFlowHandler } from '../../../src/include/linux/irq.ts';
import {
  handleEdgeIrq,
  handleFasteoiIrq,
  handleLevelIrq,
  handlePercpuIrq,
  handleSimpleIrq,
} from '../../../src/kernel/irq/chip.ts';
import {
  IRQD_ACTIVATED,
  IRQD_IRQ_DISABLED,
  IRQD_IRQ_MASKED,
  IRQD_IRQ_STARTED,
  IRQS_PENDING,
} from '../../../src/kernel/irq/internals.ts';
import { genericHandleDomainIrq, genericHandleIrq, irqToDesc } from '../../../src/kernel/irq/irqdesc.ts';
import { irqDomainAllocIrqs } from '../../../src/kernel/irq/irqdomain.ts';
import { disableIrq, enableIrq, requestIrq } from '../../../src/kernel/irq/manage.ts';
import { KernelOops } from '../../../src/sim/findings.ts';
import { mkChild, mkKernel, mkParent, recChip } from './helpers.ts';

/** One virq on a 2-level hierarchy whose device chip records calls, with `handler` installed and requested. */
function setup(handler: IrqFlowHandler, omit: string[] = [], ret = IRQ_HANDLED) {
  const k = mkKernel();
  const log: string[] = [];
  const parent = mkParent(k, log, recChip('P', log));
  const child = mkChild(k, parent, log, recChip('C', log, { omit }), 'child', handler);
  const v = irqDomainAllocIrqs(k, child, 1, 0, { parentHw: 0x10n, childHw: 0n });
  const rc = requestIrq(
    k,
    v,
    (_k, irq) => {
      log.push(`handler(${irq})`);
      return ret;
    },
    0,
    'dev',
    null,
  );
  expect(rc).toBe(0);
  log.length = 0;
  return { k, log, v, parent, desc: irqToDesc(k, v)! };
}

describe('flow handlers: chip callback order and kstat', () => {
  it('handle_percpu_irq: ack, actions, eoi; per-CPU count only', () => {
    const { k, log, v, parent, desc } = setup(handlePercpuIrq);
    k.currentCpu = 1;
    expect(genericHandleDomainIrq(k, parent, 0, 0x10)).toBe(0);
    k.currentCpu = 3;
    genericHandleIrq(k, v);
    genericHandleIrq(k, v);
    expect(log).toEqual([
      'C.ack(3)',
      'handler(3)',
      'C.eoi(3)',
      'C.ack(3)',
      'handler(3)',
      'C.eoi(3)',
      'C.ack(3)',
      'handler(3)',
      'C.eoi(3)',
    ]);
    expect(Array.from(desc.kstatIrqs)).toEqual([0, 1, 0, 2]);
    expect(desc.totCount).toBe(0);
  });

  it('handle_percpu_irq ignores a lazily disabled line (no DISABLED check)', () => {
    const { k, log, v, desc } = setup(handlePercpuIrq, ['irqDisable']);
    disableIrq(k, v);
    expect(desc.irqCommonData.stateUseAccessors & IRQD_IRQ_DISABLED).toBe(IRQD_IRQ_DISABLED);
    expect(desc.irqCommonData.stateUseAccessors & IRQD_IRQ_MASKED).toBe(0);
    log.length = 0;
    genericHandleIrq(k, v);
    expect(log).toEqual(['C.ack(3)', 'handler(3)', 'C.eoi(3)']);
  });

  it('handle_edge_irq: ack then actions; a disabled line is marked PENDING and mask+acked', () => {
    const { k, log, v, desc } = setup(handleEdgeIrq, ['irqDisable', 'irqMaskAck']);
    k.currentCpu = 2;
    genericHandleIrq(k, v);
    expect(log).toEqual(['C.ack(3)', 'handler(3)']);
    expect(Array.from(desc.kstatIrqs)).toEqual([0, 0, 1, 0]);
    expect(desc.totCount).toBe(1);
    disableIrq(k, v);
    log.length = 0;
    genericHandleIrq(k, v);
    expect(log).toEqual(['C.mask(3)', 'C.ack(3)']);
    expect(desc.istate & IRQS_PENDING).toBe(IRQS_PENDING);
    expect(desc.totCount).toBe(1);
    // enable_irq -> irq_enable(): the chip has irq_enable, so that (not unmask) runs; the pending
    // edge has no retrigger in the hierarchy and is dropped (no HARDIRQS_SW_RESEND on s390)
    log.length = 0;
    enableIrq(k, v);
    expect(log).toEqual(['C.enable(3)']);
    expect(desc.irqCommonData.stateUseAccessors & (IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED)).toBe(0);
    expect(desc.istate & IRQS_PENDING).toBe(0);
  });

  it('handle_edge_irq on a chip without irq_ack Oopses', () => {
    const { k, v } = setup(handleEdgeIrq, ['irqAck']);
    expect(() => genericHandleIrq(k, v)).toThrow(KernelOops);
    expect(k.sim.findings.list.at(-1)!.message).toContain('NULL C->irq_ack()');
  });

  it('handle_level_irq: mask_ack (mask then ack), actions, unmask', () => {
    const { k, log, v, desc } = setup(handleLevelIrq, ['irqMaskAck']);
    genericHandleIrq(k, v);
    expect(log).toEqual(['C.mask(3)', 'C.ack(3)', 'handler(3)', 'C.unmask(3)']);
    expect(desc.totCount).toBe(1);
    expect(desc.kstatIrqs[0]).toBe(1);
  });

  it('handle_level_irq uses irq_mask_ack when the chip has it', () => {
    const { k, log, v } = setup(handleLevelIrq);
    genericHandleIrq(k, v);
    expect(log).toEqual(['C.maskack(3)', 'handler(3)', 'C.unmask(3)']);
  });

  it('handle_simple_irq: no chip callbacks', () => {
    const { k, log, v, desc } = setup(handleSimpleIrq);
    genericHandleIrq(k, v);
    expect(log).toEqual(['handler(3)']);
    expect(desc.totCount).toBe(1);
  });

  it('handle_fasteoi_irq: actions then eoi', () => {
    const { k, log, v } = setup(handleFasteoiIrq);
    genericHandleIrq(k, v);
    expect(log).toEqual(['handler(3)', 'C.eoi(3)']);
  });

  it('request_irq state after startup; all actions run with IRQ_NONE OR-ed', () => {
    const { desc } = setup(handlePercpuIrq, [], IRQ_NONE);
    expect(desc.irqCommonData.stateUseAccessors).toBe(IRQD_ACTIVATED | IRQD_IRQ_STARTED);
    expect(desc.depth).toBe(0);
    expect(desc.procDir).toBe(true);
  });
});
