import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import { findStateDict, importPth, importPthBytes, inspectPth } from '../../../../src/engine/checkpoint/importPth';
import { readTensor, readTorchCheckpoint, type TorchTensorRef } from '../../../../src/engine/checkpoint/torchZip';
import { traceLogits, type NestedNumbers } from '../../../../src/engine/checkpoint/trace';
import { contiguousStrides, writeTorchZip, type TensorView } from './torchZipWriter';
import { repoPath } from '../../repo';

const FIXTURES = repoPath('test', 'fixtures', 'pth');
const NAMES = ['prefix_dt_recall_1d', 'maze_dt_2d', 'maze_dt_recall_2d', 'chess_dt_recall_2d'];

interface Expected {
  model: { dims: 1 | 2; width: number; in_channels: number; recall: boolean };
  input: NestedNumbers[];
  logits: Record<string, NestedNumbers[]>;
}

function flat(x: NestedNumbers[]): number[] {
  const out: number[] = [];
  const walk = (v: NestedNumbers): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else out.push(v);
  };
  walk(x);
  return out;
}

/** ‖a−b‖/‖b‖ and max|a−b| / max|b|. */
function relErrors(ours: number[], theirs: number[]): { rel: number; relMax: number } {
  assert.equal(ours.length, theirs.length, 'logit counts differ');
  let d2 = 0, t2 = 0, dMax = 0, tMax = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = ours[i] - theirs[i];
    d2 += d * d;
    t2 += theirs[i] * theirs[i];
    dMax = Math.max(dMax, Math.abs(d));
    tMax = Math.max(tMax, Math.abs(theirs[i]));
  }
  return { rel: Math.sqrt(d2 / t2), relMax: dMax / tMax };
}

for (const name of NAMES) {
  test(`${name}.pth: imported net reproduces PyTorch's logits at iterations 1, 5, 30`, async () => {
    await initBackend('wasm');
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;
    const imported = await importPth(path.join(FIXTURES, `${name}.pth`));
    const a = imported.architecture;
    assert.equal(a.dims, expected.model.dims);
    assert.equal(a.width, expected.model.width);
    assert.equal(a.inChannels, expected.model.in_channels);
    assert.equal(a.kind, expected.model.recall ? 'dt-recall' : 'dt');
    assert.equal(a.blocks, 2);
    assert.equal(a.maxIters, 30);
    assert.equal(imported.epoch, 3);
    const model = createModel(a, imported.weights);
    try {
      const { logits } = await traceLogits(model, expected.input, [1, 5, 30]);
      assert.deepEqual(Object.keys(logits).sort(), ['1', '30', '5']);
      for (const it of ['1', '5', '30']) {
        const { rel, relMax } = relErrors(flat(logits[it]), flat(expected.logits[it]));
        assert.ok(rel < 1e-3, `${name} iteration ${it}: relative L2 error ${rel}`);
        assert.ok(relMax < 1e-3, `${name} iteration ${it}: relative max error ${relMax}`);
      }
    } finally {
      model.dispose();
    }
  });
}

test('problem guess and chess board frame', async () => {
  const chess = await inspectPth(path.join(FIXTURES, 'chess_dt_recall_2d.pth'));
  assert.equal(chess.problem, 'chess');
  assert.equal(chess.boardFrame, 'side-to-move-home-rank-at-row-0');
  assert.equal((await inspectPth(path.join(FIXTURES, 'maze_dt_2d.pth'))).problem, 'mazes');
  assert.equal((await inspectPth(path.join(FIXTURES, 'prefix_dt_recall_1d.pth'))).problem, 'prefix-sums');
  const custom = await importPth(path.join(FIXTURES, 'maze_dt_2d.pth'), { maxIters: 100 });
  assert.equal(custom.architecture.maxIters, 100);
});

