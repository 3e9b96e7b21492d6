// The `.maze` text format (docs/design.md, Formats) and the grid model that the editor, the language server and the
// engine share.
//
//   ; comment or metadata (`; key: value`)
//   #########
//   #S..#...#      # wall   . or space open   S start   G goal
//   #.#.#.#.#      exactly one S and one G; every row the same length
//   #...#..G#
//   #########
//
// A generated maze of size n is written with its outer wall ring: (n+2)×(n+2) characters.
// Loops (non-perfect mazes) are legal. Positions in diagnostics are 1-based (line, column); endColumn is
// exclusive. The language server subtracts 1 for LSP ranges.
import { solveMaze } from './bfs';
import type { Cell, MazeGrid } from './grid';

export type Severity = 'error' | 'warning' | 'info';

export interface MazeDiagnostic {
  /** 1-based line in the text. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Exclusive 1-based end column (absent = one character). */
  endColumn?: number;
  severity: Severity;
  message: string;
}

export interface MazeDocument {
  /** Undefined when the text has errors. */
  grid: MazeGrid | undefined;
  diagnostics: MazeDiagnostic[];
  /** `; key: value` lines, in order. */
  meta: Record<string, string>;
  /** Other `;` lines, without the leading `;` and one optional space. */
  comments: string[];
  /** 1-based text line of each grid row (for mapping grid units back to text positions). */
  rowLines: number[];
}

export class MazeFormatError extends Error {
  constructor(
    readonly file: string | undefined,
    readonly diagnostics: MazeDiagnostic[],
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const shown = errors.slice(0, 5).map((d) => formatDiagnostic(d, file));
    const more = errors.length > 5 ? `\n… and ${errors.length - 5} more error(s)` : '';
    super(shown.join('\n') + more);
    this.name = 'MazeFormatError';
  }
}

/** "file:line:column: severity: message" — the form compilers use, clickable in VS Code's terminal. */
export function formatDiagnostic(d: MazeDiagnostic, file?: string): string {
  return `${file ?? '<maze>'}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}

const OPEN_CHARS = new Set(['.', ' ']);
const META_RE = /^;\s*([A-Za-z][\w.-]*)\s*:\s*(.*?)\s*$/;

function describeChar(ch: string): string {
  if (ch === '\t') return 'a tab';
  const code = ch.codePointAt(0) ?? 0;
  return code < 32 ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${ch}'`;
}

/**
 * Limits of the format, so that any file costs bounded time and memory: a 1001×1001 maze (the largest the engine
 * thinks about, on sparse tiles) is ~1 MB of text, so 4 Mi characters leave room for comments and CRLF.
 */
export const MAZE_LIMITS = {
  /** characters of a .maze text */
  chars: 4 * 1024 * 1024,
  /** units per side (rows and columns, outer walls included) */
  side: 1001,
  /** diagnostics listed; the rest are counted in one final "and N more" */
  diagnostics: 100,
} as const;

