import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thinHistory } from '../../../src/extension/history';
import { pickDefaultModel } from '../../../src/extension/modelChoice';
import { isCancellation, isConnectionLost } from '../../../src/extension/engineErrors';
import type { ModelSummary } from '../../../src/shared/protocol/engine';

test('thinHistory bounds the length, keeps the first point and the newest half', () => {
  const pts = Array.from({ length: 1000 }, (_, i) => i);
  const out = thinHistory(pts, 300);
  assert.ok(out.length <= 300);
  assert.equal(out[0], 0);
  assert.equal(out[out.length - 1], 999);
  for (let i = 1; i < out.length; i++) assert.ok(out[i] > out[i - 1]);
  assert.deepEqual(thinHistory([1, 2, 3], 10), [1, 2, 3]);
});

const model = (spec: string, problem: ModelSummary['problem'], source: ModelSummary['source'], createdAt?: string): ModelSummary => ({
  spec,
  name: spec,
  source,
  problem,
  architecture: { kind: 'dt-recall', dims: 2, width: 32, inChannels: 3, maxIters: 30, blocks: 2 },
  createdAt,
});

test('model choice: the user choice, else bundled, else imported, else the newest run', () => {
  const ms = [
    model('run-old', 'mazes', 'workspace', '2024-01-01'),
    model('run-new', 'mazes', 'workspace', '2024-02-01'),
    model('imp', 'mazes', 'imported'),
    model('bundled-ps', 'prefix-sums', 'bundled'),
  ];
  assert.equal(pickDefaultModel(ms, 'mazes', 'run-old')?.spec, 'run-old');
  assert.equal(pickDefaultModel(ms, 'mazes', 'deleted')?.spec, 'imp');
  assert.equal(pickDefaultModel(ms.filter((m) => m.source !== 'imported'), 'mazes')?.spec, 'run-new');
  assert.equal(pickDefaultModel([...ms, model('b', 'mazes', 'bundled')], 'mazes')?.spec, 'b');
  assert.equal(pickDefaultModel(ms, 'chess'), undefined);
  // Bundled baselines (trained after the recall model) never become the one-click default.
  const ff = { ...model('b-ff', 'mazes', 'bundled', '2026-12-01'), architecture: { ...model('x', 'mazes', 'bundled').architecture, kind: 'feedforward' as const } };
  const dt = { ...model('b-dt', 'mazes', 'bundled', '2026-12-02'), architecture: { ...model('x', 'mazes', 'bundled').architecture, kind: 'dt' as const } };
  assert.equal(pickDefaultModel([ff, dt, model('b', 'mazes', 'bundled', '2026-01-01')], 'mazes')?.spec, 'b');
  assert.equal(pickDefaultModel([ff, dt], 'mazes')?.spec, 'b-dt');
  // A choice for another problem is ignored.
  assert.equal(pickDefaultModel(ms, 'prefix-sums', 'run-old')?.spec, 'bundled-ps');
});

test('engine errors: a lost connection is told apart from a failed request', () => {
  assert.equal(isConnectionLost({ code: -32097, message: 'Pending response rejected since connection got disposed' }), true);
  assert.equal(isConnectionLost({ code: -32096, message: 'Client is not running' }), true);
  assert.equal(isConnectionLost({ code: -32603, message: 'model "x" not found' }), false);
  assert.equal(isConnectionLost(undefined), false);
  assert.equal(isCancellation({ code: -32800 }), true);
  assert.equal(isCancellation(new Error('x')), false);
});
