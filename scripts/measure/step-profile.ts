/**
 * Where one training step goes: kernels dispatched per step by name, the step's wall time, and the time spent
 * inside the backend's kernels, and the CPU time of the process per step (less sensitive than wall time to other
 * processes on the machine), on the bench's configs (random data, alpha 0, Adam).
 *
 *   npx tsx scripts/measure/step-profile.ts [--backend torch] [--dims 1] [--width 64] [--iterations 20] [--batch 64] [--size 32]
 */
import { parseArgs } from 'node:util';
import { tf, initBackend } from '../../src/engine/tf';
import { createModel } from '../../src/engine/models/createModel';
import { Optimizer } from '../../src/engine/train/optimizer';
import { trainStep } from '../../src/engine/train/trainer';
import { Rng } from '../../src/shared/rng';
import type { Architecture } from '../../src/shared/architecture';
import type { BackendPreference } from '../../src/engine/tf';

const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'torch' },
    dims: { type: 'string', default: '1' },
    width: { type: 'string', default: '64' },
    iterations: { type: 'string', default: '20' },
    batch: { type: 'string', default: '64' },
    size: { type: 'string', default: '32' },
  },
});

async function main(): Promise<void> {
  await initBackend(a.backend as BackendPreference);
  const dims = Number(a.dims) as 1 | 2;
  const T = Number(a.iterations);
  const arch: Architecture = { kind: 'dt-recall', dims, width: Number(a.width), inChannels: dims === 2 ? 3 : 1, maxIters: T, blocks: 2 };
  const rng = new Rng(1);
  const model = createModel(arch, () => rng.next());
  const optimizer = new Optimizer(model.weights, { kind: 'adam', weightDecay: 2e-4, clipNorm: null });
  const size = Number(a.size);
  const n = Number(a.batch);
  const spatial = dims === 2 ? [size, size] : [size];
  const positions = spatial.reduce((x, y) => x * y, 1);
  const input = new Float32Array(n * positions * arch.inChannels).map(() => rng.int(2));
  const target = new Uint8Array(n * positions).map(() => rng.int(2));
  const batch = () => ({ input: input.slice(), target: target.slice(), mask: undefined, spatial, n, channels: arch.inChannels });
  const step = () => trainStep(model, batch(), { optimizer, lr: 1e-3, alpha: 0, maxIters: T });
  for (let i = 0; i < 3; i++) await step();
  // Wall time without the profiler.
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await step();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    times.push(performance.now() - t0);
  }
  cpu.sort((x, y) => x - y);
  times.sort((x, y) => x - y);
  // Kernel count and time inside kernels (the torch backend's time() is the synchronous kernel call).
  const info = await tf.profile(async () => {
    await step();
  });
  const byName = new Map<string, { count: number; ms: number }>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.ms += ms;
    kernelMs += ms;
    byName.set(k.name, e);
  }
  console.log(`config dims ${dims}, width ${a.width}, T ${T}, batch ${n}, size ${size}, backend ${a.backend}`);
  console.log(`step median ${times[2].toFixed(1)} ms (min ${times[0].toFixed(1)}); CPU time (all threads) median ${cpu[2].toFixed(1)} ms`);
  console.log(`kernels per step: ${info.kernels.length}; time inside kernels (profiled step): ${kernelMs.toFixed(1)} ms`);
  for (const [name, e] of [...byName].sort((x, y) => y[1].ms - x[1].ms)) {
    console.log(`  ${name.padEnd(24)} ${String(e.count).padStart(5)}  ${e.ms.toFixed(1).padStart(7)} ms`);
  }
  optimizer.dispose();
  model.dispose();
}

void main();
