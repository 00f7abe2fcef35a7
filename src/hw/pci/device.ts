// SPDX-License-Identifier: GPL-2.0-only
/**
 * A PCI function as hardware: its 4 KiB configuration space (little-endian as PCI
 * defines it), the MSI capability (ID 0x05) and the MSI-X capability (ID 0x11) with
 * its table and Pending Bit Array living in a BAR. Semantics follow the PCI Local
 * Bus / PCIe base specification MSI and MSI-X chapters (offsets as in
 * include/uapi/linux/pci_regs.h).
 *
 * The platform (the s390 machine's zPCI function model, or the generic test MSI
 * controller) sets `msiWrite`: the DWORD memory write a function performs to signal
 * a message. `signal(vector)` is the device raising vector i; it allocates nothing.
 */

/**
 * The DWORD memory write of an MSI/MSI-X message, as the platform receives it: unsigned 32-bit
 * values, unless the hook is marked `int32Args` (then the same bit patterns as int32, which the
 * engine passes without a heap number for values >= 2^31; such a hook normalises with `>>> 0`).
 */
export type MsiWriteHook = ((addrHi: number, addrLo: number, data: number, fn: PciFunctionHw) => void) & {
  readonly int32Args?: boolean;
};

// Configuration header offsets (pci_regs.h).
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_COMMAND_MEMORY = 0x0002;
export const PCI_COMMAND_MASTER = 0x0004;
export const PCI_COMMAND_INTX_DISABLE = 0x0400;
export const PCI_STATUS = 0x06;
export const PCI_STATUS_CAP_LIST = 0x0010;
export const PCI_CLASS_REVISION = 0x08;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_MSIX = 0x11;

// MSI capability (offsets from the capability start).
export const PCI_MSI_FLAGS = 0x02;
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
export const PCI_MSI_FLAGS_QMASK = 0x000e;
export const PCI_MSI_FLAGS_QSIZE = 0x0070;
export const PCI_MSI_FLAGS_64BIT = 0x0080;
export const PCI_MSI_FLAGS_MASKBIT = 0x0100;
export const PCI_MSI_ADDRESS_LO = 0x04;
export const PCI_MSI_ADDRESS_HI = 0x08;
export const PCI_MSI_DATA_32 = 0x08;
export const PCI_MSI_MASK_32 = 0x0c;
export const PCI_MSI_PENDING_32 = 0x10;
export const PCI_MSI_DATA_64 = 0x0c;
export const PCI_MSI_MASK_64 = 0x10;
export const PCI_MSI_PENDING_64 = 0x14;

// MSI-X capability.
export const PCI_MSIX_FLAGS = 0x02;
export const PCI_MSIX_FLAGS_QSIZE = 0x07ff;
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;
export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
export const PCI_MSIX_TABLE = 0x04;
export const PCI_MSIX_TABLE_BIR = 0x00000007;
export const PCI_MSIX_TABLE_OFFSET = 0xfffffff8;
export const PCI_MSIX_PBA = 0x08;
export const PCI_MSIX_PBA_BIR = 0x00000007;
export const PCI_MSIX_PBA_OFFSET = 0xfffffff8;
export const PCI_MSIX_ENTRY_SIZE = 16;
export const PCI_MSIX_ENTRY_LOWER_ADDR = 0x0;
export const PCI_MSIX_ENTRY_UPPER_ADDR = 0x4;
export const PCI_MSIX_ENTRY_DATA = 0x8;
export const PCI_MSIX_ENTRY_VECTOR_CTRL = 0xc;
export const PCI_MSIX_ENTRY_CTRL_MASKBIT = 0x00000001;

export const PCI_CFG_SPACE_EXP_SIZE = 4096;

export interface PciMsiCapConfig {
  /** Multiple Message Capable: log2 of the vectors the function can use (0..5). */
  mmc: number;
  /** 64-bit address capable. */
  is64: boolean;
  /** Per-vector masking capable. */
  perVectorMask: boolean;
  /** Config offset of the capability (default 0x50). */
  offset?: number;
}

