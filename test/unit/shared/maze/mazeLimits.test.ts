// Bad .maze files cost bounded time and memory, and the answer names the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAZE_LIMITS, parseMaze, parseMazeDocument } from '../../../../src/shared/maze/mazeFormat';
import { checkDenseFits, DENSE_PIXEL_CHANNELS, maxDenseMazeSide } from '../../../../src/engine/solve/denseLimit';

test('bad file: a text over the size limit is refused with one diagnostic naming the limit', () => {
  const doc = parseMazeDocument('#'.repeat(MAZE_LIMITS.chars + 1));
  assert.equal(doc.grid, undefined);
  assert.equal(doc.diagnostics.length, 1);
  assert.match(doc.diagnostics[0].message, /the file has 4,194,305 characters; \.maze files are limited to 4,194,304/);
});

test('bad file: binary data (a NUL) stops the parse at once, at its line', () => {
  const doc = parseMazeDocument('#####\n#S.G#\n\u0000\u0001\u0002');
  assert.deepEqual(doc.diagnostics.map((d) => [d.line, d.message]), [[3, 'binary data (a NUL character): this is not a .maze text file']]);
});

test('bad file: diagnostics stop at 100 plus one "and N more", counted exactly', () => {
  // A real maze with 150 stray characters: keep reading (most characters are fine), list 100, count 50.
  const rows = ['#'.repeat(152), '#S' + '.'.repeat(148) + 'G#', '#' + 'x'.repeat(150) + '#', '#'.repeat(152)];
  const doc = parseMazeDocument(rows.join('\n'));
  assert.equal(doc.diagnostics.length, 101);
  assert.equal(doc.diagnostics.filter((d) => /unknown character 'x'/.test(d.message)).length, 100);
  assert.match(doc.diagnostics[100].message, /… and 50 more problem\(s\); only the first 100 are listed/);
  assert.throws(() => parseMaze(rows.join('\n'), 'stray.maze'), /stray\.maze:3:2: error: unknown character 'x'/);
});

test('bad file: a file that is mostly not maze characters stops being read early', () => {
  const text = Array.from({ length: 500 }, () => 'lorem ipsum dolor sit amet, '.repeat(20)).join('\n');
  const doc = parseMazeDocument(text);
  const last = doc.diagnostics[doc.diagnostics.length - 1];
  assert.match(last.message, /^stopped reading at line \d+: .* this does not look like a maze$/);
  assert.ok(last.line < 10, `stopped at line ${last.line}`);
  assert.ok(doc.diagnostics.length <= MAZE_LIMITS.diagnostics + 2);
});

test('bad file: mazes beyond 1001×1001 units are refused; 1001×1001 parses', () => {
  const open = (n: number) => {
    const rows = Array.from({ length: n }, () => '.'.repeat(n));
    rows[0] = 'S' + rows[0].slice(1);
    rows[n - 1] = rows[n - 1].slice(0, -1) + 'G';
    return rows.join('\n');
  };
  assert.equal(parseMaze(open(MAZE_LIMITS.side)).rows, MAZE_LIMITS.side);
  assert.throws(() => parseMaze(open(MAZE_LIMITS.side + 1), 'big.maze'), /big\.maze:1:1: error: the maze is 1002×1002 units; the largest supported is 1001×1001/);
});

test('dense thinking: the limit follows the net width and names the file and the tile thinker', () => {
  // side s units → (2s + 2)² pixels × width must fit
  for (const w of [32, 128]) {
    const s = maxDenseMazeSide(w);
    const px = (n: number) => [2 * n + 2, 2 * n + 2];
    assert.doesNotThrow(() => checkDenseFits('ok.maze', px(s), w));
    assert.ok((2 * (s + 1) + 2) ** 2 * w > DENSE_PIXEL_CHANNELS, `side ${s + 1} must not fit at width ${w}`);
  }
  assert.equal(maxDenseMazeSide(32), 511);
  assert.throws(() => checkDenseFits('big.maze', [2004, 2004], 32, [1001, 1001]), /big\.maze: 1001×1001 units \(2004×2004 px\) is too big to think about densely with a width-32 net: .*about 511×511 units.* tile thinker \(onnxruntime-node, or a native backend\) takes mazes up to 1001×1001 units/);
});
