// SolveSessions routes the engine's streamed frames to the run of each panel slot and never lets a stale run's
// frames reach a new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CancellationToken } from 'vscode-jsonrpc';
import { SolveFrameNotification, SolveRequest, type SolveFrame, type SolveParams, type SolveResult } from '../../../src/shared/protocol/engine';
import type { EngineApi } from '../../../src/extension/deps';
import { decodeProbs, SolveSessions } from '../../../src/extension/solveSessions';

interface Call {
  params: SolveParams;
  token: CancellationToken;
  resolve: (r: SolveResult) => void;
  reject: (e: Error) => void;
}

function fakeEngine() {
  const calls: Call[] = [];
  let frameHandler: ((f: SolveFrame) => void) | undefined;
  let disposed = false;
  const engine = {
    request: (type: { method: string }, params: SolveParams, token: CancellationToken) => {
      assert.equal(type.method, SolveRequest.method);
      return new Promise<SolveResult>((resolve, reject) => calls.push({ params, token, resolve, reject }));
    },
    onNotification: (type: { method: string }, handler: (f: SolveFrame) => void) => {
      assert.equal(type.method, SolveFrameNotification.method);
      frameHandler = handler;
      return { dispose: () => (disposed = true) };
    },
    ready: async () => undefined,
    onDidRestart: () => ({ dispose() {} }),
  } as unknown as EngineApi;
  return { engine, calls, frame: (f: Partial<SolveFrame>) => frameHandler!(f as SolveFrame), isDisposed: () => disposed };
}

const result = (sessionId: string, iterations: number): SolveResult => ({
  sessionId,
  iterations,
  prediction: '',
  correct: true,
  finalFrame: { sessionId, iteration: iterations, rows: 1, cols: 1, scale: 1, probs: '', confidence: 1 },
  cancelled: false,
  ms: 1,
});
const tick = () => new Promise((r) => setImmediate(r));

test('frames go to the run of their session only', async () => {
  const { engine, calls, frame } = fakeEngine();
  const s = new SolveSessions(engine, 'p1');
  const a: number[] = [];
  const b: number[] = [];
  const ra = s.run('slot0', { model: 'm', input: { problem: 'prefix-sums', bits: '0101' }, iterations: 5 }, (f) => a.push(f.iteration));
  const rb = s.run('slot1', { model: 'm', input: { problem: 'prefix-sums', bits: '0101' }, iterations: 5 }, (f) => b.push(f.iteration));
  await tick();
  assert.deepEqual(calls.map((c) => c.params.sessionId), ['p1-slot0', 'p1-slot1']);
  frame({ sessionId: 'p1-slot0', iteration: 1 });
  frame({ sessionId: 'p1-slot1', iteration: 7 });
  frame({ sessionId: 'other-slot0', iteration: 9 });
  calls[0].resolve(result('p1-slot0', 1));
  calls[1].resolve(result('p1-slot1', 7));
  assert.equal((await ra).iterations, 1);
  assert.equal((await rb).iterations, 7);
  assert.deepEqual(a, [1]);
  assert.deepEqual(b, [7]);
  assert.equal(s.isRunning('slot0'), false);
});

test('a new run in a slot cancels the old one and starts only after its answer', async () => {
  const { engine, calls, frame, isDisposed } = fakeEngine();
  const s = new SolveSessions(engine, 'p2');
  const old: number[] = [];
  const fresh: number[] = [];
  const first = s.run('board', { model: 'm', input: { problem: 'chess', fen: 'f', moves: 'a b' }, iterations: 'auto' }, (f) => old.push(f.iteration));
  await tick();
  const second = s.run('board', { model: 'm', input: { problem: 'chess', fen: 'f', moves: 'a b' }, iterations: 'auto' }, (f) => fresh.push(f.iteration));
  await tick();
  assert.equal(calls[0].token.isCancellationRequested, true, 'old run cancelled');
  assert.equal(calls.length, 1, 'the new request waits for the old answer');
  frame({ sessionId: 'p2-board', iteration: 3 }); // still the old run's
  calls[0].reject(Object.assign(new Error('cancelled'), { code: -32800 }));
  await assert.rejects(first, /cancelled/);
  await tick();
  assert.equal(calls.length, 2);
  frame({ sessionId: 'p2-board', iteration: 1 });
  calls[1].resolve(result('p2-board', 1));
  await second;
  assert.deepEqual(old, [3]);
  assert.deepEqual(fresh, [1]);

  s.cancel('board'); // nothing running: no throw
  s.dispose();
  assert.ok(isDisposed());
});

test('decodeProbs gives a plain Uint8Array', () => {
  const u = decodeProbs(Buffer.from([0, 128, 255]).toString('base64'));
  assert.equal(Object.getPrototypeOf(u), Uint8Array.prototype);
  assert.deepEqual(Array.from(u), [0, 128, 255]);
});
