// SPDX-License-Identifier: GPL-2.0-only
/**
 * /proc/irq/ (kernel/irq/proc.c): the per-irq directories and files, their
 * registration, the affinity write path, and the GENERIC show_interrupts()
 * (not used on s390, which has its own: src/arch/s390/kernel/show_interrupts.ts).
 *
 * Every reader is a pure function of kernel state and returns the exact bytes
 * the kernel's seq_file would produce, or null when the file does not exist.
 * Also holds the small printf helpers (%*pb, %*pbl, %10u ...) the other views share.
 */
import {
  type Cpumask,
  cpumaskCreate,
  cpumaskIntersects,
  cpumaskPrintHex,
  cpumaskSetCpu,
  cpumaskTestCpu,
} from '../../include/linux/cpumask.ts';
import { EINVAL, EPERM, ERANGE } from '../../include/linux/errno.ts';
import { hwirqJoin } from '../../include/linux/hwirq.ts';
import type { IrqAction, IrqChip, IrqData, IrqDesc } from '../../include/linux/irq.ts';
import type { Kernel } from '../kernel.ts';
import {
  IRQ_HIDDEN,
  IRQD_AFFINITY_MANAGED,
  IRQD_LEVEL,
  IRQD_NO_BALANCING,
  IRQD_PER_CPU,
} from './internals.ts';
import { kstatRowRead } from './irqdesc.ts';

// ---------------------------------------------------------------------------------------------
// Kconfig of the views

/** CONFIG_HZ of the modelled s390 kernel (jiffies_to_msecs in /proc/irq/<n>/spurious). */
export const HZ = 100;

/** The Kconfig switches that change what the IRQ views print. */
export interface IrqViewConfig {
  /** CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK: effective_affinity* files, debugfs "effectiv:". */
  genericIrqEffectiveAffMask: boolean;
  /** CONFIG_GENERIC_PENDING_IRQ: debugfs "pending:" line, pending mask in smp_affinity. */
  genericPendingIrq: boolean;
  /** CONFIG_GENERIC_IRQ_SHOW_LEVEL: "Level"/"Edge" column of the generic /proc/interrupts. */
  genericIrqShowLevel: boolean;
  /** CONFIG_HZ */
  hz: number;
}

/** s390 selects none of the optional switches (the 6.1 and 7.2 captures show neither file nor line). */
export const S390_IRQ_VIEW_CONFIG: IrqViewConfig = {
  genericIrqEffectiveAffMask: false,
  genericPendingIrq: false,
  genericIrqShowLevel: false,
  hz: HZ,
};

// ---------------------------------------------------------------------------------------------
// printf helpers shared by the views

/** `%*s` with an empty string: `n` spaces. */
export function sp(n: number): string {
  return n > 0 ? ' '.repeat(n) : '';
}

/** `%<w>s` (right-aligned, never truncated) */
export function rjust(s: string, w: number): string {
  return s.length >= w ? s : sp(w - s.length) + s;
}

/** `%-<w>s` / `%-<w>d` (left-aligned, never truncated) */
export function ljust(s: string, w: number): string {
  return s.length >= w ? s : s + sp(w - s.length);
}

/** `%u` of an unsigned int */
export function u32(n: number): string {
  return String(n >>> 0);
}

