// SPDX-License-Identifier: GPL-2.0-only
/**
 * Findings: what the model reports about the code it runs. Kernel-style WARNs,
 * Oopses, and sanitizer reports all land here as data; presentation is elsewhere.
 */

export type FindingKind =
  | 'WARN' // WARN()/WARN_ON() fired in modelled kernel code (API misuse)
  | 'Oops' // NULL or freed-object dereference in modelled kernel code
  | 'BUG' // BUG_ON() in modelled kernel code
  | 'lost-irq' // an MSI write never reached its handler
  | 'spurious-irq' // a handler ran more often than its vector was written
  | 'misrouted-irq' // a handler ran for a vector it does not own, or on the wrong CPU
  | 'use-after-free' // kernel access to a released object (airq_iv, irq_data, ...)
  | 'dma-use-after-free' // firmware write into released vector memory
  | 'out-of-bounds' // index beyond a vector's size
  | 'double-owner' // a vector bit, slot or hwirq handed to two owners
  | 'leak' // allocation left after teardown
  | 'swallowed-fault' // an injected fault reported as success and changed behaviour
  | 'unhandled-fault' // an injected fault whose error was not undone
  | 'soft-lockup'; // the soft-lockup detector: kernel code loops without scheduling (src/sim/watchdog.ts)

export interface Finding {
  readonly kind: FindingKind;
  /** One-paragraph text in kernel terms. */
  readonly message: string;
  /** Model call chain, innermost first (function names), where known. */
  readonly callChain: readonly string[];
  /** Simulated time (ns) when it was found. */
  readonly time: number;
  /** Index of the scenario step that was running, or -1. */
  readonly step: number;
}

/** Thrown to stop a run the way the machine would stop: Oops or BUG (and a soft lockup, which the model cannot run past). */
export class KernelOops extends Error {
  readonly finding: Finding;
  constructor(finding: Finding) {
    super(finding.message);
    this.name = 'KernelOops';
    this.finding = finding;
  }
}

/** Extract model function names from a JS stack, innermost first, for Oops reports. */
export function modelCallChain(stack: string | undefined, skip = 0): string[] {
  if (!stack) return [];
  const out: string[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:async )?(?:new )?([\w$.<>]+)(?: \[as [\w$]+\])? \(/.exec(line);
    if (!m?.[1]) continue;
    const name = m[1].replace(/^(?:Object|Array|Map)\./, '');
    if (name === 'runStep' || name === 'runScenario' || name === 'processTicksAndRejections') break;
    out.push(name);
  }
  return out.slice(skip);
}

export class Findings {
  readonly list: Finding[] = [];
  /** Current simulated time provider and step index, set by the simulation. */
  now: () => number = () => 0;
  step = -1;

  add(kind: FindingKind, message: string, callChain: readonly string[] = []): Finding {
    const f: Finding = { kind, message, callChain, time: this.now(), step: this.step };
    this.list.push(f);
    return f;
  }

  count(kind?: FindingKind): number {
    if (kind === undefined) return this.list.length;
    let n = 0;
    for (const f of this.list) if (f.kind === kind) n++;
    return n;
  }
}
