// SPDX-License-Identifier: GPL-2.0-only
/**
 * Differential comparison of two runs of one scenario: what a driver and a user can
 * observe — the deliveries per handler and CPU, the return codes of the steps, and
 * the findings. Differences the kernel intends (chip names, domain names in views)
 * are not behaviour and are not compared.
 */
import { errName } from '../include/linux/errno.ts';
import type { RunResult } from './runner.ts';

export interface Difference {
  readonly what: 'delivery' | 'rc' | 'finding' | 'stopped';
  readonly text: string;
}

export function compareRuns(a: RunResult, b: RunResult): Difference[] {
  const out: Difference[] = [];
  const handlers = [
    ...new Set([...a.deliveries.map((d) => d.handler), ...b.deliveries.map((d) => d.handler)]),
  ].sort();
  for (const h of handlers) {
    const da = a.deliveries.find((d) => d.handler === h);
    const db = b.deliveries.find((d) => d.handler === h);
    const n = Math.max(a.cpus, b.cpus);
    for (let c = 0; c < n; c++) {
      const x = da?.perCpu[c] ?? 0;
      const y = db?.perCpu[c] ?? 0;
      if (x !== y)
        out.push({
          what: 'delivery',
          text: `handler ${h} on CPU ${c}: ${a.backend} ${x}, ${b.backend} ${y}`,
        });
    }
  }
  const steps = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < steps; i++) {
    const x = a.steps[i];
    const y = b.steps[i];
    if (!x || !y) {
      const s = (x ?? y)!;
      out.push({
        what: 'rc',
        text: `step ${s.index} (${s.kind}, line ${s.line}) ran only on ${x ? a.backend : b.backend}`,
      });
      continue;
    }
    if (x.rc !== y.rc) {
      out.push({
        what: 'rc',
        text: `step ${x.index} (${x.kind}, line ${x.line}) returned ${x.rc === null ? '-' : errName(x.rc)} on ${a.backend}, ${y.rc === null ? '-' : errName(y.rc)} on ${b.backend}`,
      });
    }
  }
  const kinds = (r: RunResult): Map<string, number> => {
    const m = new Map<string, number>();
    for (const f of r.findings) m.set(f.kind, (m.get(f.kind) ?? 0) + 1);
    return m;
  };
  const ka = kinds(a);
  const kb = kinds(b);
  for (const kind of [...new Set([...ka.keys(), ...kb.keys()])].sort()) {
    if ((ka.get(kind) ?? 0) !== (kb.get(kind) ?? 0)) {
      out.push({
        what: 'finding',
        text: `${kind} findings: ${a.backend} ${ka.get(kind) ?? 0}, ${b.backend} ${kb.get(kind) ?? 0}`,
      });
    }
  }
  if (a.stopped !== b.stopped) {
    out.push({
      what: 'stopped',
      text: `the run stopped at an Oops on ${a.stopped ? a.backend : b.backend} only`,
    });
  }
  return out;
}
