/**
 * The engine's evaluate request (the side panel's Evaluate Extrapolation) and its duration estimate, on the
 * engine's one thinking path: fixed iteration lists go through accuracyPerIteration, 'auto' through
 * evaluateHalting (thinkingPath.ts for which state and which halting rule).
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import type { EvaluateCurve, EvaluateEstimate, EvaluateEstimateParams, EvaluateEstimateResult, EvaluateParams } from '../../shared/protocol/engine';
import { encodeBatch, type AnyProblem } from '../../shared/problems/problem';
import { getProblem } from '../../shared/problems';
import type { MazeGrid } from '../../shared/maze/grid';
import { accuracyPerIteration, DEFAULT_EVAL_BATCH_SIZE, testPuzzles, toEvaluateCurve } from './accuracy';
import { autoRecordGrid, evaluateHalting } from './haltingEval';
import { DEFAULT_PATIENCE, puzzleHaltingCap } from '../solve/halting';
import { deadEndDepth } from '../../shared/maze/bfs';
import { thinkPuzzle, type ThinkingPath } from '../solve/thinkingPath';
import type { CancellationLike } from './cancellation';

export interface EvaluateProgressReport {
  done: number;
  total: number;
  curve?: EvaluateCurve;
  correct?: number;
}

/** Pixels (or bits, squares) of one puzzle of this size. */
function positionsOf(problem: AnyProblem, puzzle: unknown): number {
  return problem.encode(puzzle as never).spatial.reduce((a: number, b: number) => a * b, 1);
}

/** The cap of 'auto' for one size: `maxIterations`, else the largest puzzleHaltingCap among its puzzles. */
export async function autoCap(problem: AnyProblem, puzzles: Iterable<unknown> | AsyncIterable<unknown>, maxIterations?: number): Promise<number> {
  if (maxIterations !== undefined) return maxIterations;
  let cap = 0;
  for await (const z of puzzles) cap = Math.max(cap, puzzleHaltingCap(problem.id, z, positionsOf(problem, z)));
  return cap;
}

/** Curves for every size of an evaluate request; `cancelled` when the token stopped it. */
export async function runEvaluate(
  path: ThinkingPath,
  p: EvaluateParams,
  token: CancellationLike | undefined,
  onProgress: (r: EvaluateProgressReport) => void,
): Promise<{ curves: EvaluateCurve[]; cancelled: boolean }> {
  const problem = getProblem(p.problem);
  const model: DTNet = path.model;
  const sizes = problem.id === 'chess' ? [0] : p.sizes;
  if (!sizes.length) throw new RangeError('evaluate: give at least one size');
  const total = p.count * sizes.length;
  const curves: EvaluateCurve[] = [];
  let correctSoFar = 0;
  for (const [k, size] of sizes.entries()) {
    const puzzles = () => testPuzzles(problem.id, size, p.count, p.seed ?? 0, { csv: p.csv }) as Iterable<unknown> | AsyncIterable<unknown>;
    if (p.iterations === 'auto') {
      // The curve's recorded iterations run to the largest cap among this size's puzzles: read them once first.
      const cap = await autoCap(problem, puzzles(), p.maxIterations);
      let done = 0;
      const r = await evaluateHalting({
        path,
        problem,
        puzzles: puzzles(),
        // Each puzzle keeps its own cap (evaluateHalting) unless the request fixed one.
        halting: p.maxIterations !== undefined ? { maxIterations: p.maxIterations } : undefined,
        token,
        record: autoRecordGrid(cap),
        onPuzzle: (o) => {
          done++;
          if (o.correct) correctSoFar++;
          onProgress({ done: k * p.count + done, total, correct: correctSoFar });
        },
      });
      const curve: EvaluateCurve = {
        size,
        iterations: r.curve?.iterations ?? [],
        accuracy: (r.curve?.correct ?? []).map((c) => c / Math.max(1, r.total)),
      };
      curves.push(curve);
      onProgress({ done: k * p.count + r.total, total, curve, correct: correctSoFar });
      if (r.cancelled) return { curves, cancelled: true };
      continue;
    }
    const r = await accuracyPerIteration({
      model,
      problem,
      puzzles: puzzles(),
      total: p.count,
      iterations: p.iterations,
      token,
      path,
      onProgress: (pr) => onProgress({ done: k * p.count + pr.done, total, curve: toEvaluateCurve(size, pr.partial) }),
    });
    curves.push(toEvaluateCurve(size, r));
    if (r.cancelled) return { curves, cancelled: true };
  }
  return { curves, cancelled: false };
}

