// SPDX-License-Identifier: GPL-2.0-only
/**
 * zPCI functions and function groups as the firmware keeps them: FID (stable),
 * FH (changes on every enable/disable; bit 31 = enabled), UID, PCHID, RID/devfn,
 * function group (MSI address and the number of interrupts allowed), the
 * configuration/enable state, the interrupt registration made by MPCIFC REG_INT
 * (format 0, floating) or REG_INT_D (format 1, directed), the DMA translation
 * registration, and per-function counters of what happened to its MSI writes.
 * Each function embeds the PCI function hardware (src/hw/pci/device.ts), whose
 * `msiWrite` hook the machine points at its MSI write path.
 */
import { PciFunctionHw } from '../pci/device.ts';

/** qemu: include/hw/s390x/s390-pci-bus.h FH masks. */
export const FH_MASK_ENABLE = 0x80000000;
export const FH_MASK_INSTANCE = 0x7f000000;
export const FH_MASK_INDEX = 0x0000ffff;

/**
 * Firmware-side function state (qemu: ZpciState, plus the configured-but-disabled
 * state). Linux's own zpci_state (STANDBY 0, CONFIGURED 1, RESERVED 2) is derived.
 */
export type ZpciFnState = 'reserved' | 'standby' | 'disabled' | 'enabled' | 'error' | 'blocked' | 'permError';

/** Interrupt registration format: none, 0 (floating, REG_INT), 1 (directed, REG_INT_D). */
export const IRQ_REG_NONE = -1;
export const IRQ_REG_FMT0 = 0;
export const IRQ_REG_FMT1 = 1;

/** What the firmware stored for the function's interrupts (qemu: ZpciFmb-less part of S390PCIBusDevice). */
export class ZpciIrqReg {
  fmt = IRQ_REG_NONE;
  /** Number of interrupts (12 bits). */
  noi = 0;
  // format 0
  isc = 0;
  aibv = 0;
  aibvo = 0;
  aisb = 0;
  aisbo = 0;
  sum = 0;
  // format 1
  dibvo = 0;
  /** GISA designation (0 for the host). */
  gd = 0;

  clear(): void {
    this.fmt = IRQ_REG_NONE;
    this.noi = 0;
    this.isc = 0;
    this.aibv = 0;
    this.aibvo = 0;
    this.aisb = 0;
    this.aisbo = 0;
    this.sum = 0;
    this.dibvo = 0;
    this.gd = 0;
  }
}

/** Per-function MSI counters: every MSI write ends in exactly one of the `drop*` or `accepted`. */
export class ZpciMsiCounters {
  /** MSI writes received from the function. */
  writes = 0;
  /** Writes that set an indicator bit. */
  accepted = 0;
  /** Accepted writes whose indicator bit was already set (coalesced). */
  coalesced = 0;
  /** Floating: adapter interruptions requested (summary edge seen). */
  raised = 0;
  /** Floating: no interruption because the summary indicator was already set. */
  noEdge = 0;
  /** Requested interruptions dropped by ISC suppression (SINGLE, already fired). */
  suppressed = 0;
  /** Directed: interruptions made pending for the target CPU. */
  directed = 0;
  /** Directed: suppressed because the target CPU had already fired (policy 'unavailable'). */
  directedSuppressed = 0;
  /** Directed: fallbacks (DISB bit + floating interruption). */
  fallback = 0;
  /** Directed: the target CPU had no DIBV registered (SIC SET_CPU never ran there). */
  noDibv = 0;
  /** Dropped: function not enabled (disabled, standby, error, blocked). */
  dropDisabled = 0;
  /** Dropped: no interrupt registration. */
  dropNotRegistered = 0;
  /** Dropped: data >= noi (option checkNoi). */
  dropOutOfRange = 0;
  /** Dropped: address is not the function's MSI address. */
  dropBadAddress = 0;
  /** Dropped: directed write naming a CPU address no CPU has. */
  dropNoTarget = 0;
  /** Dropped: directed fallback needed but SIC DIRECT never registered a DISB (or index >= nr_cpus). */
  dropNoDisb = 0;
  /** Firmware writes that hit memory not currently allocated (reported as dma-use-after-free). */
  dmaViolations = 0;
}

export interface ZpciGroupConfig {
  pfgid: number;
  /** MSI address, high and low words (default 0xfe000000:00000000, QEMU's ZPCI_MSI_ADDR). */
  msiaHi?: number;
  msiaLo?: number;
  /** Interrupts allowed per function (CLP query group `noi`, Linux max_msi). Default 128 (QEMU). */
  noi?: number;
  maxstbl?: number;
  /** DMA address space mask bits (dasm). Default 64. */
  dasm?: number;
  version?: number;
}

