/**
 * Every bundled model (media/models/<name>/) loads, and its accuracy on a freshly generated test set is checked
 * with real numbers:
 * - the models the extension selects by default must clear a bar just below the target they were trained for;
 * - every model must reproduce the curve stored in its model.json (same generator, same seed 9001), within 2 points —
 *   the stored curves are what the side panel draws, so they must be true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../../../src/engine/tf';
import { loadModel } from '../../../../src/engine/checkpoint/modelSpecs';
import { accuracyPerIteration, testPuzzles } from '../../../../src/engine/eval/accuracy';
import { datasets } from '../../../../src/engine/data/datasets';
import { getProblem } from '../../../../src/shared/problems';
import { repoPath } from '../../repo';

const MODELS = repoPath('media', 'models');
const bundled = fs.existsSync(MODELS) ? fs.readdirSync(MODELS).filter((d) => fs.existsSync(path.join(MODELS, d, 'model.json'))).sort() : [];

/**
 * Bars for the default models: [size, iteration, minimum accuracy], just below their targets. Prefix sums: 97 %
 * at 512 bits, checked at 128 bits to keep CI short. Mazes: 99 % on 13×13 (the target's example bar: 100 mazes ≥ 98 %);
 * the bundled model measured 100 % from iteration 44 on (seed 9001).
 */
const BARS: Record<string, [number, number, number][]> = {
  'prefix-sums': [[128, 150, 0.97]],
  mazes: [[13, 60, 0.98]],
};

test('bundled models exist for the default problem the extension solves in one click', () => {
  assert.ok(bundled.includes('prefix-sums'), `media/models has: ${bundled.join(', ') || 'nothing'}`);
});

for (const name of bundled) {
  test(`bundled model "${name}": loads, reproduces its stored curve, clears its bar`, async () => {
    await initBackend('wasm');
    const { model, meta } = await loadModel(path.join(MODELS, name));
    try {
      const problem = getProblem(meta.problem);
      const dataset = datasets[problem.id];
      const stored = meta.metrics.accuracyPerIteration ?? {};
      // The smallest stored size keeps CI short; the bars below cover the extrapolation sizes.
      const sizes = Object.keys(stored).map(Number).filter((s) => s > 0).sort((a, b) => a - b).slice(0, 1);
      const checks: [number, number, number | undefined][] = sizes.map((s) => {
        const curve = stored[String(s)];
        const its = [1, Math.ceil(curve.length / 2), curve.length].filter((it) => it <= model.depth);
        return its.map((it): [number, number, number | undefined] => [s, it, curve[it - 1]]);
      }).flat();
      for (const [size, it, min] of BARS[name] ?? []) checks.push([size, it, -min]);
      if (!dataset.sizeName) {
        await checkChess(name, model);
        return;
      }
      for (const size of [...new Set(checks.map((c) => c[0]))]) {
        const mine = checks.filter((c) => c[0] === size);
        const r = await accuracyPerIteration({
          model,
          problem,
          puzzles: testPuzzles(problem.id, size, 100, 9001),
          total: 100,
          iterations: [...new Set(mine.map((c) => c[1]))],
        });
        for (const [, it, expected] of mine) {
          const got = r.accuracy[r.iterations.indexOf(Math.min(it, model.depth))];
          if (expected === undefined) continue;
          if (expected < 0) assert.ok(got >= -expected, `${name}: ${size} at iteration ${it}: ${got} < bar ${-expected}`);
          else assert.ok(Math.abs(got - expected) <= 0.02, `${name}: ${size} at iteration ${it}: ${got}, model.json says ${expected}`);
        }
      }
    } finally {
      model.dispose();
    }
  });
}

/**
 * Chess puzzles come from a file, not a seed: the stored curves (whole rating bands of lichess_puzzles_test.csv) are
 * too big for CI, so CI evaluates a committed sample of that file — 100 puzzles per band, spread evenly over each
 * band (test/fixtures/chess/lichess_test_sample.csv) — against bars just below what the model measured on the sample.
 */
const CHESS_SAMPLE = repoPath('test', 'fixtures', 'chess', 'lichess_test_sample.csv');
const CHESS_BANDS: [number, number][] = [[0, 800], [800, 1200], [1200, 1600], [1600, 2000], [2000, 9999]];
/**
 * [band index, iteration, minimum accuracy] per chess model. `chess` measured 87 / 58 / 18 % on the sample's
 * 400–800 / 800–1200 / 1600–2000 bands at 40 iterations (libtorch backend); the bars leave room for the wasm
 * backend's rounding and are regression bars — the chess target is "beat the feed-forward baseline", which the
 * README reports on the whole test file.
 */
const CHESS_BARS: Record<string, [number, number, number][]> = {
  chess: [[0, 40, 0.8], [1, 40, 0.5], [3, 40, 0.12]],
};

async function chessAccuracy(model: Awaited<ReturnType<typeof loadModel>>['model'], band: [number, number], iterations: number[]) {
  return accuracyPerIteration({
    model,
    problem: getProblem('chess'),
    puzzles: testPuzzles('chess', 0, 100, 0, { csv: CHESS_SAMPLE, minRating: band[0], maxRating: band[1] }),
    total: 100,
    iterations,
  });
}

async function checkChess(name: string, model: Awaited<ReturnType<typeof loadModel>>['model']): Promise<void> {
  const bars = CHESS_BARS[name];
  assert.ok(bars, `${name}: a bundled chess model needs bars in CHESS_BARS`);
  for (const [b, it, min] of bars) {
    const r = await chessAccuracy(model, CHESS_BANDS[b], [it]);
    assert.equal(r.total, 100, `${CHESS_SAMPLE}: expected 100 puzzles rated ${CHESS_BANDS[b].join('–')}`);
    assert.ok(r.accuracy[0] >= min, `${name}: rating ${CHESS_BANDS[b].join('–')} at iteration ${it}: ${r.accuracy[0]} < bar ${min}`);
  }
}