/** `0x%08x` */
export function hex08(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** `%*pb` with cpumask_pr_args(): hex words of nr_cpu_ids bits. */
export function cpumaskPrB(k: Kernel, m: Cpumask): string {
  return cpumaskPrintHex(m, k.nrCpuIds);
}

/** `%*pbl` with cpumask_pr_args(): ranges list of the first nr_cpu_ids bits. */
export function cpumaskPrBl(k: Kernel, m: Cpumask): string {
  let s = '';
  let c = 0;
  while (c < k.nrCpuIds) {
    if (!cpumaskTestCpu(c, m)) {
      c++;
      continue;
    }
    let e = c;
    while (e + 1 < k.nrCpuIds && cpumaskTestCpu(e + 1, m)) e++;
    s += (s ? ',' : '') + (e === c ? `${c}` : `${c}-${e}`);
    c = e + 1;
  }
  return s;
}

/** for_each_online_cpu(): online CPUs below nr_cpu_ids, ascending. */
export function onlineCpus(k: Kernel): number[] {
  const out: number[] = [];
  for (let c = 0; c < k.nrCpuIds; c++) if (cpumaskTestCpu(c, k.cpuOnlineMask)) out.push(c);
  return out;
}

/** for_each_possible_cpu() */
export function possibleCpus(k: Kernel): number[] {
  const out: number[] = [];
  for (let c = 0; c < k.nrCpuIds; c++) if (cpumaskTestCpu(c, k.cpuPossibleMask)) out.push(c);
  return out;
}

/** `ls` order: plain byte-wise comparison (busybox/coreutils in the C locale). */
export function lsSort(names: string[]): string[] {
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// kernel: irq_to_desc() — a freed descriptor is no longer in the sparse tree.
export function irqToDesc(k: Kernel, irq: number): IrqDesc | null {
  if (irq < 0) return null;
  const d = k.irqDescs[irq];
  return d && !d.freed ? d : null;
}

// kernel: irq_desc_kstat_cpu()
export function irqDescKstatCpu(desc: IrqDesc, cpu: number): number {
  return kstatRowRead(desc, cpu);
}

// kernel: kstat_irqs_cpu() — 0 when the descriptor does not exist.
export function kstatIrqsCpu(k: Kernel, irq: number, cpu: number): number {
  const desc = irqToDesc(k, irq);
  return desc ? irqDescKstatCpu(desc, cpu) : 0;
}

/** The level-0 chip as C sees it: the pointer may be NULL at run time even though the type says not. */
export function chipOf(d: IrqData): IrqChip | null {
  return (d.chip as IrqChip | null | undefined) ?? null;
}

/** `%lu` of the 64-bit hwirq */
export function hwirqDec(d: IrqData): string {
  return hwirqJoin(d.hwirqHi, d.hwirqLo).toString(10);
}

/** for_each_action_of_desc() */
export function actionsOf(desc: IrqDesc): IrqAction[] {
  const out: IrqAction[] = [];
  for (let a = desc.action; a; a = a.next) out.push(a);
  return out;
}

// ---------------------------------------------------------------------------------------------
// /proc/irq/<n>/ registration (proc.c). root_irq_dir is created by init_irq_proc() at boot;
// a kernel model that never calls initIrqProc() is treated as booted (the directory exists).

interface ProcIrqState {
  rootIrqDir: boolean;
}
const procState = new WeakMap<Kernel, ProcIrqState>();

function stateOf(k: Kernel): ProcIrqState {
  let s = procState.get(k);
  if (!s) {
    s = { rootIrqDir: true };
    procState.set(k, s);
  }
  return s;
}

/**
 * Model only: mark the boot phase before init_irq_proc() (no /proc/irq yet), so that
 * actions requested this early get no /proc/irq/<n>/<name>/ directory (as EXT/I/O/AIO on s390).
 */
export function procIrqEarlyBoot(k: Kernel): void {
  stateOf(k).rootIrqDir = false;
}

// kernel: init_irq_proc()
export function initIrqProc(k: Kernel): void {
  stateOf(k).rootIrqDir = true;
  for (let irq = 0; irq < k.irqDescs.length; irq++) {
    const desc = irqToDesc(k, irq);
    if (desc) registerIrqProc(k, irq, desc);
  }
}

// kernel: register_irq_proc() — /proc/irq/<irq>/ with its files; not for no_irq_chip descs.
export function registerIrqProc(k: Kernel, _irq: number, desc: IrqDesc): void {
  const chip = chipOf(desc.irqData);
  if (!stateOf(k).rootIrqDir || chip === null || chip.name === 'none') return;
  if (desc.procDir) return;
  desc.procDir = true;
}

// kernel: unregister_irq_proc()
export function unregisterIrqProc(k: Kernel, _irq: number, desc: IrqDesc): void {
  if (!stateOf(k).rootIrqDir || !desc.procDir) return;
  desc.procDir = false;
}

// kernel: name_unique()
function nameUnique(desc: IrqDesc, newAction: IrqAction): boolean {
  for (let a = desc.action; a; a = a.next) {
    if (a !== newAction && a.name && newAction.name === a.name) return false;
  }
  return true;
}

// kernel: register_handler_proc() — call after the action is linked into desc->action.
export function registerHandlerProc(k: Kernel, irq: number, action: IrqAction): void {
  const desc = irqToDesc(k, irq);
  const a = action;
  if (!desc?.procDir || a.dir === true || !a.name || !nameUnique(desc, action)) {
    if (a.dir === undefined) a.dir = false;
    return;
  }
  a.dir = true;
}

// kernel: unregister_handler_proc()
export function unregisterHandlerProc(_k: Kernel, _irq: number, action: IrqAction): void {
  action.dir = false;
}

/**
 * Whether /proc/irq/<n>/<action name>/ exists. Uses action.dir when the model recorded it
 * (registerHandlerProc); otherwise derives it: the first action of each name has one.
 */
function actionHasDir(desc: IrqDesc, action: IrqAction): boolean {
  const rec = action.dir;
  if (rec !== undefined) return rec;
  if (!action.name) return false;
  for (let a = desc.action; a && a !== action; a = a.next) if (a.name === action.name) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// readers

export type ProcIrqAttr =
  | 'smp_affinity'
  | 'smp_affinity_list'
  | 'affinity_hint'
  | 'node'
  | 'effective_affinity'
  | 'effective_affinity_list'
  | 'spurious';

/** Files of /proc/irq/<n>/ in the order register_irq_proc() creates them. */
function procIrqFiles(cfg: IrqViewConfig): ProcIrqAttr[] {
  const f: ProcIrqAttr[] = ['smp_affinity', 'affinity_hint', 'smp_affinity_list', 'node'];
  if (cfg.genericIrqEffectiveAffMask) f.push('effective_affinity', 'effective_affinity_list');
  f.push('spurious');
  return f;
}

/** `ls /proc/irq`: one directory per registered irq, plus default_smp_affinity (ls order). */
export function listProcIrq(k: Kernel): string[] {
  const names: string[] = [];
  if (!stateOf(k).rootIrqDir) return names;
  for (let irq = 0; irq < k.irqDescs.length; irq++) {
    const desc = irqToDesc(k, irq);
    if (desc?.procDir) names.push(String(irq));
  }
  names.push('default_smp_affinity');
  return lsSort(names);
}

/** `ls /proc/irq/<n>`: the files plus one directory per uniquely named action (ls order); null if absent. */
export function listProcIrqDir(
  k: Kernel,
  virq: number,
  cfg: IrqViewConfig = S390_IRQ_VIEW_CONFIG,
): string[] | null {
  const desc = irqToDesc(k, virq);
  if (!desc?.procDir || !stateOf(k).rootIrqDir) return null;
  const names: string[] = procIrqFiles(cfg);
  for (const a of actionsOf(desc)) if (actionHasDir(desc, a)) names.push(a.name);
  return lsSort(names);
}

// kernel: show_irq_affinity()
function showIrqAffinity(k: Kernel, desc: IrqDesc, list: boolean, effective: boolean): string {
  // Without GENERIC_PENDING_IRQ irq_move_pending() is false; without
  // GENERIC_IRQ_EFFECTIVE_AFF_MASK the effective files do not exist (checked by the caller).
  const mask = effective ? desc.irqCommonData.effectiveAffinity : desc.irqCommonData.affinity;
  return `${list ? cpumaskPrBl(k, mask) : cpumaskPrB(k, mask)}\n`;
}

// kernel: jiffies_to_msecs()
function jiffiesToMsecs(j: number, hz: number): number {
  return Math.floor(((j >>> 0) * 1000) / hz) >>> 0;
}

/**
 * cat /proc/irq/<virq>/<attr> (kernel: irq_affinity_proc_show, irq_affinity_list_proc_show,
 * irq_affinity_hint_proc_show, irq_node_proc_show, irq_effective_aff_proc_show,
 * irq_effective_aff_list_proc_show, irq_spurious_proc_show). null = no such file.
 * desc.lastUnhandled is in jiffies.
 */
export function renderProcIrq(
  k: Kernel,
  virq: number,
  attr: ProcIrqAttr,
  cfg: IrqViewConfig = S390_IRQ_VIEW_CONFIG,
): string | null {
  const desc = irqToDesc(k, virq);
  if (!desc?.procDir || !stateOf(k).rootIrqDir) return null;
  if (!procIrqFiles(cfg).includes(attr)) return null;
  switch (attr) {
    case 'smp_affinity':
      return showIrqAffinity(k, desc, false, false);
    case 'smp_affinity_list':
      return showIrqAffinity(k, desc, true, false);
    case 'effective_affinity':
      return showIrqAffinity(k, desc, false, true);
    case 'effective_affinity_list':
      return showIrqAffinity(k, desc, true, true);
    case 'affinity_hint':
      return `${cpumaskPrB(k, desc.affinityHint ?? cpumaskCreate())}\n`;
    case 'node':
      // CONFIG_NUMA=n on s390: irq_desc_get_node() is 0.
      return '0\n';
    case 'spurious':
      return (
        `count ${u32(desc.irqCount)}\n` +
        `unhandled ${u32(desc.irqsUnhandled)}\n` +
        `last_unhandled ${u32(jiffiesToMsecs(desc.lastUnhandled, cfg.hz))} ms\n`
      );
  }
}

// kernel: default_affinity_show()
export function renderProcDefaultSmpAffinity(k: Kernel): string {
  return `${cpumaskPrB(k, k.irqDefaultAffinity)}\n`;
}

// ---------------------------------------------------------------------------------------------
// writes

// kernel: irq_can_set_affinity_usr() (kernel/irq/manage.c, with __irq_can_set_affinity)
export function irqCanSetAffinityUsr(k: Kernel, irq: number): boolean {
  const desc = irqToDesc(k, irq);
  if (!desc) return false;
  const state = desc.irqCommonData.stateUseAccessors;
  if (state & (IRQD_PER_CPU | IRQD_NO_BALANCING)) return false; // !irqd_can_balance()
  const chip = chipOf(desc.irqData);
  if (!chip?.irqSetAffinity) return false;
  return (state & IRQD_AFFINITY_MANAGED) === 0;
}

/** Parse as cpumask_parselist_user(): "0-3,8", each CPU below nr_cpu_ids. */
function parseCpuList(k: Kernel, buf: string, out: Cpumask): number {
  const s = buf.replace(/\n$/, '').trim();
  if (s === '') return 0;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return -EINVAL;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > b) return -EINVAL;
    if (b >= k.nrCpuIds) return -ERANGE;
    for (let c = a; c <= b; c++) cpumaskSetCpu(c, out);
  }
  return 0;
}

/** Parse as cpumask_parse_user(): comma separated 32-bit hex words, most significant first. */
function parseCpuHex(k: Kernel, buf: string, out: Cpumask): number {
  const s = buf.replace(/\n$/, '').trim();
  if (s === '') return -EINVAL;
  const words = s.split(',');
  for (let i = 0; i < words.length; i++) {
    const w = words[words.length - 1 - i] ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(w)) return -EINVAL;
    const v = Number.parseInt(w, 16) >>> 0;
    for (let b = 0; b < 32; b++) {
      if ((v >>> b) & 1) {
        const cpu = i * 32 + b;
        if (cpu >= k.nrCpuIds) return -ERANGE;
        cpumaskSetCpu(cpu, out);
      }
    }
  }
  return 0;
}

