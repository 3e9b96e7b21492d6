/**
 * Test accuracy per iteration — the paper's extrapolation and overthinking curves (Bansal et al. 2022, §4, figs.
 * 2–5) — in ONE streamed pass over `model.think()` per batch.
 *
 * The reference code (aks2203/deep-thinking `test_default`) keeps every iteration's outputs and then scores them;
 * its memory grows with the iteration count. Here each iteration's logits live only until the next iteration:
 * we download class-1 scores at the recorded iterations only, and keep on the device just two small running
 * tensors for max-confidence selection. Memory is constant in the number of iterations.
 *
 * Exact match per puzzle uses `Problem.isCorrect`, so mazes are scored on non-wall pixels only (the paper's rule)
 * and chess on the top-2 squares.
 *
 * Max-confidence selection: for each puzzle, the prediction at the iteration (among ALL iterations thought, not only
 * the recorded ones) with the highest mean confidence — the mean over counted positions of the max softmax prob.
 * Ties keep the earliest iteration. This is a label-free way to pick "when to stop" per puzzle.
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import type { Architecture } from '../../shared/architecture';
import type { EvaluateCurve } from '../../shared/protocol/engine';
import { batchCorrect, encodeBatches, type Batch, type Problem, type ProblemId } from '../../shared/problems/problem';
import { deriveSeed } from '../../shared/rng';
import { datasets } from '../data/datasets';
import { isCancelled, Yielder, type CancellationLike } from './cancellation';
import { class1Tensor, meanConfidenceTensor } from '../solve/halting';
import { thinkPuzzle, type ThinkingPath } from '../solve/thinkingPath';

export const DEFAULT_EVAL_BATCH_SIZE = 32;

export interface AccuracyOptions<P> {
  model: DTNet;
  problem: Problem<P, unknown>;
  /** the test set, consumed lazily (generated on the fly or streamed from a file); all puzzles of one shape */
  puzzles: Iterable<P> | AsyncIterable<P>;
  /** number of puzzles, if known (for progress) */
  total?: number;
  batchSize?: number;
  /** 1-based iterations at which accuracy is recorded; default: every iteration 1..maxIterations */
  iterations?: readonly number[];
  /** used when `iterations` is not given (default: the model's training maxIters) */
  maxIterations?: number;
  onProgress?: (p: AccuracyProgress) => void;
  /** minimum ms between two in-batch progress reports (default 500); a report always follows each batch */
  progressEveryMs?: number;
  token?: CancellationLike;
  /**
   * The engine's thinking path (thinkingPath.ts): batches of mazes that it sends to tiles think puzzle by puzzle
   * there, read at the recorded iterations only; max-confidence selection then picks among the recorded iterations.
   * Without it (or for everything else) a batch thinks densely on tfjs tensors.
   */
  path?: ThinkingPath;
}

export interface AccuracyResult {
  /** the recorded iterations, ascending (those beyond a feed-forward net's depth are dropped) */
  iterations: number[];
  /** puzzles correct at each recorded iteration */
  correct: number[];
  /** correct / total (NaN when total is 0) */
  accuracy: number[];
  /** puzzles fully evaluated (a batch cut short by cancellation does not count) */
  total: number;
  maxConfidenceCorrect: number;
  maxConfidenceAccuracy: number;
  /** mean over puzzles of the iteration max-confidence selection picked */
  meanMaxConfidenceIteration: number;
  cancelled: boolean;
}

export interface AccuracyProgress {
  /** puzzles fully evaluated so far */
  done: number;
  total?: number;
  /** iteration reached in the current batch (absent in the report that closes a batch) */
  iteration?: number;
  maxIteration: number;
  /** accuracy over the `done` puzzles */
  partial: AccuracyResult;
}

/** Throws when a model cannot take this problem's input (wrong dimensionality or channels). */
export function checkModelFitsProblem(arch: Architecture, problem: Pick<Problem<unknown>, 'id' | 'dims' | 'inChannels'>, model = 'model'): void {
  if (arch.dims !== problem.dims || arch.inChannels !== problem.inChannels) {
    throw new RangeError(
      `${model} is a ${arch.dims}-D net with ${arch.inChannels} input channel(s), but ${problem.id} needs ` +
        `${problem.dims}-D input with ${problem.inChannels} channel(s)`,
    );
  }
}

/**
 * Sorted, de-duplicated recorded iterations; validates they are positive integers. Drops those beyond `depth`
 * (a feed-forward net cannot think longer than it has layers).
 */
