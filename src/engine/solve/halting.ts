/**
 * `--iterations auto`: think until the answer stops changing and the net is sure of it.
 *
 * Deep-thinking nets keep improving with more iterations and, with recall, do not overthink (Bansal et al. 2022,
 * §4–5), so a test-time budget can be chosen per puzzle instead of fixed: we halt a puzzle once its prediction has
 * not changed for `patience` iterations AND its confidence (mean over counted positions of the max softmax prob) is
 * at least `threshold`. A cap bounds puzzles that never settle (an untrained net, a feed-forward net).
 *
 * Layers:
 * - pure decision: `nextStableFor`, `shouldHalt`, `HaltingTracker` (plain numbers; unit-tested exactly);
 * - `HaltingMonitor`: feeds the tracker from logits, comparing predictions on the device so only 2 numbers per
 *   puzzle are downloaded per check, whatever the image size;
 * - `thinkUntilHalted`: the batch driver (stops when every puzzle has halted, records each one's iteration; for
 *   mazes it adds the settled-picture rule per puzzle, so a dense batch halts each maze as thinkingPath.ts's
 *   AutoHalting halts a single one).
 *
 * Check interval: comparing predictions every iteration costs a few elementwise ops plus a device→host sync. That
 * is negligible next to the recurrent block for small inputs, but a sync per iteration stalls a GPU pipeline on big
 * mazes, so above `CHECK_EVERY_THRESHOLD` positions we check every `LARGE_CHECK_EVERY` iterations or more
 * (`CHECK_PIXELS_PER_ITERATION`). "Unchanged for m
 * iterations" then means "identical at every check spanning ≥ m iterations": a flicker between two checks that
 * returns to the same prediction goes unseen, which is harmless for halting.
 */
import { tf } from '../tf';
import type { DTNet, ThinkStep } from '../models/dtNet';
import { isCancelled, Yielder, type CancellationLike } from '../eval/cancellation';
import { deadEndDepth } from '../../shared/maze/bfs';
import type { MazeGrid } from '../../shared/maze/grid';

/** Iterations the prediction must stay unchanged. 20, not 10: on mazes the net can hold a prediction for a few
 * iterations while dead ends are still being pruned in the hidden state; 20 extra iterations cost little. */
export const DEFAULT_PATIENCE = 20;
/** Mean max-softmax probability over counted positions required to halt. */
export const DEFAULT_CONFIDENCE = 0.99;
export const MIN_CAP = 1000;
export const MAX_CAP = 50_000;
export const CHECK_EVERY_THRESHOLD = 256 * 256;
export const LARGE_CHECK_EVERY = 5;
/** SettledRule cadence: class maps compared this many iterations apart */
export const SETTLED_PATIENCE = 100;
/** SettledRule allowance: pixels that may differ between two snapshots, as a fraction of the image (0.01 %) */
export const SETTLED_FLICKER = 1e-4;

export interface HaltingOptions {
  /** m: iterations the prediction must stay unchanged */
  patience: number;
  /** required mean max-softmax confidence, in (0, 1] */
  threshold: number;
  /** hard cap on iterations thought in this run */
  maxIterations: number;
  /** check every this many iterations (1 = every iteration) */
  checkEvery: number;
}

/**
 * Cap from the number of positions per puzzle (bits for prefix sums; mazes use mazeHaltingCap): an answer can need
 * an iteration per position, so the cap grows with the size, clamped to [1000, 50000] (the paper solves 801×801
 * mazes in ≈25k iterations). AutoHalting falls back to it when no cap is given.
 */
export function defaultHaltingCap(positions: number): number {
  return Math.min(MAX_CAP, Math.max(MIN_CAP, Math.ceil(positions)));
}

/**
 * Cap for a maze: DEPTH_CAP_FACTOR × its dead-end depth (deadEndDepth, src/shared/maze/bfs.ts, in maze units) +
 * DEPTH_CAP_SLACK, at most MAX_CAP. The bundled DT-recall net halts at 0.40–1.05× the dead-end depth on 33×33,
 * 59×59 and 201×201 mazes, and within depth + 35 on 9×9 and 13×13 (docs/benchmarks.md, "The cap of auto"), so a net that can
 * solve the maze halts well inside the cap; nets that never settle (no recall, feed-forward) stop after twice the
 * work a solver needs instead of after every pixel of the image.
 */
