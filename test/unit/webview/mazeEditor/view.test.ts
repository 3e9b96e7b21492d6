import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellAt, cellsOnSegment, fitView, panBy, screenToGrid, visibleCells, zoomAt } from '../../../../webview/mazeEditor/view';

test('fitView centres the maze and fits the smaller dimension', () => {
  const v = fitView(11, 21, 436, 236, 8);
  // width allows 420/21 = 20 px per cell, height 220/11 = 20: both fit at 20.
  assert.equal(v.scale, 20);
  assert.equal(v.offsetX, (436 - 21 * 20) / 2);
  assert.equal(v.offsetY, (236 - 11 * 20) / 2);
});

test('an 801×801 maze fits a small panel below one pixel per cell', () => {
  const v = fitView(803, 803, 400, 400);
  assert.ok(v.scale < 1 && v.scale > 0.4, `scale ${v.scale}`);
  // Every corner cell is hit by the point at its centre.
  const at = (r: number, c: number) => cellAt(v, v.offsetX + (c + 0.5) * v.scale, v.offsetY + (r + 0.5) * v.scale, 803, 803);
  assert.deepEqual(at(0, 0), [0, 0]);
  assert.deepEqual(at(802, 802), [802, 802]);
});

test('hit testing: cell edges, outside the maze', () => {
  const v = { scale: 10, offsetX: 5, offsetY: 7 };
  assert.deepEqual(cellAt(v, 5, 7, 3, 4), [0, 0]);
  assert.deepEqual(cellAt(v, 14.99, 16.99, 3, 4), [0, 0]);
  assert.deepEqual(cellAt(v, 15, 17, 3, 4), [1, 1]);
  assert.deepEqual(cellAt(v, 44.9, 36.9, 3, 4), [2, 3]);
  assert.equal(cellAt(v, 45, 20, 3, 4), undefined);
  assert.equal(cellAt(v, 4.9, 20, 3, 4), undefined);
  assert.equal(cellAt(v, 20, 37, 3, 4), undefined);
});

test('zoomAt keeps the grid point under the cursor fixed', () => {
  const v = { scale: 4, offsetX: 10, offsetY: 20 };
  const before = screenToGrid(v, 123, 77);
  const z = zoomAt(v, 2.5, 123, 77);
  assert.equal(z.scale, 10);
  const after = screenToGrid(z, 123, 77);
  assert.ok(Math.abs(after.row - before.row) < 1e-9 && Math.abs(after.col - before.col) < 1e-9);
});

test('zoom is clamped', () => {
  const v = { scale: 4, offsetX: 0, offsetY: 0 };
  assert.equal(zoomAt(v, 1e6, 0, 0).scale, 96);
  assert.equal(zoomAt(v, 1e-6, 0, 0).scale, 0.05);
});

test('pan moves the offset', () => {
  assert.deepEqual(panBy({ scale: 2, offsetX: 1, offsetY: 1 }, 5, -3), { scale: 2, offsetX: 6, offsetY: -2 });
});

test('visibleCells clips to the maze', () => {
  const v = { scale: 10, offsetX: -25, offsetY: 0 };
  assert.deepEqual(visibleCells(v, 50, 30, 100, 100), { r0: 0, r1: 3, c0: 2, c1: 8 });
});

test('cellsOnSegment is a 4-or-8-connected line including both ends', () => {
  assert.deepEqual(cellsOnSegment([2, 2], [2, 2]), [[2, 2]]);
  assert.deepEqual(cellsOnSegment([0, 0], [0, 3]), [[0, 0], [0, 1], [0, 2], [0, 3]]);
  const diag = cellsOnSegment([5, 1], [1, 3]);
  assert.deepEqual(diag[0], [5, 1]);
  assert.deepEqual(diag[diag.length - 1], [1, 3]);
  for (let i = 1; i < diag.length; i++) {
    assert.ok(Math.abs(diag[i][0] - diag[i - 1][0]) <= 1 && Math.abs(diag[i][1] - diag[i - 1][1]) <= 1);
  }
  assert.equal(diag.length, 5);
});
