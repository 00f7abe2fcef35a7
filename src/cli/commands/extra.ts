// SPDX-License-Identifier: GPL-2.0-only
/** Registration point for the check, fuzz and bench commands. */
import type { Command } from 'commander';
import { registerBenchCommand } from './bench.ts';
import { registerCheckCommand } from './check.ts';
import { registerFuzzCommand } from './fuzz.ts';

export function registerExtraCommands(program: Command, setExit: (code: number) => void): void {
  registerCheckCommand(program, setExit);
  registerFuzzCommand(program, setExit);
  registerBenchCommand(program, setExit);
}
