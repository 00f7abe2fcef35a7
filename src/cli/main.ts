#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
/**
 * The irqlab command's entry point (program.ts has the commands). `npm run build` replaces
 * dist/cli/main.js by a bundle of this file (scripts/build-cli.mjs) for start-up time.
 */
import { runCli } from './program.ts';

export { main } from './program.ts';

const isMain =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/.*\//, '/'));
if (isMain || process.argv[1]?.endsWith('/irqlab')) runCli();
