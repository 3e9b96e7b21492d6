/** DT-L: the contractive recurrent block, its checkpoints, and that the other nets are untouched by it. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend } from '../../../../src/engine/tf';
import { Rng } from '../../../../src/shared/rng';
import { validateArchitecture, type Architecture } from '../../../../src/shared/architecture';
import { architectureOf, resolveTrainConfig } from '../../../../src/engine/train/trainConfig';
import { createModel } from '../../../../src/engine/models/createModel';
import { DTLNet, DTL_CONTRACTION, dtlExtraSpecs, spectralNorm } from '../../../../src/engine/models/dtL';
import { loadCheckpoint, saveCheckpoint } from '../../../../src/engine/checkpoint/store';
import { exportOnnx } from '../../../../src/engine/tiles/onnxExport';

before(async () => {
  await initBackend('wasm');
});

function randomTensor(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale), shape);
}

function norm(t: tf.Tensor): number {
  return tf.tidy(() => Math.sqrt(tf.sum(tf.square(t)).dataSync()[0]));
}

test('spectralNorm: matches the largest singular value of a matrix with known singular values', () => {
  // M = diag(3, 2, 0.5) rotated by an orthogonal Householder matrix on each side keeps σ = 3.
  const rows = 3;
  const cols = 3;
  const h = (v: number[]) => {
    const n2 = v.reduce((a, b) => a + b * b, 0);
    return v.map((a, i) => v.map((b, j) => (i === j ? 1 : 0) - (2 * a * b) / n2));
  };
  const P = h([1, 2, 3]);
  const Q = h([-2, 1, 0.5]);
  const D = [3, 2, 0.5];
  const m = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) for (let k = 0; k < 3; k++) m[i * cols + j] += P[i][k] * D[k] * Q[k][j];
  const { sigma } = spectralNorm(m, rows, cols);
  assert.ok(Math.abs(sigma - 3) < 1e-4, `σ = ${sigma}`);
});

for (const dims of [1, 2] as const) {
  test(`DT-L ${dims}-D, operator norm: ‖f(φ) − f(ψ)‖ ≤ ${DTL_CONTRACTION}·‖φ − ψ‖ on random pairs, where DT-recall with the same weights expands`, () => {
    const arch: Architecture = { kind: 'dt-l', dims, width: 8, inChannels: dims === 2 ? 3 : 1, maxIters: 5, blocks: 2, spectralNorm: 'operator' };
    const rng = new Rng(21 + dims);
    // Large weights: the plain DT-recall block with them expands distances; DT-L must still contract.
    const net = createModel(arch, () => rng.next() * 4 - 2) as DTLNet;
    // The recall bias and the mixing weights start at 0; the bound must hold for any values they learn.
    for (const { name, shape } of dtlExtraSpecs(arch)) net.weights.get(name)!.assign(randomTensor(rng, shape, 6));
    const recall = createModel({ ...arch, kind: 'dt-recall' }, new Map([...net.weights].map(([k, v]) => [k, v.dataSync() as Float32Array])));
    const spatial = dims === 2 ? [2, 9, 7] : [2, 17];
    let worstRatio = 0;
    let recallMax = 0;
    for (let trial = 0; trial < 40; trial++) {
      const x = randomTensor(rng, [...spatial, arch.inChannels]);
      const a = randomTensor(rng, [...spatial, arch.width], 3);
      // Near pairs and far pairs: the bound must hold at every scale.
      const b = tf.add(a, randomTensor(rng, [...spatial, arch.width], trial % 2 ? 0.01 : 3));
      const d = norm(tf.sub(a, b));
      const ratio = norm(tf.sub(net.step(a, x, 0), net.step(b, x, 0))) / d;
      const recallRatio = norm(tf.sub(recall.step(a, x, 0), recall.step(b, x, 0))) / d;
      worstRatio = Math.max(worstRatio, ratio);
      recallMax = Math.max(recallMax, recallRatio);
      tf.dispose([x, a, b]);
    }
    assert.ok(worstRatio <= DTL_CONTRACTION + 1e-5, `DT-L Lipschitz ratio ${worstRatio}`);
    assert.ok(worstRatio > 0, 'the block is not constant');
    assert.ok(recallMax > 1, `the unconstrained block with these weights expands (ratio ${recallMax}), so the test can fail`);
    // A contraction converges: iterating from two different states brings them together.
    const x = randomTensor(rng, [...spatial, arch.inChannels]);
    let p = randomTensor(rng, [...spatial, arch.width], 5);
    let q = randomTensor(rng, [...spatial, arch.width], 5);
    const d0 = norm(tf.sub(p, q));
    for (let i = 0; i < 30; i++) [p, q] = [net.step(p, x, i), net.step(q, x, i)];
    assert.ok(norm(tf.sub(p, q)) <= DTL_CONTRACTION ** 30 * d0 + 1e-4, 'two states converge geometrically');
    tf.dispose([x, p, q]);
    net.dispose();
    recall.dispose();
  });
}

test('DT-L: the Lipschitz bound holds after training steps change the weights (σ is recomputed per weight version)', async () => {
  const arch: Architecture = { kind: 'dt-l', dims: 1, width: 6, inChannels: 1, maxIters: 4, blocks: 1 };
  const rng = new Rng(5);
  const net = createModel(arch, () => rng.next()) as DTLNet;
  const name = 'recur_block.0.weight';
  const before = net.normalisedKernel(name);
  const w = net.weights.get(name)!;
  w.assign(tf.mul(w, 7)); // a bigger kernel: the normalised one must not change (W/σ(W) is scale-free)
  const after = net.normalisedKernel(name);
  assert.ok(norm(tf.sub(before, after)) < 1e-4 * norm(before), 'normalised kernel is invariant to scaling the raw weight');
  tf.dispose([before, after]);
  net.dispose();
});

test('DT-L: kernels made once per weight version and tape: steps match a fresh net after weight changes, gradients match finite differences, no tensors leak', () => {
  const arch: Architecture = { kind: 'dt-l', dims: 2, width: 4, inChannels: 3, maxIters: 3, blocks: 1 };
  const rng = new Rng(17);
  const net = createModel(arch, () => rng.next() * 2 - 1) as DTLNet;
  for (const { name, shape } of dtlExtraSpecs(arch)) net.weights.get(name)!.assign(randomTensor(rng, shape, 0.5));
  const x = randomTensor(rng, [1, 5, 5, 3]);
  const fresh = () => createModel(arch, new Map([...net.weights].map(([k, v]) => [k, v.dataSync() as Float32Array])));
  const loss = (m: typeof net | ReturnType<typeof fresh>) => tf.tidy(() => tf.sum(tf.square(m.forward(x, 3).thought)).dataSync()[0]);
  const name = 'recur_block.1.0.conv1.weight';
  const w = net.weights.get(name)!;
  // A forward outside any tape, then one under a tape (whose kernels must be its own, or no gradient reaches W),
  // then outside again (the tape's backward pass frees what it saved).
  loss(net);
  const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(net.forward(x, 3).thought)) as tf.Scalar);
  const g = grads[w.name].dataSync() as Float32Array;
  const f0 = value.dataSync()[0];
  assert.ok(Math.abs(loss(net) - f0) < 1e-4 * Math.abs(f0), 'forward outside the tape agrees with the one under it');
  // Central differences on the largest gradient entries: the memoised kernel must carry every iteration's gradient.
  const values = w.dataSync() as Float32Array;
  const biggest = [...g.keys()].sort((a, b) => Math.abs(g[b]) - Math.abs(g[a])).slice(0, 3);
  for (const i of biggest) {
    const eps = 1e-2;
    const probe = (delta: number) => {
      const v = Float32Array.from(values);
      v[i] += delta;
      w.assign(tf.tensor(v, w.shape));
      return loss(net);
    };
    const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
    w.assign(tf.tensor(values, w.shape));
    assert.ok(Math.abs(numeric - g[i]) < 0.05 * Math.abs(g[i]) + 1e-3, `${name}[${i}]: tape ${g[i]}, finite difference ${numeric}`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  // After a weight change the memo is stale: a net built fresh from the new weights must give the same state.
  w.assign(tf.mul(w, -0.5));
  const other = fresh();
  assert.ok(Math.abs(loss(net) - loss(other)) < 1e-5 * Math.abs(loss(other)), 'same state as a fresh net after the weights change');
  other.dispose();
  // Repeated tapes and forwards keep the tensor count flat.
  const count = () => {
    const r = tf.variableGrads(() => tf.sum(tf.square(net.forward(x, 3).thought)) as tf.Scalar);
    tf.dispose([r.value, ...Object.values(r.grads)]);
    loss(net);
    return tf.memory().numTensors;
  };
  const first = count();
  for (let i = 0; i < 5; i++) count();
  assert.equal(count(), first, 'no tensors leak per training step');
  x.dispose();
  net.dispose();
});

test('DT-L: checkpoint round trip keeps the kind and the outputs; dt-recall checkpoints and onnx export are unchanged', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtl-'));
  try {
    const arch: Architecture = { kind: 'dt-l', dims: 2, width: 4, inChannels: 3, maxIters: 3, blocks: 1 };
    const rng = new Rng(9);
    const net = createModel(arch, () => rng.next());
    const x = randomTensor(rng, [1, 5, 5, 3]);
    const out1 = net.forward(x, 6).logits;
    await saveCheckpoint(path.join(dir, 'dtl'), net, { problem: 'mazes' });
    const { model, meta } = await loadCheckpoint(path.join(dir, 'dtl'));
    assert.equal(meta.architecture.kind, 'dt-l');
    assert.ok(model instanceof DTLNet, 'loads as a DT-L net');
    const out2 = model.forward(x, 6).logits;
    assert.ok(norm(tf.sub(out1, out2)) < 1e-5, 'same logits after the round trip');
    // The same weights as a dt-recall checkpoint load as the plain net, with different outputs.
    const weights = await net.exportWeights();
    const plain = createModel({ ...arch, kind: 'dt-recall' }, weights);
    await saveCheckpoint(path.join(dir, 'plain'), plain, { problem: 'mazes' });
    const back = await loadCheckpoint(path.join(dir, 'plain'));
    assert.equal(back.meta.architecture.kind, 'dt-recall');
    assert.ok(!(back.model instanceof DTLNet));
    const out3 = back.model.forward(x, 6).logits;
    assert.ok(norm(tf.sub(out3, plain.forward(x, 6).logits)) < 1e-6);
    assert.ok(norm(tf.sub(out3, out1)) > 1e-3, 'DT-L and DT-recall differ on the same weights');
    assert.ok(exportOnnx(plain.arch, weights, 'step').length > 0, 'dt-recall still exports to onnx');
    assert.ok(exportOnnx(arch, await net.inferenceWeights(), 'step').length > 0, 'dt-l exports its step with the normalised kernels');
    const withoutExtras = new Map([...weights].filter(([name]) => !dtlExtraSpecs(arch).some((s) => s.name === name)));
    assert.throws(() => exportOnnx(arch, withoutExtras, 'step'), /missing weight "recur_block.0.bias"/);
    tf.dispose([x, out1, out2, out3]);
    for (const m of [net, model, plain, back.model]) m.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DT-L: a fresh net starts with no recall bias and t = ½, and training reaches the bias and the mixing weights', () => {
  const arch: Architecture = { kind: 'dt-l', dims: 1, width: 6, inChannels: 1, maxIters: 4, blocks: 2 };
  const rng = new Rng(3);
  const net = createModel(arch, () => rng.next() * 2 - 1) as DTLNet;
  const extras = dtlExtraSpecs(arch).map((s) => s.name);
  assert.deepEqual(extras, ['recur_block.0.bias', 'recur_block.2.0.mix', 'recur_block.2.1.mix']);
  for (const name of extras) assert.ok(net.weights.get(name)!.dataSync().every((v) => v === 0), `${name} starts at 0`);
  const x = randomTensor(rng, [2, 9, 1]);
  // The loss is on the state, so the check does not hinge on the head passing a gradient at this init.
  const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(net.forward(x, 4).thought)) as tf.Scalar);
  for (const name of extras) {
    const g = grads[net.weights.get(name)!.name];
    assert.ok(g && norm(g) > 0, `${name} gets a gradient`);
  }
  tf.dispose([x, value, ...Object.values(grads)]);
  net.dispose();
});

for (const dims of [1, 2] as const) {
  test(`DT-L ${dims}-D, matrix norm (the default): every normalised recurrent kernel has σ = 1 (recall: ${DTL_CONTRACTION}), and is √taps times the operator-norm kernel`, () => {
    const base: Architecture = { kind: 'dt-l', dims, width: 6, inChannels: dims === 2 ? 3 : 1, maxIters: 4, blocks: 2 };
    const rng = new Rng(40 + dims);
    const net = createModel(base, () => rng.next() * 4 - 2) as DTLNet;
    const strict = createModel({ ...base, spectralNorm: 'operator' }, new Map([...net.weights].map(([k, v]) => [k, v.dataSync() as Float32Array]))) as DTLNet;
    const taps = dims === 2 ? 9 : 3;
    for (const name of net.recurrentWeightNames()) {
      const k = net.normalisedKernel(name, name === 'recur_block.0.weight' ? DTL_CONTRACTION : 1);
      const cols = k.shape[k.shape.length - 1];
      const { sigma } = spectralNorm(k.dataSync() as Float32Array, k.size / cols, cols);
      const want = name === 'recur_block.0.weight' ? DTL_CONTRACTION : 1;
      assert.ok(Math.abs(sigma - want) < 1e-3, `${name}: σ = ${sigma}, want ${want}`);
      const ks = strict.normalisedKernel(name, name === 'recur_block.0.weight' ? DTL_CONTRACTION : 1);
      assert.ok(norm(tf.sub(k, tf.mul(ks, Math.sqrt(taps)))) < 1e-4 * norm(k), `${name}: matrix = √${taps} · operator`);
      tf.dispose([k, ks]);
    }
    net.dispose();
    strict.dispose();
  });
}

test('spectralNorm field: only dt-l has it, only matrix or operator, and a training config gives dt-l the matrix default', () => {
  const arch = { kind: 'dt-l', dims: 1, width: 4, inChannels: 1, maxIters: 3, blocks: 1 };
  assert.doesNotThrow(() => validateArchitecture({ ...arch, spectralNorm: 'operator' }, 'm.json'));
  assert.throws(() => validateArchitecture({ ...arch, spectralNorm: 'frobenius' }, 'm.json'), /m\.json: invalid architecture: spectralNorm must be one of matrix, operator, got "frobenius"/);
  assert.throws(() => validateArchitecture({ ...arch, kind: 'dt-recall', spectralNorm: 'matrix' }, 'm.json'), /spectralNorm applies to dt-l only, not dt-recall/);
  assert.equal(architectureOf(resolveTrainConfig({ problem: 'prefix-sums', model: 'dt-l' })).spectralNorm, 'matrix');
  assert.equal(architectureOf(resolveTrainConfig({ problem: 'prefix-sums', model: 'dt-l', spectralNorm: 'operator' })).spectralNorm, 'operator');
  assert.equal(architectureOf(resolveTrainConfig({ problem: 'prefix-sums' })).spectralNorm, undefined);
  assert.throws(() => resolveTrainConfig({ problem: 'prefix-sums', spectralNorm: 'operator' }), /spectralNorm applies to dt-l only, not dt-recall/);
});
