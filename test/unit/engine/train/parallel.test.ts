import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import type { Architecture } from '../../../../src/shared/architecture';
import { Rng } from '../../../../src/shared/rng';
import { encodeBatch } from '../../../../src/shared/problems/problem';
import { mazeProblem } from '../../../../src/shared/problems/maze';
import { prefixSumsProblem } from '../../../../src/shared/problems/prefixSums';
import { generateMazes } from '../../../../src/shared/maze/mazeGenerator';
import { generatePrefixSums } from '../../../../src/engine/data/prefixSums';
import { computeGradients, predictClass1, type GradientPlan } from '../../../../src/engine/train/progressiveLoss';
import { GradientWorkers, splitBatch } from '../../../../src/engine/train/parallel';
import { train } from '../../../../src/engine/train/trainer';

test('splitBatch: contiguous near-equal shards that reassemble the batch', () => {
  const batch = encodeBatch(prefixSumsProblem, generatePrefixSums(6, 7, 1));
  const shards = splitBatch(batch, 3);
  assert.deepEqual(shards.map((s) => s.n), [3, 2, 2]);
  assert.deepEqual(Array.from(shards.flatMap((s) => Array.from(s.input))), Array.from(batch.input));
  assert.deepEqual(Array.from(shards.flatMap((s) => Array.from(s.target))), Array.from(batch.target));
  assert.equal(splitBatch(batch, 10).length, 7); // never an empty shard
});

test('2 worker threads give the same loss, gradient and predictions as 1 thread (masked mazes, mixed loss)', async () => {
  await initBackend('wasm');
  const arch: Architecture = { kind: 'dt-recall', dims: 2, width: 6, inChannels: 3, maxIters: 4, blocks: 2 };
  const rng = new Rng(3);
  const model = createModel(arch, () => rng.next());
  // 5 mazes of size 3: an odd batch, so the shards (3 + 2) have different numbers of counted (non-wall) pixels and
  // an unweighted average of the shard gradients would be wrong.
  const batch = encodeBatch(mazeProblem, generateMazes(3, 5, 9));
  const plan: GradientPlan = { alpha: 0.5, maxIters: 4, draw: { n: 1, k: 2 } };
  const one = computeGradients(model, batch, plan);
  const workers = await GradientWorkers.start(model, 2);
  try {
    assert.equal(workers.threads, 2);
    workers.syncWeights(model);
    const two = await workers.computeGradients(batch, plan);
    assert.equal(two.count, one.count);
    assert.ok(Math.abs(two.loss - one.loss) < 1e-6, `loss ${two.loss} vs ${one.loss}`);
    let scale = 0;
    for (const g of one.grads.values()) for (const v of g.dataSync()) scale = Math.max(scale, Math.abs(v));
    assert.ok(scale > 1e-3, 'the gradient is not trivially zero');
    for (const [name, g1] of one.grads) {
      const a = g1.dataSync();
      const b = two.grads.get(name)!.dataSync();
      assert.equal(b.length, a.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * scale, `${name}[${i}]: ${a[i]} vs ${b[i]}`);
    }
    assert.deepEqual(two.grads.get('head.4.weight')!.shape, one.grads.get('head.4.weight')!.shape);
    for (let i = 0; i < one.class1.length; i++) assert.ok(Math.abs(one.class1[i] - two.class1[i]) < 1e-4);
    const p1 = predictClass1(model, batch.input, [batch.n, ...batch.spatial, batch.channels], 6);
    const p2 = await workers.predictClass1(batch, 6);
    for (let i = 0; i < p1.length; i++) assert.ok(Math.abs(p1[i] - p2[i]) < 1e-4);
    for (const g of [...one.grads.values(), ...two.grads.values()]) g.dispose();
  } finally {
    await workers.close();
    model.dispose();
  }
});

test('train() with 2 threads runs end to end and closely follows the 1-thread run', async () => {
  await initBackend('wasm');
  const config = {
    problem: 'prefix-sums' as const, size: 6, trainSize: 40, width: 8, maxIters: 4, epochs: 1, batchSize: 8, seed: 5, valSize: null,
  };
  const one = await train({ ...config, threads: 1 });
  const two = await train({ ...config, threads: 2 });
  assert.equal(two.threads, 2);
  assert.equal(two.steps, one.steps);
  // Same data, draws and (up to float rounding) gradients: the losses agree closely.
  assert.ok(Math.abs(two.history[0].loss - one.history[0].loss) < 1e-4, `${two.history[0].loss} vs ${one.history[0].loss}`);
  const a = one.bestWeights!.get('head.4.weight')!;
  const b = two.bestWeights!.get('head.4.weight')!;
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4);
});

test('train() with batch norm trains in one thread when asked for 2, says so, and returns the running statistics', async () => {
  await initBackend('wasm');
  const logs: string[] = [];
  const config = {
    problem: 'prefix-sums' as const, model: 'dt-l' as const, batchNorm: true, size: 6, trainSize: 40, width: 8, maxIters: 4, epochs: 1,
    batchSize: 8, seed: 5, valSize: null,
  };
  const r = await train({ ...config, threads: 2 }, { log: (m: string) => logs.push(m) });
  assert.equal(r.threads, 1);
  assert.ok(logs.some((m) => /batch norm keeps running statistics .* training in this thread instead of 2/.test(m)), logs.join('\n'));
  // the workers would have moved only their own copies: here the saved net's running mean has left its initial 0
  const mean = r.bestWeights!.get('projection.norm.running_mean')!;
  assert.ok(mean.some((v) => v !== 0), 'running mean updated');
});
