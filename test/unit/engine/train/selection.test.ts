import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptKey, selectionBeats, selectionKey } from '../../../../src/engine/train/selection';
import type { EpochRecord } from '../../../../src/engine/train/trainResult';

const rec = (epoch: number, valAccuracy: number, extrapolationAccuracy: number | undefined, loss: number): EpochRecord =>
  ({ epoch, loss, accuracy: 0, valAccuracy, ...(extrapolationAccuracy !== undefined ? { extrapolationAccuracy } : {}), lr: 1e-3, seconds: 1 });

/** The epoch a run keeps after these records, by the trainer's rule. */
function kept(history: EpochRecord[]): number {
  let bestEpoch = 0;
  let bestMetric = -1;
  for (let i = 0; i < history.length; i++) {
    const key = selectionKey(history[i]);
    if (selectionBeats(key, keptKey(history.slice(0, i), bestEpoch, bestMetric))) {
      bestEpoch = history[i].epoch;
      bestMetric = key.metric;
    }
  }
  return bestEpoch;
}

test('selection: the higher selection accuracy wins, whatever the training-size accuracy', () => {
  assert.equal(kept([rec(1, 0.9, 0.2, 0.1), rec(2, 1, 0.1, 0.05), rec(3, 0.5, 0.15, 0.3)]), 1);
});

test('selection: with 0 % at the selection size everywhere, the epoch most accurate at the training size is kept', () => {
  // The 16-bit stage of a prefix-sum curriculum before it extrapolates (docs/seeds.md): keeping epoch 1 would start
  // the next stage from nearly untrained weights.
  assert.equal(kept([rec(1, 0.0005, 0, 0.69), rec(2, 0.004, 0, 0.64), rec(3, 0.0185, 0, 0.45), rec(4, 0.01, 0, 0.44)]), 3);
});

test('selection: full ties go to the lower training loss; without a selection size the validation accuracy is the metric', () => {
  assert.equal(kept([rec(1, 0, 0, 0.69), rec(2, 0, 0, 0.6), rec(3, 0, 0, 0.65)]), 2);
  assert.equal(kept([rec(1, 0.5, undefined, 0.3), rec(2, 0.7, undefined, 0.4), rec(3, 0.7, undefined, 0.2)]), 3);
});

test('selection: a best checkpoint known only by its metric is replaced by a higher metric, never on a tie', () => {
  const onDisk = keptKey([], 7, 0.99);
  assert.equal(selectionBeats(selectionKey(rec(1, 1, 0.99, 0.01)), onDisk), false);
  assert.equal(selectionBeats(selectionKey(rec(1, 1, 0.995, 0.5)), onDisk), true);
  assert.equal(keptKey([], 0, -1), undefined);
});
