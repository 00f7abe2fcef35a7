// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { type Cpumask, cpumaskCreate, cpumaskList } from '../../src/include/linux/cpumask.ts';
import { EINVAL, EPERM, ERANGE } from '../../src/include/linux/errno.ts';
import type { IrqAction } from '../../src/include/linux/irq.ts';
import {
  HZ,
  initIrqProc,
  irqCanSetAffinityUsr,
  listProcIrq,
  listProcIrqDir,
  procIrqEarlyBoot,
  registerHandlerProc,
  registerIrqProc,
  renderGenericProcInterrupts,
  renderProcDefaultSmpAffinity,
  renderProcIrq,
  S390_IRQ_VIEW_CONFIG,
  unregisterIrqProc,
  writeProcIrqAffinity,
} from '../../src/kernel/irq/proc.ts';
import type { Kernel } from '../../src/kernel/kernel.ts';
import { golden, goldenLines, subst } from './golden.ts';
import { buildZpci, lsColumns, setCounts, type ZpciState } from './zpci-state.ts';

/** init.sh: the /proc/irq/* section */
function procIrqSection(st: ZpciState): string[] {
  const { k } = st;
  const lines: string[] = [];
  for (const n of listProcIrq(k).filter((x) => /^\d+$/.test(x))) {
    const v = Number(n);
    const cat = (a: Parameters<typeof renderProcIrq>[2]): string => subst(renderProcIrq(k, v, a));
    lines.push(
      `/proc/irq/${n}: smp_affinity=${cat('smp_affinity')} list=${cat('smp_affinity_list')}` +
        ` eff=${cat('effective_affinity')} eff_list=${cat('effective_affinity_list')} node=${cat('node')}` +
        ` : ${(listProcIrqDir(k, v) ?? []).map((x) => `${x} `).join('')}`,
    );
  }
  return lines;
}

const errText: Record<number, string> = { [EPERM]: 'Operation not permitted' };

/** init.sh: the affinity experiment (echo 1 > smp_affinity_list for every msi_irqs entry) */
function affinityExperiment(st: ZpciState, setter: (k: Kernel, irq: number, m: Cpumask) => number): string {
  const { k } = st;
  const eff = (n: number): string => {
    const r = renderProcIrq(k, n, 'effective_affinity_list');
    return r === null
      ? `cat: can't open '/proc/irq/${n}/effective_affinity_list': No such file or directory`
      : subst(r);
  };
  let out = '';
  for (const fn of st.fns) {
    for (const name of fn.dev.msiData
      ? [...fn.dev.msiData.descs.values()].map((d) => String(d.irq)).sort()
      : []) {
      const n = Number(name);
      out += `irq ${n} before: aff=${subst(renderProcIrq(k, n, 'smp_affinity_list'))} eff=${eff(n)}\n`;
      const rc = writeProcIrqAffinity(k, n, 'smp_affinity_list', '1\n', setter);
      if (rc < 0) out += `sh: write error: ${errText[-rc] ?? `errno ${-rc}`}\n  write 1 failed rc=1\n`;
      out += `irq ${n} after write 1: aff=${subst(renderProcIrq(k, n, 'smp_affinity_list'))} eff=${eff(n)}\n`;
    }
  }
  return out;
}

