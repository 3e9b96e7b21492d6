/**
 * The training loop (Bansal et al. 2022, §3.2 and appendix; aks2203/deep-thinking train_model.py), seeded and
 * resumable:
 * - data: generated (prefix sums, mazes) or read from a Lichess CSV (chess), split 80/20 into train/validation;
 * - each step: the progressive loss (progressiveLoss.ts), gradient clipping and Adam/SGD (optimizer.ts), the lr
 *   of schedule.ts; the batch optionally split over worker threads (parallel.ts);
 * - each epoch: validation exact-match accuracy at maxIters, and optionally on bigger puzzles (`valSize`, at
 *   `valIters`) — the reference runs show later epochs can destroy extrapolation while keeping 100 % at the
 *   training size, so the best checkpoint is chosen by validation, on the bigger puzzles when given;
 * - checkpoints: `outDir` itself is the best checkpoint, rewritten whenever an epoch beats it (selection.ts: a higher
 *   selection metric, ties broken by accuracy at the training size, then loss), so `outDir` is the model to use and
 *   model lists find it. The resume state
 *   (resumeState.ts) goes every epoch and on cancellation to the hidden sibling `.<name>.last`.
 *
 * Reproducibility: every random choice derives from `seed` by position (data, weight init, the epoch's shuffle,
 * each step's progressive draw), so no generator state needs saving and a resumed run continues bit for bit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createModel } from '../models/createModel';
import type { DTNet } from '../models/dtNet';
import { validateArchitecture, type Architecture } from '../../shared/architecture';
import { batchCorrect, encodeBatch, type Batch } from '../../shared/problems/problem';
import { getProblem } from '../../shared/problems';
import { Rng, deriveSeed } from '../../shared/rng';
import { collect, datasets } from '../data/datasets';
import { isCancelled, nextTick } from '../eval/cancellation';
import { loadCheckpoint, readCheckpointMeta, recoverCheckpointDir, saveCheckpoint } from '../checkpoint/store';
import { loadModel } from '../checkpoint/modelSpecs';
import type { CheckpointMetaInput } from '../checkpoint/format';
import { computeGradients, drawNK, predictClass1, type GradientResult, type ProgressiveDraw } from './progressiveLoss';
import { Optimizer, throttleGroups } from './optimizer';
import { learningRate } from './schedule';
import { GradientWorkers, defaultGradientThreads } from './parallel';
import { architectureOf, resolveTrainConfig, scheduleOf, type ResolvedTrainConfig, type TrainConfig } from './trainConfig';
import type { EpochRecord, TrainHooks, TrainResult } from './trainResult';
import { keptKey, selectionBeats, selectionKey } from './selection';
import { readTrainState, recordedBest, resumeDirFor, STATE_FILE, STATE_VERSION, trainStateFiles, type TrainState } from './resumeState';

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
// Output directory and initial weights

/** A new net of `arch` holding the weights of the model `spec`; fails, naming both, when they don't fit. */
async function initialModel(spec: string, arch: Architecture): Promise<DTNet> {
  const init = await loadModel(spec);
  try {
    const a = init.model.arch;
    // batchNorm absent = false (checkpoints written before the field existed)
    const differs = (['kind', 'dims', 'width', 'inChannels', 'blocks', 'batchNorm'] as const).filter((k) => (a[k] ?? false) !== (arch[k] ?? false));
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
          epochLoss: 0, epochCorrect: 0, epochSamples: 0, epochSeconds: 0, epochGradNorm: 0, epochGradNormMax: 0, bestMetric: -1, bestEpoch: 0, history: [],
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
    if (threads > 1 && model.buffers.size > 0) {
      // Gradient workers run the forward passes, so batch norm's running statistics would be updated in the
      // workers' copies and never in this net, which is the one saved.
      log(`batch norm keeps running statistics in the net that runs the forward pass; training in this thread instead of ${threads}`);
      threads = 1;
    }
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
        // A state saved mid-epoch before these sums existed leaves them out for that epoch rather than under-count.
        if (st.epochGradNorm !== undefined) {
          st.epochGradNorm += r.gradNorm;
          st.epochGradNormMax = Math.max(st.epochGradNormMax ?? 0, r.gradNorm);
        }
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
        ...(st.epochGradNorm !== undefined ? { gradNorm: mean(st.epochGradNorm, stepsPerEpoch), gradNormMax: st.epochGradNormMax } : {}),
      };
      st.history.push(record);
      log(
        `epoch ${record.epoch}/${c.epochs}: loss ${record.loss.toFixed(4)}, train ${(100 * record.accuracy).toFixed(1)}%, ` +
          `val ${(100 * valAccuracy).toFixed(1)}%` +
          (extrapolationAccuracy !== undefined ? `, at size ${c.valSize} ${(100 * extrapolationAccuracy).toFixed(1)}%` : '') +
          (record.gradNorm !== undefined ? `, gradient norm mean ${record.gradNorm.toPrecision(3)} max ${record.gradNormMax!.toPrecision(3)}` : '') +
          `, ${mean(st.epochSamples, st.epochSeconds).toFixed(0)} samples/s`,
      );
      const key = selectionKey(record);
      if (selectionBeats(key, keptKey(st.history.slice(0, -1), st.bestEpoch, st.bestMetric))) {
        st.bestMetric = key.metric;
        st.bestEpoch = record.epoch;
        bestWeights = await model.exportWeights();
        if (bestDir) await saveCheckpoint(bestDir, model, meta({ epoch: record.epoch, valAccuracy, extrapolationAccuracy, valSize: c.valSize, valIters: c.valIters }));
      }
      // Epoch done: the saved state starts the next epoch.
      Object.assign(st, { epoch: st.epoch + 1, stepInEpoch: 0, epochLoss: 0, epochCorrect: 0, epochSamples: 0, epochSeconds: 0, epochGradNorm: 0, epochGradNormMax: 0 });
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
