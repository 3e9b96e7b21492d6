import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetMaze, generateMaze, generateMazes, mazeStream } from '../../../../src/shared/maze/mazeGenerator';
import { mazeProblem, mazeImageSize, unitsToPixels } from '../../../../src/shared/problems/maze';
import { shortestPath, solveMaze } from '../../../../src/shared/maze/bfs';
import { parseMaze } from '../../../../src/shared/maze/mazeFormat';
import { unitsToText, type MazeGrid } from '../../../../src/shared/maze/grid';

const open = (g: MazeGrid, r: number, c: number) =>
  r >= 0 && c >= 0 && r < g.rows && c < g.cols && g.walls[r * g.cols + c] === 0;

/** Open units and 4-adjacent open pairs. */
function graphStats(g: MazeGrid) {
  let nodes = 0;
  let edges = 0;
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      if (!open(g, r, c)) continue;
      nodes++;
      if (open(g, r, c + 1)) edges++;
      if (open(g, r + 1, c)) edges++;
    }
  }
  return { nodes, edges };
}

/** Units reachable from S by flood fill (an independent, recursive-free DFS). */
function reachable(g: MazeGrid): number {
  const seen = new Set<number>();
  const stack = [g.start[0] * g.cols + g.start[1]];
  while (stack.length) {
    const u = stack.pop()!;
    if (seen.has(u)) continue;
    seen.add(u);
    const r = Math.floor(u / g.cols);
    const c = u % g.cols;
    for (const [dr, dc] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) if (open(g, r + dr, c + dc)) stack.push((r + dr) * g.cols + c + dc);
  }
  return seen.size;
}

/** Count simple S→G paths by exhaustive backtracking (stops at `cap`); also returns the units of the first. */
function countPaths(g: MazeGrid, cap = 50): { count: number; first: Set<number> | null } {
  const goal = g.goal[0] * g.cols + g.goal[1];
  const onPath = new Set<number>();
  let count = 0;
  let first: Set<number> | null = null;
  const go = (u: number) => {
    if (count >= cap) return;
    onPath.add(u);
    if (u === goal) {
      count++;
      if (!first) first = new Set(onPath);
    } else {
      const r = Math.floor(u / g.cols);
      const c = u % g.cols;
      for (const [dr, dc] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const v = (r + dr) * g.cols + c + dc;
        if (open(g, r + dr, c + dc) && !onPath.has(v)) go(v);
      }
    }
    onPath.delete(u);
  };
  go(g.start[0] * g.cols + g.start[1]);
  return { count, first };
}

test('generated mazes are perfect: a spanning tree over the rooms, with a ring of walls', () => {
  for (const size of [3, 5, 9, 15, 33]) {
    for (let seed = 0; seed < 5; seed++) {
      const g = generateMaze(size, seed);
      assert.equal(g.rows, size + 2);
      assert.equal(g.cols, size + 2);
      const m = (size + 1) / 2;
      const { nodes, edges } = graphStats(g);
      // nodes = rooms + passages, and a tree over the rooms has rooms − 1 passages.
      assert.equal(nodes, m * m + (m * m - 1), `size ${size} seed ${seed}: passages ≠ rooms − 1`);
      assert.equal(edges, nodes - 1, 'acyclic');
      assert.equal(reachable(g), nodes, 'connected');
      for (let i = 0; i < g.rows; i++) {
        assert.equal(g.walls[i], 1);
        assert.equal(g.walls[(g.rows - 1) * g.cols + i], 1);
        assert.equal(g.walls[i * g.cols], 1);
        assert.equal(g.walls[i * g.cols + g.cols - 1], 1);
      }
      // S and G are distinct rooms (odd coordinates).
      assert.notDeepEqual(g.start, g.goal);
      for (const v of [...g.start, ...g.goal]) assert.equal(v % 2, 1);
    }
  }
});

test('the BFS path of a perfect maze is its unique S→G path', () => {
  for (let seed = 0; seed < 20; seed++) {
    const g = generateMaze(seed % 2 ? 9 : 13, 100 + seed);
    const { count, first } = countPaths(g);
    assert.equal(count, 1);
    const bfs = solveMaze(g)!;
    const bfsSet = new Set([...bfs.keys()].filter((i) => bfs[i]));
    assert.deepEqual(bfsSet, first);
    const path = shortestPath(g)!;
    assert.deepEqual(path[0], g.start);
    assert.deepEqual(path[path.length - 1], g.goal);
    for (let i = 1; i < path.length; i++) {
      assert.equal(Math.abs(path[i][0] - path[i - 1][0]) + Math.abs(path[i][1] - path[i - 1][1]), 1, 'steps are adjacent');
    }
  }
});

test('loops option creates cycles and several S→G paths', () => {
  let multi = 0;
  for (let seed = 0; seed < 10; seed++) {
    const g = generateMaze(9, seed, { loops: 0.4 });
    const { nodes, edges } = graphStats(g);
    assert.ok(edges > nodes - 1, 'has a cycle');
    assert.equal(reachable(g), nodes);
    if (countPaths(g).count > 1) multi++;
    // BFS still finds a shortest path: no other simple path is shorter.
    assert.ok(solveMaze(g));
  }
  assert.ok(multi >= 5, `only ${multi}/10 loopy mazes had several paths`);
  assert.throws(() => generateMaze(9, 0, { loops: 1.5 }), /loops/);
});

