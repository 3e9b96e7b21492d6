/**
 * The frame a solve session sends for one iteration, and the oracle's verdict on it: the class-1 scores become the
 * display grid (maze units, bits, squares), pooled to a cell budget, with the decoded prediction and `correct`
 * when the input has an answer. Kept apart from the session loop because it is a pure function of one puzzle's
 * scores, so it is tested against the independent BFS oracle without running a model.
 */
import type { SolveFrame } from '../../shared/protocol/engine';
import { mazeProblem } from '../../shared/problems/maze';
import { type MazeGrid } from '../../shared/maze/grid';
import { encodeProbs, mazeUnitProbs, meanConfidenceOf, poolGrid, probsFromClass1 } from './frames';
import type { LoadedInput } from './solveInput';

/**
 * Maze units the prediction gets wrong: open units any of whose 2×2 pixels disagrees (class1 > 0 vs the BFS
 * target). Pixel-based like isCorrect, so `correct ⇔ wrongCells is empty`.
 */
export function mazeWrongCells(grid: MazeGrid, class1: Float32Array): [number, number][] {
  const target = mazeProblem.target(grid);
  const mask = mazeProblem.lossMask(grid)!;
  const width = 2 * grid.cols + 2;
  if (class1.length !== target.length) throw new RangeError(`maze: ${class1.length} scores for ${target.length} pixels`);
  const wrong: [number, number][] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const p = (1 + 2 * r) * width + 1 + 2 * c;
      for (const q of [p, p + 1, p + width, p + width + 1]) {
        if (mask[q] && (class1[q] > 0 ? 1 : 0) !== target[q]) {
          wrong.push([r, c]);
          break;
        }
      }
    }
  }
  return wrong;
}

/** The frame picture for one puzzle's class1 scores. `maxCells` = Infinity gives full resolution. */
export function buildFrame(sessionId: string, iteration: number, input: LoadedInput, class1: Float32Array, maxCells: number): SolveFrame {
  const probs = probsFromClass1(class1);
  const grid = input.problemId === 'mazes'
    ? mazeUnitProbs(input.gridRows, input.gridCols, probs, (input.puzzle as MazeGrid).walls)
    : probs;
  const pooled = poolGrid({ rows: input.gridRows, cols: input.gridCols, data: grid }, maxCells, 'max');
  const frame: SolveFrame = {
    sessionId,
    iteration,
    rows: pooled.rows,
    cols: pooled.cols,
    scale: pooled.scale,
    probs: encodeProbs(pooled.data),
    confidence: meanConfidenceOf(class1, input.mask),
    activeFraction: 1,
  };
  // The decoded prediction is as big as the grid; downsampled frames leave it out (the result has it).
  if (pooled.scale === 1) {
    const pred = input.problem.decode(input.puzzle, class1) as string | string[] | null;
    if (pred !== null) frame.prediction = pred;
  }
  if (input.hasOracle) frame.correct = input.problem.isCorrect(input.puzzle, class1);
  return frame;
}
