/**
 * Every native kernel of the torch backend against the pure-JS cpu backend on random inputs: values, shapes and
 * dtypes, through the public tfjs ops that reach them (and through tf.grads for the gradient kernels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf';
import { maxRelDiff, onBoth, skipReason, useTorch, values } from './torchHarness';
import type { TorchBackend } from '../../../src/engine/backends/torch';

const T = (n: number[], seed: number, lo = -1, hi = 1) => tf.tensor(values(n.reduce((a, b) => a * b, 1), seed, lo, hi), n);
const I = (data: number[], shape?: number[]) => tf.tensor(data, shape, 'int32');

/** name → computation; each runs on both backends. Inputs cover broadcasting, axes, negative numbers. */
const CASES: Record<string, () => tf.Tensor | tf.Tensor[]> = {
  // unary
  abs: () => tf.abs(T([3, 4], 1)),
  absInt: () => tf.abs(I([-3, 0, 2])),
  acos: () => tf.acos(T([5], 2, -0.9, 0.9)),
  acosh: () => tf.acosh(T([5], 3, 1, 4)),
  asin: () => tf.asin(T([5], 4, -0.9, 0.9)),
  asinh: () => tf.asinh(T([5], 5)),
  atan: () => tf.atan(T([5], 6)),
  atanh: () => tf.atanh(T([5], 7, -0.9, 0.9)),
  ceil: () => tf.ceil(T([6], 8, -3, 3)),
  cos: () => tf.cos(T([6], 9, -3, 3)),
  cosh: () => tf.cosh(T([6], 10)),
  elu: () => tf.elu(T([6], 11, -3, 3)),
  erf: () => tf.erf(T([6], 12, -2, 2)),
  exp: () => tf.exp(T([2, 3], 13)),
  expm1: () => tf.expm1(T([6], 14)),
  floor: () => tf.floor(T([6], 15, -3, 3)),
  isFinite: () => tf.isFinite(tf.tensor([1, Infinity, -Infinity, NaN, 0])),
  isInf: () => tf.isInf(tf.tensor([1, Infinity, -Infinity, NaN, 0])),
  isNaN: () => tf.isNaN(tf.tensor([1, Infinity, -Infinity, NaN, 0])),
  log: () => tf.log(T([6], 16, 0.1, 5)),
  log1p: () => tf.log1p(T([6], 17, -0.5, 5)),
  logicalNot: () => tf.logicalNot(tf.tensor([true, false, true], undefined, 'bool')),
  neg: () => tf.neg(T([6], 18)),
  reciprocal: () => tf.reciprocal(T([6], 19, 0.5, 2)),
  relu: () => tf.relu(T([4, 5], 20)),
  relu6: () => tf.relu6(T([6], 21, -8, 8)),
  round: () => tf.round(tf.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1.2, -2.7])),
  rsqrt: () => tf.rsqrt(T([6], 22, 0.1, 4)),
  selu: () => tf.selu(T([6], 23, -3, 3)),
  sigmoid: () => tf.sigmoid(T([6], 24, -6, 6)),
  sign: () => tf.sign(tf.tensor([-2, 0, 3, -0.5])),
  sin: () => tf.sin(T([6], 25, -3, 3)),
  sinh: () => tf.sinh(T([6], 26)),
  softplus: () => tf.softplus(T([8], 27, -30, 30)),
  sqrt: () => tf.sqrt(T([6], 28, 0, 9)),
  square: () => tf.square(T([6], 29)),
  tan: () => tf.tan(T([6], 30)),
  tanh: () => tf.tanh(T([6], 31, -3, 3)),
  zerosLike: () => tf.zerosLike(T([2, 3], 32)),
  onesLike: () => tf.onesLike(I([1, 2, 3])),
  step: () => tf.step(tf.tensor([-1, 0, 2, NaN, 0.5]), 0.3),
  leakyRelu: () => tf.leakyRelu(T([6], 33, -2, 2), 0.1),
  // binary, with broadcasting
  add: () => tf.add(T([2, 3, 4], 40), T([4], 41)),
  addInt: () => tf.add(I([1, 2, 3]), I([4, 5, 6])),
  sub: () => tf.sub(T([2, 1, 4], 42), T([3, 1], 43)),
  mul: () => tf.mul(T([2, 3], 44), tf.scalar(0.9)),
  div: () => tf.div(T([2, 3], 45), T([2, 3], 46, 0.5, 2)),
  floorDiv: () => tf.floorDiv(I([7, -7, 9, 0]), I([2, 2, -4, 3])),
  maximum: () => tf.maximum(T([3, 4], 47), T([3, 1], 48)),
  minimum: () => tf.minimum(T([3, 4], 49), T([1, 4], 50)),
  pow: () => tf.pow(T([6], 51, 0.1, 3), T([6], 52, -2, 2)),
  squaredDifference: () => tf.squaredDifference(T([2, 3], 53), T([3], 54)),
  mod: () => tf.mod(T([6], 55, -5, 5), tf.scalar(1.5)),
  atan2: () => tf.atan2(T([6], 56), T([6], 57)),
  equal: () => tf.equal(I([1, 2, 3]), I([1, 0, 3])),
  notEqual: () => tf.notEqual(I([1, 2, 3]), I([1, 0, 3])),
  greater: () => tf.greater(T([2, 3], 58), T([3], 59)),
  greaterEqual: () => tf.greaterEqual(I([1, 2, 3]), I([2, 2, 2])),
  less: () => tf.less(T([6], 60), tf.scalar(0)),
  lessEqual: () => tf.lessEqual(I([1, 2, 3]), I([2, 2, 2])),
  logicalAnd: () => tf.logicalAnd(tf.tensor([true, true, false, false], undefined, 'bool'), tf.tensor([true, false, true, false], undefined, 'bool')),
  logicalOr: () => tf.logicalOr(tf.tensor([true, true, false, false], undefined, 'bool'), tf.tensor([true, false, true, false], undefined, 'bool')),
  prelu: () => tf.prelu(T([2, 3], 61), T([3], 62)),
  // others
  addN: () => tf.addN([T([2, 3], 63), T([2, 3], 64), T([2, 3], 65)]),
  where: () => tf.where(tf.tensor([true, false, true, false], [2, 2], 'bool'), T([2, 2], 66), T([2, 2], 67)),
  whereBroadcast: () => tf.where(tf.tensor([true, false], [2, 1], 'bool'), T([2, 3], 68), T([3], 69)),
  clipByValue: () => tf.clipByValue(T([8], 70, -3, 3), -1, 1.5),
  castToInt: () => tf.cast(tf.tensor([1.7, -1.7, 0, 3.2]), 'int32'),
  castToFloat: () => tf.cast(I([1, -2, 3]), 'float32'),
  castToBool: () => tf.cast(tf.tensor([0, 1.5, -2, 0]), 'bool'),
  fill: () => tf.fill([2, 3], 2.5),
  fillInt: () => tf.fill([4], 7, 'int32'),
  clone: () => tf.clone(T([3], 71)),
  softmax: () => tf.softmax(T([3, 5], 72, -4, 4)),
  // reductions
  sum: () => [tf.sum(T([2, 3, 4], 80)), tf.sum(T([2, 3, 4], 81), 1), tf.sum(T([2, 3, 4], 82), [0, 2], true)],
  sumInt: () => tf.sum(I([1, 2, 3, 4], [2, 2]), 0),
  sumBool: () => tf.sum(tf.tensor([true, false, true], undefined, 'bool')),
  mean: () => [tf.mean(T([3, 4], 83)), tf.mean(T([3, 4], 84), -1, true)],
  max: () => [tf.max(T([3, 4], 85)), tf.max(T([3, 4, 2], 86), [0, 2])],
  min: () => [tf.min(T([3, 4], 87), 1), tf.min(I([5, 2, 8], [3]))],
  prod: () => [tf.prod(T([3, 4], 88, 0.5, 1.5), 1), tf.prod(T([2, 3, 2], 89, 0.5, 1.5), [0, 2], true)],
  any: () => tf.any(tf.tensor([true, false, false, false], [2, 2], 'bool'), 1),
  all: () => tf.all(tf.tensor([true, true, false, true], [2, 2], 'bool'), 0),
  argMax: () => [tf.argMax(T([3, 5], 90), 1), tf.argMax(tf.tensor([1, 3, 3, 2]))],
  argMin: () => tf.argMin(T([3, 5], 91), 0),
  cumsum: () => [tf.cumsum(T([2, 4], 92), 1), tf.cumsum(T([2, 4], 93), 1, true), tf.cumsum(T([2, 4], 94), 1, false, true), tf.cumsum(T([3, 2], 95), 0, true, true)],
  // layout
  reshape: () => tf.reshape(T([2, 3, 4], 100), [4, -1]),
  transpose: () => tf.transpose(T([2, 3, 4], 101), [2, 0, 1]),
  transposeThenAdd: () => tf.add(tf.transpose(T([2, 3], 102)), T([3, 2], 103)),
  concat: () => [tf.concat([T([2, 3], 104), T([2, 1], 105), T([2, 2], 106)], 1), tf.concat([T([1, 3], 107), T([2, 3], 108)], 0)],
  concatNHWC: () => tf.concat([T([2, 3, 3, 4], 109), T([2, 3, 3, 1], 110)], 3),
  slice: () => [tf.slice(T([4, 5], 111), [1, 2], [2, -1]), tf.slice(T([3, 4, 5], 112), [0, 1, 0], [3, 2, 5])],
  split: () => [...tf.split(T([2, 6], 113), 3, 1), ...tf.split(T([5, 2], 114), [2, 3], 0)],
  pad: () => tf.pad(T([2, 3], 115), [[1, 0], [2, 1]], 0.5),
  padNHWC: () => tf.pad(T([1, 3, 3, 2], 116), [[0, 0], [1, 1], [1, 1], [0, 0]]),
  reverse: () => [tf.reverse(T([3, 4], 117), 0), tf.reverse(T([2, 3, 4], 118), [1, 2])],
  tile: () => tf.tile(T([2, 3], 119), [2, 3]),
  gather: () => [tf.gather(T([4, 3], 120), I([3, 0, 3])), tf.gather(T([2, 4, 3], 121), I([1, 2, 0, 1], [2, 2]), 1)],
  stack: () => tf.stack([T([2, 3], 122), T([2, 3], 123)], 1),
  unstack: () => tf.unstack(T([3, 2], 124), 1),
  matMul: () => [tf.matMul(T([3, 4], 125), T([4, 2], 126)), tf.matMul(T([2, 4, 3], 127), T([2, 5, 4], 128), true, true)],
  // convolutions
  conv2dSame: () => tf.conv2d(T([2, 6, 5, 3], 130) as tf.Tensor4D, T([3, 3, 3, 4], 131) as tf.Tensor4D, 1, 'same'),
  conv2dValid: () => tf.conv2d(T([2, 6, 5, 3], 132) as tf.Tensor4D, T([3, 3, 3, 4], 133) as tf.Tensor4D, 1, 'valid'),
  conv2dStride: () => tf.conv2d(T([1, 7, 7, 2], 134) as tf.Tensor4D, T([3, 3, 2, 3], 135) as tf.Tensor4D, 2, 'same'),
  conv2dDilated: () => tf.conv2d(T([1, 7, 7, 2], 136) as tf.Tensor4D, T([3, 3, 2, 3], 137) as tf.Tensor4D, 1, 'same', 'NHWC', 2),
  conv2dEvenKernel: () => tf.conv2d(T([1, 5, 6, 2], 138) as tf.Tensor4D, T([2, 4, 2, 3], 139) as tf.Tensor4D, 1, 'same'),
  conv2dHeight1: () => tf.conv2d(T([3, 1, 8, 4], 140) as tf.Tensor4D, T([1, 3, 4, 5], 141) as tf.Tensor4D, 1, 'same'),
  // gradient kernels (Conv2DBackpropInput/Filter, Step via relu, EluGrad, and the grads of concat/slice/pad)
  conv2dGrads: () => convGrads(1, 'same', [2, 6, 5, 3], [3, 3, 3, 4], 150),
  conv2dGradsStrideValid: () => convGrads(2, 'valid', [2, 7, 7, 2], [3, 3, 2, 3], 151),
  conv2dGradsEvenKernel: () => convGrads(1, 'same', [1, 5, 6, 2], [2, 4, 2, 3], 152),
  // Relu's gradient runs as the fused DtReluGrad on torch (reluGrad.ts); 0 included (tfjs: step(0) = 0)
  reluGradWeighted: () => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), T([5], 155))))([tf.tensor([-1, 0, 2, 0.5, -0.25])]),
  reluEluGrads: () => tf.grads((a: tf.Tensor) => tf.sum(tf.add(tf.relu(a), tf.elu(a))))([T([3, 4], 153, -2, 2)]),
  layoutGrads: () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.pad(tf.slice(tf.concat([a, b], 1), [0, 1], [2, 3]), [[1, 1], [0, 2]]), T([4, 5], 154))))([
      T([2, 2], 155),
      T([2, 3], 156),
    ]),
};

