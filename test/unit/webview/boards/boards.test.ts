// Pure drawing code of the panels: the prefix-sums bit strip and the chess board geometry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bitAt, cellRect, layoutBitStrip, predictedBits, renderBitStrip, wrongBits, type BitStripPalette } from '../../../../webview/boards/bitStrip';
import { parsePlacement, screenSquare, sideToMove, squareAt, squareCenter } from '../../../../webview/boards/chessBoard';
import { prefixSumsTarget } from '../../../../src/shared/problems/prefixSums';

const PAL: BitStripPalette = {
  background: [0, 0, 0, 255],
  inputOne: [255, 255, 255, 255],
  inputZero: [40, 40, 40, 255],
  predOne: [0, 0, 255, 255],
  predZero: [40, 40, 40, 255],
  wrong: [255, 0, 0, 255],
};

test('layout: every bit gets a cell, lines hold multiples of 8, canvases stay within browser limits', () => {
  for (const [n, w, dpr] of [
    [8, 600, 1],
    [100, 300, 2],
    [4096, 1000, 1],
    [4096, 120, 2],
    [4096, 2000, 3],
  ] as const) {
    const l = layoutBitStrip(n, w, dpr);
    assert.ok(l.perLine * l.lines >= n, `${n} bits fit`);
    if (l.perLine < n) assert.equal(l.perLine % 8, 0, `perLine ${l.perLine} is a multiple of 8`);
    assert.ok(l.width <= Math.max(64, w) * dpr + 1, `width ${l.width} within ${w}×${dpr}`);
    assert.ok(l.height < 32767, `height ${l.height} below Chrome's canvas limit`);
    for (const i of [0, n - 1, Math.floor(n / 2)]) {
      for (const band of ['input', 'pred', 'mark'] as const) {
        const r = cellRect(l, i, band);
        assert.equal(bitAt(l, r.x + r.w / 2, r.y + r.h / 2), i, `bitAt inverts cellRect for bit ${i} ${band}`);
      }
    }
  }
  assert.throws(() => layoutBitStrip(0, 100), /positive integer/);
  assert.equal(bitAt(layoutBitStrip(10, 600), -1, 0), -1);
});

test('render: input, P(1) ramp and red markers exactly under the wrong bits', () => {
  const bits = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0, 1, 1]);
  const target = prefixSumsTarget(bits);
  const probs = Uint8Array.from(target, (t) => (t ? 255 : 0));
  probs[2] = probs[2] ? 0 : 255; // flip bit 2: wrong
  probs[7] = 128; // P = 0.502 → class 1
  const l = layoutBitStrip(bits.length, 600, 1);
  const img = { data: new Uint8ClampedArray(l.width * l.height * 4), width: l.width, height: l.height };
  const wrong = renderBitStrip(img, l, bits, target, probs, PAL);
  const expectWrong = wrongBits(probs, target);
  assert.deepEqual(expectWrong, target[7] === 1 ? [2] : [2, 7]);
  assert.equal(wrong, expectWrong.length);
  const px = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
  const at = (i: number, band: 'input' | 'pred' | 'mark') => {
    const r = cellRect(l, i, band);
    return px(Math.floor(r.x + r.w / 2), Math.floor(r.y + r.h / 2));
  };
  for (let i = 0; i < bits.length; i++) {
    assert.deepEqual(at(i, 'input'), bits[i] ? [255, 255, 255] : [40, 40, 40]);
    assert.deepEqual(at(i, 'mark'), expectWrong.includes(i) ? [255, 0, 0] : [0, 0, 0], `marker of bit ${i}`);
  }
  assert.deepEqual(at(0, 'pred'), [0, 0, 255]); // target[0] = 1, P = 1
  assert.deepEqual(at(7, 'pred'), [20, 20, 148]); // halfway between predZero and predOne
  assert.deepEqual(Array.from(predictedBits(Uint8Array.from([0, 127, 128, 255]))), [0, 0, 1, 1]);
  // Before any frame: no markers, the prediction band stays neutral.
  assert.equal(renderBitStrip(img, l, bits, target, undefined, PAL), 0);
  assert.throws(() => renderBitStrip(img, l, bits, target, probs.subarray(1), PAL), /9 probabilities for 10 bits/);
});

test('chess board: placement, side to move, square geometry in both orientations', () => {
  const cells = parsePlacement('rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq e3 0 1');
  assert.equal(cells.length, 64);
  assert.equal(cells[0], 'r'); // a8
  assert.equal(cells[4], 'k'); // e8
  assert.equal(cells[36], 'P'); // e4
  assert.equal(cells[63], 'R'); // h1
  assert.equal(sideToMove('8/8/8/8/8/8/8/8 b - - 0 1'), 'b');
  assert.throws(() => parsePlacement('8/8/8'), /8 ranks/);
  assert.throws(() => parsePlacement('8/8/8/8/8/8/8/7x'), /rank 1: unknown piece 'x'/);
  assert.throws(() => parsePlacement('8/8/8/8/8/8/8/7'), /rank 1 has 7 squares/);

  assert.deepEqual(screenSquare(0, false), { col: 0, row: 0 }); // a8 top-left for White
  assert.deepEqual(screenSquare(0, true), { col: 7, row: 7 }); // bottom-right for Black
  assert.deepEqual(screenSquare(63, true), { col: 0, row: 0 }); // h1 top-left for Black
  for (const flipped of [false, true]) {
    for (let sq = 0; sq < 64; sq++) {
      const c = squareCenter(sq, 400, flipped);
      assert.equal(squareAt(c.x, c.y, 400, flipped), sq);
    }
  }
  assert.equal(squareAt(400, 10, 400, false), -1);
});
