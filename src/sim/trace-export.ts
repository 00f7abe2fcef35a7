// SPDX-License-Identifier: GPL-2.0-only
/**
 * Trace exporters: ftrace-style text (the irq tracepoints in the kernel's format,
 * plus irqlab events for the machine) and Chrome Trace Event JSON for the Perfetto UI.
 */
import type { TraceArg, TraceEvent } from './trace.ts';

/** `%5lu.%06lu` seconds from ns, as ftrace prints timestamps. */
function ftraceTime(ns: number): string {
  const sec = Math.floor(ns / 1e9);
  const usec = Math.floor((ns % 1e9) / 1e3);
  return `${String(sec).padStart(5, ' ')}.${String(usec).padStart(6, '0')}`;
}

function argsText(args: Readonly<Record<string, TraceArg>>): string {
  return Object.entries(args)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'number' && k !== 'irq' && k !== 'isc' && k !== 'cpu' ? `0x${(v >>> 0).toString(16)}` : String(v)}`,
    )
    .join(' ');
}

/**
 * One line per event, as `cat /sys/kernel/tracing/trace` shows it:
 * `          <idle>-0       [001] d.h1.     0.000123: irq_handler_entry: irq=3 name=nic_comp`.
 * Machine events (cpu -1) are shown on the "firmware" task.
 */
export function renderFtrace(events: readonly TraceEvent[]): string {
  let out = '# tracer: nop\n#\n';
  out += '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n';
  out += '#              | |         |   |||||     |         |\n';
  for (const e of events) {
    // `%16s-%-7d` (comm-pid) as the trace file prints it; machine events run on "firmware".
    const task = `${(e.cpu < 0 ? 'firmware' : '<idle>').padStart(16)}-${'0'.padEnd(7)}`;
    const cpu = e.cpu < 0 ? '---' : String(e.cpu).padStart(3, '0');
    let body: string;
    if (e.name === 'irq_handler_entry') body = `irq=${e.args['irq']} name=${e.args['name']}`;
    else if (e.name === 'irq_handler_exit')
      body = `irq=${e.args['irq']} ret=${e.args['ret'] === 0 ? 'unhandled' : 'handled'}`;
    else body = argsText(e.args);
    out += `${task} [${cpu}] d.h1. ${ftraceTime(e.time)}: ${e.name}: ${body}\n`;
  }
  return out;
}

/**
 * Chrome Trace Event JSON (loads in ui.perfetto.dev): pid 1 = the kernel with one
 * track per CPU (handler runs as complete slices), pid 2 = the machine with a track
 * for the firmware and instants for MSI writes, counters for pending interruptions.
 */
export function renderChromeTrace(events: readonly TraceEvent[], nrCpus: number): string {
  const out: Record<string, unknown>[] = [];
  out.push({ ph: 'M', name: 'process_name', pid: 1, args: { name: 'Linux (model)' } });
  out.push({ ph: 'M', name: 'process_name', pid: 2, args: { name: 'IBM Z machine (model)' } });
  for (let c = 0; c < nrCpus; c++)
    out.push({ ph: 'M', name: 'thread_name', pid: 1, tid: c, args: { name: `CPU ${c}` } });
  const fids = new Set<number>();
  const open = new Map<string, { ts: number; name: string; args: Record<string, TraceArg> }>();
  let pending = 0;
  for (const e of events) {
    const ts = e.time / 1000;
    switch (e.name) {
      case 'irq_handler_entry':
        open.set(`${e.cpu}/${e.args['irq']}`, {
          ts,
          name: `irq ${e.args['irq']}: ${e.args['name']}`,
          args: { ...e.args },
        });
        break;
      case 'irq_handler_exit': {
        const key = `${e.cpu}/${e.args['irq']}`;
        const o = open.get(key);
        if (o) {
          out.push({
            ph: 'X',
            name: o.name,
            cat: 'irq',
            ts: o.ts,
            dur: Math.max(ts - o.ts, 0.001),
            pid: 1,
            tid: e.cpu,
            args: { ...o.args, ret: e.args['ret'] },
          });
          open.delete(key);
        }
        break;
      }
      case 'msi_write': {
        const fid = Number(e.args['fid']);
        if (!fids.has(fid)) {
          fids.add(fid);
          out.push({
            ph: 'M',
            name: 'thread_name',
            pid: 2,
            tid: 1000 + fid,
            args: { name: `zpci fid 0x${fid.toString(16)}` },
          });
        }
        out.push({
          ph: 'i',
          s: 't',
          name: 'msi_write',
          cat: 'msi',
          ts,
          pid: 2,
          tid: 1000 + fid,
          args: { ...e.args },
        });
        break;
      }
      case 'airq_raise':
        pending++;
        out.push({ ph: 'C', name: 'pending interruptions', ts, pid: 2, args: { pending } });
        out.push({ ph: 'i', s: 't', name: e.name, cat: 'machine', ts, pid: 2, tid: 0, args: { ...e.args } });
        break;
      case 'io_interruption':
        pending = Math.max(0, pending - 1);
        out.push({ ph: 'C', name: 'pending interruptions', ts, pid: 2, args: { pending } });
        out.push({
          ph: 'i',
          s: 't',
          name: e.name,
          cat: 'interrupt',
          ts,
          pid: 1,
          tid: e.cpu,
          args: { ...e.args },
        });
        break;
      default:
        out.push({
          ph: 'i',
          s: 't',
          name: e.name,
          cat: e.cpu < 0 ? 'machine' : 'kernel',
          ts,
          pid: e.cpu < 0 ? 2 : 1,
          tid: Math.max(e.cpu, 0),
          args: { ...e.args },
        });
    }
  }
  out.push({ ph: 'M', name: 'thread_name', pid: 2, tid: 0, args: { name: 'firmware' } });
  return `${JSON.stringify({ traceEvents: out, displayTimeUnit: 'ns', otherData: { generator: 'irqlab' } })}\n`;
}
