// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';
import { listFailurePoints } from '../../sim/faults.ts';
import '../../sim/all-failure-points.ts';

export function renderFailurePoints(): string {
  const pts = listFailurePoints();
  const w = Math.max(...pts.map((p) => p.name.length));
  const wo = Math.max(...pts.map((p) => p.owner.length));
  let out = `${'failure point'.padEnd(w)}  ${'layer'.padEnd(8)}  ${'belongs to'.padEnd(wo)}  effect\n`;
  for (const p of pts)
    out += `${p.name.padEnd(w)}  ${p.layer.padEnd(8)}  ${p.owner.padEnd(wo)}  ${p.effect}\n`;
  return out;
}

export function registerFaultsCommand(program: Command): void {
  program
    .command('faults')
    .description('list the failure points a scenario or a sweep can make fail')
    .option('--list', 'print every failure point with the kernel or firmware function it belongs to')
    .option('--format <fmt>', 'text | json', 'text')
    .addHelpText('after', '\nExamples:\n  irqlab faults --list\n  irqlab faults --list --format json')
    .action((o: { list?: boolean; format: string }) => {
      if (o.format === 'json') process.stdout.write(`${JSON.stringify(listFailurePoints(), null, 2)}\n`);
      else process.stdout.write(renderFailurePoints());
    });
}
