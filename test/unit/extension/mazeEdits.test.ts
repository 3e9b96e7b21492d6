import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLineReplacements, mazeEditToLines } from '../../../src/extension/mazeEdits';
import { parseMaze } from '../../../src/shared/maze/mazeFormat';

const MAZE = ['; a comment', '; size: 3', '#####', '#S. #', '#.#.#', '#..G#', '#####', ''].join('\n');

function edit(text: string, e: Parameters<typeof mazeEditToLines>[1]): string {
  const r = mazeEditToLines(text, e);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return applyLineReplacements(text, r.replacements);
}

test('toggling a wall rewrites only that character and keeps comments and spaces', () => {
  const out = edit(MAZE, { kind: 'walls', cells: [[2, 1]], wall: true });
  assert.equal(out, ['; a comment', '; size: 3', '#####', '#S. #', '###.#', '#..G#', '#####', ''].join('\n'));
  // The open cell written as a space elsewhere is untouched.
  assert.ok(out.includes('#S. #'));
});

test('a drag is one edit: several cells, only their rows replaced', () => {
  const r = mazeEditToLines(MAZE, { kind: 'walls', cells: [[1, 2], [1, 3], [3, 1]], wall: true });
  assert.ok(r.ok);
  assert.deepEqual(r.replacements.map((x) => x.line), [3, 5]);
  const g = parseMaze(applyLineReplacements(MAZE, r.replacements));
  assert.equal(g.walls[1 * 5 + 2], 1);
  assert.equal(g.walls[1 * 5 + 3], 1);
  assert.equal(g.walls[3 * 5 + 1], 1);
});

test('clearing walls, and painting onto S or G is a no-op for those cells', () => {
  const out = edit(MAZE, { kind: 'walls', cells: [[0, 0], [1, 1]], wall: false });
  const g = parseMaze(out);
  assert.equal(g.walls[0], 0);
  assert.deepEqual(g.start, [1, 1]);
  const r = mazeEditToLines(MAZE, { kind: 'walls', cells: [[1, 1], [3, 3]], wall: true });
  assert.ok(r.ok);
  assert.deepEqual(r.replacements, []);
});

test('moving S clears the wall under it and leaves the old place open', () => {
  const out = edit(MAZE, { kind: 'start', to: [2, 2] });
  const g = parseMaze(out);
  assert.deepEqual(g.start, [2, 2]);
  assert.equal(g.walls[2 * 5 + 2], 0);
  assert.equal(out.split('\n')[3], '#.. #');
  assert.equal(out.split('\n')[4], '#.S.#');
});

test('moving G onto S is refused (no change)', () => {
  const r = mazeEditToLines(MAZE, { kind: 'goal', to: [1, 1] });
  assert.ok(r.ok);
  assert.deepEqual(r.replacements, []);
});

test('undo is exact: applying the inverse edit restores the text byte for byte', () => {
  const painted = edit(MAZE, { kind: 'walls', cells: [[1, 2]], wall: true });
  assert.notEqual(painted, MAZE);
  assert.equal(edit(painted, { kind: 'walls', cells: [[1, 2]], wall: false }), MAZE);
});

test('CRLF files stay CRLF', () => {
  const crlf = MAZE.replace(/\n/g, '\r\n');
  const out = edit(crlf, { kind: 'walls', cells: [[1, 2]], wall: true });
  assert.equal(out.split('\r\n').length, crlf.split('\r\n').length);
  assert.ok(!/[^\r]\n/.test(out));
});

test('a broken maze cannot be edited graphically: the reason names line and column', () => {
  const bad = '#####\n#S.x#\n#..G#\n#####\n';
  const r = mazeEditToLines(bad, { kind: 'walls', cells: [[1, 2]], wall: true });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /line 2, column 4: unknown character 'x'/);
});

test('cells outside the maze are rejected with the maze size', () => {
  const r = mazeEditToLines(MAZE, { kind: 'walls', cells: [[9, 9]], wall: true });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /outside the 5×5 maze/);
});
