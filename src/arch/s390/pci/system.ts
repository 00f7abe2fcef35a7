// SPDX-License-Identifier: GPL-2.0-only
/**
 * createZpciSystem(): one s390 machine + one Linux kernel with zPCI, booted with a named
 * MSI backend. The building block for tests and the scenario runner.
 *
 * Boot order (what the kernel does at boot, reduced): attach the machine
 * (s390AttachMachine: memory, I/O and external entries, CR6), init_IRQ (IRQ 0/1/2),
 * airq_init, smp_prepare_cpus (IPI handlers), the CHSC platform-event entry, then
 * pci_base_init -> zpci_irq_init(backend) -> zpci_scan_devices (cold-plugged functions
 * are scanned and probed then).
 *
 * Delivery is driven by the machine's scheduler: `signal()` makes a function raise an
 * MSI-X vector through its PCI hardware, `run()` lets the machine present what became
 * pending (and deliver IPIs and platform events).
 */

import { pciBindDriver, pciUnbindDriver } from '../../../drivers/pci/driver.ts';
import {
  pciAllocIrqVectors,
  pciFreeIrqVectors,
  pciIrqVector,
  pciRestoreMsiState,
} from '../../../drivers/pci/msi/api.ts';
import { airqInit, setKernelPhysMem } from '../../../drivers/s390/cio/airq.ts';
import { Machine, type MachineOptions } from '../../../hw/s390x/machine.ts';
import { PhysMem } from '../../../hw/s390x/memory.ts';
import type { ZpciFunction, ZpciFunctionConfig, ZpciGroupConfig } from '../../../hw/s390x/zpci.ts';
import { IRQ_HANDLED } from '../../../include/linux/irq.ts';
import {
  PCI_ERS_RESULT_NEED_RESET,
  PCI_ERS_RESULT_RECOVERED,
  PCI_IRQ_MSIX,
  type PciDev,
  type PciDriver,
} from '../../../include/linux/pci.ts';
import { freeIrq, requestIrq } from '../../../kernel/irq/manage.ts';
import { Kernel } from '../../../kernel/kernel.ts';
import { Sim } from '../../../sim/sim.ts';
import { type ZpciDev, zpciGlobals } from '../include/asm/pci.ts';
import { initIRQ, s390AttachMachine } from '../kernel/irq.ts';
import { smpPrepareCpus } from '../kernel/smp.ts';
import { getBackend, type ZpciIrqBackend } from './backend.ts';
import { pcibiosSetup, zpciInit } from './pci.ts';
import { pciGetSlot } from './pci_bus.ts';
import { zpciInstallEventEntry } from './pci_event.ts';
import './pci_irq.legacy.ts';
import './pci_irq.v1.ts';

export interface ZpciSystemOptions {
  /** Backend name: "legacy" | "v1" (built in) or any registered backend, or a backend instance. */
  backend: string | ZpciIrqBackend;
  /** Possible CPUs (default 2). */
  nrCpus?: number;
  /** CPUs online at boot (default: all possible). */
  online?: number[];
  /** The machine offers directed interruptions (sclp.has_dirq). Default false (QEMU). */
  directed?: boolean;
  /** Kernel command line pci=force_floating. */
  forceFloating?: boolean;
  /** RNG seed (default 1). */
  seed?: number;
  /** Simulated memory size in bytes (default 4 MiB). */
  memSize?: number;
  /** CPU addresses (default: the machine's 2*cpu+0x10). */
  cpuAddresses?: number[];
  machineOptions?: Partial<MachineOptions>;
  /** Function groups to define before boot (default: group 1 with QEMU's values, noi 128). */
  groups?: ZpciGroupConfig[];
  /** Cold-plugged functions: present (configured) at boot, scanned by zpci_scan_devices. */
  functions?: ZpciFunctionConfig[];
  /** Faults armed right after the Sim is created, before boot: occurrences count from boot. */
  faults?: readonly { readonly point: string; readonly occurrence: number }[];
  /** Count every failure point from boot on (FaultInjector.counting; fault-injection sweeps). */
  countFaults?: boolean;
}