export interface PciMsixCapConfig {
  /** Number of table entries (1..2048). */
  tableSize: number;
  /** BAR holding the table (default 0). */
  tableBir?: number;
  /** Offset of the table in that BAR (8-byte aligned, default 0). */
  tableOffset?: number;
  /** BAR holding the PBA (default = tableBir). */
  pbaBir?: number;
  /** Offset of the PBA (default: right after the table, rounded up to 8). */
  pbaOffset?: number;
  /** Config offset of the capability (default 0x70). */
  offset?: number;
}

export interface PciFunctionConfig {
  vendorId: number;
  deviceId: number;
  /** 24-bit class code (default 0x020000, Ethernet). */
  classCode?: number;
  revision?: number;
  /** Interrupt Pin register (0 = no INTx, 1 = INTA#). Default 1. */
  interruptPin?: number;
  msi?: PciMsiCapConfig | null;
  msix?: PciMsixCapConfig | null;
}

/** Counters of what the function did with its signals. */
export interface PciMsiCounters {
  /** Messages written to the platform (including those sent on unmask). */
  sent: number;
  /** Signals discarded: MSI/MSI-X disabled, or a vector the function may not use. */
  dropped: number;
  /** Signals that set a pending bit because the vector was masked. */
  pendingSet: number;
  /** Pending messages sent when their mask was cleared (also counted in `sent`). */
  deliveredOnUnmask: number;
}

function rd16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

/** Host byte order is little-endian (PCI's): the MSI-X table's DWORDs can be read through a Uint32Array view. */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function rd32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function wr16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

function wr32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/**
 * One PCI function. Software (the kernel model, or the s390 firmware on its behalf)
 * uses the config accessors and the BAR memory accessors; the device side calls
 * `signal()`.
 */
export class PciFunctionHw {
  /** Configuration space, little-endian. */
  readonly config = new Uint8Array(PCI_CFG_SPACE_EXP_SIZE);
  /** Per-byte write mask of the configuration space (1 bits are software-writable). */
  readonly wmask = new Uint8Array(PCI_CFG_SPACE_EXP_SIZE);
  /** Config offset of the MSI capability, 0 if none. */
  readonly msiCap: number;
  /** Config offset of the MSI-X capability, 0 if none. */
  readonly msixCap: number;
  readonly msiMmc: number;
  readonly msiIs64: boolean;
  readonly msiMaskable: boolean;
  /** MSI-X table: `tableSize` entries of 16 bytes, little-endian. */
  readonly msixTable: Uint8Array;
  /** The same table as DWORDs (host order; read only when HOST_LE). */
  private readonly msixTable32: Uint32Array;
  /** MSI-X Pending Bit Array: one bit per entry, in 64-bit QWORDs. */
  readonly msixPba: Uint8Array;
  readonly msixTableSize: number;
  readonly msixTableBir: number;
  readonly msixTableOffset: number;
  readonly msixPbaBir: number;
  readonly msixPbaOffset: number;
  /** Set by the platform: where message writes go. Null: writes go nowhere (counted as sent). */
  msiWrite: MsiWriteHook | null = null;
  readonly counters: PciMsiCounters = { sent: 0, dropped: 0, pendingSet: 0, deliveredOnUnmask: 0 };
  /** Platform back pointer (e.g. the zPCI function), free for the platform to use. */
  platform: unknown = null;
  /** Function-level resets performed. */
  resets = 0;
  /** The vector of the message being written now (set before each msiWrite; for the sanitizer). -1 = none yet. */
  lastVector = -1;

