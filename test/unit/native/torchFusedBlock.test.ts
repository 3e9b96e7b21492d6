/**
 * The fused recurrent block (native/src/recur.cc through src/engine/models/fusedRecurrentBlock.ts): on the torch
 * backend one kernel each way, equal to the composition of tfjs ops on the cpu backend (the block's definition) in its
 * output and in every gradient (thought, x, each weight) within 1e-4 relative, 1-D and 2-D, with and without recall;
 * tensor counts stay flat; every backend without the kernels (cpu, wasm) runs the composition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../../src/engine/tf';
import { createModel } from '../../../src/engine/models/createModel';
import { applyRecurrentBlock } from '../../../src/engine/models/dtNet';
import { fusedRecurrentBlockAvailable, setFusedRecurrentBlock } from '../../../src/engine/models/fusedRecurrentBlock';
import { FUSED_BLOCK_GRAD_KERNEL, FUSED_BLOCK_KERNEL } from '../../../src/engine/fusedKernelNames';
import type { Architecture, ModelKind } from '../../../src/shared/architecture';
import type { TorchBackend } from '../../../src/engine/backends/torch';
import { Rng } from '../../../src/shared/rng';
import { skipReason, values } from './torchHarness';

interface Case {
  kind: ModelKind;
  dims: 1 | 2;
}
const CASES: Case[] = [
  { kind: 'dt-recall', dims: 1 },
  { kind: 'dt-recall', dims: 2 },
  { kind: 'dt', dims: 1 },
  { kind: 'dt', dims: 2 },
];

function archOf(c: Case): Architecture {
  return { kind: c.kind, dims: c.dims, width: 6, inChannels: c.dims === 2 ? 3 : 1, maxIters: 3, blocks: 2 };
}

/** One block application and the gradients of Σ y·r with respect to the thought, x and every recurrent weight. */
function blockAndGrads(arch: Architecture, init: Map<string, Float32Array>): { y: Float32Array; grads: Map<string, Float32Array> } {
  const model = createModel(arch, init);
  const spatial = arch.dims === 2 ? [5, 4] : [9];
  const n = 2;
  const thought = tf.tensor(values(n * spatial.reduce((a, b) => a * b, 1) * arch.width, 11, 0, 1), [n, ...spatial, arch.width]);
  const x = tf.tensor(values(n * spatial.reduce((a, b) => a * b, 1) * arch.inChannels, 12), [n, ...spatial, arch.inChannels]);
  const r = tf.tensor(values(thought.size, 13), thought.shape);
  const names = [...model.weights.keys()].filter((k) => k.startsWith('recur_block'));
  const weights = names.map((k) => model.weights.get(k)!);
  // Without recall x does not reach the output, and tf.grads refuses inputs that do not.
  const recall = arch.kind !== 'dt';
  const f = (...args: tf.Tensor[]) => {
    const [t, xi] = recall ? args : [args[0], x];
    const ws = args.slice(recall ? 2 : 1);
    const local = new Map(model.weights);
    names.forEach((k, i) => local.set(k, ws[i] as tf.Variable));
    return tf.sum(tf.mul(applyRecurrentBlock(arch, local, 'recur_block', t, xi), r));
  };
  const y = tf.tidy(() => applyRecurrentBlock(arch, model.weights, 'recur_block', thought, x));
  const profiled = tf.tidy(() => tf.grads(f)(recall ? [thought, x, ...weights] : [thought, ...weights]));
  const grads = new Map<string, Float32Array>();
  const inputs = recall ? ['thought', 'x', ...names] : ['thought', ...names];
  inputs.forEach((k, i) => grads.set(k, profiled[i].dataSync() as Float32Array));
  const out = { y: y.dataSync() as Float32Array, grads };
  tf.dispose([y, ...profiled, thought, x, r]);
  model.dispose();
  return out;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) (num += (a[i] - b[i]) ** 2), (den += b[i] ** 2);
  return Math.sqrt(num / Math.max(den, 1e-30));
}

