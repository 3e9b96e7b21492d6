// The extension ⇄ engine protocol over in-memory streams (LSP habit: no real process). The server is the real
// src/engine/server.ts on a real vscode-languageserver connection; the client side is a bare vscode-jsonrpc
// connection using the shared request types, as vscode-languageclient does.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createConnection } from 'vscode-languageserver/node';
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { startServer, type EngineServer } from '../../../src/engine/server';
import { saveCheckpoint } from '../../../src/engine/checkpoint/store';
import { DTNet } from '../../../src/engine/models/dtNet';
import { Rng } from '../../../src/shared/rng';
import { generateMaze } from '../../../src/shared/maze/mazeGenerator';
import { serializeMaze } from '../../../src/shared/maze/mazeFormat';
import {
  DisposeSessionNotification,
  InfoRequest,
  InterveneRequest,
  ListModelsRequest,
  SolveFrameNotification,
  SolveRequest,
  type SolveFrame,
} from '../../../src/shared/protocol/engine';

let client: MessageConnection;
let server: EngineServer;
let tmp: string;
let modelDir: string;
const frames: SolveFrame[] = [];
const diagnostics: Array<{ uri: string; diagnostics: Array<{ message: string; range: { start: { line: number } } }> }> = [];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-protocol-'));
  // A tiny random maze net, saved as a real checkpoint (the engine loads it by path, like a workspace run).
  const rng = new Rng(7);
  const { initBackend } = await import('../../../src/engine/tf');
  await initBackend('wasm');
  const net = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  modelDir = path.join(tmp, 'runs', 'tiny-maze');
  await saveCheckpoint(modelDir, net, { problem: 'mazes', name: 'tiny-maze', seed: 7 });
  net.dispose();

  const up = new PassThrough();
  const down = new PassThrough();
  const conn = createConnection(up, down);
  server = startServer(conn, { backend: 'wasm', modelsDir: path.join(tmp, 'no-bundled-models') });
  conn.listen();
  client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  client.onNotification(SolveFrameNotification, (f) => frames.push(f));
  client.onNotification('textDocument/publishDiagnostics', (p: (typeof diagnostics)[number]) => diagnostics.push(p));
  client.listen();
  await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  client.sendNotification('initialized', {});
});

after(() => {
  client.dispose();
  server.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('info reports the protocol version, backend and pid', async () => {
  const info = await client.sendRequest(InfoRequest);
  assert.equal(info.protocolVersion, 1);
  assert.equal(info.backendName, 'wasm');
  assert.equal(info.pid, process.pid);
});

test('models/list finds a workspace checkpoint and describes it', async () => {
  const models = await client.sendRequest(ListModelsRequest, { dirs: [path.join(tmp, 'runs'), path.join(tmp, 'missing')] });
  assert.equal(models.length, 1);
  const [m] = models;
  assert.equal(m.spec, modelDir);
  assert.equal(m.name, 'tiny-maze');
  assert.equal(m.source, 'workspace');
  assert.equal(m.problem, 'mazes');
  assert.equal(m.architecture.width, 4);
  assert.ok(m.parameters && m.parameters > 0);
});

test('solve streams frames, then returns the full-resolution result checked against BFS', async () => {
  frames.length = 0;
  const grid = generateMaze(5, 3);
  const r = await client.sendRequest(SolveRequest, {
    sessionId: 'ed-1',
    model: modelDir,
    input: { problem: 'mazes', text: serializeMaze(grid) },
    iterations: 4,
    maxFps: 1000,
  });
  assert.equal(r.iterations, 4);
  assert.equal(r.cancelled, false);
  assert.equal(r.finalFrame.rows, grid.rows);
  assert.equal(r.finalFrame.cols, grid.cols);
  assert.equal(Buffer.from(r.finalFrame.probs, 'base64').length, grid.rows * grid.cols);
  // A random net is wrong somewhere: the wrong cells are listed, and agree with `correct`.
  assert.equal(r.correct, (r.wrongCells ?? []).length === 0);
  assert.ok(frames.length >= 1 && frames.every((f) => f.sessionId === 'ed-1'));
  assert.equal(frames[frames.length - 1].iteration, 4);
});

test('intervene continues from the hidden state; an unknown session is a clear error', async () => {
  frames.length = 0;
  const r = await client.sendRequest(InterveneRequest, { sessionId: 'ed-1', intervention: { kind: 'continue' }, iterations: 1 });
  assert.equal(r.iterations, 5);
  await assert.rejects(
    client.sendRequest(InterveneRequest, { sessionId: 'nobody', intervention: { kind: 'continue' }, iterations: 1 }),
    /no solve session "nobody".*solve first/,
  );
  client.sendNotification(DisposeSessionNotification, { sessionId: 'ed-1' });
  // After disposal the session is gone.
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(client.sendRequest(InterveneRequest, { sessionId: 'ed-1', intervention: { kind: 'continue' }, iterations: 1 }), /solve first/);
});

test('a bad maze or model is an error message naming line and column / the model', async () => {
  await assert.rejects(
    client.sendRequest(SolveRequest, { sessionId: 'ed-2', model: modelDir, input: { problem: 'mazes', text: '#####\n#S.x#\n#..G#\n#####\n' }, iterations: 2 }),
    (e: Error) => /2:4: error: unknown character 'x'/.test(e.message) && !/Request .* failed with message/.test(e.message),
  );
  await assert.rejects(
    client.sendRequest(SolveRequest, { sessionId: 'ed-3', model: path.join(tmp, 'nope'), input: { problem: 'mazes', text: '#S.G#\n' }, iterations: 2 }),
    /model ".*nope" not found/,
  );
});

test('solve is cancellable', async () => {
  const cts = new CancellationTokenSource();
  const p = client.sendRequest(
    SolveRequest,
    { sessionId: 'ed-4', model: modelDir, input: { problem: 'mazes', text: serializeMaze(generateMaze(31, 1)) }, iterations: 100_000, maxFps: 1 },
    cts.token,
  );
  setTimeout(() => cts.cancel(), 200);
  const r = await p.catch((e: Error) => e);
  // Either the engine answered "cancelled" or JSON-RPC reported the cancellation: it must not run 100k iterations.
  if (r instanceof Error) assert.match(r.message, /cancel/i);
  else {
    assert.equal(r.cancelled, true);
    assert.ok(r.iterations < 100_000);
  }
});

test('the engine is the .maze language server: diagnostics on open and change', async () => {
  diagnostics.length = 0;
  const uri = 'file:///tmp/bad.maze';
  client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'maze', version: 1, text: '#####\n#S..#\n#..G\n#####\n' } });
  const first = await waitFor(() => diagnostics.find((d) => d.uri === uri));
  assert.equal(first.diagnostics.length, 1);
  assert.match(first.diagnostics[0].message, /row has 4 units/);
  assert.equal(first.diagnostics[0].range.start.line, 2);
  diagnostics.length = 0;
  client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: '#####\n#S.G#\n#####\n' }] });
  const second = await waitFor(() => diagnostics.find((d) => d.uri === uri));
  assert.deepEqual(second.diagnostics, []);
});

async function waitFor<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