describe('/proc/irq/<n>/ (kernel/irq/proc.c)', () => {
  it('matches Linux 7.2: directory list, affinity hex and list, no effective_* files, node, action dirs', () => {
    const g = goldenLines('k72-proc-irq.txt');
    const st = buildZpci(true);
    expect(listProcIrq(st.k)).toEqual(lsColumns(g.slice(0, 4)));
    expect(procIrqSection(st)).toEqual(g.slice(4));
  });

  it('refuses the affinity write with -EPERM as Linux 7.2 does (chip without irq_set_affinity)', () => {
    const st = buildZpci(true);
    let called = 0;
    const out = affinityExperiment(st, () => {
      called++;
      return 0;
    });
    expect(out).toBe(golden('k72-affinity-write.txt'));
    expect(called).toBe(0);
  });

  it('differs from Linux 6.1 only in the errno of the refused write (EIO before 6.16, EPERM now)', () => {
    const st = buildZpci(false);
    const out = affinityExperiment(st, () => 0);
    const g = golden('k61-affinity-write.txt');
    expect(g).toContain('sh: write error: Input/output error');
    expect(out).toBe(g.replaceAll('Input/output error', 'Operation not permitted'));
  });

  it('prints spurious, node, affinity_hint and default_smp_affinity in the kernel formats', () => {
    const st = buildZpci(true);
    const { k } = st;
    const d = k.irqDescs[4]!;
    d.irqCount = 99999;
    d.irqsUnhandled = 3;
    d.lastUnhandled = 250; // jiffies
    expect(renderProcIrq(k, 4, 'spurious')).toBe(
      `count 99999\nunhandled 3\nlast_unhandled ${250 * (1000 / HZ)} ms\n`,
    );
    expect(renderProcIrq(k, 4, 'node')).toBe('0\n');
    expect(renderProcIrq(k, 4, 'affinity_hint')).toBe('0\n');
    d.affinityHint = cpumaskCreate(1);
    expect(renderProcIrq(k, 4, 'affinity_hint')).toBe('2\n');
    expect(renderProcDefaultSmpAffinity(k)).toBe('3\n');
    expect(renderProcIrq(k, 4, 'effective_affinity')).toBeNull();
    const cfg = { ...S390_IRQ_VIEW_CONFIG, genericIrqEffectiveAffMask: true };
    d.irqCommonData.effectiveAffinity = cpumaskCreate(1);
    expect(renderProcIrq(k, 4, 'effective_affinity', cfg)).toBe('2\n');
    expect(renderProcIrq(k, 4, 'effective_affinity_list', cfg)).toBe('1\n');
    expect(listProcIrqDir(k, 4, cfg)).toEqual([
      'affinity_hint',
      'effective_affinity',
      'effective_affinity_list',
      'node',
      'smp_affinity',
      'smp_affinity_list',
      'spurious',
      'virtio0-input',
    ]);
  });

  it('prints %*pb with a comma every 32 CPUs and %*pbl ranges', async () => {
    const { Kernel } = await import('../../src/kernel/kernel.ts');
    const { Sim } = await import('../../src/sim/sim.ts');
    const k = new Kernel(new Sim(1), { nrCpuIds: 40 });
    const st = buildZpci(true);
    k.irqDescs[3] = st.k.irqDescs[3]!;
    k.irqDescs[3].irqCommonData.affinity = cpumaskCreate(0, 1, 2, 3, 5, 33, 34, 39);
    expect(renderProcIrq(k, 3, 'smp_affinity')).toBe('86,0000002f\n');
    expect(renderProcIrq(k, 3, 'smp_affinity_list')).toBe('0-3,5,33-34,39\n');
  });

  it('applies an allowed write through irq_set_affinity and checks the mask first', () => {
    const st = buildZpci(true);
    const { k } = st;
    const d = k.irqDescs[3]!;
    d.irqData.chip = { ...d.irqData.chip, irqSetAffinity: () => 0 };
    expect(irqCanSetAffinityUsr(k, 3)).toBe(true);
    const seen: number[][] = [];
    const setter = (_k: Kernel, irq: number, m: Cpumask): number => {
      seen.push([irq, ...cpumaskList(m)]);
      return 0;
    };
    expect(writeProcIrqAffinity(k, 3, 'smp_affinity_list', '1\n', setter)).toBe(2);
    expect(writeProcIrqAffinity(k, 3, 'smp_affinity', '3\n', setter)).toBe(2);
    expect(seen).toEqual([
      [3, 1],
      [3, 0, 1],
    ]);
    expect(writeProcIrqAffinity(k, 3, 'smp_affinity', '0\n', setter)).toBe(-EINVAL);
    expect(writeProcIrqAffinity(k, 3, 'smp_affinity_list', '7\n', setter)).toBe(-ERANGE);
    expect(writeProcIrqAffinity(k, 3, 'smp_affinity_list', 'x\n', setter)).toBe(-EINVAL);
    expect(writeProcIrqAffinity(k, 3, 'smp_affinity_list', '0\n', () => -EINVAL)).toBe(-EINVAL);
    // managed (virtio-blk request queue), per-CPU and no-balancing irqs are never user-settable
    k.irqDescs[6]!.irqData.chip = d.irqData.chip;
    expect(irqCanSetAffinityUsr(k, 6)).toBe(false);
    d.irqCommonData.stateUseAccessors |= 1 << 11; // IRQD_PER_CPU
    expect(writeProcIrqAffinity(k, 3, 'smp_affinity_list', '1\n', setter)).toBe(-EPERM);
  });

  it('creates directories on registration only, not for no_irq_chip, one dir per unique action name', () => {
    const st = buildZpci(true);
    const { k } = st;
    const d = k.irqDescs[5]!;
    unregisterIrqProc(k, 5, d);
    expect(renderProcIrq(k, 5, 'smp_affinity')).toBeNull();
    expect(listProcIrq(k)).not.toContain('5');
    registerIrqProc(k, 5, d);
    expect(renderProcIrq(k, 5, 'smp_affinity')).toBe('3\n');
    const none = k.irqDescs[6]!;
    unregisterIrqProc(k, 6, none);
    none.irqData.chip = { name: 'none', flags: 0 };
    registerIrqProc(k, 6, none);
    expect(none.procDir).toBe(false);
    // a second action with the same name gets no directory
    const first = d.action!;
    const twin: IrqAction = { ...first, next: null };
    const other: IrqAction = { ...first, name: 'other', next: null };
    delete (twin as { dir?: boolean }).dir;
    first.next = twin;
    twin.next = other;
    registerHandlerProc(k, 5, twin);
    registerHandlerProc(k, 5, other);
    expect(listProcIrqDir(k, 5)).toEqual([
      'affinity_hint',
      'node',
      'other',
      'smp_affinity',
      'smp_affinity_list',
      'spurious',
      'virtio1-config',
    ]);
    // before init_irq_proc() nothing is registered; init registers all descs (not their actions)
    procIrqEarlyBoot(k);
    expect(listProcIrq(k)).toEqual([]);
    for (const x of k.irqDescs) if (x) x.procDir = false;
    initIrqProc(k);
    expect(listProcIrq(k)).toEqual([
      '0',
      '1',
      '10',
      '2',
      '3',
      '4',
      '5',
      '7',
      '8',
      '9',
      'default_smp_affinity',
    ]);
  });
});

