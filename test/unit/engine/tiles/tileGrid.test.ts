import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TileGrid, gatherRect, scatterCenter, spreadChange, REGIONS } from '../../../../src/engine/tiles/tileGrid';

test('TileGrid covers the image exactly once, with clipped partial tiles and clipped patches', () => {
  const g = new TileGrid(23, 17, 8); // 3 × 3 tiles; last row 7 px, last column 1 px
  assert.equal(g.rows, 3);
  assert.equal(g.cols, 3);
  const seen = new Uint8Array(23 * 17);
  for (let t = 0; t < g.count; t++) {
    const r = g.tile(t);
    for (let y = r.y0; y < r.y1; y++) for (let x = r.x0; x < r.x1; x++) seen[y * 17 + x]++;
  }
  assert.ok(seen.every((v) => v === 1));
  assert.deepEqual(g.tile(8), { y0: 16, y1: 23, x0: 16, x1: 17 });
  assert.deepEqual(g.patch(0, 5), { y0: 0, y1: 13, x0: 0, x1: 13 });
  assert.deepEqual(g.patch(4, 5), { y0: 3, y1: 21, x0: 3, x1: 17 });
  // a tile larger than the image is the image
  const one = new TileGrid(10, 12, 1000);
  assert.equal(one.count, 1);
  assert.deepEqual(one.patch(0, 5), { y0: 0, y1: 10, x0: 0, x1: 12 });
});

test('groupByPatchShape puts equal shapes together (at most 3×3 shapes)', () => {
  const g = new TileGrid(100, 100, 20); // 5×5 tiles, all full
  const groups = g.groupByPatchShape(Array.from({ length: g.count }, (_, i) => i), 5);
  const shapes = [...groups.keys()].sort();
  // rows: first (25), middle (30), last (25) → heights {25, 30}; same for widths
  assert.deepEqual(shapes, ['25x25', '25x30', '30x25', '30x30']);
  assert.equal(groups.get('30x30')!.tiles.length, 9);
  assert.equal([...groups.values()].reduce((a, b) => a + b.tiles.length, 0), 25);
});

test('gatherRect copies a channels-last block row by row', () => {
  const W = 4;
  const C = 2;
  const img = Float32Array.from({ length: 3 * W * C }, (_, i) => i);
  const dst = new Float32Array(2 + 2 * 2 * C);
  gatherRect(img, W, C, { y0: 1, y1: 3, x0: 1, x1: 3 }, dst, 2);
  // pixel (1,1) starts at (1*4+1)*2 = 10
  assert.deepEqual([...dst], [0, 0, 10, 11, 12, 13, 18, 19, 20, 21]);
});

test('scatterCenter writes the tile centre and records the change per border band', () => {
  const W = 12;
  const C = 1;
  const image = new Float32Array(12 * W);
  const g = new TileGrid(12, W, 6);
  const tile = g.tile(0); // rows 0..5, cols 0..5
  const patch = g.patch(0, 2); // rows 0..7, cols 0..7
  const ph = patch.y1 - patch.y0;
  const pw = patch.x1 - patch.x0;
  const out = new Float32Array(ph * pw * C);
  // change pixel (0,5) by 3 (top band, right band), pixel (3,2) by 1 (middle), halo pixel (7,7) by 100 (ignored)
  out[0 * pw + 5] = 3;
  out[3 * pw + 2] = 1;
  out[7 * pw + 7] = 100;
  const change = new Float32Array(REGIONS);
  scatterCenter(image, W, C, tile, patch, out, 0, 2, change);
  assert.equal(image[0 * W + 5], 3);
  assert.equal(image[3 * W + 2], 1);
  assert.equal(image[7 * W + 7], 0, 'halo values are never written');
  // regions: rows {top, all, bottom} × cols {left, all, right}
  assert.deepEqual([...change], [0, 3, 3, 0, 3, 3, 0, 0, 0]);
  // unchanged values give no change; NaN → NaN is no change; a new NaN is an infinite change
  const image2 = new Float32Array(36).fill(NaN);
  const same = new Float32Array(36).fill(NaN);
  const t6 = { y0: 0, y1: 6, x0: 0, x1: 6 };
  scatterCenter(image2, 6, 1, t6, t6, same, 0, 2, change);
  assert.ok(change.every((v) => v === 0));
  const image3 = new Float32Array(36);
  scatterCenter(image3, 6, 1, t6, t6, same, 0, 2, change);
  assert.equal(change[4], Infinity);
});

