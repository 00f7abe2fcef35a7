// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';
import {
  addCommonOptions,
  type CommonOptions,
  loadScenarioOrExit,
  overridesFrom,
  writeFileAtomic,
} from '../common.ts';
import { renderRunText, runExitCode, runJson } from '../report.ts';

export function registerRunCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('run')
    .argument('[scenario]', 'scenario file (YAML); the embedded default when omitted')
    .description('run a scenario and print the kernel views it snapshots and a summary')
    .addHelpText(
      'after',
      `
Exit status: 0 expectations hold, 1 an expectation failed or the sanitizer found something,
2 usage or input error.

Examples:
  irqlab run
  irqlab run examples/default.yaml --backend legacy --delivery floating
  irqlab run --backend v1 --format json
  irqlab run --trace /tmp/irq.json --trace-format chrome`,
    );
  addCommonOptions(cmd);
  cmd.action(async (file: string | undefined, o: CommonOptions) => {
    const s = await loadScenarioOrExit(file);
    const ov = await overridesFrom(o, s);
    if (o.trace) ov.trace = true;
    // lazy: the model is loaded only when a command runs it
    const { runScenario } = await import('../../sim/runner.ts');
    const r = runScenario(s, ov);
    if (o.trace) {
      const { renderChromeTrace, renderFtrace } = await import('../../sim/trace-export.ts');
      const ev = r.system.sim.trace.events;
      writeFileAtomic(o.trace, o.traceFormat === 'chrome' ? renderChromeTrace(ev, r.cpus) : renderFtrace(ev));
    }
    process.stdout.write(
      o.format === 'json' ? `${JSON.stringify(runJson(s, r), null, 2)}\n` : renderRunText(s, r),
    );
    setExit(runExitCode(s, r));
  });
}
