// Bad files that once hung or exhausted the engine: each must now fail fast with an error naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { decodeLong, describe, MAX_LONG_BYTES, unpickle } from '../../../../src/engine/checkpoint/pickle';
import { findStateDict, importPthBytes } from '../../../../src/engine/checkpoint/importPth';
import { crc32, readTensor, readTorchCheckpoint, type TorchTensorRef } from '../../../../src/engine/checkpoint/torchZip';
import { loadCheckpoint } from '../../../../src/engine/checkpoint/store';
import { parseCheckpointMeta } from '../../../../src/engine/checkpoint/format';
import { initBackend } from '../../../../src/engine/tf';
import { ARCHITECTURE_LIMITS, parameterCount, validateArchitecture } from '../../../../src/shared/architecture';
import { contiguousStrides, writeTorchZip, type TensorView } from './torchZipWriter';
import { repoPath } from '../../repo';

const FIXTURES = repoPath('test', 'fixtures', 'checkpoints');
const tmpDir = () => mkdtempSync(path.join(os.tmpdir(), 'dt-hard-'));

/** A 256 KB .pth that hung the engine: one LONG4 of 262,144 bytes as the whole pickle. */
function longPth(n: number): Uint8Array {
  const pkl = new Uint8Array(3 + 4 + n + 1);
  pkl.set([0x80, 0x02, 0x8b]);
  new DataView(pkl.buffer).setInt32(3, n, true);
  pkl.fill(1, 7, 7 + n);
  pkl[7 + n] = 0x2e;
  return zipSync({ 'archive/data.pkl': [pkl, { level: 0 }] });
}

test('bad file: a 256 KB LONG4 is refused at once, naming the file and the opcode', () => {
  const t0 = Date.now();
  assert.throws(() => readTorchCheckpoint(longPth(262144), 'l.pth'), /l\.pth \(archive\/data\.pkl\): pickle opcode 0x8b \(LONG4\) at byte 2: LONG4 of 262144 bytes/);
  // (not a timing test: the old reader took minutes; anything that returns at all passes this bound by far)
  assert.ok(Date.now() - t0 < 60_000);
});

test('bad file: LONG4 up to the cap decodes linearly and matches BigInt arithmetic', () => {
  const bytes = new Uint8Array(MAX_LONG_BYTES).fill(1);
  let oracle = 0n;
  for (let i = 0; i < bytes.length; i++) oracle += 1n << BigInt(8 * i);
  assert.equal(decodeLong(bytes), oracle);
  assert.equal(decodeLong(Uint8Array.from([0xff, 0xff])), -1);
  assert.equal(decodeLong(Uint8Array.from([0x00, 0x80])), -32768);
  // describe() does not print thousands of digits
  assert.equal(describe(oracle), `an int of ${oracle.toString(2).length} bits`);
  const pkl = Uint8Array.from([0x80, 0x02, 0x8b, 0x00, 0x04, 0x00, 0x00, ...bytes, 0x2e]);
  assert.equal(unpickle(pkl, { file: 'x.pkl' }), oracle);
});

test('bad file: a storage entry that inflates past what the pickle needs (zip bomb) is refused before inflating', () => {
  const good = writeTorchZip([['x', { storageKey: '0', offset: 0, shape: [2], stride: [1] }]], new Map([['0', Float32Array.from([1, 2])]]));
  const files = unzipSync(good);
  // 64 MiB of zeros deflate to ~64 KB; the pickle's storage holds 2 floats (8 bytes).
  files['archive/data/0'] = new Uint8Array(64 * 1024 * 1024);
  const bomb = zipSync(files, { level: 1 });
  assert.ok(bomb.length < 1_000_000);
  assert.throws(() => readTorchCheckpoint(bomb, 'bomb.pth'), /bomb\.pth: archive\/data\/0 inflates to 67108864 bytes but the pickle's storage needs 8/);
  // Without storages (model lists), the bomb is never inflated at all.
  assert.doesNotThrow(() => readTorchCheckpoint(bomb, 'bomb.pth', { withStorages: false }));
});

test('bad file: a corrupt storage fails its CRC-32 check', () => {
  const zip = writeTorchZip([['x', { storageKey: '0', offset: 0, shape: [3], stride: [1] }]], new Map([['0', Float32Array.from([1.5, 2.5, 3.5])]]));
  const needle = new Uint8Array(Float32Array.from([1.5, 2.5, 3.5]).buffer);
  const at = Buffer.from(zip).indexOf(Buffer.from(needle));
  assert.ok(at > 0);
  const corrupt = zip.slice();
  corrupt[at + 5] ^= 0x40;
  assert.throws(() => readTorchCheckpoint(corrupt, 'crc.pth'), /crc\.pth: archive\/data\/0 fails its CRC-32 check/);
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926); // the standard check value
});