/**
 * kernel: write_irq_affinity() — echo <buf> > /proc/irq/<virq>/smp_affinity[_list].
 * Returns the byte count or a negative errno. `irqSetAffinity` is manage.c's irq_set_affinity().
 * Not allowed → -EPERM (6.16+; -EIO before). Parse-error codes are approximated (-EINVAL/-ERANGE).
 */
export function writeProcIrqAffinity(
  k: Kernel,
  virq: number,
  attr: 'smp_affinity' | 'smp_affinity_list',
  buf: string,
  irqSetAffinity: (k: Kernel, irq: number, mask: Cpumask) => number,
): number {
  if (!irqCanSetAffinityUsr(k, virq)) return -EPERM;
  const mask = cpumaskCreate();
  const err = attr === 'smp_affinity_list' ? parseCpuList(k, buf, mask) : parseCpuHex(k, buf, mask);
  if (err) return err;
  if (!cpumaskIntersects(mask, k.cpuOnlineMask)) {
    // irq_select_affinity_usr() without AUTO_IRQ_AFFINITY
    return -EINVAL;
  }
  const rc = irqSetAffinity(k, virq, mask);
  return rc ? rc : buf.length;
}

// ---------------------------------------------------------------------------------------------
// generic /proc/interrupts (CONFIG_GENERIC_IRQ_SHOW) — for reference; s390 does not use it.

