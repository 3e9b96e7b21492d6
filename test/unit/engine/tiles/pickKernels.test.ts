import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../src/engine/tf';
import { DTNet } from '../../../../src/engine/models/dtNet';
import { Rng } from '../../../../src/shared/rng';
import { pickKernels } from '../../../../src/engine/tiles/pickKernels';
import { loadOrt } from '../../../../src/engine/tiles/ortBackend';

test('pickKernels: named engines, measured choice among the available ones, and a clear error otherwise', async () => {
  await initBackend('wasm');
  const rng = new Rng(2);
  const net = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 30, blocks: 2 }, () => rng.next());
  const lines: string[] = [];
  const t = await pickKernels(net, { engine: 'tfjs', log: (l) => lines.push(l) });
  assert.equal(t.kernels.name, 'tfjs-wasm');
  assert.match(lines[0], /thinking engine: tfjs-wasm \(requested\)/);

  const auto = await pickKernels(net, { engine: 'auto', patch: 12, batch: 1, log: (l) => lines.push(l) });
  const names = Object.keys(auto.timings);
  assert.ok(names.includes('tfjs-wasm'));
  assert.equal(names.length, loadOrt().ort ? 2 : 1, 'onnxruntime-node is a candidate exactly when it loads');
  assert.equal(auto.timings[auto.kernels.name], Math.min(...Object.values(auto.timings)), 'the fastest one wins');
  assert.match(lines[1], /fastest of/);
  // the decision is cached for nets of the same shape
  const again = await pickKernels(net, { engine: 'auto', log: (l) => lines.push(l) });
  assert.equal(again.kernels.name, auto.kernels.name);
  assert.match(lines[2], /measured earlier in this process/);
  auto.kernels.dispose();
  again.kernels.dispose();

  if (!loadOrt().ort) await assert.rejects(pickKernels(net, { engine: 'ort' }), /onnxruntime-node is not available/);
  await assert.rejects(pickKernels(net, { engine: 'gpu' as never }), /unknown thinking engine "gpu"/);
  net.dispose();
});
