import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { DTNet } from '../../../../src/engine/models/dtNet';
import { FeedForwardNet } from '../../../../src/engine/models/feedForward';
import { Rng } from '../../../../src/shared/rng';
import { class1FromLogits, encodeBatch, type Problem } from '../../../../src/shared/problems/problem';
import { prefixSumsProblem, type PrefixSumsPuzzle } from '../../../../src/shared/problems/prefixSums';
import { mazeProblem } from '../../../../src/shared/problems/maze';
import type { MazeGrid } from '../../../../src/shared/maze/grid';
import { generatePrefixSums } from '../../../../src/engine/data/prefixSums';
import { generateMazes } from '../../../../src/shared/maze/mazeGenerator';
import { meanConfidenceOf } from '../../../../src/engine/solve/frames';
import {
  accuracyPerIteration,
  checkModelFitsProblem,
  resolveIterations,
  testPuzzles,
  testSeed,
  toEvaluateCurve,
} from '../../../../src/engine/eval/accuracy';

/**
 * The independent oracle: for every iteration count, recompute the net from scratch with model.forward (no
 * streaming), score every puzzle, and pick max-confidence iterations in plain JS.
 */
async function naive<P>(model: DTNet, problem: Problem<P, unknown>, puzzles: P[], batchSize: number, maxIt: number) {
  const correct = new Array<number>(maxIt).fill(0);
  let mcCorrect = 0;
  let mcIterSum = 0;
  for (let b = 0; b < puzzles.length; b += batchSize) {
    const ps = puzzles.slice(b, b + batchSize);
    const batch = encodeBatch(problem, ps);
    const x = tf.tensor(batch.input, [batch.n, ...batch.spatial, batch.channels]);
    const pos = batch.spatial.reduce((a, c) => a * c, 1);
    const best = ps.map(() => ({ conf: -1, it: 0, correct: false }));
    for (let it = 1; it <= maxIt; it++) {
      const { logits, thought } = model.forward(x, it);
      const c1 = class1FromLogits((await logits.data()) as Float32Array);
      logits.dispose();
      thought.dispose();
      ps.forEach((p, i) => {
        const s = c1.subarray(i * pos, (i + 1) * pos);
        const ok = problem.isCorrect(p, s);
        if (ok) correct[it - 1]++;
        const conf = meanConfidenceOf(s, batch.mask?.subarray(i * pos, (i + 1) * pos));
        if (conf > best[i].conf) best[i] = { conf, it, correct: ok };
      });
    }
    x.dispose();
    for (const bst of best) {
      mcCorrect += bst.correct ? 1 : 0;
      mcIterSum += bst.it;
    }
  }
  return { correct, mcCorrect, mcIterSum };
}

/** Prefix sums scored leniently (first bit only), so a random net gets a non-trivial, iteration-dependent score. */
const lenientPrefix: Problem<PrefixSumsPuzzle, string> = { ...prefixSumsProblem, isCorrect: (_p, c1) => c1[0] > 0 };
/** Mazes scored by the parity of the predicted path pixels inside the mask: varies with the iteration. */
const lenientMaze: Problem<MazeGrid, string[]> = {
  ...mazeProblem,
  isCorrect: (g, c1) => {
    const mask = mazeProblem.lossMask(g)!;
    let k = 0;
    for (let i = 0; i < c1.length; i++) if (mask[i] && c1[i] > 0) k++;
    return k % 2 === 0;
  },
};

/** A random net's logits are tiny; scale the last head conv so confidences differ clearly between iterations. */
function amplifyHead(model: DTNet, factor: number): void {
  const w = model.weights.get('head.4.weight')!;
  w.assign(tf.mul(w, factor));
}

