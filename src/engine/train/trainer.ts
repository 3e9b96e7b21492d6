/**
 * The training loop (Bansal et al. 2022, §3.2 and appendix; aks2203/deep-thinking train_model.py), seeded and
 * resumable:
 * - data: generated (prefix sums, mazes) or read from a Lichess CSV (chess), split 80/20 into train/validation;
 * - each step: the progressive loss (progressiveLoss.ts), gradient clipping and Adam/SGD (optimizer.ts), the lr
 *   of schedule.ts; the batch optionally split over worker threads (parallel.ts);
 * - each epoch: validation exact-match accuracy at maxIters, and optionally on bigger puzzles (`valSize`, at
 *   `valIters`) — the reference runs show later epochs can destroy extrapolation while keeping 100 % at the
 *   training size, so the best checkpoint is chosen by validation, on the bigger puzzles when given;
 * - checkpoints: `outDir` itself is the best checkpoint, rewritten whenever the selection metric improves (strictly,
 *   as the paper: the first best epoch), so `outDir` is the model to use and model lists find it. The resume state
 *   (last weights + `train-state.json` + `optimizer.bin`, written as one directory swap) goes every epoch and on cancellation to the hidden sibling
 *   `.<name>.last` (hidden, so model lists skip it; a sibling, because a checkpoint write swaps its whole directory).
 *
 * Reproducibility: every random choice derives from `seed` by position (data, weight init, the epoch's shuffle,
 * each step's progressive draw), so no generator state needs saving and a resumed run continues bit for bit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../tf';
import { createModel } from '../models/createModel';
import type { DTNet } from '../models/dtNet';
import { MODEL_KINDS, validateArchitecture, type Architecture } from '../../shared/architecture';
import { batchCorrect, encodeBatch, type Batch, type ProblemId } from '../../shared/problems/problem';
import { getProblem } from '../../shared/problems';
import { Rng, deriveSeed } from '../../shared/rng';
import { collect, datasets } from '../data/datasets';
import { isCancelled, nextTick, type CancellationLike } from '../eval/cancellation';
import { loadCheckpoint, loadModel, readCheckpointMeta, recoverCheckpointDir, saveCheckpoint, type CheckpointMetaInput } from '../checkpoint/checkpoint';
import { PROGRESSIVE_SAMPLINGS, computeGradients, drawNK, predictClass1, type GradientResult, type ProgressiveDraw, type ProgressiveSampling } from './progressiveLoss';
import { Optimizer, throttleGroups, type OptimizerKind, type OptimizerState } from './optimizer';
import { learningRate, type LrSchedule } from './schedule';
import { trainingDefaults, type DefaultsProfile, type TrainingDefaults } from './defaults';
import { GradientWorkers, availableThreads, defaultGradientThreads } from './parallel';

// ---------------------------------------------------------------------------------------------------------------
// One step

export interface TrainStepOptions {
  optimizer: Optimizer;
  /** base learning rate for this step (group multipliers apply on top) */
  lr: number;
  /** weight of the progressive term; 0 = plain full-unroll training (what `bench` measures) */
  alpha: number;
  maxIters: number;
  /** the progressive draw; when absent it is drawn from `rng` (needed when alpha > 0) */
  draw?: ProgressiveDraw;
  rng?: Rng;
  /** compute the gradient in these workers instead of this thread */
  workers?: GradientWorkers;
}

export interface StepResult {
  loss: number;
  /** class1 [N, ...spatial] of the output training accuracy is read from (see GradientResult) */
  class1: Float32Array;
  accuracyIteration: number;
  draw: ProgressiveDraw;
  /** global gradient norm before clipping */
  gradNorm: number;
}

/**
 * One training step: loss and gradients (in this thread or split over workers), clipping, optimizer update.
 * With alpha = 0 and maxIters = T this is exactly the bench's step: T recurrent iterations with recall, the head on
 * the last, per-position cross-entropy, backward, update.
 */
