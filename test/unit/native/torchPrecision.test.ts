// bfloat16 convolutions on the torch backend (infer/precision.ts, native/src/conv.cc) and the editor's warm start
// that uses them (eval/warmStartThinking.ts). Skipped without the addon, or on a CPU without native bfloat16.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../../../src/engine/tf';
import { skipReason, useTorch, values } from './torchHarness';
import { bfloat16Unavailable, resolvePrecision, withPrecision } from '../../../src/engine/solve/precision';
import type { TorchBackend } from '../../../src/engine/backends/torch';
import { generateMaze } from '../../../src/shared/maze/mazeGenerator';
import { serializeMaze } from '../../../src/shared/maze/mazeFormat';
import { SolveSession } from '../../../src/engine/solve/solveSession';
import { repoPath } from '../repo';

async function bf16Skip(): Promise<string | false> {
  if (skipReason) return skipReason;
  await useTorch();
  return bfloat16Unavailable() ?? false;
}

const conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.tidy(() => tf.relu(tf.conv2d(x, w, 1, 'same')));

test('bfloat16 convolutions: close to float32, really reduced, read as float32, scoped, no leak', async (t) => {
  const why = await bf16Skip();
  if (why) return t.skip(why);
  const x = tf.tensor4d(values(2 * 20 * 20 * 8, 1, -1, 1), [2, 20, 20, 8]);
  const w = tf.tensor4d(values(3 * 3 * 8 * 16, 2, -0.3, 0.3), [3, 3, 8, 16]);
  const addon = (tf.backend() as unknown as TorchBackend).addon;
  const live = addon.memory().live;
  const f32 = conv(x, w);
  const bf = withPrecision('bfloat16', () => conv(x, w));
  assert.equal(bf.dtype, 'float32');
  const [a, b] = [f32.dataSync() as Float32Array, bf.dataSync() as Float32Array];
  assert.ok(b instanceof Float32Array);
  let worst = 0;
  let differ = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i])));
    if (a[i] !== b[i]) differ++;
  }
  // bfloat16 has an 8-bit mantissa: inputs and weights rounded to ~0.4 %, accumulated in float32 by oneDNN.
  assert.ok(worst < 0.03, `bfloat16 conv differs from float32 by ${worst} (relative)`);
  assert.ok(differ > a.length / 4, `only ${differ} of ${a.length} values differ: was it really bfloat16?`);
  // Values stored as bfloat16 have 16 zero low bits once widened.
  const bits = new Uint32Array(b.buffer, b.byteOffset, b.length);
  assert.ok(bits.every((v) => (v & 0xffff) === 0), 'the conv output is bfloat16 values');
  // The setting is scoped: afterwards (also after a throw) convolutions are float32 again, bit for bit.
  assert.throws(() => withPrecision('bfloat16', () => { throw new Error('boom'); }), /boom/);
  const again = conv(x, w);
  assert.deepEqual(again.dataSync(), f32.dataSync());
  tf.dispose([f32, bf, again]);
  assert.equal(addon.memory().live, live, 'only x and w remain');
  tf.dispose([x, w]);
  assert.equal(addon.memory().live, live - 2);
  assert.equal(resolvePrecision('auto'), 'bfloat16');
});

test('bundled maze model, 59×59 on libtorch: the editor starts in bfloat16, hands over to float32 tiles, and solves', async (t) => {
  const why = await bf16Skip();
  if (why) return t.skip(why);
  const bundled = repoPath('media/models/mazes');
  if (!existsSync(path.join(bundled, 'model.json'))) return t.skip('no bundled mazes model');
  const { loadCheckpoint } = await import('../../../src/engine/checkpoint/store');
  const { model } = await loadCheckpoint(bundled);
  const grid = generateMaze(59, 7);
  const before = tf.memory().numTensors;
  // tileMinPixels 0: 59×59 (124×124 px) is below the native default of 256×256 px. With the default threshold
  // this maze hands over only at its halt (510); 5 % makes the float32 tiles do a real part of the work.
  const s = new SolveSession('s', model, { tileMinPixels: 0, warmStart: { switchBelow: 0.05 }, halting: { maxIterations: 2000 } });
  const r = await s.solve({ sessionId: 's', model: 'mazes', input: { problem: 'mazes', text: serializeMaze(grid) }, iterations: 'auto' }, () => {});
  s.dispose();
  assert.match(r.engine ?? '', /^tfjs-torch bfloat16 dense for iterations 1–\d+, then .*sparse 16-px tiles/);
  const handover = Number(/iterations 1–(\d+)/.exec(r.engine!)![1]);
  assert.ok(handover < r.iterations, `handed over at ${handover}, before the halt at ${r.iterations}`);
  assert.ok(r.correct, `correct vs BFS (${r.wrongCells?.length} wrong cells at ${r.iterations})`);
  // The same maze in float32 only: the same answer.
  const f = new SolveSession('f', model, { thinking: 'dense', precision: 'float32', halting: { maxIterations: 2000 } });
  const rf = await f.solve({ sessionId: 'f', model: 'mazes', input: { problem: 'mazes', text: serializeMaze(grid) }, iterations: 'auto' }, () => {});
  f.dispose();
  assert.ok(rf.correct);
  assert.deepEqual(r.prediction, rf.prediction, 'same predicted path as float32 dense');
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  model.dispose();
});