export const DEPTH_CAP_FACTOR = 2;
export const DEPTH_CAP_SLACK = 100;
export function mazeHaltingCap(depth: number): number {
  return Math.min(MAX_CAP, DEPTH_CAP_FACTOR * depth + DEPTH_CAP_SLACK);
}

/** The cap of `auto` for one puzzle: mazeHaltingCap for mazes, else defaultHaltingCap of its positions. */
export function puzzleHaltingCap(problemId: string, puzzle: unknown, positions: number): number {
  return problemId === 'mazes' ? mazeHaltingCap(deadEndDepth(puzzle as MazeGrid)) : defaultHaltingCap(positions);
}

/**
 * Above the threshold the interval also grows with the image, so that checks read at most this many pixels per
 * iteration on average. A check runs a few tfjs ops over the whole picture: on an 801×801 maze (1608² px) ~320 ms
 * on tfjs-wasm, which every 5 iterations would cost ~64 ms per iteration next to ~10–30 ms for a tile iteration.
 * At 1608² px the interval is 40; a halt comes at most that many iterations late in a solve of ~30,000.
 */
export const CHECK_PIXELS_PER_ITERATION = 64 * 1024;

export function defaultCheckEvery(positions: number): number {
  if (positions <= CHECK_EVERY_THRESHOLD) return 1;
  return Math.max(LARGE_CHECK_EVERY, Math.ceil(positions / CHECK_PIXELS_PER_ITERATION));
}

/** Fill in defaults and validate (throws naming the bad field). */
export function resolveHaltingOptions(partial: Partial<HaltingOptions> | undefined, positions: number): HaltingOptions {
  const o: HaltingOptions = {
    patience: partial?.patience ?? DEFAULT_PATIENCE,
    threshold: partial?.threshold ?? DEFAULT_CONFIDENCE,
    maxIterations: partial?.maxIterations ?? defaultHaltingCap(positions),
    checkEvery: partial?.checkEvery ?? defaultCheckEvery(positions),
  };
  const int = (k: keyof HaltingOptions, min: number) => {
    if (!Number.isInteger(o[k]) || o[k] < min) throw new RangeError(`halting ${k} must be an integer ≥ ${min}, got ${o[k]}`);
  };
  int('patience', 0);
  int('maxIterations', 1);
  int('checkEvery', 1);
  if (!(o.threshold > 0 && o.threshold <= 1)) throw new RangeError(`halting threshold must be in (0, 1], got ${o.threshold}`);
  return o;
}

// ---- pure decision -------------------------------------------------------------------------------------------

/**
 * Consecutive unchanged iterations after a check `sinceLast` iterations after the previous one: reset to 0 when the
 * prediction changed, else grown by the iterations elapsed.
 */
export function nextStableFor(stableFor: number, changed: boolean, sinceLast: number): number {
  return changed ? 0 : stableFor + sinceLast;
}

/** Halt when the prediction has been unchanged for `patience` iterations and confidence reached `threshold`. */
export function shouldHalt(stableFor: number, confidence: number, opts: Pick<HaltingOptions, 'patience' | 'threshold'>): boolean {
  return stableFor >= opts.patience && confidence >= opts.threshold;
}

/** Per-puzzle halting bookkeeping for a batch of n, on plain numbers. */
export class HaltingTracker {
  /** iteration at which each puzzle halted; null while it has not */
  readonly haltedAt: (number | null)[];
  /** confidence at the last check (frozen at the halting check for halted puzzles) */
  readonly confidence: Float64Array;
  private readonly stableFor: Float64Array;
  private lastIteration: number | null = null;
  private remaining: number;

  constructor(readonly n: number, readonly opts: Pick<HaltingOptions, 'patience' | 'threshold'>) {
    this.haltedAt = new Array<number | null>(n).fill(null);
    this.confidence = new Float64Array(n);
    this.stableFor = new Float64Array(n);
    this.remaining = n;
  }

