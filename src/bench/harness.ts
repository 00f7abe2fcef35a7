// SPDX-License-Identifier: GPL-2.0-only
/**
 * Bench harness: builds a booted zPCI system with N functions bound to a minimal
 * MSI-X driver whose action handler only counts (a Uint32Array slot), and drives the
 * end-to-end delivery path: the function signals a vector -> firmware sets the
 * indicator bits -> the adapter interruption is presented -> the s390 handler scans ->
 * domain lookup -> flow handler -> action handler.
 *
 * Nothing here is model code: it may read the wall clock.
 */
import '../arch/s390/pci/pci_irq.domain.ts';
import '../arch/s390/pci/pci_irq.legacy.ts';
import '../arch/s390/pci/pci_irq.mainline.ts';
import '../arch/s390/pci/pci_irq.v1.ts';
import { createZpciSystem, type ZpciSystem } from '../arch/s390/pci/system.ts';
import { pciAllocIrqVectors, pciFreeIrqVectors, pciIrqVector } from '../drivers/pci/msi/api.ts';
import type { PciFunctionHw } from '../hw/pci/device.ts';
import { IRQ_HANDLED } from '../include/linux/irq.ts';
import { PCI_IRQ_MSIX, type PciDev, type PciDriver } from '../include/linux/pci.ts';
import { IRQF_NOBALANCING } from '../kernel/irq/internals.ts';
import { freeIrq, requestIrq } from '../kernel/irq/manage.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { attachSanitizer } from '../sim/sanitizer.ts';

export type BenchBackend = 'legacy' | 'v1' | 'mainline' | 'domain';
export type BenchDelivery = 'floating' | 'directed';
export const BENCH_BACKENDS: readonly BenchBackend[] = ['legacy', 'v1', 'mainline', 'domain'];
export const BENCH_DELIVERIES: readonly BenchDelivery[] = ['floating', 'directed'];

/** First FID of the bench functions (fid = BENCH_FID0 + i). */
export const BENCH_FID0 = 0x100;

export interface BenchSystemOptions {
  backend: BenchBackend;
  delivery: BenchDelivery;
  /** Functions cold-plugged and bound (default 1). */
  functions?: number;
  /** MSI-X vectors per function, all allocated and requested (default 64). */
  vectors?: number;
  /** Attach the sanitizer (default false). */
  sanitizer?: boolean;
  /** CPUs (default 2). */
  cpus?: number;
  /** Bind the driver to the functions at setup (default true). */
  bind?: boolean;
}

/** A booted bench system. */
export interface BenchSystem {
  readonly sys: ZpciSystem;
  readonly fids: readonly number[];
  /** Action handler invocations (slot 0), the only per-interrupt work of the driver. */
  readonly hits: Uint32Array;
  readonly driver: PciDriver;
  readonly vectors: number;
  /** request_irq return codes that were not 0 (setup problems). */
  readonly requestErrors: number[];
}

/** v1 floating Oopses in request_irq's affinity setup unless the line is IRQF_NOBALANCING. */
export function irqFlagsFor(backend: BenchBackend): number {
  return backend === 'v1' ? IRQF_NOBALANCING : 0;
}

/** A combination the model cannot run, with the reason (null = supported). */
export function unsupported(backend: BenchBackend, delivery: BenchDelivery): string | null {
  if (backend === 'v1' && delivery === 'directed') {
    return 'v1 directed cannot allocate vectors (probe fails; notes/backends/v1.md)';
  }
  return null;
}

/**
 * The bench's MSI-X driver: probe allocates `nvec` vectors (min = max) and requests each with a
 * handler that only counts into `hits[0]`; remove frees the IRQs and the vectors.
 */
export function createBenchDriver(
  nvec: number,
  irqFlags: number,
  hits: Uint32Array,
  requestErrors: number[],
): PciDriver {
  const handler = (_k: Kernel, _irq: number, _dev: unknown): number => {
    hits[0]!++;
    return IRQ_HANDLED;
  };
  const bound = new Map<PciDev, number>();
  return {
    name: 'irqlab-bench',
    idTable: [],
    probe(k, p) {
      const n = pciAllocIrqVectors(k, p, nvec, nvec, PCI_IRQ_MSIX);
      if (n < 0) return n;
      bound.set(p, n);
      for (let i = 0; i < n; i++) {
        const rc = requestIrq(k, pciIrqVector(k, p, i), handler, irqFlags, 'bench', p);
        if (rc !== 0) requestErrors.push(rc);
      }
      return 0;
    },
    remove(k, p) {
      const n = bound.get(p) ?? 0;
      for (let i = 0; i < n; i++) freeIrq(k, pciIrqVector(k, p, i), p);
      pciFreeIrqVectors(k, p);
      bound.delete(p);
    },
    errHandler: null,
  };
}

