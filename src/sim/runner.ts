// SPDX-License-Identifier: GPL-2.0-only
/**
 * The scenario runner: boots one machine + kernel with the scenario's backend,
 * executes its steps as a kernel developer would drive them (plug, bind a driver,
 * allocate vectors, request IRQs, fire, reset, unbind, unplug), checks `expect`
 * steps, collects snapshots of kernel views, and reports findings.
 *
 * One seed gives one byte-identical result: nothing here reads wall time.
 */

import { zpciDisableDevice, zpciEnableDevice, zpciHotResetDevice } from '../arch/s390/pci/pci.ts';
import { createZpciSystem, type ZpciSystem } from '../arch/s390/pci/system.ts';
import { pciBindDriver, pciUnbindDriver } from '../drivers/pci/driver.ts';
import {
  pciAllocIrqVectorsAffinity,
  pciFreeIrqVectors,
  pciIrqVector,
  pciRestoreMsiState,
} from '../drivers/pci/msi/api.ts';
import { PciFunctionHw } from '../hw/pci/device.ts';
import { cpumaskCreate } from '../include/linux/cpumask.ts';
import { errName } from '../include/linux/errno.ts';
import { IRQ_HANDLED, IRQ_NONE, type IrqHandler } from '../include/linux/irq.ts';
import {
  PCI_ERS_RESULT_NEED_RESET,
  PCI_ERS_RESULT_RECOVERED,
  PCI_IRQ_AFFINITY,
  PCI_IRQ_MSI,
  PCI_IRQ_MSIX,
  type PciDev,
  type PciDriver,
} from '../include/linux/pci.ts';
import { irqAffinityOnlineCpu, irqMigrateAllOffCpu } from '../kernel/irq/cpuhotplug.ts';
import { IRQF_SHARED } from '../kernel/irq/internals.ts';
import { disableIrq, enableIrq, freeIrq, irqSetAffinity, requestIrq } from '../kernel/irq/manage.ts';
import { resolveBackend } from './backends.ts';
import { type Finding, KernelOops, modelCallChain } from './findings.ts';
import { attachSanitizer, type SanitizerHandle } from './sanitizer-glue.ts';
import type { Scenario, Step, StepOf, ZpciFunctionSpec } from './scenario/schema.ts';
import { renderSnapshot } from './views.ts';
import { installWatchdog } from './watchdog.ts';

/** Simulated time between scenario steps, and the machine's latencies (ns). */
export const STEP_NS = 1_000_000;
const PRESENT_DELAY_NS = 500;
const IPI_DELAY_NS = 1_000;
const EVENT_DELAY_NS = 10_000;

/** What the command line may override in the scenario's `machine:` section. */
export interface RunOverrides {
  backend?: string;
  delivery?: 'floating' | 'directed';
  parentDomain?: 'global' | 'per-bus';
  cpus?: number;
  seed?: number;
  trace?: boolean;
  /** Run the routing sanitizer (default on). */
  sanitizer?: boolean;
  /** Stop before this step index (explain uses it). */
  stopBefore?: number;
  /**
   * Faults to arm (fault-injection sweeps). `boot: true`: armed right after the Sim is
   * created, occurrences count from boot; otherwise armed after boot, right before the
   * first step, exactly as a `fault` step inserted first would arm it.
   */
  faults?: readonly { readonly point: string; readonly occurrence: number; readonly boot?: boolean }[];
  /** Count every failure point from boot on (FaultInjector.counting). */
  countFaults?: boolean;
  /** Called with the booted system right before the first step (after `faults` are armed). */
  afterBoot?: (sys: ZpciSystem) => void;
  /**
   * Exploration schedule to replay (default: the scenario's `schedule:`). A non-empty
   * schedule turns exploration mode on: the scheduler replays these choices at the
   * preemption points, and `fire` leaves its MSI writes in flight (docs/findings.md, Fuzzing).
   */
  schedule?: readonly number[];
  /** Initial simulated memory size in bytes (default 4 MiB; it grows on demand). */
  memSize?: number;
  /**
   * The soft-lockup detector (src/sim/watchdog.ts), on by default: `false` turns it off, a
   * number sets the preemption points per 4-second sample (default WATCHDOG_POINTS_PER_SAMPLE).
   */
  watchdog?: boolean | number;
}

