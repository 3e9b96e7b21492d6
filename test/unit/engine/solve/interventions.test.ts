import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { DTNet } from '../../../../src/engine/models/dtNet';
import { Rng } from '../../../../src/shared/rng';
import {
  addRelativeNoise,
  checkSwapCompatible,
  continueWithInput,
  perturbThought,
  zeroRandomFraction,
} from '../../../../src/engine/solve/interventions';

const arch = { kind: 'dt-recall', dims: 2, width: 6, inChannels: 3, maxIters: 5, blocks: 1 } as const;

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.next()), shape);
}

test('perturbations of strength 0 are the identity; zero-fraction 1 zeros everything', async () => {
  await initBackend('wasm');
  const t = randomTensor([2, 4, 4, 6], 1);
  const before = tf.memory().numTensors;
  for (const mode of ['noise', 'zero'] as const) {
    const p = perturbThought(t, mode, 0, 42);
    assert.deepEqual(Array.from(await p.data()), Array.from(await t.data()), mode);
    p.dispose();
  }
  const z = zeroRandomFraction(t, 1, 7);
  assert.ok((await z.data()).every((v) => v === 0));
  z.dispose();
  assert.equal(tf.memory().numTensors, before, 'helpers leak no tensors');
  assert.ok(!t.isDisposed, 'the input is not consumed');
  assert.throws(() => zeroRandomFraction(t, 1.5, 1), /zero fraction must be a number in \[0, 1\]/);
  assert.throws(() => perturbThought(t, 'blur' as 'noise', 1, 1), /unknown perturbation mode/);
});

test('zeroRandomFraction zeros about the asked fraction, reproducibly from the seed', async () => {
  await initBackend('wasm');
  const t = tf.ones([1, 40, 50, 10]);
  const a = (await zeroRandomFraction(t, 0.3, 5).data()) as Float32Array;
  const zeros = a.reduce((s, v) => s + (v === 0 ? 1 : 0), 0) / a.length;
  assert.ok(Math.abs(zeros - 0.3) < 0.02, `zeroed ${zeros}`);
  assert.deepEqual(Array.from(await zeroRandomFraction(t, 0.3, 5).data()), Array.from(a));
  assert.notDeepEqual(Array.from(await zeroRandomFraction(t, 0.3, 6).data()), Array.from(a));
});

test('addRelativeNoise scales with each example RMS', async () => {
  await initBackend('wasm');
  // example 0 has RMS 1, example 1 has RMS 10: noise std must be strength × RMS.
  const t = tf.concat([tf.ones([1, 50, 50, 8]), tf.fill([1, 50, 50, 8], 10)], 0);
  const noisy = addRelativeNoise(t, 0.5, 3);
  const diff = tf.sub(noisy, t);
  const std = Array.from(await tf.sqrt(tf.mean(tf.square(diff.reshape([2, -1])), 1)).data());
  assert.ok(Math.abs(std[0] - 0.5) < 0.02 && Math.abs(std[1] - 5) < 0.2, `noise std ${std}`);
});

test('continueWithInput = stepping the same thought with the new input', async () => {
  await initBackend('wasm');
  const rng = new Rng(11);
  const model = new DTNet(arch, () => rng.next());
  const x = randomTensor([1, 6, 6, 3], 2);
  const x2 = randomTensor([1, 6, 6, 3], 3);
  // think 3 iterations on x, keep the thought
  let thought: tf.Tensor | undefined;
  for (const s of model.think(x, 3)) if (s.iteration === 3) thought = tf.clone(s.thought);
  // continue 2 iterations with x2 from iteration 3
  const got: Float32Array[] = [];
  for (const s of continueWithInput(model, thought!, x2, 2, 3)) got.push((await s.logits.data()) as Float32Array);
  // manual: step(thought, x2, 3), step(·, x2, 4), head
  const t4 = model.step(thought!, x2, 3);
  const t5 = model.step(t4, x2, 4);
  assert.deepEqual(Array.from(got[0]), Array.from(await model.head(t4).data()));
  assert.deepEqual(Array.from(got[1]), Array.from(await model.head(t5).data()));
  // and it differs from continuing on the old input (the swap matters)
  const same = model.head(model.step(thought!, x, 3));
  assert.notDeepEqual(Array.from(got[0]), Array.from(await same.data()));
  assert.ok(!thought!.isDisposed, 'the thought is not consumed');
  assert.throws(() => checkSwapCompatible(thought!, tf.zeros([1, 8, 6, 3])), /new input is \[8×6\].*\[6×6\]/);
  model.dispose();
});

test('perturbRegion touches the thought only under the mask; mazeRegionMask covers the brushed units', async () => {
  const { perturbRegion, mazeRegionMask } = await import('../../../../src/engine/solve/interventions');
  await initBackend('wasm');
  // A 3×3 maze is an 8×8 image; unit (1, 1) owns pixels (3..4, 3..4), plus a one-pixel margin (2..5).
  const m = mazeRegionMask(3, 3, [[1, 1]]);
  assert.equal(m.length, 64);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) assert.equal(m[y * 8 + x], y >= 2 && y <= 5 && x >= 2 && x <= 5 ? 1 : 0, `pixel ${y},${x}`);
  }
  assert.equal(mazeRegionMask(3, 3, [[9, 9]]).reduce((a, b) => a + b, 0), 0, 'cells outside the maze are ignored');
  const t = randomTensor([1, 8, 8, 6], 3);
  const mask = tf.tensor(m, [1, 8, 8, 1]);
  const before = tf.memory().numTensors;
  const p = perturbRegion(t, mask, 'zero', 1, 5);
  const a = await t.data();
  const b = await p.data();
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      for (let k = 0; k < 6; k++) {
        const i = (y * 8 + x) * 6 + k;
        if (m[y * 8 + x]) assert.equal(b[i], 0, 'erased under the brush');
        else assert.equal(b[i], a[i], 'untouched elsewhere');
      }
    }
  }
  p.dispose();
  assert.equal(tf.memory().numTensors, before + 0, 'no leaked tensors');
  mask.dispose();
  t.dispose();
});