/** Build, boot and bind a bench system. Throws with a readable message when setup fails. */
export function createBenchSystem(o: BenchSystemOptions): BenchSystem {
  const nfn = o.functions ?? 1;
  const nvec = o.vectors ?? 64;
  const cpus = o.cpus ?? 2;
  const fids: number[] = [];
  const functions = [];
  for (let i = 0; i < nfn; i++) {
    const fid = BENCH_FID0 + i;
    fids.push(fid);
    functions.push({ fid, uid: i + 1, msixVectors: nvec });
  }
  const sys = createZpciSystem({
    backend: o.backend,
    directed: o.delivery === 'directed',
    nrCpus: cpus,
    memSize: 16 << 20,
    groups: [{ pfgid: 1, noi: Math.max(128, nvec) }],
    functions,
  });
  if (sys.initRc !== 0) throw new Error(`bench: ${o.backend} zpci init failed: ${sys.initRc}`);
  if (o.sanitizer) {
    const san = attachSanitizer(sys.k, sys.machine);
    san.snapshotBaseline();
  }
  const hits = new Uint32Array(1);
  const requestErrors: number[] = [];
  const driver = createBenchDriver(nvec, irqFlagsFor(o.backend), hits, requestErrors);
  if (o.bind !== false) {
    for (const fid of fids) {
      const rc = sys.bind(fid, driver);
      if (rc !== 0)
        throw new Error(
          `bench: ${o.backend}/${o.delivery}: probe of fid 0x${fid.toString(16)} failed: ${rc}`,
        );
    }
    if (requestErrors.length > 0) {
      throw new Error(`bench: ${o.backend}/${o.delivery}: request_irq failed: ${requestErrors[0]}`);
    }
  }
  return { sys, fids, hits, driver, vectors: nvec, requestErrors };
}

/**
 * Single: `n` interrupts, each one MSI then run to idle (one adapter interruption per MSI).
 * Vectors rotate over the first function's vectors. Returns the handler invocations.
 */
export function runSingle(b: BenchSystem, n: number): number {
  const m = b.sys.machine;
  const fid = b.fids[0]!;
  const nv = b.vectors;
  const before = b.hits[0]!;
  let v = 0;
  for (let i = 0; i < n; i++) {
    m.signal(fid, v);
    m.run();
    if (++v === nv) v = 0;
  }
  return b.hits[0]! - before;
}

/** Burst: `rounds` times, `per` MSIs (distinct vectors) pending, then one run. */
export function runBurst(b: BenchSystem, rounds: number, per: number): number {
  const m = b.sys.machine;
  const fid = b.fids[0]!;
  const before = b.hits[0]!;
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < per; v++) m.signal(fid, v);
    m.run();
  }
  return b.hits[0]! - before;
}

/**
 * Single over all functions: interrupt i goes to function i mod N (vector 0 of each). The
 * device of each function raises the vector itself (PciFunctionHw.signal, step 1 of the MSI
 * path): Machine.signal(fid) would add the test API's fid -> function Map lookup, which is
 * no part of the delivery path and grows with N.
 */
export function runSingleAcross(b: BenchSystem, n: number): number {
  const m = b.sys.machine;
  const devs: PciFunctionHw[] = [];
  for (const fid of b.fids) {
    const fn = m.fn(fid);
    if (fn) devs.push(fn.device);
  }
  const nf = devs.length;
  const before = b.hits[0]!;
  let f = 0;
  for (let i = 0; i < n; i++) {
    devs[f]!.signal(0);
    m.run();
    if (++f === nf) f = 0;
  }
  return b.hits[0]! - before;
}

/** Single rotating over the first `nv` vectors of function 0. */
export function runSingleVectors(b: BenchSystem, n: number, nv: number): number {
  const m = b.sys.machine;
  const fid = b.fids[0]!;
  const before = b.hits[0]!;
  let v = 0;
  for (let i = 0; i < n; i++) {
    m.signal(fid, v);
    m.run();
    if (++v === nv) v = 0;
  }
  return b.hits[0]! - before;
}
