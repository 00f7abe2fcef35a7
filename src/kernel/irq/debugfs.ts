// SPDX-License-Identifier: GPL-2.0-only
/**
 * CONFIG_GENERIC_IRQ_DEBUGFS views: /sys/kernel/debug/irq/irqs/<n> (kernel/irq/debugfs.c)
 * and /sys/kernel/debug/irq/domains/<name> (kernel/irq/irqdomain.c, debugfs part), plus
 * msi_domain_debug_show() (kernel/irq/msi.c) which MSI domains install as ops->debug_show.
 *
 * Readers are pure functions of kernel state and return exactly what `cat` prints.
 * The domains directory is kernel state of its own (files are created by name at publish
 * time, a duplicate name is refused, removal is by name): debugfsAddDomainDir() and
 * debugfsRemoveDomainDir() record it when the irqdomain model calls them; without those
 * calls the directory is derived from k.irqDomains.
 */

import { hwirqJoin } from '../../include/linux/hwirq.ts';
import type { IrqData, IrqDesc, IrqDomain } from '../../include/linux/irq.ts';
import type { Kernel } from '../kernel.ts';
import {
  chipOf,
  cpumaskPrBl,
  hex08,
  type IrqViewConfig,
  irqToDesc,
  lsSort,
  S390_IRQ_VIEW_CONFIG,
  sp,
  u32,
} from './proc.ts';

/** struct irq_bit_descr (BIT_MASK_DESCR(m) = { m, "#m" }) */
export interface IrqBitDescr {
  readonly mask: number;
  readonly name: string;
}

// kernel: irqchip_flags[] (kernel/irq/debugfs.c); IRQCHIP_AFFINITY_PRE_STARTUP (1 << 10) is not listed.
export const IRQCHIP_FLAGS_DESCR: readonly IrqBitDescr[] = [
  { mask: 1 << 0, name: 'IRQCHIP_SET_TYPE_MASKED' },
  { mask: 1 << 1, name: 'IRQCHIP_EOI_IF_HANDLED' },
  { mask: 1 << 2, name: 'IRQCHIP_MASK_ON_SUSPEND' },
  { mask: 1 << 3, name: 'IRQCHIP_ONOFFLINE_ENABLED' },
  { mask: 1 << 4, name: 'IRQCHIP_SKIP_SET_WAKE' },
  { mask: 1 << 5, name: 'IRQCHIP_ONESHOT_SAFE' },
  { mask: 1 << 6, name: 'IRQCHIP_EOI_THREADED' },
  { mask: 1 << 7, name: 'IRQCHIP_SUPPORTS_LEVEL_MSI' },
  { mask: 1 << 8, name: 'IRQCHIP_SUPPORTS_NMI' },
  { mask: 1 << 9, name: 'IRQCHIP_ENABLE_WAKEUP_ON_SUSPEND' },
  { mask: 1 << 11, name: 'IRQCHIP_IMMUTABLE' },
  { mask: 1 << 12, name: 'IRQCHIP_MOVE_DEFERRED' },
];

// kernel: irqdata_states[] (kernel/irq/debugfs.c)
export const IRQDATA_STATES_DESCR: readonly IrqBitDescr[] = [
  { mask: 0x1, name: 'IRQ_TYPE_EDGE_RISING' },
  { mask: 0x2, name: 'IRQ_TYPE_EDGE_FALLING' },
  { mask: 0x4, name: 'IRQ_TYPE_LEVEL_HIGH' },
  { mask: 0x8, name: 'IRQ_TYPE_LEVEL_LOW' },
  { mask: 1 << 13, name: 'IRQD_LEVEL' },
  { mask: 1 << 9, name: 'IRQD_ACTIVATED' },
  { mask: 1 << 22, name: 'IRQD_IRQ_STARTED' },
  { mask: 1 << 16, name: 'IRQD_IRQ_DISABLED' },
  { mask: 1 << 17, name: 'IRQD_IRQ_MASKED' },
  { mask: 1 << 18, name: 'IRQD_IRQ_INPROGRESS' },
  { mask: 1 << 11, name: 'IRQD_PER_CPU' },
  { mask: 1 << 10, name: 'IRQD_NO_BALANCING' },
  { mask: 1 << 24, name: 'IRQD_SINGLE_TARGET' },
  { mask: 1 << 12, name: 'IRQD_AFFINITY_SET' },
  { mask: 1 << 8, name: 'IRQD_SETAFFINITY_PENDING' },
  { mask: 1 << 21, name: 'IRQD_AFFINITY_MANAGED' },
  { mask: 1 << 28, name: 'IRQD_AFFINITY_ON_ACTIVATE' },
  { mask: 1 << 23, name: 'IRQD_MANAGED_SHUTDOWN' },
  { mask: 1 << 26, name: 'IRQD_CAN_RESERVE' },
  { mask: 1 << 20, name: 'IRQD_FORWARDED_TO_VCPU' },
  { mask: 1 << 14, name: 'IRQD_WAKEUP_STATE' },
  { mask: 1 << 19, name: 'IRQD_WAKEUP_ARMED' },
  { mask: 1 << 25, name: 'IRQD_DEFAULT_TRIGGER_SET' },
  { mask: 1 << 27, name: 'IRQD_HANDLE_ENFORCE_IRQCTX' },
  { mask: 1 << 29, name: 'IRQD_IRQ_ENABLED_ON_SUSPEND' },
  { mask: 1 << 30, name: 'IRQD_RESEND_WHEN_IN_PROGRESS' },
];

