import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../../src/engine/tf';
import { createModel } from '../../../../src/engine/models/createModel';
import { dtlExtraSpecs, normLayers } from '../../../../src/engine/models/dtL';
import { batchNormNames } from '../../../../src/engine/models/batchNorm';
import { Rng } from '../../../../src/shared/rng';
import { ProtoWriter } from '../../../../src/engine/tiles/protobuf';
import { exportOnnx } from '../../../../src/engine/tiles/onnxExport';
import { loadOrt, ortKernels } from '../../../../src/engine/tiles/ortBackend';
import { tfjsKernels } from '../../../../src/engine/tiles/tileKernels';

test('protobuf writer: varints, negative int64, floats, strings, packed and nested fields (wire format by hand)', () => {
  // field 1 varint 150 → 08 96 01 (the protobuf documentation's example)
  assert.deepEqual([...new ProtoWriter().int(1, 150).finish()], [0x08, 0x96, 0x01]);
  // field 2 string "hi" → 12 02 68 69
  assert.deepEqual([...new ProtoWriter().string(2, 'hi').finish()], [0x12, 0x02, 0x68, 0x69]);
  // -1 as int64 is ten bytes: ff ×9 then 01
  assert.deepEqual([...new ProtoWriter().int(1, -1).finish()], [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  // field 2 float 1.0 → 15 00 00 80 3f
  assert.deepEqual([...new ProtoWriter().float(2, 1).finish()], [0x15, 0x00, 0x00, 0x80, 0x3f]);
  // packed [3, 270] in field 4 → 22 03 03 8e 02
  assert.deepEqual([...new ProtoWriter().packedInts(4, [3, 270]).finish()], [0x22, 0x03, 0x03, 0x8e, 0x02]);
  // nested message field 3 {field 1 = 150} → 1a 03 08 96 01
  assert.deepEqual([...new ProtoWriter().message(3, new ProtoWriter().int(1, 150)).finish()], [0x1a, 0x03, 0x08, 0x96, 0x01]);
});

test('exportOnnx rejects what it cannot express, naming the problem', () => {
  const oneD = { kind: 'dt-recall' as const, dims: 1 as const, width: 4, inChannels: 1, maxIters: 3, blocks: 2 };
  assert.throws(() => exportOnnx(oneD, new Map(), 'step'), /2-D nets only/);
  assert.throws(() => exportOnnx({ ...oneD, dims: 2, kind: 'feedforward' }, new Map(), 'step'), /tied/);
  const arch = { kind: 'dt-recall' as const, dims: 2 as const, width: 4, inChannels: 3, maxIters: 3, blocks: 2 };
  assert.throws(() => exportOnnx(arch, new Map(), 'step'), /missing weight "recur_block.0.weight"/);
});

test('onnxruntime-node runs the exported graphs and matches tfjs (recall, no-recall and DT-L nets, DT-L with batch norm)', async (t) => {
  if (!loadOrt().ort) return t.skip(loadOrt().error);
  await initBackend('wasm');
  const rng = new Rng(7);
  const randomVector = (length: number, lo: number, hi: number) => Float32Array.from({ length }, () => lo + rng.next() * (hi - lo));
  for (const [kind, batchNorm] of [['dt-recall', false], ['dt', false], ['dt-l', false], ['dt-l', true]] as const) {
    const arch = { kind, dims: 2 as const, width: 6, inChannels: 3, maxIters: 30, blocks: 2, ...(batchNorm ? { batchNorm } : {}) };
    const net = createModel(arch, () => rng.next());
    // DT-L's recall bias and mixing weights start at 0, and a fresh batch norm is the identity on standardised
    // values: give them all other values, so the graph's use of each is checked.
    if (kind === 'dt-l') for (const { name, shape } of dtlExtraSpecs(arch)) net.weights.get(name)!.assign(tf.tensor(randomVector(shape[0], -1, 1), shape));
    for (const { prefix, channels } of normLayers(arch)) {
      const n = batchNormNames(prefix);
      net.weights.get(n.gamma)!.assign(tf.tensor1d(randomVector(channels, 0.5, 2)));
      net.weights.get(n.beta)!.assign(tf.tensor1d(randomVector(channels, -1, 1)));
      net.buffers.get(n.runningMean)!.assign(tf.tensor1d(randomVector(channels, -1, 1)));
      net.buffers.get(n.runningVar)!.assign(tf.tensor1d(randomVector(channels, 0.2, 3)));
    }
    const a = tfjsKernels(net);
    const b = await ortKernels(net, { threads: 1 });
    // two different shapes through the same sessions: the graphs' N, H, W are symbolic
    for (const [n, h, w] of [[2, 9, 7], [1, 4, 13]]) {
      const x = Float32Array.from({ length: n * h * w * 3 }, () => rng.next());
      const th = Float32Array.from({ length: n * h * w * 6 }, () => rng.next());
      const close = (p: Float32Array, q: Float32Array, what: string) => {
        assert.equal(p.length, q.length, what);
        for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - q[i]) < 1e-5, `${kind}${batchNorm ? ' + batch norm' : ''} ${what}[${i}]: ${p[i]} vs ${q[i]}`);
      };
      close(await a.project(x, n, h, w), await b.project(x, n, h, w), 'project');
      close(await a.step(th, x, n, h, w), await b.step(th, x, n, h, w), 'step');
      close(await a.head(th, n, h, w), await b.head(th, n, h, w), 'head');
    }
    b.dispose();
    net.dispose();
  }
});
