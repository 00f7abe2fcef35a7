// SPDX-License-Identifier: GPL-2.0-only
/**
 * The CPUs as the machine sees them: the logical CPU number (Linux's dense index,
 * which the machine only uses as a position in its own table, the way SCLP "read
 * CPU info" lists CPUs) and the 16-bit CPU address that SIGP, STAP and directed
 * MSI addresses carry; the operating/stopped state; the PSW interruption masks;
 * control register 6 (the I/O interruption subclass mask); the lowcore slot where
 * the interruption code of an I/O interruption is stored (tpi_info at 0xb8); the
 * per-CPU directed-interruption state set by SIC D_SINGLE / D_ALL / SET_CPU; and the
 * pending external calls (SIGP external call / emergency signal = IPIs).
 */

/** qemu: include/hw/s390x/ioinst.h / Linux asm/tpi.h: struct tpi_info (lowcore 0xb8..0xc3). */
export class TpiInfo {
  /** Word 0: subchannel id (0 for adapter interruptions). */
  schid = 0;
  /** Word 1: interruption parameter (0 for adapter interruptions). */
  intparm = 0;
  /** Word 2, MSB-0 bit 0. */
  adapterIO = false;
  /** Word 2, MSB-0 bit 1. */
  directed = false;
  /** Word 2, MSB-0 bits 2..4. */
  isc = 0;
  /** Word 2 as a u32: 0x80000000 | directed << 30 | isc << 27. */
  word2 = 0;

  /** Store an adapter interruption code (allocation-free). */
  setAdapter(isc: number, directed: boolean): void {
    this.schid = 0;
    this.intparm = 0;
    this.adapterIO = true;
    this.directed = directed;
    this.isc = isc;
    this.word2 = (0x80000000 | (directed ? 0x40000000 : 0) | ((isc & 7) << 27)) >>> 0;
  }
}

/** Directed-interruption state of one CPU (SIC D_SINGLE / D_ALL; notes 2.8 [I]). */
export const DIRQ_OFF = 0; // never armed on this CPU
export const DIRQ_SINGLE_ARMED = 1; // D_SINGLE: the next directed interruption is presented
export const DIRQ_SINGLE_FIRED = 2; // one was made pending; suppressed until D_SINGLE
export const DIRQ_ALL = 3; // D_ALL: no suppression

export const EXT_CODE_EMERGENCY_SIGNAL = 0x1201;
export const EXT_CODE_EXTERNAL_CALL = 0x1202;
export const SIGP_EXTERNAL_CALL = 0x02;
export const SIGP_EMERGENCY_SIGNAL = 0x03;

/** Depth of each CPU's ring of pending external calls. */
export const EXT_QUEUE = 64;

export class CpuState {
  /** Logical CPU number (the machine's table index). */
  readonly cpu: number;
  /** CPU address (16 bits). */
  readonly address: number;
  /** Operating (online) vs stopped. A stopped CPU takes no interruption. */
  operating: boolean;
  /** PSW I/O and external masks (s390 local_irq_disable clears both). */
  irqsEnabled = true;
  /** Control register 6 (low word): ISC n enabled when bit 0x80000000 >>> n is set. */
  cr6 = 0;
  /** Nesting of interruption handlers running on this CPU (0 = not in one). */
  inInterrupt = 0;
  /** The lowcore tpi_info slot (preallocated; rewritten on every I/O interruption). */
  readonly lowcoreTpi = new TpiInfo();

  // directed interruptions
  dirqState = DIRQ_OFF;
  /** DIBV address registered by SIC SET_CPU on this CPU (0 = none). */
  dibvAddr = 0;
  /** Directed interruptions pending for this CPU. */
  directedPending = 0;

  // external calls (IPIs): ring of (code, param)
  readonly extCode = new Int32Array(EXT_QUEUE);
  readonly extParam = new Int32Array(EXT_QUEUE);
  extHead = 0;
  extCount = 0;

  // counters (machine side)
  ioInterruptions = 0;
  directedInterruptions = 0;
  extInterruptions = 0;

  constructor(cpu: number, address: number, operating: boolean) {
    this.cpu = cpu;
    this.address = address;
    this.operating = operating;
  }

  iscEnabled(isc: number): boolean {
    return (this.cr6 & (0x80000000 >>> isc)) !== 0;
  }

  /** Can this CPU take an interruption now (operating, masks on, not inside a handler)? */
  get canTakeInterruption(): boolean {
    return this.operating && this.irqsEnabled && this.inInterrupt === 0;
  }
}

/** Default CPU address of logical CPU n: non-identity on purpose (documented in docs/machine.md). */
export function defaultCpuAddress(cpu: number): number {
  return (2 * cpu + 0x10) & 0xffff;
}

/** The CPU table. */
export class Cpus {
  readonly list: CpuState[] = [];
  private readonly byAddr = new Map<number, number>();
  private lastAddr = -1;
  private lastCpu = -1;

  constructor(nrPossible: number, online: readonly number[], addresses: readonly number[] | undefined) {
    const on = new Set(online);
    for (let c = 0; c < nrPossible; c++) {
      const addr = addresses?.[c] ?? defaultCpuAddress(c);
      if (this.byAddr.has(addr)) throw new Error(`duplicate CPU address 0x${addr.toString(16)}`);
      this.byAddr.set(addr, c);
      this.list.push(new CpuState(c, addr, on.has(c)));
    }
  }

  get nrPossible(): number {
    return this.list.length;
  }

  get(cpu: number): CpuState | undefined {
    return this.list[cpu];
  }

  /** Logical CPU of a CPU address, or -1 (allocation-free). */
  cpuOfAddress(address: number): number {
    // the map never changes after construction: a one-entry cache serves the per-MSI lookups
    if (address === this.lastAddr) return this.lastCpu;
    const cpu = this.byAddr.get(address) ?? -1;
    this.lastAddr = address;
    this.lastCpu = cpu;
    return cpu;
  }
}
