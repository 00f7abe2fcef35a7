// SPDX-License-Identifier: GPL-2.0-only
/** irqlab fuzz: model-based fuzzing with shrinking, replay files, differential mode. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { FuzzRunReport } from '../../sim/fuzz/run.ts';
import type { BuiltinBackend } from '../../sim/scenario/schema.ts';
import { parseSeed, UsageError } from '../common.ts';

interface FuzzCliOptions {
  backend: string;
  delivery: 'floating' | 'directed';
  parentDomain?: 'global' | 'per-bus';
  seed: number;
  ops: number;
  workers: number;
  shard: { index: number; count: number };
  differential?: boolean;
  /** false with --no-regressions. */
  regressions: string | false;
  out: string;
  maxCommands?: number;
  generator: 'compact' | 'commands';
  format: 'text' | 'json';
}

function posInt(name: string, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a positive integer`);
    const n = Number(v);
    if (n < 1 || n > max) throw new InvalidArgumentError(`${name} must be between 1 and ${max}`);
    return n;
  };
}

function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError('--shard must be I/N with 1 <= I <= N (e.g. 2/4)');
  }
  return { index, count };
}

/** A progress bar on stderr (only on a terminal, never in CI). */
function progressBar(): { update: (done: number, total: number) => void; end: () => void } {
  const on = process.stderr.isTTY === true && !process.env['CI'];
  let last = 0;
  return {
    update(done, total) {
      if (!on) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const w = 30;
      const frac = Math.min(1, total > 0 ? done / total : 1);
      const bar = '#'.repeat(Math.round(frac * w)).padEnd(w, '.');
      process.stderr.write(
        `\r  fuzz [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done} / ${total} ops`,
      );
    },
    end() {
      if (on) process.stderr.write('\r\x1b[K');
    },
  };
}

function renderText(r: FuzzRunReport, head: string): string {
  let out = `${head}\n`;
  const regFound = r.regressions.reduce((n, x) => n + x.findings.length, 0);
  out += `regressions: ${r.regressions.length} saved replay${r.regressions.length === 1 ? '' : 's'} run first, ${regFound} finding${regFound === 1 ? '' : 's'}\n`;
  for (const x of r.regressions) {
    if (!x.ok) out += `  ${x.path}: does not load:\n    ${x.error?.split('\n').join('\n    ')}\n`;
    else if (x.findings.length) out += `  ${x.path}: ${x.findings.map((f) => f.kind).join(', ')}\n`;
  }
  for (const l of r.lanes) {
    out += `lane ${l.lane} (seed ${l.seed}): ${l.ops} ops (${l.caseOps} in ${l.cases} cases, the rest repair reruns and shrinking), ${l.invalid} invalid, ${l.repaired} steps repaired, ${(l.elapsedMs / 1000).toFixed(1)} s\n`;
  }
  out += `total: ${r.ops} ops in ${(r.elapsedMs / 1000).toFixed(1)} s; per core: ${Math.round(r.caseOpsPerSecondPerCore)} ops/s fuzzing, ${Math.round(r.opsPerSecondPerCore)} ops/s with shrinking\n`;
  out += r.findings.length === 0 ? 'findings: none\n' : `findings: ${r.findings.length}\n`;
  for (const f of r.findings) {
    out += `\n  [${f.kind}]${f.fromRegression ? ' (saved replay)' : ''} ${f.path}\n`;
    for (const line of wrap(f.text, 96)) out += `      ${line}\n`;
    if (!f.fromRegression) {
      out += `      replay: ${f.path} (${f.steps} steps, ${f.reproduced ? 'reproduces' : 'DOES NOT REPRODUCE when loaded back'}); lane ${f.lane} seed ${f.laneSeed}, fast-check seed ${f.fcSeed} path ${f.fcPath || '-'}\n`;
    }
  }
  out += `result: ${r.findings.length === 0 ? 'PASS' : 'FAIL'}\n`;
  return out;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

export function registerFuzzCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('fuzz')
    .description(
      'random driver, hotplug, CPU and fault sequences with interleavings; minimal replays of what goes wrong',
    )
    .option('--backend <name>', 'legacy | v1 | mainline | domain', 'domain')
    .addOption(
      new Option('--delivery <mode>', 'interrupt delivery')
        .choices(['floating', 'directed'])
        .default('directed'),
    )
    .addOption(
      new Option(
        '--parent-domain <kind>',
        'domain backend: one MSI parent domain, or one per zPCI bus',
      ).choices(['global', 'per-bus']),
    )
    .option('--seed <n>', 'fuzz seed', parseSeed, 1)
    .option('--ops <n>', 'scenario steps to run in this process', posInt('--ops', 1e12), 100_000)
    .option('--workers <n>', 'worker threads, each with its own seed', posInt('--workers', 256), 1)
    .option('--shard <i/n>', 'run shard I of N (lanes (I-1)*W .. I*W-1)', parseShard, { index: 1, count: 1 })
    .option('--differential', 'run every scenario on legacy and on --backend and report the first difference')
    .option('--regressions <dir>', 'saved replays to run first', 'regressions')
    .option('--no-regressions', 'do not run the saved replays')
    .option('--out <dir>', 'where to write replays of new findings', 'fuzz-findings')
    .option(
      '--max-commands <n>',
      'commands generated per scenario (about 1 in 4 becomes a step)',
      posInt('--max-commands', 100_000),
    )
    .addOption(
      new Option(
        '--generator <style>',
        'commands as integers (fast) or fast-check command objects (fc.commands)',
      )
        .choices(['compact', 'commands'])
        .default('compact'),
    )
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
An op is one scenario step. Every run has all invariants on (the sanitizer). A failing
scenario is shrunk by fast-check to a minimal one and written to --out as a scenario file
that \`irqlab run FILE\` reproduces (with its \`schedule:\` interleaving choices). Saved replays
in --regressions run first. Exit status: 0 nothing found, 1 findings, 2 usage error.

Examples:
  irqlab fuzz --backend domain --delivery directed --parent-domain per-bus --seed 1 --ops 200000 --workers 2
  irqlab fuzz --backend v1 --delivery floating --seed 7 --ops 50000 --format json
  irqlab fuzz --differential --delivery floating --seed 3 --ops 100000
  irqlab fuzz --backend mainline --seed 1 --ops 1000000 --workers 4 --shard 2/8`,
    );
  cmd.action(async (o: FuzzCliOptions) => {
    const backends: readonly string[] = ['legacy', 'v1', 'mainline', 'domain'];
    if (!backends.includes(o.backend)) {
      throw new UsageError(`irqlab: --backend: expected legacy, v1, mainline or domain, got "${o.backend}"`);
    }
    if (o.parentDomain !== undefined && o.backend !== 'domain') {
      throw new UsageError(
        `irqlab: --parent-domain applies to the domain backend only (backend is ${o.backend})`,
      );
    }
    if (o.differential && o.backend === 'legacy') {
      throw new UsageError('irqlab: --differential compares legacy with --backend; choose another backend');
    }
    const target = {
      backend: o.backend as BuiltinBackend,
      delivery: o.delivery,
      parentDomain: o.parentDomain ?? 'global',
    };
    const command = `irqlab fuzz ${process.argv.slice(process.argv.indexOf('fuzz') + 1).join(' ')}`.trim();
    // lazy: the fuzzing engine and fast-check are loaded only when the command runs
    const { fuzzRun } = await import('../../sim/fuzz/run.ts');
    const bar = progressBar();
    const r = await fuzzRun({
      target,
      differential: o.differential === true,
      ...(o.maxCommands !== undefined ? { maxCommands: o.maxCommands } : {}),
      generator: o.generator,
      seed: o.seed,
      ops: o.ops,
      workers: o.workers,
      shard: o.shard,
      regressionsDir: o.regressions === false ? null : o.regressions,
      outDir: o.out,
      command,
      onProgress: bar.update,
    });
    bar.end();
    const t = target;
    const head = `irqlab fuzz: ${o.differential ? 'legacy vs ' : ''}${t.backend}${t.backend === 'domain' ? ` (${t.parentDomain} parent domain)` : ''}, ${t.delivery} delivery, seed ${o.seed}, ${o.ops} ops, ${o.workers} worker${o.workers === 1 ? '' : 's'}, shard ${o.shard.index}/${o.shard.count}`;
    if (o.format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ command, target, differential: o.differential === true, seed: o.seed, workers: o.workers, shard: o.shard, ...r, result: r.findings.length ? 'fail' : 'pass' }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(renderText(r, head));
    }
    setExit(r.findings.length > 0 ? 1 : 0);
  });
}
