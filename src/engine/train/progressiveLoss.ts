/**
 * The progressive loss (Bansal et al. 2022, §3.2; aks2203/deep-thinking `train_progressive` and
 * `get_output_for_prog_loss`), and the per-position cross-entropy it is built from.
 *
 *   draw n ∈ [0, maxIters) and k ∈ [1, maxIters − n]
 *   φ_n  = n iterations from the projection, with NO gradient (the paper's `.detach()`)
 *   ŷ_pr = head(k more iterations from φ_n), with gradient
 *   ŷ_m  = head(maxIters iterations from the projection), with gradient
 *   loss = (1 − α)·CE(ŷ_m) + α·CE(ŷ_pr)
 *
 * Where the paper's code always runs the full unroll (even at α = 1, only to report training accuracy), we skip
 * a term whose weight is 0: α = 1 runs no full unroll, α = 0 runs no progressive part. On a CPU the full unroll
 * is the most expensive thing in a step.
 *
 * The n detached iterations run *outside* the gradient function, so tfjs records no tape for them: the same
 * gradient as `.detach()`, without keeping their activations.
 *
 * Missing gradients are zeros: when n > 0 the progressive term does not reach the projection; PyTorch 1.x (the
 * paper's) then hands Adam a zeroed `.grad`, so the projection still decays (weight decay, moments). We do the
 * same, which also keeps the worker protocol simple (every weight always has a gradient).
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import type { Rng } from '../../shared/rng';
import type { Batch } from '../../shared/problems/problem';

/** One progressive draw: n detached iterations, then k with gradient. */
export interface ProgressiveDraw {
  n: number;
  k: number;
}

/**
 * How n and k are drawn:
 * - `independent` (the paper's code, the default): n uniform in [0, maxIters), then k uniform in [1, maxIters − n].
 *   The total n + k is then not uniform: it leans towards maxIters (P(n + k = T) = H(T)/maxIters with
 *   H the harmonic partial sum up to T), so short unrolls are trained less often.
 * - `uniform-total`: the total T = n + k uniform in [1, maxIters], then n uniform in [0, T): every unroll length is
 *   trained equally often.
 */
export type ProgressiveSampling = 'independent' | 'uniform-total';
export const PROGRESSIVE_SAMPLINGS: readonly ProgressiveSampling[] = ['independent', 'uniform-total'];

/**
 * One draw. `independent` is the paper's n = randrange(0, maxIters), k = randrange(1, maxIters − n + 1). Pure given
 * the rng, so a test can check ranges and distribution, and the parallel path draws once on the main thread for all
 * workers.
 */
export function drawNK(maxIters: number, rng: Rng, sampling: ProgressiveSampling = 'independent'): ProgressiveDraw {
  if (!Number.isInteger(maxIters) || maxIters < 1) throw new RangeError(`drawNK: maxIters must be a positive integer, got ${maxIters}`);
  if (sampling === 'uniform-total') {
    const total = 1 + rng.int(maxIters);
    const n = rng.int(total);
    return { n, k: total - n };
  }
  if (sampling !== 'independent') throw new RangeError(`drawNK: sampling must be ${PROGRESSIVE_SAMPLINGS.join(' or ')}, got ${String(sampling)}`);
  const n = rng.int(maxIters);
  const k = 1 + rng.int(maxIters - n);
  return { n, k };
}

/** What one gradient computation does. */
export interface GradientPlan {
  /** weight of the progressive term, in [0, 1] */
  alpha: number;
  /** iterations of the full unroll; n + k never exceeds it */
  maxIters: number;
  /** the progressive draw (ignored when alpha = 0) */
  draw: ProgressiveDraw;
}

