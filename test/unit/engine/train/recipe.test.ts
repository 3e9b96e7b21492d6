/** Recipes as data: validation, the built-in recipes, a 2-stage run, resume across stages, sweeps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../../src/engine/tf';
import { loadCheckpoint, readCheckpointMeta } from '../../../../src/engine/checkpoint/store';
import { defaultRecipe, loadRecipe, stageConfig, validateRecipe } from '../../../../src/engine/train/recipe';
import { BUILTIN_RECIPES, type Recipe } from '../../../../src/shared/recipes';
import { attemptSeed, runRecipe, stagesDirFor } from '../../../../src/engine/train/runRecipe';
import { parseSeeds, runSweep, SWEEP_FILE, type SweepSummary } from '../../../../src/engine/train/sweep';
import { train } from '../../../../src/engine/train/trainer';
import { resolveTrainConfig } from '../../../../src/engine/train/trainConfig';
import { recipeFor } from '../../../../src/engine/cli/train';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dt-recipe-'));
}

/** Two stages of 6-bit then 8-bit prefix sums, 4 steps per epoch: seconds on wasm. */
const tiny: Recipe = {
  name: 'tiny',
  problem: 'prefix-sums',
  stages: [
    { name: 'short', size: 6, trainSize: 40, width: 8, maxIters: 4, epochs: 2, batchSize: 8, warmupPeriod: 3, valSize: null },
    { name: 'long', size: 8, maxIters: 5, epochs: 1, valSize: 10, valIters: 6 },
  ],
};

test('built-in recipes: every one validates; the defaults and the bundled models\' recipes', () => {
  for (const [name, r] of Object.entries(BUILTIN_RECIPES)) assert.equal(validateRecipe(structuredClone(r), name).name, name);
  // Against the commands recorded in the bundled models' model.json.
  const psRecipe = defaultRecipe('prefix-sums');
  assert.equal(psRecipe.stages.length, 2);
  const [p1, ps] = [0, 1].map((i) => resolveTrainConfig(stageConfig(psRecipe, i)));
  assert.deepEqual([p1.model, p1.width, p1.maxIters, p1.size, p1.valSize, p1.epochs, p1.clip], ['dt-recall', 64, 20, 16, 32, 8, null]);
  assert.deepEqual([ps.model, ps.width, ps.maxIters, ps.alpha, ps.size, ps.valSize, ps.valIters, ps.trainSize, ps.batchSize], ['dt-recall', 64, 30, 1, 32, 64, 60, 10000, 100]);
  // Every measured seed learns only with the uniform total n + k and without the paper's clip (docs/seeds.md); a
  // single run keeps the paper's draw and clip by default.
  assert.deepEqual([ps.sampling, ps.epochs, ps.stopAt, ps.clip], ['uniform-total', 12, 1, null]);
  assert.equal(resolveTrainConfig({ problem: 'prefix-sums' }).clip, 1);
  assert.equal(resolveTrainConfig({ problem: 'prefix-sums' }).sampling, 'independent');
  for (const name of ['prefix-sums-dt', 'prefix-sums-ff']) assert.equal(resolveTrainConfig(stageConfig(BUILTIN_RECIPES[name], 0)).sampling, 'independent', name);
  // The bundled maze model's curriculum (its model.json: 5×5 for 15 epochs, then 9×9 for 6 epochs at lr 5e-4).
  const mb = BUILTIN_RECIPES['mazes-bundled'];
  assert.equal(mb.stages.length, 2);
  const [m1, m2] = [0, 1].map((i) => resolveTrainConfig(stageConfig(mb, i)));
  assert.deepEqual([m1.width, m1.maxIters, m1.alpha, m1.lrThrottle, m1.size, m1.valSize, m1.epochs, m1.batchSize, m1.trainSize], [32, 10, 0.5, false, 5, 7, 15, 32, 10000]);
  // Stage 2 inherits width, α and the throttle from stage 1 and changes the rest.
  assert.deepEqual([m2.width, m2.maxIters, m2.alpha, m2.lrThrottle, m2.size, m2.valSize, m2.valIters, m2.epochs, m2.lr], [32, 30, 0.5, false, 9, 13, 44, 6, 0.0005]);
  assert.equal(m2.clip, null);
  // The maze default: the same curriculum, clipped at 2 in both stages (inherited), a stop on 5×5 only, small 9×9 epochs.
  const mz = defaultRecipe('mazes');
  assert.equal(mz.name, 'mazes');
  const [d1, d2] = [0, 1].map((i) => resolveTrainConfig(stageConfig(mz, i)));
  assert.deepEqual([d1.width, d1.maxIters, d1.size, d1.valSize, d1.clip, d1.epochs, d1.stopAt], [32, 10, 5, 7, 2, 15, 0.95]);
  assert.deepEqual([d2.width, d2.maxIters, d2.size, d2.valSize, d2.valIters, d2.clip, d2.trainSize, d2.epochs, d2.stopAt, d2.lr], [32, 30, 9, 13, 44, 2, 5000, 8, null, 0.0005]);
  assert.deepEqual([d2.milestones, d2.gamma], [[5], 0.1]);
});

