// SPDX-License-Identifier: GPL-2.0-only
/**
 * What every irqlab command shares: the common options with one spelling, loading a
 * scenario (the embedded default when no file is given), user errors that exit 2
 * with `file:line:column: message`, and writing output files atomically.
 *
 * Start-up time matters here (`irqlab run` is the demo): this module loads nothing but
 * commander and node built-ins; the scenario loader (zod, yaml) and the model are
 * imported when a command needs them.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RunOverrides } from '../sim/runner.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { prevalidatedDefault } from './default-scenario.ts';

/** A mistake of the user's: printed as is, exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Defined (true) by the bundler in the bundled command (scripts/build-cli.mjs). */
declare const IRQLAB_BUNDLED: boolean | undefined;

/**
 * Thrown by the bundled command before it loads a user backend module: the module must
 * share the model's modules with the command (docs/backend-api.md), so program.ts runs the
 * command again on the unbundled dist.
 */
export class NeedsUnbundled extends Error {}

function needUnbundledModel(): void {
  if (typeof IRQLAB_BUNDLED !== 'undefined' && IRQLAB_BUNDLED)
    throw new NeedsUnbundled('user backend module');
}

export interface CommonOptions {
  backend?: string;
  delivery?: 'floating' | 'directed';
  parentDomain?: 'global' | 'per-bus';
  cpus?: number;
  seed?: number;
  format: 'text' | 'json';
  trace?: string;
  traceFormat: 'ftrace' | 'chrome';
}

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new InvalidArgumentError(`${name} must be an integer`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}`);
    return n;
  };
}

export const parseSeed = intArg('the seed', 0, 0xffffffff);

/** Add the common options to a command. */
export function addCommonOptions(cmd: Command, opts: { trace?: boolean } = {}): Command {
  cmd
    .option('--backend <name>', 'legacy | v1 | mainline | domain | PATH to a backend module')
    .addOption(new Option('--delivery <mode>', 'interrupt delivery').choices(['floating', 'directed']))
    .addOption(
      new Option(
        '--parent-domain <kind>',
        'domain backend: one MSI parent domain, or one per zPCI bus',
      ).choices(['global', 'per-bus']),
    )
    .option('--cpus <n>', 'number of CPUs (all online)', intArg('--cpus', 1, 512))
    .option('--seed <n>', 'RNG seed', parseSeed)
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'));
  if (opts.trace !== false) {
    cmd
      .option('--trace <file>', 'write a trace of the run to FILE')
      .addOption(
        new Option('--trace-format <fmt>', 'trace format').choices(['ftrace', 'chrome']).default('ftrace'),
      );
  }
  return cmd;
}

/** The embedded default scenario's text (examples/default.yaml of this package). */
export function defaultScenarioText(): { text: string; file: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  const path = resolve(here, '../../examples/default.yaml');
  return { text: readFileSync(path, 'utf8'), file: '<default>' };
}

/**
 * Load a scenario file (or the default) and validate it; errors exit 2. The default comes
 * pre-validated from the build (dist/cli/default-scenario.json) when that was made from the
 * same text; otherwise it is validated like any file.
 */
export async function loadScenarioOrExit(path: string | undefined): Promise<Scenario> {
  let text: string;
  let file: string;
  if (path === undefined) {
    ({ text, file } = defaultScenarioText());
    const pre = prevalidatedDefault(text);
    if (pre) return pre;
  } else {
    file = path;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new UsageError(
        `${path}:1:1: cannot read scenario file: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
      );
    }
  }
  const { validateScenarioText } = await import('./validate.ts');
  const r = validateScenarioText(text, file);
  if (!r.ok) throw new UsageError(r.message);
  return r.scenario;
}

/** Turn the common options into run overrides; loads a backend module given by path. */
export async function overridesFrom(o: CommonOptions, s: Scenario | null): Promise<RunOverrides> {
  const out: RunOverrides = {};
  const { isBuiltinBackend, loadUserBackend, userBackendKey } = await import('../sim/backends.ts');
  if (o.backend !== undefined) {
    if (isBuiltinBackend(o.backend)) out.backend = o.backend;
    else if (/[/.]/.test(o.backend)) {
      needUnbundledModel();
      const r = await loadUserBackend(resolve(o.backend));
      if ('error' in r) throw new UsageError(`irqlab: ${r.error}`);
      out.backend = r.key;
    } else {
      throw new UsageError(
        `irqlab: --backend: expected legacy, v1, mainline, domain or a path to a backend module, got "${o.backend}"`,
      );
    }
  } else if (s?.machine.backend.kind === 'module') {
    needUnbundledModel();
    const key = userBackendKey(s.file, s.machine.backend.path);
    const r = await loadUserBackend(key);
    if ('error' in r) throw new UsageError(`${s.file}: ${r.error}`);
  }
  const backendName = out.backend ?? (s ? s.machine.backend.kind : 'domain');
  if (o.parentDomain !== undefined) {
    if (backendName !== 'domain') {
      throw new UsageError(
        `irqlab: --parent-domain applies to the domain backend only (backend is ${backendName})`,
      );
    }
    out.parentDomain = o.parentDomain;
  }
  if (o.delivery !== undefined) out.delivery = o.delivery;
  if (o.cpus !== undefined) {
    if (s && s.functions.length > 0 && o.cpus < s.machine.cpus.length) {
      for (const st of s.steps) {
        if ('cpus' in st && st.cpus.some((c) => c >= o.cpus!)) {
          throw new UsageError(
            `${s.file}:${st.loc.line}:${st.loc.column}: step uses a CPU beyond --cpus ${o.cpus}`,
          );
        }
        if ((st.kind === 'cpu_offline' || st.kind === 'cpu_online') && st.cpu >= o.cpus) {
          throw new UsageError(
            `${s.file}:${st.loc.line}:${st.loc.column}: step uses CPU ${st.cpu} beyond --cpus ${o.cpus}`,
          );
        }
      }
    }
    out.cpus = o.cpus;
  }
  if (o.seed !== undefined) out.seed = o.seed;
  return out;
}

/** Write a file whole or not at all (temp file + rename). */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
