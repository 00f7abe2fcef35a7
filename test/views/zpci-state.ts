// SPDX-License-Identifier: GPL-2.0-only
/**
 * Hand-built kernel state reproducing the captured machines (test/fixtures/captures/PROVENANCE.md):
 * 2 CPUs, three zPCI virtio functions with MSI-X (rng: 2 vectors, blk: 3, net: 3), virqs 3..10.
 * `domains: true` is Linux 7.2 (per-bus ZPCI_MSI_DOM_<uid> parents, per-device
 * PCI-MSIX-<bdf>-11 domains); `domains: false` is the legacy 6.1 setup (chip PCI-MSI, no domain).
 * Only the fields the views read are meaningful; the rest is filled with neutral values.
 */
import { cpumaskCreate } from '../../src/include/linux/cpumask.ts';
import type { Device } from '../../src/include/linux/device.ts';
import type {
  IrqAction,
  IrqChip,
  IrqCommonData,
  IrqData,
  IrqDesc,
  IrqDomain,
  IrqDomainOps,
} from '../../src/include/linux/irq.ts';
import type { MsiDesc } from '../../src/include/linux/msi.ts';
import { msiDomainDebugShow } from '../../src/kernel/irq/debugfs.ts';
import { msiDescStoreNew } from '../../src/kernel/irq/msi.ts';
import { Kernel } from '../../src/kernel/kernel.ts';
import { Sim } from '../../src/sim/sim.ts';

/** A flow handler: debugfs prints its kernel symbol, handle_percpu_irq. */
export function handlePercpuIrq(): void {}

export const dummyChip: IrqChip = { name: 'dummy', flags: 0x10 /* IRQCHIP_SKIP_SET_WAKE */ };
/** zpci_irq_chip (legacy) / the zPCI parent-domain chip */
export const zpciIrqChip: IrqChip = { name: 'PCI-MSI', flags: 0 };

export interface Fn {
  uid: number;
  bdf: string;
  actions: string[];
  firstVirq: number;
  dev: Device;
  parent: IrqDomain | null;
  domain: IrqDomain | null;
}

export interface ZpciState {
  k: Kernel;
  fns: Fn[];
}

const IRQD_ACTIVATED = 1 << 9;
const IRQD_AFFINITY_SET = 1 << 12;
const IRQD_AFFINITY_MANAGED = 1 << 21;
const IRQD_IRQ_STARTED = 1 << 22;
const IRQS_SYSFS = 0x4000;
/** status 0x00400000 as the 7.2 capture shows for every descriptor (bit 22, no debugfs name). */
const K72_STATUS = 0x00400000;

function newDomain(name: string, flags: number, parent: IrqDomain | null, ops: IrqDomainOps): IrqDomain {
  return {
    name,
    ops,
    hostData: null,
    flags,
    mapcount: 0,
    fwnode: null,
    busToken: 0,
    hwirqMax: 0,
    revmapSize: 0,
    revmap: [],
    revmapTree: new Map(),
    parent,
    dev: null,
    msiParentOps: null,
    removed: false,
  };
}

function newData(
  irq: number,
  hwirq: number,
  chip: IrqChip,
  domain: IrqDomain | null,
  common: IrqCommonData,
): IrqData {
  return {
    mask: 0,
    irq,
    hwirqHi: 0,
    hwirqLo: hwirq,
    common,
    chip,
    domain,
    parentData: null,
    chipData: null,
    freed: false,
  };
}

function newAction(irq: number, name: string, dir: boolean): IrqAction & { dir: boolean } {
  return { handler: () => 1, devId: null, flags: 0, name, irq, next: null, dir };
}

export function newDesc(
  k: Kernel,
  irq: number,
  chip: IrqChip,
  opts: { status: number; dstate: number; affinity: number[]; action: string | null; actionDir: boolean },
): IrqDesc {
  const common: IrqCommonData = {
    stateUseAccessors: opts.dstate,
    handlerData: null,
    msiDesc: null,
    affinity: cpumaskCreate(...opts.affinity),
    effectiveAffinity: cpumaskCreate(...opts.affinity),
  };
  const desc: IrqDesc = {
    irqCommonData: common,
    irqData: newData(irq, 0, chip, null, common),
    kstatSlab: new Uint32Array(k.nrCpuIds),
    kstatOff: 0,
    get kstatIrqs(): Uint32Array {
      return this.kstatSlab;
    },
    handleIrq: handlePercpuIrq,
    name: null,
    action: opts.action === null ? null : newAction(irq, opts.action, opts.actionDir),
    statusUseAccessors: opts.status,
    istate: IRQS_SYSFS,
    depth: 0,
    wakeDepth: 0,
    totCount: 0,
    irqCount: 0,
    lastUnhandled: 0,
    irqsUnhandled: 0,
    procDir: true,
    devName: null,
    freed: false,
  };
  k.irqDescs[irq] = desc;
  return desc;
}

const FUNCTIONS: { uid: number; actions: string[] }[] = [
  { uid: 1, actions: ['virtio0-config', 'virtio0-input'] },
  { uid: 2, actions: ['virtio1-config', 'virtio1-req.0', 'virtio1-req.1'] },
  { uid: 3, actions: ['virtio2-config', 'virtio2-input.0', 'virtio2-output.0'] },
];

/** The device-domain ops: an MSI domain (debug_show = msi_domain_debug_show). */
const msiDomainOps: IrqDomainOps = { alloc: () => 0, free: () => {}, debugShow: msiDomainDebugShow };
/** The zPCI parent domain ops (the patch: alloc and free only). */
const zpciDomainOps: IrqDomainOps = { alloc: () => 0, free: () => {} };

