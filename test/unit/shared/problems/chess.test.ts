import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chess } from 'chess.js';
import {
  bestLegalMove,
  chessProblem,
  encodeFen,
  flipBoardRows,
  puzzleFromLichess,
  squareIndex,
  squareName,
  topSquares,
  type ChessPuzzle,
} from '../../../../src/shared/problems/chess';
import { chessBatches, readPuzzles } from '../../../../src/engine/data/chess';
import { DataFormatError, parseCsvLine } from '../../../../src/engine/data/csv';
import { Rng } from '../../../../src/shared/rng';

const FIX = 'test/fixtures/chess';
const START = 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1';
const plane = (data: Float32Array, p: number) => {
  const squares: string[] = [];
  for (let i = 0; i < 64; i++) if (data[i * 12 + p]) squares.push(squareName(i));
  return squares.sort();
};

test('square indices: row 0 = rank 8, column 0 = file a', () => {
  assert.equal(squareIndex('a8'), 0);
  assert.equal(squareIndex('h8'), 7);
  assert.equal(squareIndex('a1'), 56);
  assert.equal(squareIndex('h1'), 63);
  assert.equal(squareIndex('e4'), 36);
  assert.equal(squareIndex('i9'), -1);
  for (let i = 0; i < 64; i++) assert.equal(squareIndex(squareName(i)), i);
});

test('encode of the start position: side to move is White, planes K,Q,B,N,R,P then the opponent', () => {
  const d = encodeFen(START);
  assert.equal(d.length, 8 * 8 * 12);
  assert.equal(d.reduce((a, b) => a + b, 0), 32);
  assert.deepEqual(plane(d, 0), ['e1']);
  assert.deepEqual(plane(d, 1), ['d1']);
  assert.deepEqual(plane(d, 2), ['c1', 'f1']);
  assert.deepEqual(plane(d, 3), ['b1', 'g1']);
  assert.deepEqual(plane(d, 4), ['a1', 'h1']);
  assert.deepEqual(plane(d, 5), ['a2', 'b2', 'c2', 'd2', 'e2', 'f2', 'g2', 'h2']);
  assert.deepEqual(plane(d, 6), ['e8']);
  assert.deepEqual(plane(d, 10), ['a8', 'h8']);
  assert.deepEqual(plane(d, 11), ['a7', 'b7', 'c7', 'd7', 'e7', 'f7', 'g7', 'h7']);
  // Channels-last: the white king on e1 (row 7, col 4) is at ((7*8)+4)*12 + 0.
  assert.equal(d[(7 * 8 + 4) * 12 + 0], 1);
});

test('encode with Black to move puts Black in planes 0–5, without flipping the board', () => {
  const d = encodeFen('rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1');
  assert.deepEqual(plane(d, 0), ['e8']);
  assert.deepEqual(plane(d, 6), ['e1']);
  assert.ok(plane(d, 11).includes('e4'));
  assert.throws(() => encodeFen('8/8/8 w - - 0 1'), /8 ranks/);
  assert.throws(() => encodeFen('rnbqkbnr/ppppxppp/8/8/8/8/PPPPPPPP/RNBQKBNR w - - 0 1'), /unknown piece 'x'/);
});

test('flipBoardRows swaps rank 8 and rank 1 and is an involution', () => {
  const d = encodeFen(START);
  const f = flipBoardRows(d, 12);
  assert.deepEqual(plane(f, 0), ['e8']);
  assert.deepEqual(flipBoardRows(f, 12), d);
});

test('a Lichess row: first move is played, second is the answer; target marks its two squares', () => {
  // From the fixture: Black plays g5f5, then White's answer is c6c8 (mate).
  const p = puzzleFromLichess({
    PuzzleId: '01ig0',
    FEN: '5kn1/5p2/2R2Pp1/1p4r1/1P1P4/r7/3R3K/8 b - - 0 37',
    Moves: 'g5f5 c6c8',
    Rating: '399',
  });
  assert.equal(p.solution, 'c6c8');
  assert.equal(p.fen.split(' ')[1], 'w');
  assert.equal(new Chess(p.fen).get('f5')?.type, 'r');
  const t = chessProblem.target(p);
  assert.deepEqual([...t.keys()].filter((i) => t[i]), [squareIndex('c8'), squareIndex('c6')].sort((a, b) => a - b));
  assert.deepEqual(chessProblem.encode(p).spatial, [8, 8]);
});

test('top-2 scoring: correct iff the two best squares are exactly {from, to}', () => {
  const p: ChessPuzzle = { id: 'x', fen: START, solution: 'g1f3', rating: 1000 };
  const s = new Float32Array(64).fill(-1);
  s[squareIndex('f3')] = 4;
  s[squareIndex('g1')] = 3;
  assert.deepEqual(topSquares(s), [squareIndex('f3'), squareIndex('g1')]);
  assert.equal(chessProblem.isCorrect(p, s), true, 'order does not matter');
  s[squareIndex('e2')] = 3.5; // a third square beats g1
  assert.equal(chessProblem.isCorrect(p, s), false);
  s[squareIndex('e2')] = -1;
  s[squareIndex('f3')] = -0.5; // still the top 2, even with negative scores
  assert.equal(chessProblem.isCorrect(p, s), true);
});

