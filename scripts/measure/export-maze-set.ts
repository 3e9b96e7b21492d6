/**
 * Write the exact maze test set that `deep-thinking eval --size N --count K --seed S` uses, as one compact file
 * for scripts/measure/eval-mazes-pytorch.py (the GPU cross-check of big-maze accuracy):
 *
 *   npx tsx scripts/measure/export-maze-set.ts --size 201 --count 50 --seed 9001 --out .tmp/mazes-201.dtset \
 *       [--reference-model mazes --reference-iterations 50 --reference-count 2]
 *
 * Format: one JSON header line, then per maze the bit-packed (numpy packbits order, MSB first) input image
 * [H,W,3] (0/1 values), target [H,W] and loss mask [H,W], gzip-compressed as a whole. With --reference-model, the
 * header also carries our engine's class-1 map (logit1 − logit0 > 0) of the first mazes at one iteration count, so
 * the port can prove it computes what the engine computes before its numbers are believed.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import { tf, initBackend } from '../../src/engine/tf';
import { testPuzzles } from '../../src/engine/eval/accuracy';
import { mazeProblem } from '../../src/shared/problems/maze';
import { loadModel } from '../../src/engine/checkpoint/modelSpecs';
import type { MazeGrid } from '../../src/shared/maze/grid';

function packBits(values: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(Math.ceil(values.length / 8));
  for (let i = 0; i < values.length; i++) if (values[i] > 0) out[i >> 3] |= 0x80 >> (i & 7);
  return out;
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      size: { type: 'string' }, count: { type: 'string', default: '100' }, seed: { type: 'string', default: '9001' }, out: { type: 'string' },
      'reference-model': { type: 'string' }, 'reference-iterations': { type: 'string', default: '50' }, 'reference-count': { type: 'string', default: '2' },
    },
  });
  if (!a.size || !a.out) throw new Error('usage: export-maze-set.ts --size N --out FILE [--count K] [--seed S] [--reference-model M]');
  const size = Number(a.size), count = Number(a.count), seed = Number(a.seed);
  const grids: MazeGrid[] = [];
  for (const g of testPuzzles('mazes', size, count, seed) as Iterable<MazeGrid>) grids.push(g);
  const chunks: Buffer[] = [];
  let shape: number[] = [];
  for (const g of grids) {
    const enc = mazeProblem.encode(g);
    shape = enc.spatial;
    chunks.push(packBits(enc.data), packBits(mazeProblem.target(g)), packBits(mazeProblem.lossMask(g)!));
  }
  const header: Record<string, unknown> = { size, count: grids.length, seed, testSet: `deep-thinking eval --size ${size} --count ${count} --seed ${seed}`, height: shape[0], width: shape[1] };
  if (a['reference-model']) {
    await initBackend();
    const { model } = await loadModel(a['reference-model']);
    const its = Number(a['reference-iterations']);
    const refs: string[] = [];
    for (const g of grids.slice(0, Number(a['reference-count']))) {
      const enc = mazeProblem.encode(g);
      const logits = tf.tidy(() => {
        const r = model.forward(tf.tensor4d(enc.data, [1, shape[0], shape[1], 3]), its);
        return r.logits.dataSync() as Float32Array;
      });
      const class1 = new Float32Array(logits.length / 2).map((_, p) => logits[2 * p + 1] - logits[2 * p]);
      refs.push(packBits(class1).toString('base64'));
    }
    header.reference = { model: a['reference-model'], iterations: its, class1: refs };
    model.dispose();
  }
  fs.writeFileSync(a.out, zlib.gzipSync(Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), ...chunks])));
  console.log(`${a.out}: ${grids.length} mazes ${size}×${size} (${shape.join('×')} px), ${fs.statSync(a.out).size} bytes`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