export interface GradientResult {
  /** d loss / d weight for every weight of the model, by weight name (the caller disposes them) */
  grads: Map<string, tf.Tensor>;
  /** the loss: (1 − α)·CE_full + α·CE_progressive, each a mean over counted positions */
  loss: number;
  /** number of counted positions (mask sum, or N·positions): the weight of this shard when averaging shards */
  count: number;
  /**
   * class1 = logit1 − logit0 per position [N, ...spatial] of the output used for training accuracy: the full
   * unroll (iteration maxIters) when it ran, else the progressive output (iteration n + k).
   */
  class1: Float32Array;
  /** the iteration class1 comes from */
  accuracyIteration: number;
}

/** Batch tensors: x [N,(H,)W,C]; sign = 1 − 2·target [N,(H,)W]; weight = mask as float (undefined = all count). */
interface BatchTensors {
  x: tf.Tensor;
  sign: tf.Tensor;
  weight: tf.Tensor | undefined;
  count: number;
}

function batchTensors(batch: Batch): BatchTensors {
  const positions = batch.spatial.reduce((a, b) => a * b, 1);
  const size = batch.n * positions;
  if (batch.input.length !== size * batch.channels) {
    throw new RangeError(`batch input has ${batch.input.length} values, expected ${batch.n}×[${batch.spatial}]×${batch.channels}`);
  }
  if (batch.target.length !== size) throw new RangeError(`batch target has ${batch.target.length} values, expected ${size}`);
  if (batch.mask && batch.mask.length !== size) throw new RangeError(`batch mask has ${batch.mask.length} values, expected ${size}`);
  const sign = new Float32Array(size);
  for (let i = 0; i < size; i++) sign[i] = batch.target[i] ? -1 : 1;
  let count = size;
  let weight: tf.Tensor | undefined;
  if (batch.mask) {
    const w = new Float32Array(size);
    count = 0;
    for (let i = 0; i < size; i++) if (batch.mask[i]) (w[i] = 1), count++;
    weight = tf.tensor(w, [batch.n, ...batch.spatial]);
  }
  return {
    x: tf.tensor(batch.input, [batch.n, ...batch.spatial, batch.channels]),
    sign: tf.tensor(sign, [batch.n, ...batch.spatial]),
    weight,
    count,
  };
}

/** logits [N,...,2] → class1 = logit1 − logit0 [N,...]. */
export function class1Tensor(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [l0, l1] = tf.split(logits, 2, logits.rank - 1);
    return tf.sub(l1, l0).squeeze([logits.rank - 1]);
  });
}

/**
 * Mean per-position 2-class cross-entropy over the counted positions (PyTorch's CrossEntropyLoss(reduction="none")
 * followed by `loss[mask > 0].mean()` as in the paper's maze loss).
 * With d = logit1 − logit0: CE = softplus(−d) for target 1 and softplus(d) for target 0, i.e. softplus(sign·d),
 * sign = 1 − 2·target — numerically stable and cheaper than a log-softmax over 2 classes.
 * logits [N,...,2]; sign [N,...]; weight [N,...] of 0/1 or undefined; count = Σ weight.
 */
export function crossEntropy(logits: tf.Tensor, sign: tf.Tensor, weight: tf.Tensor | undefined, count: number): tf.Scalar {
  return tf.tidy(() => {
    const ce = tf.softplus(tf.mul(class1Tensor(logits), sign));
    if (!weight) return tf.mean(ce) as tf.Scalar;
    // An all-masked shard (possible only with tiny shards) contributes 0 and has count 0 (weight 0 when averaged).
    return tf.div(tf.sum(tf.mul(ce, weight)), Math.max(count, 1)) as tf.Scalar;
  });
}

/** Cross-entropy of logits against a batch's target and mask, for tests and evaluation. */
export function batchCrossEntropy(logits: tf.Tensor, batch: Batch): number {
  const t = batchTensors(batch);
  try {
    const l = crossEntropy(logits, t.sign, t.weight, t.count);
    const v = l.dataSync()[0];
    l.dispose();
    return v;
  } finally {
    tf.dispose([t.x, t.sign, ...(t.weight ? [t.weight] : [])]);
  }
}

