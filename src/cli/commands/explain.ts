// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';
import {
  addCommonOptions,
  type CommonOptions,
  loadScenarioOrExit,
  overridesFrom,
  UsageError,
} from '../common.ts';

function num(v: string, what: string): number {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v))
    throw new UsageError(`irqlab explain: ${what} must be an integer (decimal or 0x hex), got "${v}"`);
  return Number(v);
}

export function registerExplainCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('explain')
    .argument('<args...>', '[SCENARIO] FID VECTOR')
    .description('the route of one vector, step by step in kernel terms')
    .addHelpText(
      'after',
      `
Examples:
  irqlab explain 0x10 5
  irqlab explain examples/default.yaml 0x30 0 --backend legacy`,
    );
  addCommonOptions(cmd, { trace: false });
  cmd.action(async (args: string[], o: CommonOptions) => {
    if (args.length < 2 || args.length > 3)
      throw new UsageError('irqlab explain: expected [SCENARIO] FID VECTOR');
    const file = args.length === 3 ? args[0] : undefined;
    const fid = num(args[args.length - 2]!, 'FID');
    const vector = num(args[args.length - 1]!, 'VECTOR');
    const s = await loadScenarioOrExit(file);
    const f = s.functions.find((x) => x.fid === fid);
    if (!f)
      throw new UsageError(`irqlab explain: the scenario has no function with fid 0x${fid.toString(16)}`);
    if (vector >= f.vectors) {
      throw new UsageError(
        `irqlab explain: vector ${vector} is out of range (fid 0x${fid.toString(16)} has ${f.vectors})`,
      );
    }
    const ov = await overridesFrom(o, s);
    const { explainVector } = await import('../../sim/explain.ts');
    const r = explainVector(s, ov, fid, vector);
    process.stdout.write(o.format === 'json' ? `${JSON.stringify({ text: r.text, ok: r.ok })}\n` : r.text);
    setExit(0);
  });
}