function convGrads(stride: number, pad: 'same' | 'valid', xs: number[], ws: number[], seed: number): tf.Tensor[] {
  const x = T(xs, seed) as tf.Tensor4D;
  const w = T(ws, seed + 1000) as tf.Tensor4D;
  const f = (a: tf.Tensor, b: tf.Tensor) => {
    const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad);
    return tf.sum(tf.mul(y, T(y.shape, seed + 2000)));
  };
  return tf.grads(f)([x, w]);
}

test('torch kernels match the cpu backend', { skip: skipReason }, async () => {
  await useTorch();
  const backend = tf.backend() as TorchBackend;
  const failures: string[] = [];
  for (const [name, fn] of Object.entries(CASES)) {
    const { cpu, torch } = await onBoth(fn);
    assert.equal(torch.length, cpu.length, name);
    for (let i = 0; i < cpu.length; i++) {
      const [c, t] = [cpu[i], torch[i]];
      const where = `${name}[${i}]`;
      if (!tf.util.arraysEqual(c.shape, t.shape)) failures.push(`${where}: shape [${t.shape}] vs [${c.shape}]`);
      else if (c.dtype !== t.dtype) failures.push(`${where}: dtype ${t.dtype} vs ${c.dtype}`);
      else {
        const d = maxRelDiff(t.dataSync(), c.dataSync());
        if (!(d <= 2e-5)) failures.push(`${where}: max relative difference ${d}: ${Array.from(t.dataSync()).slice(0, 6)} vs ${Array.from(c.dataSync()).slice(0, 6)}`);
      }
    }
    tf.dispose([...cpu, ...torch]);
  }
  assert.deepEqual(failures, []);
  // All of the above ran natively: none needed the cpu fallback.
  assert.deepEqual([...backend.fallbacksUsed], []);
});

