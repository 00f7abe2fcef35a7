// SPDX-License-Identifier: GPL-2.0-only
/**
 * arch/s390/include/asm/pci.h (6.17/6.18 shape): struct zpci_dev, struct zpci_bus, the
 * zPCI limits and state enum, plus the pci.c/pci_bus.c globals every zPCI file needs
 * (zpci_list, zpci_bus_list, the domain bitmap, s390_pci_force_floating, zpci_unique_uid,
 * sclp.has_dirq as the kernel read it). Shapes only; behaviour in src/arch/s390/pci/.
 *
 * C widths: u32/unsigned int fields hold 0..0xffffffff (store with `>>> 0`), u16 with
 * `& 0xffff`, u8 with `& 0xff`. `msi_addr` (u64) is a bigint (setup paths only).
 * Sentinels: msi_first_bit -1U = MSI_FIRST_BIT_NONE (0xffffffff), aisb -1UL = AISB_NONE
 * (-1, the same value the airq library returns for -1UL: AIRQ_IV_NONE).
 */
import { type AirqIv, kernelPhysMem } from '../../../../drivers/s390/cio/airq.ts';
import type { PciFunctionHw } from '../../../../hw/pci/device.ts';
import type { PhysMem } from '../../../../hw/s390x/memory.ts';
import type { Device } from '../../../../include/linux/device.ts';
import type { IrqDomain } from '../../../../include/linux/irq.ts';
import type { PciBus, PciDev } from '../../../../include/linux/pci.ts';
import type { Kernel } from '../../../../kernel/kernel.ts';
import type { ZpciIrqBackend } from '../../pci/backend.ts';

/** CONFIG_PCI_NR_FUNCTIONS default */
export const ZPCI_NR_DEVICES = 512;
export const ZPCI_BUS_NR = 0;
export const ZPCI_DEVFN = 0;
export const ZPCI_FUNCTIONS_PER_BUS = 256;
export const ZPCI_DOMAIN_BITMAP_SIZE = 1 << 16;
export const ZPCI_NR_DMA_SPACES = 1;

/** -1U: "no first bit" */
export const MSI_FIRST_BIT_NONE = 0xffffffff;
/** -1UL: "no summary bit" (== AIRQ_IV_NONE) */
export const AISB_NONE = -1;

/** enum zpci_state */
export const ZPCI_FN_STATE_STANDBY = 0;
export const ZPCI_FN_STATE_CONFIGURED = 1;
export const ZPCI_FN_STATE_RESERVED = 2;

/** struct kref (refcount only) */
export interface Kref {
  refcount: number;
}

/** struct mutex (model: owner flag only; the model runs one context at a time) */
export interface ModelMutex {
  locked: boolean;
}

/** struct zpci_dev (arch/s390/include/asm/pci.h) — fields the model uses, kernel names in camelCase. */
export interface ZpciDev {
  zbus: ZpciBus | null;
  /** on zpci_list (list_head entry) */
  onList: boolean;
  kref: Kref;
  stateLock: ModelMutex;
  /** enum zpci_state */
  state: number;
  fid: number; // u32
  fh: number; // u32
  gisa: number; // u32 (KVM; 0 for the host)
  pfgid: number; // u8
  pft: number; // u8
  vfn: number; // u16
  pchid: number; // u16
  maxstbl: number; // u16
  rid: number; // u16
  tid: number; // u16
  ridAvailable: boolean;
  hasHpSlot: boolean;
  hasResources: boolean;
  isPhysfn: boolean;
  tidAvail: boolean;
  /** unsigned int devfn */
  devfn: number;
  uid: number; // u32
  dmaMask: bigint;
  /* IRQ stuff */
  msiAddr: bigint; // u64
  maxMsi: number; // unsigned int
  msiFirstBit: number; // unsigned int, MSI_FIRST_BIT_NONE = none
  msiNrIrqs: number; // unsigned int
  aibv: AirqIv | null;
  aisb: number; // unsigned long, AISB_NONE = none
  /** DMA translation registered (zpci_iommu_register_ioat done) — model of the IOMMU state. */
  ioatRegistered: boolean;
  /** struct kvm_zdev * (always NULL: no passthrough in the model) */
  kzdev: null;
  /* ---- model only ---- */
  /** The machine function's PCI hardware (what zpci load/store instructions reach). */
  hw: PciFunctionHw;
  /** Vendor/device as CLP reported them. */
  vendorId: number;
  deviceId: number;
  /** kfree'd (zpci_release_device). */
  freed: boolean;
}

