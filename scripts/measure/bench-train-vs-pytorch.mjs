#!/usr/bin/env node
// The training-step comparison with PyTorch, interleaved so that both sides see the same machine state:
// for each round, our torch backend on both configs, then PyTorch (scripts/measure/bench-pytorch.py) on the same configs;
// prints each round's ms and ratio, and the medians. Needs the native addon (npm run build:native), a built CLI
// (npm run build) and Debian's python3-torch.
//
//   node scripts/measure/bench-train-vs-pytorch.mjs [--rounds 3] [--steps 30] [--threads 2] [--backend torch] [--python /usr/bin/python3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '30' },
    threads: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'torch' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const configs = {
  'train-2d': ['--dims', '2', '--width', '32', '--iterations', '20', '--batch', '16', '--size', '24'],
  'train-1d': ['--dims', '1', '--width', '64', '--iterations', '20', '--batch', '64', '--size', '32'],
};
const env = { ...process.env, DEEP_THINKING_TORCH_THREADS: a.threads };
const tmp = mkdtempSync(path.join(tmpdir(), 'dt-bench-'));
const rows = { ours: {}, torch: {} };
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
try {
  for (let r = 1; r <= Number(a.rounds); r++) {
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`round ${r} (load ${load})`);
    for (const [name, args] of Object.entries(configs)) {
      const out = execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), '--backend', a.backend, 'bench', ...args, '--steps', a.steps, '--json'], { env, encoding: 'utf8' });
      const j = JSON.parse(out.trim().split('\n').pop());
      (rows.ours[name] ??= []).push(j.median_ms);
    }
    const file = path.join(tmp, `pt-${r}.json`);
    execFileSync(a.python, [path.join(root, 'scripts/measure/bench-pytorch.py'), '--threads', a.threads, '--reps', a.steps, '--json', file], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const pt = JSON.parse(readFileSync(file, 'utf8')).ms;
    for (const name of Object.keys(configs)) {
      (rows.torch[name] ??= []).push(pt[name]);
      const ours = rows.ours[name].at(-1);
      console.log(`  ${name}: ours (${a.backend}) ${ours.toFixed(1)} ms, PyTorch ${pt[name].toFixed(1)} ms → ${(ours / pt[name]).toFixed(2)}×`);
    }
  }
  console.log('medians');
  for (const name of Object.keys(configs)) {
    const o = median(rows.ours[name]);
    const t = median(rows.torch[name]);
    console.log(`  ${name}: ours ${o.toFixed(1)} ms, PyTorch ${t.toFixed(1)} ms → ${(o / t).toFixed(2)}×`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
