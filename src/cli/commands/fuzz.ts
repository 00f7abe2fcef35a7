// SPDX-License-Identifier: GPL-2.0-only
import type { Command } from 'commander';

/** irqlab fuzz (being built). */
export function registerFuzzCommand(_program: Command, _setExit: (code: number) => void): void {}
