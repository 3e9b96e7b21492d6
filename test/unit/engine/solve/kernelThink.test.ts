// kernelThink: a dense batch thought on the tile kernels gives DTNet.think's logits (oracle: tfjs on the same net),
// and eval's dense maze batches use it on the pure npm install when onnxruntime-node is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { loadModel } from '../../../../src/engine/checkpoint/modelSpecs';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import { encodeBatch } from '../../../../src/shared/problems/problem';
import { mazeProblem } from '../../../../src/shared/problems/maze';
import { kernelThink } from '../../../../src/engine/solve/kernelThink';
import { tfjsKernels } from '../../../../src/engine/tiles/tileKernels';
import { loadOrt, ortKernels } from '../../../../src/engine/tiles/ortBackend';
import { EVAL_TILE_MIN_PIXELS, ThinkingPath } from '../../../../src/engine/solve/thinkingPath';
import { evaluateHalting } from '../../../../src/engine/eval/haltingEval';
import { testPuzzles } from '../../../../src/engine/eval/accuracy';
import type { MazeGrid } from '../../../../src/shared/maze/grid';

const hasOrt = loadOrt().ort !== undefined;

async function compare(engine: 'tfjs' | 'ort', tolerance: number): Promise<void> {
  await initBackend('wasm');
  const { model } = await loadModel('mazes');
  const batch = encodeBatch(mazeProblem, [generateMaze(9, 1), generateMaze(9, 2), generateMaze(9, 3)]);
  const [h, w] = batch.spatial;
  const kernels = engine === 'ort' ? await ortKernels(model) : tfjsKernels(model);
  const x = tf.tensor(batch.input, [batch.n, h, w, batch.channels]);
  const before = tf.memory().numTensors;
  try {
    const want: Float32Array[] = [];
    for (const s of model.think(x, 12)) want.push((await s.logits.data()) as Float32Array);
    let k = 0;
    for await (const s of kernelThink(kernels, batch.input, batch.n, h, w, 12)) {
      assert.equal(s.iteration, k + 1);
      assert.deepEqual(s.logits.shape, [batch.n, h, w, 2]);
      const got = (await s.logits.data()) as Float32Array;
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[k][i]) / (1 + Math.abs(want[k][i])));
      assert.ok(worst <= tolerance, `${engine}, iteration ${k + 1}: largest relative difference ${worst}`);
      k++;
    }
    assert.equal(k, 12);
    assert.equal(tf.memory().numTensors, before, 'every step\'s logits are disposed');
  } finally {
    x.dispose();
    kernels.dispose();
  }
}

test('kernelThink on the tfjs kernels reproduces DTNet.think iteration by iteration', () => compare('tfjs', 1e-5));

test('kernelThink on onnxruntime-node reproduces DTNet.think to float rounding', { skip: !hasOrt && 'onnxruntime-node is not installed' }, () => compare('ort', 1e-3));

test('evaluateHalting thinks dense maze batches on onnxruntime-node on wasm, with the answers tfjs gives', { skip: !hasOrt && 'onnxruntime-node is not installed' }, async () => {
  await initBackend('wasm');
  const { model } = await loadModel('mazes');
  const run = async (thinking: 'auto' | 'dense') => {
    // tileEngine 'ort': the engine pickKernels would time and pick on a quiet machine, fixed so the test is not timing-dependent
    const path = new ThinkingPath(model, { thinking, tileEngine: 'ort', tileMinPixels: EVAL_TILE_MIN_PIXELS });
    try {
      return await evaluateHalting({ path, problem: mazeProblem, puzzles: testPuzzles('mazes', 9, 6, 9001) as Iterable<MazeGrid> });
    } finally {
      path.dispose();
    }
  };
  const auto = await run('auto');
  const dense = await run('dense');
  assert.equal(auto.engines.length, 1);
  assert.match(auto.engines[0], /^onnxruntime-node .*\(batches of 6\)$/);
  assert.match(dense.engines[0], /^tfjs-wasm \(batches of 6\)/);
  assert.equal(auto.correct, 6);
  assert.equal(dense.correct, 6);
  for (const [i, o] of auto.outcomes.entries()) assert.ok(Math.abs(o.iterations - dense.outcomes[i].iterations) <= 2, `puzzle ${i}: halts at ${o.iterations} on ORT, ${dense.outcomes[i].iterations} on tfjs`);
});
