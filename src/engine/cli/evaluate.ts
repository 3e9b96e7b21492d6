/**
 * `deep-thinking eval`: exact-match accuracy per iteration on a freshly generated (seeded) test set — the
 * extrapolation / overthinking curve — or, with `--iterations auto`, the accuracy at each puzzle's halting iteration.
 */
import { annotateCheckpoint } from '../checkpoint/store';
import { loadModel } from '../checkpoint/modelSpecs';
import { accuracyPerIteration, testPuzzles, DEFAULT_EVAL_BATCH_SIZE } from '../eval/accuracy';
import { getProblem } from '../../shared/problems';
import type { AnyProblem, ProblemId } from '../../shared/problems/problem';
import { datasets } from '../data/datasets';
import { EVAL_TILE_MIN_PIXELS, ThinkingPath } from '../solve/thinkingPath';
import { evaluateHalting } from '../eval/haltingEval';
import type { Output } from './output';

export interface EvalCliOptions {
  model: string;
  problem?: ProblemId;
  size?: number;
  length?: number;
  csv?: string;
  minRating?: number;
  maxRating?: number;
  iterations: number[] | 'auto';
  count: number;
  seed: number;
  batchSize?: number;
  /** auto on tiles: mazes thought side by side (HaltingEvalOptions.tileBatch) */
  tileBatch?: number;
  /** write the curve (every iteration up to the largest asked) into the checkpoint's model.json */
  record?: boolean;
  /** mazes: ThinkingPathOptions.thinking (default 'auto', as the editor) */
  thinking?: 'auto' | 'dense' | 'tiles';
}

export async function runEval(out: Output, o: EvalCliOptions): Promise<void> {
  const loaded = await loadModel(o.model);
  const { model, meta } = loaded;
  try {
    const problem = getProblem(o.problem ?? meta.problem);
    const dataset = datasets[problem.id];
    const size = dataset.sizeName ? (o.size ?? o.length) : 0;
    if (size === undefined) throw new Error(`eval: give --${dataset.sizeName} for ${problem.id}`);
    if (!dataset.sizeName && !o.csv) throw new Error(`eval: ${problem.id} puzzles come from a file; give --csv FILE`);
    const puzzles = testPuzzles(problem.id, size, o.count, o.seed, { csv: o.csv, minRating: o.minRating, maxRating: o.maxRating });
    const where = dataset.sizeName ? `${dataset.sizeName} ${size}` : o.csv;
    const base = { model: o.model, problem: problem.id, ...(dataset.sizeName ? { size } : { csv: o.csv }), count: o.count, seed: o.seed };

    if (o.iterations === 'auto') {
      await evalHalting(out, model, problem, puzzles, o, base);
      return;
    }
    const bar = out.progress(o.count, 'eval');
    const path = new ThinkingPath(model, { thinking: o.thinking, tileMinPixels: EVAL_TILE_MIN_PIXELS, log: (line) => out.info(line) });
    const last = Math.max(...o.iterations);
    // --record stores the whole curve (iteration 1…last); the printed result keeps to the iterations asked for.
    const recorded = o.record ? Array.from({ length: last }, (_, i) => i + 1) : o.iterations;
    const r = await accuracyPerIteration({
      model,
      problem,
      puzzles: puzzles as Iterable<unknown> | AsyncIterable<unknown>,
      total: o.count,
      iterations: recorded,
      batchSize: o.batchSize ?? DEFAULT_EVAL_BATCH_SIZE,
      path,
      onProgress: (p) => bar.update(p.done),
    }).finally(() => path.dispose());
    bar.stop();
    if (o.record) {
      if (loaded.origin === 'pth') throw new Error('eval --record: the model is a .pth file; convert it to a checkpoint first');
      const key = dataset.sizeName ? String(size) : ratingBandKey(o.minRating, o.maxRating);
      await annotateCheckpoint(loaded.path, {}, {
        accuracyPerIteration: { [key]: r.accuracy.map((a) => Math.round(a * 1e4) / 1e4) },
        [`eval_${key}`]: { count: r.total, seed: o.seed, testSeed: 'testSeed(seed, size)', maxConfidenceAccuracy: r.maxConfidenceAccuracy, command: ['deep-thinking', ...process.argv.slice(2)].join(' ') },
      });
      out.info(`recorded the ${key} curve (${r.accuracy.length} iterations) in ${loaded.path}/model.json`);
    }
    const shown = o.iterations.map((it) => r.iterations.indexOf(it)).filter((k) => k >= 0);
    Object.assign(r, { iterations: shown.map((k) => r.iterations[k]), accuracy: shown.map((k) => r.accuracy[k]) });
    const accuracy = Object.fromEntries(r.iterations.map((it, k) => [String(it), r.accuracy[k]]));
    out.record(
      { ...base, evaluated: r.total, iterations: r.iterations, accuracy, maxConfidenceAccuracy: r.maxConfidenceAccuracy },
      [
        `${problem.id} ${where}: ${r.total} puzzles, seed ${o.seed}`,
        ...r.iterations.map((it, k) => `  iteration ${String(it).padStart(5)}: ${(100 * r.accuracy[k]).toFixed(1)}%`),
        `  max-confidence selection: ${(100 * r.maxConfidenceAccuracy).toFixed(1)}% (mean iteration ${r.meanMaxConfidenceIteration.toFixed(1)})`,
      ].join('\n'),
    );
  } finally {
    model.dispose();
  }
}

