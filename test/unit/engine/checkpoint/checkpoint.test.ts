import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import type { DTNet } from '../../../../src/engine/models/dtNet';
import type { Architecture } from '../../../../src/shared/architecture';
import { annotateCheckpoint, loadCheckpoint, readCheckpointMeta, saveCheckpoint } from '../../../../src/engine/checkpoint/store';
import { CHECKPOINT_FORMAT, parseCheckpointMeta } from '../../../../src/engine/checkpoint/format';
import { convertPthToCheckpoint, listModels, loadModel } from '../../../../src/engine/checkpoint/modelSpecs';
import { importPth } from '../../../../src/engine/checkpoint/importPth';
import { repoPath } from '../../repo';

const ROOT = repoPath();
const BAD = path.join(ROOT, 'test', 'fixtures', 'checkpoints');
const PTH = path.join(ROOT, 'test', 'fixtures', 'pth');
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

function tmpDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'dt-ckpt-'));
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

async function logits(model: DTNet, shape: number[], iterations: number): Promise<Float32Array> {
  const rand = seeded(99);
  const x = tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() - 0.5), shape);
  const { logits, thought } = model.forward(x, iterations);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([x, logits, thought]);
  return out;
}

const ARCH_2D: Architecture = { kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 2 };

test('round trip: save → load gives identical weights, logits and metadata', async () => {
  await initBackend('wasm');
  const dir = path.join(tmpDir(), 'run1');
  const model = createModel(ARCH_2D, seeded(1));
  const metrics = { accuracyPerIteration: { '9': [0.1, 0.5, 0.9], '13': [0, 0.25, 0.75] }, bestEpoch: 3 };
  const saved = await saveCheckpoint(dir, model, { problem: 'mazes', training: { lr: 0.001, alpha: 0.01, epochs: 2 }, seed: 42, metrics });
  const { model: loaded, meta } = await loadCheckpoint(dir);
  try {
    assert.equal(meta.format, CHECKPOINT_FORMAT);
    assert.equal(meta.formatVersion, 1);
    assert.equal(meta.engineVersion, VERSION);
    assert.deepEqual(meta.architecture, ARCH_2D);
    assert.equal(meta.problem, 'mazes');
    assert.deepEqual(meta.training, { lr: 0.001, alpha: 0.01, epochs: 2 });
    assert.equal(meta.seed, 42);
    assert.deepEqual(meta.metrics, metrics);
    assert.ok(!Number.isNaN(Date.parse(meta.createdAt)));
    assert.deepEqual(meta, JSON.parse(JSON.stringify(saved)));
    const a = await model.exportWeights();
    const b = await loaded.exportWeights();
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [k, v] of a) assert.deepEqual(b.get(k), v, `weight ${k}`);
    assert.deepEqual(await logits(loaded, [2, 6, 6, 3], 4), await logits(model, [2, 6, 6, 3], 4));
    // weights.bin is exactly tfjs's encoding of the model's weights.
    const enc = await tf.io.encodeWeights([...model.weights].map(([name, tensor]) => ({ name, tensor })));
    assert.deepEqual(new Uint8Array(readFileSync(path.join(dir, 'weights.bin'))), new Uint8Array(enc.data));
    assert.deepEqual(meta.weightsManifest, enc.specs);
  } finally {
    model.dispose();
    loaded.dispose();
  }
});

test('round trip of a 1-D feed-forward net keeps its depth', async () => {
  await initBackend('wasm');
  const arch: Architecture = { kind: 'feedforward', dims: 1, width: 4, inChannels: 1, maxIters: 3, blocks: 1 };
  const dir = path.join(tmpDir(), 'ff');
  const model = createModel(arch, seeded(2));
  await saveCheckpoint(dir, model, { problem: 'prefix-sums' });
  const { model: loaded, meta } = await loadCheckpoint(dir);
  try {
    assert.equal(loaded.depth, 3);
    assert.deepEqual(meta.metrics, { accuracyPerIteration: {} });
    assert.equal(meta.seed, null);
    assert.deepEqual(await logits(loaded, [3, 10, 1], 3), await logits(model, [3, 10, 1], 3));
  } finally {
    model.dispose();
    loaded.dispose();
  }
});

