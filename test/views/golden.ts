// SPDX-License-Identifier: GPL-2.0-only
/** Access to the golden excerpts of real kernel output (see test/fixtures/captures/PROVENANCE.md). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'captures');

export function golden(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** The lines of a golden file (without the final empty string after the last newline). */
export function goldenLines(name: string): string[] {
  const t = golden(name);
  return (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n');
}

/** The s390 sub-class lines of a /proc/interrupts capture (the lines with a "[...]" description). */
export function classLinesOf(text: string): string {
  return text
    .split('\n')
    .filter((l) => /^[A-Z0-9]{3}: .*\s\[[A-Z/]+\] /.test(l))
    .map((l) => `${l}\n`)
    .join('');
}

/** `$(cat file)`: command substitution strips trailing newlines; a missing file gives "". */
export function subst(s: string | null): string {
  return (s ?? '').replace(/\n+$/, '');
}

/** The init.sh filter: grep -v -E '^(CLK|EXC|...|WTI):' */
export function dropClassLines(text: string): string {
  const re =
    /^(CLK|EXC|EMS|TMR|TAL|PFL|DSD|VRT|SCP|IUC|CMS|CMC|FTP|CIO|DAS|C15|C70|TAP|VMR|LCS|CTC|ADM|CSC|VIR|QAI|APB|VAI|GAL|NMI|RST|WTI):/;
  return text
    .split('\n')
    .filter((l) => !re.test(l))
    .join('\n');
}