/** n iterations from the projection, without tape (outside any gradient function): φ_n, the detached state. */
export function thinkWithoutGradient(model: DTNet, x: tf.Tensor, n: number): tf.Tensor {
  let thought = model.project(x);
  for (let i = 0; i < n; i++) {
    const next = model.step(thought, x, i);
    thought.dispose();
    thought = next;
  }
  return thought;
}

/**
 * Loss and gradients of one batch for every weight of `model` (see the header). Disposes everything it creates
 * except the returned gradients.
 */
export function computeGradients(model: DTNet, batch: Batch, plan: GradientPlan): GradientResult {
  const { alpha, maxIters, draw } = plan;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`progressive loss: alpha must be in [0, 1], got ${alpha}`);
  if (alpha > 0 && (draw.n < 0 || draw.k < 1 || draw.n + draw.k > maxIters)) {
    throw new RangeError(`progressive loss: draw n=${draw.n}, k=${draw.k} is outside n ≥ 0, k ≥ 1, n + k ≤ ${maxIters}`);
  }
  const t = batchTensors(batch);
  // Training mode for the whole step, the n untaped iterations included (as the paper's model.train() does): batch
  // norm uses the batch's statistics and records them.
  const wasTraining = model.training;
  model.training = true;
  let start: tf.Tensor | undefined;
  let accuracyLogits: tf.Tensor | undefined;
  let accuracyIteration = 0;
  try {
    // φ_n: built before (outside) the gradient function, so no tape is recorded for these n iterations.
    start = alpha > 0 && draw.n > 0 ? thinkWithoutGradient(model, t.x, draw.n) : undefined;
    const names = new Map<string, string>(); // variable name → weight name
    for (const [name, v] of model.weights) names.set(v.name, name);
    const { value, grads } = tf.variableGrads(() => {
      const terms: tf.Scalar[] = [];
      if (alpha < 1) {
        const { logits } = model.forward(t.x, maxIters);
        terms.push(tf.mul(crossEntropy(logits, t.sign, t.weight, t.count), 1 - alpha) as tf.Scalar);
        accuracyLogits = tf.keep(logits);
        accuracyIteration = maxIters;
      }
      if (alpha > 0) {
        // n = 0: the paper passes interim_thought=None, so the k iterations start from the projection (with grad).
        const { logits } = model.forward(t.x, draw.k, start, draw.n);
        terms.push(tf.mul(crossEntropy(logits, t.sign, t.weight, t.count), alpha) as tf.Scalar);
        if (!accuracyLogits) {
          accuracyLogits = tf.keep(logits);
          accuracyIteration = draw.n + draw.k;
        }
      }
      return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
    }, [...model.weights.values()]);
    const loss = value.dataSync()[0];
    value.dispose();
    const out = new Map<string, tf.Tensor>();
    for (const [varName, g] of Object.entries(grads)) out.set(names.get(varName) ?? varName, g);
    for (const [name, v] of model.weights) if (!out.has(name)) out.set(name, tf.zerosLike(v));
    const c1 = class1Tensor(accuracyLogits!);
    const class1 = c1.dataSync() as Float32Array;
    c1.dispose();
    return { grads: out, loss, count: t.count, class1, accuracyIteration };
  } finally {
    model.training = wasTraining;
    tf.dispose([t.x, t.sign, ...(t.weight ? [t.weight] : []), ...(start ? [start] : []), ...(accuracyLogits ? [accuracyLogits] : [])]);
  }
}

/**
 * Logits → class1 at `iterations`, forward only, for validation. x is [N,(H,)W,C] as in the batch.
 */
export function predictClass1(model: DTNet, input: Float32Array, shape: number[], iterations: number): Float32Array {
  const c1 = tf.tidy(() => {
    const x = tf.tensor(input, shape);
    // Stream the iterations (constant memory) and keep only the last logits.
    let thought = model.project(x);
    for (let i = 0; i < iterations; i++) {
      const next = model.step(thought, x, i);
      thought.dispose();
      thought = next;
    }
    return class1Tensor(model.head(thought));
  });
  const out = c1.dataSync() as Float32Array;
  c1.dispose();
  return out;
}
