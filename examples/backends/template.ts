// SPDX-License-Identifier: GPL-2.0-only
/**
 * A zPCI MSI backend to start from: floating and directed delivery with the legacy
 * arch MSI hooks, in the shape of arch/s390/pci/pci_irq.c before the IRQ-domain
 * migration (the built-in "legacy" backend, src/arch/s390/pci/pci_irq.legacy.ts, is
 * the complete, line-by-line version). docs/backend-api.md explains the contract.
 *
 * Run it:
 *   npx tsx src/cli/main.ts run --backend examples/backends/template.ts
 *   npx tsx src/cli/main.ts run --backend examples/backends/template.ts --delivery floating
 *
 * Out of the repository, import the model from the package instead of ../../src, build
 * (or write) the module as .js/.mjs and run it with the installed command:
 *   import { ... } from 'irqlab/model';
 *   irqlab run --backend ./my-backend.mjs
 *
 * The rules a porter must keep (irqlab check and the sanitizer enforce them):
 *  - the handlers (the delivery path) allocate nothing: no object literals, closures,
 *    arrays or strings per interrupt; everything is created in zpciIrqInit / setup;
 *  - every resource taken in setup (summary bits, vectors, IRQ descriptors,
 *    firmware registrations) is given back in teardown;
 *  - a failing kernel call returns its -errno up the stack as the kernel would.
 */
import {
  AIRQ_IV_ALLOC,
  AIRQ_IV_BITLOCK,
  AIRQ_IV_CACHELINE,
  AIRQ_IV_DATA,
  AIRQ_IV_NONE,
  AISB_NONE,
  type AirqIv,
  type AirqStruct,
  airqIvAlloc,
  airqIvAllocBit,
  airqIvCreate,
  airqIvEnd,
  airqIvFree,
  airqIvFreeBit,
  airqIvGetData,
  airqIvLock,
  airqIvRelease,
  airqIvScan,
  airqIvSetData,
  airqIvUnlock,
  airqStructInit,
  CACHE_LINE_SIZE,
  type CallSingleData,
  type Cpumask,
  cpumaskFirst,
  cpumaskTestCpu,
  csdCreate,
  EIO,
  ENOMEM,
  genericHandleIrq,
  handlePercpuIrq,
  IRQ_SET_MASK_OK,
  IRQIO_MSI,
  IRQIO_PCD,
  IRQIO_PCF,
  type IrqChip,
  type IrqData,
  incIrqStat,
  initCsd,
  irqAllocDescsInternal,
  irqDataGetMsiDesc,
  irqFreeDesc,
  irqSetChipAndHandler,
  irqSetMsiDesc,
  irqSetMsiDescOff,
  type Kernel,
  kernelPhysMem,
  MSI_DESC_ASSOCIATED,
  MSI_DESC_NOTASSOCIATED,
  MSI_FIRST_BIT_NONE,
  type MsiMsg,
  msiForEachDesc,
  onEachCpu,
  PCI_ISC,
  type PciDev,
  pciMsiMaskIrq,
  pciMsiUnmaskIrq,
  pciWriteMsiMsg,
  registerAdapterInterrupt,
  SIC_IRQ_MODE_D_SINGLE,
  SIC_IRQ_MODE_DIRECT,
  SIC_IRQ_MODE_SET_CPU,
  SIC_IRQ_MODE_SINGLE,
  setArchMsiOps,
  smpCallFunctionSingleAsync,
  smpCpuGetCpuAddress,
  type TpiInfo,
  toZpci,
  unregisterAdapterInterrupt,
  ZPCI_MOD_FC_DEREG_INT,
  ZPCI_MOD_FC_DEREG_INT_D,
  ZPCI_MOD_FC_REG_INT,
  ZPCI_MOD_FC_REG_INT_D,
  ZPCI_NR_DEVICES,
  type ZpciDev,
  type ZpciIrqBackend,
  type ZpciStatus,
  zpciCreateReq,
  zpciFibStore,
  zpciFibZero,
  zpciGlobals,
  zpciModFc,
  zpciSetIrqCtrl,
} from '../../src/index.ts';

