// deadEndDepth against a brute-force oracle: the BFS distance from each path unit separately, minimised per unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadEndDepth, shortestPath } from '../../../../src/shared/maze/bfs';
import { generateMaze } from '../../../../src/shared/maze/mazeGenerator';
import { textToUnits, type Cell, type MazeGrid } from '../../../../src/shared/maze/grid';

/** Distances from one unit to every unit (-1: unreachable), by plain BFS. */
function distancesFrom(g: MazeGrid, [r0, c0]: Cell): Int32Array {
  const d = new Int32Array(g.rows * g.cols).fill(-1);
  d[r0 * g.cols + c0] = 0;
  const q: Cell[] = [[r0, c0]];
  while (q.length) {
    const [r, c] = q.shift()!;
    for (const [rr, cc] of [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]] as Cell[]) {
      if (rr < 0 || cc < 0 || rr >= g.rows || cc >= g.cols) continue;
      const v = rr * g.cols + cc;
      if (d[v] !== -1 || g.walls[v]) continue;
      d[v] = d[r * g.cols + c] + 1;
      q.push([rr, cc]);
    }
  }
  return d;
}

function bruteForceDepth(g: MazeGrid): number {
  const seeds = shortestPath(g) ?? [g.start];
  const best = new Int32Array(g.rows * g.cols).fill(-1);
  for (const s of seeds) {
    const d = distancesFrom(g, s);
    for (let i = 0; i < d.length; i++) if (d[i] !== -1 && (best[i] === -1 || d[i] < best[i])) best[i] = d[i];
  }
  return Math.max(0, ...best);
}

function fromText(rows: string[], start: Cell, goal: Cell): MazeGrid {
  const { units, rows: r, cols } = textToUnits(rows.map((row) => row.replace(/#/g, '1').replace(/\./g, '0')));
  return { rows: r, cols, walls: units, start, goal };
}

test('deadEndDepth: the longest dead end off the S→G path, in units', () => {
  // S at (1,1), G at (1,5); a dead end of 3 units hangs below (1,3).
  const g = fromText(['#######', '#.....#', '###.###', '###.###', '###.###', '#######'], [1, 1], [1, 5]);
  assert.equal(deadEndDepth(g), 3);
  assert.equal(deadEndDepth({ ...g, goal: [4, 3] }), 2, 'with G at the bottom of the branch, the arms of the top corridor are the dead ends');
});

test('deadEndDepth: G walled off, the depth is measured from S alone', () => {
  const g = fromText(['#######', '#...#.#', '#######'], [1, 1], [1, 5]);
  assert.equal(deadEndDepth(g), 2);
});

test('deadEndDepth equals the brute-force oracle on generated mazes of several sizes', () => {
  for (const [size, seed] of [[5, 1], [9, 2], [13, 3], [21, 4], [33, 5]]) {
    const g = generateMaze(size, seed);
    assert.equal(deadEndDepth(g), bruteForceDepth(g), `${size}×${size} seed ${seed}`);
  }
});
