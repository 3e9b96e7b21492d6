import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import { nestedShape, toChannelsFirst, toChannelsLast, traceLogits } from '../../../../src/engine/checkpoint/trace';

test('NCHW ↔ NHWC conversion', () => {
  // x[n][c][h][w] = 1000n + 100c + 10h + w, N=2, C=3, H=2, W=4
  const x = [0, 1].map((n) => [0, 1, 2].map((c) => [0, 1].map((h) => [0, 1, 2, 3].map((w) => 1000 * n + 100 * c + 10 * h + w))));
  const { data, shape } = toChannelsLast(x);
  assert.deepEqual(shape, [2, 2, 4, 3]);
  // NHWC index of (n=1, h=1, w=2, c=1) = ((1*2+1)*4+2)*3+1
  assert.equal(data[((1 * 2 + 1) * 4 + 2) * 3 + 1], 1112);
  assert.equal(data[0], 0);
  assert.equal(data[1], 100);
  assert.deepEqual(toChannelsFirst(data, shape), x);
  // 1-D: NCW
  const y = [[[1, 2, 3]], [[4, 5, 6]]];
  const c = toChannelsLast(y);
  assert.deepEqual(c.shape, [2, 3, 1]);
  assert.deepEqual(toChannelsFirst(c.data, c.shape), y);
});

test('ragged or non-numeric input is rejected with its path', () => {
  assert.throws(() => nestedShape([[[1, 2]], [[1]]]), /input\[1\]\[0\]: expected an array of 2, got an array of 1/);
  assert.throws(() => nestedShape([[[1, 'a']]]), /input\[0\]\[0\]\[1\]: expected a finite number, got "a"/);
  assert.throws(() => toChannelsLast([[1, 2]]), /expected NCW \(3 dims\) or NCHW \(4 dims\), got shape \[1,2\]/);
});

test('traceLogits checks the input against the net and returns only the requested iterations', async () => {
  await initBackend('wasm');
  let s = 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const model = createModel({ kind: 'dt-recall', dims: 1, width: 4, inChannels: 1, maxIters: 3, blocks: 1 }, rand);
  try {
    const x = [[[0.5, -0.5, 0.5, 0.5, -0.5]]];
    const { logits } = await traceLogits(model, x, [3, 1, 3]);
    assert.deepEqual(Object.keys(logits).sort(), ['1', '3']);
    assert.deepEqual(nestedShape(logits['3']), [1, 2, 5]);
    // Same numbers as a direct forward pass (NWC → NCW).
    const { tf } = await import('../../../../src/engine/tf');
    const xt = tf.tensor(Float32Array.from([0.5, -0.5, 0.5, 0.5, -0.5]), [1, 5, 1]);
    const { logits: direct, thought } = model.forward(xt, 3);
    const d = await direct.data();
    tf.dispose([xt, direct, thought]);
    const got = logits['3'] as number[][][];
    for (let p = 0; p < 5; p++) for (let c = 0; c < 2; c++) assert.equal(got[0][c][p], d[p * 2 + c]);
    await assert.rejects(traceLogits(model, [[[[1]]]], [1]), /a 1-D net needs NCW input \(3 dims\), got 4 dims/);
    await assert.rejects(traceLogits(model, [[[1], [2]]], [1]), /the net has 1 input channel\(s\), the input has 2/);
    await assert.rejects(traceLogits(model, x, [0]), /iterations must be positive integers/);
  } finally {
    model.dispose();
  }
});
