// SPDX-License-Identifier: GPL-2.0-only
/**
 * The sanitizer: invariants checked during every run, stated about the machine and the
 * kernel only (it never knows which zPCI MSI backend runs). Findings go to
 * k.sim.findings; every message says what happened in kernel terms and the index of
 * the scheduler event it happened in.
 *
 * 1. Routing (lost-irq, spurious-irq, misrouted-irq). Every MSI write the firmware takes
 *    for delivery (not dropped by a machine rule: function not enabled, no registration,
 *    data beyond noi; and not a DMA into freed memory, which is its own finding) is owned
 *    by the IRQ the kernel's generic PCI/MSI state names for the sending vector at that
 *    moment: the pci_dev of the function, its msi_desc for the vector (MSI-X: msi_index =
 *    table entry; MSI: index 0, virq + vector). Per virq (typed arrays, preallocated):
 *    - writes that set a fresh indicator bit give one invocation credit (a write into a bit
 *      that is still set coalesces); a flow-handler invocation (handle_irq_desc) beyond the
 *      credits is spurious-irq;
 *    - directed registration: the message names a CPU (address bits 8..23, through the
 *      machine's CPU-address map); a message naming a CPU outside the IRQ's effective
 *      affinity, or no CPU at all, is misrouted-irq at write time; an invocation on another
 *      CPU than the one an outstanding directed write named is misrouted-irq;
 *    - a write with no owner (vector not allocated in the kernel) that some other IRQ's
 *      flow handler then runs for is misrouted-irq;
 *    - at quiescence (checkQuiescent) a live virq whose last write is later than its last
 *      invocation, or a registered function whose indicator bit (AIBV / DIBV range) is
 *      still set, is lost-irq. Per-virq state is reset when the descriptor at that number
 *      changes (freed / reallocated): writes owned by a torn-down IRQ are discarded.
 * 2. Memory: a delivery to a descriptor whose level-0 irq_data was reset (no chip) is
 *    use-after-free (freed descriptors Oops in the core); airq_iv use-after-free and
 *    out-of-bounds are reported by the airq library; firmware DMA into memory that is not
 *    allocated is dma-use-after-free (the machine's hook, routed here).
 * 3. Ownership (double-owner), at quiescence: two live irq_data with the same (domain,
 *    hwirq); a reverse-map entry that points to freed irq_data (use-after-free) or to an
 *    irq_data with another hwirq; registered functions sharing AIBV bits or a summary bit
 *    (floating) or DIBV offsets [dibvo, dibvo+noi) (directed).
 * 4. Leaks: snapshotBaseline() / checkLeaks(): descriptors, reverse-map entries, domains,
 *    irqchip fwnodes, machine interrupt registrations, live PhysMem regions, airq handler
 *    registrations, irq actions. High-water marks (nr_irqs, airq_iv end) and on-stack
 *    scratch regions ("(stack)") are not allocations.
 * 5. Oops: recordOops(e) makes sure a KernelOops (or a JS error thrown by model code: a
 *    NULL dereference) is a finding with its call chain.
 *
 * The delivery-path hooks (Machine.msiObserver, Kernel.irqEntryHook) allocate nothing
 * unless they report a finding.
 */

import { pciState } from '../drivers/pci/pci.ts';
import { airqList, MAX_ISC } from '../drivers/s390/cio/airq.ts';
import type { PciFunctionHw } from '../hw/pci/device.ts';
import type { Machine } from '../hw/s390x/machine.ts';
import { IRQ_REG_FMT0, IRQ_REG_FMT1, IRQ_REG_NONE, type ZpciFunction } from '../hw/s390x/zpci.ts';
import { cpumaskTestCpu } from '../include/linux/cpumask.ts';
import { hwirqHex } from '../include/linux/hwirq.ts';
import type { FwnodeHandle, IrqAction, IrqData, IrqDesc, IrqDomain } from '../include/linux/irq.ts';
import type { PciDev } from '../include/linux/pci.ts';
import { noIrqChip } from '../kernel/irq/dummychip.ts';
import { irqDomainLiveFwnodes } from '../kernel/irq/irqdomain.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { type Finding, type FindingKind, KernelOops, modelCallChain } from './findings.ts';

/** Directed write expectation values in lastCpu[]: floating (any CPU) / the message names no CPU. */
const CPU_ANY = -1;
/** FH index space (FH bits 0..15). */
const FN_SLOTS = 0x10000;

