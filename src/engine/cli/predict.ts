/**
 * `deep-thinking predict`: solve puzzles from files. One JSON line per puzzle with --json:
 *   mazes:       {"file", "iterations", "halted" (auto only), "correct" (BFS oracle), "ms", "engine", "solution": ["0110…", …]}
 *                (R×C rows of the file's grid; 1 = path, S and G included). Mazes think on the editor's path
 *                (ThinkingPath: tiles or the bfloat16 warm start for big ones) and halt by its rule (AutoHalting).
 *   prefix sums: {"input", "iterations", "prediction"}
 *   chess:       {"puzzleId", "iterations", "move"}
 */
import { readFile, stat } from 'node:fs/promises';
import { tf } from '../tf';
import { loadModel } from '../checkpoint/modelSpecs';
import type { DTNet } from '../models/dtNet';
import { checkModelFitsProblem } from '../eval/accuracy';
import { puzzleHaltingCap, thinkUntilHalted } from '../solve/halting';
import { thinkPuzzle, ThinkingPath } from '../solve/thinkingPath';
import { readPuzzles } from '../data/chess';
import { printable } from '../data/csv';
import { MAZE_LIMITS, MazeFormatError, parseMazeDocument } from '../../shared/maze/mazeFormat';
import { checkDenseFits } from '../solve/denseLimit';
import { encodeBatch, class1FromLogits, type Problem } from '../../shared/problems/problem';
import { mazeProblem } from '../../shared/problems/maze';
import { solveMaze } from '../../shared/maze/bfs';
import { parseBits, prefixSumsProblem, bitsToString, type PrefixSumsPuzzle } from '../../shared/problems/prefixSums';
import { chessProblem, type ChessPuzzle } from '../../shared/problems/chess';
import type { Output } from './output';

export interface PredictOptions {
  model: string;
  iterations: number | 'auto';
  mazes: string[];
  prefixSums?: string;
  chess?: string;
  /** mazes: ThinkingPathOptions.thinking (default 'auto', as the editor) */
  thinking?: 'auto' | 'dense' | 'tiles';
}

export interface Solved {
  /** the iteration whose output is reported (the halting iteration under auto) */
  iterations: number;
  /** [positions] class1 scores of this puzzle */
  class1: Float32Array;
}

/** Run a batch of same-shaped puzzles for a fixed number of iterations or until halted. */
export async function solveBatch<P>(model: DTNet, problem: Problem<P, unknown>, puzzles: P[], iterations: number | 'auto'): Promise<Solved[]> {
  const batch = encodeBatch(problem, puzzles);
  const x = tf.tensor(batch.input, [batch.n, ...batch.spatial, batch.channels]);
  const mask = batch.mask ? tf.tensor(batch.mask, [batch.n, ...batch.spatial], 'float32') : undefined;
  const positions = batch.input.length / batch.n / batch.channels;
  try {
    if (iterations === 'auto') {
      const run = await thinkUntilHalted(model, x, { mask });
      return puzzles.map((_, i) => ({
        iterations: run.haltedAt[i] ?? run.iterations,
        class1: run.class1.slice(i * positions, (i + 1) * positions),
      }));
    }
    const steps = Math.min(iterations, model.depth);
    let class1: Float32Array = new Float32Array(0);
    for (const step of model.think(x, steps)) {
      if (step.iteration === steps) class1 = class1FromLogits((await step.logits.data()) as Float32Array);
    }
    return puzzles.map((_, i) => ({ iterations: steps, class1: class1.slice(i * positions, (i + 1) * positions) }));
  } finally {
    x.dispose();
    mask?.dispose();
  }
}

/** A prefix-sum file holds one bit string per line; 64 MiB is far more than any test set. */
const MAX_PREFIX_SUMS_BYTES = 64 * 1024 * 1024;

/** Read a text file after checking its size, so that a huge file is refused instead of filling memory. */
async function readTextFile(file: string, maxBytes: number, why: string): Promise<string> {
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  if (st.isDirectory()) throw new Error(`${file}: is a directory, not a file`);
  if (st.size > maxBytes) throw new Error(`${file}: is ${st.size.toLocaleString('en-US')} bytes; ${why} (${maxBytes.toLocaleString('en-US')} bytes)`);
  return readFile(file, 'utf8').catch((e: Error) => {
    throw new Error(`${file}: cannot read: ${e.message}`);
  });
}

export { printable };