test('bad file: stride-0 views bigger than their storage and absurd ranks are refused', () => {
  const wide = writeTorchZip([['w', { storageKey: '0', offset: 0, shape: [3000, 3000, 3, 3], stride: [0, 0, 0, 0] }]], new Map([['0', Float32Array.from([1])]]));
  assert.throws(() => readTorchCheckpoint(wide, 'wide.pth'), /wide\.pth .*has 81000000 elements but its storage "0" holds 1; overlapping views are not supported/);
  const deep = writeTorchZip([['d', { storageKey: '0', offset: 0, shape: new Array(9).fill(1), stride: new Array(9).fill(1) }]], new Map([['0', Float32Array.from([1])]]));
  assert.throws(() => readTorchCheckpoint(deep, 'deep.pth'), /deep\.pth .*has 9 dimensions; at most 8/);
});

/** A whole net from a fixture, as (entries, storages) for writeTorchZip: one contiguous storage per tensor. */
function fixtureNet(name: string): { entries: Array<[string, TensorView]>; storages: Map<string, Float32Array> } {
  const file = repoPath('test', 'fixtures', 'pth', `${name}.pth`);
  const ckpt = readTorchCheckpoint(new Uint8Array(readFileSync(file)), file);
  const entries: Array<[string, TensorView]> = [];
  const storages = new Map<string, Float32Array>();
  let i = 0;
  for (const [k, v] of findStateDict(ckpt).stateDict) {
    const t = v as TorchTensorRef;
    storages.set(String(i), readTensor(ckpt, t, k));
    entries.push([k, { storageKey: String(i), offset: 0, shape: t.shape, stride: contiguousStrides(t.shape) }]);
    i++;
  }
  return { entries, storages };
}

test('bad file: int32 and NaN/Inf weights in a .pth are refused', async () => {
  await initBackend('wasm');
  const net = fixtureNet('maze_dt_recall_2d');
  assert.doesNotThrow(() => importPthBytes(writeTorchZip(net.entries, net.storages), 'ok.pth'));
  const asInt = (pkl: Uint8Array) => new Uint8Array(Buffer.from(Buffer.from(pkl).toString('latin1').replaceAll('FloatStorage', 'IntStorage'), 'latin1'));
  assert.throws(
    () => importPthBytes(writeTorchZip(net.entries, net.storages, { pickleOverride: asInt }), 'int.pth'),
    /int\.pth: "projection\.0\.weight" is a int32 tensor; network weights must be floating point/,
  );
  net.storages.get('1')![3] = NaN;
  assert.throws(() => importPthBytes(writeTorchZip(net.entries, net.storages), 'nan.pth'), /nan\.pth: ".*" holds NaN at index 3; a usable checkpoint has only finite weights/);
});

