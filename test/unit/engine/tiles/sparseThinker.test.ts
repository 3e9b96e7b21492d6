// Sparse tiled thinking must equal the dense computation (DTNet.think) with tolerance 0 — on many mazes, sizes and
// tile sizes (partial tiles, tiles smaller than the image border halo), with nets whose activity is global (random
// weights) and nets with a thin front (flood fill, random weights on a mostly black canvas).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf, initBackend } from '../../../../src/engine/tf';
import { DTNet } from '../../../../src/engine/models/dtNet';
import { initKernel } from '../../../../src/engine/models/blocks';
import { Rng } from '../../../../src/shared/rng';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import { mazeProblem, pixelsToUnits } from '../../../../src/shared/problems/maze';
import { TILE_DEFAULTS } from '../../../../src/engine/tiles/tileDefaults';
import { SparseThinker } from '../../../../src/engine/tiles/sparseThinker';
import { tfjsKernels, type TileKernels } from '../../../../src/engine/tiles/tileKernels';
import { floodFillNet } from '../../../../src/engine/bench/floodFillNet';
import { loadOrt, ortKernels } from '../../../../src/engine/tiles/ortBackend';
import { repoPath } from '../../repo';

interface Snapshot {
  thought: Float32Array;
  class1: Float32Array;
}

/** Dense reference: DTNet.think, snapshots at the requested iterations. */
function dense(net: DTNet, x: Float32Array, H: number, W: number, at: number[]): Map<number, Snapshot> {
  const out = new Map<number, Snapshot>();
  const xt = tf.tensor4d(x, [1, H, W, net.arch.inChannels]);
  for (const s of net.think(xt, Math.max(...at))) {
    if (!at.includes(s.iteration)) continue;
    const l = s.logits.dataSync();
    const class1 = new Float32Array(H * W);
    for (let p = 0; p < H * W; p++) class1[p] = l[2 * p + 1] - l[2 * p];
    out.set(s.iteration, { thought: (s.thought.dataSync() as Float32Array).slice(), class1 });
  }
  xt.dispose();
  return out;
}

async function sparse(
  net: DTNet,
  kernels: TileKernels,
  x: Float32Array,
  H: number,
  W: number,
  at: number[],
  tileSize: number,
  tolerance = 0,
  blockTiles = 1,
): Promise<{ snaps: Map<number, Snapshot>; fractions: number[]; fixedPoint: boolean }> {
  // blockTiles 1 (the default here) recomputes exactly the active tiles, which is what the tests must exercise;
  // blocks (the thinker's default) are tested separately.
  const th = new SparseThinker(net, kernels, x, H, W, { tileSize, tolerance, blockTiles });
  const snaps = new Map<number, Snapshot>();
  const fractions: number[] = [];
  let fixedPoint = false;
  for (let i = 1; i <= Math.max(...at); i++) {
    const st = await th.step();
    fractions.push(st.activeFraction);
    fixedPoint = st.nextActiveTiles === 0;
    if (at.includes(i)) snaps.set(i, { thought: th.thought.slice(), class1: (await th.predictions()).slice() });
  }
  return { snaps, fractions, fixedPoint };
}

/** Compare snapshots: thoughts within float error, predicted classes equal except on near-ties. */
function assertSame(a: Snapshot, b: Snapshot, label: string): void {
  let scale = 1;
  for (const v of a.thought) scale = Math.max(scale, Math.abs(v));
  let maxDiff = 0;
  for (let i = 0; i < a.thought.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.thought[i] - b.thought[i]));
  assert.ok(maxDiff <= 1e-5 * scale, `${label}: thought differs by ${maxDiff} (scale ${scale})`);
  let cscale = 1e-6;
  for (const v of a.class1) cscale = Math.max(cscale, Math.abs(v));
  for (let p = 0; p < a.class1.length; p++) {
    if (Math.abs(a.class1[p]) < 1e-4 * cscale) continue; // a float tie: either class is right
    assert.equal(a.class1[p] > 0, b.class1[p] > 0, `${label}: prediction differs at pixel ${p} (${a.class1[p]} vs ${b.class1[p]})`);
  }
}