export async function runPredict(out: Output, o: PredictOptions): Promise<void> {
  const sources = [o.mazes.length > 0, !!o.prefixSums, !!o.chess].filter(Boolean).length;
  if (sources !== 1) throw new Error('predict: give .maze files, or --prefix-sums FILE, or --chess FILE.csv (exactly one kind)');
  const { model } = await loadModel(o.model);
  try {
    if (o.mazes.length > 0) {
      checkModelFitsProblem(model.arch, mazeProblem, o.model);
      const unsolvable: string[] = [];
      // The editor's path: tiles (or the bfloat16 warm start) for big mazes, dense tensors for small ones.
      const path = new ThinkingPath(model, { thinking: o.thinking, log: (line) => out.info(line) });
      try {
        for (const file of o.mazes) {
          const text = await readTextFile(file, MAZE_LIMITS.chars * 4, `.maze files are limited to ${MAZE_LIMITS.chars.toLocaleString('en-US')} characters`);
          const doc = parseMazeDocument(text);
          if (!doc.grid) throw new MazeFormatError(file, doc.diagnostics);
          const grid = doc.grid;
          if (solveMaze(grid) === null) {
            // The net would still paint some path; the honest answer is that there is none.
            unsolvable.push(file);
            out.record({ file, iterations: 0, solution: null, error: 'no solution: the goal is not reachable from the start' }, `${file}: no solution: walls cut every path from S to G`);
            continue;
          }
          const enc = mazeProblem.encode(grid);
          if (!(await path.usesTiles(enc.spatial))) checkDenseFits(file, enc.spatial, model.arch.width, [grid.rows, grid.cols]);
          const r = await thinkPuzzle(
            path,
            { data: enc.data, spatial: enc.spatial, inChannels: mazeProblem.inChannels, mask: mazeProblem.lossMask(grid), isMaze: true },
            o.iterations,
            { halting: { maxIterations: puzzleHaltingCap('mazes', grid, enc.spatial[0] * enc.spatial[1]) } },
          );
          const solution = mazeProblem.decode(grid, r.class1);
          const correct = mazeProblem.isCorrect(grid, r.class1);
          const ms = Math.round(r.ms);
          out.record(
            { file, iterations: r.iterations, ...(o.iterations === 'auto' ? { halted: r.haltedAt !== undefined } : {}), correct, ms, engine: r.engine, solution },
            `${file} (${r.iterations} iterations, ${(ms / 1000).toFixed(1)} s, ${correct ? 'correct' : 'not the shortest path'}; ${r.engine}):\n${solution.join('\n')}`,
          );
        }
      } finally {
        path.dispose();
      }
      if (unsolvable.length > 0) throw new Error(`${unsolvable.join(', ')}: no solution (goal not reachable)`);
    } else if (o.prefixSums) {
      checkModelFitsProblem(model.arch, prefixSumsProblem, o.model);
      const text = await readTextFile(o.prefixSums, MAX_PREFIX_SUMS_BYTES, 'prefix-sum files are limited to that');
      const lines = text.split(/\r?\n/);
      if (lines.every((l) => l.trim() === '')) throw new Error(`${o.prefixSums}: no bit strings: the file is empty (expected one bit string per line, like 0110)`);
      const byLength = new Map<number, { line: number; p: PrefixSumsPuzzle }[]>();
      lines.forEach((l, i) => {
        if (l.trim() === '') return;
        let p: PrefixSumsPuzzle;
        try {
          p = parseBits(l);
        } catch (e) {
          throw new Error(`${o.prefixSums}:${i + 1}: ${(e as Error).message}`);
        }
        const g = byLength.get(p.bits.length) ?? [];
        g.push({ line: i, p });
        byLength.set(p.bits.length, g);
      });
      const results: { line: number; rec: object; human: string }[] = [];
      for (const group of byLength.values()) {
        for (let s = 0; s < group.length; s += 64) {
          const chunk = group.slice(s, s + 64);
          const solved = await solveBatch(model, prefixSumsProblem, chunk.map((c) => c.p), o.iterations);
          chunk.forEach((c, i) => {
            const prediction = prefixSumsProblem.decode(c.p, solved[i].class1);
            const input = bitsToString(c.p.bits);
            results.push({ line: c.line, rec: { input, iterations: solved[i].iterations, prediction }, human: `${input} → ${prediction} (${solved[i].iterations} it)` });
          });
        }
      }
      // Same order as the file.
      for (const r of results.sort((a, b) => a.line - b.line)) out.record(r.rec, r.human);
    } else if (o.chess) {
      checkModelFitsProblem(model.arch, chessProblem, o.model);
      let chunk: ChessPuzzle[] = [];
      const flush = async () => {
        if (chunk.length === 0) return;
        const solved = await solveBatch(model, chessProblem, chunk, o.iterations);
        chunk.forEach((p, i) => {
          const move = chessProblem.decode(p, solved[i].class1);
          const id = printable(p.id);
          out.record({ puzzleId: id, iterations: solved[i].iterations, move }, `${id}: ${move ?? '(no legal move)'} (${solved[i].iterations} it)`);
        });
        chunk = [];
      };
      let count = 0;
      for await (const p of readPuzzles(o.chess)) {
        count++;
        chunk.push(p);
        if (chunk.length === 64) await flush();
      }
      await flush();
      if (count === 0) throw new Error(`${o.chess}: no puzzles: the file has no rows after its header`);
    }
  } finally {
    model.dispose();
  }
}
