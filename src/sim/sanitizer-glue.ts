// SPDX-License-Identifier: GPL-2.0-only
/** The runner's view of the sanitizer (src/sim/sanitizer.ts). */
import type { ZpciSystem } from '../arch/s390/pci/system.ts';
import { attachSanitizer as attach } from './sanitizer.ts';

export interface SanitizerHandle {
  snapshotBaseline(): void;
  checkQuiescent(): void;
  checkLeaks(): void;
  recordOops(e: unknown): void;
}

/** Attach the sanitizer to a booted system's kernel and machine. */
export function attachSanitizer(sys: ZpciSystem): SanitizerHandle {
  const s = attach(sys.k, sys.machine);
  return {
    snapshotBaseline: () => s.snapshotBaseline(),
    checkQuiescent: () => {
      s.checkQuiescent();
    },
    checkLeaks: () => {
      s.checkLeaks();
    },
    recordOops: (e) => {
      s.recordOops(e);
    },
  };
}
