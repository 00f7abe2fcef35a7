// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';

/** irqlab check (being built). */
export function registerCheckCommand(_program: Command, _setExit: (code: number) => void): void {}