test('bad recipe files: errors name the file, the stage and the field', () => {
  const dir = tmpDir();
  try {
    const write = (name: string, text: string) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    };
    const cases: [string, string, RegExp][] = [
      ['syntax.json', '{\n "problem": "mazes",\n "stages": [ { "size": 5, } ]\n}', /syntax\.json:3: not valid JSON/],
      ['noproblem.json', '{"stages": [{}]}', /noproblem\.json: problem: must be one of prefix-sums, mazes, chess, got undefined/],
      ['nostages.json', '{"problem": "mazes", "stages": []}', /nostages\.json: stages: must be a non-empty list/],
      ['unknown.json', '{"problem": "mazes", "stages": [{"size": 5}, {"sise": 9}]}', /unknown\.json: stages\[1\]\.sise: unknown field/],
      ['type.json', '{"problem": "mazes", "stages": [{"epochs": "3"}]}', /type\.json: stages\[0\]\.epochs: must be an integer, got "3"/],
      ['range.json', '{"problem": "mazes", "stages": [{"size": 5}, {"lr": -1}]}', /range\.json: stages\[1\]: lr must be > 0, got -1/],
      ['model.json', '{"problem": "mazes", "stages": [{"model": "resnet"}]}', /model\.json: stages\[0\]\.model: must be one of dt-recall, dt, feedforward, dt-l/],
      ['top.json', '{"problem": "mazes", "stages": [{}], "seed": 3}', /top\.json: unknown field "seed"/],
    ];
    for (const [name, text, re] of cases) assert.throws(() => loadRecipe(write(name, text)), re, name);
    assert.throws(() => loadRecipe(path.join(dir, 'missing.json')), /missing\.json: cannot read the recipe: ENOENT/);
    assert.throws(() => loadRecipe('no-such-recipe'), /not a built-in recipe \(prefix-sums, .*mazes.*\) nor an existing \.json file/);
    // A good file loads, with its name.
    const ok = loadRecipe(write('ok.json', JSON.stringify(tiny)));
    assert.equal(ok.stages.length, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('train CLI: --problem alone runs the default recipe; training flags alone run a single run', () => {
  const base = { seed: 0, profile: 'cpu' as const, resume: false, out: 'x' };
  assert.equal(recipeFor({ ...base, problem: 'mazes' })?.name, 'mazes');
  assert.equal(recipeFor({ ...base, problem: 'mazes', model: 'dt-l' })?.name, 'mazes', '--model keeps the recipe');
  assert.equal(recipeFor({ ...base, problem: 'mazes', epochs: 1 }), undefined);
  assert.equal(recipeFor({ ...base, problem: 'mazes', recipe: 'mazes-dt', epochs: 1 })?.name, 'mazes-dt');
  assert.throws(() => recipeFor({ ...base, problem: 'mazes', recipe: 'prefix-sums' }), /recipe prefix-sums is for prefix-sums, not mazes/);
  assert.throws(() => recipeFor({ ...base, problem: 'mazes', epochs: 1, seeds: '1,2' }), /--seeds runs a recipe/);
  assert.deepEqual(parseSeeds('1, 2,3'), [1, 2, 3]);
  assert.throws(() => parseSeeds('1,x'), /--seeds: expected a comma-separated list/);
  assert.throws(() => parseSeeds('2,2'), /repeats a seed/);
});

test('a 2-stage recipe: stage 2 starts from stage 1, the final dir is a checkpoint with every stage in model.json; resume across stages', async () => {
  await initBackend('wasm');
  const root = tmpDir();
  try {
    const full = await runRecipe(tiny, { seed: 3, outDir: path.join(root, 'full'), overrides: { threads: 1 } });
    assert.equal(full.complete, true);
    assert.equal(full.stages.length, 2);
    assert.equal(full.stages[1].initFrom, path.join(stagesDirFor(path.join(root, 'full')), 'stage-1'));
    const { model, meta } = await loadCheckpoint(path.join(root, 'full'));
    assert.equal(model.arch.maxIters, 5, 'the final checkpoint is stage 2\'s');
    model.dispose();
    const rec = meta.training.recipe as { name: string; stages: { name: string; selection: { size: number; iterations: number; accuracy: number }; seconds: number; bestEpoch: number }[] };
    assert.equal(rec.name, 'tiny');
    assert.deepEqual(rec.stages.map((s) => s.name), ['short', 'long']);
    assert.deepEqual(rec.stages.map((s) => [s.selection.size, s.selection.iterations]), [[6, 4], [10, 6]]);
    for (const s of rec.stages) {
      assert.ok(s.selection.accuracy >= 0 && s.selection.accuracy <= 1 && s.bestEpoch >= 1 && s.seconds >= 0);
    }

    // Cancel during stage 2, then resume: stage 1 is not run again, and the result equals the uninterrupted run's.
    const dir = path.join(root, 'cut');
    const cancel = new AbortController();
    const seenStages = new Set<number>();
    const first = await runRecipe(tiny, { seed: 3, outDir: dir, overrides: { threads: 1 } }, {
      token: cancel.signal,
      onProgress: (e) => {
        seenStages.add(e.stage);
        if (e.stage === 2 && e.kind === 'step' && e.step === 2) cancel.abort();
      },
    });
    assert.equal(first.cancelled, true);
    assert.equal(first.complete, false);
    assert.equal(first.checkpointDir, path.join(stagesDirFor(dir), 'stage-1'), 'no stage-2 epoch finished: stage 1 holds the newest checkpoint');
    assert.deepEqual([...seenStages], [1, 2]);
    const resumedStages = new Set<number>();
    const second = await runRecipe(tiny, { seed: 3, outDir: dir, overrides: { threads: 1 }, resume: true }, { onProgress: (e) => resumedStages.add(e.stage) });
    assert.equal(second.complete, true);
    assert.deepEqual([...resumedStages], [2], 'the resumed run continues in stage 2');
    const a = await loadCheckpoint(path.join(root, 'full'));
    const b = await loadCheckpoint(dir);
    const wa = await a.model.exportWeights();
    const wb = await b.model.exportWeights();
    for (const [k, v] of wa) assert.deepEqual(wb.get(k), v, `weight ${k} after resume`);
    a.model.dispose();
    b.model.dispose();
    // Resuming with a different seed is refused, naming the state file.
    await assert.rejects(runRecipe(tiny, { seed: 4, outDir: dir, resume: true }), /recipe-state\.json: this directory holds a different run/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a seed sweep: one run per seed in seed-<S>, sweep.json with every seed and the kept one', async () => {
  await initBackend('wasm');
  const root = tmpDir();
  try {
    const one: Recipe = { ...tiny, stages: [tiny.stages[0]] };
    const summary = await runSweep(one, [1, 2], { outDir: root, overrides: { threads: 1 } });
    const saved = JSON.parse(fs.readFileSync(path.join(root, SWEEP_FILE), 'utf8')) as SweepSummary;
    assert.deepEqual(saved, summary);
    assert.deepEqual(summary.runs.map((r) => [r.seed, r.dir, r.status]), [[1, 'seed-1', 'done'], [2, 'seed-2', 'done']]);
    const best = Math.max(...summary.runs.map((r) => r.selectionAccuracy!));
    assert.equal(summary.kept, summary.runs.find((r) => r.selectionAccuracy === best)!.dir);
    for (const s of [1, 2]) assert.equal((await readCheckpointMeta(path.join(root, `seed-${s}`))).seed, s);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('stopAt: a stage stops after the first epoch whose selection accuracy reaches it, and a resume does not continue it', async () => {
  await initBackend('wasm');
  const root = tmpDir();
  try {
    const base = { problem: 'prefix-sums' as const, size: 6, trainSize: 40, width: 8, maxIters: 4, epochs: 4, batchSize: 8, warmupPeriod: 3, valSize: null, threads: 1 };
    // Find a seed whose run has a non-zero validation accuracy before its last epoch (the stop must be testable).
    let found: { seed: number; epoch: number; metric: number } | undefined;
    for (let seed = 1; seed <= 8 && !found; seed++) {
      const r = await train({ ...base, seed });
      const h = r.history.slice(0, -1).find((e) => e.valAccuracy > 0);
      if (h) found = { seed, epoch: h.epoch, metric: h.valAccuracy };
    }
    assert.ok(found, 'some seed validates above 0 % before its last epoch');
    const dir = path.join(root, 'stop');
    const stopped = await train({ ...base, seed: found.seed, stopAt: found.metric, outDir: dir });
    assert.equal(stopped.epochsCompleted, found.epoch, `stops after epoch ${found.epoch}`);
    assert.equal(stopped.cancelled, false);
    const again = await train({ ...base, seed: found.seed, stopAt: found.metric, outDir: dir, resume: true });
    assert.equal(again.epochsCompleted, found.epoch, 'a resume of a stopped run trains no further');
    assert.throws(() => resolveTrainConfig({ ...base, stopAt: 1.5 }), /stopAt must be in \(0, 1\] or null, got 1.5/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('restartBelow: a stage that ends below it runs again from derived seeds, at most `restarts` times; model.json records the abandoned runs; a resume continues the attempt it was in', async () => {
  await initBackend('wasm');
  const root = tmpDir();
  // One epoch of 4 steps cannot solve 6-bit prefix sums exactly: every attempt ends far below 100 %.
  const hopeless: Recipe = { name: 'hopeless', problem: 'prefix-sums', stages: [{ ...tiny.stages[0], epochs: 1, restartBelow: 1, restarts: 2 }] };
  try {
    const logs: string[] = [];
    const out = path.join(root, 'full');
    const attempts = new Set<number | undefined>();
    const full = await runRecipe(hopeless, { seed: 5, outDir: out, overrides: { threads: 1 } }, { log: (m) => logs.push(m), onProgress: (e) => attempts.add(e.attempt) });
    assert.equal(full.complete, true);
    assert.deepEqual([...attempts], [undefined, 2, 3], 'progress names the attempt after a restart');
    const [stage] = full.stages;
    assert.ok(stage.selection.accuracy! < 1);
    assert.deepEqual(stage.restarts!.map((a) => a.seed), [5, attemptSeed(5, 1)]);
    assert.equal(stage.config.seed, attemptSeed(5, 2), 'the kept run is the third attempt');
    // Each abandoned attempt keeps its epochs, with the gradient norms that tell a plateau from an unstable start.
    for (const a of stage.restarts!) {
      assert.equal(a.history!.length, 1);
      const [e] = a.history!;
      assert.ok(e.gradNorm! > 0 && e.gradNormMax! >= e.gradNorm!, `gradient norms ${e.gradNorm} ≤ ${e.gradNormMax}`);
    }
    assert.ok(stage.history.every((e) => e.gradNorm! > 0), 'the kept attempt records them too');
    assert.notEqual(attemptSeed(5, 1), attemptSeed(5, 2));
    assert.equal(logs.filter((l) => /below its restart threshold 100\.0%: starting it again/.test(l)).length, 2);
    const meta = await readCheckpointMeta(out);
    assert.equal(meta.training.seed, attemptSeed(5, 2));
    assert.equal((meta.training.recipe as { stages: { restarts: unknown[] }[] }).stages[0].restarts.length, 2);

    // Stopped during the second attempt, then resumed: the first attempt is not run again, and the result is the
    // uninterrupted run's.
    const dir = path.join(root, 'cut');
    const cancel = new AbortController();
    const cut = await runRecipe(hopeless, { seed: 5, outDir: dir, overrides: { threads: 1 } }, {
      token: cancel.signal,
      onProgress: (e) => {
        if (e.kind === 'step' && e.step === 2 && fs.existsSync(path.join(stagesDirFor(dir), 'recipe-state.json'))) cancel.abort();
      },
    });
    assert.equal(cut.cancelled, true);
    assert.deepEqual(cut.stages[0].restarts!.map((a) => a.seed), [5]);
    const resumed = await runRecipe(hopeless, { seed: 5, outDir: dir, overrides: { threads: 1 }, resume: true });
    assert.equal(resumed.complete, true);
    assert.deepEqual(resumed.stages[0].restarts!.map((a) => a.seed), [5, attemptSeed(5, 1)]);
    assert.equal(resumed.stages[0].config.seed, attemptSeed(5, 2));
    assert.deepEqual(resumed.stages[0].history.map((h) => h.loss), stage.history.map((h) => h.loss));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('restartBelow is checked like every field', () => {
  const bad = (stage: Record<string, unknown>) => ({ problem: 'prefix-sums', stages: [{ size: 8, ...stage }] });
  assert.throws(() => validateRecipe(bad({ restartBelow: 2 }), 'r.json'), /r\.json: stages\[0\]: restartBelow must be in \(0, 1\] or null, got 2/);
  assert.throws(() => validateRecipe(bad({ restarts: -1 }), 'r.json'), /restarts must be ≥ 0, got -1/);
  assert.throws(() => validateRecipe(bad({ restartBelow: 'x' }), 'r.json'), /stages\[0\]\.restartBelow: must be a number or null/);
  // The rule is the runner's: it does not reach the training config.
  assert.equal('restartBelow' in stageConfig(validateRecipe(bad({ restartBelow: 0.5 }), 'r.json'), 0), false);
});