test('decode picks the legal move best matching the scores, always legal', () => {
  const p: ChessPuzzle = { id: 'x', fen: START, solution: 'g1f3', rating: 1000 };
  const s = new Float32Array(64);
  s[squareIndex('g1')] = 5;
  s[squareIndex('f3')] = 4;
  s[squareIndex('e8')] = 4.5; // high but no legal move pairs it with g1
  assert.equal(chessProblem.decode(p, s), 'g1f3');
  const rng = new Rng(1);
  for (let k = 0; k < 30; k++) {
    const r = Float32Array.from({ length: 64 }, () => rng.normal());
    const uci = chessProblem.decode(p, r)!;
    const g = new Chess(START);
    assert.doesNotThrow(() => g.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), promotion: uci[4] }));
  }
  // Promotion decodes to the queen.
  const promo = '8/4P3/8/8/8/8/k7/4K3 w - - 0 1';
  const q = new Float32Array(64);
  q[squareIndex('e7')] = 2;
  q[squareIndex('e8')] = 2;
  assert.equal(bestLegalMove(promo, q)?.uci, 'e7e8q');
  // No legal moves (checkmate): null.
  assert.equal(bestLegalMove('7k/6Q1/6K1/8/8/8/8/8 b - - 0 1', q), null);
});

test('readPuzzles streams a Lichess CSV, filters by rating [min, max) and limits', async () => {
  const all: ChessPuzzle[] = [];
  for await (const p of readPuzzles(`${FIX}/good.csv`)) all.push(p);
  assert.deepEqual(all.map((p) => p.rating), [399, 888, 1307, 1705, 2615]);
  const mid: number[] = [];
  for await (const p of readPuzzles(`${FIX}/good.csv`, { minRating: 888, maxRating: 1705 })) mid.push(p.rating);
  assert.deepEqual(mid, [888, 1307]);
  const two: string[] = [];
  for await (const p of readPuzzles(`${FIX}/good.csv`, { limit: 2 })) two.push(p.id);
  assert.deepEqual(two, ['01ig0', 'fLdJa']);
});

test('the shipped sample has 50 valid puzzles of varied ratings', async () => {
  const ratings: number[] = [];
  for await (const p of readPuzzles('media/samples/chess/sample-puzzles.csv')) {
    ratings.push(p.rating);
    assert.equal(chessProblem.target(p).reduce((a, b) => a + b, 0), 2);
  }
  assert.equal(ratings.length, 50);
  assert.ok(Math.min(...ratings) < 600 && Math.max(...ratings) > 2000);
});

async function firstError(file: string): Promise<DataFormatError> {
  try {
    for await (const _ of readPuzzles(`${FIX}/${file}`)) void _;
  } catch (e) {
    assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${e}`);
    return e;
  }
  assert.fail(`${file} was accepted`);
}

test('malformed rows name file, line and column', async () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['bad-fen.csv', 3, 'FEN', /invalid FEN/],
    ['illegal-move.csv', 4, 'Moves', /second move 'a1a1'/],
    ['bad-rating.csv', 2, 'Rating', /not a number: 'hard'/],
    ['missing-column.csv', 1, 'Moves', /header lacks required column Moves/],
    ['short-row.csv', 3, 'Moves', /missing/],
  ];
  for (const [file, line, column, detail] of cases) {
    const e = await firstError(file);
    assert.equal(e.line, line, file);
    assert.equal(e.column, column, file);
    assert.match(e.message, new RegExp(`${file.replace('.', '\\.')}:${line}: column ${column}: `));
    assert.match(e.message, detail);
  }
  await assert.rejects(async () => {
    for await (const _ of readPuzzles(`${FIX}/no-such-file.csv`)) void _;
  }, /no-such-file\.csv:0: cannot read the file/);
});

test("onError 'skip' reports bad rows and keeps the good ones", async () => {
  const skipped: DataFormatError[] = [];
  const ids: string[] = [];
  for await (const p of readPuzzles(`${FIX}/illegal-move.csv`, { onError: 'skip', onSkip: (e) => skipped.push(e) })) ids.push(p.id);
  assert.deepEqual(ids, ['01ig0', 'fLdJa', '16Hah']);
  assert.deepEqual(skipped.map((e) => e.line), [4]);
});

test('chessBatches encodes lazily in batches of [N, 8, 8, 12]', async () => {
  const sizes: number[] = [];
  for await (const b of chessBatches(`${FIX}/good.csv`, 2)) {
    sizes.push(b.n);
    assert.equal(b.input.length, b.n * 64 * 12);
    assert.equal(b.target.length, b.n * 64);
    assert.equal(b.mask, undefined);
    assert.deepEqual(b.spatial, [8, 8]);
  }
  assert.deepEqual(sizes, [2, 2, 1]);
});

test('parseCsvLine handles quotes', () => {
  assert.deepEqual(parseCsvLine('a,"b,c","d ""e""",'), ['a', 'b,c', 'd "e"', '']);
  assert.throws(() => parseCsvLine('a,"b'), /unterminated/);
});