export interface StepResult {
  readonly index: number;
  readonly kind: string;
  readonly line: number;
  /** Return code the driver saw, or null for steps without one. */
  readonly rc: number | null;
}

export interface SnapshotResult {
  readonly step: number;
  readonly line: number;
  readonly title: string;
  readonly text: string;
}

export interface ExpectFailure {
  readonly step: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface DeliveryRow {
  readonly handler: string;
  readonly perCpu: number[];
  readonly total: number;
}

export interface RunResult {
  readonly scenario: string;
  readonly file: string;
  readonly backend: string;
  readonly delivery: 'floating' | 'directed';
  readonly cpus: number;
  readonly seed: number;
  readonly steps: StepResult[];
  readonly deliveries: DeliveryRow[];
  readonly snapshots: SnapshotResult[];
  readonly expectFailures: ExpectFailure[];
  readonly findings: Finding[];
  /** The run stopped at an Oops/BUG (the machine would have stopped there) or a soft lockup. */
  readonly stopped: boolean;
  /** Exploration mode: the choices made at preemption points (empty when not exploring). */
  readonly schedule: number[];
  readonly dmesg: string;
  readonly system: ZpciSystem;
}

/** Per-handler bookkeeping: counts per CPU in one typed array row. */
class DeliveryTable {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  counts: Uint32Array;
  private base: Uint32Array;
  private readonly nrCpus: number;

  constructor(nrCpus: number) {
    this.nrCpus = nrCpus;
    this.counts = new Uint32Array(16 * nrCpus);
    this.base = new Uint32Array(16 * nrCpus);
  }

