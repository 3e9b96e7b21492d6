/**
 * Why a run did not learn: per iteration, the hidden state's size, how much it still moves, and the accuracy, on a
 * fresh test set. A net that learnt the algorithm keeps a bounded state that settles while the accuracy climbs to a
 * plateau; one that did not shows a flat accuracy, and often a state that keeps growing or never settles.
 *
 *   npx tsx scripts/state-norms.ts DIR SIZE [ITERATIONS=100] [COUNT=100] [--backend torch|wasm]
 *
 * Prints a table: iteration, RMS of the state φ_t (over puzzles, positions and channels), relative change
 * ‖φ_t − φ_{t−1}‖ / ‖φ_t‖, share of puzzles solved exactly, and share of positions right.
 */
import { initBackend, tf } from '../src/engine/tf';
import { loadCheckpoint } from '../src/engine/checkpoint/store';
import { testPuzzles } from '../src/engine/eval/accuracy';
import { getProblem } from '../src/shared/problems';
import { encodeBatch } from '../src/shared/problems/problem';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const b = args.indexOf('--backend');
  const backend = b >= 0 ? args.splice(b, 2)[1] : 'auto';
  const [dir, sizeText, itText = '100', countText = '100'] = args;
  if (!dir || !sizeText) throw new Error('usage: state-norms.ts DIR SIZE [ITERATIONS] [COUNT] [--backend torch|wasm]');
  await initBackend(backend as never);
  const { model, meta } = await loadCheckpoint(dir);
  const problem = getProblem(meta.problem);
  const puzzles: unknown[] = [];
  for await (const p of testPuzzles(problem.id, Number(sizeText), Number(countText), 9001)) puzzles.push(p);
  const batch = encodeBatch(problem as never, puzzles as never[]);
  const x = tf.tensor(batch.input, [batch.n, ...batch.spatial, batch.channels]);
  const target = batch.target;
  let previous: tf.Tensor | undefined;
  console.log('iteration\tstate RMS\trelative change\tsolved\tpositions right');
  for (const s of model.think(x, Number(itText))) {
    const [rms, change] = tf.tidy(() => {
      const r = tf.sqrt(tf.mean(tf.square(s.thought)));
      const c = previous ? tf.div(tf.norm(tf.sub(s.thought, previous)), tf.norm(s.thought)) : tf.scalar(NaN);
      return [r.dataSync()[0], c.dataSync()[0]];
    });
    previous?.dispose();
    previous = tf.clone(s.thought);
    const class1 = tf.tidy(() => {
      const [l0, l1] = tf.split(s.logits, 2, -1);
      return tf.sub(l1, l0).dataSync() as Float32Array;
    });
    let solved = 0;
    let right = 0;
    const per = class1.length / puzzles.length;
    for (let n = 0; n < puzzles.length; n++) {
      let all = true;
      for (let i = n * per; i < (n + 1) * per; i++) {
        const ok = (class1[i] > 0 ? 1 : 0) === target[i];
        if (ok) right++;
        else all = false;
      }
      if (all) solved++;
    }
    const it = s.iteration;
    if (it <= 10 || it % 5 === 0) {
      console.log(`${it}\t${rms.toFixed(3)}\t${change.toFixed(4)}\t${(solved / puzzles.length).toFixed(2)}\t${(right / class1.length).toFixed(4)}`);
    }
  }
  previous?.dispose();
  x.dispose();
  model.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
