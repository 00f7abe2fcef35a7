// SPDX-License-Identifier: GPL-2.0-only
/**
 * Return codes are known only after a run. A generated driver step that was valid
 * statically can become driver misuse when an earlier call failed: free_irq of an IRQ
 * whose request_irq returned -EBUSY, pci_alloc_irq_vectors after a failed probe, ...
 * (a real driver checks the return codes and does not do that). The kernel WARNs about
 * such misuse; those WARNs say nothing about the backend. findMisuse() replays the
 * driver's bookkeeping with the return codes of a run and names the steps a correct
 * driver would not have made; the engine drops them (and whatever they made invalid)
 * and runs again.
 */
import type { RunResult } from '../runner.ts';
import type { Scenario } from '../scenario/schema.ts';

interface Shadow {
  bound: boolean;
  nvec: number;
  /** Handlers requested per vector (request_irq returned 0). */
  readonly requested: Map<number, Set<string>>;
  /** A `request: all` failed part way, or recovery may have unbound the driver: bookkeeping unknown. */
  unsure: boolean;
}

/** Kernel messages of driver misuse (the driver's mistake, not the backend's). */
const MISUSE_WARN = /already-free IRQ|Unbalanced enable|Trying to free|free_irq|was not requested/i;

/** Step indexes of driver misuse given the run's return codes. */
export function findMisuse(s: Scenario, r: RunResult): Set<number> {
  const out = new Set<number>();
  const sh = new Map<number, Shadow>();
  const get = (fid: number): Shadow => {
    let x = sh.get(fid);
    if (!x) {
      x = { bound: false, nvec: 0, requested: new Map(), unsure: false };
      sh.set(fid, x);
    }
    return x;
  };
  const reset = (x: Shadow): void => {
    x.bound = false;
    x.nvec = 0;
    x.requested.clear();
    x.unsure = false;
  };
  const warnAt = new Set<number>();
  for (const f of r.findings) if (f.kind === 'WARN' && MISUSE_WARN.test(f.message)) warnAt.add(f.step);
  for (const res of r.steps) {
    const st = s.steps[res.index];
    if (!st) continue;
    const rc = res.rc;
    switch (st.kind) {
      case 'bind': {
        const x = get(st.fid);
        x.bound = rc === 0;
        break;
      }
      case 'unbind':
      case 'unplug':
        reset(get(st.fid));
        break;
      case 'teardown':
        for (const x of sh.values()) reset(x);
        break;
      case 'error':
        // recovery may fail and remove the driver: the driver's view is uncertain from here
        get(st.fid).unsure = true;
        break;
      case 'recover':
        if (rc !== 0) get(st.fid).unsure = true;
        break;
      case 'alloc': {
        const x = get(st.fid);
        if (!x.bound) out.add(res.index);
        else x.nvec = rc !== null && rc > 0 ? rc : 0;
        break;
      }
      case 'free_vectors': {
        const x = get(st.fid);
        if (!x.bound) out.add(res.index);
        x.nvec = 0;
        x.requested.clear();
        break;
      }
      case 'request': {
        const x = get(st.fid);
        if (!x.bound || x.nvec === 0) {
          out.add(res.index);
          break;
        }
        if (st.vector === 'all') {
          if (rc !== 0) x.unsure = true;
          else for (let v = 0; v < x.nvec; v++) addReq(x, v, st.handler);
        } else if (rc === 0) addReq(x, st.vector, st.handler);
        break;
      }
      case 'free_irq': {
        const x = get(st.fid);
        const v = st.vector as number;
        const hs = x.requested.get(v);
        const known = hs?.has(st.handler ?? '') === true;
        if (!known && (!x.unsure || warnAt.has(res.index))) out.add(res.index);
        if (hs) {
          hs.delete(st.handler ?? '');
          if (hs.size === 0) x.requested.delete(v);
        }
        break;
      }
      case 'enable_irq':
      case 'disable_irq': {
        const x = get(st.fid);
        if (!x.requested.has(st.vector) && (!x.unsure || warnAt.has(res.index))) out.add(res.index);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function addReq(x: Shadow, v: number, h: string): void {
  let s = x.requested.get(v);
  if (!s) {
    s = new Set();
    x.requested.set(v, s);
  }
  s.add(h);
}
