// WarmStartThinking (eval/warmStartThinking.ts): dense first, tiles once the front thins. The hand-over logic is
// precision-independent, so it is checked here in float32 on wasm (bfloat16 itself needs libtorch: see
// test/unit/native/torchPrecision.test.ts): the state and the iteration count carry over exactly, the switch
// happens at the first check below the threshold, nothing leaks. Also: choosing a precision, and the CPU check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { DTNet } from '../../../../src/engine/models/dtNet';
import { Rng } from '../../../../src/shared/rng';
import { mazeProblem } from '../../../../src/shared/problems/maze';
import { serializeMaze } from '../../../../src/shared/maze/mazeFormat';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import { TensorThinking, TileThinking, type ThinkingInput } from '../../../../src/engine/solve/thinking';
import { WarmStartThinking, movedTileFraction } from '../../../../src/engine/solve/warmStartThinking';
import { tfjsKernels } from '../../../../src/engine/tiles/tileKernels';
import { cpuHasBfloat16, resolvePrecision, withPrecision } from '../../../../src/engine/solve/precision';
import { SolveSession } from '../../../../src/engine/solve/solveSession';

function mazeInput(size: number, seed: number): ThinkingInput {
  const enc = mazeProblem.encode(generateMaze(size, seed));
  return { data: enc.data, spatial: enc.spatial, inChannels: 3 };
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

test('movedTileFraction counts the tiles in which some channel moved by more than the threshold', async () => {
  await initBackend('wasm');
  // 40×40 px in 16-px tiles: a 3×3 grid whose last row and column are 8 px wide.
  const a = tf.zeros([1, 40, 40, 2]);
  const buf = tf.buffer([1, 40, 40, 2]);
  buf.set(0.1, 0, 20, 35, 1); // tile (1, 2), channel 1
  buf.set(-0.3, 0, 39, 0, 0); // tile (2, 0)
  const b = buf.toTensor();
  assert.equal(movedTileFraction(a, b, 16, 0.05), 2 / 9);
  assert.equal(movedTileFraction(a, b, 16, 0.2), 1 / 9);
  assert.equal(movedTileFraction(a, b, 16, 0.5), 0);
  assert.equal(movedTileFraction(a, b, 40, 0.05), 1);
  tf.dispose([a, b]);
});

test('warm start in float32 hands over to tiles at the first check below the threshold and continues exactly', async () => {
  await initBackend('wasm');
  const rng = new Rng(8);
  const model = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  const input = mazeInput(13, 3);
  const kernels = tfjsKernels(model);
  const before = tf.memory().numTensors;
  const tiles = (t: tf.Tensor, iteration: number) => {
    try {
      return new TileThinking(model, kernels, input, iteration, { tileSize: 8, tolerance: 0 }, t);
    } finally {
      t.dispose();
    }
  };
  // switchBelow 2: always below, so the hand-over comes at the first check (iteration 4 with checkEvery 4).
  const warm = new WarmStartThinking(model, input, 0, tiles, { precision: 'float32', checkEvery: 4, switchBelow: 2 });
  const dense = new TensorThinking(model, input, 0);
  for (let i = 1; i <= 12; i++) {
    await warm.step();
    await dense.step();
    assert.equal(warm.onTiles, i >= 4, `on tiles after iteration ${i}`);
  }
  assert.equal(warm.handoverIteration, 4);
  assert.ok(warm.lastMovedFraction !== undefined && warm.lastMovedFraction <= 1);
  assert.match(warm.engine, /^tfjs-wasm dense for iterations 1–4, then tfjs-wasm, sparse 8-px tiles, tolerance 0$/);
  // Tolerance 0 tiles are the dense computation (up to float rounding), so the hand-over lost nothing.
  const [w, d] = [await values(await warm.logits()), await values(await dense.logits())];
  const [tw, td] = [await values(warm.thoughtTensor()), await values(dense.thoughtTensor())];
  let worst = 0;
  for (let i = 0; i < w.length; i += 2) worst = Math.max(worst, Math.abs(w[i + 1] - w[i] - (d[i + 1] - d[i])));
  for (let i = 0; i < tw.length; i++) worst = Math.max(worst, Math.abs(tw[i] - td[i]));
  assert.ok(worst < 1e-4, `warm-started thinking differs from dense by ${worst}`);
  warm.dispose();
  dense.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  model.dispose();
});

test('warm start stays dense while many tiles move, and maxDenseIterations forces the hand-over', async () => {
  await initBackend('wasm');
  const rng = new Rng(9);
  const model = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  const input = mazeInput(13, 4);
  const kernels = tfjsKernels(model);
  const tiles = (t: tf.Tensor, iteration: number) => {
    try {
      return new TileThinking(model, kernels, input, iteration, { tileSize: 8, tolerance: 0 }, t);
    } finally {
      t.dispose();
    }
  };
  // switchBelow 0: no fraction is below it, so only the cap hands over.
  const warm = new WarmStartThinking(model, input, 0, tiles, { precision: 'float32', checkEvery: 5, switchBelow: 0, maxDenseIterations: 12 });
  for (let i = 1; i <= 11; i++) await warm.step();
  assert.equal(warm.onTiles, false);
  assert.ok(warm.lastMovedFraction !== undefined, 'the state was checked');
  await warm.step();
  assert.equal(warm.handoverIteration, 12);
  warm.dispose();
  assert.throws(() => new WarmStartThinking(model, input, 0, tiles, { precision: 'float32', checkEvery: 1 }), /checkEvery/);
  model.dispose();
});

test('precision: auto falls back to float32 off libtorch, an explicit bfloat16 says why it cannot', async () => {
  await initBackend('wasm');
  assert.equal(resolvePrecision('auto'), 'float32');
  assert.equal(resolvePrecision('float32'), 'float32');
  assert.throws(() => resolvePrecision('bfloat16'), /needs the torch \(libtorch\) backend; this engine runs on wasm/);
  assert.throws(() => resolvePrecision('half' as never), /unknown precision "half"/);
  assert.equal(withPrecision('float32', () => 7), 7);
  assert.throws(() => withPrecision('bfloat16', () => 7), /needs the torch/);
  // A session asked for bfloat16 on a big maze refuses with the reason instead of quietly thinking in float32.
  const rng = new Rng(2);
  const model = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  const s = new SolveSession('s', model, { precision: 'bfloat16', tileMinPixels: 0, tiles: { tileSize: 8 } });
  const text = serializeMaze(generateMaze(9, 1));
  await assert.rejects(s.solve({ sessionId: 's', model: 'm', input: { problem: 'mazes', text }, iterations: 3 }, () => {}), /needs the torch/);
  s.dispose();
  // 'auto' (the default) thinks in float32 here.
  const auto = new SolveSession('s', model, { tileMinPixels: 0, tiles: { tileSize: 8 } });
  const r = await auto.solve({ sessionId: 's', model: 'm', input: { problem: 'mazes', text }, iterations: 3 }, () => {});
  assert.doesNotMatch(r.engine ?? '', /bfloat16/);
  auto.dispose();
  model.dispose();
});

test('cpuHasBfloat16 reads the flags line', () => {
  assert.equal(cpuHasBfloat16('processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n'), true);
  assert.equal(cpuHasBfloat16('flags\t\t: fpu amx_tile amx_bf16\n'), true);
  assert.equal(cpuHasBfloat16('flags\t\t: fpu avx2 avx512f avx512bw\n'), false);
  assert.equal(cpuHasBfloat16('no flags here'), false);
});
