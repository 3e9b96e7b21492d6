// The maze grid: R×C units, walls, S and G (docs/design.md, Formats). Editing helpers return a NEW grid, or the
// same object when the edit is a no-op (out of bounds, or it would destroy S or G), so callers can test `next === prev`.

export type Cell = [row: number, col: number];

/**
 * A maze grid of rows×cols units, row-major. Treat as an immutable value: the editing helpers below return
 * new grids (so undo stacks and caches keyed by object identity stay valid).
 */
export interface MazeGrid {
  rows: number;
  cols: number;
  /** rows*cols, 1 = wall. */
  walls: Uint8Array;
  start: Cell;
  goal: Cell;
}

export function inBounds(grid: MazeGrid, r: number, c: number): boolean {
  return Number.isInteger(r) && Number.isInteger(c) && r >= 0 && c >= 0 && r < grid.rows && c < grid.cols;
}

function sameCell(a: Cell, r: number, c: number): boolean {
  return a[0] === r && a[1] === c;
}

export function isWall(grid: MazeGrid, r: number, c: number): boolean {
  return inBounds(grid, r, c) && grid.walls[r * grid.cols + c] === 1;
}

export function cloneMaze(grid: MazeGrid): MazeGrid {
  return { rows: grid.rows, cols: grid.cols, walls: grid.walls.slice(), start: [...grid.start], goal: [...grid.goal] };
}

/** Set (wall=true) or clear a wall. No-op on S, G or out of bounds. */
export function setWall(grid: MazeGrid, r: number, c: number, wall: boolean): MazeGrid {
  if (!inBounds(grid, r, c) || sameCell(grid.start, r, c) || sameCell(grid.goal, r, c)) return grid;
  if (isWall(grid, r, c) === wall) return grid;
  const next = cloneMaze(grid);
  next.walls[r * grid.cols + c] = wall ? 1 : 0;
  return next;
}

export function toggleWall(grid: MazeGrid, r: number, c: number): MazeGrid {
  return setWall(grid, r, c, !isWall(grid, r, c));
}

/** Move S to (r, c), clearing a wall there. No-op onto G or out of bounds. */
export function moveStart(grid: MazeGrid, r: number, c: number): MazeGrid {
  if (!inBounds(grid, r, c) || sameCell(grid.goal, r, c) || sameCell(grid.start, r, c)) return grid;
  const next = cloneMaze(grid);
  next.walls[r * grid.cols + c] = 0;
  next.start = [r, c];
  return next;
}

/** Move G to (r, c), clearing a wall there. No-op onto S or out of bounds. */
export function moveGoal(grid: MazeGrid, r: number, c: number): MazeGrid {
  if (!inBounds(grid, r, c) || sameCell(grid.start, r, c) || sameCell(grid.goal, r, c)) return grid;
  const next = cloneMaze(grid);
  next.walls[r * grid.cols + c] = 0;
  next.goal = [r, c];
  return next;
}

/** A rows×cols maze with an outer wall ring, S at the top-left and G at the bottom-right inner corner. */
export function emptyMaze(rows: number, cols: number): MazeGrid {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 3 || cols < 3 || rows * cols < 10) {
    throw new RangeError(`emptyMaze: need at least 3×3 with two inner units, got ${rows}×${cols}`);
  }
  const walls = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (r === 0 || c === 0 || r === rows - 1 || c === cols - 1) walls[r * cols + c] = 1;
    }
  }
  return { rows, cols, walls, start: [1, 1], goal: [rows - 2, cols - 2] };
}

/** Per-unit 0/1 values (rows*cols, row-major) → rows of '0'/'1' (the maze problem's decode format). */
export function unitsToText(units: ArrayLike<number>, cols: number): string[] {
  if (cols <= 0 || units.length % cols !== 0) {
    throw new RangeError(`unitsToText: ${units.length} units do not form rows of ${cols}`);
  }
  const out: string[] = [];
  for (let r = 0; r < units.length / cols; r++) {
    let s = '';
    for (let c = 0; c < cols; c++) s += units[r * cols + c] ? '1' : '0';
    out.push(s);
  }
  return out;
}

/** Rows of '0'/'1' → per-unit 0/1 (inverse of unitsToText). Throws naming row and column of a bad character. */
export function textToUnits(rows: readonly string[]): { units: Uint8Array; rows: number; cols: number } {
  const cols = rows[0]?.length ?? 0;
  const units = new Uint8Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row.length !== cols) throw new RangeError(`textToUnits: row ${r + 1} has ${row.length} units, expected ${cols}`);
    for (let c = 0; c < cols; c++) {
      const ch = row[c];
      if (ch !== '0' && ch !== '1') throw new SyntaxError(`textToUnits: row ${r + 1}, column ${c + 1}: expected 0 or 1, found '${ch}'`);
      units[r * cols + c] = ch === '1' ? 1 : 0;
    }
  });
  return { units, rows: rows.length, cols };
}