  /**
   * Record a check at `iteration`. `changed[i]`: puzzle i's prediction differs from the previous check's (ignored
   * on the first check, which has nothing to compare with). Returns the puzzles that halted at this check.
   */
  update(iteration: number, changed: ArrayLike<boolean | number>, confidence: ArrayLike<number>): number[] {
    if (changed.length !== this.n || confidence.length !== this.n) {
      throw new RangeError(`HaltingTracker.update: expected ${this.n} values, got ${changed.length} and ${confidence.length}`);
    }
    if (this.lastIteration !== null && iteration <= this.lastIteration) {
      throw new RangeError(`HaltingTracker.update: iteration ${iteration} is not after ${this.lastIteration}`);
    }
    const first = this.lastIteration === null;
    const since = first ? 0 : iteration - this.lastIteration!;
    this.lastIteration = iteration;
    const halted: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (this.haltedAt[i] !== null) continue;
      this.stableFor[i] = first ? 0 : nextStableFor(this.stableFor[i], !!changed[i], since);
      this.confidence[i] = confidence[i];
      if (shouldHalt(this.stableFor[i], confidence[i], this.opts)) {
        this.haltedAt[i] = iteration;
        halted.push(i);
        this.remaining--;
      }
    }
    return halted;
  }

  /** Halt puzzle i at `iteration` by another rule (the settled picture); no-op when it has halted already. */
  haltNow(i: number, iteration: number): boolean {
    if (this.haltedAt[i] !== null) return false;
    this.haltedAt[i] = iteration;
    this.remaining--;
    return true;
  }

  stable(i: number): number {
    return this.stableFor[i];
  }

  get allHalted(): boolean {
    return this.remaining === 0;
  }
}

// ---- tensor helpers --------------------------------------------------------------------------------------------

/** class1 = logit1 − logit0: [N,...,2] → [N,...]. */
export function class1Tensor(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [l0, l1] = tf.split(logits, 2, -1);
    return tf.sub(l1, l0).squeeze([logits.rank - 1]);
  });
}

/**
 * Mean over counted positions of max softmax prob = sigmoid(|class1|). class1 [N,...], mask [N,...] of 0/1 or
 * undefined (all count) → [N]. A puzzle with no counted position gets confidence 1.
 */
export function meanConfidenceTensor(class1: tf.Tensor, mask?: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const n = class1.shape[0];
    const conf = tf.sigmoid(tf.abs(class1)).reshape([n, -1]);
    if (!mask) return tf.mean(conf, 1) as tf.Tensor1D;
    const m = mask.reshape([n, -1]).toFloat();
    const count = tf.sum(m, 1);
    const sum = tf.sum(tf.mul(conf, m), 1);
    return tf.where(tf.greater(count, 0), tf.div(sum, tf.maximum(count, 1)), tf.onesLike(count)) as tf.Tensor1D;
  });
}

/** The 0/1 prediction (class1 > 0) restricted to counted positions: [N,...] float32. */
export function predictionTensor(class1: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = tf.greater(class1, 0).toFloat();
    return mask ? tf.mul(p, mask.toFloat()) : p;
  });
}

/** Reshape a per-puzzle [N] tensor to broadcast against [N,...] of the given rank. */
function perPuzzle(t: tf.Tensor, rank: number): tf.Tensor {
  return t.reshape([t.shape[0], ...new Array<number>(rank - 1).fill(1)]);
}

// ---- monitor and driver ----------------------------------------------------------------------------------------

/**
 * Feeds a HaltingTracker from logits. Keeps one prediction tensor per batch (the last checked one) and, when
 * `keepHaltedClass1`, the class1 scores of each puzzle at the iteration it halted (frozen with `where`), so a
 * batch can run on until its slowest puzzle halts while reporting each puzzle's answer at its own halting time.
 * Memory is constant in the number of iterations.
 */
export class HaltingMonitor {
  readonly tracker: HaltingTracker;
  private prev: tf.Tensor | undefined;
  private frozen: tf.Tensor | undefined;
  private halted: tf.Tensor | undefined;

  /** mask [N,...] (not owned; must outlive the monitor) */
  constructor(
    readonly n: number,
    readonly opts: HaltingOptions,
    private readonly mask?: tf.Tensor,
    private readonly keepHaltedClass1 = n > 1,
  ) {
    this.tracker = new HaltingTracker(n, opts);
  }

  /** Whether the `step`-th iteration of this run (1-based, relative to where it started) should be checked. */
  isCheckStep(step: number): boolean {
    return step % this.opts.checkEvery === 0 || step >= this.opts.maxIterations;
  }

