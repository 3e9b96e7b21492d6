/**
 * `deep-thinking bench solve --size N`: how fast, and in how much memory, a net thinks about one big maze.
 * Three paths:
 *   - dense:  DTNet.think() through tfjs (the reference; whole image every iteration);
 *   - sparse: SparseThinker, recomputing only tiles whose neighbourhood changed, on the fastest engine available
 *             (or the one named by `engine`);
 *   - ort:    the whole image every iteration, through onnxruntime-node (dense, but on ORT).
 * Memory is sampled over time (rss) so a reader can see it stay flat over 25,000 iterations.
 * Speed claims belong here, never in unit tests.
 */
import { TILE_DEFAULTS } from '../tiles/tileDefaults';
import { tf, backendInfo } from '../tf';
import type { DTNet } from '../models/dtNet';
import { createModel } from '../models/createModel';
import { generateMaze } from '../../shared/maze/mazeGenerator';
import { mazeProblem } from '../../shared/problems/maze';
import { class1FromLogits } from '../../shared/problems/problem';
import { Rng } from '../../shared/rng';
import { SparseThinker } from '../tiles/sparseThinker';
import { floodFillNet } from './floodFillNet';
import { pickKernels, type ThinkEngine } from '../tiles/pickKernels';
import { resolvePrecision, withPrecision, type PrecisionChoice } from '../solve/precision';
import { ortKernels } from '../tiles/ortBackend';
import { loadModel } from '../checkpoint/modelSpecs';
import type { TileKernels } from '../tiles/tileKernels';
import { SETTLED_FLICKER, SETTLED_PATIENCE, SettledRule } from '../solve/halting';

/** 'auto' = 'sparse' (which itself picks the fastest engine for its tiles) */
export type SolvePath = 'dense' | 'sparse' | 'ort' | 'auto';
export const SOLVE_PATHS: readonly SolvePath[] = ['dense', 'sparse', 'ort', 'auto'];

export interface SolveBenchOptions {
  /** maze size n (units, odd); the image is (2n+6)² pixels */
  size: number;
  /** a fixed count, or 'auto': stop at a fixed point (sparse), or when no predicted pixel flipped for `patience` iterations */
  iterations: number | 'auto';
  /** width of the random-weight net when no model is given (default 32) */
  width?: number;
  /**
   * 'random' (default: seeded, PyTorch-style init), 'flood-fill' (floodFillNet.ts: a thin front, not a solver),
   * a model spec for loadModel (checkpoint directory, .pth file or bundled model name), or a loaded net.
   */
  modelSpec?: DTNet | string;
  seed?: number;
  /** sparse only: see SparseThinkerOptions.tolerance (default TILE_DEFAULTS.tolerance; 0 = exact) */
  tolerance?: number;
  /** sparse only: see SparseThinkerOptions.selfTolerance (default: the tolerance) */
  selfTolerance?: number;
  path?: SolvePath;
  /** sparse only: which engine runs the tiles (default 'auto' = fastest measured) */
  engine?: ThinkEngine;
  /** precision of the tfjs convolutions (default 'float32'; see infer/precision.ts) */
  precision?: PrecisionChoice;
  tileSize?: number;
  /** sparse only: see SparseThinkerOptions.blockTiles (default 8) */
  blockTiles?: number;
  /** cap for 'auto' (default 25,000) */
  maxIterations?: number;
  /** wall-clock cap in seconds: stop thinking there and report what was reached (haltedBy 'time-limit') */
  maxSeconds?: number;
  /**
   * 'auto' patience in iterations (default 100): the answer counts as settled when the predicted classes differ
   * from those `patience` iterations earlier in at most `flickerPixels` pixels
   */
  patience?: number;
  /**
   * pixels allowed to differ between two snapshots `patience` apart (default: 0.01 % of the image, rounded down).
   * A trained net can keep one or two pixels blinking in a small limit cycle forever (seen on 201×201), which
   * would otherwise keep 'auto' thinking until the cap; a growing path changes far more pixels than this.
   */
  flickerPixels?: number;
  /** compute predictions every k iterations (default 1, as when streaming to the editor) */
  headEvery?: number;
  /** maximum points kept in each trace (default 200) */
  samples?: number;
  /** rss sampling period in ms (default 250) */
  sampleMs?: number;
  log?: (line: string) => void;
  /** progress lines every `progressMs` (default 5 s) while thinking; also receives the `log` lines */
  onProgress?: (line: string) => void;
  progressMs?: number;
}

