import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { DTNet } from '../../../../src/engine/models/dtNet';
import { Rng } from '../../../../src/shared/rng';
import { class1FromLogits } from '../../../../src/shared/problems/problem';
import { mazeProblem } from '../../../../src/shared/problems/maze';
import { chessProblem } from '../../../../src/shared/problems/chess';
import { parseMaze, serializeMaze } from '../../../../src/shared/maze/mazeFormat';
import { moveGoal, type MazeGrid } from '../../../../src/shared/maze/grid';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import type { SolveFrame, SolveParams } from '../../../../src/shared/protocol/engine';
import { decodeProbs, pictureChanged } from '../../../../src/engine/solve/frames';
import { SolveSession } from '../../../../src/engine/solve/solveSession';
import { loadSolveInput } from '../../../../src/engine/solve/solveInput';
import { buildFrame, mazeWrongCells } from '../../../../src/engine/solve/buildFrame';

const mazeArch = { kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 } as const;

function mazeModel(seed: number, width = 4): DTNet {
  const rng = new Rng(seed);
  return new DTNet({ ...mazeArch, width }, () => rng.next());
}

const maze9 = generateMaze(9, 123);
const maze9Text = serializeMaze(maze9);
const solveMaze = (iterations: number | 'auto', extra: Partial<SolveParams> = {}): SolveParams => ({
  sessionId: 's1',
  model: 'test',
  input: { problem: 'mazes', text: maze9Text },
  iterations,
  ...extra,
});

/** class1 of the net after `iterations` from scratch (the non-streamed path). */
async function forwardClass1(model: DTNet, grid: MazeGrid, iterations: number): Promise<Float32Array> {
  const enc = mazeProblem.encode(grid);
  const x = tf.tensor(enc.data, [1, ...enc.spatial, 3]);
  const { logits, thought } = model.forward(x, iterations);
  const c1 = class1FromLogits((await logits.data()) as Float32Array);
  x.dispose();
  logits.dispose();
  thought.dispose();
  return c1;
}

test('mazeWrongCells is empty exactly when the prediction is correct', () => {
  const target = mazeProblem.target(maze9);
  const perfect = Float32Array.from(target, (t) => (t ? 1 : -1));
  assert.deepEqual(mazeWrongCells(maze9, perfect), []);
  assert.equal(mazeProblem.isCorrect(maze9, perfect), true);
  // one wrong pixel in the start unit's block → that unit, and only it, is wrong
  const [sr, sc] = maze9.start;
  const wrong = perfect.slice();
  wrong[(1 + 2 * sr + 1) * (2 * maze9.cols + 2) + 1 + 2 * sc] = -1;
  assert.deepEqual(mazeWrongCells(maze9, wrong), [[sr, sc]]);
  assert.equal(mazeProblem.isCorrect(maze9, wrong), false);
  // wall pixels do not count
  const wallNoise = perfect.slice();
  wallNoise[0] = 5;
  assert.deepEqual(mazeWrongCells(maze9, wallNoise), []);
});

test('solve on a 9×9 maze returns a well-formed result that agrees with the BFS oracle', async () => {
  await initBackend('wasm');
  const model = mazeModel(1);
  const session = new SolveSession('s1', model);
  const frames: SolveFrame[] = [];
  const r = await session.solve(solveMaze(12), (f) => frames.push(f));
  const class1 = await forwardClass1(model, maze9, 12);
  assert.equal(r.sessionId, 's1');
  assert.equal(r.iterations, 12);
  assert.equal(r.cancelled, false);
  assert.equal(r.haltedAt, undefined);
  assert.equal(r.correct, mazeProblem.isCorrect(maze9, class1));
  assert.deepEqual(r.wrongCells, mazeWrongCells(maze9, class1));
  assert.equal(r.correct, r.wrongCells!.length === 0);
  assert.deepEqual(r.prediction, mazeProblem.decode(maze9, class1));
  assert.equal((r.prediction as string[]).length, 11);
  const f = r.finalFrame;
  assert.deepEqual([f.iteration, f.rows, f.cols, f.scale], [12, 11, 11, 1]);
  assert.equal(decodeProbs(f.probs).length, 121);
  assert.deepEqual(f, buildFrame('s1', 12, loadSolveInput({ problem: 'mazes', text: maze9Text }), class1, Infinity));
  assert.equal(f.correct, r.correct);
  // the stream ends on the last iteration
  assert.equal(frames.at(-1)!.iteration, 12);
  assert.ok(frames.every((fr, i) => i === 0 || fr.iteration > frames[i - 1].iteration));
  session.dispose();
  model.dispose();
});

