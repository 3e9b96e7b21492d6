import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decayFactor, learningRate, warmupFactor, type LrSchedule } from '../../../../src/engine/train/schedule';
import { PAPER_DEFAULTS, CPU_DEFAULTS, trainingDefaults } from '../../../../src/engine/train/defaults';
import { resolveTrainConfig } from '../../../../src/engine/train/trainConfig';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('exponential warm-up: 1 − exp(−t/period) until t reaches the period, then 1 (pytorch_warmup)', () => {
  near(warmupFactor(1, 5), 1 - Math.exp(-0.2)); // 0.18127
  near(warmupFactor(1, 5), 0.18126924692201818);
  near(warmupFactor(4, 5), 1 - Math.exp(-0.8));
  assert.equal(warmupFactor(5, 5), 1);
  assert.equal(warmupFactor(100, 5), 1);
  assert.equal(warmupFactor(1, 0), 1); // no warm-up
});

test('multi-step decay: ×gamma from each milestone epoch on (MultiStepLR)', () => {
  assert.equal(decayFactor(59, [60, 100], 0.1), 1);
  near(decayFactor(60, [60, 100], 0.1), 0.1);
  near(decayFactor(99, [60, 100], 0.1), 0.1);
  near(decayFactor(100, [60, 100], 0.1), 0.01);
  assert.equal(decayFactor(1000, [], 0.1), 1);
});

test('learning rate: the paper steps warm-up per epoch; a CPU run can count steps', () => {
  const paper: LrSchedule = { lr: 1e-3, warmupPeriod: 5, warmupUnit: 'epoch', milestones: [60, 100], gamma: 0.1 };
  near(learningRate(paper, 0, 0), 1e-3 * (1 - Math.exp(-1 / 5)));
  near(learningRate(paper, 0, 999), 1e-3 * (1 - Math.exp(-1 / 5))); // the step does not matter per epoch
  near(learningRate(paper, 3, 0), 1e-3 * (1 - Math.exp(-4 / 5)));
  near(learningRate(paper, 4, 0), 1e-3);
  near(learningRate(paper, 60, 0), 1e-4);
  near(learningRate(paper, 149, 0), 1e-5);
  const cpu: LrSchedule = { lr: 2e-3, warmupPeriod: 100, warmupUnit: 'step', milestones: [3], gamma: 0.5 };
  near(learningRate(cpu, 0, 0), 2e-3 * (1 - Math.exp(-1 / 100)));
  near(learningRate(cpu, 0, 49), 2e-3 * (1 - Math.exp(-50 / 100)));
  near(learningRate(cpu, 2, 99), 2e-3);
  near(learningRate(cpu, 3, 500), 1e-3);
});

test("defaults follow the paper's configs; CPU profiles only shrink sizes", () => {
  assert.deepEqual(
    [PAPER_DEFAULTS['prefix-sums'].alpha, PAPER_DEFAULTS['prefix-sums'].optimizer, PAPER_DEFAULTS['prefix-sums'].lr, PAPER_DEFAULTS['prefix-sums'].clip],
    [1, 'adam', 1e-3, 1],
  );
  assert.deepEqual([PAPER_DEFAULTS.mazes.alpha, PAPER_DEFAULTS.mazes.optimizer, PAPER_DEFAULTS.mazes.lr, PAPER_DEFAULTS.mazes.lrThrottle], [0.01, 'adam', 1e-3, true]);
  assert.deepEqual([PAPER_DEFAULTS.chess.alpha, PAPER_DEFAULTS.chess.optimizer, PAPER_DEFAULTS.chess.lr], [0.5, 'sgd', 0.01]);
  for (const p of ['prefix-sums', 'mazes', 'chess'] as const) {
    for (const k of ['alpha', 'optimizer', 'lr', 'weightDecay', 'clip', 'lrThrottle'] as const) assert.equal(CPU_DEFAULTS[p][k], PAPER_DEFAULTS[p][k], `${p}.${k}`);
    assert.equal(trainingDefaults(p).weightDecay, 2e-4);
  }
  assert.equal(trainingDefaults('mazes', 'paper').width, 128);
  assert.equal(CPU_DEFAULTS.mazes.size, 9);
});

test('training config: defaults fill in, bad fields are named', () => {
  const c = resolveTrainConfig({ problem: 'prefix-sums', width: 48, valSize: 48 });
  assert.equal(c.width, 48);
  assert.equal(c.alpha, 1);
  assert.equal(c.valIters, Math.ceil((c.maxIters * 48) / c.size));
  assert.throws(() => resolveTrainConfig({ problem: 'prefix-sums', alpha: 1.5 }), /alpha must be in \[0, 1\]/);
  assert.throws(() => resolveTrainConfig({ problem: 'prefix-sums', width: 0 }), /width must be a positive integer/);
  assert.throws(() => resolveTrainConfig({ problem: 'chess' }), /chess needs a Lichess puzzle CSV/);
  assert.throws(() => resolveTrainConfig({ problem: 'sudoku' as never }), /unknown problem/);
  assert.throws(() => resolveTrainConfig({ problem: 'mazes', optimizer: 'rmsprop' as never }), /optimizer must be adam or sgd/);
});
