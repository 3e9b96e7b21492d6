// Registry: ProblemId → Problem. Code that needs "the problem for this checkpoint/config" looks it up here
// instead of branching on the name.
import { chessProblem } from './chess';
import { mazeProblem } from './maze';
import { prefixSumsProblem } from './prefixSums';
import { isProblemId, PROBLEM_IDS, type AnyProblem, type ProblemId } from './problem';

export const problems = {
  'prefix-sums': prefixSumsProblem,
  mazes: mazeProblem,
  chess: chessProblem,
} as const satisfies Record<ProblemId, AnyProblem>;

/** Puzzle type of each problem, e.g. PuzzleOf<'mazes'> = MazeGrid. */
export type PuzzleOf<K extends ProblemId> = (typeof problems)[K] extends { encode(p: infer P): unknown } ? P : never;

/** The problem for an id; throws listing the valid ids for anything else (e.g. a bad model.json). */
export function getProblem<K extends ProblemId>(id: K): (typeof problems)[K];
export function getProblem(id: string): AnyProblem;
export function getProblem(id: string): AnyProblem {
  if (!isProblemId(id)) throw new RangeError(`unknown problem '${id}'; expected one of ${PROBLEM_IDS.join(', ')}`);
  return problems[id];
}