describe('generic /proc/interrupts (kernel/irq/proc.c show_interrupts, not used on s390)', () => {
  it('follows the generic format strings', () => {
    const st = buildZpci(true);
    const { k } = st;
    setCounts(k, { 0: [1068, 1041], 4: [1, 4] });
    k.irqDescs[4]!.name = 'edge';
    k.irqDescs[7]!.statusUseAccessors |= 1 << 20; // IRQ_HIDDEN
    k.irqDescs[8]!.action = null;
    const out = renderGenericProcInterrupts(k, { archShowInterrupts: (_k, prec) => `ARCH prec=${prec}\n` });
    const lines = out.split('\n');
    // "%*s" of prec + 8 (prec 3: nr_irqs 11 < 1000), "CPU%-8d" per online CPU
    expect(lines[0]).toBe('           CPU0       CPU1       ');
    // "%*d:", " %10u" per CPU, " ", "%8s" chip, " %*lu" hwirq or blanks, "  %s" actions
    expect(lines[1]).toBe('  0:       1068       1041    dummy      EXT');
    // desc->name prints as "-%-8s"
    expect(lines[5]).toBe('  4:          1          4 PCI-MSIX-0001:00:00.0   1-edge      virtio0-input');
    expect(out).not.toContain('  7:');
    expect(out).not.toContain('  8:');
    expect(lines.at(-2)).toBe('ARCH prec=3');
    const lvl = renderGenericProcInterrupts(k, {
      cfg: { ...S390_IRQ_VIEW_CONFIG, genericIrqShowLevel: true },
    });
    expect(lvl.split('\n')[4]).toBe(
      '  3:          0          0 PCI-MSIX-0001:00:00.0   0 Edge      virtio0-config',
    );
  });
});
