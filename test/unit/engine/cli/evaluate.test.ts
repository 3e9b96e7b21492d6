import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ratingBandKey } from '../../../../src/engine/cli/evaluate';

test('eval --record names a chess curve after its rating band', () => {
  assert.equal(ratingBandKey(800, 1200), '800-1200');
  assert.equal(ratingBandKey(2000, undefined), '2000+');
  assert.equal(ratingBandKey(undefined, 800), '-800');
  assert.equal(ratingBandKey(undefined, undefined), 'test');
});
