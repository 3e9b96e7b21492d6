import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import type { Weights } from '../../../../src/engine/models/blocks';
import { Rng } from '../../../../src/shared/rng';
import { encodeBatch } from '../../../../src/shared/problems/problem';
import { prefixSumsProblem } from '../../../../src/shared/problems/prefixSums';
import { generatePrefixSums } from '../../../../src/engine/data/prefixSums';
import { Optimizer, isRecurrentWeight, throttleGroups } from '../../../../src/engine/train/optimizer';
import { trainStep } from '../../../../src/engine/train/trainer';

function toyWeights(values: Record<string, number[]>): Weights {
  const w: Weights = new Map();
  for (const [name, v] of Object.entries(values)) w.set(name, tf.variable(tf.tensor1d(v), true, `${name}-${Math.random()}`));
  return w;
}

function grads(values: Record<string, number[]>): Map<string, tf.Tensor> {
  return new Map(Object.entries(values).map(([n, v]) => [n, tf.tensor1d(v)]));
}

function read(w: Weights, name: string): number[] {
  return Array.from(w.get(name)!.dataSync());
}

function close(actual: number[], expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < tol, `[${i}] ${a} vs ${expected[i]}`));
}

function dispose(w: Weights, g: Map<string, tf.Tensor>[], opt: Optimizer): void {
  for (const v of w.values()) v.dispose();
  for (const m of g) for (const t of m.values()) t.dispose();
  opt.dispose();
}

test('Adam: two steps match a hand computation (PyTorch semantics, L2 weight decay in the gradient)', async () => {
  await initBackend('wasm');
  const w = toyWeights({ p: [1, -2] });
  const opt = new Optimizer(w, { kind: 'adam', weightDecay: 0.1 });
  const g1 = grads({ p: [0.5, 0.1] });
  const g2 = grads({ p: [-0.2, 0.3] });
  const lr = 0.1;
  opt.step(g1, lr);
  // Step 1: g' = g + 0.1·p = [0.6, −0.1]; m = 0.1·g'; v = 0.001·g'²; bias-corrected m̂ = g', v̂ = g'².
  // p ← p − lr·g'/(|g'| + 1e-8) = p − 0.1·sign(g')  →  [0.9, −1.9]
  close(read(w, 'p'), [0.9, -1.9]);
  opt.step(g2, lr);
  // Step 2 (by hand): g' = [−0.2 + 0.09, 0.3 − 0.19] = [−0.11, 0.11]
  //   m = 0.9·[0.06, −0.01] + 0.1·[−0.11, 0.11] = [0.043, 0.002]
  //   v = 0.999·[0.00036, 0.00001] + 0.001·[0.0121, 0.0121] = [0.00037174, 0.00002209]
  //   m̂ = m / (1 − 0.9²);  v̂ = v / (1 − 0.999²)
  const m = [0.043, 0.002];
  const v = [0.00037174, 0.00002209];
  const expected = [0.9, -1.9].map((p, i) => p - (lr * (m[i] / 0.19)) / (Math.sqrt(v[i] / (1 - 0.999 ** 2)) + 1e-8));
  close(read(w, 'p'), expected, 1e-5);
  assert.equal(opt.steps, 2);
  dispose(w, [g1, g2], opt);
});

test('SGD with momentum 0.9: buffer starts at the first gradient; weight decay is added to the gradient', async () => {
  await initBackend('wasm');
  const w = toyWeights({ p: [1, 2] });
  const opt = new Optimizer(w, { kind: 'sgd', weightDecay: 0.5, momentum: 0.9 });
  const g1 = grads({ p: [1, 0] });
  const g2 = grads({ p: [0, 1] });
  opt.step(g1, 0.1);
  // g' = [1.5, 1]; buf = g'; p = [1 − 0.15, 2 − 0.1] = [0.85, 1.9]
  close(read(w, 'p'), [0.85, 1.9]);
  opt.step(g2, 0.1);
  // g' = [0.425, 1.95]; buf = 0.9·[1.5, 1] + g' = [1.775, 2.85]; p = [0.85 − 0.1775, 1.9 − 0.285]
  close(read(w, 'p'), [0.6725, 1.615]);
  dispose(w, [g1, g2], opt);
});