/** What snapshotBaseline() remembers. */
interface Baseline {
  descs: Set<IrqDesc>;
  revmap: Set<string>;
  domains: Set<IrqDomain>;
  fwnodes: Set<FwnodeHandle>;
  regs: Set<string>;
  regions: Set<number>;
  airqs: Set<unknown>;
  actions: Set<IrqAction>;
}

export interface SanitizerOptions {
  /** At quiescence, also report indicator bits left set in registered vectors (default true). */
  checkIndicators?: boolean;
}

export class Sanitizer {
  readonly k: Kernel;
  readonly m: Machine;
  private readonly checkIndicators: boolean;
  /** Sanitizer sequence: one per observed write or tracked invocation. */
  private seq = 0;
  /** MSI writes observed / taken for delivery (owned by an IRQ) / tracked flow-handler invocations. */
  observedWrites = 0;
  ownedWrites = 0;
  invocations = 0;
  private readonly cap: number;
  private readonly words: number;
  /** Per virq: invocation credits (fresh-bit writes) and invocations since the last reset. */
  private readonly credits: Uint32Array;
  private readonly invs: Uint32Array;
  private readonly writes: Uint32Array;
  private readonly lastWriteSeq: Float64Array;
  private readonly lastInvSeq: Float64Array;
  private readonly lastWriteEvent: Float64Array;
  private readonly lastWriteFid: Float64Array;
  private readonly lastWriteVector: Int32Array;
  private readonly lastWriteCpu: Int32Array;
  /** Per virq, CPUs named by directed writes not yet followed by an invocation there. */
  private readonly dirMask: Uint32Array;
  /** The descriptor the per-virq state belongs to. */
  private readonly owner: (IrqDesc | null | undefined)[];
  private maxVirq = -1;
  /** Per FH index: the function's drop + DMA-violation and coalesced counters at the last write. */
  private readonly fnExcluded: Float64Array;
  private readonly fnCoalesced: Float64Array;
  /** Accepted writes no IRQ owns, not yet claimed by a handler. */
  private ownerless = 0;
  private ownerlessFid = 0;
  private ownerlessVector = -1;
  private ownerlessData = 0;
  private ownerlessEvent = 0;
  private baseline: Baseline | null = null;
  /** Quiescence reports made (keys), so a condition that persists is reported once. */
  private readonly reported = new Set<string>();
  /** Last pci_dev found for a function's hardware (revalidated on use). */
  private cacheHw: PciFunctionHw | null = null;
  private cachePdev: PciDev | null = null;
  private readonly prevDma: Machine['onDmaViolation'];

  constructor(k: Kernel, m: Machine, opts: SanitizerOptions = {}) {
    this.k = k;
    this.m = m;
    this.checkIndicators = opts.checkIndicators ?? true;
    const cap = k.irqLimit;
    this.cap = cap;
    this.words = Math.max(1, Math.ceil(k.nrCpuIds / 32));
    // One zeroed buffer for all per-virq arrays (Float64 first for alignment): a large buffer
    // comes from fresh zero pages, and a run touches only the pages of the virqs it uses, so
    // a short run does not pay for zeroing NR_IRQS entries of ten separate arrays.
    const buf = new ArrayBuffer(cap * (4 * 8 + 5 * 4 + this.words * 4));
    let off = 0;
    const f64 = (): Float64Array => {
      const a = new Float64Array(buf, off, cap);
      off += cap * 8;
      return a;
    };
    const u32 = (n: number): Uint32Array => {
      const a = new Uint32Array(buf, off, n);
      off += n * 4;
      return a;
    };
    const i32 = (): Int32Array => {
      const a = new Int32Array(buf, off, cap);
      off += cap * 4;
      return a;
    };
    this.lastWriteSeq = f64();
    this.lastInvSeq = f64();
    this.lastWriteEvent = f64();
    this.lastWriteFid = f64();
    this.credits = u32(cap);
    this.invs = u32(cap);
    this.writes = u32(cap);
    this.lastWriteVector = i32();
    this.lastWriteCpu = i32();
    this.dirMask = u32(cap * this.words);
    // holes read as undefined, which every reader treats as "no owner" (`!== desc`, `?? null`)
    this.owner = new Array<IrqDesc | null>(cap);
    this.fnExcluded = new Float64Array(FN_SLOTS);
    this.fnCoalesced = new Float64Array(FN_SLOTS);
    for (const fn of m.functions) {
      this.fnExcluded[fn.index] = excludedCount(fn);
      this.fnCoalesced[fn.index] = fn.counters.coalesced;
    }
    this.prevDma = m.onDmaViolation;
  }

