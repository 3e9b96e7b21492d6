import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DASHES, dashFor, modelColorSlots, sizeLabel } from '../../../../webview/sidebar/seriesStyle';

test('a model keeps its colour slot whatever else is listed, and models on one chart do not share a slot', () => {
  const all = ['bundled:mazes', 'bundled:mazes-dt', 'bundled:mazes-ff', '/ws/runs/a', '/ws/runs/b'];
  const slots = modelColorSlots(all, 6);
  assert.equal(new Set(slots.values()).size, all.length, 'five models, five colours');
  // The same ids in another order (another view) get the same slots.
  assert.deepEqual(modelColorSlots([...all].reverse(), 6), slots);
  // A model's slot depends on its id, not on its position in the list.
  const alone = modelColorSlots(['bundled:mazes'], 6).get('bundled:mazes');
  assert.ok(alone !== undefined && alone >= 0 && alone < 6);
});

test('dashes follow the numeric order of sizes', () => {
  assert.deepEqual(dashFor('9', ['13', '9', '33']), DASHES[0]);
  assert.deepEqual(dashFor('13', ['13', '9', '33']), DASHES[1]);
  assert.deepEqual(dashFor('33', ['33', '9', '13']), DASHES[2]);
});

test('size labels: n=13 for mazes, rating bands for chess as the README writes them', () => {
  assert.equal(sizeLabel('mazes', '13'), 'n=13');
  assert.equal(sizeLabel('chess', '800-1200'), 'rating 800–1200');
  assert.equal(sizeLabel('chess', '2000+'), 'rating 2000+');
  assert.equal(sizeLabel('chess', '0'), 'all puzzles');
});
