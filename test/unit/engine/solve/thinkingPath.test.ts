// The engine's one thinking path (eval/thinkingPath.ts) through the commands people script: `predict` and `eval`
// send mazes above the tile threshold to the sparse tile thinker (onnxruntime-node on wasm), below it to dense
// tensors, and the tiles give the same per-cell answer as dense on the bundled trained maze model (the tile
// tolerance of 0.1). Oracle: the BFS shortest path (mazeProblem.isCorrect).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend } from '../../../../src/engine/tf';
import { loadModel } from '../../../../src/engine/checkpoint/modelSpecs';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import { serializeMaze } from '../../../../src/shared/maze/mazeFormat';
import { runPredict } from '../../../../src/engine/cli/predict';
import { runEval } from '../../../../src/engine/cli/evaluate';
import type { Output } from '../../../../src/engine/cli/output';
import { AutoHalting, ThinkingPath, DEFAULT_TILE_MIN_PIXELS } from '../../../../src/engine/solve/thinkingPath';
import { autoRecordGrid, haltingCurve } from '../../../../src/engine/eval/haltingEval';
import { loadOrt } from '../../../../src/engine/tiles/ortBackend';
import { mazeHaltingCap } from '../../../../src/engine/solve/halting';
import { deadEndDepth } from '../../../../src/shared/maze/bfs';
import { testPuzzles } from '../../../../src/engine/eval/accuracy';
import type { MazeGrid } from '../../../../src/shared/maze/grid';

/** An Output that keeps the JSON records. */
function capture(): Output & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  return {
    json: true,
    records,
    record: (obj) => void records.push(obj as Record<string, unknown>),
    info: () => undefined,
    warn: () => undefined,
    progress: () => ({ update: () => undefined, stop: () => undefined }),
  };
}

const hasOrt = loadOrt().ort !== undefined;

test('the tile threshold: mazes of at least 64×64 px want tiles on wasm, smaller ones and 1-D nets do not', async () => {
  await initBackend('wasm');
  const { model } = await loadModel('mazes');
  const p = new ThinkingPath(model);
  try {
    const side = Math.sqrt(DEFAULT_TILE_MIN_PIXELS);
    assert.equal(p.wantsTiles([side, side]), true);
    assert.equal(p.wantsTiles([side - 2, side - 2]), false);
    assert.equal(new ThinkingPath(model, { thinking: 'dense' }).wantsTiles([400, 400]), false);
    assert.equal(new ThinkingPath(model, { thinking: 'tiles' }).wantsTiles([8, 8]), true);
    assert.equal(p.wantsTiles([side * side]), false, 'a 1-D shape never goes to tiles');
  } finally {
    p.dispose();
    model.dispose();
  }
});

test('on a CUDA device, auto never thinks on tiles: big mazes start dense in bfloat16 and finish dense in float32', async () => {
  await initBackend('wasm');
  const { model } = await loadModel('mazes');
  const gpu = new ThinkingPath(model, { onCuda: true });
  try {
    assert.equal(gpu.wantsTiles([400, 400]), false, 'no tiles on a GPU in auto');
    assert.equal(new ThinkingPath(model, { onCuda: true, thinking: 'tiles' }).wantsTiles([400, 400]), true, 'tiles when asked for');
    assert.equal(gpu.gpuWarmStart([400, 400], 'bfloat16'), true);
    assert.equal(gpu.gpuWarmStart([100, 100], 'bfloat16'), false, 'small images think densely in float32');
    assert.equal(gpu.gpuWarmStart([400, 400], 'float32'), false, 'no warm start without bfloat16');
    assert.equal(new ThinkingPath(model, { onCuda: false }).gpuWarmStart([400, 400], 'bfloat16'), false, 'the CPU keeps its tiles');
    assert.equal(new ThinkingPath(model, { onCuda: true, thinking: 'dense' }).gpuWarmStart([400, 400], 'bfloat16'), false);
    // Off libtorch the precision resolves to float32: a big maze is then plain dense float32 on the GPU path.
    const enc = generateMaze(131, 5);
    const { mazeProblem } = await import('../../../../src/shared/problems/maze');
    const e = mazeProblem.encode(enc);
    const thinking = await gpu.create({ data: e.data, spatial: e.spatial, inChannels: 3 });
    assert.equal(thinking.engine, 'tfjs-wasm');
    thinking.dispose();
  } finally {
    gpu.dispose();
    model.dispose();
  }
});

test('AutoHalting: the cap scales with the pixels; mazes add the settled-picture rule every 100 iterations', () => {
  const small = new AutoHalting(26 * 26, true, undefined, undefined);
  const big = new AutoHalting(404 * 404, true, undefined, undefined);
  const bits = new AutoHalting(64, false, undefined, undefined);
  try {
    assert.equal(small.cap, 1000);
    assert.equal(big.cap, 50_000);
    assert.equal(new AutoHalting(120 * 120, true, undefined, undefined, 30).cap, 30, 'room caps it (feed-forward depth)');
    assert.equal(small.isSettleCheck(100), true);
    assert.equal(small.isSettleCheck(99), false);
    assert.equal(bits.isSettleCheck(100), false);
    const map = new Float32Array([1, -1, 1]);
    assert.equal(small.offer(map), false, 'the first offer has nothing to compare with');
    assert.equal(small.offer(map), true);
  } finally {
    for (const a of [small, big, bits]) a.dispose();
  }
});