test('streamed accuracy per iteration equals per-iteration recomputation (prefix sums)', async () => {
  await initBackend('wasm');
  const rng = new Rng(3);
  const model = new DTNet({ kind: 'dt-recall', dims: 1, width: 8, inChannels: 1, maxIters: 6, blocks: 1 }, () => rng.next());
  const puzzles = generatePrefixSums(10, 11, 99);
  for (const problem of [lenientPrefix, prefixSumsProblem]) {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const r = await accuracyPerIteration({
      model, problem, puzzles, total: 11, batchSize: 4, maxIterations: 8, onProgress: (p) => progress.push(p.done),
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    const want = await naive(model, problem, puzzles, 4, 8);
    assert.deepEqual(r.iterations, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(r.correct, want.correct);
    assert.deepEqual(r.accuracy, want.correct.map((c) => c / 11));
    assert.equal(r.maxConfidenceCorrect, want.mcCorrect);
    assert.equal(r.meanMaxConfidenceIteration, want.mcIterSum / 11);
    assert.equal(r.total, 11);
    assert.equal(r.cancelled, false);
    assert.deepEqual(progress, [4, 8, 11]);
    if (problem === lenientPrefix) {
      // the lenient score must actually vary, or the comparison above proves little
      assert.ok(new Set(want.correct).size > 1 || (want.correct[0] > 0 && want.correct[0] < 11), `trivial scores ${want.correct}`);
    }
  }
  model.dispose();
});

test('streamed accuracy equals recomputation on masked mazes, recording a subset of iterations', async () => {
  await initBackend('wasm');
  const rng = new Rng(5);
  const model = new DTNet({ kind: 'dt-recall', dims: 2, width: 6, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  amplifyHead(model, 100);
  const mazes = generateMazes(5, 7, 1);
  const r = await accuracyPerIteration({ model, problem: lenientMaze, puzzles: mazes, batchSize: 3, iterations: [7, 2, 5, 2] });
  const want = await naive(model, lenientMaze, mazes, 3, 7);
  assert.deepEqual(r.iterations, [2, 5, 7]);
  assert.deepEqual(r.correct, [want.correct[1], want.correct[4], want.correct[6]]);
  assert.equal(r.maxConfidenceCorrect, want.mcCorrect);
  assert.equal(r.meanMaxConfidenceIteration, want.mcIterSum / 7);
  assert.ok(want.correct.some((c) => c > 0 && c < 7), `trivial scores ${want.correct}`);
  const curve = toEvaluateCurve(9, r);
  assert.deepEqual(curve, { size: 9, iterations: [2, 5, 7], accuracy: r.accuracy, maxConfidenceAccuracy: r.maxConfidenceAccuracy });
  model.dispose();
});

test('accuracy stops on cancellation and counts only finished batches', async () => {
  await initBackend('wasm');
  const rng = new Rng(8);
  const model = new DTNet({ kind: 'dt-recall', dims: 1, width: 4, inChannels: 1, maxIters: 4, blocks: 1 }, () => rng.next());
  const token = { isCancellationRequested: false };
  const before = tf.memory().numTensors;
  const r = await accuracyPerIteration({
    model,
    problem: prefixSumsProblem,
    puzzles: generatePrefixSums(8, 20, 1),
    batchSize: 5,
    maxIterations: 50,
    progressEveryMs: 0,
    onProgress: (p) => {
      if (p.done === 5 && p.iteration === 10) token.isCancellationRequested = true;
    },
    token,
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.total, 5);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('iterations beyond a feed-forward net depth are dropped; bad inputs are named', async () => {
  await initBackend('wasm');
  assert.deepEqual(resolveIterations([3, 1, 3, 9], 0, 5), [1, 3]);
  assert.deepEqual(resolveIterations(undefined, 3), [1, 2, 3]);
  assert.throws(() => resolveIterations([0], 3), /positive integers/);
  const rng = new Rng(1);
  const ff = new FeedForwardNet({ kind: 'feedforward', dims: 1, width: 4, inChannels: 1, maxIters: 3, blocks: 1 }, () => rng.next());
  const r = await accuracyPerIteration({ model: ff, problem: prefixSumsProblem, puzzles: generatePrefixSums(6, 4, 2), iterations: [1, 3, 10] });
  assert.deepEqual(r.iterations, [1, 3]);
  assert.throws(() => checkModelFitsProblem(ff.arch, mazeProblem), /1-D net with 1 input channel\(s\), but mazes needs 2-D input with 3 channel\(s\)/);
  await assert.rejects(
    accuracyPerIteration({ model: ff, problem: mazeProblem, puzzles: [], iterations: [1] }),
    /but mazes needs 2-D/,
  );
  ff.dispose();
});

test('test sets are lazily generated from a salted seed', () => {
  assert.notEqual(testSeed(1, 9), testSeed(1, 11));
  assert.notEqual(testSeed(1, 9), 1);
  const mazes = [...(testPuzzles('mazes', 5, 3, 1) as Iterable<MazeGrid>)];
  assert.equal(mazes.length, 3);
  assert.deepEqual(
    mazes.map((m) => m.rows),
    [7, 7, 7],
  );
  const again = [...(testPuzzles('mazes', 5, 3, 1) as Iterable<MazeGrid>)];
  assert.deepEqual(again[2].walls, mazes[2].walls);
  assert.equal([...(testPuzzles('prefix-sums', 16, 5, 1) as Iterable<PrefixSumsPuzzle>)].length, 5);
  assert.throws(() => testPuzzles('chess', 0, 5, 1), /needs a puzzle CSV/);
});

test('max-confidence selection picks, per puzzle, the most confident iteration (earliest on ties)', async () => {
  await initBackend('wasm');
  // Every puzzle is bits 10 → target 11: correct iff both class1 > 0. Scripted class1 per puzzle per iteration:
  const script = [
    [[1, 1], [-5, 5], [3, 3]], // most confident at 2 (wrong); correct at 1 and 3
    [[-1, -1], [2, 2], [4, 4]], // most confident at 3 (right)
    [[5, 5], [1, -1], [-5, -5]], // tie between 1 and 3 → 1 (right)
  ];
  let call = 0;
  const fake = {
    arch: { kind: 'dt-recall', dims: 1, width: 1, inChannels: 1, maxIters: 3, blocks: 1 },
    depth: Infinity,
    *think(x: tf.Tensor, iterations: number) {
      const first = call++ * 2; // batches of 2 puzzles
      for (let it = 1; it <= iterations; it++) {
        const rows = Array.from({ length: x.shape[0] }, (_, i) => script[first + i][it - 1]);
        const logits = tf.tidy(() => {
          const c1 = tf.tensor(rows);
          return tf.stack([tf.zerosLike(c1), c1], -1);
        });
        const thought = tf.zeros([x.shape[0], 2, 1]);
        try {
          yield { iteration: it, logits, thought };
        } finally {
          logits.dispose();
          thought.dispose();
        }
      }
    },
  } as unknown as DTNet;
  const puzzles = [0, 1, 2].map(() => ({ bits: Uint8Array.from([1, 0]) }));
  const before = tf.memory().numTensors;
  const r = await accuracyPerIteration({ model: fake, problem: prefixSumsProblem, puzzles, batchSize: 2 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(r.correct, [2, 1, 2]);
  assert.equal(r.maxConfidenceCorrect, 2);
  assert.equal(r.meanMaxConfidenceIteration, 2);
});
