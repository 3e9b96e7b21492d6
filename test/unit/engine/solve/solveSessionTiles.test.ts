// The editor's solve session on the sparse tile thinker (eval/thinking.ts): the same results as the dense tensor
// path — frames, interventions, halting — and no leaked tensors. With the bundled maze model: the engine choice
// ('auto' → tiles on onnxruntime-node for images ≥ 64×64 px) and the paper's interventions on a 29×29 maze.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { tf, initBackend } from '../../../../src/engine/tf';
import { DTNet } from '../../../../src/engine/models/dtNet';
import { Rng } from '../../../../src/shared/rng';
import { class1FromLogits } from '../../../../src/shared/problems/problem';
import { mazeProblem } from '../../../../src/shared/problems/maze';
import { serializeMaze } from '../../../../src/shared/maze/mazeFormat';
import { moveGoal, type MazeGrid } from '../../../../src/shared/maze/grid';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import type { SolveFrame, SolveParams, SolveResult } from '../../../../src/shared/protocol/engine';
import { decodeProbs } from '../../../../src/engine/solve/frames';
import { SolveSession, type SolveSessionOptions } from '../../../../src/engine/solve/solveSession';
import { loadOrt } from '../../../../src/engine/tiles/ortBackend';
import { repoPath } from '../../repo';

const solveParams = (grid: MazeGrid, iterations: number | 'auto'): SolveParams => ({
  sessionId: 's',
  model: 'test',
  input: { problem: 'mazes', text: serializeMaze(grid) },
  iterations,
});

/** Frames' P(path) bytes agree within 1/255 (tiles may run on other kernels, e.g. ORT: float rounding differs). */
function assertSameProbs(a: SolveFrame, b: SolveFrame, label: string): void {
  assert.equal(a.iteration, b.iteration, `${label}: iteration`);
  const pa = decodeProbs(a.probs);
  const pb = decodeProbs(b.probs);
  assert.equal(pa.length, pb.length, `${label}: frame size`);
  let worst = 0;
  for (let i = 0; i < pa.length; i++) worst = Math.max(worst, Math.abs(pa[i] - pb[i]));
  assert.ok(worst <= 1, `${label}: probabilities differ by ${worst}/255`);
}

/** A cell to move the goal to: the last open cell that is neither start nor goal. */
function movedGoal(grid: MazeGrid): MazeGrid {
  for (let u = grid.rows * grid.cols - 1; u >= 0; u--) {
    const r = Math.floor(u / grid.cols);
    const c = u % grid.cols;
    const special = (r === grid.start[0] && c === grid.start[1]) || (r === grid.goal[0] && c === grid.goal[1]);
    if (!grid.walls[u] && !special) return moveGoal(grid, r, c);
  }
  throw new Error('no open cell');
}

/** solve, continue, swap the goal, perturb: the results of one session */
async function script(model: DTNet, grid: MazeGrid, options: SolveSessionOptions, iterations: number | 'auto'): Promise<SolveResult[]> {
  const s = new SolveSession('s', model, options);
  const out: SolveResult[] = [];
  out.push(await s.solve(solveParams(grid, iterations), () => {}));
  out.push(await s.intervene({ sessionId: 's', intervention: { kind: 'continue' }, iterations: typeof iterations === 'number' ? 3 : 'auto' }, () => {}));
  out.push(
    await s.intervene(
      { sessionId: 's', intervention: { kind: 'swapInput', input: { problem: 'mazes', text: serializeMaze(movedGoal(grid)) } }, iterations },
      () => {},
    ),
  );
  out.push(await s.intervene({ sessionId: 's', intervention: { kind: 'perturb', mode: 'noise', strength: 0.5 }, iterations }, () => {}));
  // A swap to another size is refused and changes nothing: the session still continues from its state.
  await assert.rejects(
    s.intervene({ sessionId: 's', intervention: { kind: 'swapInput', input: { problem: 'mazes', text: serializeMaze(generateMaze(7, 1)) } }, iterations: 1 }, () => {}),
    /cannot swap the input/,
  );
  const after = await s.intervene({ sessionId: 's', intervention: { kind: 'continue' }, iterations: 1 }, () => {});
  assert.equal(after.iterations, out[out.length - 1].iterations + 1);
  s.dispose();
  return out;
}

