/**
 * The fused optimizer kernels (native/src/optim.cc through src/engine/train/fusedAdam.ts): Adam on the torch backend
 * gives the weights, moments and gradient norm of optimizer.ts's composition on the cpu backend (PyTorch's
 * semantics: coupled weight decay, clipping, per-group lr), in one kernel per step; tensor counts stay flat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../src/engine/tf';
import { Optimizer } from '../../../src/engine/train/optimizer';
import { FUSED_ADAM_KERNEL, SUM_SQUARES_KERNEL, hasKernel } from '../../../src/engine/train/fusedAdam';
import type { TorchBackend } from '../../../src/engine/backends/torch';
import { maxRelDiff, skipReason, values } from './torchHarness';

const SHAPES: Record<string, number[]> = { 'projection.0.weight': [3, 3, 2, 4], 'recur_block.0.weight': [3, 6, 4], 'head.0.weight': [5] };

/** Three Adam steps from fixed weights and gradients; the weights, state and norms after them. */
function run(clipNorm: number | null) {
  const weights = new Map<string, tf.Variable>();
  let seed = 1;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const t = tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed++), shape);
    weights.set(name, tf.variable(t, true, `${name}#adam-test-${seed}`));
    t.dispose();
  }
  const opt = new Optimizer(weights, { kind: 'adam', weightDecay: 2e-4, clipNorm }, [{ names: ['recur_block.0.weight'], lrScale: 0.25 }]);
  const norms: number[] = [];
  for (let s = 0; s < 3; s++) {
    const grads = new Map<string, tf.Tensor>();
    for (const [name, shape] of Object.entries(SHAPES)) grads.set(name, tf.tensor(values(shape.reduce((a, b) => a * b, 1), 100 * s + seed++, -2, 2), shape));
    norms.push(opt.step(grads, 1e-2).gradNorm);
    tf.dispose([...grads.values()]);
  }
  const out = new Map<string, Float32Array>();
  for (const [name, w] of weights) out.set(name, w.dataSync() as Float32Array);
  const state = opt.exportState();
  opt.dispose();
  for (const w of weights.values()) w.dispose();
  return { weights: out, state, norms };
}

test('fused Adam gives the composition\'s weights, moments and norms (cpu backend), with and without clipping', { skip: skipReason }, async () => {
  await initBackend('torch');
  for (const clip of [null, 0.5]) {
    await tf.setBackend('torch');
    assert.ok(hasKernel(FUSED_ADAM_KERNEL) && hasKernel(SUM_SQUARES_KERNEL));
    const fused = run(clip);
    await tf.setBackend('cpu');
    assert.equal(hasKernel(FUSED_ADAM_KERNEL), false);
    const composed = run(clip);
    await tf.setBackend('torch');
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(fused.norms[i] - composed.norms[i]) <= 1e-5 * composed.norms[i], `clip ${clip} norm ${i}`);
    for (const [name, w] of composed.weights) {
      const d = maxRelDiff(fused.weights.get(name)!, w);
      assert.ok(d <= 1e-5, `clip ${clip} ${name}: ${d}`);
    }
    assert.equal(fused.state.step, 3);
    assert.deepEqual([...fused.state.tensors.keys()].sort(), [...composed.state.tensors.keys()].sort());
    for (const [key, v] of composed.state.tensors) {
      const d = maxRelDiff(fused.state.tensors.get(key)!, v);
      assert.ok(d <= 1e-5, `clip ${clip} ${key}: ${d}`);
    }
  }
});

test('fused Adam is one kernel per step and keeps tensor counts flat', { skip: skipReason }, async () => {
  await initBackend('torch');
  await tf.setBackend('torch');
  const backend = tf.backend() as TorchBackend;
  const w = tf.variable(tf.ones([4, 3]), true, 'adam-count-test');
  const opt = new Optimizer(new Map([['w', w]]), { kind: 'adam', weightDecay: 0 });
  const g = tf.fill([4, 3], 0.5);
  const step = () => opt.step(new Map([['w', g]]), 0.1);
  step();
  const counts = () => ({ tfjs: tf.memory().numTensors, native: backend.memory().nativeTensors });
  const before = counts();
  const info = await tf.profile(() => {
    step();
  });
  for (let i = 0; i < 3; i++) step();
  assert.deepEqual(counts(), before);
  assert.equal(info.kernels.filter((k) => k.name === FUSED_ADAM_KERNEL).length, 1, info.kernels.map((k) => k.name).join(' '));
  assert.ok(!info.kernels.some((k) => k.name === 'Multiply'), info.kernels.map((k) => k.name).join(' '));
  // PyTorch's first step from p = 1, g = 0.5, lr 0.1: p − lr·m̂/(√v̂ + ε) = 1 − 0.1 (m̂ = g, √v̂ = |g|); then the same sign.
  assert.ok(Math.abs((w.dataSync() as Float32Array)[0] - (1 - 0.1 * 5)) < 1e-4, `after 5 steps: ${w.dataSync()[0]}`);
  tf.dispose([g, w]);
  opt.dispose();
});
