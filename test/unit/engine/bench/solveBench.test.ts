import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../src/engine/tf';
import { benchSolve, formatSolveBench } from '../../../../src/engine/bench/solveBench';
import { SettledRule } from '../../../../src/engine/solve/halting';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import { mazeProblem } from '../../../../src/shared/problems/maze';

/** Largest 4-neighbour BFS distance (in pixels, over open pixels) from the start unit's pixels. */
function pixelEccentricity(size: number, seed: number): number {
  const grid = generateMaze(size, seed);
  const open = mazeProblem.lossMask(grid)!;
  const W = 2 * grid.cols + 2;
  const dist = new Int32Array(open.length).fill(-1);
  const q: number[] = [];
  const [sr, sc] = grid.start;
  for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
    const p = (1 + 2 * sr + dy) * W + 1 + 2 * sc + dx;
    dist[p] = 0;
    q.push(p);
  }
  let max = 0;
  for (let h = 0; h < q.length; h++) {
    const u = q[h];
    for (const v of [u - W, u + W, u - 1, u + 1]) {
      if (v < 0 || v >= open.length || !open[v] || dist[v] >= 0) continue;
      dist[v] = dist[u] + 1;
      max = Math.max(max, dist[v]);
      q.push(v);
    }
  }
  return max;
}

test("benchSolve 'auto' stops at the flood-fill net's fixed point, two iterations after the BFS depth", async () => {
  await initBackend('wasm');
  const r = await benchSolve({ size: 7, seed: 3, iterations: 'auto', modelSpec: 'flood-fill', width: 4, path: 'sparse', engine: 'tfjs', tileSize: 8, tolerance: 0, sampleMs: 0 });
  assert.equal(r.haltedBy, 'fixed-point');
  // The flood is complete at the BFS depth D. Settling is judged per parity buffer (period-2 bookkeeping): step D+1
  // still differs from D−1, step D+2 equals D, and then nothing is left to compute.
  assert.equal(r.iterations, pixelEccentricity(7, 3) + 2);
  assert.equal(r.image.join('x'), '20x20');
  assert.equal(r.backend, 'tfjs-wasm');
  assert.equal(r.tensorLeak, 0);
  assert.ok(r.activeFractionMean > 0 && r.activeFractionMean < 1);
  assert.equal(r.activeFractionTrace[0].activeFraction, 1, 'every tile thinks at iteration 1');
  assert.ok(r.rssTrace.length >= 2 && r.rssTrace.every((p) => p.rssMB > 0));
  assert.equal(r.correctVsBFS, false, 'a flood fill paints the reachable region, not the path');
  assert.match(formatSolveBench(r), /fixed-point/);
});

test('benchSolve dense and sparse paths agree on a fixed iteration count; bad arguments are named', async () => {
  await initBackend('wasm');
  const common = { size: 5, seed: 1, iterations: 4, modelSpec: 'random', width: 4, sampleMs: 0 } as const;
  const d = await benchSolve({ ...common, path: 'dense' });
  const s = await benchSolve({ ...common, path: 'sparse', engine: 'tfjs', tileSize: 8, tolerance: 0 });
  assert.equal(d.iterations, 4);
  assert.equal(s.iterations, 4);
  assert.equal(d.tensorLeak, 0);
  assert.equal(d.correctVsBFS, s.correctVsBFS);
  assert.equal(d.params, s.params);
  await assert.rejects(benchSolve({ ...common, iterations: 0 }), /iterations must be a positive integer or 'auto'/);
  await assert.rejects(benchSolve({ ...common, path: 'gpu' as never }), /unknown solve path "gpu"/);
});

test('SettledRule: settled only when two snapshots differ in at most the flicker allowance', () => {
  const rule = new SettledRule(1);
  const map = (on: number[]) => Float32Array.from({ length: 10 }, (_, i) => (on.includes(i) ? 1 : -1));
  assert.equal(rule.offer(map([1, 2, 3])), false, 'the first snapshot has nothing to compare with');
  assert.equal(rule.offer(map([1, 2, 3, 4, 5])), false, 'two pixels changed: still growing');
  assert.equal(rule.offer(map([1, 2, 3, 4])), true, 'one pixel flickered: settled');
  assert.equal(rule.offer(map([1, 2, 3, 4])), true);
  const strict = new SettledRule(0);
  strict.offer(map([0]));
  assert.equal(strict.offer(map([])), false);
  assert.equal(strict.offer(map([])), true);
});

test('benchSolve maxSeconds stops thinking and says so', async () => {
  await initBackend('wasm');
  for (const path of ['dense', 'sparse'] as const) {
    const r = await benchSolve({ size: 7, seed: 3, iterations: 'auto', modelSpec: 'flood-fill', width: 4, path, engine: 'tfjs', tileSize: 8, tolerance: 0, maxSeconds: 0, sampleMs: 0 });
    assert.equal(r.haltedBy, 'time-limit', path);
    assert.equal(r.iterations, 1, `${path}: one iteration, then the clock is checked`);
  }
});
