/**
 * `deep-thinking bench`: the median ms of one training step — T recurrent iterations with recall, the head on the
 * last, per-position cross-entropy, backward, Adam update — on random data, for side-by-side comparison with
 * PyTorch on the same config. And `bench solve`: thinking on one big maze.
 * Speed is measured here, never asserted in unit tests.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { tf, backendInfo } from '../tf';
import { bundledModelsDir } from '../checkpoint/modelSpecs';
import { createModel } from '../models/createModel';
import { Optimizer } from '../train/optimizer';
import { trainStep } from '../train/trainer';
import { GradientWorkers, availableThreads, defaultGradientThreads } from '../train/parallel';
import { Rng } from '../../shared/rng';
import type { Batch } from '../../shared/problems/problem';
import type { Architecture } from '../../shared/architecture';
import type { Output } from './output';

export interface BenchTrainOptions {
  /** dt-recall (the paper's) or dt-l (spectrally normalised recurrence): the same step, a different block */
  model?: 'dt-recall' | 'dt-l';
  dims: '1' | '2';
  width: number;
  iterations: number;
  batch: number;
  size: number;
  steps: number;
  threads?: number;
}

/** Forward+backward FLOPs of one step (2 per multiply-add; backward ≈ 2× forward for convs). */
export function stepFlops(arch: Architecture, batch: number, size: number, iterations: number): number {
  const positions = batch * (arch.dims === 2 ? size * size : size);
  const k = arch.dims === 2 ? 9 : 3;
  const w = arch.width;
  const c = arch.inChannels;
  const head = arch.dims === 2 ? w * 32 + 32 * 8 + 8 * 2 : w * w + w * (w / 2) + (w / 2) * 2;
  const perIteration = ((w + c) * w + 2 * arch.blocks * w * w) * k;
  const macs = positions * (c * w * k + iterations * perIteration + head * k);
  return 2 * macs * 3;
}

function randomBatch(dims: 1 | 2, batch: number, size: number, channels: number, seed: number): Batch {
  const rng = new Rng(seed);
  const spatial = dims === 2 ? [size, size] : [size];
  const positions = spatial.reduce((a, b) => a * b, 1);
  const input = new Float32Array(batch * positions * channels);
  for (let i = 0; i < input.length; i++) input[i] = rng.int(2) - (dims === 1 ? 0.5 : 0);
  const target = new Uint8Array(batch * positions);
  for (let i = 0; i < target.length; i++) target[i] = rng.int(2);
  return { input, target, mask: undefined, spatial, n: batch, channels };
}

