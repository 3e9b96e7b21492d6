import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import type { DTNet, ThinkStep } from '../../../../src/engine/models/dtNet';
import {
  DEFAULT_CONFIDENCE,
  DEFAULT_PATIENCE,
  defaultCheckEvery,
  defaultHaltingCap,
  HaltingTracker,
  meanConfidenceTensor,
  nextStableFor,
  resolveHaltingOptions,
  shouldHalt,
  thinkUntilHalted,
} from '../../../../src/engine/solve/halting';

test('nextStableFor resets on change and grows by the elapsed iterations', () => {
  assert.equal(nextStableFor(7, true, 1), 0);
  assert.equal(nextStableFor(7, false, 1), 8);
  assert.equal(nextStableFor(7, false, 5), 12);
});

test('shouldHalt needs both stability and confidence', () => {
  const o = { patience: 10, threshold: 0.99 };
  assert.equal(shouldHalt(10, 0.99, o), true);
  assert.equal(shouldHalt(9, 1, o), false);
  assert.equal(shouldHalt(50, 0.98, o), false);
  assert.equal(shouldHalt(50, NaN, o), false);
});

test('HaltingTracker halts each puzzle once, at the right iteration', () => {
  const t = new HaltingTracker(3, { patience: 2, threshold: 0.9 });
  // iteration 1: first check, nothing to compare with → stable 0
  assert.deepEqual(t.update(1, [1, 1, 1], [0.95, 0.5, 0.95]), []);
  // iteration 2: puzzle 0 unchanged (stable 1), 1 unchanged, 2 changed
  assert.deepEqual(t.update(2, [0, 0, 1], [0.95, 0.5, 0.95]), []);
  // iteration 3: puzzle 0 stable 2 & confident → halts; puzzle 1 stable 2 but unsure; puzzle 2 stable 1
  assert.deepEqual(t.update(3, [0, 0, 0], [0.97, 0.5, 0.95]), [0]);
  // a halted puzzle ignores later changes and keeps its confidence
  assert.deepEqual(t.update(4, [1, 0, 0], [0.1, 0.92, 0.95]), [1, 2]);
  assert.deepEqual(t.haltedAt, [3, 4, 4]);
  assert.equal(t.confidence[0], 0.97);
  assert.equal(t.allHalted, true);
  assert.throws(() => t.update(4, [0, 0, 0], [1, 1, 1]), /not after 4/);
  assert.throws(() => t.update(5, [0, 0], [1, 1, 1]), /expected 3 values/);
});

test('HaltingTracker with sparse checks counts the iterations between them', () => {
  const t = new HaltingTracker(1, { patience: 10, threshold: 0.5 });
  t.update(5, [1], [1]);
  assert.deepEqual(t.update(10, [0], [1]), []); // stable 5
  assert.deepEqual(t.update(15, [0], [1]), [0]); // stable 10
  assert.deepEqual(t.haltedAt, [15]);
});

test('resolveHaltingOptions fills defaults and rejects bad values', () => {
  const o = resolveHaltingOptions(undefined, 576);
  assert.deepEqual(o, { patience: DEFAULT_PATIENCE, threshold: DEFAULT_CONFIDENCE, maxIterations: 1000, checkEvery: 1 });
  assert.equal(defaultHaltingCap(1606 * 1606), 50_000);
  assert.equal(defaultHaltingCap(124 * 124), 124 * 124);
  assert.equal(defaultCheckEvery(256 * 256), 1);
  assert.equal(defaultCheckEvery(408 * 408), 5, '201×201 maze: the minimum interval for big images');
  assert.equal(defaultCheckEvery(1606 * 1606), 40, '801×801 maze: ≤ 64 Ki pixels checked per iteration on average');
  assert.equal(resolveHaltingOptions({ maxIterations: 7 }, 10).maxIterations, 7);
  assert.throws(() => resolveHaltingOptions({ threshold: 1.5 }, 10), /threshold must be in \(0, 1\]/);
  assert.throws(() => resolveHaltingOptions({ patience: -1 }, 10), /patience must be an integer/);
  assert.throws(() => resolveHaltingOptions({ maxIterations: 0 }, 10), /maxIterations must be an integer/);
});