test('1-D and 2-D kernels are permuted to channels-last', async () => {
  // projection of the prefix-sums net: PyTorch [16,1,3] → ours [3,1,16]; ours[k][0][o] = theirs[o][0][k].
  const file = path.join(FIXTURES, 'prefix_dt_recall_1d.pth');
  const bytes = new Uint8Array(readFileSync(file));
  const ckpt = readTorchCheckpoint(bytes, file);
  const sd = findStateDict(ckpt).stateDict;
  const t = sd.get('recur_block.0.weight') as TorchTensorRef; // [16,17,3]
  const theirs = readTensor(ckpt, t, 'recur_block.0.weight');
  const ours = importPthBytes(bytes, file).weights.get('recur_block.0.weight')!;
  const [co, ci, k] = t.shape;
  assert.deepEqual([co, ci, k], [16, 17, 3]);
  for (const [o, i, x] of [[0, 0, 0], [15, 16, 2], [3, 9, 1], [7, 2, 0]]) {
    assert.equal(ours[(x * ci + i) * co + o], theirs[(o * ci + i) * k + x]);
  }
  // 2-D: head.4 of the maze net, PyTorch [2,8,3,3] → ours [3,3,8,2].
  const mfile = path.join(FIXTURES, 'maze_dt_2d.pth');
  const mbytes = new Uint8Array(readFileSync(mfile));
  const mck = readTorchCheckpoint(mbytes, mfile);
  const mt = findStateDict(mck).stateDict.get('head.4.weight') as TorchTensorRef;
  const mtheirs = readTensor(mck, mt, 'head.4.weight');
  const mours = importPthBytes(mbytes, mfile).weights.get('head.4.weight')!;
  for (const [o, i, y, x] of [[0, 0, 0, 0], [1, 7, 2, 2], [1, 3, 0, 2], [0, 5, 2, 1]]) {
    assert.equal(mours[((y * 3 + x) * 8 + i) * 2 + o], mtheirs[((o * 8 + i) * 3 + y) * 3 + x]);
  }
});

/** The fixture's tensors in PyTorch layout, contiguous. */
function fixtureTensors(name: string): { file: string; tensors: Array<[string, Float32Array, number[]]> } {
  const file = path.join(FIXTURES, `${name}.pth`);
  const ckpt = readTorchCheckpoint(new Uint8Array(readFileSync(file)), file);
  const tensors: Array<[string, Float32Array, number[]]> = [];
  for (const [k, v] of findStateDict(ckpt).stateDict) {
    const t = v as TorchTensorRef;
    tensors.push([k, readTensor(ckpt, t, k), t.shape]);
  }
  return { file, tensors };
}

test('strided views: offsets into one shared storage and transposed (column-major) layouts read correctly', async () => {
  await initBackend('wasm');
  const name = 'maze_dt_recall_2d';
  const { file, tensors } = fixtureTensors(name);
  // Pack every tensor into ONE storage, column-major (strides reversed, as x.permute(3,2,1,0).contiguous()
  // .permute(3,2,1,0) would give), each after 5 junk values, so offset and stride both matter.
  const total = tensors.reduce((n, [, v]) => n + v.length + 5, 0);
  const storage = new Float32Array(total).fill(1234.5);
  const entries: Array<[string, TensorView]> = [];
  let offset = 0;
  for (const [k, values, shape] of tensors) {
    offset += 5;
    const stride = contiguousStrides([...shape].reverse()).reverse();
    const cstride = contiguousStrides(shape);
    for (let i = 0; i < values.length; i++) {
      let dst = offset;
      for (let d = 0; d < shape.length; d++) dst += (Math.floor(i / cstride[d]) % shape[d]) * stride[d];
      storage[dst] = values[i];
    }
    entries.push([k, { storageKey: 'shared', offset, shape, stride }]);
    offset += values.length;
  }
  const bytes = writeTorchZip(entries, new Map([['shared', storage]]), { modulePrefix: true, extras: true });
  const strided = importPthBytes(bytes, 'strided.pth');
  const reference = importPthBytes(new Uint8Array(readFileSync(file)), file);
  assert.deepEqual([...strided.weights.keys()].sort(), [...reference.weights.keys()].sort());
  for (const [k, v] of reference.weights) assert.deepEqual(strided.weights.get(k), v, `weight ${k} differs`);
  // And the net still matches PyTorch.
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;
  const model = createModel(strided.architecture, strided.weights);
  try {
    const { logits } = await traceLogits(model, expected.input, [5]);
    assert.ok(relErrors(flat(logits['5']), flat(expected.logits['5'])).rel < 1e-3);
  } finally {
    model.dispose();
  }
});

