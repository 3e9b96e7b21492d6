// `bench session`: a maze solved through SolveSession as the editor does. Checks what it reports against
// independent truths (BFS correctness recomputed here, the tile threshold, frames bounded by the run's length).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../../../src/engine/tf';
import { benchSession, formatSessionBench } from '../../../../src/engine/bench/sessionBench';
import { loadOrt } from '../../../../src/engine/tiles/ortBackend';
import { repoPath } from '../../repo';

const bundled = repoPath('media/models/mazes/model.json');

test('bench session solves a 27×27 maze with the bundled model, on tiles where ORT is installed', async (t) => {
  if (!existsSync(bundled)) return t.skip('no bundled mazes model');
  await initBackend('wasm');
  const r = await benchSession({ size: 27, seed: 3, iterations: 'auto', fps: 30 });
  assert.deepEqual(r.image, [60, 60]);
  assert.ok(r.correctVsBFS, 'the bundled model solves this 27×27 maze');
  assert.equal(r.wrongCells, 0);
  assert.ok(r.pathCells >= 27, `BFS path of ${r.pathCells} cells`);
  assert.ok(r.haltedAt !== undefined && r.haltedAt === r.iterations, `auto halted (${r.haltedAt} of ${r.iterations})`);
  assert.ok(r.frames >= 1 && r.frames <= r.iterations, `${r.frames} frames for ${r.iterations} iterations`);
  assert.equal(r.tensorLeak, 0);
  // 60×60 px is below the 64×64 tile threshold: dense, whatever is installed
  assert.match(r.engine, /^tfjs-wasm/);
  const progress: string[] = [];
  const big = await benchSession({ size: 29, seed: 3, iterations: 40, fps: 1e-3, onProgress: (l) => progress.push(l), progressMs: 0 });
  assert.ok(progress.length >= 1 && progress.every((l) => /^iteration \d+: [\d.]+ it\/s, \d+ s$/.test(l)), progress.join(' | '));
  if (loadOrt().ort) assert.match(big.engine, /onnxruntime-node.*tiles/);
  assert.equal(big.iterations, 40);
  // 64×64 px is small enough that the session reads every iteration and streams each changed picture, whatever the
  // frame clock says (src/engine/solve/frames.ts, WATCH_EVERY_ITERATION_MAX_PIXELS).
  assert.ok(big.frames >= 2 && big.frames <= big.iterations, `${big.frames} frames for ${big.iterations} iterations`);
  assert.match(formatSessionBench(big), /maze 29×29 \(64×64 px\).*\n40 iterations/);
  // 40 iterations are too few for this maze: the report says how far off it is
  assert.ok(!big.correctVsBFS && big.wrongCells > 0, `${big.wrongCells} wrong cells after 40 iterations`);
  assert.match(formatSessionBench(big), new RegExp(`correct vs BFS: false \\(${big.wrongCells} wrong cells; BFS path ${big.pathCells} cells\\)`));
});

test('bench session refuses a model for another problem, naming it', async (t) => {
  if (!existsSync(repoPath('media/models/prefix-sums/model.json'))) return t.skip('no bundled prefix-sums model');
  await initBackend('wasm');
  await assert.rejects(benchSession({ size: 9, iterations: 5, modelSpec: 'prefix-sums' }), /a prefix-sums model cannot solve mazes/);
});

test('bench session --max-seconds stops the solve as the editor\'s Stop does and says so', async (t) => {
  if (!existsSync(bundled)) return t.skip('no bundled mazes model');
  await initBackend('wasm');
  const r = await benchSession({ size: 29, seed: 3, iterations: 100_000, fps: 1e-3, maxSeconds: 1 });
  assert.equal(r.stopped, true);
  assert.ok(r.iterations > 0 && r.iterations < 100_000, `${r.iterations} iterations`);
  assert.ok(r.ms >= 900 && r.ms < 10_000, `stopped after ${r.ms} ms`);
  assert.equal(r.tensorLeak, 0);
  assert.match(formatSessionBench(r), /\(stopped: --max-seconds\)/);
});

test('bench session --engine: an unknown engine is an error, not a quiet fall back to tensors', async () => {
  const { runBenchSession } = await import('../../../../src/engine/cli/bench');
  const out = { json: true, info: () => {}, record: () => {} } as never;
  await assert.rejects(
    runBenchSession(out, { size: 9, iterations: '5', thinking: 'auto', precision: 'auto', engine: 'gpu', fps: 30, seed: 1 }),
    /--engine: expected one of auto, tfjs, ort, got "gpu"/,
  );
});

test('bench session --switch-below: a fraction in (0, 1], else an error naming the option', async () => {
  const { runBenchSession } = await import('../../../../src/engine/cli/bench');
  const out = { json: true, info: () => {}, record: () => {} } as never;
  for (const bad of [0, 1.5, Number.NaN]) {
    await assert.rejects(
      runBenchSession(out, { size: 9, iterations: '5', thinking: 'auto', precision: 'auto', engine: 'auto', fps: 30, seed: 1, switchBelow: bad }),
      /--switch-below: expected a fraction in \(0, 1\]/,
    );
  }
});
