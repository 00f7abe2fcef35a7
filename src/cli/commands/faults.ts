// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';
import type { FailurePoint } from '../../sim/faults.ts';

/** Every failure point (the model's modules are loaded for their declarations). */
async function allFailurePoints(): Promise<FailurePoint[]> {
  await import('../../sim/all-failure-points.ts');
  return (await import('../../sim/faults.ts')).listFailurePoints();
}

export function renderFailurePoints(pts: readonly FailurePoint[]): string {
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
    .action(async (o: { list?: boolean; format: string }) => {
      const pts = await allFailurePoints();
      if (o.format === 'json') process.stdout.write(`${JSON.stringify(pts, null, 2)}\n`);
      else process.stdout.write(renderFailurePoints(pts));
    });
}
