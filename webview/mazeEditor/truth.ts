/**
 * What the editor may claim about a solve (pure; unit-tested): the verdict line, the maze's declared size, and how
 * many cells of a frame disagree with BFS. Every claim is tied to the exact maze text it was computed for, so an
 * edit or an undo can never leave a ✓ standing next to a maze it was not checked against.
 */
import type { MazeGrid } from '../../src/shared/maze/grid';
import { shortestPath } from '../../src/shared/maze/bfs';
import type { SolveIterations, SolveSummary } from '../../src/shared/protocol/webview/mazeEditor';
import type { StoredFrame } from './frameStore';

/** A cheap fingerprint of a maze text (FNV-1a, 32 bit) so the saved state can tell which text a verdict is for. */
export function textFingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${text.length}:${(h >>> 0).toString(16)}`;
}

/**
 * The size the way the file states it: `; size: 13` (or an all-wall outer ring) means a 13×13 maze drawn as 15×15
 * characters; anything else is its character size.
 */
export function declaredSize(grid: MazeGrid, meta: Record<string, string>): string {
  const n = Number(meta.size);
  if (Number.isInteger(n) && n > 0 && n + 2 === grid.rows && n + 2 === grid.cols) return `${n}×${n}`;
  if (grid.rows > 2 && grid.cols > 2 && hasWallRing(grid)) return `${grid.rows - 2}×${grid.cols - 2}`;
  return `${grid.rows}×${grid.cols}`;
}

function hasWallRing(g: MazeGrid): boolean {
  for (let c = 0; c < g.cols; c++) if (!g.walls[c] || !g.walls[(g.rows - 1) * g.cols + c]) return false;
  for (let r = 0; r < g.rows; r++) if (!g.walls[r * g.cols] || !g.walls[r * g.cols + g.cols - 1]) return false;
  return true;
}

/** The BFS answer for a grid: the set of on-path cell indices, or null when G cannot be reached. */
export function bfsPathSet(grid: MazeGrid): Set<number> | null {
  const path = shortestPath(grid);
  return path ? new Set(path.map(([r, c]) => r * grid.cols + c)) : null;
}

/**
 * Open cells where a full-resolution frame's thresholded prediction (P ≥ 0.5) disagrees with BFS (an empty path
 * when G is unreachable). Undefined for a downsampled frame, whose cells are blocks of several maze cells.
 */
export function wrongCellCount(frame: StoredFrame, grid: MazeGrid, path: Set<number> | null): number | undefined {
  if (frame.scale !== 1 || frame.rows !== grid.rows || frame.cols !== grid.cols) return undefined;
  let wrong = 0;
  for (let i = 0; i < frame.probs.length; i++) {
    if (grid.walls[i]) continue;
    if ((frame.probs[i] >= 128) !== (path?.has(i) ?? false)) wrong++;
  }
  return wrong;
}

export interface Verdict {
  text: string;
  tone: 'ok' | 'bad' | 'neutral';
}

/** The verdict for a finished run on the maze it was run on. */
export function finalVerdict(s: SolveSummary, reachable: boolean, requested: SolveIterations | undefined): Verdict {
  if (s.cancelled) return { text: `Stopped at iteration ${s.iterations}`, tone: 'neutral' };
  const n = s.wrongCells.length;
  const cells = `${n} cell${n === 1 ? '' : 's'}`;
  const cap = requested === 'auto' && s.haltedAt === undefined ? ` · reached the auto cap (${s.iterations} iterations) without settling` : '';
  if (!reachable) {
    return s.correct
      ? { text: `No path exists (the net marks none)${cap}`, tone: 'ok' }
      : { text: `No path exists, but the net marks ${cells}${cap}`, tone: 'bad' };
  }
  return s.correct ? { text: `✓ matches BFS${cap}`, tone: 'ok' } : { text: `✗ ${cells} differ from BFS${cap}`, tone: 'bad' };
}