test('atomic replace: the new checkpoint replaces the old one and nothing is left behind', async () => {
  await initBackend('wasm');
  const parent = tmpDir();
  const dir = path.join(parent, 'ckpt');
  const m1 = createModel(ARCH_2D, seeded(3));
  const m2 = createModel({ ...ARCH_2D, width: 6 }, seeded(4));
  try {
    await saveCheckpoint(dir, m1, { problem: 'mazes', training: { which: 1 } });
    await saveCheckpoint(dir, m2, { problem: 'mazes', training: { which: 2 } });
    assert.deepEqual(readdirSync(parent), ['ckpt']);
    assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const { model, meta } = await loadCheckpoint(dir);
    assert.equal(meta.training.which, 2);
    assert.equal(model.arch.width, 6);
    model.dispose();

    // Two saves racing for one directory: whatever order the renames land in, a valid checkpoint results and no
    // temporary directory survives.
    await Promise.allSettled([
      saveCheckpoint(dir, m1, { problem: 'mazes', training: { which: 'a' } }),
      saveCheckpoint(dir, m2, { problem: 'mazes', training: { which: 'b' } }),
    ]);
    assert.deepEqual(readdirSync(parent), ['ckpt']);
    const raced = await loadCheckpoint(dir);
    assert.ok(raced.meta.training.which === 'a' || raced.meta.training.which === 'b');
    raced.model.dispose();

    // What a crash mid-save leaves: a hidden, half-written temp dir. Lists skip it and the checkpoint still loads.
    const stale = path.join(parent, '.ckpt.tmp-1-deadbeef');
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'weights.bin'), new Uint8Array(10));
    const listed = await listModels([parent]);
    assert.deepEqual(listed.map((e) => e.name), ['ckpt']);
    const again = await loadModel(dir);
    assert.equal(again.origin, 'checkpoint');
    again.model.dispose();
  } finally {
    m1.dispose();
    m2.dispose();
  }
});

test('saving refuses to replace a directory that is not a checkpoint', async () => {
  await initBackend('wasm');
  const dir = path.join(tmpDir(), 'precious');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
  const m = createModel(ARCH_2D, seeded(5));
  try {
    await assert.rejects(saveCheckpoint(dir, m, { problem: 'mazes' }), /precious: exists and is not a checkpoint \(no model\.json\); refusing to replace it/);
    assert.equal(readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'keep me');
    assert.deepEqual(readdirSync(path.dirname(dir)), ['precious']);
    await assert.rejects(saveCheckpoint(path.join(tmpDir(), 'x'), m, { problem: 'prefix-sums' }), /problem "prefix-sums" needs a 1-D net with 1 input channel\(s\), but the architecture is 2-D with 3/);
  } finally {
    m.dispose();
  }
});

test('the good fixture loads', async () => {
  await initBackend('wasm');
  const { model, meta } = await loadCheckpoint(path.join(BAD, 'good-tiny'));
  assert.equal(meta.name, 'good-tiny');
  assert.deepEqual(meta.metrics.accuracyPerIteration, { '8': [0.5, 0.75, 1] });
  assert.equal(model.parameterCount, 72);
  model.dispose();
});

const BAD_CASES: Array<[string, RegExp]> = [
  ['missing-model-json', /missing-model-json[/\\]model\.json: missing: .* is not a checkpoint directory/],
  ['invalid-json', /invalid-json[/\\]model\.json:4:3: invalid JSON: Expected ',' or '}' after property value/],
  ['wrong-format-version', /wrong-format-version[/\\]model\.json: formatVersion 2 was written by a newer engine/],
  ['wrong-format', /wrong-format[/\\]model\.json: "format" must be "deep-thinking-checkpoint", got "tfjs-layers-model"/],
  ['bad-architecture', /bad-architecture[/\\]model\.json: invalid architecture: width must be a positive integer, got "sixteen"/],
  ['problem-mismatch', /problem-mismatch[/\\]model\.json: problem "mazes" needs a 2-D net with 3 input channel\(s\), but the architecture is 1-D with 1/],
  ['size-mismatch', /size-mismatch[/\\]weights\.bin: is 284 bytes but the weightsManifest in model\.json describes 288 bytes/],
  ['missing-weight', /missing-weight[/\\]model\.json: missing weight "head\.4\.weight"/],
  ['missing-weights-bin', /missing-weights-bin[/\\]weights\.bin: missing/],
];

for (const [name, re] of BAD_CASES) {
  test(`bad checkpoint "${name}" gives an error naming the file`, async () => {
    await initBackend('wasm');
    await assert.rejects(loadCheckpoint(path.join(BAD, name)), (e: Error) => {
      assert.match(e.message, re);
      return true;
    });
  });
}

test('model.json parse errors without a position still name the file; truncated JSON gets line:col', () => {
  assert.throws(() => parseCheckpointMeta('{"a": tru}', '/x/model.json'), /^Error: \/x\/model\.json: invalid JSON: /);
  assert.throws(() => parseCheckpointMeta('{\n  "format": ', '/x/model.json'), /\/x\/model\.json:2:13: invalid JSON: Unexpected end of JSON input/);
  assert.throws(() => parseCheckpointMeta('[1,2]', 'm.json'), /m\.json: expected a JSON object/);
});

