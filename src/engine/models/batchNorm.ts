/**
 * Batch normalisation over every axis but the channels (Ioffe and Szegedy 2015), with PyTorch's BatchNorm conventions
 * so a DT-L net behaves as the paper's PyTorch nets would: ε = 1e-5, running statistics updated with momentum 0.1,
 * the running variance unbiased (n / (n − 1)) while the batch is normalised by the biased one.
 *
 * Training normalises by the batch's own statistics and moves the running ones towards them; inference normalises by
 * the running statistics, which makes it a per-channel affine map, the same for every position, so a net thinks on a
 * tile exactly as on the whole input, and an exported graph can fold it into the conv before it (foldIntoConv).
 */
import { tf } from '../tf';

export const BATCH_NORM_EPS = 1e-5;
export const BATCH_NORM_MOMENTUM = 0.1;

/** The four tensors of one normalisation layer: scale γ and shift β (trained), running mean and variance (state). */
export interface BatchNormParams {
  gamma: tf.Tensor; // [C]
  beta: tf.Tensor; // [C]
  runningMean: tf.Variable; // [C]
  runningVar: tf.Variable; // [C]
}

/** Names of the four tensors under `prefix` (PyTorch's BatchNorm state_dict keys). */
export function batchNormNames(prefix: string): { gamma: string; beta: string; runningMean: string; runningVar: string } {
  return { gamma: `${prefix}.weight`, beta: `${prefix}.bias`, runningMean: `${prefix}.running_mean`, runningVar: `${prefix}.running_var` };
}

/**
 * x [N,(H,)W,C] → γ·(x − μ)/√(σ² + ε) + β. In training μ, σ² are the batch's (over N, H, W) and the running
 * statistics move towards them (a side effect on p.runningMean / p.runningVar); otherwise they are the running ones.
 */
export function batchNorm(x: tf.Tensor, p: BatchNormParams, training: boolean): tf.Tensor {
  return tf.tidy(() => {
    if (!training) return affine(x, p.gamma, p.beta, p.runningMean, p.runningVar);
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes); // [C] each; variance is the biased one
    const n = x.size / x.shape[x.rank - 1];
    const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
    const m = BATCH_NORM_MOMENTUM;
    p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - m), tf.mul(mean, m)));
    p.runningVar.assign(tf.add(tf.mul(p.runningVar, 1 - m), tf.mul(unbiased, m)));
    return affine(x, p.gamma, p.beta, mean, variance);
  });
}

function affine(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor): tf.Tensor {
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BATCH_NORM_EPS)));
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta);
}

/**
 * Inference-time normalisation folded into the conv before it: conv(x, W)·s + (β − μ·s) = conv(x, W·s) + b with
 * s = γ/√(σ² + ε) per output channel. kernel: channels-last [k,(k,)Cin,Cout]; the rest [Cout]. Returns W·s and b.
 */
export function foldIntoConv(
  kernel: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  runningMean: Float32Array,
  runningVar: Float32Array,
): { kernel: Float32Array; bias: Float32Array } {
  const cout = gamma.length;
  const scale = new Float32Array(cout);
  const bias = new Float32Array(cout);
  for (let c = 0; c < cout; c++) {
    scale[c] = gamma[c] / Math.sqrt(runningVar[c] + BATCH_NORM_EPS);
    bias[c] = beta[c] - runningMean[c] * scale[c];
  }
  const out = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) out[i] = kernel[i] * scale[i % cout];
  return { kernel: out, bias };
}