const arch = (width: number) => ({ kind: 'dt-recall' as const, dims: 2 as const, width, inChannels: 3, maxIters: 30, blocks: 2 });
const TILE_SIZES = [5, 7, 8, 10, 16];

/** A random DT-recall net with PyTorch-style init, scaled by `gain`. */
function randomNet(width: number, seed: number, gain = 1): DTNet {
  const rng = new Rng(seed);
  const probe = new DTNet(arch(width), () => 0.5);
  const values = new Map<string, Float32Array>();
  for (const { name, shape } of probe.weightSpecs()) values.set(name, initKernel(shape, () => rng.next()).map((v) => gain * v));
  probe.dispose();
  return new DTNet(arch(width), values);
}

test('sparse (tolerance 0) equals dense on 20 mazes of 5 sizes, random weights', async () => {
  await initBackend('wasm');
  const rng = new Rng(11);
  const net = new DTNet(arch(8), () => rng.next());
  const k = tfjsKernels(net);
  const before = tf.memory().numTensors;
  let n = 0;
  for (const size of [3, 5, 7, 9, 13]) {
    for (let seed = 0; seed < 4; seed++) {
      const grid = generateMaze(size, 100 * size + seed);
      const { data, spatial: [H, W] } = mazeProblem.encode(grid);
      const at = [1, 4, 9];
      const ref = dense(net, data, H, W, at);
      const tile = TILE_SIZES[n % TILE_SIZES.length];
      const block = n++ % 2 === 0 ? 1 : 3;
      const { snaps } = await sparse(net, k, data, H, W, at, tile, 0, block);
      for (const i of at) assertSame(ref.get(i)!, snaps.get(i)!, `maze ${size} seed ${seed} tile ${tile} block ${block} iteration ${i}`);
    }
  }
  assert.equal(n, 20);
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
  net.dispose();
});

test('sparse equals dense where only a front is active: random weights, maze on a black canvas', async () => {
  await initBackend('wasm');
  const rng = new Rng(5);
  const net = new DTNet(arch(8), () => rng.next());
  const k = tfjsKernels(net);
  // A 9×9 maze (24×24 px) in the corner of a 64×64 black canvas: the state stays exactly 0 far away until the
  // influence (5 px per iteration) arrives, so tiles switch on one after another.
  const grid = generateMaze(9, 3);
  const enc = mazeProblem.encode(grid);
  const H = 64;
  const W = 64;
  const x = new Float32Array(H * W * 3);
  for (let y = 0; y < 24; y++) x.set(enc.data.subarray(y * 24 * 3, (y + 1) * 24 * 3), y * W * 3);
  const at = [1, 3, 6, 10];
  const ref = dense(net, x, H, W, at);
  for (const [tile, block] of [[8, 1], [13, 1], [16, 1], [8, 2], [8, 8]]) {
    const { snaps, fractions } = await sparse(net, k, x, H, W, at, tile, 0, block);
    for (const i of at) assertSame(ref.get(i)!, snaps.get(i)!, `canvas tile ${tile} block ${block} iteration ${i}`);
    // Iterations 1 and 2 are dense (each of the two parity buffers is computed once); skipping starts at 3.
    assert.equal(fractions[1], 1, `tile ${tile}: iteration 2 fills the second buffer`);
    assert.ok(fractions[2] < 0.8, `tile ${tile}: iteration 3 should skip far tiles (active ${fractions[2]})`);
    assert.ok(fractions[9] > fractions[2], `tile ${tile}: the front should grow (${fractions[2]} → ${fractions[9]})`);
  }
  net.dispose();
});

