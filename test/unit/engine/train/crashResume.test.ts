// Fault injection: a run killed at every rename of an epoch resumes where it was and never loses its best checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../../src/engine/tf';
import { loadCheckpoint, readCheckpointMeta } from '../../../../src/engine/checkpoint/store';
import { train } from '../../../../src/engine/train/trainer';
import type { TrainConfig } from '../../../../src/engine/train/trainConfig';
import { resumeDirFor } from '../../../../src/engine/train/resumeState';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dt-crash-'));

/** 4 steps per epoch (see trainer.test.ts). */
const tiny = (outDir: string, epochs: number): TrainConfig => ({
  problem: 'prefix-sums', size: 6, trainSize: 40, width: 8, maxIters: 4, epochs, batchSize: 8, threads: 1, seed: 5,
  warmupPeriod: 3, valSize: null, outDir,
});

async function weights(dir: string): Promise<number[]> {
  const { model } = await loadCheckpoint(dir);
  const w = await model.exportWeights();
  model.dispose();
  return [...w.values()].flatMap((v) => Array.from(v));
}

/** Every hidden leftover of a checkpoint write next to `outDir`. */
const leftovers = (outDir: string) => fs.readdirSync(path.dirname(outDir)).filter((n) => /\.(tmp|old)-/.test(n));

/** Make epoch 2 beat epoch 1 whatever its accuracy, so that the crashed epoch writes the best checkpoint too. */
function forgetBest(outDir: string): void {
  const stateFile = path.join(resumeDirFor(outDir), 'train-state.json');
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  state.bestMetric = -1;
  fs.writeFileSync(stateFile, JSON.stringify(state));
  const metaFile = path.join(outDir, 'model.json');
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  meta.metrics.valAccuracy = -1;
  fs.writeFileSync(metaFile, JSON.stringify(meta));
}

const CHILD = path.join(__dirname, 'crashChild.ts');

function runChild(config: TrainConfig, killAt: number) {
  return spawnSync(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config), String(killAt)], { encoding: 'utf8', timeout: 120_000 });
}

test('fault: SIGKILL at every rename of an epoch; --resume continues bit for bit and the best survives', async () => {
  await initBackend('wasm');
  const root = tmpDir();
  try {
    // Epoch 1, then the uninterrupted epoch 2 as the reference.
    const base = path.join(root, 'base', 'run');
    await train(tiny(base, 1));
    forgetBest(base);
    const ref = path.join(root, 'ref', 'run');
    fs.cpSync(path.dirname(base), path.dirname(ref), { recursive: true });
    const reference = await train({ ...tiny(ref, 2), resume: true });
    assert.equal(reference.bestEpoch, 2);
    const refBest = await weights(ref);
    const refLast = await weights(resumeDirFor(ref));

    let crashes = 0;
    for (let n = 1; ; n++) {
      const dir = path.join(root, `crash-${n}`, 'run');
      fs.cpSync(path.dirname(base), path.dirname(dir), { recursive: true });
      const child = runChild({ ...tiny(dir, 2), resume: true }, n);
      if (child.signal !== 'SIGKILL') {
        // No Nth rename: the epoch is over.
        assert.equal(child.status, 0, child.stderr);
        assert.match(child.stdout, new RegExp(`renames ${n - 1}`));
        break;
      }
      crashes++;
      const logs: string[] = [];
      const resumed = await train({ ...tiny(dir, 2), resume: true }, { log: (m) => logs.push(m) });
      assert.ok(!logs.some((l) => /no resumable state/.test(l)), `kill at rename ${n}: ${logs.join('\n')}`);
      assert.equal(resumed.resumed, true, `kill at rename ${n}`);
      assert.equal(resumed.epochsCompleted, 2);
      assert.equal(resumed.bestEpoch, 2, `kill at rename ${n}: the best is epoch 2`);
      assert.deepEqual(await weights(dir), refBest, `kill at rename ${n}: best weights`);
      assert.deepEqual(await weights(resumeDirFor(dir)), refLast, `kill at rename ${n}: last weights`);
      assert.equal((await readCheckpointMeta(dir)).metrics.epoch, 2);
      assert.deepEqual(leftovers(dir), [], `kill at rename ${n}: stale temporaries are removed`);
    }
    // Best: aside + in; last: aside + in.
    assert.ok(crashes >= 4, `only ${crashes} renames in an epoch`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('fault: --resume without a usable state never replaces a better best checkpoint', async () => {
  await initBackend('wasm');
  const root = tmpDir();
  try {
    const dir = path.join(root, 'run');
    await train(tiny(dir, 1));
    // As if epoch 7 of an earlier run had reached 99 %, and the resume state were lost.
    const metaFile = path.join(dir, 'model.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    meta.metrics.valAccuracy = 0.99;
    meta.metrics.epoch = 7;
    fs.writeFileSync(metaFile, JSON.stringify(meta));
    fs.rmSync(resumeDirFor(dir), { recursive: true });
    const before = fs.readFileSync(metaFile, 'utf8');
    const beforeWeights = fs.readFileSync(path.join(dir, 'weights.bin'));
    const logs: string[] = [];
    const r = await train({ ...tiny(dir, 1), resume: true }, { log: (m) => logs.push(m) });
    assert.ok(logs.some((l) => /no resumable state/.test(l)));
    assert.ok(logs.some((l) => /keeping .* \(epoch 7, 99\.0%\) unless an epoch beats it/.test(l)), logs.join('\n'));
    assert.ok(r.history[0].valAccuracy < 0.99);
    assert.equal(fs.readFileSync(metaFile, 'utf8'), before, 'the better best checkpoint is untouched');
    assert.deepEqual(fs.readFileSync(path.join(dir, 'weights.bin')), beforeWeights);
    assert.equal(r.bestEpoch, 7);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