export async function runBenchTrain(out: Output, o: BenchTrainOptions): Promise<void> {
  const dims = Number(o.dims) as 1 | 2;
  const arch: Architecture = { kind: o.model ?? 'dt-recall', dims, width: o.width, inChannels: dims === 2 ? 3 : 1, maxIters: o.iterations, blocks: 2 };
  const rng = new Rng(1);
  // Counted before the model exists: what a model caches across steps (DT-L's normalised kernels) is freed with it.
  const tensorsBefore = tf.memory().numTensors;
  const model = createModel(arch, () => rng.next());
  const threads = o.threads ?? defaultGradientThreads();
  const workers = threads > 1 ? await GradientWorkers.start(model, threads) : undefined;
  const optimizer = new Optimizer(model.weights, { kind: 'adam', weightDecay: 2e-4, clipNorm: null });
  const batch = randomBatch(dims, o.batch, o.size, arch.inChannels, 2);
  const times: number[] = [];
  const bar = out.progress(o.steps + 2, 'bench');
  try {
    for (let s = 0; s < o.steps + 2; s++) {
      const t0 = performance.now();
      // trainStep consumes the batch buffers when it hands them to workers; give each step its own copy.
      const b = { ...batch, input: batch.input.slice(), target: batch.target.slice() };
      await trainStep(model, b, { optimizer, lr: 1e-3, alpha: 0, maxIters: o.iterations, workers });
      if (s >= 2) times.push(performance.now() - t0);
      bar.update(s + 1);
    }
  } finally {
    bar.stop();
    await workers?.close();
  }
  // Adam's state is held on purpose while stepping: free it first, so what remains is a real leak.
  optimizer.dispose();
  model.dispose();
  const leaked = tf.memory().numTensors - tensorsBefore;
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const flops = stepFlops(arch, o.batch, o.size, o.iterations);
  const rec = {
    median_ms: Math.round(median * 10) / 10,
    backend: backendInfo().name,
    backend_description: backendInfo().description,
    threads,
    gflops: Math.round((flops / (median / 1000) / 1e9) * 10) / 10,
    config: { model: arch.kind, dims, width: o.width, iterations: o.iterations, batch: o.batch, size: o.size, steps: o.steps },
    min_ms: Math.round(times[0] * 10) / 10,
    max_ms: Math.round(times[times.length - 1] * 10) / 10,
    tensors_leaked_per_run: leaked,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  out.record(
    rec,
    `train step, ${arch.kind}, dims ${dims}, width ${o.width}, T ${o.iterations}, batch ${o.batch}, size ${o.size}: median ${rec.median_ms} ms ` +
      `(min ${rec.min_ms}, max ${rec.max_ms}) ≈ ${rec.gflops} GFLOP/s on ${rec.backend_description}, ${threads} thread(s); peak rss ${rec.peak_rss_mb} MB`,
  );
}

export interface BenchSolveCliOptions {
  size: number;
  model?: string;
  width: number;
  iterations: string;
  path: string;
  engine: string;
  precision: string;
  tolerance?: number;
  selfTolerance?: number;
  tileSize?: number;
  patience?: number;
  seed: number;
  maxIterations?: number;
  maxSeconds?: number;
  headEvery?: number;
}

/** `--iterations`: a positive integer or 'auto'. */
function parseIterations(value: string): number | 'auto' {
  const iterations = value === 'auto' ? 'auto' : Number(value);
  if (iterations !== 'auto' && (!Number.isInteger(iterations) || iterations < 1)) {
    throw new Error(`--iterations: expected a positive integer or auto, got "${value}"`);
  }
  return iterations;
}

/** `bench-solve` without --model: the bundled maze model when this install has it, else random weights. */
function defaultSolveModel(): string {
  const dir = bundledModelsDir();
  return dir && existsSync(path.join(dir, 'mazes', 'model.json')) ? 'mazes' : 'random';
}

export async function runBenchSolve(out: Output, o: BenchSolveCliOptions): Promise<void> {
  // The solve benchmark lives with the sparse thinker (src/engine/bench/solveBench.ts).
  const { benchSolve, formatSolveBench, SOLVE_PATHS } = await import('../bench/solveBench');
  const iterations = parseIterations(o.iterations);
  if (!(SOLVE_PATHS as readonly string[]).includes(o.path)) throw new Error(`--path: expected one of ${SOLVE_PATHS.join(', ')}, got "${o.path}"`);
  const r = await benchSolve({
    size: o.size,
    iterations,
    width: o.width,
    modelSpec: o.model ?? defaultSolveModel(),
    seed: o.seed,
    tolerance: o.tolerance,
    selfTolerance: o.selfTolerance,
    tileSize: o.tileSize,
    patience: o.patience,
    path: o.path as (typeof SOLVE_PATHS)[number],
    engine: o.engine as never,
    precision: o.precision as never,
    maxIterations: o.maxIterations,
    maxSeconds: o.maxSeconds,
    headEvery: o.headEvery,
    onProgress: out.json ? undefined : (m: string) => out.info(m),
  });
  out.record(r as object, formatSolveBench(r));
}

export interface BenchSessionCliOptions {
  size: number;
  model?: string;
  iterations: string;
  thinking: string;
  precision: string;
  engine: string;
  fps: number;
  maxSeconds?: number;
  seed: number;
  maxIterations?: number;
  switchBelow?: number;
}

export async function runBenchSession(out: Output, o: BenchSessionCliOptions): Promise<void> {
  const { benchSession, formatSessionBench } = await import('../bench/sessionBench');
  const iterations = parseIterations(o.iterations);
  if (!['auto', 'dense', 'tiles'].includes(o.thinking)) throw new Error(`--thinking: expected auto, dense or tiles, got "${o.thinking}"`);
  // Checked here: inside a session an unknown engine would only be logged, and the maze would think on tensors.
  const { THINK_ENGINES } = await import('../tiles/pickKernels');
  if (!(THINK_ENGINES as readonly string[]).includes(o.engine)) throw new Error(`--engine: expected one of ${THINK_ENGINES.join(', ')}, got "${o.engine}"`);
  if (!(o.fps > 0)) throw new Error(`--fps: expected a positive number, got ${o.fps}`);
  if (o.switchBelow !== undefined && !(o.switchBelow > 0 && o.switchBelow <= 1)) throw new Error(`--switch-below: expected a fraction in (0, 1], got ${o.switchBelow}`);
  const r = await benchSession({
    size: o.size,
    seed: o.seed,
    modelSpec: o.model,
    iterations,
    maxIterations: o.maxIterations,
    thinking: o.thinking as 'auto' | 'dense' | 'tiles',
    precision: o.precision as never,
    engine: o.engine as never,
    fps: o.fps,
    maxSeconds: o.maxSeconds,
    warmStart: o.switchBelow === undefined ? undefined : { switchBelow: o.switchBelow },
    log: out.json ? undefined : (m: string) => out.info(m),
    onProgress: out.json ? undefined : (m: string) => out.info(m),
  });
  out.record(r as object, formatSessionBench(r));
}