test('a change only in a tile corner activates the diagonal neighbour', async () => {
  await initBackend('wasm');
  // Weights 3× PyTorch's init, so the influence at the edge of the receptive field is not a vanishing 1e-6 that
  // the float tolerance of assertSame would hide.
  const net = randomNet(8, 23, 3);
  // One white pixel at (0,0) of a black 30×30 canvas: thought(k) is non-zero exactly on [0, 1+5k]². With 10-px
  // tiles, iteration 1 changes pixels up to 6: inside tile (0,0)'s bottom-right 5×5 corner only. Tile (1,1) must
  // still run at iteration 2, since its patch starts at pixel 5; tiles (0,1) and (1,0) saw no change of their own.
  const H = 30;
  const W = 30;
  const x = new Float32Array(H * W * 3);
  x.fill(1, 0, 3);
  const at = [1, 2, 3, 4];
  const ref = dense(net, x, H, W, at);
  const { snaps } = await sparse(net, tfjsKernels(net), x, H, W, at, 10);
  for (const i of at) assertSame(ref.get(i)!, snaps.get(i)!, `point source iteration ${i}`);
  net.dispose();
});

test('flood-fill net: sparse equals dense exactly, activity follows the front, fixed point = reachable region', async () => {
  await initBackend('wasm');
  const net = floodFillNet(4);
  const k = tfjsKernels(net);
  let n = 0;
  for (const size of [5, 9, 13, 17, 21]) {
    for (let seed = 0; seed < 4; seed++) {
      const grid = generateMaze(size, 7 * size + seed);
      const { data, spatial: [H, W] } = mazeProblem.encode(grid);
      const at = [2, 7, 15];
      const ref = dense(net, data, H, W, at);
      const tile = TILE_SIZES[n++ % TILE_SIZES.length];
      const { snaps, fractions } = await sparse(net, k, data, H, W, at, tile);
      for (const i of at) {
        assert.deepEqual(snaps.get(i)!.thought, ref.get(i)!.thought, `maze ${size} seed ${seed} tile ${tile} iteration ${i}: thoughts differ`);
        assert.deepEqual(snaps.get(i)!.class1, ref.get(i)!.class1);
      }
      if (size >= 13) assert.ok(Math.min(...fractions.slice(1)) < 0.75, `maze ${size}: a thin front should leave tiles idle`);
    }
  }
  // Oracle for the net itself: at its fixed point, the predicted pixels are exactly the open pixels (a perfect
  // maze is connected), and nothing is active any more.
  const grid = generateMaze(11, 42);
  const { data, spatial: [H, W] } = mazeProblem.encode(grid);
  const th = new SparseThinker(net, k, data, H, W, { tileSize: 8, tolerance: 0 });
  let st;
  do st = await th.step();
  while (st.nextActiveTiles > 0 && st.iteration < 5000);
  assert.equal(st.nextActiveTiles, 0, 'the flood reaches a fixed point');
  const class1 = await th.predictions();
  const open = mazeProblem.lossMask(grid)!;
  for (let p = 0; p < H * W; p++) assert.equal(class1[p] > 0, open[p] === 1, `pixel ${p}`);
  net.dispose();
});