test('meanConfidenceTensor: masked mean of sigmoid(|class1|)', async () => {
  await initBackend('wasm');
  const c1 = tf.tensor2d([[0, Math.log(3), 5], [-Math.log(3), 0, 0]]);
  const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
  const conf = Array.from(await meanConfidenceTensor(c1, mask).data());
  assert.ok(Math.abs(conf[0] - 0.625) < 1e-6 && Math.abs(conf[1] - 0.75) < 1e-6, String(conf));
  const none = Array.from(await meanConfidenceTensor(c1, tf.zeros([2, 3])).data());
  assert.deepEqual(none, [1, 1]);
});

/**
 * A stand-in for a net whose per-iteration class1 scores are scripted: scores(it) gives [N, L] class1 for iteration
 * it (1-based); logits are [N, L, 2] = [0, class1].
 */
function scriptedModel(scores: (it: number) => number[][], depth = Infinity): DTNet {
  return {
    depth,
    *think(x: tf.Tensor, iterations: number, _t?: tf.Tensor, start = 0): Generator<ThinkStep, void, void> {
      for (let i = start; i < start + iterations && i < depth; i++) {
        const logits = tf.tidy(() => {
          const c1 = tf.tensor(scores(i + 1));
          return tf.stack([tf.zerosLike(c1), c1], -1);
        });
        const thought = tf.zeros([x.shape[0], 1]);
        try {
          yield { iteration: i + 1, logits, thought };
        } finally {
          logits.dispose();
          thought.dispose();
        }
      }
    },
  } as unknown as DTNet;
}

test('thinkUntilHalted halts each puzzle separately and reports its answer at its halting iteration', async () => {
  await initBackend('wasm');
  // puzzle 0 settles on [+,−] from iteration 3 with |class1| = 10 (confident); puzzle 1 flips until 8, then
  // settles on [−,+]; puzzle 2 is stable but never confident.
  const model = scriptedModel((it) => {
    const p1 = it < 8 ? (it % 2 ? [10, 10] : [-10, -10]) : [-10, 10];
    return [it < 3 ? [-1, 1] : [10, -10], p1, [0.1, 0.1]];
  });
  const x = tf.zeros([3, 2, 1]);
  const before = tf.memory().numTensors;
  const run = await thinkUntilHalted(model, x, { halting: { patience: 4, threshold: 0.99, maxIterations: 40 } });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(run.haltedAt, [7, 12, null]);
  assert.equal(run.iterations, 40);
  assert.deepEqual(Array.from(run.class1), [10, -10, -10, 10, 0.1, 0.1].map((v) => Math.fround(v)));
  assert.equal(run.cancelled, false);
  // once every puzzle has halted the batch stops early
  const first = scriptedModel((it) => [it < 3 ? [-1, 1] : [10, -10]]);
  const quick = await thinkUntilHalted(first, tf.zeros([1, 2, 1]), { halting: { patience: 4, threshold: 0.99, maxIterations: 40 } });
  assert.deepEqual(quick.haltedAt, [7]);
  assert.equal(quick.iterations, 7);
  x.dispose();
});

test('thinkUntilHalted honours cancellation and the cap', async () => {
  await initBackend('wasm');
  const model = scriptedModel((it) => [[it % 2 ? 1 : -1]]);
  const ac = new AbortController();
  let seen = 0;
  const run = await thinkUntilHalted(model, tf.zeros([1, 1, 1]), {
    halting: { maxIterations: 100 },
    token: ac.signal,
    onIteration: (s) => {
      seen = s.iteration;
      if (s.iteration === 5) ac.abort();
    },
  });
  assert.equal(run.cancelled, true);
  assert.equal(run.iterations, 5);
  assert.equal(seen, 5);
  assert.deepEqual(Array.from(run.class1), [1]); // iteration 5's scores
  const capped = await thinkUntilHalted(model, tf.zeros([1, 1, 1]), { halting: { maxIterations: 6 } });
  assert.deepEqual([capped.iterations, capped.haltedAt[0], capped.class1[0]], [6, null, -1]);
});
