/**
 * Decoding a SolveInput (the text of a .maze, a bit string, a FEN and moves) into the puzzle and the network input
 * a solve session thinks on. It lives apart from the session so that every caller that accepts user input (the
 * server, the benchmarks, the tests) reports bad input the same way: an error naming the line/column or the field,
 * never a crash. The encodings are the problems' own (docs/design.md, Formats).
 */
import { Chess } from 'chess.js';
import type { SolveInput } from '../../shared/protocol/engine';
import type { AnyProblem, ProblemId } from '../../shared/problems/problem';
import { mazeProblem } from '../../shared/problems/maze';
import { parseBits, prefixSumsProblem } from '../../shared/problems/prefixSums';
import { chessProblem, parseUci, puzzleFromLichess, type ChessPuzzle } from '../../shared/problems/chess';
import { parseMaze } from '../../shared/maze/mazeFormat';

/** A SolveInput decoded: the problem, the puzzle, and its network input. */
export interface LoadedInput {
  problemId: ProblemId;
  problem: AnyProblem;
  puzzle: unknown;
  /** false for a chess position given without its answer: `correct` is then always false */
  hasOracle: boolean;
  /** [...spatial, C] channels-last, flattened */
  data: Float32Array;
  spatial: number[];
  /** display grid of the frames: maze units, 1×L bits, 8×8 squares */
  gridRows: number;
  gridCols: number;
  /** positions that count (mazes: non-wall pixels) */
  mask: Uint8Array | undefined;
}

/**
 * Chess input: `moves` in Lichess form ("<opponent's move> <answer> …"; `fen` is the position before the
 * opponent's move), or a single UCI move that answers `fen` itself, or empty (no oracle).
 */
function loadChess(fen: string, moves: string): { puzzle: ChessPuzzle; hasOracle: boolean } {
  const list = moves.trim().split(/\s+/).filter(Boolean);
  const fail = (field: string, msg: string): never => {
    throw new SyntaxError(`chess input: ${field}: ${msg}`);
  };
  if (list.length >= 2) {
    try {
      return { puzzle: puzzleFromLichess({ PuzzleId: 'input', FEN: fen, Moves: moves, Rating: 0 }), hasOracle: true };
    } catch (e) {
      throw new SyntaxError(`chess input: ${(e as Error).message}`);
    }
  }
  let game: Chess;
  try {
    game = new Chess(fen.trim());
  } catch (e) {
    return fail('FEN', `invalid FEN '${fen}': ${(e as Error).message}`);
  }
  if (list.length === 0) return { puzzle: { id: 'input', fen: game.fen(), solution: '', rating: 0 }, hasOracle: false };
  const m = parseUci(list[0]);
  if (!m) fail('Moves', `'${list[0]}' is not a UCI move (like e2e4 or e7e8q)`);
  try {
    game.move({ from: list[0].slice(0, 2), to: list[0].slice(2, 4), promotion: m!.promotion });
  } catch {
    fail('Moves', `'${list[0]}' is illegal in ${fen}`);
  }
  return { puzzle: { id: 'input', fen: fen.trim(), solution: list[0], rating: 0 }, hasOracle: true };
}

/** SolveInput → puzzle and encoded input. Bad input throws an error naming line/column (mazes, bits) or field. */
export function loadSolveInput(input: SolveInput): LoadedInput {
  switch (input.problem) {
    case 'mazes': {
      const grid = parseMaze(input.text);
      const enc = mazeProblem.encode(grid);
      return {
        problemId: 'mazes', problem: mazeProblem, puzzle: grid, hasOracle: true, data: enc.data, spatial: enc.spatial,
        gridRows: grid.rows, gridCols: grid.cols, mask: mazeProblem.lossMask(grid),
      };
    }
    case 'prefix-sums': {
      let p;
      try {
        p = parseBits(input.bits);
      } catch (e) {
        throw new SyntaxError(`prefix-sums input: ${(e as Error).message}`);
      }
      const enc = prefixSumsProblem.encode(p);
      return {
        problemId: 'prefix-sums', problem: prefixSumsProblem, puzzle: p, hasOracle: true, data: enc.data,
        spatial: enc.spatial, gridRows: 1, gridCols: p.bits.length, mask: undefined,
      };
    }
    case 'chess': {
      const { puzzle, hasOracle } = loadChess(input.fen, input.moves ?? '');
      const enc = chessProblem.encode(puzzle);
      return {
        problemId: 'chess', problem: chessProblem, puzzle, hasOracle, data: enc.data, spatial: enc.spatial,
        gridRows: 8, gridCols: 8, mask: undefined,
      };
    }
    default:
      throw new RangeError(`unknown problem ${JSON.stringify((input as { problem: unknown }).problem)} in solve input`);
  }
}