// kernel: irqdesc_states[] (kernel/irq/debugfs.c; _IRQ_* = IRQ_* of include/linux/irq.h)
export const IRQDESC_STATES_DESCR: readonly IrqBitDescr[] = [
  { mask: 1 << 10, name: '_IRQ_NOPROBE' },
  { mask: 1 << 11, name: '_IRQ_NOREQUEST' },
  { mask: 1 << 16, name: '_IRQ_NOTHREAD' },
  { mask: 1 << 12, name: '_IRQ_NOAUTOEN' },
  { mask: 1 << 15, name: '_IRQ_NESTED_THREAD' },
  { mask: 1 << 17, name: '_IRQ_PER_CPU_DEVID' },
  { mask: 1 << 18, name: '_IRQ_IS_POLLED' },
  { mask: 1 << 19, name: '_IRQ_DISABLE_UNLAZY' },
  { mask: 1 << 20, name: '_IRQ_HIDDEN' },
];

// kernel: irqdesc_istates[] (kernel/irq/debugfs.c; IRQS_* of kernel/irq/internals.h)
export const IRQDESC_ISTATES_DESCR: readonly IrqBitDescr[] = [
  { mask: 0x1, name: 'IRQS_AUTODETECT' },
  { mask: 0x2, name: 'IRQS_SPURIOUS_DISABLED' },
  { mask: 0x8, name: 'IRQS_POLL_INPROGRESS' },
  { mask: 0x20, name: 'IRQS_ONESHOT' },
  { mask: 0x40, name: 'IRQS_REPLAY' },
  { mask: 0x80, name: 'IRQS_WAITING' },
  { mask: 0x200, name: 'IRQS_PENDING' },
  { mask: 0x800, name: 'IRQS_SUSPENDED' },
  { mask: 0x2000, name: 'IRQS_NMI' },
];

// kernel: irqdomain_flags[] (kernel/irq/irqdomain.c); DESTROY_GC, MSI_IMMUTABLE, FWNODE_PARENT not listed.
export const IRQDOMAIN_FLAGS_DESCR: readonly IrqBitDescr[] = [
  { mask: 1 << 0, name: 'IRQ_DOMAIN_FLAG_HIERARCHY' },
  { mask: 1 << 1, name: 'IRQ_DOMAIN_NAME_ALLOCATED' },
  { mask: 1 << 2, name: 'IRQ_DOMAIN_FLAG_IPI_PER_CPU' },
  { mask: 1 << 3, name: 'IRQ_DOMAIN_FLAG_IPI_SINGLE' },
  { mask: 1 << 4, name: 'IRQ_DOMAIN_FLAG_MSI' },
  { mask: 1 << 5, name: 'IRQ_DOMAIN_FLAG_ISOLATED_MSI' },
  { mask: 1 << 6, name: 'IRQ_DOMAIN_FLAG_NO_MAP' },
  { mask: 1 << 8, name: 'IRQ_DOMAIN_FLAG_MSI_PARENT' },
  { mask: 1 << 9, name: 'IRQ_DOMAIN_FLAG_MSI_DEVICE' },
  { mask: 1 << 16, name: 'IRQ_DOMAIN_FLAG_NONCORE' },
];

// kernel: irq_debug_show_bits()
export function irqDebugShowBits(ind: number, state: number, sd: readonly IrqBitDescr[]): string {
  let out = '';
  for (const d of sd) if (state & d.mask) out += `${sp(ind + 12)}${d.name}\n`;
  return out;
}

/**
 * `%ps` of a flow handler: its kernel symbol. A handler function may carry the symbol as a
 * `ksym` property; otherwise the camelCase function name is turned back into the C name
 * (handlePercpuIrq → handle_percpu_irq). NULL prints "0x0".
 */
