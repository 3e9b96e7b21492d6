/**
 * How a maze model's hidden state moves while it thinks: per iteration, the largest change against the previous
 * iteration (what the sparse thinker's tolerance sees) and against two iterations back (a period-2 cycle shows as
 * the first staying large while the second goes to 0). Usage:
 *   npx tsx scripts/measure/state-drift.ts <model> <maze size> <iterations> [maze seed]
 */
import { initBackend, tf } from '../../src/engine/tf';
import { loadModel } from '../../src/engine/checkpoint/modelSpecs';
import { generateMaze } from '../../src/shared/maze/mazeGenerator';
import { mazeProblem } from '../../src/shared/problems/maze';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function main(): Promise<void> {
  const [spec, sizeArg, itersArg, seedArg] = process.argv.slice(2);
  if (!spec || !sizeArg || !itersArg) throw new Error('usage: state-drift.ts <model> <maze size> <iterations> [maze seed]');
  const iterations = Number(itersArg);
  await initBackend('auto');
  const { model } = await loadModel(spec);
  const enc = mazeProblem.encode(generateMaze(Number(sizeArg), Number(seedArg ?? 4242)));
  const x = tf.tensor(enc.data, [1, ...enc.spatial, mazeProblem.inChannels]); // [1,H,W,3]
  const every = Math.max(1, Math.floor(iterations / 20));
  const history: Float32Array[] = [];
  try {
    for (const s of model.think(x, iterations)) {
      const now = new Float32Array(s.thought.dataSync()); // [1,H,W,width]
      if (history.length === 2 && s.iteration % every === 0) {
        const d1 = maxAbsDiff(now, history[1]);
        const d2 = maxAbsDiff(now, history[0]);
        console.log(`iteration ${String(s.iteration).padStart(6)}: max |Δ| vs previous ${d1.toExponential(2)}, vs two back ${d2.toExponential(2)}`);
      }
      history.push(now);
      if (history.length > 2) history.shift();
    }
  } finally {
    x.dispose();
    model.dispose();
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