  slot(name: string): number {
    let i = this.index.get(name);
    if (i !== undefined) return i;
    i = this.names.length;
    this.names.push(name);
    this.index.set(name, i);
    if ((i + 1) * this.nrCpus > this.counts.length) {
      const n = new Uint32Array(this.counts.length * 2);
      n.set(this.counts);
      this.counts = n;
      const b = new Uint32Array(this.base.length * 2);
      b.set(this.base);
      this.base = b;
    }
    return i;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** Counts since the previous window mark. */
  window(name: string, cpu: number): number {
    const i = this.index.get(name);
    if (i === undefined) return 0;
    return this.counts[i * this.nrCpus + cpu]! - this.base[i * this.nrCpus + cpu]!;
  }

  markWindow(): void {
    this.base.set(this.counts);
  }

  rows(): DeliveryRow[] {
    return this.names.map((handler, i) => {
      const perCpu = Array.from(this.counts.subarray(i * this.nrCpus, (i + 1) * this.nrCpus));
      return { handler, perCpu, total: perCpu.reduce((a, b) => a + b, 0) };
    });
  }
}

interface FnState {
  readonly spec: ZpciFunctionSpec;
  /** Vectors allocated by the last successful alloc, 0 if none. */
  nvec: number;
  bound: boolean;
  /** dev_id tokens by `${vector}/${handler}` of requested IRQs, in request order. */
  readonly requested: Map<string, { vector: number; handler: string; devId: object }>;
  /** The last handler requested per vector (free_irq default). */
  readonly lastHandler: Map<number, string>;
}

function isDirected(s: Scenario, o: RunOverrides): boolean {
  return (o.delivery ?? s.machine.delivery) === 'directed';
}

/** Build the machine + kernel for a scenario (boot included). */
export function bootScenario(s: Scenario, o: RunOverrides = {}): ZpciSystem {
  const m = s.machine;
  const nrCpus = o.cpus ?? m.cpus.length;
  const cpuAddresses: number[] = [];
  for (let c = 0; c < nrCpus; c++) cpuAddresses.push(m.cpus[c]?.address ?? 2 * c + 0x10);
  const online = o.cpus !== undefined ? [...Array(nrCpus).keys()] : [...m.online];
  const backend = resolveBackend(s, o);
  const groups = functionGroups(s);
  const directed = isDirected(s, o);
  const sys = createZpciSystem({
    backend,
    nrCpus,
    online,
    cpuAddresses,
    directed: directed || (o.delivery === undefined && m.directedIrqFacility),
    forceFloating: o.delivery === 'floating' || (o.delivery === undefined && m.forceFloating),
    seed: o.seed ?? m.seed,
    groups: [...groups].map(([noi, pfgid]) => ({ pfgid, noi })),
    machineOptions: {
      // Simulated latencies, so traces and the kernel log show the order of events in time.
      presentDelayNs: PRESENT_DELAY_NS,
      ipiDelayNs: IPI_DELAY_NS,
      eventDelayNs: EVENT_DELAY_NS,
      floatingCpu: m.options.floatingCpuSelection,
      summaryEdge: m.options.summaryEdge,
      checkNoi: m.options.checkNoi,
      disbIndex: m.options.disbIndex,
    },
    functions: s.functions.filter((f) => f.present).map((f) => functionConfig(f, groups)),
    faults: (o.faults ?? []).filter((f) => f.boot === true),
    countFaults: o.countFaults === true,
    ...(o.memSize !== undefined ? { memSize: o.memSize } : {}),
  });
  if (o.trace) sys.sim.trace.enabled = true;
  // Exploration mode (a non-empty schedule): replay the choices at preemption points.
  const schedule = o.schedule ?? s.schedule;
  if (schedule.length > 0) sys.machine.sched.replay(schedule);
  return sys;
}

/** One CLP function group per distinct max_msi (its `noi`), numbered from 1 in file order. */
function functionGroups(s: Scenario): Map<number, number> {
  const groups = new Map<number, number>();
  for (const f of s.functions) if (!groups.has(f.maxMsi)) groups.set(f.maxMsi, groups.size + 1);
  return groups;
}

function functionConfig(f: ZpciFunctionSpec, groups: Map<number, number>) {
  const device =
    f.irqType === 'msix'
      ? new PciFunctionHw({ vendorId: 0x1af4, deviceId: 0x1041, msix: { tableSize: f.vectors } })
      : new PciFunctionHw({
          vendorId: 0x1af4,
          deviceId: 0x1041,
          msi: { mmc: Math.log2(f.vectors), is64: true, perVectorMask: true },
        });
  return {
    fid: f.fid,
    uid: f.uid,
    pfgid: groups.get(f.maxMsi) ?? 1,
    ...(f.devfn !== 0 ? { rid: f.devfn, ridAvailable: true } : {}),
    ...(f.bus !== null ? { pchid: f.bus } : { pchid: f.uid }),
    device,
  };
}

/** Run a scenario to its end (or to the first Oops). */
export function runScenario(s: Scenario, o: RunOverrides = {}): RunResult {
  const sys = bootScenario(s, o);
  const k = sys.k;
  const nrCpus = k.nrCpuIds;
  const table = new DeliveryTable(nrCpus);
  const fns = new Map<number, FnState>();
  for (const spec of s.functions) {
    fns.set(spec.fid, { spec, nvec: 0, bound: false, requested: new Map(), lastHandler: new Map() });
  }
  const sanitizer: SanitizerHandle | null = o.sanitizer === false ? null : attachSanitizer(sys);
  sanitizer?.snapshotBaseline();

  const steps: StepResult[] = [];
  const snapshots: SnapshotResult[] = [];
  const expectFailures: ExpectFailure[] = [];
  let lastRc: number | null = null;
  let stopped = false;
  let droppedBase = droppedTotal(sys);

  // One handler closure per (handler name, return value), made at request time.
  const handlers = new Map<string, IrqHandler>();
  const handlerFor = (name: string, returns: 'handled' | 'none'): IrqHandler => {
    const key = `${returns}:${name}`;
    let h = handlers.get(key);
    if (!h) {
      const slot = table.slot(name);
      const ret = returns === 'handled' ? IRQ_HANDLED : IRQ_NONE;
      h = (kk) => {
        table.counts[slot * nrCpus + kk.currentCpu]!++;
        return ret;
      };
      handlers.set(key, h);
    }
    return h;
  };

  const driverFor = (st: FnState, name: string): PciDriver => ({
    name,
    idTable: [],
    probe: () => 0,
    remove(kk, pdev) {
      for (const r of [...st.requested.values()].reverse())
        freeIrq(kk, pciIrqVector(kk, pdev, r.vector), r.devId);
      st.requested.clear();
      if (st.nvec > 0) pciFreeIrqVectors(kk, pdev);
      st.nvec = 0;
    },
    errHandler: {
      errorDetected: () => PCI_ERS_RESULT_NEED_RESET,
      slotReset(kk, pdev) {
        pciRestoreMsiState(kk, pdev); // pci_restore_state()
        return PCI_ERS_RESULT_RECOVERED;
      },
      resume() {},
    },
  });

  const pdevOf = (fid: number): PciDev | null => sys.pdev(fid);

  const runStep = (step: Step): number | null => {
    const st = 'fid' in step && step.fid !== null ? fns.get(step.fid) : undefined;
    switch (step.kind) {
      case 'plug': {
        const spec = st!.spec;
        const { fid: _fid, ...cfg } = functionConfig(spec, functionGroups(s));
        sys.plug(step.fid, cfg);
        return null;
      }
      case 'unplug':
        if (st) {
          st.bound = false;
          st.nvec = 0;
          st.requested.clear();
        }
        sys.unplug(step.fid);
        return null;
      case 'enable': {
        const z = sys.zdev(step.fid);
        return z ? zpciEnableDevice(k, z) : -19;
      }
      case 'disable': {
        const z = sys.zdev(step.fid);
        return z ? zpciDisableDevice(k, z) : -19;
      }
      case 'error':
        sys.injectError(step.fid);
        return null;
      case 'recover': {
        // pci_reset_function(): the slot reset (zpci_hot_reset_device) then pci_dev_restore().
        const z = sys.zdev(step.fid);
        const p = pdevOf(step.fid);
        if (!z || !p) return -19;
        const rc = zpciHotResetDevice(k, z);
        if (rc === 0) pciRestoreMsiState(k, p);
        sys.run();
        return rc;
      }
      case 'bind': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        const rc = pciBindDriver(k, p, driverFor(st!, step.driver));
        if (rc === 0) st!.bound = true;
        sys.run();
        return rc;
      }
      case 'unbind': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        if (!step.cleanup) {
          // A driver that forgets to free: remove() does nothing.
          p.driver = p.driver ? { ...p.driver, remove: () => {} } : p.driver;
        }
        pciUnbindDriver(k, p);
        st!.bound = false;
        sys.run();
        return 0;
      }
      case 'alloc': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        let flags = step.type === 'msix' ? PCI_IRQ_MSIX : PCI_IRQ_MSI;
        if (step.affinity === 'managed') flags |= PCI_IRQ_AFFINITY;
        const affd =
          step.affinity === 'managed' ? { preVectors: step.preVectors, postVectors: step.postVectors } : null;
        const rc = pciAllocIrqVectorsAffinity(k, p, step.min, step.max, flags, affd);
        if (rc > 0) st!.nvec = rc;
        sys.run();
        return rc;
      }
      case 'free_vectors': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        pciFreeIrqVectors(k, p);
        st!.nvec = 0;
        sys.run();
        return null;
      }
      case 'request': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        const vectors = step.vector === 'all' ? [...Array(st!.nvec).keys()] : [step.vector];
        let rc = 0;
        for (const v of vectors) {
          const devId = {};
          const name = step.vector === 'all' ? `${step.name}-${v}` : step.name;
          const r = requestIrq(
            k,
            pciIrqVector(k, p, v),
            handlerFor(step.handler, step.returns),
            step.shared ? IRQF_SHARED : 0,
            name,
            devId,
          );
          if (r === 0) {
            st!.requested.set(`${v}/${step.handler}`, { vector: v, handler: step.handler, devId });
            st!.lastHandler.set(v, step.handler);
          } else if (rc === 0) rc = r;
        }
        sys.run();
        return rc;
      }
      case 'free_irq': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        const vectors = step.vector === 'all' ? [...Array(st!.nvec).keys()] : [step.vector];
        for (const v of vectors) {
          const h = step.handler ?? st!.lastHandler.get(v) ?? '';
          const r = st!.requested.get(`${v}/${h}`);
          // An unknown dev_id is the driver's mistake; the kernel WARNs about it.
          freeIrq(k, pciIrqVector(k, p, v), r ? r.devId : {});
          st!.requested.delete(`${v}/${h}`);
        }
        sys.run();
        return null;
      }
      case 'enable_irq':
      case 'disable_irq': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        const virq = pciIrqVector(k, p, step.vector);
        if (virq < 0) return virq;
        if (step.kind === 'enable_irq') enableIrq(k, virq);
        else disableIrq(k, virq);
        sys.run();
        return null;
      }
      case 'set_affinity': {
        const p = pdevOf(step.fid);
        if (!p) return -19;
        if (step.vector === 'all') {
          // The driver spreads its queues: vector i to cpus[i % n] (cpumask_local_spread style).
          let rc = 0;
          for (let v = 0; v < st!.nvec; v++) {
            const r = irqSetAffinity(
              k,
              pciIrqVector(k, p, v),
              cpumaskCreate(step.cpus[v % step.cpus.length]!),
            );
            if (r !== 0 && rc === 0) rc = r;
          }
          sys.run();
          return rc;
        }
        const virq = pciIrqVector(k, p, step.vector);
        if (virq < 0) return virq;
        const rc = irqSetAffinity(k, virq, cpumaskCreate(...step.cpus));
        sys.run();
        return rc;
      }
      case 'fire': {
        const vectors = step.vector === 'all' ? [...Array(Math.max(st!.nvec, 0)).keys()] : [step.vector];
        if (sys.machine.sched.explore) {
          // Exploration: the writes are in flight (preemptible hardware events) until the machine
          // runs next, or a schedule choice at a preemption point delivers one early.
          for (let i = 0; i < step.count; i++)
            for (const v of vectors) sys.machine.scheduleSignal(k.sim.time, step.fid, v);
          return null;
        }
        for (let i = 0; i < step.count; i++) for (const v of vectors) sys.signal(step.fid, v);
        return null;
      }
      case 'cpu_offline':
        irqMigrateAllOffCpu(k, step.cpu);
        sys.machine.setCpuOperating(step.cpu, false);
        sys.run();
        return null;
      case 'cpu_online':
        sys.machine.setCpuOperating(step.cpu, true);
        irqAffinityOnlineCpu(k, step.cpu);
        sys.run();
        return null;
      case 'fault':
        k.sim.faults.arm(step.point, step.occurrence);
        return null;
      case 'snapshot': {
        let irq = step.irq;
        if (irq === null && step.fid !== null && step.vector !== null) {
          const p = pdevOf(step.fid);
          irq = p ? pciIrqVector(k, p, step.vector) : -1;
        }
        const snap = renderSnapshot(sys, step.view, irq);
        snapshots.push({
          step: step.index,
          line: step.loc.line,
          title: step.label ?? snap.title,
          text: snap.text,
        });
        return null;
      }
      case 'run':
        if (step.ns !== null) sys.machine.run(k.sim.time + step.ns);
        else sys.run();
        return null;
      case 'expect':
        checkExpect(step);
        return null;
      case 'teardown': {
        for (const f of fns.values()) {
          const p = pdevOf(f.spec.fid);
          if (p?.driver) pciUnbindDriver(k, p);
          f.bound = false;
        }
        sys.run();
        for (const f of fns.values()) if (sys.zdev(f.spec.fid)) sys.unplug(f.spec.fid);
        sys.run();
        // A standby function keeps its zpci_dev (and so its bus) until the firmware reserves
        // it (PEC 0x0308): only then is it gone.
        for (const f of fns.values()) if (sys.zdev(f.spec.fid)) sys.machine.reserve(f.spec.fid);
        sys.run();
        sanitizer?.checkQuiescent();
        sanitizer?.checkLeaks();
        return null;
      }
      default: {
        const never: never = step;
        return never;
      }
    }
  };

  const fail = (step: Step, message: string): void => {
    expectFailures.push({ step: step.index, line: step.loc.line, column: step.loc.column, message });
  };

  const checkExpect = (step: StepOf<'expect'>): void => {
    sys.run();
    sanitizer?.checkQuiescent();
    if (step.rc !== null && lastRc !== step.rc) {
      fail(
        step,
        `expected the previous step to return ${errName(step.rc)}, got ${lastRc === null ? 'nothing' : errName(lastRc)}`,
      );
    }
    for (const d of step.deliveries ?? []) {
      if (d.total !== null) {
        let got = 0;
        for (let c = 0; c < nrCpus; c++) got += table.window(d.handler, c);
        if (got !== d.total) fail(step, `handler ${d.handler}: expected ${d.total} invocations, got ${got}`);
      }
      if (d.perCpu) {
        d.perCpu.forEach((want, c) => {
          if (want === null) return;
          const got = table.window(d.handler, c);
          if (got !== want)
            fail(step, `handler ${d.handler} on CPU ${c}: expected ${want} invocations, got ${got}`);
        });
      }
    }
    const dropped = droppedTotal(sys) - droppedBase;
    if (step.dropped !== null && dropped !== step.dropped) {
      fail(step, `expected ${step.dropped} dropped MSI writes, got ${dropped}`);
    }
    if (step.pending !== null) {
      const pending = pendingTotal(sys);
      if (pending !== step.pending) fail(step, `expected ${step.pending} pending vectors, got ${pending}`);
    }
    if (step.findings !== null) {
      const kinds = [...new Set(k.sim.findings.list.map((f) => f.kind))].sort();
      const want = [...new Set(step.findings)].sort();
      if (kinds.join(',') !== want.join(',')) {
        fail(
          step,
          `expected findings ${want.length ? want.join(', ') : 'none'}, got ${kinds.length ? kinds.join(', ') : 'none'}`,
        );
      }
    }
    table.markWindow();
    droppedBase = droppedTotal(sys);
  };

  for (const f of o.faults ?? []) if (f.boot !== true) k.sim.faults.arm(f.point, f.occurrence);
  // A kernel loop that never ends is reported as the kernel's soft-lockup detector would.
  if (o.watchdog !== false)
    installWatchdog(sys, typeof o.watchdog === 'number' ? { pointsPerSample: o.watchdog } : {});
  o.afterBoot?.(sys);
  for (const step of s.steps) {
    if (o.stopBefore !== undefined && step.index >= o.stopBefore) break;
    k.sim.findings.step = step.index;
    k.sim.advance(STEP_NS);
    let rc: number | null = null;
    try {
      rc = runStep(step);
    } catch (e) {
      recordCrash(sys, e);
      stopped = true;
    }
    steps.push({ index: step.index, kind: step.kind, line: step.loc.line, rc });
    if (step.kind !== 'expect' && step.kind !== 'snapshot') lastRc = rc;
    if (stopped) break;
  }
  if (!stopped) {
    try {
      sys.run();
      sanitizer?.checkQuiescent();
    } catch (e) {
      recordCrash(sys, e);
      stopped = true;
    }
  }

  return {
    scenario: s.name,
    file: s.file,
    backend: sys.backend.name,
    delivery: isDirected(s, o) ? 'directed' : 'floating',
    cpus: nrCpus,
    seed: o.seed ?? s.machine.seed,
    steps,
    deliveries: table.rows(),
    snapshots,
    expectFailures,
    findings: [...k.sim.findings.list],
    stopped,
    schedule: sys.machine.sched.explore ? sys.machine.sched.choices.slice() : [],
    dmesg: k.sim.log.render(),
    system: sys,
  };
}