  constructor(cfg: PciFunctionConfig) {
    const c = this.config;
    wr16(c, PCI_VENDOR_ID, cfg.vendorId);
    wr16(c, PCI_DEVICE_ID, cfg.deviceId);
    const cls = cfg.classCode ?? 0x020000;
    wr32(c, PCI_CLASS_REVISION, ((cls << 8) | ((cfg.revision ?? 0) & 0xff)) >>> 0);
    c[PCI_HEADER_TYPE] = 0;
    c[PCI_INTERRUPT_PIN] = cfg.interruptPin ?? 1;
    // Command register: I/O, memory, bus master, ..., INTx disable are writable.
    wr16(this.wmask, PCI_COMMAND, 0x0547);
    let next = 0;
    const caps: { off: number; id: number }[] = [];

    const msi = cfg.msi ?? null;
    this.msiCap = msi ? (msi.offset ?? 0x50) : 0;
    this.msiMmc = msi ? Math.max(0, Math.min(5, msi.mmc)) : 0;
    this.msiIs64 = msi?.is64 ?? false;
    this.msiMaskable = msi?.perVectorMask ?? false;
    if (msi) caps.push({ off: this.msiCap, id: PCI_CAP_ID_MSI });

    const msix = cfg.msix ?? null;
    this.msixCap = msix ? (msix.offset ?? 0x70) : 0;
    this.msixTableSize = msix ? Math.max(1, Math.min(2048, msix.tableSize)) : 0;
    this.msixTableBir = msix?.tableBir ?? 0;
    this.msixTableOffset = (msix?.tableOffset ?? 0) & ~7;
    this.msixPbaBir = msix?.pbaBir ?? this.msixTableBir;
    this.msixPbaOffset =
      msix?.pbaOffset !== undefined
        ? msix.pbaOffset & ~7
        : (this.msixTableOffset + this.msixTableSize * PCI_MSIX_ENTRY_SIZE + 7) & ~7;
    this.msixTable = new Uint8Array(this.msixTableSize * PCI_MSIX_ENTRY_SIZE);
    this.msixTable32 = new Uint32Array(this.msixTable.buffer, 0, this.msixTable.length >>> 2);
    this.msixPba = new Uint8Array(Math.ceil(this.msixTableSize / 64) * 8);
    if (msix) caps.push({ off: this.msixCap, id: PCI_CAP_ID_MSIX });

    caps.sort((a, b) => a.off - b.off);
    for (let i = caps.length - 1; i >= 0; i--) {
      const cap = caps[i]!;
      c[cap.off] = cap.id;
      c[cap.off + 1] = next;
      next = cap.off;
    }
    if (next !== 0) {
      c[PCI_CAPABILITY_LIST] = next;
      wr16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
    }

    if (msi) {
      const p = this.msiCap;
      let ctrl = this.msiMmc << 1;
      if (this.msiIs64) ctrl |= PCI_MSI_FLAGS_64BIT;
      if (this.msiMaskable) ctrl |= PCI_MSI_FLAGS_MASKBIT;
      wr16(c, p + PCI_MSI_FLAGS, ctrl);
      wr16(this.wmask, p + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
      wr32(this.wmask, p + PCI_MSI_ADDRESS_LO, 0xfffffffc);
      if (this.msiIs64) wr32(this.wmask, p + PCI_MSI_ADDRESS_HI, 0xffffffff);
      wr16(this.wmask, p + this.msiDataOff(), 0xffff);
      if (this.msiMaskable) wr32(this.wmask, p + this.msiMaskOff(), 0xffffffff);
    }
    if (msix) {
      const p = this.msixCap;
      wr16(c, p + PCI_MSIX_FLAGS, this.msixTableSize - 1);
      wr16(this.wmask, p + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
      wr32(c, p + PCI_MSIX_TABLE, (this.msixTableOffset | this.msixTableBir) >>> 0);
      wr32(c, p + PCI_MSIX_PBA, (this.msixPbaOffset | this.msixPbaBir) >>> 0);
    }
    this.resetMsiState();
  }

  /** Config offset (relative to the MSI capability) of Message Data. */
  msiDataOff(): number {
    return this.msiIs64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
  }

  /** Relative offset of the Mask Bits register. */
  msiMaskOff(): number {
    return this.msiIs64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
  }

  /** Relative offset of the Pending Bits register. */
  msiPendingOff(): number {
    return this.msiIs64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32;
  }

  // ---- configuration space -------------------------------------------------------

  configRead8(off: number): number {
    return this.config[off & 0xfff]!;
  }

  configRead16(off: number): number {
    return rd16(this.config, off & 0xffe);
  }

  configRead32(off: number): number {
    return rd32(this.config, off & 0xffc);
  }

  configWrite8(off: number, v: number): void {
    this.configWrite(off & 0xfff, 1, v);
  }

  configWrite16(off: number, v: number): void {
    this.configWrite(off & 0xffe, 2, v);
  }

  configWrite32(off: number, v: number): void {
    this.configWrite(off & 0xffc, 4, v);
  }

  private configWrite(off: number, len: number, v: number): void {
    const c = this.config;
    const w = this.wmask;
    const msiMaskOld = this.msiCap && this.msiMaskable ? rd32(c, this.msiCap + this.msiMaskOff()) : 0;
    const msixCtrlOld = this.msixCap ? rd16(c, this.msixCap + PCI_MSIX_FLAGS) : 0;
    for (let i = 0; i < len; i++) {
      const a = off + i;
      const b = (v >>> (8 * i)) & 0xff;
      c[a] = (c[a]! & ~w[a]!) | (b & w[a]!);
    }
    if (this.msiCap && this.msiMaskable) {
      const now = rd32(c, this.msiCap + this.msiMaskOff());
      if ((msiMaskOld & ~now) !== 0) this.msiDeliverPending();
    }
    if (this.msixCap) {
      const now = rd16(c, this.msixCap + PCI_MSIX_FLAGS);
      if (now !== msixCtrlOld) this.msixDeliverPending();
    }
  }

  /** Whether the Command register's Interrupt Disable bit is set. */
  get intxDisabled(): boolean {
    return (rd16(this.config, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) !== 0;
  }

  get msiEnabled(): boolean {
    return this.msiCap !== 0 && (rd16(this.config, this.msiCap + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE) !== 0;
  }

  get msixEnabled(): boolean {
    return (
      this.msixCap !== 0 && (rd16(this.config, this.msixCap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE) !== 0
    );
  }

  get msixFunctionMasked(): boolean {
    return (
      this.msixCap !== 0 && (rd16(this.config, this.msixCap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_MASKALL) !== 0
    );
  }

  /** Multiple Message Enable (log2 of the enabled MSI vectors). */
  get msiMme(): number {
    return this.msiCap ? (rd16(this.config, this.msiCap + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_QSIZE) >>> 4 : 0;
  }

  /** MSI Mask Bits register (0 if the capability cannot mask). */
  get msiMaskBits(): number {
    return this.msiCap && this.msiMaskable ? rd32(this.config, this.msiCap + this.msiMaskOff()) : 0;
  }

  /** MSI Pending Bits register. */
  get msiPendingBits(): number {
    return this.msiCap && this.msiMaskable ? rd32(this.config, this.msiCap + this.msiPendingOff()) : 0;
  }

  // ---- BAR memory (MSI-X table and PBA) -------------------------------------------

  /** 32-bit read from BAR `bar` at `off`; reads outside the table and PBA return 0xffffffff. */
  memRead32(bar: number, off: number): number {
    if (this.msixCap) {
      if (bar === this.msixTableBir) {
        const rel = off - this.msixTableOffset;
        if (rel >= 0 && rel + 4 <= this.msixTable.length) return rd32(this.msixTable, rel & ~3);
      }
      if (bar === this.msixPbaBir) {
        const rel = off - this.msixPbaOffset;
        if (rel >= 0 && rel + 4 <= this.msixPba.length) return rd32(this.msixPba, rel & ~3);
      }
    }
    return 0xffffffff;
  }

  /** 32-bit write to BAR `bar` at `off`; the PBA is read-only, other space ignores writes. */
  memWrite32(bar: number, off: number, v: number): void {
    if (!this.msixCap || bar !== this.msixTableBir) return;
    const rel = off - this.msixTableOffset;
    if (rel < 0 || rel + 4 > this.msixTable.length) return;
    const a = rel & ~3;
    const entry = a >>> 4;
    const field = a & 0xf;
    if (field === PCI_MSIX_ENTRY_VECTOR_CTRL) {
      const old = rd32(this.msixTable, a);
      wr32(this.msixTable, a, v >>> 0);
      if (old & PCI_MSIX_ENTRY_CTRL_MASKBIT && !(v & PCI_MSIX_ENTRY_CTRL_MASKBIT)) this.msixTryPending(entry);
      return;
    }
    wr32(this.msixTable, a, v >>> 0);
  }

  /** 64-bit write as two little-endian DWORDs (low DWORD at `off`). */
  memWrite64(bar: number, off: number, hi: number, lo: number): void {
    this.memWrite32(bar, off, lo);
    this.memWrite32(bar, off + 4, hi);
  }

  // ---- MSI-X table helpers (for tests and platform views) -------------------------

  msixEntryAddrLo(i: number): number {
    return rd32(this.msixTable, i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_LOWER_ADDR);
  }

  msixEntryAddrHi(i: number): number {
    return rd32(this.msixTable, i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_UPPER_ADDR);
  }

  msixEntryData(i: number): number {
    return rd32(this.msixTable, i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_DATA);
  }

  msixEntryCtrl(i: number): number {
    const off = i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL;
    return HOST_LE ? this.msixTable32[off >>> 2]! : rd32(this.msixTable, off);
  }

  msixPending(i: number): boolean {
    return (this.msixPba[i >>> 3]! & (1 << (i & 7))) !== 0;
  }

  // ---- the device raising an interrupt --------------------------------------------

  /**
   * The function signals MSI/MSI-X vector `vector`. Disabled or out-of-range: dropped.
   * Masked: the pending bit is set and the message goes out on unmask. Otherwise the
   * message is read from the table / capability and written through `msiWrite`.
   */
  signal(vector: number): void {
    // Message Control, read once (msixEnabled / msixFunctionMasked)
    const ctrl = this.msixCap !== 0 ? rd16(this.config, this.msixCap + PCI_MSIX_FLAGS) : 0;
    if ((ctrl & PCI_MSIX_FLAGS_ENABLE) !== 0) {
      if (vector < 0 || vector >= this.msixTableSize) {
        this.counters.dropped++;
        return;
      }
      if ((ctrl & PCI_MSIX_FLAGS_MASKALL) !== 0 || this.msixEntryCtrl(vector) & PCI_MSIX_ENTRY_CTRL_MASKBIT) {
        if (!this.msixPending(vector)) this.msixPba[vector >>> 3]! |= 1 << (vector & 7);
        this.counters.pendingSet++;
        return;
      }
      this.msixSend(vector);
      return;
    }
    this.signalMsi(vector);
  }

  /** signal() when MSI-X is not enabled: MSI, or dropped (out of line: keeps signal() small). */
  private signalMsi(vector: number): void {
    if (this.msiEnabled) {
      if (vector < 0 || vector >= 1 << this.msiMme) {
        this.counters.dropped++;
        return;
      }
      const bit = 1 << vector;
      if (this.msiMaskable && (this.msiMaskBits & bit) !== 0) {
        const po = this.msiCap + this.msiPendingOff();
        wr32(this.config, po, (rd32(this.config, po) | bit) >>> 0);
        this.counters.pendingSet++;
        return;
      }
      this.msiSend(vector);
      return;
    }
    this.counters.dropped++;
  }

  private msixSend(vector: number): void {
    const base = vector * PCI_MSIX_ENTRY_SIZE;
    let lo: number;
    let hi: number;
    let data: number;
    if (HOST_LE) {
      const t = this.msixTable32;
      lo = t[(base + PCI_MSIX_ENTRY_LOWER_ADDR) >>> 2]!;
      hi = t[(base + PCI_MSIX_ENTRY_UPPER_ADDR) >>> 2]!;
      data = t[(base + PCI_MSIX_ENTRY_DATA) >>> 2]!;
    } else {
      lo = rd32(this.msixTable, base + PCI_MSIX_ENTRY_LOWER_ADDR);
      hi = rd32(this.msixTable, base + PCI_MSIX_ENTRY_UPPER_ADDR);
      data = rd32(this.msixTable, base + PCI_MSIX_ENTRY_DATA);
    }
    this.counters.sent++;
    this.lastVector = vector;
    const w = this.msiWrite;
    if (w) {
      if (w.int32Args === true) w(hi | 0, lo | 0, data | 0, this);
      else this.msiWrite!(hi, lo, data, this);
    }
  }

  private msiSend(vector: number): void {
    const p = this.msiCap;
    const lo = rd32(this.config, p + PCI_MSI_ADDRESS_LO);
    const hi = this.msiIs64 ? rd32(this.config, p + PCI_MSI_ADDRESS_HI) : 0;
    const nbits = this.msiMme;
    const low = (1 << nbits) - 1;
    const data = ((rd16(this.config, p + this.msiDataOff()) & ~low) | vector) & 0xffff;
    this.counters.sent++;
    this.lastVector = vector;
    const w = this.msiWrite;
    if (w) {
      if (w.int32Args === true) w(hi | 0, lo | 0, data | 0, this);
      else this.msiWrite!(hi, lo, data, this);
    }
  }

  private msixTryPending(entry: number): void {
    if (!this.msixEnabled || this.msixFunctionMasked || !this.msixPending(entry)) return;
    if (this.msixEntryCtrl(entry) & PCI_MSIX_ENTRY_CTRL_MASKBIT) return;
    this.msixPba[entry >>> 3]! &= ~(1 << (entry & 7));
    this.counters.deliveredOnUnmask++;
    this.msixSend(entry);
  }

  private msixDeliverPending(): void {
    if (!this.msixEnabled || this.msixFunctionMasked) return;
    const pba = this.msixPba;
    for (let byte = 0; byte < pba.length; byte++) {
      if (pba[byte] === 0) continue;
      for (let b = 0; b < 8; b++) {
        const e = byte * 8 + b;
        if (e < this.msixTableSize) this.msixTryPending(e);
      }
    }
  }

  private msiDeliverPending(): void {
    if (!this.msiEnabled) return;
    const po = this.msiCap + this.msiPendingOff();
    const n = 1 << this.msiMme;
    for (let v = 0; v < n; v++) {
      const bit = 1 << v;
      const pend = rd32(this.config, po);
      if ((pend & bit) === 0 || (this.msiMaskBits & bit) !== 0) continue;
      wr32(this.config, po, (pend & ~bit) >>> 0);
      this.counters.deliveredOnUnmask++;
      this.msiSend(v);
    }
  }

  // ---- reset --------------------------------------------------------------------

  private resetMsiState(): void {
    const c = this.config;
    if (this.msiCap) {
      const p = this.msiCap;
      const ctrl = rd16(c, p + PCI_MSI_FLAGS) & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
      wr16(c, p + PCI_MSI_FLAGS, ctrl);
      wr32(c, p + PCI_MSI_ADDRESS_LO, 0);
      if (this.msiIs64) wr32(c, p + PCI_MSI_ADDRESS_HI, 0);
      wr16(c, p + this.msiDataOff(), 0);
      if (this.msiMaskable) {
        wr32(c, p + this.msiMaskOff(), 0);
        wr32(c, p + this.msiPendingOff(), 0);
      }
    }
    if (this.msixCap) {
      const p = this.msixCap;
      const ctrl = rd16(c, p + PCI_MSIX_FLAGS) & ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
      wr16(c, p + PCI_MSIX_FLAGS, ctrl);
      this.msixTable.fill(0);
      for (let i = 0; i < this.msixTableSize; i++) {
        wr32(
          this.msixTable,
          i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL,
          PCI_MSIX_ENTRY_CTRL_MASKBIT,
        );
      }
      this.msixPba.fill(0);
    }
  }

  /**
   * Function-level reset: Command register cleared, MSI and MSI-X disabled, MSI address/data/
   * mask/pending cleared, every MSI-X entry zeroed with its mask bit set, PBA cleared.
   * The counters are kept (they describe the function's history, not its state).
   */
  reset(): void {
    wr16(this.config, PCI_COMMAND, 0);
    this.resetMsiState();
    this.resets++;
  }
}