test('readTensor honours offset and stride (as_strided oracle)', () => {
  const storage = Float32Array.from([9, 0, 1, 2, 3, 4, 5]);
  // torch.as_strided(storage, size=(2,3), stride=(1,2), storage_offset=1) = [[0,2,4],[1,3,5]]
  const bytes = writeTorchZip([['x', { storageKey: '7', offset: 1, shape: [2, 3], stride: [1, 2] }]], new Map([['7', storage]]));
  const ckpt = readTorchCheckpoint(bytes, 'x.pth');
  const t = findStateDict(ckpt).stateDict.get('x') as TorchTensorRef;
  assert.deepEqual([...readTensor(ckpt, t, 'x')], [0, 2, 4, 1, 3, 5]);
  // Reading past the storage is an error, not garbage.
  const bad = writeTorchZip([['x', { storageKey: '7', offset: 2, shape: [2, 3], stride: [3, 1] }]], new Map([['7', storage]]));
  // (caught when the pickle rebuilds the view, before any storage is inflated)
  assert.throws(() => readTorchCheckpoint(bad, 'bad.pth'), /bad\.pth .*tensor \(offset 2, size \[2,3\], stride \[3,1\]\) reads past its storage "7"/);
});

// ---- errors

function fixtureEntries(name: string, edit?: (entries: Array<[string, TensorView]>, storages: Map<string, Float32Array>) => void) {
  const { tensors } = fixtureTensors(name);
  const storages = new Map<string, Float32Array>();
  const entries: Array<[string, TensorView]> = [];
  tensors.forEach(([k, v, shape], i) => {
    storages.set(String(i), v);
    entries.push([k, { storageKey: String(i), offset: 0, shape, stride: contiguousStrides(shape) }]);
  });
  edit?.(entries, storages);
  return { entries, storages };
}

test('missing, unexpected and misshapen keys are named', () => {
  const missing = fixtureEntries('maze_dt_recall_2d', (e) => e.splice(e.findIndex(([k]) => k === 'head.4.weight'), 1));
  assert.throws(() => importPthBytes(writeTorchZip(missing.entries, missing.storages), 'missing.pth'), /missing\.pth: missing key "head\.4\.weight"/);

  const extra = fixtureEntries('maze_dt_recall_2d', (e, s) => {
    s.set('gn', new Float32Array(16));
    e.push(['recur_block.1.0.gn1.weight', { storageKey: 'gn', offset: 0, shape: [16], stride: [1] }]);
  });
  assert.throws(() => importPthBytes(writeTorchZip(extra.entries, extra.storages), 'extra.pth'), /extra\.pth: unexpected key "recur_block\.1\.0\.gn1\.weight"/);

  const shape = fixtureEntries('maze_dt_recall_2d', (e, s) => {
    const i = e.findIndex(([k]) => k === 'head.0.weight');
    s.set('h', new Float32Array(16 * 16 * 9));
    e[i] = ['head.0.weight', { storageKey: 'h', offset: 0, shape: [16, 16, 3, 3], stride: [144, 9, 3, 1] }];
  });
  assert.throws(() => importPthBytes(writeTorchZip(shape.entries, shape.storages), 'shape.pth'), /shape\.pth: key "head\.0\.weight" has shape \[16,16,3,3\] but .* needs \[32,16,3,3\]/);

  const noproj = fixtureEntries('maze_dt_2d', (e) => e.splice(0, 1));
  assert.throws(() => importPthBytes(writeTorchZip(noproj.entries, noproj.storages), 'noproj.pth'), /noproj\.pth: missing key "projection\.0\.weight"/);
});

