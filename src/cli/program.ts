// SPDX-License-Identifier: GPL-2.0-only
/** The irqlab command: its commands and exit codes (main.ts starts it). */
import { Command, CommanderError } from 'commander';
import { registerDiffCommand } from './commands/diff.ts';
import { registerExplainCommand } from './commands/explain.ts';
import { registerExtraCommands } from './commands/extra.ts';
import { registerFaultsCommand } from './commands/faults.ts';
import { registerRunCommand } from './commands/run.ts';
import { NeedsUnbundled, UsageError } from './common.ts';

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
    if (e instanceof NeedsUnbundled) {
      // The bundled command (dist/cli/main.js) met a user backend module: that module
      // imports the model from the package (dist/index.js), so the command runs again on
      // those same, unbundled modules (this file as tsc emitted it). Nothing was printed yet.
      const unbundled = new URL('./program.js', import.meta.url).href;
      return ((await import(unbundled)) as { main: typeof main }).main(argv);
    }
    throw e;
  }
  return exit;
}

/** Run the command on process.argv and set the exit code. */
export function runCli(): void {
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
