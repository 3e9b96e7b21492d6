import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, conv2d, conv1d } from '../../../src/engine/tf';

/** Central finite differences of f with respect to one entry of `values`. */
function numericGrad(f: (v: Float32Array) => number, values: Float32Array, i: number, eps = 1e-2): number {
  const plus = values.slice();
  plus[i] += eps;
  const minus = values.slice();
  minus[i] -= eps;
  return (f(plus) - f(minus)) / (2 * eps);
}

test('custom conv2d gradients (forward-conv formulation) match finite differences', async () => {
  await initBackend('wasm');
  const xs = [2, 5, 4, 3];
  const ws = [3, 3, 3, 4];
  const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 13.7 + i * 1.91));
  const xv = rand(2 * 5 * 4 * 3, 1);
  const wv = rand(3 * 3 * 3 * 4, 2);
  // A non-trivial scalar: weighted sum of the outputs, so every output position's gradient differs.
  const weights = tf.tensor(rand(2 * 5 * 4 * 4, 3), [2, 5, 4, 4]);
  const loss = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(conv2d(x as tf.Tensor4D, w as tf.Tensor4D), weights)) as tf.Scalar;
  const { grads } = tf.tidy(() => ({ grads: tf.grads((x: tf.Tensor, w: tf.Tensor) => loss(x, w))([tf.tensor(xv, xs), tf.tensor(wv, ws)]) }));
  const [gx, gw] = [grads[0].dataSync(), grads[1].dataSync()];
  const fx = (v: Float32Array) => tf.tidy(() => loss(tf.tensor(v, xs), tf.tensor(wv, ws)).dataSync()[0]);
  const fw = (v: Float32Array) => tf.tidy(() => loss(tf.tensor(xv, xs), tf.tensor(v, ws)).dataSync()[0]);
  for (const i of [0, 7, 33, 59, 119]) assert.ok(Math.abs(gx[i] - numericGrad(fx, xv, i)) < 2e-2, `dx[${i}] ${gx[i]} vs ${numericGrad(fx, xv, i)}`);
  for (const i of [0, 5, 40, 77, 107]) assert.ok(Math.abs(gw[i] - numericGrad(fw, wv, i)) < 2e-2, `dw[${i}] ${gw[i]} vs ${numericGrad(fw, wv, i)}`);
  // The gradient must not be trivially zero.
  assert.ok(gw.some((g) => Math.abs(g) > 0.1));
  tf.dispose(grads);
  weights.dispose();
});

test('conv1d equals a direct 3-tap correlation with zero padding', async () => {
  await initBackend('wasm');
  const x = tf.tensor([1, 2, 3, 4], [1, 4, 1]);
  const w = tf.tensor([0.5, 1, -1], [3, 1, 1]);
  const y = conv1d(x as tf.Tensor3D, w as tf.Tensor3D).dataSync();
  // y[i] = 0.5*x[i-1] + 1*x[i] - 1*x[i+1]
  assert.deepEqual(Array.from(y), [1 - 2, 0.5 + 2 - 3, 1 + 3 - 4, 1.5 + 4]);
  tf.dispose([x, w]);
});