export async function trainStep(model: DTNet, batch: Batch, opts: TrainStepOptions): Promise<StepResult> {
  const { alpha, maxIters } = opts;
  let draw = opts.draw;
  if (!draw) {
    if (alpha > 0 && !opts.rng) throw new Error('trainStep: alpha > 0 needs a progressive draw or an rng');
    draw = alpha > 0 ? drawNK(maxIters, opts.rng!) : { n: 0, k: maxIters };
  }
  const plan = { alpha, maxIters, draw };
  let r: GradientResult;
  if (opts.workers) {
    opts.workers.syncWeights(model);
    r = await opts.workers.computeGradients(batch, plan);
  } else {
    r = computeGradients(model, batch, plan);
  }
  try {
    const { gradNorm } = opts.optimizer.step(r.grads, opts.lr);
    return { loss: r.loss, class1: r.class1, accuracyIteration: r.accuracyIteration, draw, gradNorm };
  } finally {
    for (const g of r.grads.values()) g.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration

export interface TrainConfig extends Partial<TrainingDefaults> {
  problem: ProblemId;
  /** which defaults fill the fields not given (default 'cpu') */
  profile?: DefaultsProfile;
  seed?: number;
  /** iterations for the `valSize` validation (default: maxIters · valSize / size, rounded up) */
  valIters?: number;
  /** chess: the Lichess puzzle CSV */
  csv?: string;
  /** chess: keep puzzles with minRating ≤ Rating < maxRating */
  minRating?: number;
  maxRating?: number;
  /** mazes: fraction of extra walls knocked out (imperfect mazes with loops) */
  mazeLoops?: number;
  /** batch size for validation (default 2 × batchSize) */
  evalBatchSize?: number;
  /** worker threads for the gradient (1 = in this thread; default: the cores available) */
  threads?: number;
  /** checkpoint directory (none written when absent) */
  outDir?: string;
  /** continue from `<outDir>/last` when it holds a resumable state (the stored config wins, except epochs/threads) */
  resume?: boolean;
  /**
   * Start from this model's weights (a checkpoint dir, .pth or bundled name) instead of a random init: fine-tuning,
   * or a curriculum (small mazes first). The architecture must match, except its default iteration count.
   */
  initFrom?: string;
  /** how the progressive loss draws n and k (default: the paper's, `independent`) */
  sampling?: ProgressiveSampling;
  /**
   * stop once the selection accuracy reaches this (e.g. 1): `epochs` is then a cap. A seed that learns late gets
   * the epochs it needs; one that learns early is not trained on (later epochs can lose extrapolation anyway).
   */
  stopAt?: number | null;
}

export interface ResolvedTrainConfig extends TrainingDefaults {
  problem: ProblemId;
  profile: DefaultsProfile;
  seed: number;
  valIters: number | null;
  csv: string | null;
  minRating: number | null;
  maxRating: number | null;
  mazeLoops: number;
  evalBatchSize: number;
  initFrom: string | null;
  sampling: ProgressiveSampling;
  stopAt: number | null;
}

/** Fill defaults and check every field, naming the one that is wrong. */
export function resolveTrainConfig(c: TrainConfig): ResolvedTrainConfig {
  const problem = getProblem(c.problem).id;
  const profile = c.profile ?? 'cpu';
  const d = trainingDefaults(problem, profile);
  const pick = <K extends keyof TrainingDefaults>(k: K): TrainingDefaults[K] => (c[k] !== undefined ? (c[k] as TrainingDefaults[K]) : d[k]);
  const r: ResolvedTrainConfig = {
    problem,
    profile,
    model: pick('model'),
    width: pick('width'),
    maxIters: pick('maxIters'),
    blocks: pick('blocks'),
    alpha: pick('alpha'),
    optimizer: pick('optimizer'),
    lr: pick('lr'),
    weightDecay: pick('weightDecay'),
    clip: pick('clip'),
    lrThrottle: pick('lrThrottle'),
    warmupPeriod: pick('warmupPeriod'),
    warmupUnit: pick('warmupUnit'),
    milestones: pick('milestones').slice(),
    gamma: pick('gamma'),
    epochs: pick('epochs'),
    batchSize: pick('batchSize'),
    trainSize: pick('trainSize'),
    size: pick('size'),
    seed: c.seed ?? 0,
    valSize: c.valSize !== undefined ? c.valSize : problem === 'chess' ? null : d.valSize,
    valIters: null,
    csv: c.csv ?? null,
    minRating: c.minRating ?? null,
    maxRating: c.maxRating ?? null,
    mazeLoops: c.mazeLoops ?? 0,
    evalBatchSize: c.evalBatchSize ?? 0,
    initFrom: c.initFrom ?? null,
    sampling: c.sampling ?? 'independent',
    stopAt: c.stopAt ?? null,
  };
  const fail = (what: string): never => {
    throw new RangeError(`training config: ${what}`);
  };
  const posInt = (k: string, v: number) => (!Number.isInteger(v) || v < 1) && fail(`${k} must be a positive integer, got ${v}`);
  for (const k of ['width', 'maxIters', 'blocks', 'epochs', 'batchSize', 'size'] as const) posInt(k, r[k]);
  if (!Number.isInteger(r.trainSize) || r.trainSize < 2) fail(`trainSize must be an integer ≥ 2 (80/20 split), got ${r.trainSize}`);
  if (!MODEL_KINDS.includes(r.model)) fail(`model must be one of ${MODEL_KINDS.join(', ')}, got ${r.model}`);
  if (!PROGRESSIVE_SAMPLINGS.includes(r.sampling)) fail(`sampling must be ${PROGRESSIVE_SAMPLINGS.join(' or ')}, got ${String(r.sampling)}`);
  if (!(r.alpha >= 0 && r.alpha <= 1)) fail(`alpha must be in [0, 1], got ${r.alpha}`);
  if (!(['adam', 'sgd'] as OptimizerKind[]).includes(r.optimizer)) fail(`optimizer must be adam or sgd, got ${r.optimizer}`);
  if (!(r.lr > 0)) fail(`lr must be > 0, got ${r.lr}`);
  if (!(r.weightDecay >= 0)) fail(`weightDecay must be ≥ 0, got ${r.weightDecay}`);
  if (r.clip !== null && !(r.clip > 0)) fail(`clip must be > 0 or null, got ${r.clip}`);
  if (!(r.warmupPeriod >= 0)) fail(`warmupPeriod must be ≥ 0, got ${r.warmupPeriod}`);
  if (r.warmupUnit !== 'epoch' && r.warmupUnit !== 'step') fail(`warmupUnit must be 'epoch' or 'step', got ${r.warmupUnit}`);
  if (!Number.isFinite(r.seed)) fail(`seed must be a number, got ${r.seed}`);
  if (r.stopAt !== null && !(r.stopAt > 0 && r.stopAt <= 1)) fail(`stopAt must be in (0, 1] or null, got ${r.stopAt}`);
  if (problem === 'chess' && !r.csv) fail('chess needs a Lichess puzzle CSV (csv)');
  if (problem === 'chess' && r.valSize !== null) fail('valSize does not apply to chess');
  if (r.valSize !== null) {
    posInt('valSize', r.valSize);
    r.valIters = c.valIters ?? Math.ceil((r.maxIters * r.valSize) / r.size);
    posInt('valIters', r.valIters);
  }
  if (r.evalBatchSize === 0) r.evalBatchSize = 2 * r.batchSize;
  posInt('evalBatchSize', r.evalBatchSize);
  return r;
}

export function architectureOf(c: ResolvedTrainConfig): Architecture {
  const p = getProblem(c.problem);
  return { kind: c.model, dims: p.dims, width: c.width, inChannels: p.inChannels, maxIters: c.maxIters, blocks: c.blocks };
}

export function scheduleOf(c: ResolvedTrainConfig): LrSchedule {
  return { lr: c.lr, warmupPeriod: c.warmupPeriod, warmupUnit: c.warmupUnit, milestones: c.milestones, gamma: c.gamma };
}

// ---------------------------------------------------------------------------------------------------------------
// Events and results

export interface TrainProgressEvent {
  /** 'step' after each optimizer step; 'epoch' after each epoch's validation */
  kind: 'step' | 'epoch';
  /** 1-based epoch in progress (or just finished) */
  epoch: number;
  epochs: number;
  /** optimizer steps done, all epochs */
  step: number;
  totalSteps: number;
  /** mean training loss over this epoch's steps so far */
  loss: number;
  /**
   * exact-match training accuracy over this epoch so far, on the output the loss used: the full unroll at maxIters
   * when α < 1; at α = 1 (no full unroll is run) the progressive output at iteration n + k
   */
  accuracy: number;
  /** validation exact match at maxIters, of the last finished epoch */
  valAccuracy?: number;
  /** validation exact match at `valSize` / `valIters`, of the last finished epoch */
  extrapolationAccuracy?: number;
  /** training samples per second over this epoch */
  throughput: number;
  lr: number;
  /**
   * estimated seconds left: the steps left at this run's mean seconds per step so far, plus one validation per
   * epoch left at the last one's duration (undefined until a step has been timed)
   */
  etaSeconds?: number;
}

export interface EpochRecord {
  /** 1-based */
  epoch: number;
  loss: number;
  accuracy: number;
  valAccuracy: number;
  extrapolationAccuracy?: number;
  lr: number;
  /** wall seconds of this epoch's training steps */
  seconds: number;
  /** wall seconds of this epoch's validation */
  validationSeconds?: number;
}

export interface TrainResult {
  cancelled: boolean;
  /** epochs fully done (validated) */
  epochsCompleted: number;
  steps: number;
  totalSteps: number;
  /** the selection metric (extrapolation accuracy when valSize is set, else validation accuracy) of the best epoch */
  bestMetric: number;
  /** 1-based; 0 when no epoch finished */
  bestEpoch: number;
  history: EpochRecord[];
  /** weights of the best epoch (undefined when no epoch finished) */
  bestWeights?: Map<string, Float32Array>;
  architecture: Architecture;
  config: ResolvedTrainConfig;
  /** wall seconds of this call */
  seconds: number;
  resumed: boolean;
  bestDir?: string;
  lastDir?: string;
  threads: number;
}

export interface TrainHooks {
  onProgress?: (e: TrainProgressEvent) => void;
  token?: CancellationLike;
  log?: (message: string) => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Data

/** Puzzles of one problem, whatever their type; the Problem interface does the rest. */
type Puzzle = unknown;

/** Seeds derived from the run seed, by purpose. */
const SEED = { data: 1, extrapolation: 2, init: 3, shuffle: 4, draw: 5 } as const;

async function loadPuzzles(c: ResolvedTrainConfig, size: number, count: number, seed: number): Promise<Puzzle[]> {
  const all = await collect(datasets[c.problem], {
    size, count, seed, mazeLoops: c.mazeLoops, csv: c.csv ?? undefined, minRating: c.minRating ?? undefined, maxRating: c.maxRating ?? undefined,
  });
  if (all.length < 2) throw new RangeError(`${c.csv ?? c.problem}: only ${all.length} puzzle(s) pass the filters; need at least 2 to split train/validation`);
  return all;
}

// ---------------------------------------------------------------------------------------------------------------
// Resume state

const STATE_FILE = 'train-state.json';
const OPTIMIZER_FILE = 'optimizer.bin';
const STATE_VERSION = 1;

interface TrainState {
  version: number;
  config: ResolvedTrainConfig;
  /** 0-based epoch in progress */
  epoch: number;
  /** steps of that epoch already done (= stepsPerEpoch when only its validation is left) */
  stepInEpoch: number;
  globalStep: number;
  /** running sums of the epoch in progress */
  epochLoss: number;
  epochCorrect: number;
  epochSamples: number;
  epochSeconds: number;
  bestMetric: number;
  bestEpoch: number;
  history: EpochRecord[];
  optimizer: { kind: OptimizerKind; step: number; specs: tf.io.WeightsManifestEntry[] };
}

/**
 * The resume state as files of the `.last` checkpoint: written with the weights in one directory swap, so the
 * weights, the optimizer and the counters are always from the same step (no crash can pair one with another).
 */
async function trainStateFiles(state: Omit<TrainState, 'optimizer'>, opt: OptimizerState): Promise<Record<string, Uint8Array | string>> {
  const named: tf.NamedTensorMap = {};
  for (const [key, values] of opt.tensors) named[key] = tf.tensor(values, opt.shapes.get(key)!);
  const { data, specs } = await tf.io.encodeWeights(named);
  tf.dispose(Object.values(named));
  const full: TrainState = { ...state, optimizer: { kind: opt.kind, step: opt.step, specs } };
  return { [OPTIMIZER_FILE]: new Uint8Array(data), [STATE_FILE]: JSON.stringify(full, null, 1) };
}

function readTrainState(dir: string): { state: TrainState; optimizer: OptimizerState } | undefined {
  const file = path.join(dir, STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  let state: TrainState;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainState;
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (state.version !== STATE_VERSION) throw new Error(`${file}: train-state version ${state.version} is not supported (expected ${STATE_VERSION})`);
  const bin = fs.readFileSync(path.join(dir, OPTIMIZER_FILE));
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const named = tf.io.decodeWeights(buf, state.optimizer.specs);
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const [key, t] of Object.entries(named)) {
    tensors.set(key, t.dataSync() as Float32Array);
    shapes.set(key, t.shape);
    t.dispose();
  }
  return { state, optimizer: { kind: state.optimizer.kind, step: state.optimizer.step, tensors, shapes } };
}

/** A new net of `arch` holding the weights of the model `spec`; fails, naming both, when they don't fit. */
async function initialModel(spec: string, arch: Architecture): Promise<DTNet> {
  const init = await loadModel(spec);
  try {
    const a = init.model.arch;
    const differs = (['kind', 'dims', 'width', 'inChannels', 'blocks'] as const).filter((k) => a[k] !== arch[k]);
    if (differs.length > 0) {
      const show = (x: Architecture) => differs.map((k) => `${k} ${String(x[k])}`).join(', ');
      throw new Error(`training config: initFrom ${spec} is ${show(a)}, but this run trains ${show(arch)}`);
    }
    return createModel(arch, await init.model.exportWeights());
  } finally {
    init.model.dispose();
  }
}

/**
 * `outDir` must be a checkpoint directory, an empty one, or not exist yet, under a parent we can write: said before
 * any training, with the real cause (a read-only mount is EROFS, not the ENOENT that a later rename would report).
 */
export async function checkOutDir(outDir: string): Promise<void> {
  const st = fs.statSync(outDir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new Error(`${outDir}: exists and is not a directory; the output must be a checkpoint directory`);
  if (st && fs.readdirSync(outDir).length > 0 && !fs.existsSync(path.join(outDir, 'model.json'))) {
    throw new Error(`${outDir}: exists and is not a checkpoint (no model.json); refusing to train into it`);
  }
  const parent = path.dirname(path.resolve(outDir));
  try {
    fs.mkdirSync(parent, { recursive: true });
    const probe = path.join(parent, `.${path.basename(outDir)}.probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EROFS' ? 'read-only file system' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : err.message;
    throw new Error(`${outDir}: cannot write checkpoints in ${parent}: ${why}${err.code ? ` (${err.code})` : ''}`);
  }
}

/** The selection metric and epoch recorded in a best checkpoint written by a run of the same net, if any. */
async function recordedBest(dir: string, problem: string, arch: Architecture): Promise<{ metric: number; epoch: number } | undefined> {
  if (!fs.existsSync(path.join(dir, 'model.json'))) return undefined;
  const meta = await readCheckpointMeta(dir).catch(() => undefined);
  if (!meta || meta.problem !== problem) return undefined;
  const a = meta.architecture;
  if ((['kind', 'dims', 'width', 'inChannels', 'blocks'] as const).some((k) => a[k] !== arch[k])) return undefined;
  const m = meta.metrics as Record<string, unknown>;
  const metric = typeof m.extrapolationAccuracy === 'number' ? m.extrapolationAccuracy : m.valAccuracy;
  const epoch = m.epoch;
  return typeof metric === 'number' && typeof epoch === 'number' && epoch > 0 ? { metric, epoch } : undefined;
}

/** Where the resume state of a run writing its best checkpoint to `outDir` lives. */
export function resumeDirFor(outDir: string): string {
  const abs = path.resolve(outDir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.last`);
}

// ---------------------------------------------------------------------------------------------------------------
// The loop

function mean(sum: number, n: number): number {
  return n > 0 ? sum / n : 0;
}

/** Train a model; see the header. Resolves when done or cancelled (never rejects on cancellation). */
export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = performance.now();
  const log = hooks.log ?? (() => {});
  const outDir = config.outDir ? path.resolve(config.outDir) : undefined;
  const lastDir = outDir ? resumeDirFor(outDir) : undefined;
  const bestDir = outDir;

  // ---- resume or start
  let c = resolveTrainConfig(config);
  validateArchitecture(architectureOf(c), 'training config');
  // Before the first epoch, not after it: a bad --out would otherwise cost an epoch and then fail.
  if (outDir) await checkOutDir(outDir);
  if (outDir && lastDir) {
    // A crash mid-swap leaves the complete state under a hidden temporary name: put it back before looking.
    for (const d of [outDir, lastDir]) for (const line of await recoverCheckpointDir(d)) log(line);
  }
  let saved = config.resume && lastDir ? readTrainState(lastDir) : undefined;
  if (saved) {
    // The weights and the train state are written one after the other: check they belong together.
    const ckStep = (await readCheckpointMeta(lastDir!)).training.globalStep;
    if (ckStep !== saved.state.globalStep) {
      log(`${lastDir}: weights (step ${String(ckStep)}) and ${STATE_FILE} (step ${saved.state.globalStep}) disagree; not resuming`);
      saved = undefined;
    }
  }
  if (config.resume && !saved) log(`no resumable state in ${lastDir ?? '(no outDir)'}; starting a new run`);
  if (saved) {
    // The cap and the stop rule may change on resume (train longer); everything else is the stored run's.
    c = {
      ...saved.state.config,
      sampling: saved.state.config.sampling ?? 'independent',
      epochs: config.epochs ?? saved.state.config.epochs,
      stopAt: config.stopAt !== undefined ? config.stopAt : (saved.state.config.stopAt ?? null),
    };
    log(`resuming from ${lastDir}: epoch ${saved.state.epoch + 1}, step ${saved.state.globalStep}`);
  }
  const problem = getProblem(c.problem);
  const arch = architectureOf(c);
  const schedule = scheduleOf(c);

  // ---- data (regenerated from the seed on resume). Generating 10,000 mazes takes tens of seconds on a busy
  // core: say so, or the first step seems to hang.
  const tData = performance.now();
  log(`generating ${c.trainSize} ${problem.label.toLowerCase()} puzzles` + (c.valSize !== null ? ` and ${Math.ceil(c.trainSize / 5)} at size ${c.valSize}` : '') + '…');
  const all = await loadPuzzles(c, c.size, c.trainSize, deriveSeed(c.seed, SEED.data));
  const nTrain = Math.floor(0.8 * all.length);
  const trainSet = all.slice(0, nTrain);
  const valSet = all.slice(nTrain);
  const extrapSet = c.valSize !== null ? await loadPuzzles(c, c.valSize, Math.max(1, valSet.length), deriveSeed(c.seed, SEED.extrapolation)) : undefined;
  // As the paper's loader (drop_last=True): only full batches, so one odd small batch never takes a full step.
  const stepsPerEpoch = Math.max(1, Math.floor(trainSet.length / c.batchSize));
  const totalSteps = stepsPerEpoch * c.epochs;
  log(
    `${problem.label}: ${trainSet.length} train / ${valSet.length} validation puzzles` + (extrapSet ? ` + ${extrapSet.length} at size ${c.valSize}` : '') +
      ` (${((performance.now() - tData) / 1000).toFixed(1)} s)`,
  );

  // ---- model, optimizer and workers: released on every way out
  let model: DTNet;
  if (saved) {
    model = (await loadCheckpoint(lastDir!)).model;
  } else if (c.initFrom) {
    model = await initialModel(c.initFrom, arch);
    log(`starting from the weights of ${c.initFrom}`);
  } else {
    const initRng = new Rng(deriveSeed(c.seed, SEED.init));
    model = createModel(arch, () => initRng.next());
  }
  const groups = c.lrThrottle ? throttleGroups(model.weights.keys(), c.maxIters) : [];
  const optimizer = new Optimizer(model.weights, { kind: c.optimizer, weightDecay: c.weightDecay, clipNorm: c.clip }, groups);
  let workers: GradientWorkers | undefined;
  try {
    if (saved) optimizer.importState(saved.optimizer);
    const st: Omit<TrainState, 'optimizer'> = saved
      ? { ...saved.state, config: c }
      : {
          version: STATE_VERSION, config: c, epoch: 0, stepInEpoch: 0, globalStep: 0,
          epochLoss: 0, epochCorrect: 0, epochSamples: 0, epochSeconds: 0, bestMetric: -1, bestEpoch: 0, history: [],
        };
    // After a restart the best checkpoint on disk may be better than what the state remembers (a crash between the
    // two writes, or no state at all): it stays unless a new epoch beats it.
    const kept = config.resume && bestDir ? await recordedBest(bestDir, c.problem, arch) : undefined;
    if (kept && kept.metric > st.bestMetric) {
      log(`keeping ${bestDir} (epoch ${kept.epoch}, ${(100 * kept.metric).toFixed(1)}%) unless an epoch beats it`);
      st.bestMetric = kept.metric;
      st.bestEpoch = kept.epoch;
    }
    let bestWeights: Map<string, Float32Array> | undefined;
    if ((saved || kept) && st.bestEpoch > 0 && bestDir && fs.existsSync(bestDir)) {
      const best = await loadCheckpoint(bestDir);
      bestWeights = await best.model.exportWeights();
      best.model.dispose();
    }

    let threads = Math.max(1, Math.floor(config.threads ?? defaultGradientThreads()));
    if (threads > 1) {
      try {
        workers = await GradientWorkers.start(model, threads);
      } catch (e) {
        log(`${(e as Error).message}; training in this thread instead`);
        threads = 1;
      }
    }
    log(`${arch.kind} ${arch.dims}-D width ${arch.width}, ${model.parameterCount} parameters, ${threads} thread(s); ${totalSteps} steps`);
    // Measured on 2 busy cores (tfjs-wasm, 2 workers, mazes 9×9 at 30 iterations): the first step takes ~2× a later
    // one (kernel set-up in every worker) and nothing is reported until it ends; say what is happening.
    if (st.globalStep < totalSteps) {
      log(`step 1 of ${totalSteps} running (${c.batchSize} puzzles × ${c.maxIters} iterations forward and back; the first step also sets up the kernels)…`);
    }

    const meta = (metrics: Record<string, unknown>): CheckpointMetaInput => ({
      problem: c.problem,
      name: outDir ? path.basename(outDir) : undefined,
      training: { ...c, globalStep: st.globalStep, epochsDone: st.history.length },
      seed: c.seed,
      metrics,
    });
    const saveLast = async () => {
      if (!lastDir) return;
      await saveCheckpoint(lastDir, model, meta({ epoch: st.epoch, history: st.history }), { extraFiles: await trainStateFiles(st, optimizer.exportState()) });
    };
    const result = (cancelled: boolean): TrainResult => ({
      cancelled,
      epochsCompleted: st.history.length,
      steps: st.globalStep,
      totalSteps,
      bestMetric: st.bestMetric,
      bestEpoch: st.bestEpoch,
      history: st.history,
      bestWeights,
      architecture: arch,
      config: c,
      seconds: (performance.now() - t0) / 1000,
      resumed: !!saved,
      bestDir: st.bestEpoch > 0 ? bestDir : undefined,
      lastDir,
      threads,
    });

    /** Exact-match accuracy over puzzles at `iterations`; undefined when cancelled. */
    const validate = async (puzzles: Puzzle[], iterations: number): Promise<number | undefined> => {
      const its = Math.min(iterations, model.depth);
      workers?.syncWeights(model);
      let correct = 0;
      for (let i = 0; i < puzzles.length; i += c.evalBatchSize) {
        if (isCancelled(hooks.token)) return undefined;
        const chunk = puzzles.slice(i, i + c.evalBatchSize);
        const batch = encodeBatch(problem, chunk);
        const class1 = workers
          ? await workers.predictClass1(batch, its)
          : predictClass1(model, batch.input, [batch.n, ...batch.spatial, batch.channels], its);
        correct += batchCorrect(problem, chunk, class1).filter(Boolean).length;
        await nextTick();
      }
      return mean(correct, puzzles.length);
    };

    // ETA: seconds per step measured in this call (the first step is excluded: it includes warm-up and tracing).
    let timedSteps = 0;
    let timedSeconds = 0;
    const eta = (): number | undefined => {
      if (timedSteps === 0) return undefined;
      const stepsLeft = totalSteps - st.globalStep;
      const epochsLeft = c.epochs - st.epoch; // validations still to run, the current epoch's included
      const lastVal = st.history[st.history.length - 1]?.validationSeconds ?? 0;
      return stepsLeft * (timedSeconds / timedSteps) + epochsLeft * lastVal;
    };

    const reached = () => c.stopAt !== null && st.bestEpoch > 0 && st.bestMetric >= c.stopAt;
    while (st.epoch < c.epochs && !reached()) {
      const order = new Rng(deriveSeed(deriveSeed(c.seed, SEED.shuffle), st.epoch)).shuffle(Array.from(trainSet.keys()));
      for (; st.stepInEpoch < stepsPerEpoch; st.stepInEpoch++) {
        if (isCancelled(hooks.token)) {
          log(`cancelled at epoch ${st.epoch + 1}, step ${st.globalStep}`);
          await saveLast();
          return result(true);
        }
        const ts = performance.now();
        const puzzles = order.slice(st.stepInEpoch * c.batchSize, (st.stepInEpoch + 1) * c.batchSize).map((i) => trainSet[i]);
        const batch = encodeBatch(problem, puzzles);
        const lr = learningRate(schedule, st.epoch, st.globalStep);
        const draw = drawNK(c.maxIters, new Rng(deriveSeed(deriveSeed(c.seed, SEED.draw), st.globalStep)), c.sampling);
        const r = await trainStep(model, batch, { optimizer, lr, alpha: c.alpha, maxIters: c.maxIters, draw, workers });
        if (!Number.isFinite(r.loss)) {
          throw new Error(`loss is ${r.loss} at epoch ${st.epoch + 1}, step ${st.globalStep + 1}; lower the learning rate or enable clipping`);
        }
        st.epochLoss += r.loss;
        st.epochCorrect += batchCorrect(problem, puzzles, r.class1).filter(Boolean).length;
        st.epochSamples += puzzles.length;
        const stepSeconds = (performance.now() - ts) / 1000;
        st.epochSeconds += stepSeconds;
        if (st.stepInEpoch > 0 || st.epoch > 0 || saved) (timedSteps++, (timedSeconds += stepSeconds));
        st.globalStep++;
        const prev = st.history[st.history.length - 1];
        hooks.onProgress?.({
          kind: 'step',
          epoch: st.epoch + 1,
          epochs: c.epochs,
          step: st.globalStep,
          totalSteps,
          loss: mean(st.epochLoss, st.stepInEpoch + 1),
          accuracy: mean(st.epochCorrect, st.epochSamples),
          valAccuracy: prev?.valAccuracy,
          extrapolationAccuracy: prev?.extrapolationAccuracy,
          throughput: mean(st.epochSamples, st.epochSeconds),
          lr,
          etaSeconds: eta(),
        });
        await nextTick(); // let cancellation requests and progress notifications through
      }

      // ---- validation (a cancellation here leaves stepInEpoch = stepsPerEpoch: the resume validates first)
      const lr = learningRate(schedule, st.epoch, Math.max(0, st.globalStep - 1)); // the epoch's last step's
      const tVal = performance.now();
      const valAccuracy = await validate(valSet, c.maxIters);
      const extrapolationAccuracy = extrapSet && valAccuracy !== undefined ? await validate(extrapSet, c.valIters!) : undefined;
      if (valAccuracy === undefined || (extrapSet && extrapolationAccuracy === undefined)) {
        log(`cancelled during validation of epoch ${st.epoch + 1}`);
        await saveLast();
        return result(true);
      }
      const record: EpochRecord = {
        epoch: st.epoch + 1,
        loss: mean(st.epochLoss, stepsPerEpoch),
        accuracy: mean(st.epochCorrect, st.epochSamples),
        valAccuracy,
        ...(extrapolationAccuracy !== undefined ? { extrapolationAccuracy } : {}),
        lr,
        seconds: st.epochSeconds,
        validationSeconds: (performance.now() - tVal) / 1000,
      };
      st.history.push(record);
      log(
        `epoch ${record.epoch}/${c.epochs}: loss ${record.loss.toFixed(4)}, train ${(100 * record.accuracy).toFixed(1)}%, ` +
          `val ${(100 * valAccuracy).toFixed(1)}%` +
          (extrapolationAccuracy !== undefined ? `, at size ${c.valSize} ${(100 * extrapolationAccuracy).toFixed(1)}%` : '') +
          `, ${mean(st.epochSamples, st.epochSeconds).toFixed(0)} samples/s`,
      );
      const metric = extrapolationAccuracy ?? valAccuracy;
      if (metric > st.bestMetric) {
        st.bestMetric = metric;
        st.bestEpoch = record.epoch;
        bestWeights = await model.exportWeights();
        if (bestDir) await saveCheckpoint(bestDir, model, meta({ epoch: record.epoch, valAccuracy, extrapolationAccuracy, valSize: c.valSize, valIters: c.valIters }));
      }
      // Epoch done: the saved state starts the next epoch.
      Object.assign(st, { epoch: st.epoch + 1, stepInEpoch: 0, epochLoss: 0, epochCorrect: 0, epochSamples: 0, epochSeconds: 0 });
      await saveLast();
      if (reached()) log(`selection accuracy ${(100 * st.bestMetric).toFixed(1)}% reached the stop at ${(100 * c.stopAt!).toFixed(1)}%: stopping after epoch ${record.epoch}`);
      hooks.onProgress?.({
        kind: 'epoch',
        epoch: record.epoch,
        epochs: c.epochs,
        step: st.globalStep,
        totalSteps,
        loss: record.loss,
        accuracy: record.accuracy,
        valAccuracy,
        extrapolationAccuracy,
        throughput: mean(trainSet.length, record.seconds),
        lr,
        etaSeconds: eta(),
      });
    }
    return result(false);
  } finally {
    await workers?.close();
    model.dispose();
    optimizer.dispose();
  }
}
