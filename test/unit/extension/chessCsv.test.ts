// The chess panel's CSV reader (extension host, no engine): Lichess rows → puzzles, bad rows reported with
// file:line: column, a file without the required header refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseCsvLine, puzzlesFromLines, PuzzleFileError, readPuzzleFile, sanOf } from '../../../src/extension/chessCsv';

const fixture = (name: string) => join('test', 'fixtures', 'chess', name);

test('parseCsvLine handles quotes, escaped quotes and empty fields', () => {
  assert.deepEqual(parseCsvLine('a,"b,c",,"d""e"'), ['a', 'b,c', '', 'd"e']);
  assert.deepEqual(parseCsvLine(''), ['']);
  assert.throws(() => parseCsvLine('"open'), /unterminated/);
  assert.throws(() => parseCsvLine('"a"b'), /character 4: expected ','/);
});

test('reads the good fixture: position after the first move, answer = second move, SAN, themes', async () => {
  const set = await readPuzzleFile(fixture('good.csv'));
  assert.equal(set.source, 'good.csv');
  assert.equal(set.skippedCount, 0);
  assert.equal(set.puzzles.length, 5);
  const p = set.puzzles[0];
  assert.equal(p.id, '01ig0');
  // Black played g5f5 (rook g5 → f5); White to move and mates with c6c8.
  assert.equal(p.fen.split(' ')[1], 'w');
  assert.equal(p.fen.split(' ')[0], '5kn1/5p2/2R2Pp1/1p3r2/1P1P4/r7/3R3K/8');
  assert.equal(p.lastMove, 'g5f5');
  assert.equal(p.solution, 'c6c8');
  assert.equal(p.solutionSan, 'Rc8#');
  assert.equal(p.rating, 399);
  assert.deepEqual(p.themes, ['endgame', 'mate', 'mateIn1', 'oneMove']);
  // The raw Lichess fields are kept for the engine's SolveInput.
  const raw = set.byId.get('01ig0')!;
  assert.equal(raw.lichessFen, '5kn1/5p2/2R2Pp1/1p4r1/1P1P4/r7/3R3K/8 b - - 0 37');
  assert.equal(raw.lichessMoves, 'g5f5 c6c8');
});

test('bad rows are skipped and reported with file, line and column', async () => {
  const fen = await readPuzzleFile(fixture('bad-fen.csv'));
  assert.deepEqual(fen.puzzles.map((p) => p.id), ['01ig0', 'Vedxy']);
  assert.equal(fen.skippedCount, 1);
  assert.match(fen.skipped[0], /^bad-fen\.csv:3: column FEN: invalid FEN/);

  const rating = await readPuzzleFile(fixture('bad-rating.csv'));
  assert.match(rating.skipped[0], /^bad-rating\.csv:2: column Rating: is not a number: 'hard'/);

  const illegal = await readPuzzleFile(fixture('illegal-move.csv'));
  assert.match(illegal.skipped[0], /^illegal-move\.csv:4: column Moves: second move 'a1a1'/);

  const short = await readPuzzleFile(fixture('short-row.csv'));
  assert.equal(short.puzzles.length, 2);
  assert.match(short.skipped[0], /^short-row\.csv:3: column Moves: missing \(row has 2 of 10 fields\)/);
});

test('a file without the Lichess header is refused, naming what is missing', async () => {
  await assert.rejects(readPuzzleFile(fixture('missing-column.csv')), (e: Error) => {
    assert.ok(e instanceof PuzzleFileError);
    assert.match(e.message, /^missing-column\.csv:1: not a Lichess puzzle CSV: the header lacks Moves/);
    return true;
  });
  await assert.rejects(readPuzzleFile(fixture('no-such-file.csv')), /no-such-file\.csv: cannot read the file/);
  await assert.rejects(puzzlesFromLines([], 'empty.csv'), /empty\.csv: empty file/);
});

test('limit stops reading; duplicates and messages beyond the cap are counted', async () => {
  const header = 'PuzzleId,FEN,Moves,Rating,Themes';
  const row = (id: string) => `${id},5kn1/5p2/2R2Pp1/1p4r1/1P1P4/r7/3R3K/8 b - - 0 37,g5f5 c6c8,399,mate`;
  const lines = [header, row('a'), row('a'), 'b,bad,g5f5 c6c8,1', 'c,bad,g5f5 c6c8,1', row('d'), row('e')];
  const set = await puzzlesFromLines(lines, '/x/y.csv', { limit: 2, maxMessages: 1 });
  assert.deepEqual(set.puzzles.map((p) => p.id), ['a', 'd']);
  assert.equal(set.skippedCount, 3);
  assert.equal(set.skipped.length, 1);
  assert.match(set.skipped[0], /^y\.csv:3: column PuzzleId: duplicate id 'a'/);
});

test('the bundled sample loads completely', async () => {
  const set = await readPuzzleFile(join('media', 'samples', 'chess', 'sample-puzzles.csv'));
  assert.equal(set.skippedCount, 0, set.skipped.join('\n'));
  assert.ok(set.puzzles.length >= 40, `${set.puzzles.length} puzzles`);
});

test('sanOf falls back to the UCI text for an illegal move', () => {
  assert.equal(sanOf('8/8/8/8/8/8/4P3/4K2k w - - 0 1', 'e2e4'), 'e4');
  assert.equal(sanOf('8/8/8/8/8/8/4P3/4K2k w - - 0 1', 'e2e5'), 'e2e5');
});