/** Allocate the MSI-X vectors of one function (as probe does), creating its device domain. */
export function probeFunction(st: ZpciState, fn: Fn, withDomains: boolean): void {
  const k = st.k;
  const descs = msiDescStoreNew();
  if (withDomains) {
    fn.domain = newDomain(`PCI-MSIX-${fn.bdf}-11`, 0x213, fn.parent, msiDomainOps);
    fn.domain.dev = fn.dev;
    k.irqDomains.push(fn.domain);
  }
  fn.actions.forEach((action, i) => {
    const virq = fn.firstVirq + i;
    // virtio-blk (uid 2) spreads its request queues with managed affinity: req.0 -> CPU1, req.1 -> CPU0.
    let dstate = IRQD_ACTIVATED | IRQD_IRQ_STARTED;
    let affinity = [0, 1];
    if (fn.uid === 2 && withDomains) {
      dstate |= IRQD_AFFINITY_SET;
      if (i > 0) {
        dstate |= IRQD_AFFINITY_MANAGED;
        affinity = i === 1 ? [1] : [0];
      }
    }
    const chip: IrqChip = withDomains ? { name: `PCI-MSIX-${fn.bdf}`, flags: 0x20 } : zpciIrqChip;
    const desc = newDesc(k, virq, chip, {
      status: withDomains ? K72_STATUS : 0,
      dstate,
      affinity,
      action: action,
      actionDir: true,
    });
    if (withDomains && fn.domain && fn.parent) {
      desc.devName = fn.bdf;
      desc.irqData.domain = fn.domain;
      desc.irqData.hwirqLo = i;
      desc.irqData.parentData = newData(virq, i, zpciIrqChip, fn.parent, desc.irqCommonData);
      fn.domain.mapcount++;
      fn.parent.mapcount++;
    }
    const msiDesc: MsiDesc = {
      irq: virq,
      nvecUsed: 1,
      dev: fn.dev,
      msg: { addressHi: 0xfe000000, addressLo: 0, data: i },
      affinity: null,
      msiIndex: i,
      pciMsi: {
        msiMask: 0,
        isMsix: true,
        multiple: 0,
        multiCap: 0,
        canMask: true,
        is64: true,
        isVirtual: false,
        defaultIrq: 0,
        maskPos: 0,
        entryIndex: i,
      },
      freed: false,
    };
    desc.irqCommonData.msiDesc = msiDesc;
    descs.set(i, msiDesc);
  });
  fn.dev.msiData = {
    descs,
    domains: [{ domain: fn.domain, store: descs }],
    iterIdx: 0,
  };
  k.nrIrqs = Math.max(k.nrIrqs, fn.firstVirq + fn.actions.length);
}

/** Remove a function (echo 1 > remove): free its virqs and its device domain. */
export function removeFunction(st: ZpciState, fn: Fn): void {
  const k = st.k;
  fn.actions.forEach((_a, i) => {
    const desc = k.irqDescs[fn.firstVirq + i];
    if (desc) desc.freed = true;
    k.irqDescs[fn.firstVirq + i] = undefined;
    if (fn.domain) fn.domain.mapcount--;
    if (fn.parent) fn.parent.mapcount--;
  });
  if (fn.domain) {
    fn.domain.removed = true;
    k.irqDomains.splice(k.irqDomains.indexOf(fn.domain), 1);
    fn.domain = null;
  }
  fn.dev.msiData = null;
}

/** The captured machine after boot: EXT/I/O/AIO on irq 0..2, the three functions probed. */
export function buildZpci(withDomains: boolean): ZpciState {
  const k = new Kernel(new Sim(1), { nrCpuIds: 2 });
  ['EXT', 'I/O', 'AIO'].forEach((name, irq) => {
    // requested before init_irq_proc(): no /proc/irq/<n>/<name>/ directory
    newDesc(k, irq, dummyChip, {
      status: withDomains ? K72_STATUS : 0,
      dstate: IRQD_ACTIVATED | IRQD_IRQ_STARTED,
      affinity: [0, 1],
      action: name,
      actionDir: false,
    });
  });
  k.nrIrqs = 3;
  const st: ZpciState = { k, fns: [] };
  let virq = 3;
  for (const f of FUNCTIONS) {
    const bdf = `000${f.uid}:00:00.0`;
    const dev: Device = { name: bdf, parent: null, msiDomain: null, msiData: null, owner: null };
    let parent: IrqDomain | null = null;
    if (withDomains) {
      parent = newDomain(`ZPCI_MSI_DOM_000${f.uid}`, 0x103, null, zpciDomainOps);
      k.irqDomains.push(parent);
    }
    st.fns.push({ uid: f.uid, bdf, actions: f.actions, firstVirq: virq, dev, parent, domain: null });
    virq += f.actions.length;
  }
  for (const fn of st.fns) probeFunction(st, fn, withDomains);
  return st;
}

/** Set per-CPU counts: { irq: [cpu0, cpu1] } */
export function setCounts(k: Kernel, counts: Record<number, [number, number]>): void {
  for (const [irq, c] of Object.entries(counts)) {
    const desc = k.irqDescs[Number(irq)];
    if (!desc) throw new Error(`no desc ${irq}`);
    desc.kstatIrqs[0] = c[0];
    desc.kstatIrqs[1] = c[1];
  }
}

/** Parse busybox `ls` multi-column output back into names (column-major order). */
export function lsColumns(lines: string[]): string[] {
  const rows = lines.map((l) => l.trim().split(/\s+/).filter(Boolean));
  const cols = Math.max(...rows.map((r) => r.length));
  const out: string[] = [];
  for (let c = 0; c < cols; c++) for (const r of rows) if (r[c] !== undefined) out.push(r[c]!);
  return out;
}