  /** Check at global `iteration` with that iteration's logits [N,...,2]. Returns puzzles that halted now. */
  async observe(iteration: number, logits: tf.Tensor): Promise<number[]> {
    const { changed, conf, pred, class1 } = tf.tidy(() => {
      const c1 = class1Tensor(logits);
      const p = predictionTensor(c1, this.mask);
      const ch = this.prev
        ? tf.any(tf.notEqual(p, this.prev).reshape([this.n, -1]), 1)
        : tf.ones([this.n], 'bool');
      return { changed: ch, conf: meanConfidenceTensor(c1, this.mask), pred: p, class1: c1 };
    });
    const [changedData, confData] = await Promise.all([changed.data(), conf.data()]);
    changed.dispose();
    conf.dispose();
    this.prev?.dispose();
    this.prev = pred;
    const newly = this.tracker.update(iteration, changedData, confData);
    if (this.keepHaltedClass1) this.freeze(class1, newly);
    else class1.dispose();
    return newly;
  }

  /**
   * Update the frozen scores: puzzles not yet halted (and those halting now) take this iteration's class1.
   * Consumes class1.
   */
  private freeze(class1: tf.Tensor, newly: number[]): void {
    if (!this.frozen) {
      this.frozen = class1;
    } else {
      const next = tf.tidy(() => tf.where(perPuzzle(this.halted!, class1.rank), this.frozen!, class1));
      this.frozen.dispose();
      class1.dispose();
      this.frozen = next;
    }
    if (newly.length > 0 || !this.halted) {
      this.halted?.dispose();
      this.halted = tf.tensor1d(this.tracker.haltedAt.map((h) => (h !== null ? 1 : 0)), 'bool');
    }
  }

  /**
   * Halt these puzzles at `iteration` by another rule. Call right after observe() at that iteration, so their
   * frozen scores are that iteration's.
   */
  haltExternally(indices: number[], iteration: number): number[] {
    const newly = indices.filter((i) => this.tracker.haltNow(i, iteration));
    if (newly.length > 0 && this.keepHaltedClass1) {
      this.halted?.dispose();
      this.halted = tf.tensor1d(this.tracker.haltedAt.map((h) => (h !== null ? 1 : 0)), 'bool');
    }
    return newly;
  }

  /** Puzzle i's frozen class1 scores [positions] on the host (see haltedClass1). */
  async haltedClass1Of(i: number): Promise<Float32Array> {
    const f = this.frozen!;
    const one = tf.slice(f, [i, ...new Array<number>(f.rank - 1).fill(0)], [1, ...f.shape.slice(1)]);
    try {
      return (await one.data()) as Float32Array;
    } finally {
      one.dispose();
    }
  }

  /** [N,...] class1 at each puzzle's halting check (last check for the others); undefined before any check or
   * when not kept. Owned by the monitor. */
  get haltedClass1(): tf.Tensor | undefined {
    return this.frozen;
  }

  dispose(): void {
    this.prev?.dispose();
    this.frozen?.dispose();
    this.halted?.dispose();
    this.prev = this.frozen = this.halted = undefined;
  }
}

export interface HaltingRun {
  /** last iteration thought (global, i.e. counting from startIteration) */
  iterations: number;
  /** per puzzle: iteration at which it halted, null if it hit the cap */
  haltedAt: (number | null)[];
  /** [N × positions] class1 scores at each puzzle's halting iteration (at the last iteration for the others) */
  class1: Float32Array;
  /** per puzzle: confidence at its halting check (at the last check for the others) */
  confidence: Float64Array;
  cancelled: boolean;
}

/** What thinkUntilHalted reads of an iteration: its number and logits [N,...,2] (valid until the next one). */
export type HaltingStep = Pick<ThinkStep, 'iteration' | 'logits'>;

export interface ThinkUntilHaltedOptions {
  halting?: Partial<HaltingOptions>;
  /** [N,...] 1 = position counts (mazes: non-wall pixels); not owned */
  mask?: tf.Tensor;
  initialThought?: tf.Tensor;
  startIteration?: number;
  token?: CancellationLike;
  /** called with every step (tensors valid only during the call) */
  onIteration?: (step: HaltingStep) => void;
  /**
   * The iterations to read instead of model.think(x, cap, …), e.g. kernelThink (onnxruntime-node convolutions):
   * given the cap, they run from `startIteration` + 1 to at most `startIteration` + cap.
   */
  steps?: (cap: number) => Iterable<HaltingStep> | AsyncIterable<HaltingStep>;
  /**
   * Mazes: also halt a puzzle once its class map has settled (SettledRule, checked every SETTLED_PATIENCE
   * iterations), as a single puzzle halts in the solve session and the tile path (thinkingPath.ts).
   */
  settled?: boolean;
  /** called as soon as puzzles halt, with each one's class1 scores [positions] at its halting iteration */
  onHalted?: (i: number, iteration: number, class1: Float32Array) => void;
  /** iterations (ascending) at which `onRecord` receives all N puzzles' class1 scores [N × positions] */
  record?: readonly number[];
  onRecord?: (iteration: number, class1: Float32Array) => void;
}