export interface ZpciSystem {
  readonly sim: Sim;
  readonly mem: PhysMem;
  readonly machine: Machine;
  readonly k: Kernel;
  readonly backend: ZpciIrqBackend;
  /** pci_base_init()'s return code. */
  readonly initRc: number;
  /** Hot plug: add (or reconfigure) function `fid` and deliver the 0x0301 event. */
  plug(fid: number, cfg?: Omit<ZpciFunctionConfig, 'fid'>): ZpciFunction;
  /** Unplug: graceful (0x0303, the kernel deconfigures) or hard (0x0304). Runs the event. */
  unplug(fid: number, hard?: boolean): void;
  /** Error event on the function (default PEC 0x003a: recovery with reset). Runs the event. */
  injectError(fid: number, pec?: number): void;
  /** The kernel's zpci_dev of `fid` (null if none). */
  zdev(fid: number): ZpciDev | null;
  /** The live pci_dev of `fid` (null if not scanned). */
  pdev(fid: number): PciDev | null;
  /** Bind `driver` to fid's pci_dev (probe). Returns probe's rc (or -19 without pci_dev). */
  bind(fid: number, driver: PciDriver): number;
  /** Unbind the driver of fid's pci_dev (remove + devres release). */
  unbind(fid: number): void;
  /** The function raises MSI-X/MSI vector `vector` through its PCI hardware, then run(). */
  signal(fid: number, vector: number): void;
  /** Run the machine's scheduler until idle (presentations, IPIs, events). Returns events run. */
  run(): number;
}

/** Build and boot a system. Throws only on an unknown backend name. */
export function createZpciSystem(opts: ZpciSystemOptions): ZpciSystem {
  const backend = typeof opts.backend === 'string' ? getBackend(opts.backend) : opts.backend;
  if (!backend) throw new Error(`unknown zPCI backend "${String(opts.backend)}"`);
  const nrCpus = opts.nrCpus ?? 2;
  const sim = new Sim(opts.seed ?? 1);
  if (opts.countFaults) sim.faults.counting = true;
  for (const f of opts.faults ?? []) sim.faults.arm(f.point, f.occurrence);
  const mem = new PhysMem(opts.memSize ?? 4 << 20);
  const machine = new Machine(sim, mem, {
    nrCpus,
    ...(opts.online ? { online: opts.online } : {}),
    hasDirq: opts.directed ?? false,
    facilities: [69, 71, 72],
    ...(opts.cpuAddresses ? { cpuAddresses: opts.cpuAddresses } : {}),
    ...(opts.machineOptions ? { options: opts.machineOptions } : {}),
  });
  for (const g of opts.groups ?? [{ pfgid: 1 }]) machine.addGroup(g);
  for (const f of opts.functions ?? []) machine.addFunction(f);
  const k = new Kernel(sim, { nrCpuIds: nrCpus, ...(opts.online ? { online: opts.online } : {}) });

  // boot
  setKernelPhysMem(k, mem);
  s390AttachMachine(k, machine);
  initIRQ(k);
  airqInit(k);
  smpPrepareCpus(k);
  zpciInstallEventEntry(k, machine);
  if (opts.forceFloating) pcibiosSetup(k, 'force_floating');
  const initRc = zpciInit(k, backend);
  machine.run();

  const zdev = (fid: number): ZpciDev | null => {
    for (const z of zpciGlobals(k).zpciList) if (z.fid === fid >>> 0 && !z.freed) return z;
    return null;
  };
  const pdev = (fid: number): PciDev | null => {
    const z = zdev(fid);
    const bus = z?.zbus?.bus;
    return z && bus ? pciGetSlot(bus, z.devfn) : null;
  };
  const run = (): number => machine.run();

  return {
    sim,
    mem,
    machine,
    k,
    backend,
    initRc,
    plug(fid, cfg) {
      const fn = machine.hotplug(fid, cfg);
      run();
      return fn;
    },
    unplug(fid, hard = false) {
      machine.unplug(fid, hard);
      run();
    },
    injectError(fid, pec = 0x003a) {
      machine.injectError(fid, pec);
      run();
    },
    zdev,
    pdev,
    bind(fid, driver) {
      const p = pdev(fid);
      if (!p) return -19;
      const rc = pciBindDriver(k, p, driver);
      run();
      return rc;
    },
    unbind(fid) {
      const p = pdev(fid);
      if (p) pciUnbindDriver(k, p);
      run();
    },
    signal(fid, vector) {
      machine.signal(fid, vector);
      run();
    },
    run,
  };
}

