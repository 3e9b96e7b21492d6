#!/usr/bin/env node
// Packages the linux-x64 .vsix (npm run package:linux-x64: onnxruntime-node's runtime inside) and checks, from the
// unpacked package alone, that its engine thinks on onnxruntime-node tiles and solves a 29×29 maze (64×64 px) right.
// Run by .ci/run. Fails when onnxruntime-node is missing under CI; elsewhere it says so and exits 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
if (`${process.platform}-${process.arch}` !== 'linux-x64') {
  console.log(`check-vsix-linux-x64: this is ${process.platform}-${process.arch}; skipped`);
  process.exit(0);
}
if (!existsSync(path.join(root, 'node_modules/onnxruntime-node/package.json'))) {
  console.log('check-vsix-linux-x64: onnxruntime-node is not installed');
  process.exit(process.env.CI ? 1 : 0);
}
execFileSync('npm', ['run', 'package:linux-x64'], { cwd: root, stdio: 'inherit' });
const vsix = path.join(root, 'deep-thinking-lab-linux-x64.vsix');
const tmp = mkdtempSync(path.join(tmpdir(), 'dt-vsix-'));
try {
  for (const [name, data] of Object.entries(unzipSync(readFileSync(vsix)))) {
    if (name.endsWith('/')) continue;
    const file = path.join(tmp, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  // From outside the repository, so nothing can resolve from the clone's node_modules.
  const out = execFileSync(process.execPath, [path.join(tmp, 'extension/dist/cli.js'), '--backend', 'wasm', 'bench', 'session', '--size', '29', '--seed', '2', '--json'], {
    cwd: tmp,
    encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').pop());
  const problems = [];
  if (!/^onnxruntime-node .*sparse 16-px tiles/.test(r.engine)) problems.push(`engine is "${r.engine}", expected onnxruntime-node tiles`);
  if (r.correctVsBFS !== true) problems.push(`the maze was not solved (${r.iterations} iterations)`);
  if (problems.length) {
    console.error(`check-vsix-linux-x64: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log(`check-vsix-linux-x64: ${path.basename(vsix)} thinks on ${r.engine}; 29×29 solved in ${r.iterations} iterations, ${r.ms} ms`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