test('generation is seeded and validated', () => {
  assert.deepEqual(generateMaze(11, 5), generateMaze(11, 5));
  assert.notDeepEqual(generateMaze(11, 5).walls, generateMaze(11, 6).walls);
  assert.deepEqual(generateMazes(7, 3, 9)[2], datasetMaze(7, 9, 2));
  assert.deepEqual([...mazeStream(7, 9, { count: 3 })], generateMazes(7, 3, 9));
  for (const bad of [4, 1, 0, 2.5, -3]) assert.throws(() => generateMaze(bad, 0), /odd integer/);
});

test('generate(801) completes', () => {
  const g = generateMaze(801, 1);
  assert.equal(g.rows, 803);
  assert.ok(solveMaze(g));
});

test('encode: (2R+2)×(2C+2)×3 image with black walls, white open, green S, red G', () => {
  const g = generateMaze(9, 3);
  const e = mazeProblem.encode(g);
  assert.deepEqual(e.spatial, [24, 24]); // the paper's 2n+6
  assert.equal(e.data.length, 24 * 24 * 3);
  const px = (y: number, x: number) => [...e.data.subarray((y * 24 + x) * 3, (y * 24 + x) * 3 + 3)];
  for (let i = 0; i < 24; i++) {
    assert.deepEqual(px(0, i), [0, 0, 0]);
    assert.deepEqual(px(23, i), [0, 0, 0]);
    assert.deepEqual(px(i, 0), [0, 0, 0]);
    assert.deepEqual(px(i, 23), [0, 0, 0]);
  }
  const [sr, sc] = g.start;
  const [gr, gc] = g.goal;
  for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
    assert.deepEqual(px(1 + 2 * sr + dy, 1 + 2 * sc + dx), [0, 1, 0]);
    assert.deepEqual(px(1 + 2 * gr + dy, 1 + 2 * gc + dx), [1, 0, 0]);
  }
  // Every unit's 2×2 block has its kind's colour.
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      if ((r === sr && c === sc) || (r === gr && c === gc)) continue;
      const want = g.walls[r * g.cols + c] ? [0, 0, 0] : [1, 1, 1];
      assert.deepEqual(px(2 + 2 * r, 2 + 2 * c), want);
    }
  }
});

test('target, mask and decode round-trip to the BFS path; the paper’s masked exact-match rule', () => {
  const g = parseMaze(['#######', '#S....#', '#.###.#', '#...#G#', '#######'].join('\n'));
  const target = mazeProblem.target(g);
  const mask = mazeProblem.lossMask(g)!;
  const { height, width } = mazeImageSize(g);
  assert.equal(target.length, height * width);
  for (let i = 0; i < target.length; i++) if (target[i]) assert.equal(mask[i], 1, 'path pixels are inside the mask');
  const class1 = Float32Array.from(target, (t) => (t ? 3 : -3));
  assert.equal(mazeProblem.isCorrect(g, class1), true);
  assert.deepEqual(mazeProblem.decode(g, class1), unitsToText(solveMaze(g)!, g.cols));
  assert.deepEqual(mazeProblem.decode(g, class1), ['0000000', '0111110', '0000010', '0000010', '0000000']);

  // Predictions on wall pixels are ignored…
  const onWall = class1.slice();
  onWall[0] = 5;
  assert.equal(mazeProblem.isCorrect(g, onWall), true);
  // …but one missing path pixel or one extra open pixel is wrong.
  const missing = class1.slice();
  missing[target.indexOf(1)] = -1;
  assert.equal(mazeProblem.isCorrect(g, missing), false);
  const extra = class1.slice();
  const openNotPath = [...mask.keys()].find((i) => mask[i] && !target[i])!;
  extra[openNotPath] = 1;
  assert.equal(mazeProblem.isCorrect(g, extra), false);
});

test('decode: a unit is on the path when more than half of its 4 pixels say so', () => {
  const g = parseMaze(['#####', '#S.G#', '#####'].join('\n'));
  const { width } = mazeImageSize(g);
  const class1 = new Float32Array(mazeImageSize(g).height * width).fill(-1);
  const setBlock = (r: number, c: number, k: number) => {
    const cells = [[0, 0], [0, 1], [1, 0], [1, 1]].slice(0, k);
    for (const [dy, dx] of cells) class1[(1 + 2 * r + dy) * width + 1 + 2 * c + dx] = 1;
  };
  setBlock(1, 1, 4);
  setBlock(1, 2, 2); // half: not on the path
  setBlock(1, 3, 3);
  setBlock(0, 0, 4); // a wall unit: never on the path
  assert.deepEqual(mazeProblem.decode(g, class1), ['00000', '01010', '00000']);
});

test('encode/target of generated mazes: target pixels are exactly the BFS units', () => {
  for (let seed = 0; seed < 5; seed++) {
    const g = generateMaze(15, seed, { loops: seed % 2 ? 0.3 : 0 });
    assert.deepEqual(mazeProblem.target(g), unitsToPixels(g, solveMaze(g)!));
  }
});

test('unreachable goal: empty target', () => {
  const g = parseMaze(['#####', '#S#G#', '#####'].join('\n'));
  assert.equal(shortestPath(g), null);
  assert.ok(mazeProblem.target(g).every((v) => v === 0));
});
