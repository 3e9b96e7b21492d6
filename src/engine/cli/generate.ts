/** `deep-thinking generate mazes|prefix-sums`: write fresh, seeded puzzle sets. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateMaze } from '../../shared/maze/mazeGenerator';
import { generatePrefixSums } from '../data/prefixSums';
import { MAZE_LIMITS, serializeMaze } from '../../shared/maze/mazeFormat';
import { deriveSeed } from '../../shared/rng';
import type { Output } from './output';

export interface GenerateMazesOptions {
  size: number;
  count: number;
  seed: number;
  out: string;
  loops?: number;
}

export function generateMazeFiles(o: GenerateMazesOptions, out: Output): string[] {
  // The first maze is made before the directory: a bad size or loops value then leaves nothing behind.
  // (size n is written with its outer wall ring: (n+2)×(n+2) units)
  if (o.size + 2 > MAZE_LIMITS.side) {
    throw new RangeError(`--size ${o.size}: a maze of that size is ${o.size + 2}×${o.size + 2} units, over the ${MAZE_LIMITS.side}×${MAZE_LIMITS.side} a .maze file may hold`);
  }
  const first = o.count > 0 ? generateMaze(o.size, deriveSeed(o.seed, 0), { loops: o.loops }) : undefined;
  fs.mkdirSync(o.out, { recursive: true });
  const files: string[] = [];
  const width = String(o.count - 1).length;
  for (let i = 0; i < o.count; i++) {
    const seed = deriveSeed(o.seed, i);
    const grid = i === 0 && first ? first : generateMaze(o.size, seed, { loops: o.loops });
    const file = path.join(o.out, `maze-${o.size}-${String(i).padStart(width, '0')}.maze`);
    const text = serializeMaze(grid, { meta: { size: String(o.size), seed: String(seed), generator: 'dfs-backtracker', ...(o.loops ? { loops: String(o.loops) } : {}) } });
    fs.writeFileSync(file, text);
    files.push(file);
    out.record({ file, size: o.size, seed }, file);
  }
  return files;
}

export function generatePrefixSumStrings(o: { length: number; count: number; seed: number; out?: string }, out: Output): void {
  const puzzles = generatePrefixSums(o.length, o.count, o.seed);
  const lines = puzzles.map((p) => Array.from(p.bits).join(''));
  if (o.out) {
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    fs.writeFileSync(o.out, lines.join('\n') + '\n');
    out.info(`wrote ${lines.length} strings of ${o.length} bits to ${o.out}`);
    if (out.json) out.record({ file: o.out, length: o.length, count: o.count, seed: o.seed });
  } else {
    for (const l of lines) out.record({ input: l }, l);
  }
}