/**
 * Think on a batch x [N,...,C] until every puzzle has halted or the cap is reached. Each puzzle's answer is read
 * at its own halting iteration. With a feed-forward net the run also ends at the net's depth.
 */
export async function thinkUntilHalted(model: DTNet, x: tf.Tensor, options: ThinkUntilHaltedOptions = {}): Promise<HaltingRun> {
  const n = x.shape[0];
  const positions = x.shape.slice(1, -1).reduce((a, b) => a * b, 1);
  const opts = resolveHaltingOptions(options.halting, positions);
  const start = options.startIteration ?? 0;
  const monitor = new HaltingMonitor(n, opts, options.mask, true);
  const rules = options.settled ? Array.from({ length: n }, () => new SettledRule(Math.floor(SETTLED_FLICKER * positions))) : undefined;
  const record = new Set(options.record ?? []);
  const yielder = new Yielder();
  let last = start;
  let cancelled = false;
  try {
    const cap = Math.min(opts.maxIterations, model.depth - start);
    for await (const step of options.steps ? options.steps(cap) : model.think(x, cap, options.initialThought, start)) {
      last = step.iteration;
      options.onIteration?.(step);
      const rel = step.iteration - start;
      const cancelNow = isCancelled(options.token);
      const settleNow = rules !== undefined && rel % SETTLED_PATIENCE === 0;
      const recordNow = options.onRecord !== undefined && record.has(step.iteration);
      // The last iteration (cap, or the one where we are cancelled) is always checked, so every puzzle's
      // scores are current at the end.
      if (monitor.isCheckStep(rel) || rel === cap || cancelNow || settleNow || recordNow) {
        const newly = await monitor.observe(step.iteration, step.logits);
        if (settleNow || recordNow) {
          const c1 = class1Tensor(step.logits);
          const all = (await c1.data()) as Float32Array;
          c1.dispose();
          if (recordNow) options.onRecord!(step.iteration, all);
          if (settleNow) {
            const calm: number[] = [];
            for (let i = 0; i < n; i++) {
              if (monitor.tracker.haltedAt[i] === null && rules![i].offer(all.subarray(i * positions, (i + 1) * positions))) calm.push(i);
            }
            newly.push(...monitor.haltExternally(calm, step.iteration));
          }
        }
        if (options.onHalted) for (const i of newly) options.onHalted(i, step.iteration, await monitor.haltedClass1Of(i));
        if (monitor.tracker.allHalted) break;
      }
      if (cancelNow) {
        cancelled = true;
        break;
      }
      await yielder.maybeYield();
    }
    const c1 = monitor.haltedClass1;
    const class1 = c1 ? ((await c1.data()) as Float32Array) : new Float32Array(n * positions);
    return {
      iterations: last,
      haltedAt: monitor.tracker.haltedAt.slice(),
      class1,
      confidence: monitor.tracker.confidence.slice(),
      cancelled,
    };
  } finally {
    monitor.dispose();
  }
}

/**
 * 'auto' halting for big mazes, where the confidence rule above may never fire (a trained net can keep a pixel or
 * two blinking for ever): offered the class map every `patience` iterations (the caller's cadence, e.g.
 * SETTLED_PATIENCE), it says "settled" once the map differs from the previous offer in at most `flickerPixels` pixels.
 */
export class SettledRule {
  private previous: Uint8Array | undefined;
  constructor(readonly flickerPixels: number) {}
  offer(class1: Float32Array): boolean {
    const now = new Uint8Array(class1.length);
    for (let i = 0; i < class1.length; i++) now[i] = class1[i] > 0 ? 1 : 0;
    const before = this.previous;
    this.previous = now;
    if (!before) return false;
    let differ = 0;
    for (let i = 0; i < now.length; i++) if (now[i] !== before[i] && ++differ > this.flickerPixels) return false;
    return true;
  }
}
