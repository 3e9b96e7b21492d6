import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameStore, type StoredFrame } from '../../../../webview/mazeEditor/frameStore';

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

/** A 100-cell frame whose every cell holds `value`. */
const flat = (iteration: number, value: number, mark?: 'perturb'): StoredFrame => ({
  iteration, rows: 10, cols: 10, scale: 1, probs: new Uint8Array(100).fill(value), confidence: 0.5, ...(mark ? { mark } : {}),
});

test('over budget, still frames go first and the frames where the picture changes stay', () => {
  const s = new FrameStore(3000); // 30 frames of 100 bytes
  // Iterations 1..20: the picture changes every step; 21..200: it sits still.
  for (let it = 1; it <= 200; it++) s.add(flat(it, Math.min(it, 20) * 10));
  const its = s.iterations();
  assert.ok(s.totalBytes <= 3000);
  for (let it = 1; it <= 20; it++) assert.ok(its.includes(it), `changing iteration ${it} kept (kept: ${its.join(',')})`);
  assert.equal(its[its.length - 1], 200);
});

test('the frame right after an intervention shares its iteration and is never thinned', () => {
  const s = new FrameStore(1000);
  for (let it = 1; it <= 5; it++) s.add(flat(it, 200));
  s.add(flat(5, 20, 'perturb'));
  for (let it = 6; it <= 300; it++) s.add(flat(it, 200));
  const marked = [...Array(s.length).keys()].map((i) => s.at(i)!).filter((f) => f.mark === 'perturb');
  assert.equal(marked.length, 1);
  assert.equal(marked[0].iteration, 5);
  assert.ok(s.iterations().includes(6), 'the first repaired frame stays too');
  // Both iteration-5 frames are there: before and after the damage.
  assert.equal(s.iterations().filter((i) => i === 5).length, 2);
});

test('frameDifference is the mean absolute change and infinite across a size change', async () => {
  const { frameDifference } = await import('../../../../webview/mazeEditor/frameStore');
  assert.equal(frameDifference(flat(1, 10), flat(2, 30)), 20);
  assert.equal(frameDifference(flat(1, 10), frame(2, 50)), Infinity);
});
