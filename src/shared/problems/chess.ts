// Chess puzzles (Bansal et al. 2022, §3.3): from a Lichess puzzle position, find the first move of the
// solution. The net outputs one class-1 score per square; the prediction is its top-2 squares, which must be
// exactly the move's from- and to-squares.
//
// Encoding, channels-last [8, 8, 12]:
//   row 0 = rank 8 … row 7 = rank 1 (the order FEN lists ranks), column 0 = file a … column 7 = file h;
//   White's view, never flipped, for input and target alike. Square index = row * 8 + col (a8 = 0, h1 = 63).
//   Planes 0–5: the side to move's K, Q, B, N, R, P; planes 6–11: the opponent's, same order.
//
// About the paper's checkpoints: the paper's data script stores boards with row 0 = rank 1, and its loader
// (deep-thinking `FlippedChessPuzzleDataset`) then flips the rows of input AND target when Black moves, so its nets
// always see the mover's home rank at row 0. Our boards have row 0 = rank 8, so the two frames differ by a row flip
// for WHITE-to-move positions (black-to-move boards already agree). An imported paper chess net therefore needs,
// for white-to-move positions, `flipBoardRows(input, 12)` before the net and `flipBoardRows(class1, 1)` on its
// output before isCorrect/decode; the importer records this as `boardFrame` (see importPth.ts). Not done yet in the
// solve/eval paths: our own chess models are trained in our frame and need no flip.
//
// Lichess format: `Moves` starts with the OPPONENT's move; the puzzle position is the one after it, and the
// answer is the second move (data/README.md).
import { Chess } from 'chess.js';
import type { Encoded, Problem } from './problem';

export interface ChessPuzzle {
  id: string;
  /** FEN of the puzzle position (after the first move of Lichess's `Moves`). */
  fen: string;
  /** The answer, in UCI (e.g. "e2e4", "e7e8q"): the second move of Lichess's `Moves`. */
  solution: string;
  rating: number;
  themes?: string;
}

/** Piece letters in plane order (K, Q, B, N, R, P), lowercase. */
export const PIECE_PLANES = 'kqbnrp';

const FILES = 'abcdefgh';

/** "a8" → 0, "h1" → 63 (row = 8 − rank, col = file). Returns -1 for anything else. */
export function squareIndex(square: string): number {
  if (square.length !== 2) return -1;
  const col = FILES.indexOf(square[0]);
  const rank = square.charCodeAt(1) - 48;
  if (col < 0 || rank < 1 || rank > 8) return -1;
  return (8 - rank) * 8 + col;
}

/** 0 → "a8", 63 → "h1". */
export function squareName(index: number): string {
  return FILES[index % 8] + String(8 - Math.floor(index / 8));
}

/** Parse a UCI move ("e7e8q") into square indices; null if malformed. */
export function parseUci(uci: string): { from: number; to: number; promotion?: string } | null {
  const m = /^([a-h][1-8])([a-h][1-8])([qrbn])?$/.exec(uci);
  if (!m) return null;
  return { from: squareIndex(m[1]), to: squareIndex(m[2]), promotion: m[3] };
}

/**
 * FEN → [8, 8, 12] planes (see the header). Reads only the placement and side-to-move fields; throws a
 * SyntaxError naming what is wrong (the data loader validates full FENs with chess.js first).
 */
export function encodeFen(fen: string): Float32Array {
  const fields = fen.trim().split(/\s+/);
  const placement = fields[0] ?? '';
  const turn = fields[1] ?? 'w';
  if (turn !== 'w' && turn !== 'b') throw new SyntaxError(`FEN side to move must be 'w' or 'b', got '${turn}'`);
  const ranks = placement.split('/');
  if (ranks.length !== 8) throw new SyntaxError(`FEN placement needs 8 ranks separated by '/', got ${ranks.length}`);
  const data = new Float32Array(8 * 8 * 12);
  for (let row = 0; row < 8; row++) {
    let col = 0;
    for (const ch of ranks[row]) {
      if (ch >= '1' && ch <= '8') {
        col += ch.charCodeAt(0) - 48;
        continue;
      }
      const lower = ch.toLowerCase();
      const kind = PIECE_PLANES.indexOf(lower);
      if (kind < 0) throw new SyntaxError(`FEN rank ${8 - row}: unknown piece '${ch}'`);
      if (col > 7) throw new SyntaxError(`FEN rank ${8 - row} has more than 8 squares`);
      const white = ch !== lower;
      const mine = white === (turn === 'w');
      data[(row * 8 + col) * 12 + (mine ? 0 : 6) + kind] = 1;
      col++;
    }
    if (col !== 8) throw new SyntaxError(`FEN rank ${8 - row} has ${col} squares, expected 8`);
  }
  return data;
}

/** Flip the rows of an [8, 8, C] board (rank 8 ↔ rank 1). For importing the paper's checkpoints (see header). */
export function flipBoardRows(board: Float32Array, channels: number): Float32Array {
  if (board.length !== 64 * channels) throw new RangeError(`flipBoardRows: expected 64×${channels} values, got ${board.length}`);
  const out = new Float32Array(board.length);
  const rowLen = 8 * channels;
  for (let row = 0; row < 8; row++) out.set(board.subarray(row * rowLen, (row + 1) * rowLen), (7 - row) * rowLen);
  return out;
}