test('bad opcodes, non-zip files and pickled modules give errors naming the file', () => {
  const { entries, storages } = fixtureEntries('prefix_dt_recall_1d');
  const corrupt = writeTorchZip(entries, storages, { archive: 'ck', pickleOverride: (p) => Uint8Array.from([...p.subarray(0, 2), 0xff, ...p.subarray(3)]) });
  assert.throws(() => importPthBytes(corrupt, 'corrupt.pth'), /corrupt\.pth \(ck\/data\.pkl\): pickle opcode 0xff \(unknown\) at byte 2: not a pickle opcode/);

  const unsupported = writeTorchZip(entries, storages, { pickleOverride: (p) => Uint8Array.from([...p.subarray(0, 2), 0x8f, ...p.subarray(3)]) });
  assert.throws(() => importPthBytes(unsupported, 'set.pth'), /set\.pth .*opcode 0x8f \(EMPTY_SET\) at byte 2: this opcode is not supported/);

  const truncated = writeTorchZip(entries, storages, { pickleOverride: (p) => p.subarray(0, 40) });
  assert.throws(() => importPthBytes(truncated, 'trunc.pth'), /trunc\.pth .*(truncated|without a STOP)/);

  assert.throws(() => importPthBytes(new TextEncoder().encode('hello, not a checkpoint'), 'text.pth'), /text\.pth: not a PyTorch checkpoint/);
  assert.throws(() => importPthBytes(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]), 'old.pth'), /old\.pth: .*legacy/);
  assert.throws(() => importPthBytes(new Uint8Array(0), 'empty.pth'), /empty\.pth: the file is empty/);

  // torch.save(model) instead of a state dict: {"net": <DTNet object>}.
  const moduleObj = writeTorchZip([], new Map(), {
    pickleOverride: () => {
      const enc = (s: string) => [...new TextEncoder().encode(s)];
      const str = (s: string) => [0x58, s.length, 0, 0, 0, ...enc(s)];
      return Uint8Array.from([0x80, 2, 0x7d, ...str('net'), 0x63, ...enc('deepthinking.models.dt_net_2d\nDTNet\n'), 0x29, 0x81, 0x73, 0x2e]);
    },
  });
  assert.throws(() => importPthBytes(moduleObj, 'module.pth'), /module\.pth: "net" is an object built by deepthinking\.models\.dt_net_2d\.DTNet .*state_dict/);

  // A missing storage entry.
  const zipNoData = writeTorchZip(entries, storages, { archive: 'ck', omitStorages: ['0'] });
  assert.throws(() => importPthBytes(zipNoData, 'nodata.pth'), /nodata\.pth: storage "0" is referenced by the pickle but ck\/data\/0 is missing from the zip/);
});

test('the paper\'s feed-forward naming maps onto layers.<i> with the shared recall conv copied', () => {
  // Build a tiny paper-style FF-recall 2-D net: width 2, 3 input channels, 2 layers, 1 block.
  const w = 2, c = 3;
  const storages = new Map<string, Float32Array>();
  const entries: Array<[string, TensorView]> = [];
  const add = (name: string, shape: number[]) => {
    const key = String(storages.size);
    const n = shape.reduce((a, b) => a * b, 1);
    storages.set(key, Float32Array.from({ length: n }, (_, i) => Math.sin(i + storages.size)));
    entries.push([name, { storageKey: key, offset: 0, shape, stride: contiguousStrides(shape) }]);
  };
  add('projection.0.weight', [w, c, 3, 3]);
  add('recall_layer.weight', [w, w + c, 3, 3]);
  for (let i = 0; i < 2; i++) for (const cv of ['conv1', 'conv2']) add(`feedforward_layers.${i}.0.0.${cv}.weight`, [w, w, 3, 3]);
  add('head.0.weight', [32, w, 3, 3]);
  add('head.2.weight', [8, 32, 3, 3]);
  add('head.4.weight', [2, 8, 3, 3]);
  const imp = importPthBytes(writeTorchZip(entries, storages, { modulePrefix: true }), 'ff.pth', { maxIters: 7 });
  assert.deepEqual(imp.architecture, { kind: 'feedforward', dims: 2, width: w, inChannels: c, maxIters: 2, blocks: 1 });
  const r0 = imp.weights.get('layers.0.0.weight')!;
  const r1 = imp.weights.get('layers.1.0.weight')!;
  assert.deepEqual(r0, r1);
  assert.notEqual(r0, r1, 'untied copies must not share a buffer');
  assert.ok(imp.weights.has('layers.1.1.0.conv2.weight'));
  assert.equal(imp.weights.size, 1 + 2 * (1 + 2) + 3);
});