test('spreadChange reaches exactly the neighbours that can see the change', () => {
  const g = new TileGrid(30, 30, 10); // 3×3
  const change = new Float32Array(REGIONS);
  // as scatterCenter records a change in the top band, away from the corners: regions (0,1) and (1,1)
  change[0 * 3 + 1] = 2;
  change[1 * 3 + 1] = 2;
  const influence = new Float32Array(g.count);
  spreadChange(g, 4, change, influence);
  // self and the tile above; not the corners (top-left/right regions unchanged), not below or beside
  assert.deepEqual([...influence], [0, 2, 0, 0, 2, 0, 0, 0, 0]);
  change.fill(0);
  // a change in the bottom-right corner shows in regions (1,1), (1,2), (2,1) and (2,2)
  for (const r of [4, 5, 7, 8]) change[r] = 5;
  spreadChange(g, 0, change, influence.fill(0));
  assert.deepEqual([...influence], [5, 5, 0, 5, 5, 0, 0, 0, 0]);
});

test('planUnits computes a block whole only where that costs fewer pixels than its tiles one by one', () => {
  const g = new TileGrid(64, 64, 8); // 8×8 tiles, one 8×8 block
  const halo = 5;
  // one tile: itself
  assert.deepEqual(g.planUnits([9], halo, 8), [{ rect: g.tile(9), tiles: [9] }]);
  // all tiles: the block (64² px) beats 64 patches of up to 18² px
  const all = Array.from({ length: 64 }, (_, i) => i);
  const units = g.planUnits(all, halo, 8);
  assert.equal(units.length, 1);
  assert.deepEqual(units[0].rect, { y0: 0, y1: 64, x0: 0, x1: 64 });
  assert.equal(units[0].tiles.length, 64);
  // a few scattered tiles in 2×2 blocks: tile by tile; a full 2×2 block of interior tiles: whole
  const few = g.planUnits([0, 27], halo, 2);
  assert.deepEqual(few.map((u) => u.tiles), [[0], [27]]);
  const quad = g.planUnits([18, 19, 26, 27], halo, 2);
  assert.deepEqual(quad, [{ rect: { y0: 16, y1: 32, x0: 16, x1: 32 }, tiles: [18, 19, 26, 27] }]);
  // every requested tile is in exactly one unit
  const some = [1, 2, 3, 10, 40, 41, 63];
  const covered = g.planUnits(some, halo, 4).flatMap((u) => u.tiles);
  for (const t of some) assert.equal(covered.filter((c) => c === t).length, 1);
});

test('planUnits plans each block as a quadtree: a cluster of active tiles shares one halo; never costlier than tile by tile', () => {
  const g = new TileGrid(128, 128, 16); // 8×8 tiles of 16 px, one 8×8 block
  const halo = 5;
  const area = (r: { y0: number; y1: number; x0: number; x1: number }) => (r.y1 - r.y0) * (r.x1 - r.x0);
  const cost = (units: { rect: { y0: number; y1: number; x0: number; x1: number } }[]) => units.reduce((a, u) => a + area(g.dilate(u.rect, halo)), 0);
  // a 2×2 cluster inside the block: one 42×42 patch (1,764 px) instead of four 26×26 (2,704 px)
  const cluster = [2 * 8 + 2, 2 * 8 + 3, 3 * 8 + 2, 3 * 8 + 3];
  const units = g.planUnits(cluster, halo, 8);
  assert.deepEqual(units, [{ rect: { y0: 32, y1: 64, x0: 32, x1: 64 }, tiles: cluster }]);
  // random sets: every requested tile exactly once, and no dearer than one patch per tile or the whole block
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let k = 0; k < 200; k++) {
    const p = rand();
    const some = Array.from({ length: 64 }, (_, i) => i).filter(() => rand() < p);
    const plan = g.planUnits(some, halo, 8);
    const covered = plan.flatMap((u) => u.tiles);
    for (const t of some) assert.equal(covered.filter((c) => c === t).length, 1, `tile ${t} covered once`);
    const oneByOne = some.reduce((a, t) => a + area(g.patch(t, halo)), 0);
    assert.ok(cost(plan) <= oneByOne, `plan ${cost(plan)} px > tile by tile ${oneByOne} px`);
    if (some.length > 0) assert.ok(cost(plan) <= area(g.dilate({ y0: 0, y1: 128, x0: 0, x1: 128 }, halo)), 'no dearer than the whole block');
  }
});
