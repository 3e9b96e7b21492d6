/**
 * Where each problem's puzzles come from, behind one interface (the engine-side half of `Problem`): generated
 * from a seed (prefix sums, mazes) or streamed from a file (chess). Trainer, evaluator and CLI look a dataset up
 * here instead of branching on the problem's name.
 */
import type { ProblemId } from '../../shared/problems/problem';
import { generatePrefixSums } from './prefixSums';
import { generateMazes, mazeStream } from '../../shared/maze/mazeGenerator';
import { readPuzzles } from './chess';

export interface DatasetRequest {
  /** prefix-sum length or maze size; ignored by file-backed datasets */
  size: number;
  count: number;
  seed: number;
  /** mazes: fraction of extra walls removed (imperfect mazes) */
  mazeLoops?: number;
  /** chess: the puzzle CSV and its rating filter */
  csv?: string;
  minRating?: number;
  maxRating?: number;
}

export interface Dataset {
  /** what `size` means for this problem, for messages and CLI flags; undefined when puzzles come from a file */
  readonly sizeName: 'length' | 'size' | undefined;
  /** puzzles, lazily (a 50k-row CSV is never held at once) */
  stream(r: DatasetRequest): Iterable<unknown> | AsyncIterable<unknown>;
}

const prefixSums: Dataset = {
  sizeName: 'length',
  stream: (r) => {
    const possible = 2 ** r.size;
    if (r.count > possible) throw new RangeError(`prefix sums: only ${possible} distinct ${r.size}-bit strings exist; asked for ${r.count}`);
    return generatePrefixSums(r.size, r.count, r.seed);
  },
};

const mazes: Dataset = {
  sizeName: 'size',
  stream: (r) => (r.count <= 4096 ? generateMazes(r.size, r.count, r.seed, { loops: r.mazeLoops }) : mazeStream(r.size, r.seed, { count: r.count, loops: r.mazeLoops })),
};

const chess: Dataset = {
  sizeName: undefined,
  stream: (r) => {
    if (!r.csv) throw new RangeError('chess needs a puzzle CSV (Lichess format); none was given');
    return readPuzzles(r.csv, { limit: r.count, minRating: r.minRating, maxRating: r.maxRating });
  },
};

export const datasets: Record<ProblemId, Dataset> = { 'prefix-sums': prefixSums, mazes, chess };

/** All puzzles of a request, in memory (training sets). */
export async function collect(d: Dataset, r: DatasetRequest): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of d.stream(r)) out.push(p);
  return out;
}