/**
 * An exception out of modelled kernel code: a KernelOops is already a finding; a
 * JavaScript TypeError is the model's NULL dereference and becomes an Oops finding
 * with the model's call chain. The run stops there, as the machine would.
 */
function recordCrash(sys: ZpciSystem, e: unknown): void {
  if (e instanceof KernelOops) return;
  const err = e instanceof Error ? e : new Error(String(e));
  const chain = modelCallChain(err.stack);
  const what = err instanceof TypeError ? 'NULL pointer dereference' : `kernel BUG (${err.message})`;
  sys.k.sim.log.printk(
    'alert',
    `Unable to handle kernel pointer dereference in virtual kernel address space`,
  );
  sys.k.sim.log.printk('emerg', `Oops: ${what}: ${err.message}`);
  sys.k.sim.log.printk('emerg', `Call Trace: ${chain.join(' <- ')}`);
  sys.k.sim.findings.add('Oops', `Oops: ${what}: ${err.message}`, chain);
}

/** MSI writes dropped by the device (disabled) or a machine rule, over all functions. */
export function droppedTotal(sys: ZpciSystem): number {
  let n = 0;
  for (const f of sys.machine.functions) {
    const c = f.counters;
    n +=
      c.dropDisabled +
      c.dropNotRegistered +
      c.dropOutOfRange +
      c.dropBadAddress +
      c.dropNoTarget +
      c.dropNoDisb;
    n += f.device.counters.dropped;
  }
  return n;
}

/** Vectors with their pending bit set in a device (masked when signalled). */
export function pendingTotal(sys: ZpciSystem): number {
  let n = 0;
  for (const f of sys.machine.functions) {
    const d = f.device;
    for (let v = 0; v < d.msixTableSize; v++) if (d.msixPending(v)) n++;
    if (d.msiCap) {
      let bits = d.msiPendingBits;
      while (bits) {
        bits &= bits - 1;
        n++;
      }
    }
  }
  return n;
}