test('the Relu gradient is one fused kernel on torch (no Step/Multiply) and the tfjs composition elsewhere', { skip: skipReason }, async () => {
  const kernelsOfReluGrad = async () => {
    const x = T([4, 6], 156);
    const dy = T([4, 6], 157);
    const info = await tf.profile(() => {
      const [g] = tf.grads((a: tf.Tensor) => tf.relu(a))([x], dy);
      return g;
    });
    tf.dispose([x, dy, info.result as tf.Tensor]);
    return info.kernelNames;
  };
  await useTorch();
  const onTorch = await kernelsOfReluGrad();
  assert.ok(onTorch.includes('DtReluGrad'), onTorch.join());
  assert.ok(!onTorch.includes('Step'), onTorch.join());
  await tf.setBackend('cpu');
  const onCpu = await kernelsOfReluGrad();
  assert.ok(onCpu.includes('Step') && !onCpu.includes('DtReluGrad'), onCpu.join());
  await useTorch();
});

test('kernels the torch backend lacks fall back to the cpu backend with correct results', { skip: skipReason }, async () => {
  const { cpu, torch } = await onBoth(() => [tf.oneHot(I([0, 2, 1]), 3), tf.range(0, 5, 1.5), tf.stridedSlice(T([4, 4], 160), [0, 1], [4, 4], [2, 1])]);
  for (let i = 0; i < cpu.length; i++) {
    assert.deepEqual(torch[i].shape, cpu[i].shape);
    assert.deepEqual(Array.from(torch[i].dataSync()), Array.from(cpu[i].dataSync()));
  }
  tf.dispose([...cpu, ...torch]);
  const backend = tf.findBackend('torch') as TorchBackend;
  assert.ok(backend.fallbacksUsed.has('OneHot') && backend.fallbacksUsed.has('Range'), [...backend.fallbacksUsed].join());
});

test('disposing tensors releases their native tensors; reads copy row-major values', { skip: skipReason }, async () => {
  await useTorch();
  const backend = tf.backend() as TorchBackend;
  const before = backend.memory().nativeTensors;
  const x = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const t = tf.transpose(x); // a libtorch view: its values are read in the transposed order
  const r = tf.reshape(x, [3, 2]);
  assert.deepEqual(Array.from(await t.data()), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(r.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.equal(backend.memory().nativeTensors, before + 3);
  tf.dispose([x, t, r]);
  assert.equal(backend.memory().nativeTensors, before);
  assert.equal(backend.memory().nativeTensors, backend.numDataIds());
});