  /** Install the hooks (machine MSI observer, kernel irq entry hook, DMA violation route). */
  attach(): this {
    this.m.msiObserver = (fn, hi, lo, data, vector) => this.onMsiWrite(fn, hi, lo, data, vector);
    this.k.irqEntryHook = (_k, desc) => this.onIrqEntry(desc);
    this.m.onDmaViolation = (addr, len, what, fid) => this.onDma(addr, len, what, fid);
    return this;
  }

  /** Remove the hooks. */
  detach(): void {
    this.m.msiObserver = null;
    this.k.irqEntryHook = null;
    this.m.onDmaViolation = this.prevDma;
  }

  private get event(): number {
    return this.m.sched.eventsRun;
  }

  private add(kind: FindingKind, message: string, chain: readonly string[]): Finding {
    return this.k.sim.findings.add(kind, message, chain);
  }

  // ===== 1. routing: the write side =================================================

  /** Machine.msiObserver: one MSI write the firmware processed. Allocation-free unless reporting. */
  onMsiWrite(fn: ZpciFunction, _hi: number, lo: number, data: number, vector: number): void {
    const seq = ++this.seq;
    this.observedWrites++;
    const idx = fn.index;
    const excl = excludedCount(fn);
    const coal = fn.counters.coalesced;
    const coalesced = coal !== this.fnCoalesced[idx];
    this.fnCoalesced[idx] = coal;
    if (excl !== this.fnExcluded[idx]) {
      // dropped by a machine rule (disabled, no registration, data >= noi) or a DMA into
      // freed memory (reported as dma-use-after-free): no delivery expected
      this.fnExcluded[idx] = excl;
      return;
    }
    const directed = fn.irq.fmt === IRQ_REG_FMT1;
    let cpu = CPU_ANY;
    let address = 0;
    if (directed) {
      address = (lo >>> 8) & 0xffff;
      cpu = this.m.cpuOfAddress(address);
    }
    const virq = this.ownerVirq(fn.device, vector);
    const desc = virq > 0 && virq < this.cap ? this.k.irqDescs[virq] : undefined;
    if (desc === undefined) {
      this.ownerless++;
      this.ownerlessFid = fn.fid;
      this.ownerlessVector = vector;
      this.ownerlessData = data;
      this.ownerlessEvent = this.event;
      return;
    }
    if (this.owner[virq] !== desc) this.resetVirq(virq, desc);
    if (virq > this.maxVirq) this.maxVirq = virq;
    if (directed && cpu < 0) {
      this.add(
        'misrouted-irq',
        `MSI of fid 0x${fn.fid.toString(16)} vector ${vector} (${irqName(desc)}) names CPU address ` +
          `0x${address.toString(16)}, which no CPU has: the directed interrupt cannot reach its handler ` +
          `[event ${this.event}]`,
        ['sanitizer', 'msi_write'],
      );
      return;
    }
    this.writes[virq]!++;
    this.ownedWrites++;
    // A write into a bit that is still set coalesces with the write that set it, unless that
    // write's credit was already written off (reported lost, or its owner torn down): the bit
    // is still scanned once, and that scan runs this IRQ's handler for this write.
    if (!coalesced || this.credits[virq]! <= this.invs[virq]!) this.credits[virq]!++;
    this.lastWriteSeq[virq] = seq;
    this.lastWriteEvent[virq] = this.event;
    this.lastWriteFid[virq] = fn.fid;
    this.lastWriteVector[virq] = vector;
    this.lastWriteCpu[virq] = cpu;
    if (directed) {
      if (cpu < this.k.nrCpuIds) this.dirMask[virq * this.words + (cpu >>> 5)]! |= 1 << (cpu & 31);
      if (!cpumaskTestCpu(cpu, desc.irqCommonData.effectiveAffinity)) {
        this.add(
          'misrouted-irq',
          `MSI of fid 0x${fn.fid.toString(16)} vector ${vector} (${irqName(desc)}) names CPU ${cpu} ` +
            `(address 0x${address.toString(16)}), outside the IRQ's effective affinity [event ${this.event}]`,
          ['sanitizer', 'msi_write'],
        );
      }
    }
  }

