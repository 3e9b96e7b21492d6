// Host → page messages are checked by every page before they reach a renderer (as the maze editor does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateChessHostMessage } from '../../../../src/shared/protocol/webview/chess';
import { validatePrefixSumsHostMessage } from '../../../../src/shared/protocol/webview/prefixSums';
import { validateSidebarHostMessage } from '../../../../src/shared/protocol/webview/sidebar';

const model = { spec: 'mazes', name: 'mazes', problem: 'mazes', kind: 'dt-recall', source: 'bundled', width: 32, maxIters: 30 };

test('protocol: chess page accepts well-formed host messages and names the bad field of malformed ones', () => {
  const set = { source: 's.csv', puzzles: [{ id: 'a', fen: '8/8/8/8/8/8/8/8 w - - 0 1', lastMove: 'e2e4', solution: 'e7e5', solutionSan: 'e5', rating: 1500, themes: ['x'] }], skipped: [], skippedCount: 0 };
  assert.equal(validateChessHostMessage('init', { models: [model], selected: 'mazes', set }), undefined);
  assert.equal(validateChessHostMessage('frame', { runId: 1, iteration: 2, probs: new Uint8Array(64), confidence: 0.5 }), undefined);
  assert.match(validateChessHostMessage('puzzles', { ...set, puzzles: [{ ...set.puzzles[0], rating: 'high' }] })!, /puzzles\.puzzles\[0\]\.rating: expected a number/);
  assert.match(validateChessHostMessage('models', { models: 'all', selected: '' })!, /models\.models: expected an array/);
  assert.match(validateChessHostMessage('evil', {})!, /unknown message type "evil"/);
});

test('protocol: prefix-sums page checks slots and frames', () => {
  assert.equal(validatePrefixSumsHostMessage('frame', { slot: 1, runId: 3, iteration: 4, probs: new Uint8Array(8), confidence: 1 }), undefined);
  assert.match(validatePrefixSumsHostMessage('frame', { slot: 2, runId: 3, iteration: 4, probs: new Uint8Array(8), confidence: 1 })!, /frame\.slot: expected one of 0, 1/);
  assert.match(validatePrefixSumsHostMessage('init', { models: [{ ...model, problem: 'sudoku' }], selected: '' })!, /init\.models\[0\]\.problem: unknown problem "sudoku"/);
});

test('protocol: sidebar page checks snapshots, progress and curves', () => {
  assert.equal(validateSidebarHostMessage('snapshot', { models: [model], selected: {}, runs: [], curves: [] }), undefined);
  assert.match(validateSidebarHostMessage('snapshot', { models: [model], selected: {}, runs: [] })!, /snapshot: missing field "curves"/);
  assert.match(validateSidebarHostMessage('trainProgress', { runId: 'r', epoch: '1' })!, /trainProgress\.epoch: expected a number/);
  assert.match(validateSidebarHostMessage('curves', { key: 'k', origin: 'elsewhere' })!, /curves\.origin: expected one of "stored", "eval"/);
});