export interface SolveBenchResult {
  size: number;
  image: [height: number, width: number];
  path: Exclude<SolvePath, 'auto'>;
  /** the engine that ran the convs, e.g. "onnxruntime-node 1.30.0 (cpu, 2 threads)" or "tfjs-wasm" */
  backend: string;
  threads: number;
  model: string;
  params: number;
  iterations: number;
  haltedBy: 'iterations' | 'fixed-point' | 'stable' | 'max-iterations' | 'time-limit';
  ms: number;
  /** CPU time (user + system, all threads) the process used while thinking: on a shared machine wall time lies */
  cpuMs: number;
  msPerIteration: number;
  iterationsPerSecond: number;
  /** FLOPs the dense computation would need per iteration (step + head), in GFLOP */
  denseGflopPerIteration: number;
  /** dense-equivalent GFLOP/s: above the machine's peak means the sparse path skipped work */
  effectiveGflops: number;
  activeFractionMean: number;
  /** pixels pushed through the step per iteration (halos and whole blocks included) / image pixels, mean */
  computedPixelRatioMean: number;
  activeFractionTrace: { iteration: number; activeFraction: number }[];
  peakRssMB: number;
  rssTrace: { ms: number; iteration: number; rssMB: number }[];
  /** tfjs tensors alive after the run minus before (0 = no leak) */
  tensorLeak: number;
  /** predicted path equals the BFS shortest path (mazeProblem.isCorrect) */
  correctVsBFS: boolean;
}

