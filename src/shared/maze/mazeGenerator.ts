// Maze datasets: depth-first "recursive backtracker" mazes like the paper's (Bansal et al. 2022, §3.2;
// Schwarzschild et al. 2021), written iteratively with an explicit stack over typed arrays, so an 801×801 maze
// (160,801 rooms) takes milliseconds and never overflows the call stack.
//
// Layout for size n (odd, ≥ 3): an (n+2)×(n+2) grid whose outer ring is wall. Rooms sit at odd coordinates
// (1, 3, …, n) of that grid: ((n+1)/2)² rooms. Carving a passage opens the unit between two rooms. Start and
// goal are two distinct random rooms.
//
// `loops` (Knutson et al. 2024, "On logical extrapolation for mazes with recurrent and implicit networks")
// then knocks out that fraction of the walls still standing between adjacent rooms, making imperfect mazes
// with cycles (several S→G paths; the target is then the BFS shortest path).
//
// Pure TypeScript (no Node APIs): the webview or the extension could use it as well.
import { Rng, deriveSeed } from '../rng';
import type { MazeGrid } from './grid';

export interface MazeOptions {
  /** Fraction in [0, 1] of the remaining walls between adjacent rooms to remove (0 = perfect maze). */
  loops?: number;
}

/** Largest size accepted; far beyond the paper's 801, small enough that a grid stays a few MB. */
export const MAX_MAZE_SIZE = 4001;

export function checkMazeSize(size: number): void {
  if (!Number.isInteger(size) || size < 3 || size % 2 === 0 || size > MAX_MAZE_SIZE) {
    throw new RangeError(`maze size must be an odd integer from 3 to ${MAX_MAZE_SIZE}, got ${size}`);
  }
}

/** One maze of `size`×`size` units inside a wall ring ((size+2)² grid). Seeded: same seed, same maze. */
export function generateMaze(size: number, seed: number | Rng, opts: MazeOptions = {}): MazeGrid {
  checkMazeSize(size);
  const loops = opts.loops ?? 0;
  if (!(loops >= 0 && loops <= 1)) throw new RangeError(`maze loops must be a fraction in [0, 1], got ${loops}`);
  const rng = typeof seed === 'number' ? new Rng(seed) : seed;

  const N = size + 2; // grid side, with the ring
  const m = (size + 1) / 2; // rooms per side
  const walls = new Uint8Array(N * N).fill(1);
  const roomCell = (k: number) => (2 * ((k / m) | 0) + 1) * N + 2 * (k % m) + 1;

  // Iterative DFS: a room stays on the stack until it has no unvisited neighbour.
  const visited = new Uint8Array(m * m);
  const stack = new Int32Array(m * m);
  const options = new Int32Array(4);
  let top = 0;
  const first = rng.int(m * m);
  visited[first] = 1;
  walls[roomCell(first)] = 0;
  stack[top++] = first;
  while (top > 0) {
    const k = stack[top - 1];
    const i = (k / m) | 0;
    const j = k - i * m;
    let count = 0;
    if (i > 0 && !visited[k - m]) options[count++] = k - m;
    if (j > 0 && !visited[k - 1]) options[count++] = k - 1;
    if (j < m - 1 && !visited[k + 1]) options[count++] = k + 1;
    if (i < m - 1 && !visited[k + m]) options[count++] = k + m;
    if (count === 0) {
      top--;
      continue;
    }
    const next = options[count === 1 ? 0 : rng.int(count)];
    const a = roomCell(k);
    const b = roomCell(next);
    walls[(a + b) >> 1] = 0; // the unit between two rooms is their midpoint
    walls[b] = 0;
    visited[next] = 1;
    stack[top++] = next;
  }

  if (loops > 0) knockOutWalls(walls, N, m, loops, rng);

  const s = rng.int(m * m);
  let g = rng.int(m * m - 1);
  if (g >= s) g++;
  const cell = (k: number): [number, number] => [2 * ((k / m) | 0) + 1, 2 * (k % m) + 1];
  return { rows: N, cols: N, walls, start: cell(s), goal: cell(g) };
}

/** Remove round(fraction × standing) of the walls that separate two adjacent rooms. */
function knockOutWalls(walls: Uint8Array, N: number, m: number, fraction: number, rng: Rng): void {
  const candidates = new Int32Array(2 * m * (m - 1));
  let n = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const r = 2 * i + 1;
      const c = 2 * j + 1;
      if (j < m - 1 && walls[r * N + c + 1]) candidates[n++] = r * N + c + 1; // wall to the right
      if (i < m - 1 && walls[(r + 1) * N + c]) candidates[n++] = (r + 1) * N + c; // wall below
    }
  }
  const remove = Math.round(fraction * n);
  // Partial Fisher–Yates: the first `remove` entries become a uniform random subset.
  for (let t = 0; t < remove; t++) {
    const u = t + rng.int(n - t);
    const w = candidates[u];
    candidates[u] = candidates[t];
    candidates[t] = w;
    walls[w] = 0;
  }
}

/** Maze #index of the dataset seeded with `seed`: regenerable on its own (seed derived per index). */
export function datasetMaze(size: number, seed: number, index: number, opts: MazeOptions = {}): MazeGrid {
  return generateMaze(size, deriveSeed(seed, index), opts);
}

/** `count` mazes of one size; maze i equals datasetMaze(size, seed, i). */
export function generateMazes(size: number, count: number, seed: number, opts: MazeOptions = {}): MazeGrid[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`maze count must be a non-negative integer, got ${count}`);
  checkMazeSize(size);
  return Array.from({ length: count }, (_, i) => datasetMaze(size, seed, i, opts));
}

/** Lazy stream of mazes (endless unless `count` is given), so large datasets are never held at once. */
export function* mazeStream(size: number, seed: number, opts: MazeOptions & { count?: number } = {}): Generator<MazeGrid> {
  checkMazeSize(size);
  const count = opts.count ?? Infinity;
  for (let i = 0; i < count; i++) yield datasetMaze(size, seed, i, opts);
}