test('clip_grad_norm_: gradients scaled by maxNorm/(‖g‖ + 1e-6) over all weights together', async () => {
  await initBackend('wasm');
  const w = toyWeights({ a: [0, 0], b: [0] });
  const opt = new Optimizer(w, { kind: 'sgd', weightDecay: 0, momentum: 0, clipNorm: 1 });
  const g = grads({ a: [3, 0], b: [4] }); // global norm 5
  const { gradNorm } = opt.step(g, 1);
  assert.ok(Math.abs(gradNorm - 5) < 1e-6);
  const c = 1 / (5 + 1e-6);
  close(read(w, 'a'), [-3 * c, 0]);
  close(read(w, 'b'), [-4 * c]);
  // Below the threshold nothing is scaled.
  const small = grads({ a: [0.3, 0], b: [0.4] });
  opt.step(small, 1);
  close(read(w, 'a'), [-3 * c - 0.3, 0]);
  dispose(w, [g, small], opt);
});

test('param groups: the lr throttle runs the recurrent block at lr / maxIters', async () => {
  await initBackend('wasm');
  const arch = { kind: 'dt-recall' as const, dims: 1 as const, width: 4, inChannels: 1, maxIters: 10, blocks: 2 };
  const rng = new Rng(1);
  const model = createModel(arch, () => rng.next());
  const groups = throttleGroups(model.weights.keys(), arch.maxIters);
  assert.deepEqual(groups[0].names.sort(), [...model.weights.keys()].filter((n) => n.startsWith('recur_block')).sort());
  assert.ok(!isRecurrentWeight('projection.0.weight') && !isRecurrentWeight('head.0.weight'));
  assert.ok(isRecurrentWeight('layers.3.0.weight')); // the feed-forward net's untied copies
  const opt = new Optimizer(model.weights, { kind: 'sgd', weightDecay: 0, momentum: 0 }, groups);
  const before = new Map([...model.weights].map(([n, v]) => [n, Array.from(v.dataSync())]));
  const ones = new Map([...model.weights].map(([n, v]) => [n, tf.onesLike(v) as tf.Tensor]));
  opt.step(ones, 0.5);
  for (const [n, v] of model.weights) {
    const lr = n.startsWith('recur_block') ? 0.05 : 0.5;
    close(Array.from(v.dataSync()), before.get(n)!.map((x) => x - lr), 1e-6);
  }
  for (const t of ones.values()) t.dispose();
  opt.dispose();
  model.dispose();
});

test('optimizer state export/import continues identically', async () => {
  await initBackend('wasm');
  const a = toyWeights({ p: [1, -2, 3] });
  const b = toyWeights({ p: [1, -2, 3] });
  const optA = new Optimizer(a, { kind: 'adam', weightDecay: 2e-4 });
  const g = grads({ p: [0.3, -0.1, 0.2] });
  optA.step(g, 0.01);
  optA.step(g, 0.01);
  // b gets a's weights and state, then both take the same step.
  b.get('p')!.assign(a.get('p')!);
  const optB = new Optimizer(b, { kind: 'adam', weightDecay: 2e-4 });
  optB.importState(optA.exportState());
  optA.step(g, 0.01);
  optB.step(g, 0.01);
  assert.deepEqual(read(a, 'p'), read(b, 'p'));
  assert.throws(() => new Optimizer(b, { kind: 'sgd', weightDecay: 0 }).importState(optA.exportState()), /adam/);
  dispose(a, [g], optA);
  dispose(b, [], optB);
});

test('tensor count stays flat across training steps (Adam and SGD, progressive draws)', async () => {
  await initBackend('wasm');
  const arch = { kind: 'dt-recall' as const, dims: 1 as const, width: 8, inChannels: 1, maxIters: 6, blocks: 2 };
  const batch = encodeBatch(prefixSumsProblem, generatePrefixSums(12, 8, 1));
  for (const kind of ['adam', 'sgd'] as const) {
    const rng = new Rng(2);
    const model = createModel(arch, () => rng.next());
    const opt = new Optimizer(model.weights, { kind, weightDecay: 2e-4, clipNorm: 1 }, throttleGroups(model.weights.keys(), 6));
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) {
      await trainStep(model, batch, { optimizer: opt, lr: 1e-3, alpha: 0.5, maxIters: 6, rng });
      counts.push(tf.memory().numTensors);
    }
    // The first step creates the optimizer's state (Adam: 2 moments per weight; SGD: 1 momentum buffer per weight)
    // and nothing else survives a step.
    const perWeight = kind === 'adam' ? 2 : 1;
    assert.equal(counts[0] - before, perWeight * model.weights.size, `${kind}: ${before} → ${counts.join(', ')}`);
    assert.ok(counts.every((c) => c === counts[0]), `${kind}: ${counts.join(', ')}`);
    opt.dispose();
    model.dispose();
  }
});