export class ZpciGroup {
  readonly pfgid: number;
  msiaHi: number;
  msiaLo: number;
  noi: number;
  maxstbl: number;
  dasm: number;
  version: number;

  constructor(cfg: ZpciGroupConfig) {
    this.pfgid = cfg.pfgid;
    this.msiaHi = (cfg.msiaHi ?? 0xfe000000) >>> 0;
    this.msiaLo = (cfg.msiaLo ?? 0) >>> 0;
    this.noi = cfg.noi ?? 128;
    this.maxstbl = cfg.maxstbl ?? 128;
    this.dasm = cfg.dasm ?? 64;
    this.version = cfg.version ?? 0;
  }
}

export interface ZpciFunctionConfig {
  fid: number;
  /** User-defined id (PCI domain when UIDs are unique). Default fid. */
  uid?: number;
  pchid?: number;
  /** Function group id (default 1, created on demand with default values). */
  pfgid?: number;
  pft?: number;
  vfn?: number;
  isPhysfn?: boolean;
  /** Routing id; devfn = rid & 0xff when available. */
  rid?: number;
  ridAvailable?: boolean;
  /** Initial state (default 'disabled' = configured, not enabled). */
  state?: 'reserved' | 'standby' | 'disabled';
  /** The PCI function hardware; default: a device with MSI-X of `msixVectors` entries. */
  device?: PciFunctionHw;
  vendorId?: number;
  deviceId?: number;
  /** MSI-X table size of the default device (default 8). */
  msixVectors?: number;
}

export class ZpciFunction {
  readonly fid: number;
  readonly uid: number;
  readonly pchid: number;
  readonly pfgid: number;
  readonly pft: number;
  readonly vfn: number;
  readonly isPhysfn: boolean;
  readonly rid: number;
  readonly ridAvailable: boolean;
  /** Index part of the FH. */
  readonly index: number;
  fh: number;
  /** Instance counter (FH bits 24..30), bumped on every enable/disable. */
  instance = 0;
  state: ZpciFnState;
  readonly device: PciFunctionHw;
  readonly irq = new ZpciIrqReg();
  /** DMA translation registered (REG_IOAT). */
  ioatRegistered = false;
  /** Function measurement block registered (SET_MEASURE with a nonzero address). */
  fmbAddr = 0;
  /** Force cc 2 (busy) on the next N MPCIFCs (notes 8.3 scenario 12). */
  busyCount = 0;
  readonly counters = new ZpciMsiCounters();
  /** The machine whose addFunction() added this function (set once there; null before). */
  owner: unknown = null;

  constructor(cfg: ZpciFunctionConfig, index: number) {
    this.fid = cfg.fid >>> 0;
    this.uid = cfg.uid ?? cfg.fid;
    this.pchid = cfg.pchid ?? 0;
    this.pfgid = cfg.pfgid ?? 1;
    this.pft = cfg.pft ?? 0;
    this.vfn = cfg.vfn ?? 0;
    this.isPhysfn = cfg.isPhysfn ?? false;
    this.rid = cfg.rid ?? 0;
    this.ridAvailable = cfg.ridAvailable ?? false;
    this.index = index & FH_MASK_INDEX;
    this.state = cfg.state ?? 'disabled';
    this.fh = this.index;
    this.device =
      cfg.device ??
      new PciFunctionHw({
        vendorId: cfg.vendorId ?? 0x1af4,
        deviceId: cfg.deviceId ?? 0x1041,
        msix: { tableSize: cfg.msixVectors ?? 8 },
      });
  }

  get enabled(): boolean {
    return (this.fh & FH_MASK_ENABLE) !== 0;
  }

  /** devfn as CLP reports it (rid & 0xff when the RID is available). */
  get devfn(): number {
    return this.ridAvailable ? this.rid & 0xff : 0;
  }

  /** Configured from the platform's point of view (CLP list config_state = 1). */
  get configured(): boolean {
    return this.state !== 'reserved' && this.state !== 'standby';
  }

  /** Linux's enum zpci_state as CLP reports it: STANDBY 0, CONFIGURED 1, RESERVED 2. */
  get linuxState(): number {
    return this.state === 'reserved' ? 2 : this.state === 'standby' ? 0 : 1;
  }

  /** A new FH with the enable bit as given (qemu keeps idx; we also bump the instance). */
  newFh(enabled: boolean): number {
    this.instance = (this.instance + 1) & 0x7f;
    this.fh = ((enabled ? FH_MASK_ENABLE : 0) | (this.instance << 24) | this.index) >>> 0;
    return this.fh;
  }

  /** qemu: s390_pci_device_reset / device_cold_reset: drop interrupt and DMA registrations. */
  dropRegistrations(): void {
    this.irq.clear();
    this.ioatRegistered = false;
    this.fmbAddr = 0;
  }
}
