// Thinking benchmark from the source tree (the CLI's `deep-thinking bench solve` runs the same benchSolve).
// Usage:
//   node --import tsx scripts/bench-solve.mjs --size 59 --iterations 100 --path sparse [--model random|flood-fill|<checkpoint dir, .pth or bundled name>]
//        [--engine auto|tfjs|ort] [--tolerance 0] [--tile 32] [--block 8] [--width 32] [--seed 1] [--head-every 1]
//        [--backend wasm] [--json out.json]
// Prints the summary, and with --json writes the full result (traces included).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    size: { type: 'string', default: '59' },
    iterations: { type: 'string', default: '100' },
    path: { type: 'string', default: 'sparse' },
    model: { type: 'string', default: 'random' },
    engine: { type: 'string', default: 'auto' },
    tolerance: { type: 'string', default: '0' },
    tile: { type: 'string', default: '32' },
    block: { type: 'string', default: '8' },
    width: { type: 'string', default: '32' },
    seed: { type: 'string', default: '1' },
    'head-every': { type: 'string', default: '1' },
    'max-iterations': { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    json: { type: 'string' },
  },
});

const { initBackend } = await import('../src/engine/tf.ts');
const { benchSolve, formatSolveBench } = await import('../src/engine/bench/solveBench.ts');
await initBackend(a.backend);
const r = await benchSolve({
  size: Number(a.size),
  iterations: a.iterations === 'auto' ? 'auto' : Number(a.iterations),
  path: a.path,
  modelSpec: a.model,
  engine: a.engine,
  tolerance: Number(a.tolerance),
  tileSize: Number(a.tile),
  blockTiles: Number(a.block),
  width: Number(a.width),
  seed: Number(a.seed),
  headEvery: Number(a['head-every']),
  maxIterations: a['max-iterations'] ? Number(a['max-iterations']) : undefined,
  onProgress: (l) => console.log(l),
});
console.log(formatSolveBench(r));
if (a.json) writeFileSync(a.json, JSON.stringify(r, null, 1));
