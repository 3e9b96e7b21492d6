// Validation of what the panels' webviews send (untrusted input), and the sidebar's pure curve helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Messenger, type Envelope } from '../../../../src/shared/protocol/messenger';
import { validateChessMessage } from '../../../../src/shared/protocol/webview/chess';
import { toModelOption } from '../../../../src/shared/protocol/webview/common';
import { validatePrefixSumsMessage, type PrefixSumsFromWebview, type PrefixSumsToWebview } from '../../../../src/shared/protocol/webview/prefixSums';
import {
  alignCurves,
  applyEvaluateProgress,
  iterationGrid,
  storedCurves,
  validateSidebarMessage,
  type CurveSet,
} from '../../../../src/shared/protocol/webview/sidebar';
import type { ModelSummary } from '../../../../src/shared/protocol/engine';

const solve = { slot: 0, runId: 1, model: 'bundled:ps', bits: '01101001', iterations: 30 };

test('prefix sums: a well-formed solve passes; each bad field is named', () => {
  assert.equal(validatePrefixSumsMessage('solve', solve), undefined);
  assert.equal(validatePrefixSumsMessage('solve', { ...solve, iterations: 'auto' }), undefined);
  assert.match(validatePrefixSumsMessage('solve', { ...solve, slot: 2 })!, /solve\.slot: expected one of 0, 1/);
  assert.match(validatePrefixSumsMessage('solve', { ...solve, bits: '0110' })!, /solve\.bits: expected 8…4096 bits, got 4/);
  assert.match(validatePrefixSumsMessage('solve', { ...solve, bits: '0110x001' })!, /solve\.bits: column 5: expected '0' or '1', found "x"/);
  assert.match(validatePrefixSumsMessage('solve', { ...solve, bits: '1'.repeat(4097) })!, /got 4097/);
  assert.match(validatePrefixSumsMessage('solve', { ...solve, iterations: 0 })!, /solve\.iterations: expected an integer in 1…2000/);
  assert.match(validatePrefixSumsMessage('solve', { ...solve, iterations: 2.5 })!, /iterations/);
  assert.match(validatePrefixSumsMessage('solve', { ...solve, model: 42 })!, /solve\.model: expected a string/);
  assert.match(validatePrefixSumsMessage('solve', { slot: 0 })!, /missing field "runId"/);
  assert.match(validatePrefixSumsMessage('solve', null)!, /expected an object/);
  assert.match(validatePrefixSumsMessage('cancel', { slot: '0' })!, /cancel\.slot/);
  assert.match(validatePrefixSumsMessage('runShell', {})!, /unknown message type "runShell"/);
  assert.match(validatePrefixSumsMessage('__proto__', {})!, /unknown message type/);
});

test('chess: puzzle ids are restricted to Lichess id characters', () => {
  const ok = { runId: 3, puzzleId: '01ig0', model: 'm', iterations: 'auto' };
  assert.equal(validateChessMessage('solve', ok), undefined);
  assert.match(validateChessMessage('solve', { ...ok, puzzleId: '../../etc' })!, /solve\.puzzleId: does not match/);
  assert.match(validateChessMessage('solve', { ...ok, runId: -1 })!, /solve\.runId/);
  assert.equal(validateChessMessage('pickCsv', {}), undefined);
  assert.match(validateChessMessage('pickCsv', 'x')!, /pickCsv: expected an object/);
});

test('sidebar: select needs a known problem and a string spec; evaluate may omit the problem', () => {
  assert.equal(validateSidebarMessage('select', { problem: 'mazes', spec: 's' }), undefined);
  assert.match(validateSidebarMessage('select', { problem: 'go', spec: 's' })!, /select\.problem: unknown problem "go"/);
  assert.equal(validateSidebarMessage('evaluate', {}), undefined);
  assert.match(validateSidebarMessage('evaluate', { problem: 1 })!, /unknown problem/);
  assert.match(validateSidebarMessage('cancelEval', { evalId: 'x'.repeat(200) })!, /longer than 128/);
});

