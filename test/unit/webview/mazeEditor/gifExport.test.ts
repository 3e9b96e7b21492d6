// The solve's GIF, decoded by an independent decoder (omggif): every frame is there, in order, with its pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GifReader } from 'omggif';
import { encodeGif, gifPositions, MAX_GIF_FRAMES } from '../../../../webview/mazeEditor/gifExport';

function frame(width: number, height: number, paint: (x: number, y: number) => [number, number, number]) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      rgba.set([r, g, b, 255], (y * width + x) * 4);
    }
  return { rgba, width, height };
}

test('encodeGif: a looping GIF whose frames decode to the pictures that went in', () => {
  const W = 12;
  const H = 9;
  // A wall/corridor picture with a growing path, like a solve's frames.
  const frames = [0, 3, 6, 9].map((len) =>
    frame(W, H, (x, y) => (x === 0 || y === 0 ? [30, 30, 30] : y === 4 && x < len ? [220, 60, 40] : [240, 240, 235])),
  );
  const bytes = encodeGif(frames, 100);
  assert.equal(Buffer.from(bytes.subarray(0, 6)).toString('latin1'), 'GIF89a');
  const reader = new GifReader(Buffer.from(bytes));
  assert.equal(reader.width, W);
  assert.equal(reader.height, H);
  assert.equal(reader.numFrames(), frames.length);
  assert.equal(reader.loopCount(), 0, 'loops for ever');
  for (let i = 0; i < frames.length; i++) {
    const out = new Uint8Array(W * H * 4);
    reader.decodeAndBlitFrameRGBA(i, out);
    for (let p = 0; p < W * H * 4; p += 4) {
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(out[p + c] - frames[i].rgba[p + c]) <= 8, `frame ${i}, pixel ${p / 4}, channel ${c}`);
    }
  }
  assert.equal(reader.frameInfo(0).delay, 10, 'delay in hundredths of a second');
  assert.equal(reader.frameInfo(frames.length - 1).delay, 40, 'the last frame is held longer');
});

test('encodeGif refuses frames of different sizes or lengths, and an empty list', () => {
  assert.throws(() => encodeGif([], 100), /no frames/);
  assert.throws(() => encodeGif([frame(4, 4, () => [0, 0, 0]), frame(5, 4, () => [0, 0, 0])], 100), /frame 1 is 5×4/);
  assert.throws(() => encodeGif([{ rgba: new Uint8Array(10), width: 4, height: 4 }], 100), /has 10 bytes/);
});

test('gifPositions keeps every frame of a short timeline and samples a long one evenly with both ends', () => {
  assert.deepEqual(gifPositions(0), []);
  assert.deepEqual(gifPositions(5), [0, 1, 2, 3, 4]);
  const long = gifPositions(1000);
  assert.equal(long.length, MAX_GIF_FRAMES);
  assert.equal(long[0], 0);
  assert.equal(long[long.length - 1], 999);
  for (let i = 1; i < long.length; i++) assert.ok(long[i] > long[i - 1]);
});

test('bytesToBase64 agrees with Node for buffers longer than one chunk', async () => {
  const { bytesToBase64: toBase64 } = await import('../../../../webview/shared/dom');
  const bytes = new Uint8Array(100_000).map((_, i) => (i * 7919) % 256);
  assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'));
});