  /**
   * The virq owning `vector` of the function with hardware `hw`, from the kernel's generic
   * PCI/MSI state (msi_domain_get_virq() without its locking), or -1.
   */
  private ownerVirq(hw: PciFunctionHw, vector: number): number {
    if (vector < 0) return -1;
    const pdev = this.pdevOf(hw);
    if (pdev === null) return -1;
    const md = pdev.dev.msiData;
    if (md === null) return -1;
    const dd = md.domains[0];
    if (dd === undefined) return -1;
    const msi = pdev.msiEnabled;
    const desc = dd.store.get(msi ? 0 : vector);
    if (desc === undefined || desc.freed || desc.irq <= 0) return -1;
    if (!msi) return desc.irq;
    return vector < desc.nvecUsed ? desc.irq + vector : -1;
  }

  /** The live pci_dev whose hardware is `hw` (root buses), or null. Allocation-free. */
  private pdevOf(hw: PciFunctionHw): PciDev | null {
    const c = this.cachePdev;
    if (this.cacheHw === hw && c !== null && !c.freed && c.hw === hw) return c;
    const buses = pciState(this.k).rootBuses;
    for (let b = 0; b < buses.length; b++) {
      const devs = buses[b]!.devices;
      for (let i = 0; i < devs.length; i++) {
        const p = devs[i]!;
        if (p.hw === hw && !p.freed) {
          this.cacheHw = hw;
          this.cachePdev = p;
          return p;
        }
      }
    }
    return null;
  }

  private resetVirq(virq: number, desc: IrqDesc | null): void {
    this.owner[virq] = desc;
    this.credits[virq] = 0;
    this.invs[virq] = 0;
    this.writes[virq] = 0;
    this.lastWriteSeq[virq] = 0;
    this.lastInvSeq[virq] = 0;
    this.lastWriteCpu[virq] = CPU_ANY;
    this.lastWriteVector[virq] = -1;
    this.dirMask.fill(0, virq * this.words, (virq + 1) * this.words);
  }

  // ===== 1 + 2. the delivery side ===================================================

  /** Kernel.irqEntryHook: a flow handler is about to run on k.currentCpu. */
  onIrqEntry(desc: IrqDesc): void {
    const virq = desc.irqData.irq;
    if (virq < 0 || virq >= this.cap) return;
    if (this.owner[virq] !== desc && desc.irqCommonData.msiDesc === null) return; // not an MSI IRQ
    const seq = ++this.seq;
    const cpu = this.k.currentCpu;
    if (desc.irqData.chip === noIrqChip) {
      this.add(
        'use-after-free',
        `delivery to IRQ ${virq} on CPU ${cpu} after its irq_data was torn down ` +
          `(no chip, domain ${desc.irqData.domain?.name ?? 'none'}) [event ${this.event}]`,
        modelCallChain(new Error().stack, 2),
      );
      return;
    }
    if (this.owner[virq] !== desc) this.resetVirq(virq, desc);
    if (virq > this.maxVirq) this.maxVirq = virq;
    this.invocations++;
    this.invs[virq]!++;
    if (this.invs[virq]! > this.credits[virq]!) {
      if (this.ownerless > 0) {
        this.ownerless--;
        this.invs[virq]!--;
        this.add(
          'misrouted-irq',
          `${irqName(desc)} flow handler ran on CPU ${cpu} for an MSI IRQ ${virq} does not own: ` +
            `fid 0x${this.ownerlessFid.toString(16)} vector ${this.ownerlessVector} data ${this.ownerlessData} ` +
            `(written at event ${this.ownerlessEvent}, no IRQ allocated for it) [event ${this.event}]`,
          modelCallChain(new Error().stack, 2),
        );
        return;
      }
      this.invs[virq] = this.credits[virq]!;
      this.add(
        'spurious-irq',
        `${irqName(desc)} flow handler ran on CPU ${cpu} with no MSI write outstanding ` +
          `(${this.writes[virq]} write(s) of fid 0x${this.lastWriteFid[virq]!.toString(16)} vector ` +
          `${this.lastWriteVector[virq]}, already handled) [event ${this.event}]`,
        modelCallChain(new Error().stack, 2),
      );
      return;
    }
    const base = virq * this.words;
    let pendingDirected = false;
    for (let w = 0; w < this.words; w++) if (this.dirMask[base + w] !== 0) pendingDirected = true;
    if (pendingDirected) {
      const bit = 1 << (cpu & 31);
      const wi = base + (cpu >>> 5);
      if ((this.dirMask[wi]! & bit) !== 0) {
        this.dirMask[wi]! &= ~bit;
      } else {
        const named = firstBit(this.dirMask, base, this.words);
        this.dirMask[base + (named >>> 5)]! &= ~(1 << (named & 31));
        this.add(
          'misrouted-irq',
          `${irqName(desc)} flow handler ran on CPU ${cpu}, but the directed MSI of fid ` +
            `0x${this.lastWriteFid[virq]!.toString(16)} vector ${this.lastWriteVector[virq]} named CPU ${named} ` +
            `[event ${this.event}]`,
          modelCallChain(new Error().stack, 2),
        );
      }
    }
    this.lastInvSeq[virq] = seq;
  }

