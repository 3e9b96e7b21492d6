import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayPath, parseMaze, parseMazeDocument, serializeMaze, validateMaze, MazeFormatError } from '../../../../src/shared/maze/mazeFormat';
import { emptyMaze, moveGoal, moveStart, setWall, textToUnits, toggleWall, unitsToText } from '../../../../src/shared/maze/grid';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';

const SMALL = ['#######', '#S..#.#', '#.#.#.#', '#.#...#', '#.###G#', '#######'].join('\n') + '\n';

test('parse reads walls, start, goal; serialize gives the text back', () => {
  const g = parseMaze(SMALL);
  assert.equal(g.rows, 6);
  assert.equal(g.cols, 7);
  assert.deepEqual(g.start, [1, 1]);
  assert.deepEqual(g.goal, [4, 5]);
  assert.equal(g.walls[0], 1);
  assert.equal(g.walls[1 * 7 + 2], 0);
  assert.equal(g.walls[1 * 7 + 4], 1);
  assert.equal(serializeMaze(g), SMALL);
});

test('parse ∘ serialize is the identity on generated mazes', () => {
  for (const size of [3, 9, 21]) {
    const g = generateMaze(size, size * 7, { loops: size === 21 ? 0.2 : 0 });
    const back = parseMaze(serializeMaze(g, { meta: { size: String(size), seed: '7' }, comments: ['generated'] }));
    assert.deepEqual(back, g);
  }
});

test('spaces are open, comments and metadata are kept apart, CRLF and blank lines are fine', () => {
  const text = '; a maze\r\n; size: 3\r\n#####\r\n#S  #\r\n\r\n# # #\r\n#  G#\r\n#####\r\n';
  const doc = parseMazeDocument(text);
  assert.deepEqual(doc.diagnostics, []);
  assert.deepEqual(doc.meta, { size: '3' });
  assert.deepEqual(doc.comments, ['a maze']);
  assert.equal(doc.grid!.rows, 5);
  assert.equal(doc.grid!.walls[1 * 5 + 2], 0);
  assert.deepEqual(doc.rowLines, [3, 4, 6, 7, 8]);
});

test('diagnostics: ragged row, unknown character, duplicate S, missing G — with lines and columns', () => {
  const text = ['; header', '#####', '#S.S#', '#.x.#', '#..#', '#####'].join('\n');
  const ds = validateMaze(text);
  const summary = ds.map((d) => [d.line, d.column, d.severity, d.message.split(/[:(]/)[0].trim()]);
  assert.deepEqual(summary, [
    [2, 1, 'error', "no goal 'G'"],
    [3, 4, 'error', "second start 'S'"],
    [4, 3, 'error', "unknown character 'x'"],
    [5, 5, 'error', 'row has 4 units but the first row'],
  ]);
  assert.equal(ds[3].endColumn, 6);
});

test('unreachable goal is a warning at G, and parse still succeeds', () => {
  const text = ['#####', '#S#G#', '#####'].join('\n');
  const ds = validateMaze(text);
  assert.equal(ds.length, 1);
  assert.equal(ds[0].severity, 'warning');
  assert.equal(ds[0].line, 2);
  assert.equal(ds[0].column, 4);
  assert.match(ds[0].message, /not reachable/);
  assert.doesNotThrow(() => parseMaze(text));
});

test('parse of bad input throws naming file, line and column', () => {
  const text = ['#####', '#S.G#', '#.\t.#', '#####'].join('\n');
  assert.throws(
    () => parseMaze(text, 'mazes/bad.maze'),
    (e: unknown) => e instanceof MazeFormatError && /^mazes\/bad\.maze:3:3: error: unknown character a tab/.test(e.message),
  );
  assert.throws(() => parseMaze('; only a comment\n'), /<maze>:1:1: error: no maze rows/);
});

test('editing helpers return new grids and refuse to destroy S or G', () => {
  const g = parseMaze(SMALL);
  const w = toggleWall(g, 1, 2);
  assert.notEqual(w, g);
  assert.equal(w.walls[1 * 7 + 2], 1);
  assert.equal(g.walls[1 * 7 + 2], 0, 'original untouched');
  assert.equal(toggleWall(w, 1, 2).walls[1 * 7 + 2], 0);
  assert.equal(toggleWall(g, 1, 1), g, 'S is not a wall target');
  assert.equal(toggleWall(g, 99, 0), g, 'out of bounds is a no-op');
  assert.equal(setWall(g, 0, 0, true), g, 'already a wall');
  const s = moveStart(g, 1, 4); // onto a wall: clears it
  assert.deepEqual(s.start, [1, 4]);
  assert.equal(s.walls[1 * 7 + 4], 0);
  assert.equal(moveStart(g, 4, 5), g, 'cannot move S onto G');
  const gg = moveGoal(g, 3, 3);
  assert.deepEqual(gg.goal, [3, 3]);
  assert.equal(moveGoal(g, 1, 1), g);
  const e = emptyMaze(4, 6);
  assert.deepEqual(validateMaze(serializeMaze(e)), []);
});

test('unitsToText and textToUnits are inverses', () => {
  const units = Uint8Array.from([1, 0, 0, 1, 1, 0]);
  const rows = unitsToText(units, 3);
  assert.deepEqual(rows, ['100', '110']);
  assert.deepEqual(textToUnits(rows), { units, rows: 2, cols: 3 });
  assert.throws(() => textToUnits(['10', '1x']), /row 2, column 2/);
  const g = parseMaze(SMALL);
  const path = new Uint8Array(42);
  path[1 * 7 + 1] = path[1 * 7 + 2] = 1;
  assert.equal(overlayPath(g, path).split('\n')[1], '#S*.#.#');
});
