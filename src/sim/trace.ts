// SPDX-License-Identifier: GPL-2.0-only
/**
 * The event stream. Every state transition worth seeing emits one event; the
 * ftrace and Chrome exporters and tests read this one stream. Emission is
 * guarded by `enabled` at the call site, so a run without tracing allocates
 * nothing for it.
 */

export type TraceArg = number | string | boolean;

export interface TraceEvent {
  /** Simulated time, ns. */
  readonly time: number;
  /** CPU (logical number) the event happened on, or -1 for the machine/firmware. */
  readonly cpu: number;
  /** Event name, e.g. `irq_handler_entry`, `msi_write`, `airq_bit_set`. */
  readonly name: string;
  readonly args: Readonly<Record<string, TraceArg>>;
}

export class Trace {
  enabled = false;
  readonly events: TraceEvent[] = [];
  now: () => number = () => 0;

  emit(cpu: number, name: string, args: Record<string, TraceArg>): void {
    if (!this.enabled) return;
    this.events.push({ time: this.now(), cpu, name, args });
  }
}

/** printk levels as the kernel names them. */
export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';

export interface LogLine {
  readonly time: number;
  readonly level: LogLevel;
  readonly text: string;
}

/** The kernel log (dmesg) of the modelled kernel, in simulated time. */
export class KernelLog {
  readonly lines: LogLine[] = [];
  now: () => number = () => 0;

  printk(level: LogLevel, text: string): void {
    const t = text.endsWith('\n') ? text.slice(0, -1) : text;
    for (const part of t.split('\n')) this.lines.push({ time: this.now(), level, text: part });
  }

  /** Render as `dmesg` does: `[    1.234567] text`. */
  render(): string {
    let s = '';
    for (const l of this.lines) s += `${formatDmesgTime(l.time)} ${l.text}\n`;
    return s;
  }
}

/** `[%5lu.%06lu]` as printk prints the timestamp, from ns. */
export function formatDmesgTime(ns: number): string {
  const sec = Math.floor(ns / 1e9);
  const usec = Math.floor((ns % 1e9) / 1e3);
  return `[${String(sec).padStart(5, ' ')}.${String(usec).padStart(6, '0')}]`;
}