test('period 2: a net that only reaches a 2-cycle (blinking flood fill) is exact, sparse, and halts', async () => {
  await initBackend('wasm');
  const net = floodFillNet(5, { blink: true });
  const k = tfjsKernels(net);
  for (const [size, seed, tile] of [[13, 1, 8], [17, 2, 7], [21, 3, 10]]) {
    const grid = generateMaze(size, seed);
    const { data, spatial: [H, W] } = mazeProblem.encode(grid);
    const at = [1, 2, 5, 12, 25];
    const ref = dense(net, data, H, W, at);
    // The blinker really blinks in the dense computation: no fixed point exists.
    const blink = (i: number) => ref.get(i)!.thought.filter((_, j) => j % 5 === 3);
    const [b12, b25] = [blink(12), blink(25)];
    assert.ok(b25.some((v) => v === 1), 'channel 3 is on at odd iterations');
    assert.ok(b12.every((v, p) => v + b25[p] === Math.max(v, b25[p]) && (v === 0 || b25[p] === 0)), 'opposite parities never both on');
    assert.ok(b12.some((v, p) => v !== b25[p]), 'channel 3 alternates');
    const { snaps, fractions } = await sparse(net, k, data, H, W, at, tile);
    for (const i of at) assert.deepEqual(snaps.get(i)!.thought, ref.get(i)!.thought, `maze ${size}: thoughts differ at iteration ${i}`);
    assert.ok(Math.min(...fractions.slice(2)) < 0.75, `maze ${size}: blinking everywhere must not keep every tile busy (${fractions.map((f) => f.toFixed(2))})`);
  }
  // And it halts: once the flood is complete only the 2-cycle is left, which costs nothing.
  const grid = generateMaze(11, 42);
  const { data, spatial: [H, W] } = mazeProblem.encode(grid);
  const th = new SparseThinker(net, k, data, H, W, { tileSize: 8, tolerance: 0 });
  let st;
  do st = await th.step();
  while (st.nextActiveTiles > 0 && st.iteration < 5000);
  assert.equal(st.nextActiveTiles, 0, 'a 2-cycle counts as settled');
  assert.ok(st.iteration < 200, `settled at iteration ${st.iteration}`);
  const class1 = await th.predictions();
  const openMask = mazeProblem.lossMask(grid)!;
  for (let p = 0; p < H * W; p++) assert.equal(class1[p] > 0, openMask[p] === 1, `pixel ${p}`);
  net.dispose();
});

test('tolerance > 0: exact for integer-valued changes below it, and close agreement for random weights', async () => {
  await initBackend('wasm');
  const flood = floodFillNet(4);
  const grid = generateMaze(15, 9);
  const { data, spatial: [H, W] } = mazeProblem.encode(grid);
  const ref = dense(flood, data, H, W, [20]);
  const { snaps } = await sparse(flood, tfjsKernels(flood), data, H, W, [20], 8, 0.5);
  assert.deepEqual(snaps.get(20)!.class1, ref.get(20)!.class1, 'changes of 1 always exceed tolerance 0.5');
  flood.dispose();

  const rng = new Rng(3);
  const net = new DTNet(arch(8), () => rng.next());
  const r2 = dense(net, data, H, W, [15]).get(15)!;
  const s0 = await sparse(net, tfjsKernels(net), data, H, W, [15], 8, 0);
  const s1 = await sparse(net, tfjsKernels(net), data, H, W, [15], 8, 1e-3);
  let agree = 0;
  for (let p = 0; p < H * W; p++) if (r2.class1[p] > 0 === s1.snaps.get(15)!.class1[p] > 0) agree++;
  const work = (f: number[]) => f.reduce((a, b) => a + b, 0);
  // Agreement is a measurement (printed); the assertion only guards against a broken tolerance path.
  console.log(`tolerance 1e-3: ${((100 * agree) / (H * W)).toFixed(2)} % pixels agree; work ${work(s1.fractions).toFixed(1)} vs ${work(s0.fractions).toFixed(1)} tile-iterations at tolerance 0`);
  assert.ok(agree / (H * W) > 0.9);
  assert.ok(work(s1.fractions) <= work(s0.fractions));
  net.dispose();
});

test('onnxruntime-node kernels (when installed) give the same sparse result as tfjs dense', async (t) => {
  if (!loadOrt().ort) return t.skip(loadOrt().error);
  await initBackend('wasm');
  const rng = new Rng(17);
  const net = new DTNet(arch(8), () => rng.next());
  const k = await ortKernels(net, { threads: 1 });
  for (const [size, tile] of [[5, 7], [9, 8], [13, 16]]) {
    const grid = generateMaze(size, size);
    const { data, spatial: [H, W] } = mazeProblem.encode(grid);
    const at = [1, 6];
    const ref = dense(net, data, H, W, at);
    const { snaps } = await sparse(net, k, data, H, W, at, tile);
    for (const i of at) assertSame(ref.get(i)!, snaps.get(i)!, `ort maze ${size} tile ${tile} iteration ${i}`);
  }
  k.dispose();
  net.dispose();
});

