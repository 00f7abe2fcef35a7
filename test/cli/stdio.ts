// SPDX-License-Identifier: GPL-2.0-only
// What the irqlab command writes, captured for in-process CLI tests.
import { afterEach, beforeEach, vi } from 'vitest';

export interface Stdio {
  /** Everything written to stdout / stderr since the test began (tests may reset them). */
  out: string;
  err: string;
}

/** Capture process.stdout and process.stderr for every test of the calling file. */
export function captureStdio(): Stdio {
  const io: Stdio = { out: '', err: '' };
  beforeEach(() => {
    io.out = '';
    io.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      io.out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      io.err += String(s);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return io;
}