test('a Messenger with the validator answers a bad request with an error and never calls the handler', async () => {
  const sent: Envelope[] = [];
  const host = new Messenger<PrefixSumsFromWebview, PrefixSumsToWebview>((m) => sent.push(m), validatePrefixSumsMessage);
  let called = 0;
  host.onRequest('solve', () => {
    called++;
    return { slot: 0, runId: 1, model: 'm', iterations: 1, correct: true, cancelled: false, ms: 1 };
  });
  const err = await host.handle({ kind: 'request', id: 7, type: 'solve', params: { ...solve, bits: 'nope' } });
  assert.match(err!, /bits/);
  assert.equal(called, 0);
  assert.deepEqual(sent[0], { kind: 'response', id: 7, ok: false, error: err });
  await host.handle({ kind: 'request', id: 8, type: 'solve', params: solve });
  assert.equal(called, 1);
  assert.equal((sent[1] as { ok: boolean }).ok, true);
});

const summary = (metrics: ModelSummary['metrics']): ModelSummary => ({
  spec: 's',
  name: 'n',
  source: 'bundled',
  problem: 'mazes',
  architecture: { kind: 'dt-recall', dims: 2, width: 32, inChannels: 3, maxIters: 30, blocks: 2 },
  metrics,
});

test('storedCurves reads accuracyPerIteration, numeric sizes first, skipping junk', () => {
  const curves = storedCurves(summary({ accuracyPerIteration: { 33: [0.1, 0.5], 9: [0.5, 1], test: [0.2], bad: 'x' as unknown as number[], empty: [] } }));
  assert.deepEqual(
    curves.map((c) => c.size),
    ['9', '33', 'test'],
  );
  assert.deepEqual(curves[0], { size: '9', iterations: [1, 2], accuracy: [0.5, 1] });
  // Chess rating bands (eval --record --min-rating/--max-rating) order by rating, not as strings.
  const bands = storedCurves(summary({ accuracyPerIteration: { '2000+': [0.1], '400-800': [0.5], '1200-1600': [0.3], test: [0.2] } }));
  assert.deepEqual(bands.map((c) => c.size), ['400-800', '1200-1600', '2000+', 'test']);
  // Non-finite entries drop out but keep their iteration numbers for the rest.
  assert.deepEqual(storedCurves(summary({ accuracyPerIteration: { 9: [0.1, null as unknown as number, 0.3] } }))[0], {
    size: '9',
    iterations: [1, 3],
    accuracy: [0.1, 0.3],
  });
  assert.deepEqual(storedCurves(summary(undefined)), []);
});

test('alignCurves puts curves on the union of their iterations, null where missing', () => {
  const [xs, a, b] = alignCurves([
    { iterations: [1, 2, 4], accuracy: [0.1, 0.2, 0.4] },
    { iterations: [2, 3], accuracy: [0.5, 0.6] },
  ]);
  assert.deepEqual(xs, [1, 2, 3, 4]);
  assert.deepEqual(a, [0.1, 0.2, null, 0.4]);
  assert.deepEqual(b, [null, 0.5, 0.6, null]);
});

test('applyEvaluateProgress replaces the curve of the reported size and keeps sizes sorted', () => {
  const set: CurveSet = { key: 'eval:e', origin: 'eval', problem: 'mazes', model: 'm', modelName: 'm', kind: 'dt', curves: [], done: 0, total: 10 };
  const s1 = applyEvaluateProgress(set, { done: 3, total: 10, curve: { size: 33, iterations: [1], accuracy: [0.1] } });
  const s2 = applyEvaluateProgress(s1, { done: 6, total: 10, curve: { size: 9, iterations: [1, 2], accuracy: [0.2, 0.3] } });
  const s3 = applyEvaluateProgress(s2, { done: 8, total: 10, curve: { size: 33, iterations: [1, 2], accuracy: [0.1, 0.15] } });
  assert.deepEqual(
    s3.curves.map((c) => [c.size, c.accuracy]),
    [
      ['9', [0.2, 0.3]],
      ['33', [0.1, 0.15]],
    ],
  );
  assert.equal(s3.done, 8);
  assert.equal(set.curves.length, 0, 'the input is not mutated');
  assert.deepEqual(iterationGrid(3), [1, 2, 3]);
  assert.throws(() => iterationGrid(0), /positive integer/);
});

test('toModelOption keeps what a panel shows', () => {
  assert.deepEqual(toModelOption(summary(undefined)), { spec: 's', name: 'n', problem: 'mazes', kind: 'dt-recall', source: 'bundled', width: 32, maxIters: 30, parameters: undefined });
});
