// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';

/** irqlab bench (being built). */
export function registerBenchCommand(_program: Command, _setExit: (code: number) => void): void {}