/**
 * Indices of the k highest scores, highest first. Ties go to the lower square index, so the result is
 * deterministic.
 */
export function topSquares(class1: ArrayLike<number>, k = 2): number[] {
  const idx = Array.from({ length: class1.length }, (_, i) => i);
  idx.sort((a, b) => class1[b] - class1[a] || a - b);
  return idx.slice(0, k);
}

/** The field of a Lichess row a ChessPuzzleError refers to. */
export type LichessField = 'PuzzleId' | 'FEN' | 'Moves' | 'Rating';

export class ChessPuzzleError extends Error {
  constructor(
    readonly field: LichessField,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ChessPuzzleError';
  }
}

export interface LichessRow {
  PuzzleId: string;
  FEN: string;
  Moves: string;
  Rating: string | number;
  Themes?: string;
}

/**
 * A Lichess row → puzzle: plays the first move on the FEN and keeps the second as the answer. Checks
 * everything with chess.js; throws ChessPuzzleError naming the field at fault.
 */
export function puzzleFromLichess(row: LichessRow): ChessPuzzle {
  const id = row.PuzzleId.trim();
  if (!id) throw new ChessPuzzleError('PuzzleId', 'is empty');
  const rating = typeof row.Rating === 'number' ? row.Rating : Number(row.Rating.trim());
  if (typeof row.Rating === 'string' && row.Rating.trim() === '') throw new ChessPuzzleError('Rating', 'is empty');
  if (!Number.isFinite(rating)) throw new ChessPuzzleError('Rating', `is not a number: '${row.Rating}'`);

  let game: Chess;
  try {
    game = new Chess(row.FEN.trim());
  } catch (e) {
    throw new ChessPuzzleError('FEN', `invalid FEN '${row.FEN}': ${(e as Error).message}`);
  }
  const moves = row.Moves.trim().split(/\s+/).filter(Boolean);
  if (moves.length < 2) {
    throw new ChessPuzzleError('Moves', `needs at least 2 moves (the opponent's, then the answer), got '${row.Moves}'`);
  }
  playUci(game, moves[0], 'first');
  const fen = game.fen();
  playUci(game, moves[1], 'second'); // checks the answer is legal in the puzzle position
  return { id, fen, solution: moves[1], rating, themes: row.Themes?.trim() || undefined };
}

function playUci(game: Chess, uci: string, which: string): void {
  const m = parseUci(uci);
  if (!m) throw new ChessPuzzleError('Moves', `${which} move '${uci}' is not UCI (like e2e4 or e7e8q)`);
  try {
    game.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), promotion: m.promotion });
  } catch {
    throw new ChessPuzzleError('Moves', `${which} move '${uci}' is illegal in ${game.fen()}`);
  }
}

function solutionSquares(p: ChessPuzzle): { from: number; to: number } {
  const m = parseUci(p.solution);
  if (!m) throw new SyntaxError(`chess puzzle ${p.id}: solution '${p.solution}' is not a UCI move`);
  return m;
}

function checkScores(class1: Float32Array): void {
  if (class1.length !== 64) throw new RangeError(`chess: expected 64 square scores, got ${class1.length}`);
}

export interface ChessMovePrediction {
  uci: string;
  san: string;
  from: number;
  to: number;
  /** class1[from] + class1[to]. */
  score: number;
}

/**
 * The legal move that best matches the scores: the one maximising class1[from] + class1[to] (a sum of
 * logit differences ≈ the log-odds that both squares are "on", treating squares as independent). Ties keep
 * the first move in chess.js's order. Under-promotions share from/to with the queen promotion and are
 * skipped, so a promotion decodes to the queen. Null when the position has no legal move (mate or stalemate).
 */
export function bestLegalMove(fen: string, class1: Float32Array): ChessMovePrediction | null {
  checkScores(class1);
  const game = new Chess(fen);
  let best: ChessMovePrediction | null = null;
  for (const mv of game.moves({ verbose: true })) {
    if (mv.promotion && mv.promotion !== 'q') continue; // under-promotions score the same; prefer the queen
    const from = squareIndex(mv.from);
    const to = squareIndex(mv.to);
    const score = class1[from] + class1[to];
    if (!best || score > best.score) best = { uci: mv.lan, san: mv.san, from, to, score };
  }
  return best;
}

export const chessProblem: Problem<ChessPuzzle, string | null> = {
  id: 'chess',
  label: 'Chess puzzles',
  dims: 2,
  inChannels: 12,
  encode: (p): Encoded => ({ data: encodeFen(p.fen), spatial: [8, 8] }),
  /** [8, 8]: 1 on the answer's from- and to-squares. */
  target(p) {
    const { from, to } = solutionSquares(p);
    const t = new Uint8Array(64);
    t[from] = 1;
    t[to] = 1;
    return t;
  },
  lossMask: () => undefined,
  /** Correct iff the top-2 squares by class-1 score are exactly {from, to} (order free). */
  isCorrect(p, class1) {
    checkScores(class1);
    const { from, to } = solutionSquares(p);
    const [a, b] = topSquares(class1, 2);
    return (a === from && b === to) || (a === to && b === from);
  },
  /** UCI of the best-matching legal move (see bestLegalMove); null if there is none. */
  decode: (p, class1) => bestLegalMove(p.fen, class1)?.uci ?? null,
};