export interface GenericShowInterruptsOptions {
  /** arch_show_interrupts(p, prec): the lines after the last irq (default: none). */
  archShowInterrupts?: (k: Kernel, prec: number) => string;
  cfg?: IrqViewConfig;
}

// kernel: show_interrupts() (kernel/irq/proc.c), all seq indexes 0..nr_irqs
export function renderGenericProcInterrupts(k: Kernel, opts: GenericShowInterruptsOptions = {}): string {
  const cfg = opts.cfg ?? S390_IRQ_VIEW_CONFIG;
  const nrIrqs = k.nrIrqs;
  const cpus = onlineCpus(k);
  let prec = 3;
  for (let j = 1000; prec < 10 && j <= nrIrqs; ++prec) j *= 10;
  let out = '';
  if (nrIrqs > 0) {
    out += sp(prec + 8);
    for (const c of cpus) out += `CPU${ljust(String(c), 8)}`;
    out += '\n';
  }
  for (let i = 0; i < nrIrqs; i++) {
    const desc = irqToDesc(k, i);
    if (!desc || desc.statusUseAccessors & IRQ_HIDDEN) continue;
    // irq_desc_is_chained() (action == &chained_action) is not modelled: no chained flow here.
    if (!desc.action) continue;
    out += `${rjust(String(i), prec)}:`;
    for (const c of cpus) out += ` ${rjust(u32(irqDescKstatCpu(desc, c)), 10)}`;
    out += ' ';
    const chip = chipOf(desc.irqData);
    if (chip) {
      if (chip.irqPrintChip) out += chip.irqPrintChip(k, desc.irqData);
      else if (chip.name) out += rjust(chip.name, 8);
      else out += rjust('-', 8);
    } else {
      out += rjust('None', 8);
    }
    out += desc.irqData.domain ? ` ${rjust(hwirqDec(desc.irqData), prec)}` : ` ${sp(prec)}`;
    if (cfg.genericIrqShowLevel) {
      out += ` ${ljust(desc.irqCommonData.stateUseAccessors & IRQD_LEVEL ? 'Level' : 'Edge', 8)}`;
    }
    if (desc.name) out += `-${ljust(desc.name, 8)}`;
    const acts = actionsOf(desc);
    if (acts.length > 0) out += `  ${acts.map((a) => a.name).join(', ')}`;
    out += '\n';
  }
  if (opts.archShowInterrupts) out += opts.archShowInterrupts(k, prec);
  return out;
}
