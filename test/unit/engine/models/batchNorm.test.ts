/** Batch norm (DT-L's, on the projection and the head): against a plain-JS oracle, in training and in inference. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend } from '../../../../src/engine/tf';
import { Rng } from '../../../../src/shared/rng';
import { parameterCount, validateArchitecture, type Architecture } from '../../../../src/shared/architecture';
import { architectureOf, resolveTrainConfig } from '../../../../src/engine/train/trainConfig';
import { BATCH_NORM_EPS, batchNorm, batchNormNames, foldIntoConv } from '../../../../src/engine/models/batchNorm';
import { createModel } from '../../../../src/engine/models/createModel';
import { normLayers } from '../../../../src/engine/models/dtL';
import { computeGradients } from '../../../../src/engine/train/progressiveLoss';
import { conv } from '../../../../src/engine/models/blocks';
import { loadCheckpoint, saveCheckpoint } from '../../../../src/engine/checkpoint/store';
import type { Batch } from '../../../../src/shared/problems/problem';

before(async () => {
  await initBackend('wasm');
});

const ARCH: Architecture = { kind: 'dt-l', dims: 2, width: 6, inChannels: 3, maxIters: 30, blocks: 2, batchNorm: true };

function randomValues(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + rng.next() * (hi - lo));
}

/** Per-channel mean and biased variance of channels-last values, in plain JS. */
function channelStats(x: Float32Array, channels: number): { mean: number[]; variance: number[] } {
  const n = x.length / channels;
  const mean = Array<number>(channels).fill(0);
  const variance = Array<number>(channels).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % channels] += x[i] / n;
  for (let i = 0; i < x.length; i++) variance[i % channels] += (x[i] - mean[i % channels]) ** 2 / n;
  return { mean, variance };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('batchNorm in training: normalises by the batch statistics and moves the running ones by PyTorch\'s rule', () => {
  const rng = new Rng(1);
  const shape = [3, 4, 5, 2];
  const values = randomValues(rng, 3 * 4 * 5 * 2, -2, 5);
  const gamma = Float32Array.of(1.5, 0.5);
  const beta = Float32Array.of(-1, 2);
  const p = {
    gamma: tf.tensor1d(gamma),
    beta: tf.tensor1d(beta),
    runningMean: tf.variable(tf.tensor1d([0.3, -0.2]), false),
    runningVar: tf.variable(tf.tensor1d([2, 0.5]), false),
  };
  const x = tf.tensor(values, shape);
  const y = batchNorm(x, p, true);
  const { mean, variance } = channelStats(values, 2);
  const expected = Float32Array.from(values, (v, i) => gamma[i % 2] * (v - mean[i % 2]) / Math.sqrt(variance[i % 2] + BATCH_NORM_EPS) + beta[i % 2]);
  close(y.dataSync(), expected, 1e-4, 'y');
  const n = values.length / 2;
  close(p.runningMean.dataSync(), [0.9 * 0.3 + 0.1 * mean[0], 0.9 * -0.2 + 0.1 * mean[1]], 1e-5, 'running mean');
  close(p.runningVar.dataSync(), [0.9 * 2 + 0.1 * variance[0] * n / (n - 1), 0.9 * 0.5 + 0.1 * variance[1] * n / (n - 1)], 1e-5, 'running var (unbiased)');
  // inference: the running statistics, and they stay as they are
  const before = Float32Array.from(p.runningMean.dataSync());
  const z = batchNorm(x, p, false);
  const rm = p.runningMean.dataSync();
  const rv = p.runningVar.dataSync();
  close(z.dataSync(), Float32Array.from(values, (v, i) => gamma[i % 2] * (v - rm[i % 2]) / Math.sqrt(rv[i % 2] + BATCH_NORM_EPS) + beta[i % 2]), 1e-4, 'inference');
  close(p.runningMean.dataSync(), before, 0, 'running mean after inference');
  tf.dispose([x, y, z, p.gamma, p.beta, p.runningMean, p.runningVar]);
});

test('foldIntoConv: conv with the folded kernel and bias equals batch norm (inference) after the conv', () => {
  const rng = new Rng(2);
  const [cin, cout] = [3, 4];
  const kernel = randomValues(rng, 9 * cin * cout);
  const gamma = randomValues(rng, cout, 0.5, 2);
  const beta = randomValues(rng, cout);
  const runningMean = randomValues(rng, cout);
  const runningVar = randomValues(rng, cout, 0.2, 3);
  const x = tf.tensor(randomValues(rng, 2 * 5 * 6 * cin), [2, 5, 6, cin]);
  const w = tf.tensor(kernel, [3, 3, cin, cout]);
  const p = { gamma: tf.tensor1d(gamma), beta: tf.tensor1d(beta), runningMean: tf.variable(tf.tensor1d(runningMean), false), runningVar: tf.variable(tf.tensor1d(runningVar), false) };
  const reference = tf.tidy(() => batchNorm(conv(2, x, w), p, false));
  const folded = foldIntoConv(kernel, gamma, beta, runningMean, runningVar);
  const viaFold = tf.tidy(() => tf.add(conv(2, x, tf.tensor(folded.kernel, [3, 3, cin, cout])), tf.tensor1d(folded.bias)));
  close(viaFold.dataSync(), reference.dataSync(), 1e-4, 'folded');
  tf.dispose([x, w, reference, viaFold, p.gamma, p.beta, p.runningMean, p.runningVar]);
});

