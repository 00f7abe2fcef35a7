// SPDX-License-Identifier: GPL-2.0-only
import { type Command, Option } from 'commander';

/** irqlab bench [--format json] [--quick]: the suite `npm run bench` runs (src/bench). */
export function registerBenchCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('bench')
    .description('measure delivery throughput, scaling, setup/teardown, memory and CLI start-up time')
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .option('--quick', 'smaller work sizes (a few seconds per case)')
    .option('--filter <text>', 'only the cases whose name contains TEXT')
    .option('--in-process', 'run every case in this process (default: one worker process per case)')
    .addHelpText(
      'after',
      `
Each case runs in a worker process of its own (node --expose-gc) and reports the median of
5 timed runs. Progress goes to stderr, the report to stdout. docs/performance.md explains
the figures. Exit status: 0 (targets missed are reported, not errors), 2 usage error.

Examples:
  irqlab bench --quick
  irqlab bench --format json > bench.json
  irqlab bench --filter "delivery single domain"`,
    )
    .action(async (o: { format: 'text' | 'json'; quick?: boolean; filter?: string; inProcess?: boolean }) => {
      // lazy: the bench modules are loaded only when the command runs
      const { renderJson, renderText, runSuite } = await import('../../bench/suite.ts');
      const report = await runSuite({
        quick: o.quick === true,
        inProcess: o.inProcess === true,
        ...(o.filter !== undefined ? { filter: o.filter } : {}),
        progress: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(o.format === 'json' ? renderJson(report) : renderText(report));
      setExit(0);
    });
}