/**
 * Iterations one puzzle is expected to need under 'auto'. A net without recall overthinks and rarely settles
 * (Bansal et al. 2022, §4), so it is expected to run to the cap. A maze net with recall settles after about its
 * dead-end depth (0.40–1.05× on 33×33 to 201×201, halting.ts) and then waits `patience`; a prefix-sum net needs
 * about one iteration per bit.
 */
export function expectedAutoIterations(problem: AnyProblem, puzzle: unknown, cap: number, recall = true): number {
  let need: number;
  if (!recall) {
    need = cap;
  } else if (problem.id === 'mazes') {
    need = deadEndDepth(puzzle as MazeGrid) + DEFAULT_PATIENCE;
  } else if (problem.id === 'prefix-sums') {
    need = positionsOf(problem, puzzle) + DEFAULT_PATIENCE;
  } else {
    need = 30 + DEFAULT_PATIENCE;
  }
  return Math.min(cap, Math.ceil(need));
}

/** Times `steps` iterations after one warm-up; ms per iteration. */
async function timeDense(model: DTNet, problem: AnyProblem, puzzles: unknown[], steps: number): Promise<number> {
  const batch = encodeBatch(problem, puzzles as never[]);
  const x = tf.tensor(batch.input, [batch.n, ...batch.spatial, batch.channels]);
  try {
    let t0 = 0;
    for (const step of model.think(x, Math.min(steps + 1, model.depth))) {
      await step.logits.data(); // the evaluation reads every iteration's answer
      if (step.iteration === 1) t0 = performance.now();
    }
    return (performance.now() - t0) / Math.max(1, Math.min(steps, model.depth - 1));
  } finally {
    x.dispose();
  }
}

/** The evaluate request's expected duration, measured on the first test puzzles of each size. */
export async function estimateEvaluate(path: ThinkingPath, p: EvaluateEstimateParams, steps = 5): Promise<EvaluateEstimateResult> {
  const problem = getProblem(p.problem);
  const model: DTNet = path.model;
  const sizes = problem.id === 'chess' ? [0] : p.sizes;
  const out: EvaluateEstimate[] = [];
  for (const size of sizes) {
    const first: unknown[] = [];
    const batchSize = Math.min(p.count, DEFAULT_EVAL_BATCH_SIZE);
    for await (const z of testPuzzles(problem.id, size, batchSize, p.seed ?? 0, { csv: p.csv }) as AsyncIterable<unknown>) first.push(z);
    if (first.length === 0) continue;
    const enc = problem.encode(first[0] as never);
    const positions = enc.spatial.reduce((a: number, b: number) => a * b, 1);
    const fixed = p.iterations === 'auto' ? undefined : Math.min(Math.max(...p.iterations), model.depth);
    const recall = model.arch.kind !== 'dt' && model.arch.kind !== 'feedforward';
    const expected = (z: unknown) =>
      fixed ?? expectedAutoIterations(problem, z, Math.min(model.depth, puzzleHaltingCap(problem.id, z, positions)), recall);
    let e: EvaluateEstimate;
    if (problem.id === 'mazes' && (await path.usesTiles(enc.spatial))) {
      // One puzzle at a time; the first iterations are the busiest on tiles, so this errs on the long side.
      const r = await thinkPuzzle(path, { data: enc.data, spatial: enc.spatial, inChannels: problem.inChannels, isMaze: true }, 2 * steps);
      const ms = r.ms / (2 * steps);
      const its = first.reduce<number>((s, z) => s + expected(z), 0) / first.length;
      e = { size, msPerIteration: ms, expectedIterations: Math.round(its), units: p.count, seconds: (p.count * its * ms) / 1000 };
    } else {
      const ms = await timeDense(model, problem, first, steps);
      // A dense batch thinks until its slowest puzzle halts.
      const its = Math.max(...first.map(expected));
      const units = Math.ceil(p.count / DEFAULT_EVAL_BATCH_SIZE);
      e = { size, msPerIteration: ms, expectedIterations: its, units, seconds: (units * its * ms) / 1000 };
    }
    out.push(e);
  }
  return { sizes: out, seconds: out.reduce((s, e) => s + e.seconds, 0) };
}
