// SPDX-License-Identifier: GPL-2.0-only
/**
 * The simulation context shared by the machine and the kernel model: the
 * virtual clock, the seeded RNG, findings, fault plan, trace and kernel log.
 * Nothing in src/kernel, src/arch, src/hw or src/drivers reads wall time or
 * Math.random; all of it comes from here.
 */
import { FaultInjector } from './faults.ts';
import { Findings } from './findings.ts';
import { KernelLog, Trace } from './trace.ts';

/** A small deterministic PRNG (xoshiro128**), seeded; allocation-free per draw. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over the state
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** Next u32. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return r;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.nextU32() % n;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Sim {
  /** Simulated time in ns. */
  time = 0;
  readonly rng: Rng;
  readonly findings = new Findings();
  readonly faults = new FaultInjector();
  readonly trace = new Trace();
  readonly log = new KernelLog();

  constructor(seed = 1) {
    this.rng = new Rng(seed);
    const now = (): number => this.time;
    this.findings.now = now;
    this.faults.now = now;
    this.trace.now = now;
    this.log.now = now;
  }

  /** Advance the clock. */
  advance(ns: number): void {
    this.time += ns;
  }
}
