/**
 * Chess puzzles panel ⇄ extension. The host reads Lichess CSVs (the bundled sample or a file the user picks) and
 * sends the puzzles; the webview filters by rating, pages with next/previous, and asks the host to solve one. The
 * host streams a `frame` per iteration: P(square is the move's from- or to-square) for the 64 squares, a Uint8Array
 * (0…255, index 0 = a8 … 63 = h1, as in src/shared/problems/chess.ts), plus the legal move that best matches it.
 */
import type { ProtocolShape } from '../messenger';
import { arrayOf, bytes, checkObject, empty, iterations, modelsPayload, num, str, tableValidator, type Check, type ModelOption } from './common';

export const CHESS_VIEW_TYPE = 'deepThinking.chess';

export interface PuzzleView {
  id: string;
  /** the puzzle position (after the opponent's first move of Lichess's `Moves`) */
  fen: string;
  /** the opponent's move that led to the position, UCI (drawn as the "last move" highlight) */
  lastMove: string;
  /** the answer, UCI */
  solution: string;
  /** the answer in SAN, for display */
  solutionSan: string;
  rating: number;
  themes: string[];
}

export interface PuzzleSet {
  /** file name shown to the user ("sample-puzzles.csv") */
  source: string;
  puzzles: PuzzleView[];
  /** rows left out, each "file:line: column X: what is wrong" (at most a few dozen) */
  skipped: string[];
  skippedCount: number;
}

export interface ChessModels {
  models: ModelOption[];
  selected: string;
}

export interface ChessFrame {
  runId: number;
  iteration: number;
  /** 64 squares, a8 first, P(class 1) 0…255 */
  probs: Uint8Array;
  confidence: number;
  /** best-matching legal move in UCI, and SAN (absent when the engine could not decode one) */
  move?: string;
  san?: string;
}

export interface ChessRunResult {
  runId: number;
  model: string;
  iterations: number;
  haltedAt?: number;
  move?: string;
  san?: string;
  correct: boolean;
  cancelled: boolean;
  ms: number;
}

export interface ChessSolveParams {
  runId: number;
  puzzleId: string;
  model: string;
  iterations: number | 'auto';
}

export interface ChessToWebview extends ProtocolShape {
  requests: Record<string, never>;
  events: {
    init: ChessModels & { set: PuzzleSet };
    models: ChessModels;
    puzzles: PuzzleSet;
    frame: ChessFrame;
  };
}

export interface ChessFromWebview extends ProtocolShape {
  requests: {
    /** reload the bundled sample */
    loadSample: [Record<string, never>, PuzzleSet];
    /** show a file picker; null when the user cancels */
    pickCsv: [Record<string, never>, PuzzleSet | null];
    solve: [ChessSolveParams, ChessRunResult];
  };
  events: {
    ready: Record<string, never>;
    cancel: Record<string, never>;
  };
}

export const validateChessMessage = tableValidator({
  ready: empty,
  cancel: empty,
  loadSample: empty,
  pickCsv: empty,
  solve: (v, f) =>
    checkObject(v, f, {
      runId: (x, g) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? undefined : `${g}: expected a run number`),
      puzzleId: str(64, /^[A-Za-z0-9_-]+$/),
      model: str(4096),
      iterations,
    }),
});

const puzzleView: Check = (v, f) =>
  checkObject(v, f, { id: str(), fen: str(), lastMove: str(16), solution: str(16), solutionSan: str(32), rating: num, themes: arrayOf(str(), 1000) });
const puzzleSet: Check = (v, f) =>
  checkObject(v, f, { source: str(), puzzles: arrayOf(puzzleView), skipped: arrayOf(str(), 10_000), skippedCount: num });

/** What the chess page accepts from the host (the maze editor's habit: nothing unchecked reaches a renderer). */
export const validateChessHostMessage = tableValidator({
  init: (v, f) => modelsPayload(v, f) ?? checkObject(v, f, { set: puzzleSet }),
  models: modelsPayload,
  puzzles: puzzleSet,
  frame: (v, f) => checkObject(v, f, { runId: num, iteration: num, probs: bytes, confidence: num, move: str(16), san: str(32) }, ['move', 'san']),
});