/* ------------------------------------------------------------ test driver */

/** What the throwaway MSI-X driver saw. */
export interface TestDriverState {
  /** Vectors pci_alloc_irq_vectors returned per device name (or its negative rc). */
  readonly nvec: Map<string, number>;
  /** Handler invocations per virq, and the CPU of the last one. */
  readonly calls: Map<number, number>;
  readonly lastCpu: Map<number, number>;
  /** request_irq return codes per device, in vector order. */
  readonly requestRc: Map<string, number[]>;
  /** Error-recovery callbacks seen, in order ("error_detected", "slot_reset", "resume"). */
  readonly recovery: string[];
}

export interface TestDriverOptions {
  /** Vectors to ask for (min = max = nvec, PCI_IRQ_MSIX). Default 8. */
  nvec?: number;
  /** pci_alloc_irq_vectors flags (default PCI_IRQ_MSIX). */
  flags?: number;
  /** Give the driver error handlers (default true); slot_reset calls pci_restore_state. */
  errHandlers?: boolean;
  /** request_irq flags (default 0; e.g. IRQF_NOBALANCING keeps irq_setup_affinity out of startup). */
  irqFlags?: number;
  name?: string;
}

/**
 * A throwaway PCI driver: probe allocates `nvec` vectors and requests an IRQ for each
 * (handler counts per virq); remove frees them. With error handlers: error_detected ->
 * NEED_RESET, slot_reset -> pci_restore_state (pci_restore_msi_state) -> RECOVERED.
 */
export function createTestDriver(opts: TestDriverOptions = {}): {
  driver: PciDriver;
  state: TestDriverState;
} {
  const nvecWanted = opts.nvec ?? 8;
  const flags = opts.flags ?? PCI_IRQ_MSIX;
  const irqFlags = opts.irqFlags ?? 0;
  const state: TestDriverState = {
    nvec: new Map(),
    calls: new Map(),
    lastCpu: new Map(),
    requestRc: new Map(),
    recovery: [],
  };
  const handler = (kk: Kernel, irq: number): number => {
    state.calls.set(irq, (state.calls.get(irq) ?? 0) + 1);
    state.lastCpu.set(irq, kk.currentCpu);
    return IRQ_HANDLED;
  };
  const driver: PciDriver = {
    name: opts.name ?? 'zpci-test',
    idTable: [],
    probe(kk, p) {
      const n = pciAllocIrqVectors(kk, p, nvecWanted, nvecWanted, flags);
      state.nvec.set(p.dev.name, n);
      if (n < 0) return n;
      const rcs: number[] = [];
      state.requestRc.set(p.dev.name, rcs);
      for (let i = 0; i < n; i++)
        rcs.push(requestIrq(kk, pciIrqVector(kk, p, i), handler, irqFlags, `zpci-test${i}`, p));
      return 0;
    },
    remove(kk, p) {
      const n = state.nvec.get(p.dev.name) ?? 0;
      for (let i = 0; i < n; i++) freeIrq(kk, pciIrqVector(kk, p, i), p);
      pciFreeIrqVectors(kk, p);
    },
    errHandler:
      opts.errHandlers === false
        ? null
        : {
            errorDetected() {
              state.recovery.push('error_detected');
              return PCI_ERS_RESULT_NEED_RESET;
            },
            slotReset(kk, p) {
              state.recovery.push('slot_reset');
              pciRestoreMsiState(kk, p); // pci_restore_state()
              return PCI_ERS_RESULT_RECOVERED;
            },
            resume() {
              state.recovery.push('resume');
            },
          },
  };
  return { driver, state };
}
