/**
 * Adam's update of every weight, and the global gradient norm, as one kernel each, for backends that implement them
 * (the torch backend: native/src/optim.cc). optimizer.ts stays the definition and runs its composition of tfjs ops
 * everywhere else; the two agree to float32 rounding (test/unit/native/torchFusedAdam.test.ts).
 *
 * Why: the composition is ~15 kernels per weight and the norm 2 per weight, ~150 kernels per step for a DT-recall
 * net; each is a trip through tfjs and Node-API, which on a GPU costs more than the arithmetic.
 *
 * The contract with a backend:
 *   FUSED_ADAM_KERNEL   inputs p0…, g0… and, after a weight's first step, its m_i, v_i; attrs count, lrs (one per
 *                       weight), beta1, beta2, eps, weightDecay, step (t, from 1), gradScale (the clip coefficient)
 *                       → [p'0, m'0, v'0, p'1, …]
 *   SUM_SQUARES_KERNEL  inputs t0…; attrs count → scalar Σ Σ t²
 */
import { tf } from '../tf';

import { FUSED_ADAM_KERNEL, SUM_SQUARES_KERNEL } from '../fusedKernelNames';

export { FUSED_ADAM_KERNEL, SUM_SQUARES_KERNEL };

/** Whether `backend` (default: the active one) implements `kernel`. */
export function hasKernel(kernel: string, backend = tf.getBackend()): boolean {
  return tf.getKernel(kernel, backend) !== undefined;
}

export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Adam's t, from 1 */
  step: number;
  /** multiplies every gradient first (the clip coefficient) */
  gradScale: number;
}

/** New weights and moments, per weight in order; a weight's moments are undefined before its first step. */
export function fusedAdam(
  params: tf.Tensor[],
  grads: tf.Tensor[],
  moments: ({ m: tf.Tensor; v: tf.Tensor } | undefined)[],
  lrs: number[],
  h: AdamHyper,
): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor }[] {
  const inputs: tf.NamedTensorMap = {};
  params.forEach((t, i) => {
    inputs[`p${i}`] = t;
    inputs[`g${i}`] = grads[i];
    const mv = moments[i];
    if (mv) (inputs[`m${i}`] = mv.m), (inputs[`v${i}`] = mv.v);
  });
  const attrs = { count: params.length, lrs, ...h };
  const outs = tf.engine().runKernel(FUSED_ADAM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return params.map((_, i) => ({ p: outs[3 * i], m: outs[3 * i + 1], v: outs[3 * i + 2] }));
}

/** Σ over the tensors of Σ t², as a scalar: the squared global norm. */
export function fusedSumSquares(tensors: tf.Tensor[]): tf.Scalar {
  const inputs: tf.NamedTensorMap = {};
  tensors.forEach((t, i) => (inputs[`t${i}`] = t));
  return tf.engine().runKernel(SUM_SQUARES_KERNEL, inputs, { count: tensors.length }) as tf.Scalar;
}