test('memory is flat over 2,000 iterations and dispose frees the session', async () => {
  await initBackend('wasm');
  const model = mazeModel(2);
  const baseline = tf.memory().numTensors;
  let t = 0;
  const session = new SolveSession('mem', model, { now: () => (t += 1) }); // 1 "ms" per clock read
  const counts: number[] = [];
  const r = await session.solve(solveMaze(2000, { maxFps: 20 }), () => counts.push(tf.memory().numTensors));
  assert.equal(r.iterations, 2000);
  assert.ok(counts.length > 10, `only ${counts.length} frames`);
  assert.equal(Math.max(...counts), Math.min(...counts), `tensor count drifted: ${counts.slice(0, 5)} … ${counts.slice(-5)}`);
  const afterLong = tf.memory().numTensors;
  await session.solve(solveMaze(3), () => {});
  assert.equal(tf.memory().numTensors, afterLong);
  await session.intervene({ sessionId: 'mem', intervention: { kind: 'perturb', mode: 'noise', strength: 0.5 }, iterations: 500 }, () => {});
  assert.equal(tf.memory().numTensors, afterLong);
  assert.equal(afterLong, baseline + 3, 'the session holds exactly x, the mask and the thought');
  session.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  await assert.rejects(session.solve(solveMaze(1), () => {}), /disposed/);
  model.dispose();
});

test('frames are throttled by time, downsampled to the cell budget, and the last one is always sent', async () => {
  await initBackend('wasm');
  const model = mazeModel(3);
  const frozenClock = new SolveSession('c', model, { now: () => 0 });
  const frames: SolveFrame[] = [];
  await frozenClock.solve(solveMaze(50, { maxFrameCells: 16 }), (f) => frames.push(f));
  assert.deepEqual(frames.map((f) => f.iteration), [1, 50]);
  for (const f of frames) {
    assert.deepEqual([f.rows, f.cols, f.scale], [4, 4, 3]); // 11×11 units, s = 3 → 4×4 ≤ 16
    assert.equal(decodeProbs(f.probs).length, 16);
    assert.equal(f.prediction, undefined, 'downsampled frames carry no prediction');
  }
  frozenClock.dispose();
  let t = 0;
  const ticking = new SolveSession('t', model, { now: () => (t += 10) }); // every clock read advances 10 ms
  const its: number[] = [];
  await ticking.solve(solveMaze(40, { maxFps: 20 }), (f) => its.push(f.iteration));
  // ≥ 50 ms apart on the fake clock: never two consecutive iterations, always the last
  assert.ok(its.length > 3 && its.length < 40, String(its));
  assert.equal(its.at(-1), 40);
  ticking.dispose();
  model.dispose();
});

test('interventions continue from the current thought', async () => {
  await initBackend('wasm');
  const model = mazeModel(4);
  const session = new SolveSession('iv', model);
  await assert.rejects(
    session.intervene({ sessionId: 'iv', intervention: { kind: 'continue' }, iterations: 1 }, () => {}),
    /solve a puzzle first/,
  );
  await session.solve(solveMaze(4), () => {});
  // continue: 4 + 3 iterations equal 7 from scratch
  const frames: SolveFrame[] = [];
  const cont = await session.intervene({ sessionId: 'iv', intervention: { kind: 'continue' }, iterations: 3 }, (f) => frames.push(f));
  assert.equal(cont.iterations, 7);
  assert.equal(frames[0].iteration, 5);
  assert.deepEqual(cont.finalFrame.probs, buildFrame('iv', 7, loadSolveInput(solveMaze(7).input), await forwardClass1(model, maze9, 7), Infinity).probs);

  // swapInput: move the goal, think 2 more; manual = 7 steps on the old maze, then 2 steps on the new one
  const cell = [...Array(121).keys()].find((u) => !maze9.walls[u] && u !== maze9.start[0] * 11 + maze9.start[1] && u !== maze9.goal[0] * 11 + maze9.goal[1])!;
  const moved = moveGoal(maze9, Math.floor(cell / 11), cell % 11);
  assert.notEqual(moved, maze9);
  const swapped = await session.intervene(
    { sessionId: 'iv', intervention: { kind: 'swapInput', input: { problem: 'mazes', text: serializeMaze(moved) } }, iterations: 2 },
    () => {},
  );
  const encOld = mazeProblem.encode(maze9);
  const encNew = mazeProblem.encode(moved);
  const x1 = tf.tensor(encOld.data, [1, ...encOld.spatial, 3]);
  const x2 = tf.tensor(encNew.data, [1, ...encNew.spatial, 3]);
  let th = model.project(x1);
  for (let i = 0; i < 7; i++) th = model.step(th, x1, i);
  for (let i = 7; i < 9; i++) th = model.step(th, x2, i);
  const manual = class1FromLogits((await model.head(th).data()) as Float32Array);
  assert.equal(swapped.iterations, 9);
  assert.deepEqual(swapped.finalFrame.probs, buildFrame('iv', 9, loadSolveInput({ problem: 'mazes', text: serializeMaze(moved) }), manual, Infinity).probs);
  assert.equal(swapped.correct, mazeProblem.isCorrect(moved, manual), 'the oracle follows the new input');

  // perturb: zeroing every activation, then 0 iterations → the head of an all-zero thought
  const zeroed = await session.intervene(
    { sessionId: 'iv', intervention: { kind: 'perturb', mode: 'zero', strength: 1 }, iterations: 0 },
    () => {},
  );
  const headOfZeros = class1FromLogits((await model.head(tf.zeros([1, 24, 24, 4])).data()) as Float32Array);
  assert.deepEqual(zeroed.finalFrame.probs, buildFrame('iv', 9, loadSolveInput({ problem: 'mazes', text: serializeMaze(moved) }), headOfZeros, Infinity).probs);

  // a swapped input must keep the size
  await assert.rejects(
    session.intervene(
      { sessionId: 'iv', intervention: { kind: 'swapInput', input: { problem: 'mazes', text: serializeMaze(generateMaze(7, 1)) } }, iterations: 1 },
      () => {},
    ),
    /cannot swap the input/,
  );
  session.dispose();
  model.dispose();
});

