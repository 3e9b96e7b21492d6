/**
 * Accuracy under `iterations: 'auto'`: every puzzle thinks until the engine's halting rule fires (AutoHalting,
 * thinkingPath.ts) and is scored on its answer at that iteration. Shared by `deep-thinking eval --iterations auto`
 * and the engine's evaluate request (the side panel's Evaluate Extrapolation).
 *
 * Which path: the same choice as the editor (ThinkingPath). A batch of mazes big enough for tiles on this machine
 * thinks puzzle by puzzle on the tile thinker (or the bfloat16 warm start); everything else thinks densely, a whole
 * batch at a time, with the same rule per puzzle (thinkUntilHalted with the settled-picture rule for mazes). Dense
 * maze batches run on onnxruntime-node's kernels where ThinkingPath.denseKernels offers them (the pure npm install:
 * tfjs-wasm has one thread under Node), else on tfjs.
 *
 * Results stream: `onPuzzle` fires for each puzzle as soon as it halts (iterations, correct, ms).
 *
 * Curves: with `record`, each puzzle's correctness is also read at those iterations while it thinks; after it has
 * halted its answer is carried forward (nets with recall do not overthink, Bansal et al. 2022 §4), so the curve is
 * the accuracy a fixed budget of that many iterations would give, up to the last iteration any puzzle thought.
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import { encodeBatches, type Problem } from '../../shared/problems/problem';
import { isCancelled, type CancellationLike } from './cancellation';
import { puzzleHaltingCap, thinkUntilHalted, type HaltingOptions } from '../solve/halting';
import { thinkPuzzle, type ThinkingPath } from '../solve/thinkingPath';
import { kernelThink } from '../solve/kernelThink';
import { checkModelFitsProblem } from './accuracy';

export interface PuzzleOutcome {
  /** 0-based position in the test set */
  index: number;
  /** iteration whose answer is scored (the halting iteration, or the cap) */
  iterations: number;
  /** false when the cap (or cancellation) came before the halting rule */
  halted: boolean;
  correct: boolean;
  /** wall time from the start of this puzzle's thinking (of its batch, on the dense path) to its halt */
  ms: number;
}

export interface HaltingEvalOptions<P> {
  path: ThinkingPath;
  problem: Problem<P, unknown>;
  puzzles: Iterable<P> | AsyncIterable<P>;
  /** dense batches (default 32) */
  batchSize?: number;
  halting?: Partial<HaltingOptions>;
  token?: CancellationLike;
  onPuzzle?: (o: PuzzleOutcome) => void;
  /** record the curve at these iterations (ascending, 1-based) */
  record?: readonly number[];
  /** one line per engine decision */
  log?: (line: string) => void;
  /** mazes thought side by side on tiles, sharing each kernel launch (default DEFAULT_TILE_BATCH) */
  tileBatch?: number;
}

/**
 * Mazes thought together on tiles. 1 until docs/benchmarks.md ("Several mazes at once") measures sharing launches
 * to be faster.
 */
export const DEFAULT_TILE_BATCH = 1;

export interface HaltingEvalResult {
  outcomes: PuzzleOutcome[];
  total: number;
  correct: number;
  /** the thinking engines used, e.g. ["tfjs-wasm"] or ["onnxruntime-node …, sparse 16-px tiles, tolerance 0.1"] */
  engines: string[];
  /** with `record`: iterations up to the last one any puzzle thought, and the puzzles correct at each */
  curve?: { iterations: number[]; correct: number[] };
  cancelled: boolean;
}

/** Per puzzle: correctness at the recorded iterations it thought through. */
type Trace = Map<number, boolean>;

