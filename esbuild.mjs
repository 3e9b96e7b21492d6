// Bundles every runtime of the project (docs/design.md, Runtimes):
//   dist/extension.js   the VS Code extension (Node, CJS, `vscode` external, no tfjs)
//   dist/engine.js      the engine process (Node, CJS; tfjs + wasm)
//   dist/cli.js         the `deep-thinking` CLI (same engine modules, in-process)
//   dist/trainWorker.js worker_threads entry used to spread batches over cores
//   dist/modelInspectWorker.js  worker_threads entry that reads model metadata for model lists
//   dist/webview/*.js   one browser bundle per panel (DOM only), with its CSS
//   dist/wasm/*.wasm    the tfjs wasm binaries
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const optional = (p) => existsSync(p);
// A production build (what `npm run package` ships) starts from an empty dist/, so no stale source maps ride along.
if (production) rmSync('dist', { recursive: true, force: true });

const nodeEntries = {
  extension: 'src/extension/extension.ts',
  engine: 'src/engine/main.ts',
  cli: 'src/engine/cli/main.ts',
  trainWorker: 'src/engine/train/worker.ts',
  modelInspectWorker: 'src/engine/checkpoint/modelInspectWorker.ts',
};
const webviewEntries = Object.fromEntries(
  (existsSync('webview') ? readdirSync('webview', { withFileTypes: true }) : [])
    .filter((d) => d.isDirectory() && existsSync(join('webview', d.name, 'main.ts')))
    .map((d) => [d.name, join('webview', d.name, 'main.ts')]),
);

const common = { bundle: true, sourcemap: production ? false : 'linked', minify: production, logLevel: 'info' };
const builds = [
  {
    ...common,
    entryPoints: Object.fromEntries(Object.entries(nodeEntries).filter(([, p]) => optional(p))),
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Optional native backends are resolved at run time, never bundled.
    external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', './build/Release/*'],
  },
  {
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css', '.ttf': 'file', '.woff2': 'file', '.svg': 'file' },
  },
];

function copyAssets() {
  mkdirSync('dist/wasm', { recursive: true });
  const wasm = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  for (const f of readdirSync(wasm).filter((f) => f.endsWith('.wasm'))) cpSync(join(wasm, f), join('dist/wasm', f));
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  copyAssets();
} else {
  await Promise.all(builds.filter((b) => Object.keys(b.entryPoints).length > 0).map((b) => esbuild.build(b)));
  copyAssets();
}