/** struct zpci_bus (arch/s390/include/asm/pci.h) */
export interface ZpciBus {
  kref: Kref;
  /** struct pci_bus *bus (root bus, ZPCI_BUS_NR) */
  bus: PciBus | null;
  /** function[ZPCI_FUNCTIONS_PER_BUS] */
  function: (ZpciDev | null)[];
  /** resources (list) — names only in the model */
  resources: string[];
  topo: number;
  topoIsTid: boolean;
  domainNr: number;
  multifunction: boolean;
  maxBusSpeed: number;
  /** mainline: struct irq_domain *msi_parent_domain (kzalloc -> NULL) */
  msiParentDomain: IrqDomain | null;
  /** on zpci_bus_list */
  onList: boolean;
  /** model only: kfree'd */
  freed: boolean;
}

/** enum pci_bus_speed PCIE_SPEED_5_0GT (the kernel's default for zPCI buses) */
export const PCIE_SPEED_5_0GT = 0x15;

/** The zPCI globals of one kernel (pci.c, pci_bus.c, sclp). */
export interface ZpciGlobals {
  /** zpci_list: every zpci_dev, in add order */
  readonly zpciList: ZpciDev[];
  /** zpci_bus_list */
  readonly zpciBusList: ZpciBus[];
  /** zpci_nb_devices (pci_bus.c) */
  nbDevices: number;
  /** zpci_domain bitmap (pci.c): allocated domain numbers */
  readonly domains: Uint8Array;
  /** zpci_num_domains_allocated */
  numDomainsAllocated: number;
  /** zpci_unique_uid: UID checking in effect (CLP list reports uid_checking) */
  uniqueUid: boolean;
  /** s390_pci_force_floating (pci=force_floating) */
  forceFloating: boolean;
  /** s390_pci_no_rid (pci=norid) */
  noRid: boolean;
  /** s390_pci_probe (pci=off clears it) */
  probe: boolean;
  /** sclp.has_dirq as read at init */
  sclpHasDirq: boolean;
  /** s390_pci_initialized */
  initialized: boolean;
  /** The IRQ backend instance this kernel runs (pci_irq.c of the chosen version); set by zpci_init. */
  backend: ZpciIrqBackend | null;
}

const KEY = 's390.pci';

/** The zPCI globals of `k` (created on first use, zero-initialised as static C data). */
export function zpciGlobals(k: Kernel): ZpciGlobals {
  let g = k.subsys.get(KEY) as ZpciGlobals | undefined;
  if (!g) {
    g = {
      zpciList: [],
      zpciBusList: [],
      nbDevices: 0,
      domains: new Uint8Array(ZPCI_DOMAIN_BITMAP_SIZE),
      numDomainsAllocated: 0,
      uniqueUid: true,
      forceFloating: false,
      noRid: false,
      probe: true,
      sclpHasDirq: false,
      initialized: false,
      backend: null,
    };
    k.subsys.set(KEY, g);
  }
  return g;
}

// kernel: zdev_enabled()
export function zdevEnabled(zdev: ZpciDev): boolean {
  return (zdev.fh & 0x80000000) !== 0;
}

/** kernel: to_zpci() — ((struct zpci_bus *)pdev->sysdata)->function[pdev->devfn] (may be NULL). */
export function toZpci(pdev: PciDev): ZpciDev | null {
  const zbus = pdev.sysdata as ZpciBus | undefined;
  return zbus?.function[pdev.devfn] ?? null;
}

/** kernel: to_zpci_dev() — to_zpci(to_pci_dev(dev)) */
export function toZpciDev(dev: Device): ZpciDev | null {
  return toZpci(dev.owner as PciDev);
}

