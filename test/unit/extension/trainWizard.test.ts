/** The Train Model… wizard's pure parts: choices with estimates, the step count in the titles, the toast's ETA. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customEstimate, formatEta, modeChoices, progressMessage, stepTitle, wizardSteps } from '../../../src/extension/trainWizard';
import { BUILTIN_RECIPES, STEP_REFERENCES, estimateRecipeSeconds, estimateStageSeconds, formatDuration, formatDurationRange } from '../../../src/shared/recipes';
import type { TrainProgress } from '../../../src/shared/protocol/engine';

test('wizard titles count every question they will ask: the last one is n/n (run name and chess file included)', () => {
  const all = wizardSteps({ problemGiven: false, modeGiven: false, modelGiven: false, mode: 'custom', nameGiven: false, chessCsv: true });
  assert.deepEqual(all, ['problem', 'how to train', 'architecture', 'width (channels)', 'epochs', 'run name', 'chess puzzles']);
  assert.equal(stepTitle(all, 'problem'), 'Train Model (1/7): problem');
  assert.equal(stepTitle(all, 'chess puzzles'), 'Train Model (7/7): chess puzzles');
  const recipe = wizardSteps({ problemGiven: false, modeGiven: false, modelGiven: false, mode: 'recipe', nameGiven: false, chessCsv: false });
  assert.deepEqual(recipe, ['problem', 'how to train', 'architecture', 'run name']);
  assert.equal(stepTitle(recipe, 'run name'), 'Train Model (4/4): run name');
  for (const steps of [all, recipe]) {
    const titles = steps.map((s) => stepTitle(steps, s));
    assert.equal(new Set(titles).size, titles.length);
    assert.ok(titles.at(-1)!.includes(`(${steps.length}/${steps.length})`));
  }
});

test('estimates: the reference shapes reproduce their measured seconds per step; the maze scaling predicts stage 1 within 10 %', () => {
  for (const [problem, ref] of Object.entries(STEP_REFERENCES)) {
    const steps = 10;
    const s = estimateStageSeconds(problem as never, {
      width: ref.width, maxIters: ref.maxIters, size: problem === 'prefix-sums' ? ref.positions : Math.sqrt(ref.positions), batchSize: ref.batchSize,
      trainSize: (steps * ref.batchSize) / 0.8, epochs: 1,
    });
    assert.ok(Math.abs(s - steps * ref.secondsPerStep) < 1e-6 * s, `${problem}: ${s}`);
  }
  // The bundled maze model's stage 1 (5×5, 10 iterations): 3750 steps measured at 1358 s.
  const stage1 = estimateStageSeconds('mazes', { width: 32, maxIters: 10, size: 5, batchSize: 32, trainSize: 10_000, epochs: 15 });
  assert.ok(Math.abs(stage1 - 1358) < 0.1 * 1358, `stage 1 estimate ${stage1.toFixed(0)} s vs 1358 s measured`);
  // Every built-in recipe has an estimate; the curriculum is the sum of its stages.
  for (const r of Object.values(BUILTIN_RECIPES)) assert.ok((estimateRecipeSeconds(r) ?? 0) > 0, r.name);
  const both = estimateRecipeSeconds(BUILTIN_RECIPES['mazes-bundled'])!;
  assert.ok(Math.abs(both - (stage1 + estimateStageSeconds('mazes', { width: 32, maxIters: 30, size: 9, batchSize: 32, trainSize: 10_000, epochs: 6 }))) < 1e-6 * both);
  // The maze default's 5×5 stage stops early: the estimate counts its cap (15 epochs), then the 9×9 stage's 8 epochs of 5,000 mazes.
  const capped = estimateRecipeSeconds(BUILTIN_RECIPES.mazes)!;
  assert.ok(Math.abs(capped - (stage1 + estimateStageSeconds('mazes', { width: 32, maxIters: 30, size: 9, batchSize: 32, trainSize: 5_000, epochs: 8 }))) < 1e-6 * capped);
  // A stage with a restart rule counts once per attempt it may take (the prefix-sum recipe's 16-bit stage: 1 + 3).
  const ps = BUILTIN_RECIPES['prefix-sums'];
  const shape = (size: number, maxIters: number, epochs: number) => ({ width: 64, maxIters, size, batchSize: 100, trainSize: 10_000, epochs });
  assert.ok(Math.abs(estimateRecipeSeconds(ps)! - (4 * estimateStageSeconds('prefix-sums', shape(16, 20, 8)) + estimateStageSeconds('prefix-sums', shape(32, 30, 12)))) < 1e-6);
  assert.equal(formatDuration(90), '≈ 2 min');
  assert.equal(formatDuration(6000), '≈ 1 h 40 min');
});

test('mode choices name the estimated duration; wider nets and more epochs estimate longer', () => {
  const c = modeChoices('prefix-sums');
  assert.deepEqual(c.map((x) => x.mode), ['recipe', 'sweep', 'custom']);
  // Stop rules make the estimate a cap; the seeds measured with the recipe give the usual duration beside it.
  assert.match(c[0].label, /^Default recipe — 1–3 min over 5 measured seeds, at most ≈ \d+ min \(measured on 2 CPU cores with libtorch\)$/);
  assert.match(modeChoices('mazes')[0].label, /^Default recipe — \d+–\d+ min over 5 measured seeds, at most ≈ 1 h \d+ min \(measured/);
  assert.doesNotMatch(modeChoices('chess')[0].label, /measured seeds/, 'chess has no per-seed measurement');
  assert.equal(formatDurationRange(47, 150), '1–3 min');
  assert.equal(formatDurationRange(3000, 4200), '50 min – 1 h 10 min');
  assert.ok(Math.abs(c[1].seconds! - 3 * c[0].seconds!) < 1e-6);
  const minutes = (s: string) => {
    const m = /≈ (?:(\d+) h ?)?(?:(\d+) min)?/.exec(s)!;
    return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  };
  assert.ok(minutes(customEstimate('mazes', { width: 64 })) > minutes(customEstimate('mazes', { width: 32 })));
  assert.ok(minutes(customEstimate('prefix-sums', { epochs: 20 })) > minutes(customEstimate('prefix-sums', { epochs: 2 })));
});

test('progress toast message: seed, stage, epoch and the time left', () => {
  const p: TrainProgress = {
    runId: 'r/seed-2', epoch: 3, epochs: 6, step: 10, totalSteps: 100, loss: 0.12345, accuracy: 0.5, valAccuracy: 0.25, throughput: 41.6, lr: 1e-3,
    etaSeconds: 754, stage: 1, stages: 2, stageName: '5x5',
  };
  assert.equal(
    progressMessage(p, { index: 2, count: 3, seed: 2 }),
    'seed 2 (2/3) · stage 1/2 5x5 · epoch 3/6 · loss 0.1235 · acc 50.0% · val 25.0% · 42/s · ≈ 13 min left in this stage',
  );
  assert.equal(progressMessage({ ...p, stage: undefined, stages: undefined, etaSeconds: undefined }), 'epoch 3/6 · loss 0.1235 · acc 50.0% · val 25.0% · 42/s');
  assert.equal(formatEta(3900), '1 h 05 min');
  assert.equal(formatEta(40), '40 s');
});