/** Per-CPU state of the directed fallback (the kernel's per-CPU `irq_data`). */
interface CpuIrqData {
  csd: CallSingleData;
  scheduled: number;
}

/** The factory irqlab calls once per run: one instance = one kernel's pci_irq.c globals. */
export default function createBackend(): ZpciIrqBackend {
  // ---- the file's static globals -----------------------------------------------------------
  let directed = false;
  /** floating: one summary bit per function; directed: the DISB, one bit per CPU (fallback) */
  let sbv: AirqIv | null = null;
  /** floating: the function's AIBV by summary bit; directed: each CPU's DIBV */
  let ibv: (AirqIv | null)[] = [];
  const cpuData: CpuIrqData[] = [];
  /** the on-stack status byte of the MPCIFC calls */
  const status: ZpciStatus = { status: 0 };
  const chip: IrqChip = { name: 'PCI-MSI', flags: 0, irqMask: pciMsiMaskIrq, irqUnmask: pciMsiUnmaskIrq };
  // The adapter interrupt for PCI_ISC; its handler is chosen in zpciIrqInit.
  const airq: AirqStruct = airqStructInit(floatingHandler, PCI_ISC);

  // ---- firmware registration (Modify PCI Function Controls) ---------------------------------
  function setIrq(k: Kernel, zdev: ZpciDev): number {
    const fib = zpciFibZero();
    let req: bigint | number;
    if (directed) {
      req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_REG_INT_D);
      fib.fmt = 1;
      fib.fmt1.noi = zdev.msiNrIrqs; // vectors of this function
      fib.fmt1.dibvo = zdev.msiFirstBit; // their offset in every CPU's DIBV
    } else {
      req = zpciCreateReq(zdev.fh, 0, ZPCI_MOD_FC_REG_INT);
      fib.fmt0.isc = PCI_ISC;
      fib.fmt0.sum = 1; // set the summary bit too
      fib.fmt0.noi = airqIvEnd(k, zdev.aibv!);
      fib.fmt0.aibv = zdev.aibv!.vector;
      fib.fmt0.aisb = sbv!.vector + Math.floor(zdev.aisb / 64) * 8;
      fib.fmt0.aisbo = zdev.aisb & 63;
    }
    fib.gd = zdev.gisa;
    return zpciModFc(k, req, zpciFibStore(k, fib), status) ? -EIO : 0;
  }

  function clearIrq(k: Kernel, zdev: ZpciDev): number {
    const fib = zpciFibZero();
    if (directed) fib.fmt = 1;
    fib.gd = zdev.gisa;
    const req = zpciCreateReq(zdev.fh, 0, directed ? ZPCI_MOD_FC_DEREG_INT_D : ZPCI_MOD_FC_DEREG_INT);
    const cc = zpciModFc(k, req, zpciFibStore(k, fib), status);
    // cc 3: the function is gone; cc 1 + status 24: nothing was registered. Both are fine.
    return cc === 0 || cc === 3 || (cc === 1 && status.status === 24) ? 0 : -EIO;
  }

  // ---- the delivery path (allocates nothing) ------------------------------------------------
  /** Floating: one adapter interruption; scan the summary bits, then each function's AIBV. */
  function floatingHandler(k: Kernel, _airq: AirqStruct, _tpi: TpiInfo): void {
    incIrqStat(k, IRQIO_PCF);
    let irqsOn = 0;
    for (let si = 0; ; ) {
      si = airqIvScan(k, sbv!, si, airqIvEnd(k, sbv!));
      if (si === AIRQ_IV_NONE) {
        // After the first empty scan re-enable the ISC (the firmware suppresses it after
        // one interruption) and scan again, so a bit set meanwhile is not lost.
        if (irqsOn++ || zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null)) break;
        si = 0;
        continue;
      }
      const aibv = ibv[si]!;
      for (let ai = 0; ; ) {
        ai = airqIvScan(k, aibv, ai, airqIvEnd(k, aibv));
        if (ai === AIRQ_IV_NONE) break;
        incIrqStat(k, IRQIO_MSI);
        airqIvLock(k, aibv, ai);
        genericHandleIrq(k, airqIvGetData(k, aibv, ai)); // data[] holds the Linux IRQ
        airqIvUnlock(k, aibv, ai);
      }
    }
  }

  /** Directed: drain this CPU's DIBV (rescan once after re-enabling, like the floating loop). */
  function handleCpuLocal(k: Kernel, rescan: boolean): void {
    const dibv = ibv[k.currentCpu]!;
    let irqsOn = 0;
    for (let bit = 0; ; ) {
      bit = airqIvScan(k, dibv, bit, airqIvEnd(k, dibv));
      if (bit === AIRQ_IV_NONE) {
        if (!rescan || irqsOn++ || zpciSetIrqCtrl(k, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null)) break;
        bit = 0;
        continue;
      }
      incIrqStat(k, IRQIO_MSI);
      genericHandleIrq(k, airqIvGetData(k, dibv, bit));
    }
  }

  function handleRemote(k: Kernel, data: unknown): void {
    const d = data as CpuIrqData;
    do handleCpuLocal(k, false);
    while (--d.scheduled);
  }

  /**
   * Directed mode: a floating interruption is the firmware's fallback (target CPU not
   * available): the DISB says which CPUs have work; their DIBVs must be drained on those
   * CPUs, so send each one an IPI (the csd was created at init: nothing is allocated here).
   */
  function directedHandler(k: Kernel, _airq: AirqStruct, tpi: TpiInfo): void {
    if (tpi.directed) {
      incIrqStat(k, IRQIO_PCD);
      handleCpuLocal(k, true);
      return;
    }
    incIrqStat(k, IRQIO_PCF);
    let irqsOn = 0;
    for (let cpu = 0; ; ) {
      cpu = airqIvScan(k, sbv!, cpu, airqIvEnd(k, sbv!));
      if (cpu === AIRQ_IV_NONE) {
        if (irqsOn++ || zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null)) break;
        cpu = 0;
        continue;
      }
      const d = cpuData[cpu]!;
      if (++d.scheduled > 1) continue; // already queued on that CPU
      initCsd(d.csd, handleRemote, d);
      smpCallFunctionSingleAsync(k, cpu, d.csd);
    }
  }

  /** Directed only: irq_set_affinity moves the vector by rewriting the target CPU in the message. */
  function setAffinity(k: Kernel, data: IrqData, dest: Cpumask, _force: boolean): number {
    const cached = irqDataGetMsiDesc(data)!.msg;
    const msg: MsiMsg = { addressHi: cached.addressHi, addressLo: cached.addressLo, data: cached.data };
    msg.addressLo = ((msg.addressLo & 0xff0000ff) | (smpCpuGetCpuAddress(k, cpumaskFirst(dest)) << 8)) >>> 0;
    pciWriteMsiMsg(k, data.irq, msg);
    return IRQ_SET_MASK_OK;
  }

  // ---- the arch MSI hooks (the PCI core calls them from pci_alloc_irq_vectors & co.) ------
  /** Returns 0, a smaller vector count the core may retry with, or -errno. */
  function archSetupMsiIrqs(k: Kernel, pdev: PciDev, nvec: number, _type: number): number {
    const zdev = toZpci(pdev)!;
    zdev.aisb = AISB_NONE;
    zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
    const msiVecs = Math.min(nvec, zdev.maxMsi);

    // 1. interrupt bits: directed: a range in the DIBVs; floating: a summary bit + an AIBV
    let bit: number;
    if (directed) {
      bit = airqIvAlloc(k, ibv[0]!, msiVecs);
      if (bit === AIRQ_IV_NONE) return -EIO;
    } else {
      bit = airqIvAllocBit(k, sbv!);
      if (bit === AIRQ_IV_NONE) return -EIO;
      zdev.aisb = bit;
      zdev.aibv = airqIvCreate(k, msiVecs, AIRQ_IV_DATA | AIRQ_IV_BITLOCK, null, `template aibv ${zdev.fid}`);
      if (!zdev.aibv) return -ENOMEM;
      ibv[bit] = zdev.aibv;
      bit = 0;
    }

    // 2. one Linux IRQ per vector (an MSI descriptor may cover several), message, data[]
    let hwirq = bit;
    for (const desc of msiForEachDesc(k, pdev.dev, MSI_DESC_NOTASSOCIATED)) {
      if (hwirq - bit >= msiVecs) break;
      const n = Math.min(msiVecs, desc.nvecUsed);
      const irq = irqAllocDescsInternal(k, -1, 0, n, 0, directed ? desc.affinity : null);
      if (irq < 0) return -ENOMEM;
      for (let i = 0; i < n; i++) {
        const rc = irqSetMsiDescOff(k, irq, i, desc);
        if (rc) return rc;
        irqSetChipAndHandler(k, irq + i, chip, handlePercpuIrq);
      }
      const msg: MsiMsg = { addressHi: Number(zdev.msiAddr >> 32n), addressLo: 0, data: hwirq - bit };
      if (directed) {
        // the target CPU's address goes into bits 8..23 of address_lo
        const cpu = desc.affinity ? cpumaskFirst(desc.affinity[0]!.mask) : 0;
        msg.addressLo = Number(zdev.msiAddr & 0xff0000ffn) | (smpCpuGetCpuAddress(k, cpu) << 8);
        for (let c = 0; c < k.nrCpuIds; c++) {
          if (!cpumaskTestCpu(c, k.cpuPossibleMask)) continue;
          for (let i = 0; i < n; i++) airqIvSetData(k, ibv[c]!, hwirq + i, irq + i);
        }
      } else {
        msg.addressLo = Number(zdev.msiAddr & 0xffffffffn);
        for (let i = 0; i < n; i++) airqIvSetData(k, zdev.aibv!, hwirq + i, irq + i);
      }
      pciWriteMsiMsg(k, irq, msg);
      hwirq += n;
    }
    zdev.msiFirstBit = bit;
    zdev.msiNrIrqs = hwirq - bit;

    // 3. tell the firmware where to post this function's interrupts
    const rc = setIrq(k, zdev);
    if (rc) return rc;
    return zdev.msiNrIrqs === nvec ? 0 : zdev.msiNrIrqs;
  }

  function archTeardownMsiIrqs(k: Kernel, pdev: PciDev): void {
    const zdev = toZpci(pdev)!;
    if (clearIrq(k, zdev)) return;
    for (const desc of msiForEachDesc(k, pdev.dev, MSI_DESC_ASSOCIATED)) {
      for (let i = 0; i < desc.nvecUsed; i++) {
        irqSetMsiDesc(k, desc.irq + i, null);
        irqFreeDesc(k, desc.irq + i);
      }
      desc.msg.addressHi = desc.msg.addressLo = desc.msg.data = 0;
      desc.irq = 0;
    }
    if (zdev.aisb !== AISB_NONE) {
      ibv[zdev.aisb] = null;
      airqIvFreeBit(k, sbv!, zdev.aisb);
      zdev.aisb = AISB_NONE;
    }
    if (zdev.aibv) {
      airqIvRelease(k, zdev.aibv);
      zdev.aibv = null;
    }
    if (directed && zdev.msiFirstBit !== MSI_FIRST_BIT_NONE) {
      airqIvFree(k, ibv[0]!, zdev.msiFirstBit, zdev.msiNrIrqs);
      zdev.msiFirstBit = MSI_FIRST_BIT_NONE;
    }
  }

  /** After a reset the firmware has forgotten the registration: register again. */
  function archRestoreMsiIrqs(k: Kernel, pdev: PciDev): boolean {
    setIrq(k, toZpci(pdev)!);
    return true; // the core then rewrites every cached message
  }

  // ---- init / exit ----------------------------------------------------------------------------
  function directedInit(k: Kernel): number {
    let nrCpus = 0;
    for (let c = 0; c < k.nrCpuIds; c++) if (cpumaskTestCpu(c, k.cpuPossibleMask)) nrCpus++;
    sbv = airqIvCreate(k, nrCpus, 0, null, 'template disb');
    if (!sbv) return -ENOMEM;
    zpciSetIrqCtrl(k, SIC_IRQ_MODE_DIRECT, 0, { kind: 'diib', isc: PCI_ISC, nrCpus, disbAddr: sbv.vector });
    ibv = new Array<AirqIv | null>(nrCpus).fill(null);
    for (let c = 0; c < k.nrCpuIds; c++) {
      if (!cpumaskTestCpu(c, k.cpuPossibleMask)) continue;
      // Every CPU's DIBV has the same layout; only CPU 0's allocates bits.
      const flags = AIRQ_IV_DATA | AIRQ_IV_CACHELINE | (c === 0 ? AIRQ_IV_ALLOC : 0);
      ibv[c] = airqIvCreate(k, CACHE_LINE_SIZE * 8, flags, null, `template dibv cpu ${c}`);
      if (!ibv[c]) return -ENOMEM;
    }
    // On each CPU: tell the firmware where its DIBV is, and enable directed interruptions.
    onEachCpu(
      k,
      (kk) => {
        zpciSetIrqCtrl(kk, SIC_IRQ_MODE_SET_CPU, 0, { kind: 'cdiib', dibvAddr: ibv[kk.currentCpu]!.vector });
        zpciSetIrqCtrl(kk, SIC_IRQ_MODE_D_SINGLE, PCI_ISC, null);
      },
      null,
      true,
    );
    chip.irqSetAffinity = setAffinity;
    return 0;
  }

  function floatingInit(k: Kernel): number {
    ibv = new Array<AirqIv | null>(ZPCI_NR_DEVICES).fill(null);
    sbv = airqIvCreate(k, ZPCI_NR_DEVICES, AIRQ_IV_ALLOC, null, 'template aisb');
    return sbv ? 0 : -ENOMEM;
  }

  return {
    name: 'template',
    zpciIrqInit(k: Kernel): number {
      const g = zpciGlobals(k);
      directed = g.sclpHasDirq && !g.forceFloating;
      for (let c = 0; c < k.nrCpuIds; c++) cpuData.push({ csd: csdCreate(), scheduled: 0 });
      if (directed) airq.handler = directedHandler;
      // This backend uses the legacy hooks; a domain backend would create its MSI parent
      // domain(s) instead (zpciCreateParentMsiDomain / zpciSetMsiParentDomain).
      setArchMsiOps(k, { archSetupMsiIrqs, archTeardownMsiIrqs, archRestoreMsiIrqs });

      let rc = registerAdapterInterrupt(k, airq);
      if (rc) return rc;
      kernelPhysMem(k).writeU8(airq.lsiPtr, 1); // summary byte 1: called for every PCI_ISC interruption
      rc = directed ? directedInit(k) : floatingInit(k);
      if (rc) {
        unregisterAdapterInterrupt(k, airq);
        return rc;
      }
      // Enable floating interruptions (in directed mode: the fallback path).
      zpciSetIrqCtrl(k, SIC_IRQ_MODE_SINGLE, PCI_ISC, null);
      return 0;
    },
    zpciIrqExit(k: Kernel): void {
      if (directed) for (const v of ibv) if (v) airqIvRelease(k, v);
      ibv = [];
      if (sbv) airqIvRelease(k, sbv);
      sbv = null;
      unregisterAdapterInterrupt(k, airq);
    },
  };
}
