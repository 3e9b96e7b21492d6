import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import { saveCheckpoint, loadCheckpoint } from '../../../../src/engine/checkpoint/store';
import { float16Bits, quantizeCheckpointFloat16 } from '../../../../src/engine/checkpoint/quantize';
import { Rng } from '../../../../src/shared/rng';

test('float16Bits: IEEE half precision, round to nearest even, subnormals, overflow, NaN', () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
    [0.1, 0x2e66], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -26, 0x0000], [Infinity, 0x7c00], [-Infinity, 0xfc00],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], // ties go to even
  ];
  for (const [v, bits] of cases) assert.equal(float16Bits(v), bits, `${v}`);
  assert.equal(float16Bits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(float16Bits(NaN) & 0x3ff, 0);
});

test('quantizeCheckpointFloat16 halves weights.bin and loads back within half precision; refuses twice', async () => {
  await initBackend('wasm');
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'dt-q16-')), 'm');
  const rng = new Rng(4);
  const model = createModel({ kind: 'dt-recall', dims: 1, width: 16, inChannels: 1, maxIters: 10, blocks: 2 }, () => rng.next());
  await saveCheckpoint(dir, model, { problem: 'prefix-sums' });
  const { before, after } = await quantizeCheckpointFloat16(dir);
  assert.equal(after * 2, before);
  assert.equal(statSync(path.join(dir, 'weights.bin')).size, after);
  const { model: back } = await loadCheckpoint(dir);
  const a = await model.exportWeights();
  const b = await back.exportWeights();
  let worst = 0;
  for (const [name, v] of a) {
    const w = b.get(name)!;
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i] - w[i]) / Math.max(Math.abs(v[i]), 2 ** -14));
  }
  assert.ok(worst > 0 && worst <= 2 ** -11, `relative error ${worst}`);
  await assert.rejects(quantizeCheckpointFloat16(dir), /not plain float32/);
  // A float16 bin under a float32 manifest (a crash between the two renames) is rejected by size, naming the file.
  const json = path.join(dir, 'model.json');
  const raw = JSON.parse(readFileSync(json, 'utf8'));
  for (const e of raw.weightsManifest) delete e.quantization;
  writeFileSync(json, JSON.stringify(raw));
  await assert.rejects(loadCheckpoint(dir), /weights\.bin: is \d+ bytes but the weightsManifest/);
  model.dispose();
  back.dispose();
});