test('loadModel: checkpoint dir, model.json path, .pth file, bundled name', async () => {
  await initBackend('wasm');
  const byDir = await loadModel(path.join(BAD, 'good-tiny'));
  assert.equal(byDir.origin, 'checkpoint');
  byDir.model.dispose();
  const byJson = await loadModel(path.join(BAD, 'good-tiny', 'model.json'));
  assert.equal(byJson.path, path.join(BAD, 'good-tiny'));
  byJson.model.dispose();

  const pth = await loadModel(path.join(PTH, 'maze_dt_2d.pth'), { maxIters: 40 });
  assert.equal(pth.origin, 'pth');
  assert.equal(pth.meta.problem, 'mazes');
  assert.equal(pth.meta.architecture.maxIters, 40);
  assert.equal(pth.meta.source?.kind, 'pth');
  assert.equal(pth.meta.source?.epoch, 3);
  pth.model.dispose();

  const bundled = await loadModel('good-tiny', { modelsDir: BAD });
  assert.equal(bundled.origin, 'bundled');
  bundled.model.dispose();
  const saved = process.env.DEEP_THINKING_MODELS_DIR;
  process.env.DEEP_THINKING_MODELS_DIR = BAD;
  try {
    const viaEnv = await loadModel('good-tiny');
    assert.equal(viaEnv.path, path.join(BAD, 'good-tiny'));
    viaEnv.model.dispose();
    await assert.rejects(loadModel('no-such-model'), /model "no-such-model" not found: .*bundled in .*checkpoints: good-tiny, missing-weight/);
  } finally {
    if (saved === undefined) delete process.env.DEEP_THINKING_MODELS_DIR;
    else process.env.DEEP_THINKING_MODELS_DIR = saved;
  }
  // A spec that is a broken checkpoint reports that checkpoint's error, not "not found".
  await assert.rejects(loadModel(path.join(BAD, 'size-mismatch')), /size-mismatch[/\\]weights\.bin: is 284 bytes/);
  await assert.rejects(loadModel(path.join(PTH, 'maze_dt_2d.expected.json')), /maze_dt_2d\.expected\.json: not a PyTorch checkpoint/);
});

test('listModels: metadata of checkpoints and .pth files, errors for broken ones', async () => {
  const entries = await listModels([BAD, PTH, path.join(os.tmpdir(), 'does-not-exist-dt')]);
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.equal(byName.get('good-tiny')?.meta?.problem, 'prefix-sums');
  assert.equal(byName.get('good-tiny')?.origin, 'checkpoint');
  assert.match(byName.get('invalid-json')?.error ?? '', /invalid-json[/\\]model\.json:4:3/);
  assert.equal(byName.get('invalid-json')?.meta, undefined);
  // No model.json → not a checkpoint → not listed.
  assert.equal(byName.has('missing-model-json'), false);
  // Size errors need the weights; a list reads metadata only.
  assert.ok(byName.get('size-mismatch')?.meta);
  for (const n of ['prefix_dt_recall_1d', 'maze_dt_2d', 'maze_dt_recall_2d', 'chess_dt_recall_2d']) {
    assert.equal(byName.get(n)?.origin, 'pth', n);
  }
  assert.equal(byName.get('chess_dt_recall_2d')?.meta?.problem, 'chess');
  assert.equal(byName.get('chess_dt_recall_2d')?.meta?.source?.boardFrame, 'side-to-move-home-rank-at-row-0');
  assert.equal(byName.get('prefix_dt_recall_1d')?.meta?.architecture.dims, 1);
});

test('convertPthToCheckpoint writes a checkpoint that computes what the .pth computes', async () => {
  await initBackend('wasm');
  const dir = path.join(tmpDir(), 'imported');
  const file = path.join(PTH, 'prefix_dt_recall_1d.pth');
  const meta = await convertPthToCheckpoint(file, dir);
  assert.equal(meta.problem, 'prefix-sums');
  assert.equal(meta.source?.file, file);
  assert.ok(existsSync(path.join(dir, 'weights.bin')));
  const { model } = await loadCheckpoint(dir);
  const imp = await importPth(file);
  const direct = createModel(imp.architecture, imp.weights);
  try {
    assert.deepEqual(await logits(model, [2, 12, 1], 6), await logits(direct, [2, 12, 1], 6));
    assert.deepEqual((await readCheckpointMeta(dir)).source?.notes, imp.notes);
  } finally {
    model.dispose();
    direct.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extra files travel with the checkpoint; annotateCheckpoint merges training fields', async () => {
  await initBackend('wasm');
  const dir = path.join(tmpDir(), 'annotated');
  const m = createModel(ARCH_2D, seeded(6));
  try {
    await saveCheckpoint(dir, m, { problem: 'mazes', training: { lr: 0.1 } }, { extraFiles: { 'train-state.json': '{"step":5}' } });
    assert.equal(readFileSync(path.join(dir, 'train-state.json'), 'utf8'), '{"step":5}');
    await assert.rejects(saveCheckpoint(dir, m, { problem: 'mazes' }, { extraFiles: { '../evil': 'x' } }), /invalid extra file name/);
    const weightsBefore = readFileSync(path.join(dir, 'weights.bin'));
    const updated = await annotateCheckpoint(dir, { command: 'deep-thinking train', trainingSeconds: 12 });
    assert.deepEqual(updated.training, { lr: 0.1, command: 'deep-thinking train', trainingSeconds: 12 });
    assert.deepEqual((await readCheckpointMeta(dir)).training, updated.training);
    assert.deepEqual(readFileSync(path.join(dir, 'weights.bin')), weightsBefore);
    assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'train-state.json', 'weights.bin']);
    await assert.rejects(annotateCheckpoint(path.join(BAD, 'missing-model-json'), {}), /missing-model-json[/\\]model\.json: missing/);
  } finally {
    m.dispose();
  }
});