test('DT-L with batch norm: a training step uses and records batch statistics, trains γ and β, and leaves the net in inference mode', async () => {
  const rng = new Rng(3);
  const net = createModel(ARCH, () => rng.next());
  // fresh: γ = 1, β = 0, running mean 0, running variance 1
  for (const { prefix, channels } of normLayers(ARCH)) {
    const n = batchNormNames(prefix);
    close(net.weights.get(n.gamma)!.dataSync(), Array(channels).fill(1), 0, n.gamma);
    close(net.weights.get(n.beta)!.dataSync(), Array(channels).fill(0), 0, n.beta);
    close(net.buffers.get(n.runningMean)!.dataSync(), Array(channels).fill(0), 0, n.runningMean);
    close(net.buffers.get(n.runningVar)!.dataSync(), Array(channels).fill(1), 0, n.runningVar);
  }
  assert.equal(net.parameterCount, parameterCount(ARCH), 'parameters: γ and β count, the running statistics do not');
  const size = 5;
  const batch: Batch = {
    n: 4,
    spatial: [size, size],
    channels: 3,
    input: randomValues(rng, 4 * size * size * 3, 0, 1),
    target: Uint8Array.from({ length: 4 * size * size }, () => (rng.next() < 0.5 ? 1 : 0)),
    mask: undefined,
  };
  // the projection's running mean after one step: 0.1 × the batch mean of conv(x) (n = 0: the k iterations start from it)
  const proj = tf.tidy(() => conv(2, tf.tensor(batch.input, [4, size, size, 3]), net.weights.get('projection.0.weight')!));
  const { mean } = channelStats(proj.dataSync() as Float32Array, ARCH.width);
  proj.dispose();
  // DT-L keeps its normalised kernels between steps (dtL.ts, iterationKernel): count after a first step
  const first = computeGradients(net, batch, { alpha: 1, maxIters: 3, draw: { n: 1, k: 2 } });
  tf.dispose([...first.grads.values()]);
  net.buffers.get('projection.norm.running_mean')!.assign(tf.zeros([ARCH.width]));
  const tensorsBefore = tf.memory().numTensors;
  const r = computeGradients(net, batch, { alpha: 1, maxIters: 3, draw: { n: 0, k: 3 } });
  assert.equal(net.training, false, 'back in inference mode');
  close(net.buffers.get('projection.norm.running_mean')!.dataSync(), mean.map((m) => 0.1 * m), 1e-5, 'projection running mean');
  for (const { prefix } of normLayers(ARCH)) {
    const n = batchNormNames(prefix);
    const g = r.grads.get(n.gamma);
    assert.ok(g && tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]) > 0, `${n.gamma} gets a gradient`);
    assert.ok(!r.grads.has(n.runningMean) && !r.grads.has(n.runningVar), `${prefix}: no gradient for the running statistics`);
  }
  tf.dispose([...r.grads.values()]);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'a step leaks no tensors');
  net.dispose();
});

test('DT-L with batch norm: a checkpoint keeps the running statistics, and inference uses them', async () => {
  const rng = new Rng(4);
  const net = createModel(ARCH, () => rng.next());
  net.buffers.get('head.0.norm.running_mean')!.assign(tf.tensor1d(randomValues(rng, 32)));
  net.buffers.get('head.0.norm.running_var')!.assign(tf.tensor1d(randomValues(rng, 32, 0.5, 2)));
  const x = tf.tensor(randomValues(rng, 1 * 7 * 7 * 3, 0, 1), [1, 7, 7, 3]);
  const out = (m: typeof net) => tf.tidy(() => m.forward(x, 4).logits.dataSync());
  const a = out(net);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtl-bn-'));
  try {
    await saveCheckpoint(dir, net, { problem: 'mazes' });
    const loaded = await loadCheckpoint(dir);
    assert.equal(loaded.model.arch.batchNorm, true);
    close(loaded.model.buffers.get('head.0.norm.running_mean')!.dataSync(), net.buffers.get('head.0.norm.running_mean')!.dataSync(), 0, 'running mean');
    close(out(loaded.model), a, 1e-6, 'logits after the round trip');
    // the statistics matter: with fresh ones the logits differ
    loaded.model.buffers.get('head.0.norm.running_var')!.assign(tf.onesLike(loaded.model.buffers.get('head.0.norm.running_var')!));
    assert.ok(Math.max(...Array.from(out(loaded.model), (v, i) => Math.abs(v - a[i]))) > 1e-3, 'inference depends on the running variance');
    loaded.model.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    x.dispose();
    net.dispose();
  }
});

test('batchNorm field: dt-l only, a boolean; a training config passes it to the architecture, off by default', () => {
  assert.throws(() => validateArchitecture({ ...ARCH, kind: 'dt-recall' }, 'm.json'), /m\.json: invalid architecture: batchNorm applies to dt-l only, not dt-recall/);
  assert.throws(() => validateArchitecture({ ...ARCH, batchNorm: 'yes' }, 'm.json'), /batchNorm must be true or false, got "yes"/);
  assert.equal(validateArchitecture({ ...ARCH }, 'm.json').batchNorm, true);
  assert.equal(architectureOf(resolveTrainConfig({ problem: 'mazes', model: 'dt-l', batchNorm: true })).batchNorm, true);
  assert.equal(architectureOf(resolveTrainConfig({ problem: 'mazes', model: 'dt-l' })).batchNorm, undefined);
  assert.throws(() => resolveTrainConfig({ problem: 'mazes', model: 'dt-recall', batchNorm: true }), /batchNorm applies to dt-l only, not dt-recall/);
});
