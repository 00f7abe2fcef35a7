// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { EXT_CODE_EXTERNAL_CALL } from '../../src/hw/s390x/cpu.ts';
import { SIC_IRQ_MODE_ALL } from '../../src/hw/s390x/sic.ts';
import { Scheduler } from '../../src/sim/scheduler.ts';
import { Sim } from '../../src/sim/sim.ts';
import { enable, enableIsc, makeMachine, msixSetup, registerFloating } from './helpers.ts';

describe('scheduler', () => {
  it('orders by time, then by scheduling sequence', () => {
    const sim = new Sim(1);
    const s = new Scheduler(sim, { capacity: 16 });
    const log: string[] = [];
    const k = s.defineKind('t', (a0, a1) => log.push(`${sim.time}:${a0}.${a1}`));
    s.schedule(k, 30, 1, 0);
    s.schedule(k, 10, 2, 0);
    s.schedule(k, 30, 3, 0);
    s.schedule(k, 10, 4, 0);
    s.schedule(k, 20, 5, 0);
    expect(s.run()).toBe(5);
    expect(log).toEqual(['10:2.0', '10:4.0', '20:5.0', '30:1.0', '30:3.0']);
  });

  it('runs up to a time bound and advances the clock to it', () => {
    const sim = new Sim(1);
    const s = new Scheduler(sim);
    const log: number[] = [];
    const k = s.defineKind('t', (a0) => log.push(a0));
    s.schedule(k, 5, 1);
    s.schedule(k, 15, 2);
    expect(s.run(10)).toBe(1);
    expect(sim.time).toBe(10);
    expect(s.pending).toBe(1);
    // an event scheduled in the past runs at the current time
    s.schedule(k, 3, 3);
    s.run();
    expect(log).toEqual([1, 3, 2]);
  });

  it('reuses event records: no pool growth in steady state', () => {
    const sim = new Sim(1);
    const s = new Scheduler(sim, { capacity: 16 });
    let n = 0;
    const k = s.defineKind('tick', () => {
      n++;
      if (n < 10000) s.after(k, 1);
    });
    s.after(k, 1);
    s.run();
    expect(n).toBe(10000);
    expect((s as unknown as { pool: unknown[] }).pool.length).toBe(16);
  });

  it('same seed, same order: random floating CPU choice is deterministic', () => {
    const runOnce = (seed: number): number[] => {
      const { m } = makeMachine(
        { nrCpus: 4, options: { floatingCpu: 'random', summaryEdge: 'always' } },
        seed,
      );
      const fn = enable(m, m.addFunction({ fid: 1 }));
      registerFloating(m, fn, 4, 0);
      m.sic(0, SIC_IRQ_MODE_ALL, 2, 0);
      enableIsc(m);
      const cpus: number[] = [];
      m.setIoEntry((cpu) => cpus.push(cpu));
      for (let i = 0; i < 40; i++) m.scheduleSignal(100 * (i % 7) + i, 1, i % 4);
      msixSetup(fn, 4);
      m.run();
      return cpus;
    };
    const a = runOnce(7);
    expect(a.length).toBe(40);
    expect(runOnce(7)).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
    expect(runOnce(8)).not.toEqual(a);
  });

  it('IPI: SIGP external call reaches the target ext entry with code 0x1202 after its handler returns', () => {
    const { m } = makeMachine({ nrCpus: 3 });
    const got: string[] = [];
    m.setExtEntry((cpu, code, param) => got.push(`ext cpu${cpu} ${code.toString(16)} ${param}`));
    expect(m.ipi(0, 2, 42)).toBe(0);
    expect(m.ipi(0, 9, 1)).toBe(3);
    expect(got).toEqual([]);
    m.run();
    expect(got).toEqual([`ext cpu2 ${EXT_CODE_EXTERNAL_CALL.toString(16)} 42`]);
    // a CPU with interruptions disabled takes it when it enables them
    m.setIrqsEnabled(1, false);
    m.ipi(0, 1, 7);
    m.run();
    expect(got.length).toBe(1);
    m.setIrqsEnabled(1, true);
    m.run();
    expect(got[1]).toBe('ext cpu1 1202 7');
  });

  it('TPI dequeues further pending interruptions the CPU is enabled for', () => {
    const { m } = makeMachine({ options: { summaryEdge: 'always' } });
    const fn = enable(m, m.addFunction({ fid: 1 }));
    registerFloating(m, fn, 4, 0);
    enableIsc(m);
    const seen: number[] = [];
    m.setIoEntry((cpu, tpi) => {
      seen.push(tpi.word2);
      while (m.isLpar && m.tpi(cpu)) seen.push(tpi.word2);
    });
    for (let v = 0; v < 3; v++) m.msiWrite(1, 0xfe000000, 0, v);
    expect(m.flic.floatingPending[2]).toBe(3);
    m.run();
    expect(seen).toEqual([0x90000000, 0x90000000, 0x90000000]);
    expect(m.cpu(0)!.ioInterruptions).toBe(3);
  });

  it('exploration: a preemption point may run a pending MSI early; the schedule replays exactly', () => {
    const scenario = (replay: number[] | null, seed: number) => {
      const { m } = makeMachine({ nrCpus: 2, options: { summaryEdge: 'always' } }, seed);
      const fn = enable(m, m.addFunction({ fid: 1 }));
      registerFloating(m, fn, 4, 0);
      msixSetup(fn, 4);
      m.sic(0, SIC_IRQ_MODE_ALL, 2, 0);
      enableIsc(m);
      const log: string[] = [];
      m.setIoEntry((cpu) => {
        log.push(`h${cpu}@${m.sim.time}`);
        m.preempt('handler.scan1', cpu);
        m.preempt('handler.scan2', cpu);
        log.push(`e${cpu}`);
      });
      if (replay) m.sched.replay(replay);
      else {
        m.sched.explore = true;
        m.sched.preemptProbability = 1;
      }
      for (let i = 0; i < 4; i++) m.scheduleCall(10 * (i + 1), () => m.msiWrite(1, 0xfe000000, 0, i));
      for (let i = 0; i < 3; i++) m.scheduleSignal(5 + 10 * i, 1, i);
      m.run();
      return { log, choices: m.sched.choices.slice(), what: m.sched.choiceLog.map((c) => c.what) };
    };
    // find a seed whose exploration ran a handler on CPU 1 nested inside CPU 0's handler
    let first = scenario(null, 1);
    for (let seed = 1; seed <= 50 && !/h0@\d+ h1@/.test(first.log.join(' ')); seed++)
      first = scenario(null, seed);
    expect(first.log.join(' ')).toMatch(/h0@\d+ h1@/);
    expect(first.what).toContain('machine: present to cpu 1');
    expect(first.choices.some((c) => c > 0)).toBe(true);
    const again = scenario(first.choices, 99);
    expect(again.log).toEqual(first.log);
    expect(again.choices).toEqual(first.choices);
    expect(again.what).toEqual(first.what);
  });

  it('exploration skips options that need a lock somebody holds, and records them', () => {
    const { m } = makeMachine({ nrCpus: 2, options: { summaryEdge: 'always' } });
    const fn = enable(m, m.addFunction({ fid: 1 }));
    registerFloating(m, fn, 4, 0);
    m.sic(0, SIC_IRQ_MODE_ALL, 2, 0);
    enableIsc(m);
    m.setIoHandlerLocks(['airq_iv.bitlock:']);
    const s = m.sched;
    s.explore = true;
    s.preemptProbability = 1;
    let ran = 0;
    m.setIoEntry((cpu) => {
      ran++;
      if (ran === 1) {
        expect(s.locks.lock('airq_iv.bitlock:0x2000:5', cpu)).toBe(true);
        m.msiWrite(1, 0xfe000000, 0, 1); // another interruption pending for CPU 1
        m.preempt('generic_handle_irq', cpu);
        s.locks.unlock('airq_iv.bitlock:0x2000:5', cpu);
      }
    });
    m.msiWrite(1, 0xfe000000, 0, 0);
    m.run();
    expect(s.skipped).toEqual([
      {
        site: 'generic_handle_irq',
        cpu: 0,
        option: 'machine: present to cpu 1',
        lock: 'airq_iv.bitlock:0x2000:5',
        holder: 0,
      },
    ]);
    expect(s.choices).toEqual([]);
    expect(ran).toBe(2);
    expect(s.locks.lock('x', 0)).toBe(true);
    expect(s.locks.lock('x', 1)).toBe(false);
    expect(s.locks.conflicts.length).toBe(1);
  });

  it('exploration off: preempt is a no-op and records nothing', () => {
    const { m } = makeMachine();
    m.scheduleSignal(10, 1, 0);
    m.preempt('x', 0);
    expect(m.sched.choices).toEqual([]);
    expect(m.sched.pending).toBe(1);
  });
});
