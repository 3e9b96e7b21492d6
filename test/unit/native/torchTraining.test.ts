/**
 * The training step on the torch backend: the gradients of the whole progressive loss (DT-recall 2-D with a mask,
 * and 1-D) equal the cpu backend's within 1e-4 relative, and tensors (tfjs's count and the addon's) stay flat
 * across optimizer steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../src/engine/tf';
import { createModel } from '../../../src/engine/models/createModel';
import { computeGradients } from '../../../src/engine/train/progressiveLoss';
import { Optimizer } from '../../../src/engine/train/optimizer';
import { trainStep } from '../../../src/engine/train/trainer';
import { Rng } from '../../../src/shared/rng';
import type { Architecture } from '../../../src/shared/architecture';
import type { Batch } from '../../../src/shared/problems/problem';
import type { TorchBackend } from '../../../src/engine/backends/torch';
import { skipReason } from './torchHarness';

function setup(dims: 1 | 2) {
  const rng = new Rng(dims);
  const arch: Architecture = { kind: 'dt-recall', dims, width: 8, inChannels: dims === 2 ? 3 : 1, maxIters: 4, blocks: 2 };
  const spatial = dims === 2 ? [7, 7] : [10];
  const n = 3;
  const positions = n * spatial.reduce((a, b) => a * b, 1);
  const batch: Batch = {
    input: Float32Array.from({ length: positions * arch.inChannels }, () => rng.int(2)),
    target: Uint8Array.from({ length: positions }, () => rng.int(2)),
    mask: dims === 2 ? Uint8Array.from({ length: positions }, () => (rng.next() < 0.7 ? 1 : 0)) : undefined,
    spatial,
    n,
    channels: arch.inChannels,
  };
  const init = new Rng(10 + dims);
  const weights = createModel(arch, () => init.next());
  return { arch, batch, weights };
}

/** Gradients by weight name on the active backend, for the same weights and batch. */
async function gradients(arch: Architecture, weights: Map<string, Float32Array>, batch: Batch) {
  const model = createModel(arch, weights);
  const r = computeGradients(model, batch, { alpha: 0.5, maxIters: arch.maxIters, draw: { n: 1, k: 2 } });
  const out = new Map<string, Float32Array>();
  for (const [name, g] of r.grads) out.set(name, g.dataSync() as Float32Array), g.dispose();
  model.dispose();
  return { grads: out, loss: r.loss };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) (num += (a[i] - b[i]) ** 2), (den += b[i] ** 2);
  return Math.sqrt(num / Math.max(den, 1e-30));
}

test('a training step gives the cpu backend\'s gradients (1e-4 relative), 2-D and 1-D', { skip: skipReason }, async () => {
  await initBackend('torch'); // customConvGrad off: conv gradients are libtorch's Conv2DBackprop* kernels
  for (const dims of [2, 1] as const) {
    const { arch, batch, weights: seeded } = setup(dims);
    const weights = await seeded.exportWeights();
    seeded.dispose();
    await tf.setBackend('torch');
    const torch = await gradients(arch, weights, batch);
    await tf.setBackend('cpu');
    const cpu = await gradients(arch, weights, batch);
    await tf.setBackend('torch');
    assert.ok(Math.abs(torch.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `${dims}-D loss ${torch.loss} vs ${cpu.loss}`);
    assert.equal(torch.grads.size, cpu.grads.size);
    for (const [name, g] of cpu.grads) {
      const e = relErr(torch.grads.get(name)!, g);
      assert.ok(e <= 1e-4, `${dims}-D ${name}: relative error ${e}`);
      assert.ok(g.some((v) => v !== 0), `${dims}-D ${name}: the reference gradient is all zeros`);
    }
  }
  const backend = tf.findBackend('torch') as TorchBackend;
  assert.deepEqual([...backend.fallbacksUsed], [], 'no kernel of the training step should need the cpu fallback');
});

test('DT-L with batch norm: a training step gives the cpu backend\'s gradients and running statistics, 2-D and 1-D', { skip: skipReason }, async () => {
  await initBackend('torch');
  for (const dims of [2, 1] as const) {
    const { arch: recall, batch } = setup(dims);
    const arch: Architecture = { ...recall, kind: 'dt-l', spectralNorm: 'matrix', batchNorm: true };
    const init = new Rng(20 + dims);
    const seeded = createModel(arch, () => init.next());
    const weights = await seeded.exportWeights();
    seeded.dispose();
    const step = async () => {
      const model = createModel(arch, weights);
      const r = computeGradients(model, batch, { alpha: 0.5, maxIters: arch.maxIters, draw: { n: 1, k: 2 } });
      const grads = new Map<string, Float32Array>();
      for (const [name, g] of r.grads) grads.set(name, g.dataSync() as Float32Array), g.dispose();
      const buffers = new Map([...model.buffers].map(([name, v]) => [name, v.dataSync() as Float32Array]));
      model.dispose();
      return { grads, buffers, loss: r.loss };
    };
    await tf.setBackend('torch');
    const torch = await step();
    await tf.setBackend('cpu');
    const cpu = await step();
    await tf.setBackend('torch');
    assert.ok(Math.abs(torch.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `${dims}-D loss ${torch.loss} vs ${cpu.loss}`);
    for (const [name, g] of cpu.grads) {
      const e = relErr(torch.grads.get(name)!, g);
      assert.ok(e <= 1e-4, `${dims}-D ${name}: relative error ${e}`);
    }
    assert.ok(cpu.buffers.size > 0);
    for (const [name, b] of cpu.buffers) {
      const e = relErr(torch.buffers.get(name)!, b);
      assert.ok(e <= 1e-5, `${dims}-D ${name}: relative error ${e}`);
    }
  }
});

test('tensor counts (tfjs and native) stay flat across training steps', { skip: skipReason }, async () => {
  await initBackend('torch');
  await tf.setBackend('torch');
  const backend = tf.backend() as TorchBackend;
  const { arch, batch, weights: model } = setup(2);
  const optimizer = new Optimizer(model.weights, { kind: 'adam', weightDecay: 2e-4, clipNorm: 1 });
  const rng = new Rng(5);
  const step = () => trainStep(model, { ...batch }, { optimizer, lr: 1e-3, alpha: 0.5, maxIters: arch.maxIters, rng });
  await step(); // creates Adam's state
  const counts = () => ({ tfjs: tf.memory().numTensors, native: backend.memory().nativeTensors, ids: backend.numDataIds() });
  const before = counts();
  for (let i = 0; i < 3; i++) await step();
  assert.deepEqual(counts(), before);
  assert.equal(before.native, before.ids, 'every native tensor belongs to a live DataId');
  optimizer.dispose();
  model.dispose();
});