test('tile thinking at tolerance 0 equals the dense session: solve, continue, swap, perturb', async () => {
  await initBackend('wasm');
  const rng = new Rng(5);
  const model = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  const grid = generateMaze(9, 123);
  const before = tf.memory().numTensors;
  const dense = await script(model, grid, { thinking: 'dense', seed: 3 }, 6);
  const tiles = await script(model, grid, { thinking: 'tiles', seed: 3, tiles: { tolerance: 0, tileSize: 8 } }, 6);
  assert.deepEqual(tiles.map((r) => r.iterations), [6, 9, 15, 21]);
  for (let i = 0; i < dense.length; i++) {
    assert.match(dense[i].engine ?? '', /^tfjs-/);
    assert.match(tiles[i].engine ?? '', /sparse 8-px tiles, tolerance 0$/);
    assertSameProbs(tiles[i].finalFrame, dense[i].finalFrame, `step ${i}`);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  model.dispose();
});

test("'auto' on mazes also halts once the picture has settled (same class map 100 iterations apart)", async () => {
  await initBackend('wasm');
  const rng = new Rng(11);
  // A random net is never confident enough for the confidence rule, but its picture settles.
  const model = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  const grid = generateMaze(9, 4);
  const s = new SolveSession('s', model, { thinking: 'dense', halting: { maxIterations: 2000 } });
  const r = await s.solve(solveParams(grid, 'auto'), () => {});
  s.dispose();
  assert.ok(r.haltedAt !== undefined && r.haltedAt % 100 === 0 && r.haltedAt < 2000, `halted at ${r.haltedAt}`);
  const enc = mazeProblem.encode(grid);
  const x = tf.tensor(enc.data, [1, ...enc.spatial, 3]);
  const classesAt = async (n: number) => {
    const { logits, thought } = model.forward(x, n);
    const c1 = class1FromLogits((await logits.data()) as Float32Array);
    tf.dispose([logits, thought]);
    return Array.from(c1, (v) => v > 0);
  };
  assert.deepEqual(await classesAt(r.haltedAt!), await classesAt(r.haltedAt! - 100), 'the rule saw the same picture twice');
  x.dispose();
  model.dispose();
});

const bundled = repoPath('media/models/mazes');

test('bundled maze model on a 29×29 maze: tiles (ORT) and dense agree; the net re-solves after the goal moves and after noise', async (t) => {
  if (!existsSync(path.join(bundled, 'model.json'))) return t.skip('no bundled mazes model');
  await initBackend('wasm');
  const { loadCheckpoint } = await import('../../../../src/engine/checkpoint/store');
  const { model } = await loadCheckpoint(bundled);
  const grid = generateMaze(29, 2);
  const before = tf.memory().numTensors;
  // 'auto': 64×64 px reaches the tile threshold; tiles only where onnxruntime-node is installed.
  const tiles = await script(model, grid, { seed: 1 }, 'auto');
  if (loadOrt().ort) assert.match(tiles[0].engine ?? '', /onnxruntime-node.*sparse 16-px tiles/);
  else assert.match(tiles[0].engine ?? '', /^tfjs-/);
  const dense = await script(model, grid, { seed: 1, thinking: 'dense' }, 'auto');
  const labels = ['solve', 'continue', 'goal moved', 'noise 0.5'];
  for (let i = 0; i < labels.length; i++) {
    assert.ok(tiles[i].correct, `${labels[i]}: tiles correct vs BFS (${tiles[i].wrongCells?.length} wrong cells at ${tiles[i].iterations})`);
    assert.ok(dense[i].correct, `${labels[i]}: dense correct vs BFS`);
    // The tiles' tolerance (0.1) lets them lag a little, so they may reach "nothing left to compute" — and halt —
    // before the dense picture passes its rules (seen: 125 vs 137 … 188 vs 235); never later, and the answer agrees.
    assert.ok(tiles[i].haltedAt !== undefined && tiles[i].haltedAt! <= dense[i].haltedAt!, `${labels[i]}: tiles halted at ${tiles[i].haltedAt}, dense at ${dense[i].haltedAt}`);
    assert.deepEqual(tiles[i].prediction, dense[i].prediction, `${labels[i]}: same predicted path`);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  // Small images stay on tensors in 'auto'.
  const small = new SolveSession('s', model);
  const r = await small.solve(solveParams(generateMaze(9, 1), 5), () => {});
  small.dispose();
  assert.match(r.engine ?? '', /^tfjs-/);
  model.dispose();
});