/** Trained maze checkpoints shipped in media/models (model.json with problem "mazes"). */
function bundledMazeModels(): string[] {
  const root = repoPath('media', 'models');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => path.join(root, d))
    .filter((d) => {
      try {
        const m = JSON.parse(readFileSync(path.join(d, 'model.json'), 'utf8'));
        return m.problem === 'mazes' && m.architecture?.dims === 2 && m.architecture?.kind !== 'feedforward';
      } catch {
        return false;
      }
    });
}

test('trained maze models (when bundled): sparse predictions equal dense on 20 mazes', async (t) => {
  const dirs = bundledMazeModels();
  if (dirs.length === 0) return t.skip('no trained maze model in media/models');
  await initBackend('wasm');
  const { loadCheckpoint } = await import('../../../../src/engine/checkpoint/store');
  for (const dir of dirs) {
    const { model: net } = await loadCheckpoint(dir);
    const k = tfjsKernels(net);
    let n = 0;
    for (const size of [9, 13, 15, 21]) {
      for (let seed = 0; seed < 5; seed++) {
        const grid = generateMaze(size, 1000 + 10 * size + seed);
        const { data, spatial: [H, W] } = mazeProblem.encode(grid);
        const at = [10, 30];
        const ref = dense(net, data, H, W, at);
        const { snaps } = await sparse(net, k, data, H, W, at, [16, 32][n++ % 2]);
        for (const i of at) assertSame(ref.get(i)!, snaps.get(i)!, `${path.basename(dir)} maze ${size} seed ${seed} iteration ${i}`);
      }
    }
    net.dispose();
  }
});

test('trained maze model (when bundled), tolerance 1e-3: halts at its 2-cycle with the dense prediction', async (t) => {
  const dir = bundledMazeModels().find((d) => path.basename(d) === 'mazes');
  if (!dir) return t.skip('no bundled mazes model');
  await initBackend('wasm');
  const { loadCheckpoint } = await import('../../../../src/engine/checkpoint/store');
  const { model: net } = await loadCheckpoint(dir);
  // ORT when installed (fast); tfjs otherwise. The dense reference runs the same kernels on the whole image.
  const k = loadOrt().ort ? await ortKernels(net, { threads: 2 }) : tfjsKernels(net);
  const halts: number[] = [];
  for (const [size, count] of [[13, 8], [21, 4], [33, 2]]) {
    for (let seed = 0; seed < count; seed++) {
      const grid = generateMaze(size, 7000 + 10 * size + seed);
      const { data, spatial: [H, W] } = mazeProblem.encode(grid);
      const th = new SparseThinker(net, k, data, H, W, { tileSize: 16, tolerance: 1e-3, selfTolerance: 1e-4 });
      let st;
      do st = await th.step();
      while (st.nextActiveTiles > 0 && st.iteration < 1500);
      const label = `maze ${size} seed ${seed}`;
      assert.equal(st.nextActiveTiles, 0, `${label}: reaches its 2-cycle`);
      halts.push(st.iteration);
      const sparseClass = (await th.predictions()).slice();
      const ref = new SparseThinker(net, k, data, H, W, { tileSize: Math.max(H, W), tolerance: -1 });
      for (let i = 0; i < st.iteration; i++) await ref.step();
      const denseClass = await ref.predictions();
      for (let p = 0; p < H * W; p++) assert.equal(sparseClass[p] > 0, denseClass[p] > 0, `${label}: pixel ${p} differs at iteration ${st.iteration}`);
      assert.ok(mazeProblem.isCorrect(grid, denseClass), `${label}: the dense answer is right`);
    }
  }
  console.log(`trained mazes: 2-cycle reached at iterations ${halts.join(', ')}`);
  k.dispose();
  net.dispose();
});