/** Parse text into a document: grid (if no errors), diagnostics, metadata. Never throws. */
export function parseMazeDocument(text: string): MazeDocument {
  const refuse = (message: string, line = 1): MazeDocument => ({
    grid: undefined,
    diagnostics: [{ line, column: 1, severity: 'error', message }],
    meta: {},
    comments: [],
    rowLines: [],
  });
  if (text.length > MAZE_LIMITS.chars) {
    return refuse(`the file has ${text.length.toLocaleString('en-US')} characters; .maze files are limited to ${MAZE_LIMITS.chars.toLocaleString('en-US')} (a ${MAZE_LIMITS.side}×${MAZE_LIMITS.side} maze is about 1 MB)`);
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) return refuse('binary data (a NUL character): this is not a .maze text file', text.slice(0, nul).split(/\r\n|\n|\r/).length);
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const all: MazeDiagnostic[] = [];
  let dropped = 0;
  let unknownChars = 0;
  let scannedChars = 0;
  // Listing a million identical complaints helps nobody and costs hundreds of MB of JSON: keep the first ones.
  const diagnostics = {
    push(d: MazeDiagnostic): void {
      if (all.length < MAZE_LIMITS.diagnostics) all.push(d);
      else dropped++;
    },
  };
  const meta: Record<string, string> = {};
  const comments: string[] = [];
  const rowTexts: string[] = [];
  const rowLines: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith(';')) {
      const m = META_RE.exec(line);
      if (m) meta[m[1]] = m[2];
      else comments.push(line.slice(1).replace(/^ /, ''));
      continue;
    }
    // An empty line carries no units (a row of open units is written with '.' or spaces); skip it.
    if (line.length === 0) continue;
    rowTexts.push(line);
    rowLines.push(i + 1);
  }

  if (rowTexts.length === 0) {
    diagnostics.push({ line: 1, column: 1, severity: 'error', message: 'no maze rows: expected lines of # . S G' });
    return { grid: undefined, diagnostics: all, meta, comments, rowLines };
  }

  const cols = rowTexts[0].length;
  const rows = rowTexts.length;
  if (rows > MAZE_LIMITS.side || cols > MAZE_LIMITS.side) {
    const doc = refuse(`the maze is ${rows}×${cols} units; the largest supported is ${MAZE_LIMITS.side}×${MAZE_LIMITS.side}`, rowLines[0]);
    return { ...doc, meta, comments };
  }
  const walls = new Uint8Array(rows * cols);
  const starts: Array<{ r: number; c: number; line: number; column: number }> = [];
  const goals: typeof starts = [];
  for (let r = 0; r < rows; r++) {
    const row = rowTexts[r];
    const line = rowLines[r];
    if (row.length !== cols) {
      const shortBy = row.length < cols;
      diagnostics.push({
        line,
        column: Math.min(row.length, cols) + 1,
        endColumn: Math.max(row.length, cols) + 1,
        severity: 'error',
        message: `row has ${row.length} units but the first row (line ${rowLines[0]}) has ${cols}; ` +
          (shortBy ? 'pad it with # or .' : 'remove the extra characters') + ' so every row has the same length',
      });
    }
    for (let c = 0; c < row.length; c++) {
      const ch = row[c];
      const inside = c < cols;
      if (ch === '#') {
        if (inside) walls[r * cols + c] = 1;
      } else if (ch === 'S') {
        starts.push({ r, c, line, column: c + 1 });
      } else if (ch === 'G') {
        goals.push({ r, c, line, column: c + 1 });
      } else if (!OPEN_CHARS.has(ch)) {
        unknownChars++;
        diagnostics.push({
          line,
          column: c + 1,
          severity: 'error',
          message: `unknown character ${describeChar(ch)}: use # for a wall, . or space for open, S for the start, G for the goal`,
        });
      }
    }
    scannedChars += row.length;
    if (dropped > 0 && unknownChars * 2 > scannedChars && r + 1 < rows) {
      // Mostly characters a maze never has: stop here rather than count the rest of a file that is not a maze.
      const stop: MazeDiagnostic = {
        line,
        column: 1,
        severity: 'error',
        message: `stopped reading at line ${line}: ${unknownChars.toLocaleString('en-US')} of the ${scannedChars.toLocaleString('en-US')} characters so far are not # . S G or space; this does not look like a maze`,
      };
      return { grid: undefined, diagnostics: [...withDropped(all, dropped), stop], meta, comments, rowLines };
    }
  }

  const checkUnique = (found: typeof starts, letter: 'S' | 'G', what: string) => {
    if (found.length === 0) {
      diagnostics.push({
        line: rowLines[0],
        column: 1,
        endColumn: cols + 1,
        severity: 'error',
        message: `no ${what} '${letter}': the maze needs exactly one`,
      });
    }
    for (const extra of found.slice(1)) {
      diagnostics.push({
        line: extra.line,
        column: extra.column,
        severity: 'error',
        message: `second ${what} '${letter}' (the first is at line ${found[0].line}, column ${found[0].column}); the maze needs exactly one`,
      });
    }
  };
  checkUnique(starts, 'S', 'start');
  checkUnique(goals, 'G', 'goal');

  const hasErrors = all.some((d) => d.severity === 'error');
  if (hasErrors) return { grid: undefined, diagnostics: withDropped(all, dropped), meta, comments, rowLines };

  const grid: MazeGrid = {
    rows,
    cols,
    walls,
    start: [starts[0].r, starts[0].c],
    goal: [goals[0].r, goals[0].c],
  };
  if (solveMaze(grid) === null) {
    all.push({
      line: goals[0].line,
      column: goals[0].column,
      severity: 'warning',
      message: `goal G is not reachable from start S (line ${starts[0].line}, column ${starts[0].column}): walls cut every path`,
    });
  }
  return { grid, diagnostics: sortDiagnostics(all), meta, comments, rowLines };
}

