// Mazes (Bansal et al. 2022, §3.2): find the path from start to goal; the net paints it pixel by pixel.
//
// Image layout (docs/design.md, Formats). R×C grid units → (2R+2)×(2C+2)×3 RGB, channels-last [H, W, 3]:
//   pixel (y, x) with y = 1 + 2r + dy, x = 1 + 2c + dx (dy, dx ∈ {0,1}) belongs to unit (r, c);
//   row 0, row 2R+1, column 0 and column 2C+1 are a 1-pixel wall border.
//   wall (0,0,0) black, open (1,1,1) white, start (0,1,0) green, goal (1,0,0) red.
// A generated maze of size n has (n+2)×(n+2) units with its wall ring, so its image is (2n+6)² — exactly the
// paper's images (24×24 for n = 9), and its checkpoints see the same pixels.
//
// Target: the 2×2 blocks of the units on the shortest S→G path (S and G included).
// Loss mask and accuracy: only non-wall pixels count, as in the paper's code (it multiplies outputs by
// "input is not black" before comparing).
import type { Cell, MazeGrid } from '../maze/grid';
import { solveMaze } from '../maze/bfs';
import type { Encoded, Problem } from './problem';

// ---------------------------------------------------------------------------------------------------------
// BFS oracle

// Mazes are immutable values (see MazeGrid), so the solution can be cached per object: target() and
// isCorrect() are called many times per puzzle during training and evaluation.
const solutionCache = new WeakMap<MazeGrid, Uint8Array | null>();
function cachedSolution(grid: MazeGrid): Uint8Array | null {
  let s = solutionCache.get(grid);
  if (s === undefined) {
    s = solveMaze(grid);
    solutionCache.set(grid, s);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Pixel <-> unit mapping

export function mazeImageSize(grid: Pick<MazeGrid, 'rows' | 'cols'>): { height: number; width: number } {
  return { height: 2 * grid.rows + 2, width: 2 * grid.cols + 2 };
}

/** Grid units → per-pixel values [H, W]: each unit's value on its 2×2 block; the border is 0. */
export function unitsToPixels(grid: Pick<MazeGrid, 'rows' | 'cols'>, units: ArrayLike<number>): Uint8Array {
  const { width, height } = mazeImageSize(grid);
  const px = new Uint8Array(height * width);
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      if (!units[r * grid.cols + c]) continue;
      const p = (1 + 2 * r) * width + 1 + 2 * c;
      px[p] = px[p + 1] = px[p + width] = px[p + width + 1] = 1;
    }
  }
  return px;
}

/**
 * Per-pixel class-1 scores [H, W] → per-unit decisions: a unit is 1 when more than half of its 4 pixels
 * have class1 > 0 (i.e. at least 3 of 4). Wall units are always 0 (their pixels are outside the loss mask,
 * so the net's output there means nothing).
 */
export function pixelsToUnits(grid: MazeGrid, class1: Float32Array): Uint8Array {
  const { width, height } = mazeImageSize(grid);
  if (class1.length !== width * height) {
    throw new RangeError(`maze: ${class1.length} scores for a ${height}×${width} image`);
  }
  const units = new Uint8Array(grid.rows * grid.cols);
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const u = r * grid.cols + c;
      if (grid.walls[u] && !isStartOrGoal(grid, r, c)) continue;
      const p = (1 + 2 * r) * width + 1 + 2 * c;
      const votes = +(class1[p] > 0) + +(class1[p + 1] > 0) + +(class1[p + width] > 0) + +(class1[p + width + 1] > 0);
      units[u] = votes / 4 > 0.5 ? 1 : 0;
    }
  }
  return units;
}

function isStartOrGoal(grid: MazeGrid, r: number, c: number): boolean {
  return (grid.start[0] === r && grid.start[1] === c) || (grid.goal[0] === r && grid.goal[1] === c);
}

/** Per-unit 1 = open (not wall); S and G are open. */
function openUnits(grid: MazeGrid): Uint8Array {
  const open = new Uint8Array(grid.rows * grid.cols);
  for (let i = 0; i < open.length; i++) open[i] = grid.walls[i] ? 0 : 1;
  open[grid.start[0] * grid.cols + grid.start[1]] = 1;
  open[grid.goal[0] * grid.cols + grid.goal[1]] = 1;
  return open;
}

// ---------------------------------------------------------------------------------------------------------
// The problem

/** RGB of each unit kind (docs/design.md, Formats). */
const WALL_RGB = [0, 0, 0] as const;
const OPEN_RGB = [1, 1, 1] as const;
const START_RGB = [0, 1, 0] as const;
const GOAL_RGB = [1, 0, 0] as const;

export const mazeProblem: Problem<MazeGrid, string[]> = {
  id: 'mazes',
  label: 'Mazes',
  dims: 2,
  inChannels: 3,
  encode(grid): Encoded {
    // [H, W, 3]; zeros = black, so the border and wall units need no writes.
    const { width, height } = mazeImageSize(grid);
    const data = new Float32Array(height * width * 3);
    for (let r = 0; r < grid.rows; r++) {
      for (let c = 0; c < grid.cols; c++) {
        const rgb =
          grid.start[0] === r && grid.start[1] === c
            ? START_RGB
            : grid.goal[0] === r && grid.goal[1] === c
              ? GOAL_RGB
              : grid.walls[r * grid.cols + c]
                ? WALL_RGB
                : OPEN_RGB;
        if (rgb === WALL_RGB) continue;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const p = ((1 + 2 * r + dy) * width + 1 + 2 * c + dx) * 3;
            data[p] = rgb[0];
            data[p + 1] = rgb[1];
            data[p + 2] = rgb[2];
          }
        }
      }
    }
    return { data, spatial: [height, width] };
  },
  /** Path pixels; all zeros when the goal is unreachable (the right answer is then "no path"). */
  target(grid) {
    const path = cachedSolution(grid);
    return path ? unitsToPixels(grid, path) : new Uint8Array((2 * grid.rows + 2) * (2 * grid.cols + 2));
  },
  lossMask: (grid) => unitsToPixels(grid, openUnits(grid)),
  /** The paper's rule: predicted path pixels, restricted to non-wall pixels, equal the target exactly. */
  isCorrect(grid, class1) {
    const target = mazeProblem.target(grid);
    if (class1.length !== target.length) throw new RangeError(`maze: ${class1.length} scores for ${target.length} pixels`);
    const mask = mazeProblem.lossMask(grid)!;
    for (let i = 0; i < target.length; i++) {
      const pred = mask[i] && class1[i] > 0 ? 1 : 0;
      if (pred !== target[i]) return false;
    }
    return true;
  },
  /** Rows of '0'/'1', one character per grid unit (1 = on the predicted path, S and G included). */
  decode(grid, class1) {
    const units = pixelsToUnits(grid, class1);
    const out: string[] = [];
    for (let r = 0; r < grid.rows; r++) {
      let s = '';
      for (let c = 0; c < grid.cols; c++) s += units[r * grid.cols + c] ? '1' : '0';
      out.push(s);
    }
    return out;
  },
};