test('auto caps a maze at 2 × its dead-end depth + 100: predict stops a net that never settles at its own cap, an eval batch at its largest', async () => {
  await initBackend('wasm');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dt-cap-'));
  try {
    // The bundled DT net without recall overthinks on 9×9 mazes and does not settle (docs/benchmarks.md).
    const grid = generateMaze(9, 7);
    const file = path.join(dir, 'm.maze');
    writeFileSync(file, serializeMaze(grid));
    const out = capture();
    await runPredict(out, { model: 'mazes-dt', iterations: 'auto', mazes: [file] });
    const cap = mazeHaltingCap(deadEndDepth(grid));
    assert.equal(cap, 2 * deadEndDepth(grid) + 100);
    assert.equal(out.records[0].halted, false, 'the DT net does not settle');
    assert.equal(out.records[0].iterations, cap);

    const ev = capture();
    await runEval(ev, { model: 'mazes-dt', size: 9, count: 6, seed: 9001, iterations: 'auto' });
    const caps: number[] = [];
    for await (const z of testPuzzles('mazes', 9, 6, 9001) as AsyncIterable<MazeGrid>) caps.push(mazeHaltingCap(deadEndDepth(z)));
    const lines = ev.records.filter((r) => r.puzzle !== undefined);
    assert.equal(lines.length, 6);
    assert.ok(new Set(caps).size > 1, 'the puzzles have different caps');
    for (const r of lines) {
      if (r.halted === false) assert.equal(r.iterations, Math.max(...caps), `puzzle ${r.puzzle}: one dense batch thinks to its largest cap`);
      else assert.ok(Number(r.iterations) <= Math.max(...caps));
    }
    assert.ok(lines.some((r) => r.halted === false), 'at least one puzzle ran to the cap');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('haltingCurve carries each puzzle\'s answer forward after it halts; autoRecordGrid ends at the cap', () => {
  const outcomes = [
    { index: 0, iterations: 10, halted: true, correct: true, ms: 1 },
    { index: 1, iterations: 30, halted: true, correct: false, ms: 1 },
  ];
  const traces = [new Map([[5, false]]), new Map([[5, true], [20, true]])];
  const c = haltingCurve(outcomes, traces, [5, 20, 40]);
  assert.deepEqual(c.iterations, [5, 20, 30]);
  assert.deepEqual(c.correct, [1, 2, 1]);
  const grid = autoRecordGrid(5000);
  assert.equal(grid[grid.length - 1], 5000);
  assert.ok(grid.length < 200, `${grid.length} points`);
  assert.deepEqual(grid.slice(0, 30), Array.from({ length: 30 }, (_, i) => i + 1));
});

test('predict and eval: big mazes think on tiles, small ones densely; tiles give the same per-cell answers as dense', { skip: !hasOrt && 'onnxruntime-node is not installed' }, async () => {
  await initBackend('wasm');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dt-path-'));
  const before = tf.memory().numTensors;
  try {
    // 31×31 cells = 64×64 px: at the wasm threshold.
    const grids = [11, 12].map((s) => generateMaze(31, s));
    const files = grids.map((g, i) => {
      const f = path.join(dir, `m${i}.maze`);
      writeFileSync(f, serializeMaze(g));
      return f;
    });
    const small = path.join(dir, 'small.maze');
    writeFileSync(small, serializeMaze(generateMaze(9, 4)));

    const predict = async (thinking: 'auto' | 'dense', iterations: number | 'auto', mazes = files) => {
      const out = capture();
      await runPredict(out, { model: 'mazes', iterations, mazes, thinking });
      return out.records;
    };
    const tiles = await predict('auto', 'auto');
    const dense = await predict('dense', 'auto');
    for (const [i, r] of tiles.entries()) {
      assert.match(String(r.engine), /sparse 16-px tiles/, `maze ${i} thinks on tiles`);
      assert.match(String(dense[i].engine), /^tfjs-wasm/, `maze ${i} thinks densely when asked`);
      assert.equal(r.correct, true, `maze ${i}: tiles solve it (BFS oracle)`);
      assert.equal(dense[i].correct, true, `maze ${i}: dense solves it`);
      assert.deepEqual(r.solution, dense[i].solution, `maze ${i}: per-cell answer`);
      assert.equal(r.halted, true);
    }
    const [smallRec] = await predict('auto', 'auto', [small]);
    assert.match(String(smallRec.engine), /^tfjs-wasm/, 'a 20×20 px maze thinks densely');

    // eval --iterations auto: tiles above the threshold, the same accuracy as dense; one line per puzzle first.
    const evalAuto = async (thinking: 'auto' | 'dense') => {
      const out = capture();
      await runEval(out, { model: 'mazes', size: 31, count: 2, seed: 9001, iterations: 'auto', thinking });
      return out.records;
    };
    const et = await evalAuto('auto');
    const ed = await evalAuto('dense');
    assert.equal(et.length, 3, 'two puzzle lines and a summary');
    const summary = et[2];
    assert.match(JSON.stringify(summary.engines), /sparse 16-px tiles/);
    assert.match(JSON.stringify(ed[2].engines), /tfjs-wasm/);
    assert.equal(summary.accuracy, 1);
    assert.equal(ed[2].accuracy, 1);
    for (const r of et.slice(0, 2)) {
      assert.equal(typeof r.ms, 'number');
      assert.equal(r.correct, true);
    }

    // eval at fixed iterations (and so --record): tiles read at the recorded iterations, same accuracy as dense once
    // the answer has settled (mid-solve, while dead ends are pruned, a lagging tile may show a cell a little later).
    const evalFixed = async (thinking: 'auto' | 'dense') => {
      const out = capture();
      await runEval(out, { model: 'mazes', size: 31, count: 2, seed: 9001, iterations: [300], thinking });
      return out.records[0];
    };
    const ft = await evalFixed('auto');
    assert.deepEqual(ft.accuracy, { 300: 1 });
    assert.deepEqual(ft.accuracy, (await evalFixed('dense')).accuracy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
});