export function resolveIterations(iterations: readonly number[] | undefined, maxIterations: number, depth = Infinity): number[] {
  let its: number[];
  if (iterations && iterations.length > 0) {
    for (const i of iterations) {
      if (!Number.isInteger(i) || i < 1) throw new RangeError(`iterations must be positive integers (1-based), got ${i}`);
    }
    its = [...new Set(iterations)].sort((a, b) => a - b);
  } else {
    if (!Number.isInteger(maxIterations) || maxIterations < 1) {
      throw new RangeError(`maxIterations must be a positive integer, got ${maxIterations}`);
    }
    its = Array.from({ length: maxIterations }, (_, i) => i + 1);
  }
  return its.filter((i) => i <= depth);
}

function summarise(
  iterations: number[],
  correct: number[],
  total: number,
  mcCorrect: number,
  mcIterSum: number,
  cancelled: boolean,
): AccuracyResult {
  return {
    iterations: iterations.slice(),
    correct: correct.slice(),
    accuracy: correct.map((c) => c / total),
    total,
    maxConfidenceCorrect: mcCorrect,
    maxConfidenceAccuracy: mcCorrect / total,
    meanMaxConfidenceIteration: mcIterSum / total,
    cancelled,
  };
}

/** Batch → input tensor [N,...spatial,C] and mask [N,...spatial] (float 0/1) or undefined. */
function batchTensors(batch: Batch): { x: tf.Tensor; mask: tf.Tensor | undefined } {
  const x = tf.tensor(batch.input, [batch.n, ...batch.spatial, batch.channels]);
  const mask = batch.mask ? tf.tensor(Float32Array.from(batch.mask), [batch.n, ...batch.spatial]) : undefined;
  return { x, mask };
}

/**
 * Accuracy at each recorded iteration plus max-confidence accuracy, over a lazily consumed test set, in one
 * streamed pass per batch. Cancellation stops at the next iteration; the result then covers the batches finished.
 */
export async function accuracyPerIteration<P>(opts: AccuracyOptions<P>): Promise<AccuracyResult> {
  const { model, problem, token } = opts;
  checkModelFitsProblem(model.arch, problem);
  const iterations = resolveIterations(opts.iterations, opts.maxIterations ?? model.arch.maxIters, model.depth);
  if (iterations.length === 0) throw new RangeError(`no iteration to record within the net's depth (${model.depth})`);
  const maxIteration = iterations[iterations.length - 1];
  const recordIndex = new Map(iterations.map((it, k) => [it, k]));
  const batchSize = opts.batchSize ?? DEFAULT_EVAL_BATCH_SIZE;
  const progressEvery = opts.progressEveryMs ?? 500;

  const correct = new Array<number>(iterations.length).fill(0);
  let total = 0;
  let mcCorrect = 0;
  let mcIterSum = 0;
  let cancelled = false;
  const yielder = new Yielder();
  let lastProgress = performance.now();

  for await (const batch of encodeBatches(problem, opts.puzzles, batchSize)) {
    if (isCancelled(token)) {
      cancelled = true;
      break;
    }
    const n = batch.n;
    if (opts.path && problem.id === 'mazes' && (await opts.path.usesTiles(batch.spatial))) {
      const r = await tileBatchCurve(opts.path, problem, batch, iterations, token);
      if (r.cancelled) {
        cancelled = true;
        break;
      }
      for (let k = 0; k < correct.length; k++) correct[k] += r.correctAt[k];
      mcCorrect += r.mcCorrect;
      mcIterSum += r.mcIterSum;
      total += n;
      lastProgress = performance.now();
      opts.onProgress?.({ done: total, total: opts.total, maxIteration, partial: summarise(iterations, correct, total, mcCorrect, mcIterSum, false) });
      continue;
    }
    const { x, mask } = batchTensors(batch);
    const batchCorrectAt = new Array<number>(iterations.length).fill(0);
    // Running max-confidence state on the device: [N] confidence, [N] iteration, [N,...] class1.
    let bestConf: tf.Tensor = tf.fill([n], -1);
    let bestIter: tf.Tensor = tf.zeros([n]);
    let bestClass1: tf.Tensor | undefined;
    try {
      for (const step of model.think(x, maxIteration)) {
        const it = step.iteration;
        const c1 = class1Tensor(step.logits);
        const next = tf.tidy(() => {
          const conf = meanConfidenceTensor(c1, mask);
          const better = tf.greater(conf, bestConf);
          const betterN = better.reshape([n, ...new Array<number>(c1.rank - 1).fill(1)]);
          return {
            conf: tf.where(better, conf, bestConf),
            iter: tf.where(better, tf.fill([n], it), bestIter),
            class1: bestClass1 ? tf.where(betterN, c1, bestClass1) : tf.clone(c1),
          };
        });
        bestConf.dispose();
        bestIter.dispose();
        bestClass1?.dispose();
        ({ conf: bestConf, iter: bestIter, class1: bestClass1 } = next);

        const k = recordIndex.get(it);
        if (k !== undefined) {
          const scores = (await c1.data()) as Float32Array;
          batchCorrectAt[k] = batchCorrect(problem, batch.puzzles, scores).filter(Boolean).length;
        }
        c1.dispose();

        if (opts.onProgress && performance.now() - lastProgress >= progressEvery) {
          lastProgress = performance.now();
          opts.onProgress({
            done: total,
            total: opts.total,
            iteration: it,
            maxIteration,
            partial: summarise(iterations, correct, total, mcCorrect, mcIterSum, false),
          });
        }
        await yielder.maybeYield();
        if (isCancelled(token)) {
          cancelled = true;
          break;
        }
      }
      if (cancelled) break;
      const mcScores = (await bestClass1!.data()) as Float32Array;
      mcCorrect += batchCorrect(problem, batch.puzzles, mcScores).filter(Boolean).length;
      for (const v of await bestIter.data()) mcIterSum += v;
      for (let k = 0; k < correct.length; k++) correct[k] += batchCorrectAt[k];
      total += n;
    } finally {
      x.dispose();
      mask?.dispose();
      bestConf.dispose();
      bestIter.dispose();
      bestClass1?.dispose();
    }
    lastProgress = performance.now();
    opts.onProgress?.({
      done: total,
      total: opts.total,
      maxIteration,
      partial: summarise(iterations, correct, total, mcCorrect, mcIterSum, false),
    });
  }
  return summarise(iterations, correct, total, mcCorrect, mcIterSum, cancelled);
}