  /** Machine.onDmaViolation, routed to a finding with the event index. */
  private onDma(addr: number, len: number, what: string, fid: number): void {
    const r = this.m.mem.regionContaining(addr);
    const where = r
      ? `${r.tag} (0x${r.addr.toString(16)}+${addr - r.addr}${r.freed ? ', freed' : ''})`
      : 'unallocated memory';
    const who = fid < 0 ? 'firmware' : `firmware (fid 0x${fid.toString(16)})`;
    this.add(
      'dma-use-after-free',
      `${who}: ${what}: ${len} byte(s) at 0x${addr.toString(16)} in ${where}, which is not allocated ` +
        `[event ${this.event}]`,
      ['machine', what],
    );
  }

  // ===== quiescence ===================================================================

  /**
   * Checks that hold when no event is pending: lost interrupts, ownership of hwirqs,
   * reverse maps and vector bits. Returns the number of findings added.
   */
  checkQuiescent(): number {
    const before = this.k.sim.findings.list.length;
    this.ownerless = 0; // nothing is in flight: unclaimed ownerless writes were dropped by the kernel
    const lostVirqs = new Set<number>();
    this.checkLost(lostVirqs);
    if (this.checkIndicators) this.checkIndicatorBits(lostVirqs);
    this.checkHwirqOwners();
    this.checkRevmaps();
    this.checkVectorOwners();
    return this.k.sim.findings.list.length - before;
  }

  private checkLost(lost: Set<number>): void {
    const descs = this.k.irqDescs;
    for (let v = 0; v <= this.maxVirq; v++) {
      if (this.lastWriteSeq[v]! <= this.lastInvSeq[v]!) continue;
      const desc = this.owner[v] ?? null;
      if (desc === null || descs[v] !== desc || desc.freed) {
        this.resetVirq(v, null); // the owner was torn down: its pending writes are discarded
        continue;
      }
      const cpu = this.lastWriteCpu[v]!;
      this.add(
        'lost-irq',
        `MSI of fid 0x${this.lastWriteFid[v]!.toString(16)} vector ${this.lastWriteVector[v]} ` +
          `(${irqName(desc)}${cpu >= 0 ? `, directed to CPU ${cpu}` : ''}) written at event ` +
          `${this.lastWriteEvent[v]} never reached the flow handler ` +
          `(${this.writes[v]} write(s), ${this.invs[v]} invocation(s)) [quiescent at event ${this.event}]`,
        ['sanitizer', 'checkQuiescent'],
      );
      lost.add(v);
      this.lastInvSeq[v] = this.lastWriteSeq[v]!;
      this.invs[v] = this.credits[v]!;
      this.dirMask.fill(0, v * this.words, (v + 1) * this.words);
    }
  }

  /** The virq whose msi_desc message carries `data` for function `fn` (kernel's cached msg), or -1. */
  private virqOfData(fn: ZpciFunction, data: number): number {
    const pdev = this.pdevOf(fn.device);
    const dd = pdev?.dev.msiData?.domains[0];
    if (!pdev || !dd) return -1;
    for (const desc of dd.store.values()) {
      if (desc.freed || desc.irq <= 0) continue;
      const n = pdev.msiEnabled ? desc.nvecUsed : 1;
      const base = desc.msg.data >>> 0;
      if (data >= base && data < base + n) return desc.irq + (data - base);
    }
    return -1;
  }

  private checkIndicatorBits(lost: Set<number>): void {
    for (const fn of this.m.functions) {
      const reg = fn.irq;
      if (reg.fmt === IRQ_REG_NONE) continue;
      if (reg.fmt === IRQ_REG_FMT0) {
        this.scanVector(fn, reg.aibv, reg.aibvo, reg.noi, -1, lost);
      } else if (reg.fmt === IRQ_REG_FMT1) {
        for (const c of this.m.cpus.list) {
          if (c.dibvAddr > 0) this.scanVector(fn, c.dibvAddr, reg.dibvo, reg.noi, c.cpu, lost);
        }
      }
    }
  }