export function ksymName(fn: unknown): string {
  if (typeof fn !== 'function') return '0x0';
  const tagged = (fn as { ksym?: unknown }).ksym;
  if (typeof tagged === 'string') return tagged;
  const n = fn.name.replace(/^bound /, '');
  if (!n) return '0x0';
  return n
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

// kernel: irq_debug_show_masks() (CONFIG_SMP)
function irqDebugShowMasks(k: Kernel, desc: IrqDesc, cfg: IrqViewConfig): string {
  const common = desc.irqCommonData;
  let out = `affinity: ${cpumaskPrBl(k, common.affinity)}\n`;
  if (cfg.genericIrqEffectiveAffMask) out += `effectiv: ${cpumaskPrBl(k, common.effectiveAffinity)}\n`;
  if (cfg.genericPendingIrq) {
    const pending = (desc as IrqDesc & { pendingMask?: typeof common.affinity }).pendingMask;
    out += `pending:  ${pending ? cpumaskPrBl(k, pending) : ''}\n`;
  }
  return out;
}

// kernel: irq_debug_show_chip()
function irqDebugShowChip(k: Kernel, data: IrqData, ind: number): string {
  const chip = chipOf(data);
  if (!chip) return 'chip: None\n';
  let out = `${sp(ind)}chip:    `;
  out += chip.irqPrintChip ? chip.irqPrintChip(k, data) : chip.name;
  out += `\n${sp(ind + 1)}flags:   0x${(chip.flags >>> 0).toString(16)}\n`;
  out += irqDebugShowBits(ind, chip.flags, IRQCHIP_FLAGS_DESCR);
  return out;
}

// kernel: irq_debug_show_data() — one hierarchy level, then its parent at ind + 4.
export function irqDebugShowData(k: Kernel, data: IrqData, ind: number): string {
  let out = `${sp(ind)}domain:  ${data.domain ? data.domain.name : ''}\n`;
  out += `${sp(ind + 1)}hwirq:   0x${hwirqJoin(data.hwirqHi, data.hwirqLo).toString(16)}\n`;
  out += irqDebugShowChip(k, data, ind + 1);
  const dom = data.domain;
  if (dom?.ops?.debugShow) out += dom.ops.debugShow(k, null, data, ind + 1);
  if (!data.parentData) return out;
  out += `${sp(ind + 1)}parent:\n`;
  out += irqDebugShowData(k, data.parentData, ind + 4);
  return out;
}

/**
 * cat /sys/kernel/debug/irq/irqs/<virq> (kernel: irq_debug_show()). null = no such file
 * (the file exists from descriptor allocation until it is freed). desc->dev_name NULL
 * prints "(null)"; irq_data_get_node() is 0 (no NUMA on s390).
 */
export function renderDebugfsIrq(
  k: Kernel,
  virq: number,
  cfg: IrqViewConfig = S390_IRQ_VIEW_CONFIG,
): string | null {
  const desc = irqToDesc(k, virq);
  if (!desc) return null;
  const data = desc.irqData;
  const dstate = desc.irqCommonData.stateUseAccessors;
  let out = `handler:  ${ksymName(desc.handleIrq)}\n`;
  out += `device:   ${desc.devName ?? '(null)'}\n`;
  out += `status:   ${hex08(desc.statusUseAccessors)}\n`;
  out += irqDebugShowBits(0, desc.statusUseAccessors, IRQDESC_STATES_DESCR);
  out += `istate:   ${hex08(desc.istate)}\n`;
  out += irqDebugShowBits(0, desc.istate, IRQDESC_ISTATES_DESCR);
  out += `ddepth:   ${u32(desc.depth)}\n`;
  out += `wdepth:   ${u32(desc.wakeDepth)}\n`;
  out += `dstate:   ${hex08(dstate)}\n`;
  out += irqDebugShowBits(0, dstate, IRQDATA_STATES_DESCR);
  out += 'node:     0\n';
  out += irqDebugShowMasks(k, desc, cfg);
  out += irqDebugShowData(k, data, 0);
  return out;
}

/** `ls /sys/kernel/debug/irq/irqs`: every allocated descriptor, ascending virq. */
export function listDebugfsIrqs(k: Kernel): number[] {
  const out: number[] = [];
  for (let irq = 0; irq < k.irqDescs.length; irq++) if (irqToDesc(k, irq)) out.push(irq);
  return out;
}

/** kernel: msi_domain_debug_show() (kernel/irq/msi.c) — the MSI domains' ops->debug_show. */
export function msiDomainDebugShow(
  _k: Kernel,
  _d: IrqDomain | null,
  irqd: IrqData | null,
  ind: number,
): string {
  const desc = irqd ? irqd.common.msiDesc : null;
  if (!desc) return '';
  return (
    `\n${sp(ind + 1)}address_hi: ${hex08(desc.msg.addressHi)}` +
    `\n${sp(ind + 1)}address_lo: ${hex08(desc.msg.addressLo)}` +
    `\n${sp(ind + 1)}msg_data:   ${hex08(desc.msg.data)}\n`
  );
}

// kernel: irq_domain_debug_show_one()
function irqDomainDebugShowOne(k: Kernel, d: IrqDomain, ind: number): string {
  let out = `${sp(ind)}name:   ${d.name}\n`;
  out += `${sp(ind + 1)}size:   ${u32(d.revmapSize)}\n`;
  out += `${sp(ind + 1)}mapped: ${u32(d.mapcount)}\n`;
  out += `${sp(ind + 1)}flags:  ${hex08(d.flags)}\n`;
  out += irqDebugShowBits(ind, d.flags, IRQDOMAIN_FLAGS_DESCR);
  if (d.ops?.debugShow) out += d.ops.debugShow(k, d, null, ind + 1);
  if (!d.parent) return out;
  out += `${sp(ind + 1)}parent: ${d.parent.name}\n`;
  out += irqDomainDebugShowOne(k, d.parent, ind + 4);
  return out;
}

/** irq_default_domain, if the irqdomain model keeps one on the Kernel (field irqDefaultDomain). */
function irqDefaultDomain(k: Kernel): IrqDomain | null {
  return (k as Kernel & { irqDefaultDomain?: IrqDomain | null }).irqDefaultDomain ?? null;
}

/**
 * kernel: irq_domain_debug_show() — the content of a domain file. `d` null is the
 * "default" file: the default domain if one is set, else empty.
 */
export function renderDebugfsDomain(k: Kernel, d: IrqDomain | null): string {
  const dom = d ?? irqDefaultDomain(k);
  if (!dom) return '';
  return irqDomainDebugShowOne(k, dom, 0);
}

// ---------------------------------------------------------------------------------------------
// /sys/kernel/debug/irq/domains directory

interface DomainDir {
  /** file name -> the domain it shows (insertion order = creation order) */
  files: Map<string, IrqDomain>;
}
const domainDirs = new WeakMap<Kernel, DomainDir>();

function domainDirOf(k: Kernel): DomainDir {
  let dir = domainDirs.get(k);
  if (!dir) {
    dir = { files: new Map() };
    domainDirs.set(k, dir);
  }
  return dir;
}

// kernel: debugfs_add_domain_dir() — debugfs_create_file(d->name, ...) in domains/.
export function debugfsAddDomainDir(k: Kernel, d: IrqDomain): void {
  const name = d.name;
  if (!name) return;
  const dir = domainDirOf(k);
  // lookup_one_len() refuses a '/' in a name: debugfs_create_file() fails quietly.
  if (name.includes('/')) return;
  if (name === 'default' || dir.files.has(name)) {
    k.sim.log.printk('err', `debugfs: File '${name}' in directory 'domains' already present!`);
    return;
  }
  dir.files.set(name, d);
}

// kernel: debugfs_remove_domain_dir() — debugfs_lookup_and_remove(d->name): by name, whoever owns it.
export function debugfsRemoveDomainDir(k: Kernel, d: IrqDomain): void {
  const dir = domainDirOf(k);
  if (d.name !== 'default') dir.files.delete(d.name);
}

/** The domains directory: recorded by the hooks above, else derived from the published domains. */
function domainFiles(k: Kernel): Map<string, IrqDomain> {
  const dir = domainDirs.get(k);
  if (dir) return dir.files;
  const files = new Map<string, IrqDomain>();
  for (const d of k.irqDomains) {
    if (d.removed || !d.name || d.name.includes('/') || d.name === 'default') continue;
    if (!files.has(d.name)) files.set(d.name, d);
  }
  return files;
}

/** `ls /sys/kernel/debug/irq/domains`: the domain files and "default", in ls order. */
export function listDebugfsDomains(k: Kernel): string[] {
  return lsSort([...domainFiles(k).keys(), 'default']);
}

/** cat /sys/kernel/debug/irq/domains/<file>; null = no such file. */
export function renderDebugfsDomainFile(k: Kernel, file: string): string | null {
  if (file === 'default') return renderDebugfsDomain(k, null);
  const d = domainFiles(k).get(file);
  return d ? renderDebugfsDomain(k, d) : null;
}
