// The real engine process over --node-ipc (as the extension starts it), fed the bad files that once stalled it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { EngineLogNotification, EvaluateRequest, InfoRequest, ListModelsRequest, SolveRequest, TrainRequest } from '../../../src/shared/protocol/engine';
import { MAZE_LIMITS } from '../../../src/shared/maze/mazeFormat';
import { initBackend } from '../../../src/engine/tf';
import { saveCheckpoint } from '../../../src/engine/checkpoint/store';
import { DTNet } from '../../../src/engine/models/dtNet';
import { Rng } from '../../../src/shared/rng';
import { repoPath } from '../repo';

const ROOT = repoPath();
const GOOD = path.join(ROOT, 'test', 'fixtures', 'checkpoints', 'good-tiny');
let child: ChildProcess;
let client: MessageConnection;
let tmp: string;
const logs: string[] = [];
const diagnostics: Array<{ uri: string; diagnostics: Array<{ message: string }> }> = [];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-ipc-'));
  const runs = path.join(tmp, 'runs');
  fs.mkdirSync(runs);
  fs.cpSync(GOOD, path.join(runs, 'good'), { recursive: true });
  await initBackend('wasm');
  const rng = new Rng(7);
  const net = new DTNet({ kind: 'dt-recall', dims: 2, width: 4, inChannels: 3, maxIters: 5, blocks: 1 }, () => rng.next());
  await saveCheckpoint(path.join(runs, 'maze'), net, { problem: 'mazes', name: 'tiny-maze', seed: 7 });
  net.dispose();
  // The 256 KB LONG4 .pth that once blocked every request at extension start.
  const n = 262144;
  const pkl = new Uint8Array(3 + 4 + n + 1);
  pkl.set([0x80, 0x02, 0x8b]);
  new DataView(pkl.buffer).setInt32(3, n, true);
  pkl.fill(1, 7, 7 + n);
  pkl[7 + n] = 0x2e;
  fs.writeFileSync(path.join(runs, 'l.pth'), zipSync({ 'archive/data.pkl': [pkl, { level: 0 }] }));
  // A 6 KB-class model.json asking for 20,000,000 blocks.
  fs.cpSync(GOOD, path.join(runs, 'huge'), { recursive: true });
  const meta = JSON.parse(fs.readFileSync(path.join(GOOD, 'model.json'), 'utf8'));
  delete meta.weightsManifest;
  meta.architecture.blocks = 20_000_000;
  fs.writeFileSync(path.join(runs, 'huge', 'model.json'), JSON.stringify(meta));

  child = fork(path.join(ROOT, 'src', 'engine', 'main.ts'), ['--node-ipc'], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DEEP_THINKING_BACKEND: 'wasm', DEEP_THINKING_MODELS_DIR: path.join(tmp, 'no-bundled') },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  client = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  client.onNotification(EngineLogNotification, (l) => logs.push(l.message));
  client.onNotification('textDocument/publishDiagnostics', (p: (typeof diagnostics)[number]) => diagnostics.push(p));
  client.listen();
  await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  client.sendNotification('initialized', {});
});

after(() => {
  client.dispose();
  child.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('bad file: models/list skips a 256 KB LONG4 .pth and a 20,000,000-block model.json, naming them, and info answers meanwhile', async () => {
  const list = client.sendRequest(ListModelsRequest, { dirs: [path.join(tmp, 'runs')] });
  const info = await client.sendRequest(InfoRequest);
  assert.equal(info.backendName, 'wasm');
  const models = await list;
  assert.deepEqual(models.map((m) => m.name).sort(), ['good-tiny', 'tiny-maze']);
  assert.ok(logs.some((l) => /l\.pth.*LONG4 of 262144 bytes/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /huge.*blocks 20000000 is above the supported maximum/.test(l)), logs.join('\n'));
});

async function diagnosticsOf(uri: string, text: string): Promise<string[]> {
  client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'maze', version: 1, text } });
  const t0 = Date.now();
  while (!diagnostics.some((d) => d.uri === uri) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  const published = diagnostics.find((d) => d.uri === uri);
  assert.ok(published, 'diagnostics published');
  return published.diagnostics.map((d) => d.message);
}

test('bad file: 1 MB of "x" as a .maze gets one diagnostic (one line) or ≤ 100 plus a stop and a count (1000 lines)', async () => {
  const line = await diagnosticsOf('file:///tmp/line.maze', 'x'.repeat(1024 * 1024));
  assert.deepEqual(line, ['the maze is 1×1048576 units; the largest supported is 1001×1001']);
  const text = Array.from({ length: 1000 }, () => 'x'.repeat(1000)).join('\n');
  const block = await diagnosticsOf('file:///tmp/block.maze', text);
  assert.equal(block.length, MAZE_LIMITS.diagnostics + 2);
  assert.match(block[MAZE_LIMITS.diagnostics + 1], /stopped reading at line 1: 1,000 of the 1,000 characters so far are not # \. S G or space; this does not look like a maze/);
  assert.match(block[MAZE_LIMITS.diagnostics], /and 900 more problem\(s\); only the first 100 are listed/);
  await assert.rejects(
    client.sendRequest(SolveRequest, { sessionId: 's', model: path.join(tmp, 'runs', 'maze'), input: { problem: 'mazes', text }, iterations: 1 } as never),
    /unknown character 'x'/,
  );
});

test('bad file: a 1,002-unit-wide maze is refused with the supported size', async () => {
  const row = '#'.repeat(1002);
  const text = [row, '#S' + '.'.repeat(998) + 'G#', row].join('\n');
  await assert.rejects(
    client.sendRequest(SolveRequest, { sessionId: 's2', model: path.join(tmp, 'runs', 'maze'), input: { problem: 'mazes', text }, iterations: 1 } as never),
    /the maze is 3×1002 units; the largest supported is 1001×1001/,
  );
});

test('protocol: wrong parameter types answer InvalidParams (-32602) naming the field', async () => {
  const cases: Array<[string, unknown, RegExp]> = [
    [SolveRequest.method, { sessionId: 7, model: 'x', input: {}, iterations: 1 }, /deepThinking\/solve: "sessionId" must be string, got number 7/],
    [SolveRequest.method, { sessionId: 's', model: 'x', input: 'maze', iterations: 1 }, /"input" must be object, got the string "maze"/],
    [SolveRequest.method, { sessionId: 's', model: 'x', input: {}, iterations: 'lots' }, /"iterations" must be number\|auto, got the string "lots"/],
    [ListModelsRequest.method, { dirs: 'runs' }, /deepThinking\/models\/list: "dirs" must be string\[\], got the string "runs"/],
    [EvaluateRequest.method, [1, 2], /deepThinking\/evaluate: parameters must be an object, got an array/],
    [TrainRequest.method, { runId: 'r', problem: 'mazes', model: 'dt', outDir: 'o', epochs: 'ten' }, /"epochs" must be number, got the string "ten"/],
  ];
  for (const [method, params, message] of cases) {
    await assert.rejects(client.sendRequest(method, params), (e: { code: number; message: string }) => {
      assert.equal(e.code, -32602, `${method}: ${e.message}`);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /Cannot read|undefined is not|TypeError/);
      return true;
    });
  }
});