async function evalHalting(
  out: Output,
  model: Awaited<ReturnType<typeof loadModel>>['model'],
  problem: AnyProblem,
  puzzles: Iterable<unknown> | AsyncIterable<unknown>,
  o: EvalCliOptions,
  base: object,
): Promise<void> {
  const bar = out.progress(o.count, 'eval (auto)');
  const path = new ThinkingPath(model, { thinking: o.thinking, tileMinPixels: EVAL_TILE_MIN_PIXELS, log: (line) => out.info(line) });
  const t0 = performance.now();
  let done = 0;
  let correct = 0;
  try {
    const r = await evaluateHalting({
      path,
      problem,
      puzzles,
      batchSize: o.batchSize ?? DEFAULT_EVAL_BATCH_SIZE,
      tileBatch: o.tileBatch,
      onPuzzle: (p) => {
        done++;
        if (p.correct) correct++;
        // One line per puzzle as soon as it halts; the summary line follows at the end.
        if (out.json) out.record({ puzzle: p.index, iterations: p.iterations, halted: p.halted, correct: p.correct, ms: Math.round(p.ms) });
        bar.update(done, { accuracy: `${((100 * correct) / done).toFixed(1)}%` });
      },
    });
    bar.stop();
    const halted = r.outcomes.map((p) => p.iterations);
    const sorted = halted.slice().sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
    const ms = r.outcomes.map((p) => p.ms).sort((a, b) => a - b);
    const medianMs = ms.length ? Math.round(ms[Math.floor(ms.length / 2)]) : 0;
    const seconds = (performance.now() - t0) / 1000;
    out.record(
      {
        ...base, evaluated: r.total, iterations: 'auto', accuracy: r.total ? r.correct / r.total : NaN, haltedAt: halted,
        medianHaltIteration: median, medianMs, seconds: Math.round(seconds * 10) / 10, engines: r.engines,
      },
      `${problem.id}: ${r.total} puzzles, accuracy at halting ${(100 * (r.correct / Math.max(1, r.total))).toFixed(1)}%, ` +
        `halting iteration median ${median}, max ${sorted[sorted.length - 1] ?? 0}; ${seconds.toFixed(1)} s in all, ` +
        `median ${(medianMs / 1000).toFixed(2)} s per puzzle (${r.engines.join('; ')})`,
    );
  } finally {
    bar.stop();
    path.dispose();
  }
}

/**
 * The curve key of a chess evaluation: its rating band, "800-1200" (min ≤ rating < max), "2000+" or "-800";
 * "test" for the whole file. Numeric first, so the side panel orders bands by rating.
 */
export function ratingBandKey(min: number | undefined, max: number | undefined): string {
  if (min === undefined && max === undefined) return 'test';
  if (max === undefined) return `${min}+`;
  return `${min ?? ''}-${max}`;
}
