import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import type { DTNet } from '../../../../src/engine/models/dtNet';
import type { Architecture } from '../../../../src/shared/architecture';
import { Rng } from '../../../../src/shared/rng';
import { encodeBatch, type Batch } from '../../../../src/shared/problems/problem';
import { prefixSumsProblem } from '../../../../src/shared/problems/prefixSums';
import { mazeProblem } from '../../../../src/shared/problems/maze';
import { generatePrefixSums } from '../../../../src/engine/data/prefixSums';
import { generateMazes } from '../../../../src/shared/maze/mazeGenerator';
import { batchCrossEntropy, computeGradients, drawNK, type GradientPlan } from '../../../../src/engine/train/progressiveLoss';

const arch1d: Architecture = { kind: 'dt-recall', dims: 1, width: 6, inChannels: 1, maxIters: 5, blocks: 2 };

function tinyModel(arch: Architecture, seed = 7): DTNet {
  const rng = new Rng(seed);
  return createModel(arch, () => rng.next());
}

function lossOf(model: DTNet, batch: Batch, plan: GradientPlan): number {
  const r = computeGradients(model, batch, plan);
  for (const g of r.grads.values()) g.dispose();
  return r.loss;
}

function gradsOf(model: DTNet, batch: Batch, plan: GradientPlan): Map<string, Float32Array> {
  const r = computeGradients(model, batch, plan);
  const out = new Map<string, Float32Array>();
  for (const [n, g] of r.grads) {
    out.set(n, g.dataSync() as Float32Array);
    g.dispose();
  }
  return out;
}

test('drawNK: n ∈ [0, maxIters), k ∈ [1, maxIters − n], both uniform as randrange draws them', () => {
  for (const maxIters of [1, 2, 5, 30]) {
    const rng = new Rng(maxIters);
    for (let i = 0; i < 5000; i++) {
      const { n, k } = drawNK(maxIters, rng);
      assert.ok(Number.isInteger(n) && n >= 0 && n < maxIters, `n=${n} for maxIters=${maxIters}`);
      assert.ok(Number.isInteger(k) && k >= 1 && k <= maxIters - n, `k=${k} for n=${n}, maxIters=${maxIters}`);
    }
  }
  // Distribution for maxIters = 5: P(n) = 1/5; P(k | n) = 1/(5 − n). Counts within 10 % of expectation.
  const rng = new Rng(123);
  const N = 50_000;
  const counts = new Map<string, number>();
  const nCounts = [0, 0, 0, 0, 0];
  for (let i = 0; i < N; i++) {
    const { n, k } = drawNK(5, rng);
    nCounts[n]++;
    counts.set(`${n},${k}`, (counts.get(`${n},${k}`) ?? 0) + 1);
  }
  for (let n = 0; n < 5; n++) {
    assert.ok(Math.abs(nCounts[n] - N / 5) < 0.1 * (N / 5), `n=${n}: ${nCounts[n]}`);
    for (let k = 1; k <= 5 - n; k++) {
      const expected = N / 5 / (5 - n);
      const got = counts.get(`${n},${k}`) ?? 0;
      assert.ok(Math.abs(got - expected) < 0.1 * expected, `(n=${n}, k=${k}): ${got} vs ${expected.toFixed(0)}`);
    }
  }
  assert.equal(counts.size, 15); // every legal pair occurs, nothing else
  // Same seed, same draws.
  const a = new Rng(5);
  const b = new Rng(5);
  for (let i = 0; i < 100; i++) assert.deepEqual(drawNK(30, a), drawNK(30, b));
  assert.throws(() => drawNK(0, new Rng(1)), /maxIters/);
});

test('cross-entropy: per-position 2-class CE, mean over unmasked positions', async () => {
  await initBackend('wasm');
  // 1 example, 3 positions: logits (l0, l1), targets 1, 0, 1; mask 1, 1, 0.
  const logits = tf.tensor([0, 2, 1, -1, 3, 0], [1, 3, 2]);
  const batch: Batch = { input: new Float32Array(3), target: Uint8Array.from([1, 0, 1]), mask: Uint8Array.from([1, 1, 0]), spatial: [3], n: 1, channels: 1 };
  const ce = (l0: number, l1: number, t: number) => -Math.log(Math.exp(t ? l1 : l0) / (Math.exp(l0) + Math.exp(l1)));
  const expected = (ce(0, 2, 1) + ce(1, -1, 0)) / 2;
  assert.ok(Math.abs(batchCrossEntropy(logits, batch) - expected) < 1e-6);
  // Without a mask every position counts.
  const all = (ce(0, 2, 1) + ce(1, -1, 0) + ce(3, 0, 1)) / 3;
  assert.ok(Math.abs(batchCrossEntropy(logits, { ...batch, mask: undefined }) - all) < 1e-6);
  // Large logits stay finite (softplus form).
  const big = tf.tensor([0, 200, 200, 0], [1, 2, 2]);
  const v = batchCrossEntropy(big, { ...batch, target: Uint8Array.from([0, 1]), mask: undefined, spatial: [2], input: new Float32Array(2) });
  assert.ok(Math.abs(v - 200) < 1e-3, `${v}`);
  tf.dispose([logits, big]);
});

