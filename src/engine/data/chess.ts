// Lichess puzzle files → ChessPuzzle streams and lazily encoded batches. Rows are read and checked one at a
// time, so a 50k-row file is never held (let alone encoded) in memory at once.
import { encodeBatches, type Batch } from '../../shared/problems/problem';
import { chessProblem, ChessPuzzleError, puzzleFromLichess, type ChessPuzzle } from '../../shared/problems/chess';
import { DataFormatError, readCsv } from './csv';

/** Columns a puzzle file must have (the standard Lichess header has more; extras are ignored). */
export const LICHESS_COLUMNS = ['PuzzleId', 'FEN', 'Moves', 'Rating'] as const;

export interface ReadPuzzlesOptions {
  /** Keep puzzles with minRating <= Rating < maxRating (half-open, so thresholds split easy/hard cleanly). */
  minRating?: number;
  maxRating?: number;
  /** Stop after this many puzzles that pass the filter. */
  limit?: number;
  /** 'throw' (default): the first bad row stops the stream. 'skip': bad rows go to onSkip and are left out. */
  onError?: 'throw' | 'skip';
  onSkip?: (err: DataFormatError) => void;
}

/**
 * Streams the puzzles of a Lichess CSV (header PuzzleId,FEN,Moves,Rating,…). Each row is checked with
 * chess.js; a bad one yields a DataFormatError naming file, line and column ("puzzles.csv:17: column FEN:
 * invalid FEN …"), thrown or passed to onSkip.
 */
export async function* readPuzzles(file: string, opts: ReadPuzzlesOptions = {}): AsyncGenerator<ChessPuzzle> {
  const min = opts.minRating ?? -Infinity;
  const max = opts.maxRating ?? Infinity;
  const limit = opts.limit ?? Infinity;
  if (limit <= 0) return;
  let yielded = 0;
  for await (const rec of readCsv(file, { required: LICHESS_COLUMNS })) {
    const f = rec.fields;
    // Filter on the rating before the (costlier) chess.js checks, but only when it parses; a bad rating is
    // reported by puzzleFromLichess below.
    const rating = Number(f.Rating);
    if (f.Rating.trim() !== '' && Number.isFinite(rating) && (rating < min || rating >= max)) continue;
    let puzzle: ChessPuzzle;
    try {
      puzzle = puzzleFromLichess({ PuzzleId: f.PuzzleId, FEN: f.FEN, Moves: f.Moves, Rating: f.Rating, Themes: f.Themes });
    } catch (e) {
      const err =
        e instanceof ChessPuzzleError
          ? new DataFormatError(file, rec.line, e.field, e.message.replace(/^\w+: /, ''))
          : new DataFormatError(file, rec.line, undefined, (e as Error).message);
      if (opts.onError === 'skip') {
        opts.onSkip?.(err);
        continue;
      }
      throw err;
    }
    yield puzzle;
    if (++yielded >= limit) return;
  }
}

/** Lazily encoded batches [N, 8, 8, 12] of the puzzles readPuzzles yields. */
export function chessBatches(
  file: string,
  batchSize: number,
  opts: ReadPuzzlesOptions = {},
): AsyncGenerator<Batch & { puzzles: ChessPuzzle[] }> {
  return encodeBatches(chessProblem, readPuzzles(file, opts), batchSize);
}
