// The BFS oracle: the shortest S→G path that every maze answer is checked against.
import type { Cell, MazeGrid } from './grid';

/**
 * Shortest S→G path as a list of units, S first and G last; null if G is unreachable. 4-connected moves
 * through non-wall units. Neighbour order is fixed (up, left, right, down), so ties in mazes with loops
 * always resolve the same way.
 */
export function shortestPath(grid: MazeGrid): Cell[] | null {
  const { rows, cols, walls } = grid;
  const n = rows * cols;
  const s = grid.start[0] * cols + grid.start[1];
  const g = grid.goal[0] * cols + grid.goal[1];
  if (s < 0 || s >= n || g < 0 || g >= n) return null;
  const parent = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  queue[tail++] = s;
  parent[s] = s;
  // Neighbour deltas in the fixed order up, left, right, down.
  const deltas = [-cols, -1, 1, cols];
  while (head < tail) {
    const u = queue[head++];
    if (u === g) break;
    const r = (u / cols) | 0;
    const c = u - r * cols;
    for (let k = 0; k < 4; k++) {
      if ((k === 0 && r === 0) || (k === 1 && c === 0) || (k === 2 && c === cols - 1) || (k === 3 && r === rows - 1)) continue;
      const v = u + deltas[k];
      // S and G count as open even if a caller left a wall bit under them.
      if (parent[v] !== -1 || (walls[v] && v !== g)) continue;
      parent[v] = u;
      queue[tail++] = v;
    }
  }
  if (parent[g] === -1) return null;
  const path: Cell[] = [];
  for (let v = g; ; v = parent[v]) {
    path.push([(v / cols) | 0, v % cols]);
    if (v === s) break;
  }
  return path.reverse();
}

/** The set of units on the shortest path (rows*cols, 1 = on path, S and G included), or null if unreachable. */
export function solveMaze(grid: MazeGrid): Uint8Array | null {
  const path = shortestPath(grid);
  if (!path) return null;
  const units = new Uint8Array(grid.rows * grid.cols);
  for (const [r, c] of path) units[r * grid.cols + c] = 1;
  return units;
}

/**
 * Dead-end depth: the longest BFS distance, in units, from the shortest S→G path to any open unit reachable from it
 * (from S alone when G is unreachable). A net that paints the path while erasing dead ends needs about this many
 * iterations to settle, whatever the path's own length: a short path through a big maze leaves long dead ends to
 * erase (solve/halting.ts derives the cap of `auto` from it).
 */
export function deadEndDepth(grid: MazeGrid): number {
  const { rows, cols, walls } = grid;
  const n = rows * cols;
  const dist = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let tail = 0;
  const seeds = shortestPath(grid) ?? [grid.start];
  for (const [r, c] of seeds) {
    const u = r * cols + c;
    if (u < 0 || u >= n || dist[u] !== -1) continue;
    dist[u] = 0;
    queue[tail++] = u;
  }
  let deepest = 0;
  for (let head = 0; head < tail; head++) {
    const u = queue[head];
    const r = (u / cols) | 0;
    const c = u - r * cols;
    for (let k = 0; k < 4; k++) {
      if ((k === 0 && r === 0) || (k === 1 && c === 0) || (k === 2 && c === cols - 1) || (k === 3 && r === rows - 1)) continue;
      const v = u + (k === 0 ? -cols : k === 1 ? -1 : k === 2 ? 1 : cols);
      if (dist[v] !== -1 || walls[v]) continue;
      dist[v] = dist[u] + 1;
      if (dist[v] > deepest) deepest = dist[v];
      queue[tail++] = v;
    }
  }
  return deepest;
}