/** Mean over counted positions of max softmax prob = sigmoid(|class1|), on the host (see meanConfidenceTensor). */
function meanConfidence(class1: ArrayLike<number>, mask: ArrayLike<number> | undefined): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < class1.length; i++) {
    if (mask && !mask[i]) continue;
    sum += 1 / (1 + Math.exp(-Math.abs(class1[i])));
    count++;
  }
  return count ? sum / count : 1;
}

/** One batch of big mazes, puzzle by puzzle on the thinking path, read at the recorded iterations. */
async function tileBatchCurve<P>(
  path: ThinkingPath,
  problem: Problem<P, unknown>,
  batch: Batch & { puzzles: P[] },
  iterations: number[],
  token: CancellationLike | undefined,
): Promise<{ correctAt: number[]; mcCorrect: number; mcIterSum: number; cancelled: boolean }> {
  const positions = batch.spatial.reduce((a, b) => a * b, 1);
  const correctAt = new Array<number>(iterations.length).fill(0);
  const index = new Map(iterations.map((it, k) => [it, k]));
  let mcCorrect = 0;
  let mcIterSum = 0;
  for (let i = 0; i < batch.n; i++) {
    const p = batch.puzzles[i];
    const mask = batch.mask?.subarray(i * positions, (i + 1) * positions);
    let best = { conf: -1, iteration: 0, correct: false };
    const r = await thinkPuzzle(
      path,
      { data: batch.input.subarray(i * positions * batch.channels, (i + 1) * positions * batch.channels), spatial: batch.spatial, inChannels: batch.channels, mask, isMaze: true },
      iterations[iterations.length - 1],
      {
        token,
        record: iterations,
        onRecord: (it, c1) => {
          const ok = problem.isCorrect(p, c1);
          if (ok) correctAt[index.get(it)!]++;
          const conf = meanConfidence(c1, mask);
          if (conf > best.conf) best = { conf, iteration: it, correct: ok };
        },
      },
    );
    if (r.cancelled) return { correctAt, mcCorrect, mcIterSum, cancelled: true };
    if (best.correct) mcCorrect++;
    mcIterSum += best.iteration;
  }
  return { correctAt, mcCorrect, mcIterSum, cancelled: false };
}

/** The protocol's curve for one size. */
export function toEvaluateCurve(size: number, r: AccuracyResult): EvaluateCurve {
  return { size, iterations: r.iterations, accuracy: r.accuracy, maxConfidenceAccuracy: r.maxConfidenceAccuracy };
}

/**
 * The seed of the test set of one size: derived from the run's seed with a salt, so a test set never equals a
 * training set generated from the same seed, and each size gets its own stream.
 */
export function testSeed(seed: number, size: number): number {
  return deriveSeed((seed ^ 0x7e57da7a) >>> 0, size);
}

/**
 * A lazily generated test set: mazes of `size`, or prefix-sum strings of `size` bits, from testSeed(seed, size);
 * chess reads the first `count` puzzles of `csv` (size ignored).
 */
export function testPuzzles(
  problem: ProblemId,
  size: number,
  count: number,
  seed: number,
  file?: { csv?: string; minRating?: number; maxRating?: number },
): Iterable<unknown> | AsyncIterable<unknown> {
  return datasets[problem].stream({ size, count, seed: testSeed(seed, size), ...file });
}
