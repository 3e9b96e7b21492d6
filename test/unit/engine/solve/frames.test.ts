import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeProbs,
  encodeProbs,
  FrameThrottle,
  mazeUnitProbs,
  meanConfidenceOf,
  poolGrid,
  poolScale,
  probsFromClass1,
} from '../../../../src/engine/solve/frames';

const grid = (rows: number, cols: number, f: (r: number, c: number) => number) => ({
  rows,
  cols,
  data: Float32Array.from({ length: rows * cols }, (_, i) => f(Math.floor(i / cols), i % cols)),
});

test('poolScale is the smallest block side that fits the budget', () => {
  assert.equal(poolScale(10, 10, 100), 1);
  assert.equal(poolScale(10, 10, 99), 2); // 5×5 = 25 ≤ 99; s=1 gives 100
  assert.equal(poolScale(5, 7, 4), 4); // s=3 → 2×3 = 6 > 4; s=4 → 2×2 = 4
  assert.equal(poolScale(1, 1000, 256), 4); // 1×250
  assert.equal(poolScale(803, 803, 256 * 256), 4); // 201² = 40401 ≤ 65536, s=3 → 268² = 71824 > 65536
  for (const [r, c, m] of [[7, 3, 5], [100, 1, 9], [33, 45, 17]]) {
    const s = poolScale(r, c, m);
    assert.ok(Math.ceil(r / s) * Math.ceil(c / s) <= m);
    if (s > 1) assert.ok(Math.ceil(r / (s - 1)) * Math.ceil(c / (s - 1)) > m);
  }
});

test('poolGrid max and mean are exact on a 5×5 grid with partial edge blocks', () => {
  const g = grid(5, 5, (r, c) => r * 5 + c); // 0..24
  const max = poolGrid(g, 9, 'max'); // s = 2 → 3×3
  assert.deepEqual([max.rows, max.cols, max.scale], [3, 3, 2]);
  assert.deepEqual(Array.from(max.data), [6, 8, 9, 16, 18, 19, 21, 23, 24]);
  const mean = poolGrid(g, 9, 'mean');
  // block (0,0) = {0,1,5,6} → 3; (0,2) = {4,9} → 6.5; (2,2) = {24}; (2,0) = {20,21} → 20.5
  assert.deepEqual(Array.from(mean.data), [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24]);
});

test('poolGrid leaves a grid within budget untouched', () => {
  const g = grid(3, 4, (r, c) => r - c);
  const p = poolGrid(g, 12);
  assert.equal(p.scale, 1);
  assert.deepEqual(Array.from(p.data), Array.from(g.data));
  assert.throws(() => poolGrid({ rows: 2, cols: 2, data: new Float32Array(3) }, 4), /3 values for a 2×2 grid/);
});

test('mazeUnitProbs averages each unit 2×2 block and zeroes walls', () => {
  // 2×2 units → 6×6 pixels; unit (r,c) owns pixels (1+2r+dy, 1+2c+dx).
  const px = new Float32Array(36);
  const set = (y: number, x: number, v: number) => (px[y * 6 + x] = v);
  set(1, 1, 1); set(1, 2, 1); set(2, 1, 0); set(2, 2, 0); // unit (0,0) → 0.5
  set(1, 3, 0.2); set(1, 4, 0.4); set(2, 3, 0.6); set(2, 4, 0.8); // unit (0,1) → 0.5
  set(3, 1, 1); set(3, 2, 1); set(4, 1, 1); set(4, 2, 1); // unit (1,0) → 1 but it is a wall
  set(0, 0, 1); set(5, 5, 1); // border pixels are ignored
  const u = mazeUnitProbs(2, 2, px, [0, 0, 1, 0]);
  assert.deepEqual(Array.from(u).map((v) => Math.round(v * 1e6) / 1e6), [0.5, 0.5, 0, 0]);
  assert.throws(() => mazeUnitProbs(2, 2, new Float32Array(35)), /35 pixels/);
});

test('probs encode to base64 bytes 0..255 and back', () => {
  const p = Float32Array.from([0, 1, 0.5, -0.3, 1.7, NaN, 1 / 255]);
  const bytes = decodeProbs(encodeProbs(p));
  assert.deepEqual(Array.from(bytes), [0, 255, 128, 0, 255, 0, 1]);
});

test('probsFromClass1 and meanConfidenceOf', () => {
  const c1 = Float32Array.from([0, Math.log(3), -Math.log(3)]);
  const p = probsFromClass1(c1);
  assert.ok(Math.abs(p[0] - 0.5) < 1e-6 && Math.abs(p[1] - 0.75) < 1e-6 && Math.abs(p[2] - 0.25) < 1e-6);
  // max prob per position: 0.5, 0.75, 0.75
  assert.ok(Math.abs(meanConfidenceOf(c1) - 2 / 3) < 1e-6);
  assert.ok(Math.abs(meanConfidenceOf(c1, [0, 1, 1]) - 0.75) < 1e-6);
  assert.equal(meanConfidenceOf(c1, [0, 0, 0]), 1);
});

test('FrameThrottle allows one frame per interval on a fake clock', () => {
  let t = 0;
  const th = new FrameThrottle(10, () => t); // 100 ms
  let sent = 0;
  for (t = 0; t < 1000; t += 7) {
    if (th.due()) {
      th.sent();
      sent++;
    }
  }
  // frames at 0, 105, 210, …, 945 (first multiple of 7 ≥ each 100 ms mark after the last send)
  assert.equal(sent, 10);
  assert.throws(() => new FrameThrottle(0), /maxFps must be positive/);
});

test('FrameThrottle keeps frame building within its share of the wall time', () => {
  let t = 0;
  const th = new FrameThrottle(1000, () => t, 0.1); // 1 ms interval, 10 % budget
  let sent = 0;
  // 100 iterations of 10 ms each; a frame costs 5 ms, so without the budget every iteration would get one
  for (let i = 0; i < 100; i++) {
    t += 10;
    if (th.due()) {
      t += 5;
      th.sent(5);
      sent++;
    }
  }
  // the budget admits a frame while spent ≤ 10 % of elapsed, so it overshoots by at most one frame
  assert.ok(5 * sent <= 0.1 * t + 5, `sent ${sent} in ${t} ms`);
  assert.ok(5 * (sent + 1) > 0.1 * t, `sent only ${sent} in ${t} ms`);
  assert.throws(() => new FrameThrottle(30, () => 0, 0), /frame budget/);
});