test('trained maze model (when bundled), the editor\'s tolerance: the same per-cell answer as dense at every 10th iteration, right at the same iteration', async (t) => {
  // TILE_DEFAULTS.tolerance lets tiles lag by up to 0.1 per value, so pixel scores may differ slightly from the dense
  // computation's (a wall pixel, or one pixel of a cell's 2×2 flickering with the net's 2-cycle); the per-cell answer
  // (3 of 4 pixels) and the iteration at which the verdict first says "correct" must not.
  const dir = bundledMazeModels().find((d) => path.basename(d) === 'mazes');
  if (!dir) return t.skip('no bundled mazes model');
  await initBackend('wasm');
  const { loadCheckpoint } = await import('../../../../src/engine/checkpoint/store');
  const { model: net } = await loadCheckpoint(dir);
  const k = loadOrt().ort ? await ortKernels(net, { threads: 2 }) : tfjsKernels(net);
  let skipped = 0;
  let computed = 0;
  for (const [size, count] of [[13, 6], [21, 4], [33, 3], [59, 1]]) {
    for (let seed = 0; seed < count; seed++) {
      const grid = generateMaze(size, 9000 + 10 * size + seed);
      const { data, spatial: [H, W] } = mazeProblem.encode(grid);
      const th = new SparseThinker(net, k, data, H, W, { tileSize: 16, tolerance: TILE_DEFAULTS.tolerance, selfTolerance: TILE_DEFAULTS.tolerance });
      const ref = new SparseThinker(net, k, data, H, W, { tileSize: Math.max(H, W), tolerance: -1 });
      const label = `maze ${size} seed ${seed}`;
      const firstCorrect = { sparse: -1, dense: -1 };
      let st;
      do {
        st = await th.step();
        await ref.step();
        computed += st.recomputedTiles;
        skipped += st.totalTiles - st.recomputedTiles;
        if (st.iteration % 10) continue;
        const sparseClass = await th.predictions();
        const denseClass = await ref.predictions();
        assert.deepEqual(pixelsToUnits(grid, sparseClass), pixelsToUnits(grid, denseClass), `${label}: answer at iteration ${st.iteration}`);
        if (firstCorrect.sparse < 0 && mazeProblem.isCorrect(grid, sparseClass)) firstCorrect.sparse = st.iteration;
        if (firstCorrect.dense < 0 && mazeProblem.isCorrect(grid, denseClass)) firstCorrect.dense = st.iteration;
      } while (st.iteration < (firstCorrect.dense < 0 ? 40 * size : firstCorrect.dense + 100));
      assert.ok(firstCorrect.dense > 0, `${label}: the dense computation solves it`);
      assert.equal(firstCorrect.sparse, firstCorrect.dense, `${label}: first right at the same iteration`);
    }
  }
  // The point of the tolerance: most tile-iterations are skipped (not an exact figure; it only must not be ~0).
  assert.ok(skipped > computed, `tiles skipped ${skipped} vs computed ${computed}`);
  console.log(`tolerance ${TILE_DEFAULTS.tolerance}: ${((100 * skipped) / (skipped + computed)).toFixed(0)} % of tile-iterations skipped`);
  k.dispose();
  net.dispose();
});

test('resuming from a saved thought continues exactly where the dense computation would be', async () => {
  await initBackend('wasm');
  const net = randomNet(8, 31, 1);
  const grid = generateMaze(9, 5);
  const { data, spatial: [H, W] } = mazeProblem.encode(grid);
  const ref = dense(net, data, H, W, [3, 8]);
  const th = new SparseThinker(net, tfjsKernels(net), data, H, W, { tileSize: 8, tolerance: 0, blockTiles: 1, initialThought: ref.get(3)!.thought, startIteration: 3 });
  let st;
  for (let i = 0; i < 5; i++) st = await th.step();
  assert.equal(st!.iteration, 8);
  assertSame(ref.get(8)!, { thought: th.thought, class1: await th.predictions() }, 'resumed at 3, compared at 8');
  assert.throws(() => new SparseThinker(net, tfjsKernels(net), data, H, W, { initialThought: new Float32Array(3) }), /initial thought has 3 values/);
  net.dispose();
});