/** Sorted diagnostics, plus one that counts those left out. */
function withDropped(ds: MazeDiagnostic[], dropped: number): MazeDiagnostic[] {
  const sorted = sortDiagnostics(ds);
  if (dropped === 0) return sorted;
  const last = sorted[sorted.length - 1];
  return [
    ...sorted,
    { line: last.line, column: last.column, severity: 'error', message: `… and ${dropped.toLocaleString('en-US')} more problem(s); only the first ${MAZE_LIMITS.diagnostics} are listed` },
  ];
}

function sortDiagnostics(ds: MazeDiagnostic[]): MazeDiagnostic[] {
  return ds.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** All problems of a `.maze` text (errors and warnings), sorted by position. */
export function validateMaze(text: string): MazeDiagnostic[] {
  return parseMazeDocument(text).diagnostics;
}

/**
 * Parse `.maze` text into a grid. Throws MazeFormatError whose message names file, line and column of each
 * error ("maze.maze:3:7: error: unknown character 'x' …"). Warnings (unreachable goal) do not throw.
 */
export function parseMaze(text: string, filename?: string): MazeGrid {
  const doc = parseMazeDocument(text);
  if (!doc.grid) throw new MazeFormatError(filename, doc.diagnostics);
  return doc.grid;
}

export interface SerializeOptions {
  meta?: Record<string, string>;
  comments?: string[];
}

/** Grid → `.maze` text ('#', '.', 'S', 'G'; comments and `; key: value` metadata first; trailing newline). */
export function serializeMaze(grid: MazeGrid, opts: SerializeOptions = {}): string {
  const out: string[] = [];
  for (const c of opts.comments ?? []) out.push(`; ${c}`.trimEnd());
  for (const [k, v] of Object.entries(opts.meta ?? {})) out.push(`; ${k}: ${v}`);
  out.push(...mazeRows(grid));
  return out.join('\n') + '\n';
}

/** The grid as rows of '#', '.', 'S', 'G' (no comments). */
export function mazeRows(grid: MazeGrid): string[] {
  const rows: string[] = [];
  for (let r = 0; r < grid.rows; r++) {
    let s = '';
    for (let c = 0; c < grid.cols; c++) {
      if (r === grid.start[0] && c === grid.start[1]) s += 'S';
      else if (r === grid.goal[0] && c === grid.goal[1]) s += 'G';
      else s += grid.walls[r * grid.cols + c] ? '#' : '.';
    }
    rows.push(s);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Editing helpers (maze editor). All return a NEW grid, or the same grid object when the edit is a no-op
// (out of bounds, or it would destroy S or G), so callers can test `next === prev`.

/** The maze as text with path units (other than S and G) drawn as '*' — for the CLI and logs. */
export function overlayPath(grid: MazeGrid, units: ArrayLike<number>, mark = '*'): string {
  return mazeRows(grid)
    .map((row, r) =>
      Array.from(row, (ch, c) => (units[r * grid.cols + c] && ch !== 'S' && ch !== 'G' ? mark : ch)).join(''),
    )
    .join('\n');
}
