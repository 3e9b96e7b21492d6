/**
 * Lichess puzzle CSVs for the chess panel, read in the extension host without the engine (no tfjs here): rows
 * are parsed and checked with the shared chess code (src/shared/problems/chess.ts, chess.js underneath) and turned
 * into what the board needs. A user CSV may be the full Lichess dump (millions of rows), so the file is streamed
 * and reading stops after `limit` good puzzles. Bad rows never stop the load: they are counted and the first few
 * are reported as "file:line: column X: what is wrong".
 *
 * Why not src/engine/data/csv.ts: the extension must not depend on the engine's modules (docs/design.md, Runtimes — it talks to
 * the engine over JSON-RPC only); both share the line parser in src/shared/csvLine.ts.
 */
import { Chess } from 'chess.js';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { ChessPuzzleError, puzzleFromLichess } from '../shared/problems/chess';
import { parseCsvLine } from '../shared/csvLine';

export { parseCsvLine };
import type { PuzzleSet, PuzzleView } from '../shared/protocol/webview/chess';

export const REQUIRED_COLUMNS = ['PuzzleId', 'FEN', 'Moves', 'Rating'] as const;

/** A puzzle with the raw Lichess fields the engine's SolveInput wants ({ fen, moves } before the first move). */
export interface LoadedPuzzle {
  view: PuzzleView;
  lichessFen: string;
  lichessMoves: string;
}

export interface LoadedSet extends PuzzleSet {
  byId: Map<string, LoadedPuzzle>;
}

export interface ReadOptions {
  /** stop after this many good puzzles (default 5000) */
  limit?: number;
  /** keep at most this many skip messages (default 20) */
  maxMessages?: number;
}

/** SAN of a UCI move in a position ("e7e8q" → "e8=Q+"); the UCI itself when chess.js rejects it. */
export function sanOf(fen: string, uci: string): string {
  try {
    const g = new Chess(fen);
    return g.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), promotion: uci[4] }).san;
  } catch {
    return uci;
  }
}

/** Thrown for a file that cannot be used at all (missing, no header, header without the required columns). */
export class PuzzleFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PuzzleFileError';
  }
}

/**
 * Puzzles from the lines of a Lichess CSV. `file` names the source in messages. Throws PuzzleFileError when the
 * file has no usable header; collects bad rows otherwise.
 */
export async function puzzlesFromLines(lines: Iterable<string> | AsyncIterable<string>, file: string, opts: ReadOptions = {}): Promise<LoadedSet> {
  const limit = opts.limit ?? 5000;
  const maxMessages = opts.maxMessages ?? 20;
  const name = basename(file);
  const set: LoadedSet = { source: name, puzzles: [], skipped: [], skippedCount: 0, byId: new Map() };
  const skip = (line: number, column: string | undefined, what: string) => {
    set.skippedCount++;
    if (set.skipped.length < maxMessages) set.skipped.push(`${name}:${line}: ${column ? `column ${column}: ` : ''}${what}`);
  };
  let header: string[] | undefined;
  let col: Record<string, number> = {};
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    let values: string[];
    try {
      values = parseCsvLine(line);
    } catch (e) {
      if (!header) throw new PuzzleFileError(`${name}:${lineNo}: malformed CSV header: ${(e as Error).message}`);
      skip(lineNo, undefined, `malformed CSV: ${(e as Error).message}`);
      continue;
    }
    if (!header) {
      header = values.map((v) => v.trim());
      const missing = REQUIRED_COLUMNS.filter((c) => !header!.includes(c));
      if (missing.length) {
        throw new PuzzleFileError(
          `${name}:${lineNo}: not a Lichess puzzle CSV: the header lacks ${missing.join(', ')} (expected PuzzleId,FEN,Moves,Rating,…,Themes)`,
        );
      }
      col = Object.fromEntries(header.map((h, i) => [h, i]));
      continue;
    }
    const get = (c: string) => (col[c] !== undefined ? (values[col[c]] ?? '') : '');
    const short = REQUIRED_COLUMNS.find((c) => col[c] >= values.length);
    if (short) {
      skip(lineNo, short, `missing (row has ${values.length} of ${header.length} fields)`);
      continue;
    }
    try {
      const p = puzzleFromLichess({ PuzzleId: get('PuzzleId'), FEN: get('FEN'), Moves: get('Moves'), Rating: get('Rating'), Themes: get('Themes') });
      if (set.byId.has(p.id)) {
        skip(lineNo, 'PuzzleId', `duplicate id '${p.id}'`);
        continue;
      }
      const moves = get('Moves').trim();
      const view: PuzzleView = {
        id: p.id,
        fen: p.fen,
        lastMove: moves.split(/\s+/)[0],
        solution: p.solution,
        solutionSan: sanOf(p.fen, p.solution),
        rating: p.rating,
        themes: (p.themes ?? '').split(/\s+/).filter(Boolean),
      };
      set.puzzles.push(view);
      set.byId.set(p.id, { view, lichessFen: get('FEN').trim(), lichessMoves: moves });
      if (set.puzzles.length >= limit) break;
    } catch (e) {
      if (e instanceof ChessPuzzleError) skip(lineNo, e.field, e.message.replace(/^\w+: /, ''));
      else skip(lineNo, undefined, (e as Error).message);
    }
  }
  if (!header) throw new PuzzleFileError(`${name}: empty file (expected a header line PuzzleId,FEN,Moves,Rating,…)`);
  return set;
}

/** Stream a CSV file from disk (closing it early once `limit` puzzles are read). */
export async function readPuzzleFile(path: string, opts: ReadOptions = {}): Promise<LoadedSet> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (e) => reject(new PuzzleFileError(`${basename(path)}: cannot read the file: ${e.message}`)));
  });
  await opened;
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    return await puzzlesFromLines(rl, path, opts);
  } finally {
    rl.close();
    input.destroy();
  }
}
