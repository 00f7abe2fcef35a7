// SPDX-License-Identifier: GPL-2.0-only
// Build step after tsc (`npm run build`), for the start-up time of the command:
//  1. dist/cli/default-scenario.json: the embedded default scenario loaded and validated once
//     (src/cli/default-scenario.ts), so `irqlab run` without a file loads neither yaml nor zod;
//  2. dist/cli/main.js becomes a bundle (esbuild) of the command with its dependencies: one
//     file for what `irqlab run` needs, the other commands' code in dist/cli/irqlab-*.js
//     chunks loaded on use. The engines that find files next to their own module (fuzz
//     workers, bench cases) stay unbundled, and so does everything else in dist: the library
//     (dist/index.js) and dist/cli/program.js, on which the bundle reruns a command that
//     loads a user backend module (it must share the model with the package's dist/index.js).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli');

const BANNER =
  "import { createRequire as __irqlabCreateRequire } from 'node:module';\nconst require = __irqlabCreateRequire(import.meta.url);";
if (readFileSync(join(cli, 'main.js'), 'utf8').includes('__irqlabCreateRequire')) {
  console.error('build-cli: dist/cli/main.js is already the bundle; run `npm run build` (tsc first)');
  process.exit(1);
}

// 1. The pre-validated default scenario.
const { defaultScenarioText } = await import(join(cli, 'common.js'));
const { validateScenarioText } = await import(join(cli, 'validate.js'));
const { writePrevalidatedDefault } = await import(join(cli, 'default-scenario.js'));
const { text, file } = defaultScenarioText();
const r = validateScenarioText(text, file);
if (!r.ok) {
  console.error(`build-cli: the default scenario does not load:\n${r.message}`);
  process.exit(1);
}
writePrevalidatedDefault(cli, text, r.scenario);

// 2. The bundle. Every output file sits in dist/cli (chunks named irqlab-*), so paths taken
// relative to a module's own URL (examples/, default-scenario.json, program.js) still hold.
const UNBUNDLED = [join('sim', 'fuzz', 'run.js'), join('bench', 'suite.js')];
const keepUnbundled = {
  name: 'keep-unbundled',
  setup(b) {
    b.onResolve({ filter: /(fuzz[/\\]run|bench[/\\]suite)\.js$/ }, (a) => {
      const abs = join(a.resolveDir, a.path);
      if (!UNBUNDLED.some((u) => abs.endsWith(sep + u))) return undefined;
      return { path: `./${relative(cli, abs).split(sep).join('/')}`, external: true };
    });
  },
};
for (const f of readdirSync(cli)) if (/^irqlab-.*\.js(\.map)?$/.test(f)) rmSync(join(cli, f));
const out = await build({
  entryPoints: [join(cli, 'main.js')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: cli,
  chunkNames: 'irqlab-[name]-[hash]',
  write: false,
  allowOverwrite: true,
  sourcemap: true,
  legalComments: 'inline',
  // Findings carry call chains read from stack traces (modelCallChain): functions renamed
  // by the bundler (the four backends share names, e.g. zpciSetIrq) keep their own names.
  keepNames: true,
  define: { IRQLAB_BUNDLED: 'true' },
  // commander and yaml are CommonJS: their require() of node built-ins needs a require.
  banner: { js: BANNER },
  plugins: [keepUnbundled],
  logLevel: 'warning',
});
// keepNames cannot give a renamed class its name back in a stack frame (`Class.method`):
// refuse to build if the bundler had to rename one of the model's classes.
const classes = new Set();
(function walk(d) {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.js') && dirname(p) !== cli) {
      for (const m of readFileSync(p, 'utf8').matchAll(/\bclass\s+([\w$]+)/g)) classes.add(m[1]);
    }
  }
})(join(root, 'dist'));
for (const o of out.outputFiles) {
  for (const m of o.text.matchAll(/\b(?:var|let|const)\s+([\w$]+?)(\d+)\s*=\s*class\b/g)) {
    if (classes.has(m[1]) && !classes.has(m[1] + m[2])) {
      console.error(
        `build-cli: the bundler renamed class ${m[1]} to ${m[1]}${m[2]} (${o.path}); give it a unique name`,
      );
      process.exit(1);
    }
  }
}
for (const o of out.outputFiles) writeFileSync(o.path, o.contents);