  private scanVector(
    fn: ZpciFunction,
    base: number,
    off: number,
    noi: number,
    cpu: number,
    lost: Set<number>,
  ): void {
    const mem = this.m.mem;
    for (let n = 0; n < noi; n++) {
      const bit = off + n;
      const a = base + (bit >>> 3);
      if (a <= 0 || a >= mem.size || mem.shadow[a] !== 1) continue; // not allocated: DMA findings cover it
      if (!mem.testBit(base, bit)) continue;
      const key = `ind:${fn.fid}:${cpu}:${base}:${bit}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const virq = this.virqOfData(fn, n);
      if (virq > 0 && lost.has(virq)) continue;
      const vec = cpu < 0 ? `AIBV bit ${bit}` : `DIBV bit ${bit} of CPU ${cpu}`;
      const owner = virq > 0 ? `IRQ ${virq}` : 'no IRQ';
      this.add(
        'lost-irq',
        `fid 0x${fn.fid.toString(16)}: ${vec} (MSI data ${n}, ${owner}) is still set at quiescence: ` +
          `an accepted MSI was never handled [event ${this.event}]`,
        ['sanitizer', 'checkQuiescent'],
      );
      if (virq > 0) lost.add(virq);
    }
  }

  /** Two live irq_data with the same (domain, hwirq). */
  private checkHwirqOwners(): void {
    const seen = new Map<IrqDomain, Map<string, IrqData>>();
    for (const desc of this.k.irqDescs) {
      if (!desc || desc.freed) continue;
      for (let d: IrqData | null = desc.irqData; d; d = d.parentData) {
        const dom = d.domain;
        if (!dom || d.freed) continue;
        let m = seen.get(dom);
        if (!m) {
          m = new Map();
          seen.set(dom, m);
        }
        const hk = `${d.hwirqHi}:${d.hwirqLo}`;
        const other = m.get(hk);
        if (other && other !== d) {
          const key = `hw:${dom.name}:${hk}:${other.irq}:${d.irq}`;
          if (!this.reported.has(key)) {
            this.reported.add(key);
            this.add(
              'double-owner',
              `hwirq ${hwirqHex(d.hwirqHi, d.hwirqLo)} of domain ${dom.name} is owned by IRQ ${other.irq} and ` +
                `IRQ ${d.irq} [event ${this.event}]`,
              ['sanitizer', 'checkQuiescent'],
            );
          }
        } else {
          m.set(hk, d);
        }
      }
    }
  }

  /** Reverse-map entries must point to live irq_data of that domain and hwirq. */
  private checkRevmaps(): void {
    for (const dom of this.k.irqDomains) {
      if (dom.removed) continue;
      const check = (hi: number, lo: number, d: IrqData): void => {
        const key = `rev:${dom.name}:${hi}:${lo}:${d.irq}`;
        if (this.reported.has(key)) return;
        if (d.freed) {
          this.reported.add(key);
          this.add(
            'use-after-free',
            `reverse map of domain ${dom.name} maps hwirq ${hwirqHex(hi, lo)} to freed irq_data of IRQ ${d.irq} ` +
              `[event ${this.event}]`,
            ['sanitizer', 'checkQuiescent'],
          );
        } else if (d.domain !== dom || d.hwirqHi !== hi || d.hwirqLo !== lo) {
          this.reported.add(key);
          this.add(
            'double-owner',
            `reverse map of domain ${dom.name} maps hwirq ${hwirqHex(hi, lo)} to IRQ ${d.irq}, whose irq_data ` +
              `has hwirq ${hwirqHex(d.hwirqHi, d.hwirqLo)} in domain ${d.domain?.name ?? 'none'} [event ${this.event}]`,
            ['sanitizer', 'checkQuiescent'],
          );
        }
      };
      dom.revmap.forEach((d, i) => {
        if (d) check(0, i, d);
      });
      for (const [hi, inner] of dom.revmapTree) for (const [lo, d] of inner) check(hi, lo, d);
    }
  }

  /** Vector bits, summary bits and DIBV offsets of registered functions have one owner each. */
  private checkVectorOwners(): void {
    const regs = this.m.functions.filter((f) => f.irq.fmt !== IRQ_REG_NONE);
    for (let i = 0; i < regs.length; i++) {
      for (let j = i + 1; j < regs.length; j++) {
        const a = regs[i]!;
        const b = regs[j]!;
        const ra = a.irq;
        const rb = b.irq;
        const who = `fid 0x${a.fid.toString(16)} and fid 0x${b.fid.toString(16)}`;
        if (ra.fmt === IRQ_REG_FMT0 && rb.fmt === IRQ_REG_FMT0) {
          const sa = ra.aibv * 8 + ra.aibvo;
          const sb = rb.aibv * 8 + rb.aibvo;
          if (ra.noi > 0 && rb.noi > 0 && sa < sb + rb.noi && sb < sa + ra.noi) {
            this.doubleOwner(
              `aibv:${a.fid}:${b.fid}`,
              `${who} are both registered for AIBV bits: [0x${ra.aibv.toString(16)}+${ra.aibvo}, +${ra.noi}) ` +
                `overlaps [0x${rb.aibv.toString(16)}+${rb.aibvo}, +${rb.noi})`,
            );
          }
          if (ra.sum && rb.sum && ra.aisb * 8 + ra.aisbo === rb.aisb * 8 + rb.aisbo) {
            this.doubleOwner(
              `aisb:${a.fid}:${b.fid}`,
              `${who} share the summary bit 0x${ra.aisb.toString(16)}:${ra.aisbo}`,
            );
          }
        } else if (ra.fmt === IRQ_REG_FMT1 && rb.fmt === IRQ_REG_FMT1) {
          if (ra.noi > 0 && rb.noi > 0 && ra.dibvo < rb.dibvo + rb.noi && rb.dibvo < ra.dibvo + ra.noi) {
            this.doubleOwner(
              `dibv:${a.fid}:${b.fid}`,
              `${who} are both registered for DIBV bits: [${ra.dibvo}, ${ra.dibvo + ra.noi}) overlaps ` +
                `[${rb.dibvo}, ${rb.dibvo + rb.noi})`,
            );
          }
        }
      }
    }
  }

  private doubleOwner(key: string, text: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.add('double-owner', `${text} [event ${this.event}]`, ['sanitizer', 'checkQuiescent']);
  }

  // ===== 4. leaks =====================================================================

  private collect(): Baseline {
    const k = this.k;
    const b: Baseline = {
      descs: new Set(),
      revmap: new Set(),
      domains: new Set(),
      fwnodes: new Set(irqDomainLiveFwnodes(k)),
      regs: new Set(),
      regions: new Set(),
      airqs: new Set(),
      actions: new Set(),
    };
    for (const desc of k.irqDescs) {
      if (!desc || desc.freed) continue;
      b.descs.add(desc);
      for (let a = desc.action; a; a = a.next) b.actions.add(a);
    }
    for (const dom of k.irqDomains) {
      if (dom.removed) continue;
      b.domains.add(dom);
      dom.revmap.forEach((d, i) => {
        if (d) b.revmap.add(`${dom.name}\u0000${hwirqHex(0, i)}\u0000${d.irq}`);
      });
      for (const [hi, inner] of dom.revmapTree) {
        for (const [lo, d] of inner) b.revmap.add(`${dom.name}\u0000${hwirqHex(hi, lo)}\u0000${d.irq}`);
      }
    }
    for (const fn of this.m.functions) {
      if (fn.irq.fmt !== IRQ_REG_NONE)
        b.regs.add(`fid 0x${fn.fid.toString(16)} format-${fn.irq.fmt} interrupt registration`);
    }
    if (this.m.directed.enabled) b.regs.add('SIC directed-interruption (DISB) registration');
    for (const c of this.m.cpus.list) if (c.dibvAddr > 0) b.regs.add(`CPU ${c.cpu} DIBV registration`);
    for (const r of this.m.mem.liveRegions()) if (!r.tag.endsWith('(stack)')) b.regions.add(r.addr);
    for (let isc = 0; isc <= MAX_ISC; isc++) for (const a of airqList(k, isc)) b.airqs.add(a);
    return b;
  }

  /** Remember what exists now (after init): checkLeaks() reports what was added since. */
  snapshotBaseline(): void {
    this.baseline = this.collect();
  }

  /**
   * After every function is gone (and the subsystem shut down, if the scenario does that):
   * one `leak` finding per object that exists now and did not at the baseline. Returns the
   * number of findings added.
   */
  checkLeaks(): number {
    const base = this.baseline ?? {
      descs: new Set(),
      revmap: new Set(),
      domains: new Set(),
      fwnodes: new Set(),
      regs: new Set(),
      regions: new Set(),
      airqs: new Set(),
      actions: new Set(),
    };
    const now = this.collect();
    const before = this.k.sim.findings.list.length;
    const leak = (what: string): void => {
      this.add('leak', `${what} still allocated after teardown [event ${this.event}]`, [
        'sanitizer',
        'checkLeaks',
      ]);
    };
    for (const d of now.descs) {
      if (!base.descs.has(d)) {
        leak(
          `irq_desc of IRQ ${d.irqData.irq}${d.irqData.domain ? ` (domain ${d.irqData.domain.name})` : ''}`,
        );
      }
    }
    for (const a of now.actions) if (!base.actions.has(a)) leak(`irqaction "${a.name}" of IRQ ${a.irq}`);
    for (const r of now.revmap) {
      if (base.revmap.has(r)) continue;
      const [dom, hw, virq] = r.split('\u0000');
      leak(`reverse-map entry hwirq ${hw} -> IRQ ${virq} of domain ${dom}`);
    }
    for (const d of now.domains) if (!base.domains.has(d)) leak(`irq_domain ${d.name}`);
    for (const f of now.fwnodes) if (!base.fwnodes.has(f)) leak(`irqchip fwnode ${f.name}`);
    for (const r of now.regs) if (!base.regs.has(r)) leak(`machine ${r}`);
    for (const addr of now.regions) {
      if (base.regions.has(addr)) continue;
      const r = this.m.mem.region(addr);
      leak(`memory 0x${addr.toString(16)} (${r?.size ?? 0} bytes, ${r?.tag ?? '?'})`);
    }
    for (const a of now.airqs) {
      if (!base.airqs.has(a)) leak(`adapter interrupt handler on ISC ${(a as { isc: number }).isc}`);
    }
    return this.k.sim.findings.list.length - before;
  }

  // ===== 5. Oops ======================================================================

  /**
   * The runner caught `e` from modelled code: make sure it is a finding with its call chain.
   * A KernelOops already recorded is returned as is; a JS error (model code dereferenced
   * null/undefined) becomes an Oops finding.
   */
  recordOops(e: unknown): Finding {
    const list = this.k.sim.findings.list;
    if (e instanceof KernelOops) {
      if (!list.includes(e.finding)) list.push(e.finding);
      return e.finding;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    const chain = jsCallChain(err.stack);
    return this.add(
      'Oops',
      `Unable to handle kernel pointer dereference in virtual kernel address space: ${err.message} at ` +
        `${chain[0] ?? 'unknown'} on CPU ${this.k.currentCpu} [event ${this.event}]`,
      chain,
    );
  }
}

/**
 * Model function names of a JS error's stack, innermost first: like modelCallChain(), but
 * also keeps frames V8 prints as "fn [as member]" (handlers called through a struct field).
 */
function jsCallChain(stack: string | undefined): string[] {
  if (!stack) return [];
  const out: string[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:async )?([\w$.<>]+)(?: \[as [\w$]+\])? \(/.exec(line);
    if (!m?.[1]) continue;
    const name = m[1].replace(/^Object\./, '');
    if (name.startsWith('Runner') || name === 'processTicksAndRejections') break;
    out.push(name);
  }
  return out;
}

/** Writes of `fn` the machine dropped by rule, plus DMA violations (no delivery expected). */
function excludedCount(fn: ZpciFunction): number {
  const c = fn.counters;
  return c.dropDisabled + c.dropNotRegistered + c.dropOutOfRange + c.dmaViolations;
}

/** "IRQ 35 (hwirq 0x5, domain X)" for messages. */
function irqName(desc: IrqDesc): string {
  const d = desc.irqData;
  return d.domain
    ? `IRQ ${d.irq}, hwirq ${hwirqHex(d.hwirqHi, d.hwirqLo)}, domain ${d.domain.name}`
    : `IRQ ${d.irq}`;
}

function firstBit(mask: Uint32Array, base: number, words: number): number {
  for (let w = 0; w < words; w++) {
    const x = mask[base + w]!;
    if (x !== 0) return w * 32 + (31 - Math.clz32(x & -x));
  }
  return -1;
}

/** Create a sanitizer for kernel `k` on machine `m` and install its hooks. */
export function attachSanitizer(k: Kernel, m: Machine, opts: SanitizerOptions = {}): Sanitizer {
  return new Sanitizer(k, m, opts).attach();
}