test('full-unroll gradient (α = 0) matches finite differences', async () => {
  await initBackend('wasm');
  const model = tinyModel(arch1d);
  const batch = encodeBatch(prefixSumsProblem, generatePrefixSums(7, 4, 3));
  const plan: GradientPlan = { alpha: 0, maxIters: 3, draw: { n: 0, k: 3 } };
  const grads = gradsOf(model, batch, plan);
  const eps = 1e-2;
  let checked = 0;
  for (const name of ['projection.0.weight', 'recur_block.0.weight', 'recur_block.2.1.conv2.weight', 'head.4.weight']) {
    const v = model.weights.get(name)!;
    const base = v.dataSync().slice() as Float32Array;
    for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
      const at = (delta: number) => {
        const w = base.slice();
        w[i] += delta;
        tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
        return lossOf(model, batch, plan);
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      const analytic = grads.get(name)![i];
      assert.ok(Math.abs(numeric - analytic) < 2e-3 + 0.05 * Math.abs(numeric), `${name}[${i}]: analytic ${analytic} vs numeric ${numeric}`);
      checked++;
    }
  }
  assert.equal(checked, 12);
  model.dispose();
});

test('progressive term: the n first iterations are detached; the loss mixes both terms with α', async () => {
  await initBackend('wasm');
  const model = tinyModel(arch1d);
  const batch = encodeBatch(prefixSumsProblem, generatePrefixSums(9, 5, 4));
  const draw = { n: 2, k: 2 };
  // n > 0: no gradient reaches the projection from the progressive term (the paper's .detach()).
  const prog = gradsOf(model, batch, { alpha: 1, maxIters: 5, draw });
  assert.ok(prog.get('projection.0.weight')!.every((g) => g === 0));
  assert.ok(prog.get('recur_block.0.weight')!.some((g) => g !== 0));
  // n = 0: the k iterations start from the projection, which then gets a gradient.
  const fromStart = gradsOf(model, batch, { alpha: 1, maxIters: 5, draw: { n: 0, k: 2 } });
  assert.ok(fromStart.get('projection.0.weight')!.some((g) => g !== 0));

  // Detaching ≠ not running: the progressive loss after n detached iterations equals the loss of n + k plain
  // iterations (same forward), while its gradient differs from the (n+k)-iteration full unroll's.
  const progLoss = lossOf(model, batch, { alpha: 1, maxIters: 5, draw });
  const plainLoss = lossOf(model, batch, { alpha: 0, maxIters: 4, draw });
  assert.ok(Math.abs(progLoss - plainLoss) < 1e-6, `${progLoss} vs ${plainLoss}`);
  const plain = gradsOf(model, batch, { alpha: 0, maxIters: 4, draw });
  assert.ok(plain.get('projection.0.weight')!.some((g) => g !== 0));

  // α mixes: L(α) = (1 − α)·L_full + α·L_prog, and so do the gradients.
  const full = gradsOf(model, batch, { alpha: 0, maxIters: 5, draw });
  const lFull = lossOf(model, batch, { alpha: 0, maxIters: 5, draw });
  const alpha = 0.3;
  const mixed = gradsOf(model, batch, { alpha, maxIters: 5, draw });
  const lMixed = lossOf(model, batch, { alpha, maxIters: 5, draw });
  assert.ok(Math.abs(lMixed - ((1 - alpha) * lFull + alpha * progLoss)) < 1e-6);
  for (const [name, g] of mixed) {
    const f = full.get(name)!;
    const p = prog.get(name)!;
    for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - ((1 - alpha) * f[i] + alpha * p[i])) < 1e-5, `${name}[${i}]`);
  }
  model.dispose();
});

test('maze loss ignores wall pixels (Problem.lossMask)', async () => {
  await initBackend('wasm');
  const arch: Architecture = { kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 3, blocks: 1 };
  const model = tinyModel(arch);
  const batch = encodeBatch(mazeProblem, generateMazes(3, 2, 5));
  assert.ok(batch.mask && batch.mask.includes(0) && batch.mask.includes(1));
  const plan: GradientPlan = { alpha: 0, maxIters: 2, draw: { n: 0, k: 2 } };
  const base = lossOf(model, batch, plan);
  // Flip the target wherever the mask is 0: the loss must not move. Flip one counted pixel: it must.
  const flippedMasked = { ...batch, target: batch.target.map((t, i) => (batch.mask![i] ? t : 1 - t)) };
  assert.equal(lossOf(model, flippedMasked, plan), base);
  const i = batch.mask!.indexOf(1);
  const flippedCounted = { ...batch, target: batch.target.map((t, j) => (j === i ? 1 - t : t)) };
  assert.notEqual(lossOf(model, flippedCounted, plan), base);
  // The counted positions are the mask's ones.
  const r = computeGradients(model, batch, plan);
  assert.equal(r.count, batch.mask!.reduce((a, b) => a + b, 0));
  for (const g of r.grads.values()) g.dispose();
  model.dispose();
});