/** A bounded trace: when full, keep every other point and halve the sampling rate, so memory stays constant. */
class Trace<T> {
  points: T[] = [];
  private stride = 1;
  private seen = 0;
  constructor(private readonly max: number) {}
  offer(p: () => T): void {
    if (this.seen++ % this.stride !== 0) return;
    this.points.push(p());
    if (this.points.length >= this.max) {
      this.points = this.points.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export async function benchSolve(opts: SolveBenchOptions): Promise<SolveBenchResult> {
  const log = (line: string) => {
    opts.log?.(line);
    opts.onProgress?.(line);
  };
  const requestedPath = opts.path ?? 'auto';
  if (!SOLVE_PATHS.includes(requestedPath)) throw new Error(`unknown solve path "${requestedPath}"; expected ${SOLVE_PATHS.join(', ')}`);
  const path: Exclude<SolvePath, 'auto'> = requestedPath === 'auto' ? 'sparse' : requestedPath;
  const seed = opts.seed ?? 1;
  const fixed = opts.iterations === 'auto' ? undefined : opts.iterations;
  if (fixed !== undefined && !(Number.isInteger(fixed) && fixed >= 1)) throw new RangeError(`iterations must be a positive integer or 'auto', got ${opts.iterations}`);
  const maxIterations = fixed ?? opts.maxIterations ?? 25_000;
  const patience = opts.patience ?? SETTLED_PATIENCE;
  const headEvery = Math.max(1, opts.headEvery ?? 1);

  const grid = generateMaze(opts.size, seed);
  const enc = mazeProblem.encode(grid);
  const [H, W] = enc.spatial;
  const settled = new SettledRule(opts.flickerPixels ?? Math.floor(SETTLED_FLICKER * H * W));

  const spec = opts.modelSpec ?? 'random';
  let net: DTNet;
  let modelName: string;
  if (spec === 'random') {
    const width = opts.width ?? 32;
    const rng = new Rng(seed);
    net = createModel({ kind: 'dt-recall', dims: 2, width, inChannels: 3, maxIters: 30, blocks: 2 }, () => rng.next());
    modelName = `random DT-recall width ${width} (seed ${seed})`;
  } else if (spec === 'flood-fill') {
    net = floodFillNet(opts.width ?? 32);
    modelName = `flood-fill DT-recall width ${net.arch.width} (hand-built; not a path solver)`;
  } else if (typeof spec === 'string') {
    const loaded = await loadModel(spec);
    net = loaded.model;
    if (loaded.meta.problem !== 'mazes') {
      net.dispose();
      throw new Error(`${loaded.path}: a ${loaded.meta.problem} model cannot solve mazes`);
    }
    modelName = `${loaded.meta.name ?? spec} (${net.arch.kind} width ${net.arch.width})`;
  } else {
    net = spec;
    modelName = `${net.arch.kind} width ${net.arch.width}`;
  }
  const ownsNet = typeof spec === 'string';

  const w = net.arch.width;
  const macsPerPixel = 9 * ((w + 3) * w + 4 * w * w) + 9 * (w * 32 + 32 * 8 + 8 * 2);
  const denseGflop = (2 * macsPerPixel * H * W) / 1e9;

  // Counted once the net exists: a leak here is thinking's, not model construction's.
  const tensorsBefore = tf.memory().numTensors;
  const rss = new Trace<{ ms: number; iteration: number; rssMB: number }>(opts.samples ?? 200);
  const active = new Trace<{ iteration: number; activeFraction: number }>(opts.samples ?? 200);
  const sampleMs = opts.sampleMs ?? 250;
  let lastSample = -Infinity;
  let activeSum = 0;
  let computedSum = 0;
  let iterations = 0;
  let haltedBy: SolveBenchResult['haltedBy'] = fixed !== undefined ? 'iterations' : 'max-iterations';
  let class1: Float32Array = new Float32Array(H * W);
  let backend: string;
  let threads: number;

  // Engine selection (which may time a few calibration steps) happens before the clock starts.
  let kernels: TileKernels | undefined;
  const precision = resolvePrecision(opts.precision ?? 'float32');
  if (path === 'ort') kernels = await ortKernels(net);
  else if (path === 'sparse') kernels = (await pickKernels(net, { engine: opts.engine ?? 'auto', log, precision })).kernels;

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const progressMs = opts.progressMs ?? 5000;
  const outOfTime = () => opts.maxSeconds !== undefined && performance.now() - t0 > 1000 * opts.maxSeconds;
  let lastProgress = 0;
  const progress = (iteration: number, activeFraction: number) => {
    const now = performance.now() - t0;
    if (!opts.onProgress || now - lastProgress < progressMs) return;
    lastProgress = now;
    opts.onProgress(
      `iteration ${iteration}: ${((1000 * iteration) / now).toFixed(1)} it/s, active ${(100 * activeFraction).toFixed(1)} %, ` +
        `rss ${mb(process.memoryUsage.rss())} MB, ${(now / 1000).toFixed(0)} s`,
    );
  };
  const sample = (iteration: number) => {
    const now = performance.now() - t0;
    if (now - lastSample < sampleMs) return;
    lastSample = now;
    rss.offer(() => ({ ms: Math.round(now), iteration, rssMB: mb(process.memoryUsage.rss()) }));
  };
  sample(0);

  if (path === 'dense') {
    backend = `tfjs-${backendInfo().name}${precision === 'bfloat16' ? ' bfloat16' : ''}`;
    threads = 1;
    log(`dense: ${backend}, ${H}×${W} px, ${modelName}`);
    const x = tf.tensor4d(enc.data, [1, H, W, 3]);
    // net.think is a generator: its steps run inside next(), so the precision is scoped around each next() call.
    const steps = net.think(x, maxIterations);
    const next = () => withPrecision(precision, () => steps.next());
    try {
      for (let r = next(); !r.done; r = next()) {
        const s = r.value;
        iterations = s.iteration;
        activeSum += 1;
        computedSum += 1;
        active.offer(() => ({ iteration: s.iteration, activeFraction: 1 }));
        const snapshot = fixed === undefined && s.iteration % patience === 0;
        if (s.iteration % headEvery === 0 || s.iteration === maxIterations || snapshot) {
          class1 = class1FromLogits(s.logits.dataSync() as Float32Array);
          if (snapshot && settled.offer(class1)) {
            haltedBy = 'stable';
            break;
          }
        }
        sample(s.iteration);
        progress(s.iteration, 1);
        if (outOfTime()) {
          haltedBy = 'time-limit';
          class1 = class1FromLogits(s.logits.dataSync() as Float32Array);
          break;
        }
      }
    } finally {
      steps.return(); // frees the generator's tensors after a break
      x.dispose();
    }
  } else {
    if (!kernels) throw new Error(`no kernels for path ${path}`); // unreachable: paths are checked above
    backend = kernels.name;
    threads = kernels.threads;
    const thinker = new SparseThinker(net, kernels, enc.data, H, W,
      path === 'ort' ? { tileSize: Math.max(H, W), tolerance: -1 } : { tileSize: opts.tileSize ?? TILE_DEFAULTS.tileSize, tolerance: opts.tolerance ?? TILE_DEFAULTS.tolerance, selfTolerance: opts.selfTolerance ?? opts.tolerance ?? TILE_DEFAULTS.selfTolerance, blockTiles: opts.blockTiles });
    log(`${path}: ${backend}, ${H}×${W} px, ${thinker.grid.count} tile(s) of ${thinker.grid.size} px, halo ${thinker.stepHalo}, ${modelName}`);
    try {
      for (let i = 1; i <= maxIterations; i++) {
        const st = await thinker.step();
        iterations = st.iteration;
        activeSum += st.activeFraction;
        computedSum += st.computedPixelRatio;
        active.offer(() => ({ iteration: st.iteration, activeFraction: st.activeFraction }));
        const snapshot = fixed === undefined && i % patience === 0;
        if (i % headEvery === 0 || i === maxIterations || snapshot) class1 = await thinker.predictions();
        sample(st.iteration);
        progress(st.iteration, st.activeFraction);
        if (fixed === undefined) {
          // No active tile left means a fixed point or a 2-cycle (within the tolerance; exact at tolerance 0):
          // thinking longer changes nothing.
          if (st.nextActiveTiles === 0) {
            haltedBy = 'fixed-point';
            break;
          }
          if (snapshot && settled.offer(class1)) {
            haltedBy = 'stable';
            break;
          }
        }
        if (outOfTime()) {
          haltedBy = 'time-limit';
          break;
        }
      }
      class1 = (await thinker.predictions()).slice();
    } finally {
      kernels.dispose();
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  lastSample = -Infinity;
  sample(iterations);
  const tensorLeak = tf.memory().numTensors - tensorsBefore;
  const correct = mazeProblem.isCorrect(grid, class1);
  const params = net.parameterCount;
  if (ownsNet) net.dispose();
  const result: SolveBenchResult = {
    size: opts.size,
    image: [H, W],
    path,
    backend,
    threads,
    model: modelName,
    params,
    iterations,
    haltedBy,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    msPerIteration: ms / Math.max(1, iterations),
    iterationsPerSecond: (1000 * iterations) / ms,
    denseGflopPerIteration: denseGflop,
    effectiveGflops: (denseGflop * iterations) / (ms / 1000),
    activeFractionMean: activeSum / Math.max(1, iterations),
    activeFractionTrace: active.points,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssTrace: rss.points,
    tensorLeak,
    computedPixelRatioMean: computedSum / Math.max(1, iterations),
    correctVsBFS: correct,
  };
  return result;
}

/** Human-readable summary lines for the CLI. */
export function formatSolveBench(r: SolveBenchResult): string {
  const rssMin = Math.min(...r.rssTrace.map((p) => p.rssMB));
  const rssMax = Math.max(...r.rssTrace.map((p) => p.rssMB));
  return [
    `maze ${r.size}×${r.size} (${r.image[0]}×${r.image[1]} px), ${r.model}, path ${r.path}, backend ${r.backend}, ${r.threads} thread(s)`,
    `${r.iterations} iterations (${r.haltedBy}) in ${(r.ms / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s): ${r.msPerIteration.toFixed(2)} ms/iteration, ` +
      `${r.iterationsPerSecond.toFixed(1)} it/s, ${r.effectiveGflops.toFixed(1)} dense-equivalent GFLOP/s (${r.denseGflopPerIteration.toFixed(3)} GFLOP/iteration dense)`,
    `active fraction mean ${(100 * r.activeFractionMean).toFixed(1)} % (computed ${r.computedPixelRatioMean.toFixed(2)}× the image per iteration); rss ${rssMin}–${rssMax} MB over the run, peak ${r.peakRssMB} MB; tensor leak ${r.tensorLeak}`,
    `correct vs BFS: ${r.correctVsBFS}`,
  ].join('\n');
}
