import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelPicture, pcaPicture, unitFeatures } from '../../../../src/engine/solve/thoughtView';

/** A 2×3 maze's thought (6×8 pixels, `width` channels) with unit (r, c)'s 2×2 pixels set by f(r, c, k). */
function thought(rows: number, cols: number, width: number, f: (r: number, c: number, k: number) => number): Float32Array {
  const h = 2 * rows + 2;
  const w = 2 * cols + 2;
  const t = new Float32Array(h * w * width).fill(-99); // the ring and margins must not leak in
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        for (let k = 0; k < width; k++) t[((1 + 2 * r + dy) * w + 1 + 2 * c + dx) * width + k] = f(r, c, k);
      }
    }
  }
  return t;
}

test('unit features average each unit\'s 2×2 pixels; a channel is scaled min → max', () => {
  const f = unitFeatures(2, 3, 2, thought(2, 3, 2, (r, c, k) => (k === 0 ? r * 3 + c : -1)));
  assert.deepEqual(Array.from(f.filter((_, i) => i % 2 === 0)), [0, 1, 2, 3, 4, 5]);
  const pic = channelPicture(2, 3, 2, f, 0);
  assert.deepEqual(Array.from(pic.bytes), [0, 51, 102, 153, 204, 255]);
  assert.throws(() => channelPicture(2, 3, 2, f, 2), /channel must be an integer from 0 to 1/);
});

test('PCA finds the direction the units vary along, and says how much it explains', () => {
  // Three channels that all follow the column (plus a little row signal on channel 2): PC1 orders the columns.
  const f = unitFeatures(2, 3, 3, thought(2, 3, 3, (r, c, k) => (k === 2 ? 0.1 * r : (k + 1) * c)));
  const pic = pcaPicture(2, 3, 3, f);
  const pc1 = Array.from(pic.bytes.subarray(0, 6));
  // Monotonic in the column (either sign), equal across rows.
  const dir = Math.sign(pc1[2] - pc1[0]);
  assert.ok(dir !== 0);
  assert.ok(dir * (pc1[1] - pc1[0]) > 0 && dir * (pc1[2] - pc1[1]) > 0, `PC1 ${pc1}`);
  assert.equal(pc1[0], pc1[3]);
  assert.ok(pic.explained![0] > 0.99, `PC1 explains ${pic.explained![0]}`);
  assert.ok(pic.explained![1] < 0.01);
  // PC2 carries the small row signal.
  const pc2 = Array.from(pic.bytes.subarray(6));
  assert.notEqual(pc2[0], pc2[3], `PC2 ${pc2}`);
});