test("iterations 'auto' halts once the prediction is stable and confident", async () => {
  await initBackend('wasm');
  // A scripted net: the thought counts iterations; class1 is −1 (unsure, "0") before iteration 3 and +10 after.
  const fake = {
    arch: { kind: 'dt-recall', dims: 1, width: 1, inChannels: 1, maxIters: 5, blocks: 1 },
    depth: Infinity,
    project: (x: tf.Tensor) => tf.zerosLike(x),
    step: (t: tf.Tensor) => tf.add(t, 1),
    head: (t: tf.Tensor) =>
      tf.tidy(() => {
        const c1 = tf.where(tf.greaterEqual(t, 3), tf.fill(t.shape, 10), tf.fill(t.shape, -1));
        return tf.concat([tf.zerosLike(c1), c1], -1);
      }),
    dispose: () => {},
  } as unknown as DTNet;
  const session = new SolveSession('auto', fake, { halting: { patience: 4 } });
  const before = tf.memory().numTensors;
  const r = await session.solve({ sessionId: 'auto', model: 'fake', input: { problem: 'prefix-sums', bits: '1011' }, iterations: 'auto' }, () => {});
  assert.equal(r.haltedAt, 7);
  assert.equal(r.iterations, 7);
  assert.equal(r.prediction, '1111');
  assert.equal(r.correct, false); // the prefix sums of 1011 are 1101
  assert.equal(r.finalFrame.confidence > 0.99, true);
  // unsure nets stop at the cap
  const capped = new SolveSession('cap', fake, { halting: { patience: 4, threshold: 1, maxIterations: 9 } });
  const c = await capped.solve({ sessionId: 'cap', model: 'fake', input: { problem: 'prefix-sums', bits: '1' }, iterations: 'auto' }, () => {});
  assert.deepEqual([c.iterations, c.haltedAt, c.prediction, c.correct], [9, undefined, '1', true]);
  session.dispose();
  capped.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('a new request supersedes the running one; cancellation keeps the state', async () => {
  await initBackend('wasm');
  const model = mazeModel(5);
  const session = new SolveSession('sup', model);
  const first = session.solve(solveMaze(100_000), () => {});
  await new Promise((r) => setTimeout(r, 50));
  const second = session.solve(solveMaze(3), () => {});
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.cancelled, true);
  assert.ok(a.iterations > 0 && a.iterations < 100_000);
  assert.equal(b.cancelled, false);
  assert.equal(b.iterations, 3);
  const token = { isCancellationRequested: false };
  let n = 0;
  const c = await session.intervene({ sessionId: 'sup', intervention: { kind: 'continue' }, iterations: 1000, maxFps: 1e9 }, () => {
    if (++n === 5) token.isCancellationRequested = true;
  }, token);
  assert.equal(c.cancelled, true);
  assert.ok(c.iterations >= 3 + 5 && c.iterations < 1003, String(c.iterations));
  assert.equal(c.finalFrame.iteration, c.iterations);
  session.dispose();
  model.dispose();
});

test('bad input and mismatched models give clear errors', async () => {
  await initBackend('wasm');
  const model = mazeModel(6);
  const session = new SolveSession('bad', model);
  await assert.rejects(session.solve({ ...solveMaze(1), input: { problem: 'mazes', text: '#####\n#S.x#\n#..G#\n#####\n' } }, () => {}), /<maze>:2:4: error: unknown character 'x'/);
  await assert.rejects(session.solve({ ...solveMaze(1), input: { problem: 'prefix-sums', bits: '10a1' } }, () => {}), /prefix-sums input: column 3/);
  await assert.rejects(session.solve({ ...solveMaze(1), input: { problem: 'prefix-sums', bits: '1011' } }, () => {}), /model "test" is a 2-D net with 3 input channel\(s\), but prefix-sums needs 1-D/);
  await assert.rejects(session.solve({ ...solveMaze(1), input: { problem: 'chess', fen: 'not a fen', moves: '' } }, () => {}), /chess input: FEN/);
  await assert.rejects(session.solve(solveMaze(-1), () => {}), /non-negative integer or 'auto'/);
  assert.throws(() => loadSolveInput({ problem: 'chess', fen: 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1', moves: 'e2e5' }), /chess input: Moves: 'e2e5' is illegal/);
  session.dispose();
  model.dispose();
});

test('chess: the oracle is the puzzle move', async () => {
  await initBackend('wasm');
  const rng = new Rng(9);
  const model = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 12, maxIters: 5, blocks: 1 }, () => rng.next());
  const session = new SolveSession('chess', model);
  const input = { problem: 'chess' as const, fen: 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1', moves: 'e2e4 e7e5' };
  const r = await session.solve({ sessionId: 'chess', model: 'c', input, iterations: 3 }, () => {});
  const loaded = loadSolveInput(input);
  const x = tf.tensor(loaded.data, [1, 8, 8, 12]);
  const c1 = class1FromLogits((await model.forward(x, 3).logits.data()) as Float32Array);
  assert.equal(r.correct, chessProblem.isCorrect(loaded.puzzle as never, c1));
  assert.equal(r.prediction, chessProblem.decode(loaded.puzzle as never, c1) ?? '');
  assert.match(r.prediction as string, /^[a-h][1-8][a-h][1-8]/);
  assert.deepEqual([r.finalFrame.rows, r.finalFrame.cols], [8, 8]);
  assert.equal(r.wrongCells, undefined);
  // a position without moves has no oracle: never correct, no per-frame verdict
  const free = await session.solve({ sessionId: 'chess', model: 'c', input: { ...input, moves: '' }, iterations: 1 }, () => {});
  assert.equal(free.correct, false);
  assert.equal(free.finalFrame.correct, undefined);
  session.dispose();
  model.dispose();
});

test('parseMaze round trip sanity for the fixture maze', () => {
  assert.deepEqual(parseMaze(maze9Text).walls, maze9.walls);
});

test('small mazes stream every changed picture; a perturbation first shows the damaged thought, marked', async () => {
  await initBackend('wasm');
  const model = mazeModel(5);
  // A frozen clock: the fps throttle never fires, so every frame in between is there because its picture changed.
  const session = new SolveSession('w', model, { now: () => 0 });
  const frames: SolveFrame[] = [];
  await session.solve(solveMaze(30), (f) => frames.push(f));
  assert.equal(frames[0].iteration, 1);
  assert.equal(frames.at(-1)!.iteration, 30);
  for (let i = 1; i < frames.length - 1; i++) {
    assert.ok(pictureChanged(frames[i - 1].probs, frames[i].probs), `frame ${frames[i].iteration} differs from the one before`);
  }
  const after: SolveFrame[] = [];
  const r = await session.intervene({ sessionId: 'w', intervention: { kind: 'perturb', mode: 'noise', strength: 1 }, iterations: 3 }, (f) => after.push(f));
  assert.equal(after[0].mark, 'perturb');
  assert.equal(after[0].iteration, 30, 'the damaged picture comes before any further iteration');
  assert.equal(after.at(-1)!.iteration, 33);
  assert.equal(r.iterations, 33);
  // A brushed region on a maze erases part of the thought; outside it the thought is the same.
  const region = await session.intervene(
    { sessionId: 'w', intervention: { kind: 'perturb', mode: 'zero', strength: 1, region: [[0, 0], [0, 1]] }, iterations: 1 },
    () => undefined,
  );
  assert.equal(region.iterations, 34);
  session.dispose();
  model.dispose();
});