test('bad file: model.json asking for 20,000,000 blocks or feed-forward layers is refused before any allocation', () => {
  const base = JSON.parse(readFileSync(path.join(FIXTURES, 'good-tiny', 'model.json'), 'utf8'));
  delete base.weightsManifest;
  const blocks = { ...base, architecture: { ...base.architecture, blocks: 20_000_000 } };
  assert.throws(() => parseCheckpointMeta(JSON.stringify(blocks), 'm.json'), /m\.json: invalid architecture: blocks 20000000 is above the supported maximum of 64/);
  const ff = { ...base, architecture: { ...base.architecture, kind: 'feedforward', maxIters: 20_000_000 } };
  assert.throws(() => parseCheckpointMeta(JSON.stringify(ff), 'f.json'), /f\.json: invalid architecture: maxIters 20000000 is above the supported maximum of 1000 for a feed-forward net/);
  const wide = { ...base, architecture: { ...base.architecture, dims: 2, inChannels: 3, width: 2048, blocks: 64 } };
  assert.throws(() => parseCheckpointMeta(JSON.stringify({ ...wide, problem: 'mazes' }), 'w.json'), /w\.json: invalid architecture: [\d,]+ parameters \([\d.]+ GiB\) is above the supported maximum/);
  // The formula agrees with the model's own weight list.
  const a = validateArchitecture({ kind: 'dt-recall', dims: 2, width: 16, inChannels: 3, maxIters: 5, blocks: 2 }, 'x');
  assert.equal(parameterCount(a), 3 * 16 * 9 + (19 * 16 * 9 + 2 * 2 * 16 * 16 * 9) + (16 * 32 + 32 * 8 + 8 * 2) * 9);
  assert.ok(ARCHITECTURE_LIMITS.width >= 512, 'the paper\'s widest net (chess, 512) stays loadable');
});

test('bad file: a weights.bin too small for its model.json fails on its size, before reading', async () => {
  await initBackend('wasm');
  const dir = path.join(tmpDir(), 'ck');
  cpSync(path.join(FIXTURES, 'good-tiny'), dir, { recursive: true });
  const meta = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  delete meta.weightsManifest;
  meta.architecture.width = 512;
  meta.architecture.blocks = 8;
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(meta));
  await assert.rejects(loadCheckpoint(dir), /weights\.bin: is 288 bytes but the weightsManifest in model\.json describes \d+ bytes/);
});

test('bad file: int32 and non-finite weights in a checkpoint are refused', async () => {
  await initBackend('wasm');
  const dir = path.join(tmpDir(), 'ck');
  cpSync(path.join(FIXTURES, 'good-tiny'), dir, { recursive: true });
  const meta = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  meta.weightsManifest[0].dtype = 'int32';
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(meta));
  await assert.rejects(loadCheckpoint(dir), /model\.json: weight "projection\.0\.weight" has dtype int32; network weights must be float32/);
  meta.weightsManifest[0].dtype = 'float32';
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(meta));
  const bin = readFileSync(path.join(dir, 'weights.bin'));
  bin.writeFloatLE(Infinity, 4);
  writeFileSync(path.join(dir, 'weights.bin'), bin);
  await assert.rejects(loadCheckpoint(dir), /weights\.bin: weight "projection\.0\.weight" holds Infinity at index 1; a usable checkpoint has only finite weights/);
});

test('bad file: a model.json nested 1,000,000 deep and a pickle of 100,000 nested MARKs are errors naming the file', () => {
  const base = JSON.parse(readFileSync(path.join(FIXTURES, 'good-tiny', 'model.json'), 'utf8'));
  const text = JSON.stringify(base).replace('"training":{', `"training":{"deep":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)},`);
  assert.throws(() => parseCheckpointMeta(text, 'deep.json'), /deep\.json: nested deeper than 64 levels/);
  assert.doesNotThrow(() => parseCheckpointMeta(JSON.stringify(base), 'ok.json'));
  const pkl = new Uint8Array(2 + 100_000 + 1);
  pkl.set([0x80, 0x02]);
  pkl.fill(0x28, 2, 2 + 100_000);
  pkl[pkl.length - 1] = 0x2e;
  assert.throws(() => unpickle(pkl, { file: 'deep.pkl' }), /deep\.pkl: pickle opcode 0x28 \(MARK\) at byte 1002: MARKs nested deeper than 1000/);
});
