// The one interface every puzzle family implements (Bansal et al. 2022, §3: prefix sums, mazes, chess).
// Models, trainers, evaluators and panels only ever talk to `Problem<P>`; nothing branches on the problem's
// name (the reference code's `if problem == "mazes"` chains are what this replaces).
//
// Conventions shared by all problems:
// - Inputs are channels-last, one example at a time: 1-D problems are [L, C] (NWC without N),
//   2-D problems are [H, W, C] (NHWC without N), flattened row-major into a Float32Array.
// - Every problem is per-position binary classification (the paper's nets output 2 logits per position).
//   Scores handed back to a problem are `class1` = logit1 − logit0 per position, length prod(spatial):
//   class1 > 0 means "class 1" (equivalent to softmax prob > 0.5). Use `class1FromLogits` to get them.

export type ProblemId = 'prefix-sums' | 'mazes' | 'chess';

export const PROBLEM_IDS: readonly ProblemId[] = ['prefix-sums', 'mazes', 'chess'];

export function isProblemId(x: unknown): x is ProblemId {
  return typeof x === 'string' && (PROBLEM_IDS as readonly string[]).includes(x);
}

/** One encoded example. data is channels-last: [L, C] or [H, W, C], flattened. spatial = [L] or [H, W]. */
export interface Encoded {
  data: Float32Array;
  spatial: number[];
}

export interface Problem<P, D = unknown> {
  readonly id: ProblemId;
  /** Human-readable name for panels and logs. */
  readonly label: string;
  /** 1 → Conv1d over [L, C]; 2 → Conv2d over [H, W, C]. */
  readonly dims: 1 | 2;
  readonly inChannels: number;
  /** Network input for one puzzle. */
  encode(p: P): Encoded;
  /** Per-position class (0/1), length prod(spatial). */
  target(p: P): Uint8Array;
  /** Per-position 1 = counts in the loss / accuracy (mazes: non-wall pixels); undefined = every position. */
  lossMask(p: P): Uint8Array | undefined;
  /** Exact-match correctness from per-position scores class1 = logit1 − logit0 (> 0 means class 1). */
  isCorrect(p: P, class1: Float32Array): boolean;
  /** User-facing prediction (maze: rows of '0'/'1' per grid unit; prefix sums: bit string; chess: UCI move). */
  decode(p: P, class1: Float32Array): D;
}

/** Any problem, for registries and code that does not care about the puzzle type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProblem = Problem<any, unknown>;

export function spatialSize(spatial: readonly number[]): number {
  return spatial.reduce((a, b) => a * b, 1);
}

/**
 * class1 = logit1 − logit0 per position, from channels-last 2-class logits [..., 2] (length 2·positions).
 * Works for one example or a whole batch (the output then has one value per position of every example).
 */
export function class1FromLogits(logits: Float32Array): Float32Array {
  if (logits.length % 2 !== 0) throw new RangeError(`class1FromLogits: expected [..., 2] logits, got length ${logits.length}`);
  const out = new Float32Array(logits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = logits[2 * i + 1] - logits[2 * i];
  return out;
}

export interface Batch {
  /** [N, ...spatial, C] channels-last. */
  input: Float32Array;
  /** [N, ...spatial] classes 0/1. */
  target: Uint8Array;
  /** [N, ...spatial], 1 = counts in the loss; undefined when no puzzle in the batch has a mask. */
  mask: Uint8Array | undefined;
  spatial: number[];
  n: number;
  channels: number;
}

/** Encode puzzles of one spatial shape into a batch. Throws (naming the offending index) on mixed shapes. */
export function encodeBatch<P>(problem: Problem<P, unknown>, puzzles: readonly P[]): Batch {
  if (puzzles.length === 0) throw new RangeError(`encodeBatch(${problem.id}): empty batch`);
  const first = problem.encode(puzzles[0]);
  const spatial = first.spatial.slice();
  const positions = spatialSize(spatial);
  const c = problem.inChannels;
  const n = puzzles.length;
  const input = new Float32Array(n * positions * c);
  const target = new Uint8Array(n * positions);
  let mask: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const enc = i === 0 ? first : problem.encode(puzzles[i]);
    if (enc.spatial.length !== spatial.length || enc.spatial.some((s, k) => s !== spatial[k])) {
      throw new RangeError(
        `encodeBatch(${problem.id}): puzzle ${i} has shape [${enc.spatial}] but puzzle 0 has [${spatial}]; ` +
          'batch puzzles of one size together',
      );
    }
    input.set(enc.data, i * positions * c);
    target.set(problem.target(puzzles[i]), i * positions);
    const m = problem.lossMask(puzzles[i]);
    if (m) {
      // Earlier unmasked puzzles count everywhere: back-fill them with ones.
      if (!mask) mask = new Uint8Array(n * positions).fill(1, 0, i * positions);
      mask.set(m, i * positions);
    } else if (mask) {
      mask.fill(1, i * positions, (i + 1) * positions);
    }
  }
  return { input, target, mask, spatial, n, channels: c };
}

/**
 * Lazily groups a (possibly async) stream of puzzles into encoded batches of `batchSize` (the last one may be
 * smaller), so a 50k-puzzle file is never held encoded in memory at once.
 */
export async function* encodeBatches<P>(
  problem: Problem<P, unknown>,
  source: Iterable<P> | AsyncIterable<P>,
  batchSize: number,
): AsyncGenerator<Batch & { puzzles: P[] }> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let pending: P[] = [];
  for await (const p of source) {
    pending.push(p);
    if (pending.length === batchSize) {
      yield { ...encodeBatch(problem, pending), puzzles: pending };
      pending = [];
    }
  }
  if (pending.length > 0) yield { ...encodeBatch(problem, pending), puzzles: pending };
}

/** Per-example correctness over a batch of class1 scores [N, ...spatial]. */
export function batchCorrect<P>(problem: Problem<P, unknown>, puzzles: readonly P[], class1: Float32Array): boolean[] {
  if (puzzles.length === 0) return [];
  const positions = class1.length / puzzles.length;
  if (!Number.isInteger(positions)) {
    throw new RangeError(`batchCorrect(${problem.id}): ${class1.length} scores do not split into ${puzzles.length} examples`);
  }
  return puzzles.map((p, i) => problem.isCorrect(p, class1.subarray(i * positions, (i + 1) * positions)));
}
