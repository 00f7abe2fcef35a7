// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';
import {
  addCommonOptions,
  type CommonOptions,
  loadScenarioOrExit,
  overridesFrom,
  UsageError,
} from '../common.ts';
import { deliveryTableText, findingText } from '../report.ts';

export function registerDiffCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('diff')
    .argument('[scenario]', 'scenario file (YAML); the embedded default when omitted')
    .description('run a scenario on two backends and print the differences in observable behaviour')
    .option('--against <backend>', 'the second backend', 'domain')
    .addHelpText(
      'after',
      `
Compares the deliveries per handler and CPU, the return codes the driver sees, and the
findings. The first backend is --backend (default legacy). Exit status: 0 equal,
1 different, 2 input error.

Examples:
  irqlab diff
  irqlab diff examples/default.yaml --backend legacy --against mainline
  irqlab diff --delivery floating --format json`,
    );
  addCommonOptions(cmd, { trace: false });
  cmd.action(async (file: string | undefined, o: CommonOptions & { against: string }) => {
    const s = await loadScenarioOrExit(file);
    const ovA = await overridesFrom({ ...o, backend: o.backend ?? 'legacy', parentDomain: undefined }, s);
    const ovB = await overridesFrom({ ...o, backend: o.against }, s);
    if (o.parentDomain !== undefined && ovB.backend !== 'domain') {
      throw new UsageError('irqlab: --parent-domain applies to the domain backend only');
    }
    const { runScenario } = await import('../../sim/runner.ts');
    const { compareRuns } = await import('../../sim/diff.ts');
    const a = runScenario(s, ovA);
    const b = runScenario(s, ovB);
    const diffs = compareRuns(a, b);
    if (o.format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ a: { backend: a.backend, deliveries: a.deliveries, findings: a.findings }, b: { backend: b.backend, deliveries: b.deliveries, findings: b.findings }, equal: diffs.length === 0, differences: diffs }, null, 2)}\n`,
      );
    } else {
      let out = `irqlab diff ${s.file}: ${a.backend} vs ${b.backend}, ${a.delivery} delivery, ${a.cpus} CPUs\n\n`;
      out += `${a.backend}:\n${deliveryTableText(a)}${b.backend}:\n${deliveryTableText(b)}\n`;
      if (diffs.length === 0) out += 'no differences in deliveries, return codes or findings\n';
      else {
        out += `${diffs.length} difference${diffs.length === 1 ? '' : 's'}:\n`;
        for (const d of diffs) out += `  ${d.text}\n`;
        for (const [r, name] of [
          [a, a.backend],
          [b, b.backend],
        ] as const) {
          if (r.findings.length)
            out += `\nfindings on ${name}:\n${r.findings.map((f) => findingText(f, s.file, s)).join('')}`;
        }
      }
      process.stdout.write(out);
    }
    setExit(diffs.length === 0 ? 0 : 1);
  });
}
