#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
/** The irqlab command. */
import { Command, CommanderError } from 'commander';
import { registerDiffCommand } from './commands/diff.ts';
import { registerExplainCommand } from './commands/explain.ts';
import { registerExtraCommands } from './commands/extra.ts';
import { registerFaultsCommand } from './commands/faults.ts';
import { registerRunCommand } from './commands/run.ts';
import { UsageError } from './common.ts';

export async function main(argv: string[]): Promise<number> {
  let exit = 0;
  const setExit = (c: number): void => {
    exit = c;
  };
  const program = new Command('irqlab')
    .description('An executable model of Linux MSI routing on IBM Z (s390) PCI')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerRunCommand(program, setExit);
  registerDiffCommand(program, setExit);
  registerExplainCommand(program, setExit);
  registerFaultsCommand(program);
  registerExtraCommands(program, setExit);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return exit;
}

const isMain =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/.*\//, '/'));
if (isMain || process.argv[1]?.endsWith('/irqlab')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `irqlab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