/* ------------------------------------------------------------------------------------------
 * struct zpci_fib (arch/s390/include/asm/pci_insn.h): the function information block an
 * MPCIFC reads. In C it lives on the caller's stack, zero-initialised (`= {0}`); the model
 * keeps the fields in a plain object and serializes it (big-endian, 80 bytes) into one
 * per-kernel scratch block in PhysMem before the instruction (setup paths only).
 * Bit fields are truncated to their C widths on store (noi 12 bits, aibvo/aisbo 6, ...).
 * ---------------------------------------------------------------------------------------- */

/** struct zpci_fib_fmt0 */
export interface ZpciFibFmt0 {
  isc: number; // 3 bits
  noi: number; // 12 bits
  aibvo: number; // 6 bits
  sum: number; // 1 bit
  aisbo: number; // 6 bits
  aibv: number; // u64 (PhysMem address)
  aisb: number; // u64 (PhysMem address)
}

/** struct zpci_fib_fmt1 */
export interface ZpciFibFmt1 {
  noi: number; // 12 bits
  dibvo: number; // 16 bits
}

/** struct zpci_fib */
export interface ZpciFib {
  fmt: number; // u8
  fc: number; // u8
  pba: bigint;
  pal: bigint;
  iota: bigint;
  fmt0: ZpciFibFmt0;
  fmt1: ZpciFibFmt1;
  fmbAddr: bigint;
  gd: number; // u32
}

/** `struct zpci_fib fib = {0};` */
export function zpciFibZero(): ZpciFib {
  return {
    fmt: 0,
    fc: 0,
    pba: 0n,
    pal: 0n,
    iota: 0n,
    fmt0: { isc: 0, noi: 0, aibvo: 0, sum: 0, aisbo: 0, aibv: 0, aisb: 0 },
    fmt1: { noi: 0, dibvo: 0 },
    fmbAddr: 0n,
    gd: 0,
  };
}

export const ZPCI_FIB_SIZE = 80;
const FIB_SCRATCH_KEY = 's390.pci.fib';

function wr64(mem: PhysMem, at: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  mem.writeU32(at, Number(u >> 32n));
  mem.writeU32(at + 4, Number(u & 0xffffffffn));
}

/**
 * Serialize `fib` into the kernel's FIB scratch block (allocated once, 8-aligned) and return
 * its PhysMem address for zpci_mod_fc(). Layout as asm/pci_insn.h (and the machine) has it.
 */
export function zpciFibStore(k: Kernel, fib: ZpciFib): number {
  const mem = kernelPhysMem(k);
  let a = k.subsys.get(FIB_SCRATCH_KEY) as number | undefined;
  if (a === undefined) {
    a = mem.alloc(ZPCI_FIB_SIZE, 8, 'struct zpci_fib (stack)');
    k.subsys.set(FIB_SCRATCH_KEY, a);
  }
  mem.u8.fill(0, a, a + ZPCI_FIB_SIZE);
  mem.writeU8(a, fib.fmt & 0xff);
  mem.writeU8(a + 8, fib.fc & 0xff);
  wr64(mem, a + 16, fib.pba);
  wr64(mem, a + 24, fib.pal);
  wr64(mem, a + 32, fib.iota);
  if ((fib.fmt & 0xff) === 1) {
    mem.writeU32(a + 40, ((fib.fmt1.noi & 0xfff) << 16) >>> 0);
    mem.writeU32(a + 44, ((fib.fmt1.dibvo & 0xffff) << 16) >>> 0);
  } else {
    const f = fib.fmt0;
    const w =
      ((f.isc & 7) << 28) |
      ((f.noi & 0xfff) << 16) |
      ((f.aibvo & 0x3f) << 8) |
      ((f.sum & 1) << 7) |
      (f.aisbo & 0x3f);
    mem.writeU32(a + 40, w >>> 0);
    wr64(mem, a + 48, BigInt(f.aibv));
    wr64(mem, a + 56, BigInt(f.aisb));
  }
  wr64(mem, a + 64, fib.fmbAddr);
  mem.writeU32(a + 76, fib.gd >>> 0);
  return a;
}
