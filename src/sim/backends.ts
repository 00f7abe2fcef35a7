// SPDX-License-Identifier: GPL-2.0-only
/**
 * Which zPCI backend a run uses: the four built in, or a user's own module
 * (docs/backend-api.md). A module is imported once, before the run, and registered
 * under its resolved path; runs then find it by that name.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getBackend, registerZpciIrqBackend, type ZpciIrqBackend } from '../arch/s390/pci/backend.ts';
import { createDomainBackend } from '../arch/s390/pci/pci_irq.domain.ts';
import '../arch/s390/pci/pci_irq.legacy.ts';
import '../arch/s390/pci/pci_irq.mainline.ts';
import '../arch/s390/pci/pci_irq.v1.ts';
import type { RunOverrides } from './runner.ts';
import type { Scenario } from './scenario/schema.ts';

export const BUILTIN_BACKEND_NAMES = ['legacy', 'v1', 'mainline', 'domain'] as const;

export function isBuiltinBackend(name: string): boolean {
  return (BUILTIN_BACKEND_NAMES as readonly string[]).includes(name);
}

/** The backend instance for a run: the override, else the scenario's `machine.backend`. */
export function resolveBackend(s: Scenario, o: RunOverrides): ZpciIrqBackend {
  const b = s.machine.backend;
  const name = o.backend ?? (b.kind === 'module' ? userBackendKey(s.file, b.path) : b.kind);
  if (name === 'domain') {
    const parentDomain = o.parentDomain ?? (b.kind === 'domain' ? b.parentDomain : 'global');
    return createDomainBackend({ parentDomain });
  }
  const be = getBackend(name);
  if (!be) throw new Error(`backend ${name} is not loaded`);
  return be;
}

/** The registry key of a user backend module: its absolute path. */
export function userBackendKey(scenarioFile: string, path: string): string {
  if (isAbsolute(path)) return path;
  const base = scenarioFile.includes('/') ? scenarioFile.slice(0, scenarioFile.lastIndexOf('/')) : '.';
  return resolve(base, path);
}

/**
 * Import a user backend module and register it. The module's default export (or its
 * `createBackend` export) is a factory returning a ZpciIrqBackend. Returns the
 * registry key, or an error message for the user.
 */
export async function loadUserBackend(absPath: string): Promise<{ key: string } | { error: string }> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  } catch (e) {
    return { error: `cannot load backend module ${absPath}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const factory = (mod['createBackend'] ?? mod['default']) as unknown;
  if (typeof factory !== 'function') {
    return {
      error: `backend module ${absPath}: expected a default export (or export createBackend) that returns a ZpciIrqBackend`,
    };
  }
  const probe = (factory as () => unknown)();
  if (
    !probe ||
    typeof (probe as ZpciIrqBackend).zpciIrqInit !== 'function' ||
    typeof (probe as ZpciIrqBackend).name !== 'string'
  ) {
    return {
      error: `backend module ${absPath}: the factory must return an object with name and zpciIrqInit(k)`,
    };
  }
  registerZpciIrqBackend(absPath, factory as () => ZpciIrqBackend);
  return { key: absPath };
}