test('the fused block gives the composition\'s output and gradients (1e-4 relative), 1-D and 2-D, with and without recall', { skip: skipReason }, async () => {
  await initBackend('torch');
  for (const c of CASES) {
    const arch = archOf(c);
    const rng = new Rng(c.dims * 7 + (c.kind === 'dt' ? 1 : 0));
    const seeded = createModel(arch, () => rng.next());
    const init = await seeded.exportWeights();
    seeded.dispose();
    await tf.setBackend('torch');
    assert.ok(fusedRecurrentBlockAvailable(), 'the torch backend has the fused kernels');
    const fused = blockAndGrads(arch, init);
    await tf.setBackend('cpu');
    assert.equal(fusedRecurrentBlockAvailable(), false, 'the cpu backend runs the composition');
    const composed = blockAndGrads(arch, init);
    await tf.setBackend('torch');
    const label = `${c.kind} ${c.dims}-D`;
    assert.ok(relErr(fused.y, composed.y) <= 1e-4, `${label} output: relative error ${relErr(fused.y, composed.y)}`);
    assert.equal(fused.grads.size, composed.grads.size);
    for (const [name, g] of composed.grads) {
      const e = relErr(fused.grads.get(name)!, g);
      assert.ok(e <= 1e-4, `${label} d/d${name}: relative error ${e}`);
      assert.ok(g.some((v) => v !== 0), `${label} d/d${name}: the reference gradient is all zeros`);
    }
  }
});

test('the torch backend runs the block as one kernel each way; the cpu backend and the switch-off run the composition', { skip: skipReason }, async () => {
  await initBackend('torch');
  const arch = archOf({ kind: 'dt-recall', dims: 2 });
  const rng = new Rng(3);
  const model = createModel(arch, () => rng.next());
  const kernelsOf = async () => {
    const thought = tf.tidy(() => tf.relu(tf.randomNormal([2, 5, 5, arch.width], 0, 1, 'float32', 1)));
    const x = tf.randomNormal([2, 5, 5, arch.inChannels], 0, 1, 'float32', 2);
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(applyRecurrentBlock(arch, model.weights, 'recur_block', thought, x)) as tf.Scalar);
      tf.dispose([value, ...Object.values(grads)]);
    });
    tf.dispose([thought, x]);
    return info.kernels.map((k) => k.name);
  };
  await tf.setBackend('torch');
  const fused = await kernelsOf();
  assert.equal(fused.filter((k) => k === FUSED_BLOCK_KERNEL).length, 1, `forward kernels: ${fused.join(' ')}`);
  assert.equal(fused.filter((k) => k === FUSED_BLOCK_GRAD_KERNEL).length, 1);
  assert.ok(!fused.includes('Conv2D') && !fused.includes('Conv2DBackpropFilter'), `no single conv kernels: ${fused.join(' ')}`);
  const previous = setFusedRecurrentBlock(false);
  try {
    const off = await kernelsOf();
    assert.ok(!off.includes(FUSED_BLOCK_KERNEL) && off.includes('Conv2D') && off.includes('Conv2DBackpropFilter'), `switched off: ${off.join(' ')}`);
  } finally {
    setFusedRecurrentBlock(previous);
  }
  await tf.setBackend('cpu');
  const cpu = await kernelsOf();
  assert.ok(!cpu.includes(FUSED_BLOCK_KERNEL) && cpu.includes('Conv2D'), `cpu: ${cpu.join(' ')}`);
  await tf.setBackend('torch');
  // Only the torch backend registers the kernels: wasm (and tfjs-node) keep the composition.
  assert.equal(tf.getKernel(FUSED_BLOCK_KERNEL, 'wasm'), undefined);
  assert.equal(fusedRecurrentBlockAvailable('wasm'), false);
  assert.equal(fusedRecurrentBlockAvailable('torch'), true);
  model.dispose();
});

test('fused training steps keep tensor counts (tfjs and native) flat', { skip: skipReason }, async () => {
  await initBackend('torch');
  await tf.setBackend('torch');
  const backend = tf.backend() as TorchBackend;
  for (const dims of [1, 2] as const) {
    const arch = archOf({ kind: 'dt-recall', dims });
    const rng = new Rng(dims);
    const model = createModel(arch, () => rng.next());
    const spatial = dims === 2 ? [6, 6] : [12];
    const x = tf.randomUniform([3, ...spatial, arch.inChannels], 0, 1, 'float32', 4);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const { logits } = model.forward(x, arch.maxIters);
        return tf.mean(tf.square(logits)) as tf.Scalar;
      });
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const counts = () => ({ tfjs: tf.memory().numTensors, native: backend.memory().nativeTensors });
    const before = counts();
    for (let i = 0; i < 3; i++) step();
    assert.deepEqual(counts(), before, `${dims}-D`);
    x.dispose();
    model.dispose();
  }
});
