/** Input checks and defaults for the palette commands (pure; unit-tested). */
import { MAX_MAZE_SIZE } from '../shared/maze/mazeGenerator';
import type { ProblemId } from '../shared/problems/problem';
import type { ModelKind } from '../shared/architecture';

/** Error text for the New Maze size box, or undefined when the value is fine. */
export function checkMazeSizeInput(v: string): string | undefined {
  const t = v.trim();
  if (!/^\d+$/.test(t)) return 'Enter a whole number, e.g. 13';
  const n = Number(t);
  if (n < 3 || n > MAX_MAZE_SIZE) return `The size must be from 3 to ${MAX_MAZE_SIZE}`;
  if (n % 2 === 0) return `The size must be odd (rooms sit on odd cells); try ${n + 1}`;
  return undefined;
}

/** Error text for a seed box: any integer from 0 to 2^32 − 1. */
export function checkSeedInput(v: string): string | undefined {
  const t = v.trim();
  if (!/^\d+$/.test(t) || Number(t) > 0xffffffff) return 'Enter a whole number from 0 to 4294967295';
  return undefined;
}

export function checkPositiveInt(v: string, max: number, what: string): string | undefined {
  const t = v.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) return `${what} must be a whole number from 1 to ${max}`;
  return undefined;
}

/** Workspace-relative file name for a generated maze that does not clash with `exists`. */
export function newMazeFileName(size: number, seed: number, exists: (name: string) => boolean): string {
  const base = `maze-${size}-seed${seed}`;
  if (!exists(`${base}.maze`)) return `${base}.maze`;
  for (let i = 2; ; i++) if (!exists(`${base}-${i}.maze`)) return `${base}-${i}.maze`;
}

/** "mazes-dt-recall-w32-20240131-142530": sortable, filesystem-safe, says what was trained. */
export function defaultRunName(problem: ProblemId, model: ModelKind, width: number, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${problem}-${model}-w${width}-${stamp}`;
}

/** A run name must be one path segment that every OS accepts. */
export function checkRunName(v: string): string | undefined {
  const t = v.trim();
  if (!t) return 'Enter a name';
  if (!/^[A-Za-z0-9._-]+$/.test(t) || t === '.' || t === '..') return 'Use letters, digits, dot, dash and underscore only';
  if (t.length > 100) return 'At most 100 characters';
  return undefined;
}

/** The paper's checkpoints are named like "mazes_…", "prefix_sums_…", "chess_…": guess the problem from that. */
export function guessProblemFromFileName(file: string): ProblemId | undefined {
  const f = file.toLowerCase();
  if (f.includes('maze')) return 'mazes';
  if (f.includes('prefix') || f.includes('sums')) return 'prefix-sums';
  if (f.includes('chess')) return 'chess';
  return undefined;
}

/** Turn a file name into a checkpoint directory name. */
export function safeDirName(name: string): string {
  return name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}
