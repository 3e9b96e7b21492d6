import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameStore, type StoredFrame } from '../../../webview/mazeEditor/frameStore';

const frame = (iteration: number, bytes = 100): StoredFrame => ({ iteration, rows: 10, cols: bytes / 10, scale: 1, probs: new Uint8Array(bytes), confidence: 0.5 });

test('frames are kept in order and found by iteration', () => {
  const s = new FrameStore(10_000);
  for (const it of [1, 2, 5, 9]) s.add(frame(it));
  assert.deepEqual(s.iterations(), [1, 2, 5, 9]);
  assert.equal(s.indexOf(5), 2);
  assert.equal(s.indexOf(7), 2);
  assert.equal(s.indexOf(100), 3);
  assert.equal(s.indexOf(0), 0);
});

test('a frame for the same iteration replaces the last (the full-resolution final frame)', () => {
  const s = new FrameStore(10_000);
  s.add(frame(1));
  s.add(frame(2, 50));
  s.add(frame(2, 200));
  assert.equal(s.length, 2);
  assert.equal(s.last()!.probs.length, 200);
  assert.equal(s.totalBytes, 300);
});

test('an earlier iteration starts a new run', () => {
  const s = new FrameStore(10_000);
  s.add(frame(3));
  s.add(frame(4));
  s.add(frame(1));
  assert.deepEqual(s.iterations(), [1]);
});

test('memory stays within the budget; the first and the latest frames survive', () => {
  const s = new FrameStore(1000); // room for 10 frames of 100 bytes
  for (let it = 1; it <= 500; it++) {
    s.add(frame(it));
    assert.ok(s.totalBytes <= 1000, `iteration ${it}: ${s.totalBytes} bytes`);
  }
  const its = s.iterations();
  assert.equal(its[0], 1);
  assert.equal(its[its.length - 1], 500);
  assert.ok(s.dropped > 0);
  // Still sorted.
  for (let i = 1; i < its.length; i++) assert.ok(its[i] > its[i - 1]);
  // The byte count is exact.
  assert.equal(s.totalBytes, its.length * 100);
});
