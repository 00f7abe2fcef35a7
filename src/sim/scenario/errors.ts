// SPDX-License-Identifier: GPL-2.0-only
/**
 * Scenario validation errors: data first (file, line, column, message), text
 * only in formatError(). Also the small wording helpers every message uses, so
 * that all messages read the same way: `<path>: expected <what>, got <value>`.
 */

/** One problem in a scenario file. Line and column are 1-based. */
export interface ScenarioError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `<path>: <what is wrong>`, e.g. `steps[3].fire.vector: expected an integer between 0 and 63 ..., got 64`. */
  readonly message: string;
}

/** `file:line:column: message`, the format compilers use (editors jump to it). */
export function formatError(e: ScenarioError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.message}`;
}

/** Sort by position, then text; drop exact duplicates. */
export function sortErrors(errors: readonly ScenarioError[]): ScenarioError[] {
  const sorted = [...errors].sort(
    (a, b) =>
      a.line - b.line || a.column - b.column || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  const out: ScenarioError[] = [];
  for (const e of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.line === e.line && prev.column === e.column && prev.message === e.message) continue;
    out.push(e);
  }
  return out;
}

/** A path into the document: mapping keys and list indices. */
export type DocPath = readonly (string | number)[];

/** `machine.cpus[2].address`; the empty path is `scenario`. */
export function displayPath(path: DocPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s === '' ? 'scenario' : s;
}

/** How a value is shown after `got`: `64`, `"abc"`, `a list`, `a mapping`, `an empty value`. */
export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'an empty value';
  if (typeof v === 'string') {
    const s = v.length > 40 ? `${v.slice(0, 37)}...` : v;
    // JSON escaping keeps messages on one line; also escape U+2028/2029.
    return JSON.stringify(s)
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029');
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

/** `0x10`: fids and CPU addresses are shown in hex, lower case, no padding. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** English list: `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Edit distance with adjacent transpositions (optimal string alignment), small strings only. */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    d.push(row);
  }
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * ` (did you mean 'steps'?)` when one candidate is close enough (a small edit
 * distance, or the word is a prefix of it), else ''.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const w = word.toLowerCase();
  let best = '';
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  if (best !== '' && bestD <= limit) return ` (did you mean '${best}'?)`;
  if (w.length >= 3) {
    for (const c of candidates) if (c.toLowerCase().startsWith(w)) return ` (did you mean '${c}'?)`;
  }
  return '';
}
