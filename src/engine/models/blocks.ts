/**
 * Building blocks shared by every architecture (Bansal et al. 2022, appendix A; aks2203/deep-thinking blocks.py).
 * Tensors are channels-last: 2-D [N,H,W,C], 1-D [N,L,C]. Every conv is 3-wide (3×3 or 3), stride 1, 'same', bias-free.
 */
import { tf, conv1d, conv2d } from '../tf';

export type Weights = Map<string, tf.Variable>;

/** Conv in the model's dimensionality. x: [N,(H,)W,Cin], w: [3,(3,)Cin,Cout]. */
export function conv(dims: 1 | 2, x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return dims === 2 ? conv2d(x as tf.Tensor4D, w as tf.Tensor4D) : conv1d(x as tf.Tensor3D, w as tf.Tensor3D);
}

/** Kernel shape, channels-last: [3,3,Cin,Cout] or [3,Cin,Cout]. */
export function kernelShape(dims: 1 | 2, cin: number, cout: number): number[] {
  return dims === 2 ? [3, 3, cin, cout] : [3, cin, cout];
}

/**
 * Basic residual block: relu(conv2(relu(conv1(x))) + x). Weights `${prefix}.conv1.weight`, `${prefix}.conv2.weight`.
 * (The paper's optional GroupNorm is off in all its published configs, so it is not implemented.)
 */
export function basicBlock(dims: 1 | 2, weights: Weights, prefix: string, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const h = tf.relu(conv(dims, x, get(weights, `${prefix}.conv1.weight`)));
    return tf.relu(tf.add(conv(dims, h, get(weights, `${prefix}.conv2.weight`)), x));
  });
}

export function get(weights: Weights, name: string): tf.Variable {
  const w = weights.get(name);
  if (!w) throw new Error(`missing weight "${name}"`);
  return w;
}

/**
 * PyTorch's default conv init (kaiming_uniform with a=√5): U(−1/√fan_in, 1/√fan_in), fan_in = Cin·k^dims.
 * Drawn from our seeded RNG so runs are reproducible.
 */
export function initKernel(shape: number[], rand: () => number): Float32Array {
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = (rand() * 2 - 1) * bound;
  return out;
}