export async function evaluateHalting<P>(opts: HaltingEvalOptions<P>): Promise<HaltingEvalResult> {
  const { path, problem } = opts;
  const model: DTNet = path.model;
  checkModelFitsProblem(model.arch, problem);
  const outcomes: PuzzleOutcome[] = [];
  const traces: Trace[] = [];
  const engines = new Set<string>();
  const record = opts.record ?? [];
  let cancelled = false;
  let offset = 0;
  const emit = (o: PuzzleOutcome, trace: Trace) => {
    outcomes.push(o);
    traces[o.index] = trace;
    opts.onPuzzle?.(o);
  };

  for await (const batch of encodeBatches(problem, opts.puzzles, opts.batchSize ?? 32)) {
    if (isCancelled(opts.token)) {
      cancelled = true;
      break;
    }
    const positions = batch.spatial.reduce((a, b) => a * b, 1);
    const isMaze = problem.id === 'mazes';
    // Each puzzle's own cap (puzzleHaltingCap) unless the caller fixed one; a dense batch thinks to its largest.
    const capOf = (p: P) => opts.halting?.maxIterations ?? puzzleHaltingCap(problem.id, p, positions);
    if (isMaze && (await path.usesTiles(batch.spatial))) {
      // tileBatch puzzles think side by side, sharing kernel launches (CoalescingKernels); each halts on its own.
      const k = Math.min(batch.n, Math.max(1, opts.tileBatch ?? DEFAULT_TILE_BATCH));
      const shared = k > 1 ? path.coalesced() : path;
      let next = 0;
      const one = async (i: number) => {
        const trace: Trace = new Map();
        const p = batch.puzzles[i];
        const r = await thinkPuzzle(
          shared,
          {
            data: batch.input.subarray(i * positions * batch.channels, (i + 1) * positions * batch.channels),
            spatial: batch.spatial,
            inChannels: batch.channels,
            mask: batch.mask?.subarray(i * positions, (i + 1) * positions),
            isMaze,
          },
          'auto',
          { halting: { ...opts.halting, maxIterations: capOf(p) }, token: opts.token, record, onRecord: (it, c1) => trace.set(it, problem.isCorrect(p, c1)) },
        );
        engines.add(k > 1 ? `${r.engine}, ${k} mazes sharing each launch` : r.engine);
        if (r.cancelled) {
          cancelled = true;
          return;
        }
        emit({ index: offset + i, iterations: r.iterations, halted: r.haltedAt !== undefined, correct: problem.isCorrect(p, r.class1), ms: r.ms }, trace);
      };
      const lane = async () => {
        while (!cancelled && next < batch.n) await one(next++);
      };
      try {
        await Promise.all(Array.from({ length: k }, lane));
      } finally {
        if (shared !== path) shared.dispose();
      }
    } else {
      const t0 = performance.now();
      const kernels = isMaze ? await path.denseKernels(batch.spatial) : undefined;
      const x = tf.tensor(batch.input, [batch.n, ...batch.spatial, batch.channels]);
      const mask = batch.mask ? tf.tensor(Float32Array.from(batch.mask), [batch.n, ...batch.spatial]) : undefined;
      const batchTraces: Trace[] = Array.from({ length: batch.n }, () => new Map());
      const done = new Set<number>();
      try {
        engines.add(`${kernels ? kernels.name : `tfjs-${tf.getBackend()}`} (batches of ${batch.n})`);
        const run = await thinkUntilHalted(model, x, {
          mask,
          halting: { ...opts.halting, maxIterations: Math.max(...batch.puzzles.map(capOf)) },
          token: opts.token,
          settled: isMaze,
          steps: kernels ? (cap) => kernelThink(kernels, batch.input, batch.n, batch.spatial[0], batch.spatial[1], cap) : undefined,
          record,
          onRecord: (it, all) => {
            for (let i = 0; i < batch.n; i++) {
              if (!done.has(i)) batchTraces[i].set(it, problem.isCorrect(batch.puzzles[i], all.subarray(i * positions, (i + 1) * positions)));
            }
          },
          onHalted: (i, it, c1) => {
            done.add(i);
            emit({ index: offset + i, iterations: it, halted: true, correct: problem.isCorrect(batch.puzzles[i], c1), ms: performance.now() - t0 }, batchTraces[i]);
          },
        });
        if (run.cancelled) {
          cancelled = true;
        } else {
          // Puzzles that reached the cap: scored at the last iteration.
          for (let i = 0; i < batch.n; i++) {
            if (done.has(i)) continue;
            const c1 = run.class1.subarray(i * positions, (i + 1) * positions);
            emit({ index: offset + i, iterations: run.iterations, halted: false, correct: problem.isCorrect(batch.puzzles[i], c1), ms: performance.now() - t0 }, batchTraces[i]);
          }
        }
      } finally {
        x.dispose();
        mask?.dispose();
      }
    }
    if (cancelled) {
      // A batch cut short does not count (as in accuracyPerIteration).
      while (outcomes.length > offset) outcomes.pop();
      break;
    }
    offset += batch.n;
  }
  outcomes.sort((a, b) => a.index - b.index);
  const result: HaltingEvalResult = {
    outcomes,
    total: outcomes.length,
    correct: outcomes.filter((o) => o.correct).length,
    engines: [...engines],
    cancelled,
  };
  if (record.length > 0) result.curve = haltingCurve(outcomes, traces, record);
  return result;
}

/**
 * Accuracy a fixed budget would give at each recorded iteration: a puzzle's recorded correctness while it thinks,
 * its answer at halting afterwards. Iterations past the last one any puzzle thought are left out (nothing changes
 * there), except that the curve always ends at that last iteration.
 */
export function haltingCurve(outcomes: readonly PuzzleOutcome[], traces: readonly (Trace | undefined)[], record: readonly number[]): { iterations: number[]; correct: number[] } {
  const last = outcomes.reduce((m, o) => Math.max(m, o.iterations), 0);
  const its = record.filter((it) => it <= last);
  if (last > 0 && its[its.length - 1] !== last) its.push(last);
  const correct = its.map((it) =>
    outcomes.reduce((n, o) => {
      const seen = it < o.iterations ? traces[o.index]?.get(it) : undefined;
      return n + ((seen ?? o.correct) ? 1 : 0);
    }, 0),
  );
  return { iterations: its, correct };
}

/**
 * Default recorded iterations for an `auto` curve up to `cap`: every iteration up to 30 (where the curves of
 * small puzzles rise), then about 150 more spread geometrically up to the cap.
 */
export function autoRecordGrid(cap: number): number[] {
  const its = new Set<number>();
  for (let i = 1; i <= Math.min(30, cap); i++) its.add(i);
  if (cap > 30) {
    const ratio = Math.pow(cap / 30, 1 / 150);
    for (let v = 30; v < cap; v *= ratio) its.add(Math.round(v));
    its.add(cap);
  }
  return [...its].sort((a, b) => a - b);
}
