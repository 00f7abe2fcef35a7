// SPDX-License-Identifier: GPL-2.0-only
/** Registration point for the check, fuzz and bench commands. */
import type { Command } from 'commander';

export function registerExtraCommands(_program: Command, _setExit: (code: number) => void): void {}
