// Extension-host tests: the real extension in code-server's extension host, talking to the real engine process.
// The workspace is a fresh copy of test/vscode/workspace (maze-13.maze, tiny.maze, bad.maze).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { describe, it, before } from 'mocha';
import type { DeepThinkingApi } from '../../../src/extension/extension';
import type { EvaluateSummary } from '../../../src/extension/sidebarView';
import type { MazeEditorSession } from '../../../src/extension/mazeEditorProvider';
import type { SolveSummary } from '../../../src/shared/protocol/webview/mazeEditor';
import { parseMaze } from '../../../src/shared/maze/mazeFormat';
import { solveMaze } from '../../../src/shared/maze/bfs';

const EXTENSION_ID = 'deep-thinking-lab.deep-thinking-lab';
const VIEW_TYPE = 'deepThinking.mazeEditor';

let api: DeepThinkingApi;
let extensionPath: string;
const ws = () => vscode.workspace.workspaceFolders![0].uri;
const wsFile = (name: string) => vscode.Uri.joinPath(ws(), name);

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeout = 30_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function nextEvent<T>(event: vscode.Event<T>, what: string, timeout = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeout} ms waiting for ${what}`));
    }, timeout);
    const sub = event((v) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(v);
    });
  });
}

/** Open `uri` in the maze editor and wait until its page has done the ready → init handshake. */
async function openMazeEditor(uri: vscode.Uri): Promise<MazeEditorSession> {
  await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  const session = await until(`a maze editor for ${path.basename(uri.fsPath)}`, () => api.mazeEditors.sessionsFor(uri)[0]);
  await Promise.race([session.ready, new Promise((_, rej) => setTimeout(() => rej(new Error('maze editor page never sent ready')), 60_000))]);
  return session;
}

/**
 * The bundled maze model, when the extension ships one: the check is that it solves this 13×13 maze (it
 * records 76 % on fresh 13×13 mazes in model.json, and solves this one at 30 and 40 iterations).
 */
function bundledMazeModel(): { spec: string } | undefined {
  const dir = path.join(extensionPath, 'media', 'models');
  if (!fs.existsSync(dir)) return undefined;
  const m = api.models.cached().find((x) => x.problem === 'mazes' && x.source === 'bundled');
  return m ? { spec: m.spec } : undefined;
}

describe('Deep Thinking Lab in VS Code', function () {
  this.timeout(180_000);

  before(async () => {
    const ext = vscode.extensions.getExtension<DeepThinkingApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    extensionPath = ext.extensionPath;
    await api.engine.ready();
    await api.models.refresh();
  });

  it('starts the engine process and answers info', async () => {
    const pid = await api.engine.pid();
    const info = api.engine.info;
    assert.ok(info, 'the client asked the engine for its info when it started');
    assert.strictEqual(info.pid, pid);
    assert.strictEqual(info.protocolVersion, 1);
    assert.ok(info.pid > 0 && info.pid !== process.pid, 'the engine runs in its own process');
    assert.match(info.backend, /wasm|native|CUDA|libtorch/);
  });

  it('opens a .maze in the custom editor by default', async () => {
    const uri = wsFile('maze-13.maze');
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = await until('the maze tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString()),
    );
    assert.strictEqual((tab.input as vscode.TabInputCustom).viewType, VIEW_TYPE);
    const session = await until('its session', () => api.mazeEditors.sessionsFor(uri)[0]);
    await session.ready;
  });

  it('a bad .maze produces diagnostics naming line and column', async () => {
    const uri = wsFile('bad.maze');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.languageId, 'maze');
    const diags = await until('diagnostics for bad.maze', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length ? d : undefined;
    });
    const find = (re: RegExp) => diags.find((d) => re.test(d.message));
    const second = find(/second start 'S'/);
    assert.ok(second, `no duplicate-S diagnostic in ${JSON.stringify(diags.map((d) => d.message))}`);
    assert.deepStrictEqual([second.range.start.line, second.range.start.character], [1, 3]);
    const x = find(/unknown character 'x'/);
    assert.ok(x);
    assert.deepStrictEqual([x.range.start.line, x.range.start.character], [2, 2]);
    assert.ok(find(/row has 4 units/));
    assert.ok(diags.every((d) => d.source === 'maze'));
  });

  it('a wall edited through the webview protocol changes the document, and undo restores it', async () => {
    const uri = wsFile('tiny.maze');
    const session = await openMazeEditor(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const before = doc.getText();
    // Exactly what the page posts when the user clicks the open cell at row 1, column 2.
    const err = await session.receive({ kind: 'request', id: 9001, type: 'edit', params: { version: doc.version, edit: { kind: 'walls', cells: [[1, 2]], wall: true } } });
    assert.strictEqual(err, undefined);
    await until('the edit', () => doc.getText() !== before);
    assert.strictEqual(doc.getText(), before.replace('#S..#', '#S#.#'));
    assert.ok(doc.isDirty);
    // Invalid messages from the page never reach the document.
    const bad = await session.receive({ kind: 'request', id: 9002, type: 'edit', params: { version: 1, edit: { kind: 'walls', cells: [[-1, 0]], wall: true } } });
    assert.match(bad ?? '', /cells\[0\]/);
    // Undo (VS Code's own, on the custom editor) restores the text.
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await vscode.commands.executeCommand('undo');
    await until('undo', () => doc.getText() === before);
    assert.strictEqual(doc.getText(), before);
    // An edit made against an older version of the document is not applied (the page is sent the current text).
    const stale = await session.receive({ kind: 'request', id: 9003, type: 'edit', params: { version: doc.version - 1, edit: { kind: 'walls', cells: [[1, 2]], wall: true } } });
    assert.strictEqual(stale, undefined);
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(doc.getText(), before, 'a stale edit left the document alone');
  });

  it('Solve on a 13×13 maze shows the predicted path, checked against BFS', async () => {
    const uri = wsFile('maze-13.maze');
    const session = await openMazeEditor(uri);
    const bundled = bundledMazeModel();
    let model = bundled?.spec;
    let trained = !!model;
    if (!model) {
      // No bundled maze model in this build: import the paper-format fixture (random weights: the pipeline is real,
      // but it will not find the path; the check against BFS below still has to agree with the oracle).
      const summary = await vscode.commands.executeCommand<{ spec: string }>('deepThinking.importPth', {
        pthPath: path.join(extensionPath, 'test', 'fixtures', 'pth', 'maze_dt_recall_2d.pth'),
        problem: 'mazes',
      });
      assert.ok(summary?.spec, 'import returned a model');
      model = summary.spec;
      trained = false;
    }
    await api.models.select('mazes', model);
    // A fixed iteration count: 'auto' would think up to its cap with a model that never settles.
    const iterations = 40;
    await vscode.workspace.getConfiguration('deepThinking').update('solve.iterations', String(iterations), vscode.ConfigurationTarget.Workspace);
    await new Promise((r) => setTimeout(r, 500));
    const solved = nextEvent<SolveSummary>(session.onDidSolve, 'the solve result', 170_000);
    await vscode.commands.executeCommand('deepThinking.solveMaze', uri);
    const result = await solved;
    const grid = parseMaze((await vscode.workspace.openTextDocument(uri)).getText());
    assert.strictEqual(grid.rows, 15);
    const bfs = solveMaze(grid)!;
    const rows = result.finalFrame.prediction as string[];
    assert.strictEqual(rows.length, grid.rows);
    const predicted = Uint8Array.from(rows.join(''), (ch) => (ch === '1' ? 1 : 0));
    const same = predicted.every((v, i) => v === bfs[i]);
    // The ✓/✗ the editor shows must be the oracle's verdict.
    assert.strictEqual(result.correct, same);
    assert.strictEqual(result.wrongCells.length === 0, same);
    assert.ok(result.iterations > 0);
    assert.strictEqual(result.iterations, iterations);
    if (trained) assert.ok(same, `the bundled model's path differs from BFS at ${JSON.stringify(result.wrongCells.slice(0, 10))}`);
    else console.log(`solve: no bundled maze model; the imported random-weight fixture was ${same ? 'right' : 'wrong'} (as expected), ${result.iterations} iterations`);
  });

  it('Think longer, Corrupt memory and moving G continue from the hidden state (interventions)', async () => {
    const uri = wsFile('maze-13.maze');
    const session = await openMazeEditor(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const base = await session.solve(10);
    assert.strictEqual(base.iterations, 10);
    const more = await session.intervene({ kind: 'continue' }, 5);
    assert.strictEqual(more.iterations, 15, 'think longer continues the count');
    const corrupted = await session.intervene({ kind: 'perturb', mode: 'noise', strength: 0.5 }, 5);
    assert.strictEqual(corrupted.iterations, 20);
    // The thought overlay: the engine pictures the current hidden state per maze cell.
    const pca = await session.thought('pca');
    assert.deepStrictEqual([pca.iteration, pca.rows, pca.cols], [20, 15, 15]);
    assert.strictEqual(Buffer.from(pca.data, 'base64').length, 2 * 15 * 15);
    assert.ok(pca.explained && pca.explained[0] >= pca.explained[1] && pca.explained[0] <= 1);
    // A brushed region erases the thought there and thinking goes on.
    const damaged = await session.intervene({ kind: 'perturb', mode: 'zero', strength: 1, region: [[1, 1], [1, 2], [2, 1]] }, 5);
    assert.strictEqual(damaged.iterations, 25);
    // Move G (as the page does on a drag), then swap the input under the current thought.
    const before = doc.getText();
    const err = await session.receive({ kind: 'request', id: 9100, type: 'edit', params: { version: doc.version, edit: { kind: 'goal', to: [1, 3] } } });
    assert.strictEqual(err, undefined);
    await until('the moved goal', () => doc.getText() !== before);
    const swapped = await session.intervene({ kind: 'swapInput' }, 5);
    assert.strictEqual(swapped.iterations, 30, 'the new input continues from the current state');
    const grid = parseMaze(doc.getText());
    assert.deepStrictEqual(grid.goal, [1, 3]);
    const bfs = solveMaze(grid)!;
    const predicted = Uint8Array.from((swapped.finalFrame.prediction as string[]).join(''), (ch) => (ch === '1' ? 1 : 0));
    assert.strictEqual(swapped.correct, predicted.every((v, i) => v === bfs[i]), 'the verdict is checked against BFS on the NEW maze');
    await vscode.commands.executeCommand('undo');
    await until('undo of the move', () => doc.getText() === before);
    await doc.save();
  });

  it('New Maze… writes a seeded maze into the workspace and opens it in the maze editor', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('deepThinking.newMaze', { size: 9, seed: 42 });
    assert.ok(uri);
    const text = fs.readFileSync(uri.fsPath, 'utf8');
    const grid = parseMaze(text);
    assert.deepStrictEqual([grid.rows, grid.cols], [11, 11]);
    assert.match(text, /; seed: 42/);
    assert.ok(solveMaze(grid), 'a generated maze is solvable');
    // Same size and seed, same maze.
    const again = await vscode.commands.executeCommand<vscode.Uri>('deepThinking.newMaze', { size: 9, seed: 42 });
    assert.notStrictEqual(again!.fsPath, uri.fsPath);
    assert.strictEqual(fs.readFileSync(again!.fsPath, 'utf8'), text);
    await until('its maze editor', () => api.mazeEditors.sessionsFor(again!)[0]);
  });

  it('a 29×29 maze (64×64 px) thinks on the sparse tile thinker where onnxruntime-node is installed; the verdict is BFS\'s', async function () {
    const bundled = bundledMazeModel();
    if (!bundled) return this.skip();
    await api.models.select('mazes', bundled.spec);
    // Seed 2: the bundled model solves it (test/unit/engine/solve/solveSessionTiles.test.ts, on tiles and dense).
    const uri = await vscode.commands.executeCommand<vscode.Uri>('deepThinking.newMaze', { size: 29, seed: 2 });
    assert.ok(uri);
    const session = await until('its maze editor', () => api.mazeEditors.sessionsFor(uri)[0]);
    await Promise.race([session.ready, new Promise((_, rej) => setTimeout(() => rej(new Error('maze editor page never sent ready')), 60_000))]);
    const result = await session.solve('auto');
    // The engine runs from this extension's folder. On wasm: tiles exactly when its onnxruntime-node is there (without
    // it dense tensors, where tiles would not pay). On a native backend (libtorch, where a developer built the addon)
    // 64×64 px stays dense: tiles start at 256×256 px there.
    const ort = fs.existsSync(path.join(extensionPath, 'node_modules', 'onnxruntime-node', 'package.json'));
    if (ort && /wasm/i.test(api.engine.info?.backend ?? '')) assert.match(result.engine ?? '', /onnxruntime-node.*sparse 16-px tiles/);
    else assert.match(result.engine ?? '', /^tfjs-/);
    const grid = parseMaze(fs.readFileSync(uri.fsPath, 'utf8'));
    const bfs = solveMaze(grid)!;
    const predicted = Uint8Array.from((result.finalFrame.prediction as string[]).join(''), (ch) => (ch === '1' ? 1 : 0));
    const same = predicted.every((v, i) => v === bfs[i]);
    assert.strictEqual(result.correct, same, 'the verdict is the oracle\'s');
    assert.ok(same, `the bundled model's path differs from BFS at ${JSON.stringify(result.wrongCells.slice(0, 10))}`);
    assert.ok(result.haltedAt !== undefined, `auto halted (${result.iterations} iterations)`);
  });

  it('Evaluate Extrapolation thinks with iterations auto by default, estimates first, and reaches the plateau', async function () {
    const bundled = bundledMazeModel();
    if (!bundled) return this.skip();
    const summary = await vscode.commands.executeCommand<EvaluateSummary>('deepThinking.evaluate', {
      problem: 'mazes',
      models: [bundled.spec],
      sizes: [9, 13],
      count: 8,
    });
    assert.ok(summary, 'the command returned its summary');
    assert.strictEqual(summary.iterations, 'auto');
    assert.ok(summary.estimatedSeconds !== undefined && summary.estimatedSeconds > 0, `an estimate before the start (${summary.estimatedSeconds})`);
    const [r] = summary.results;
    assert.strictEqual(r.cancelled, false);
    assert.deepStrictEqual(r.curves.map((c) => c.size), [9, 13]);
    for (const c of r.curves) {
      // Auto thinks past the old 90-iteration default when a maze needs it, and the curve ends on the plateau.
      assert.ok(c.iterations.length > 1, `size ${c.size}: a curve`);
      const final = c.accuracy[c.accuracy.length - 1];
      assert.ok(final >= Math.max(...c.accuracy), `size ${c.size}: the curve ends at its best (${final})`);
      assert.ok(final >= 0.75, `size ${c.size}: the bundled model solves most mazes (${final})`);
    }
  });

  it('Train with a tiny config finishes and its checkpoint is listed', async () => {
    const name = 'tiny-prefix-run';
    const result = await vscode.commands.executeCommand<{ outDir: string; cancelled: boolean; steps: number }>('deepThinking.trainModel', {
      problem: 'prefix-sums',
      model: 'dt-recall',
      width: 8,
      epochs: 1,
      maxIters: 4,
      trainSize: 64,
      size: 8,
      batchSize: 16,
      name,
    });
    assert.ok(result, 'training returned a result');
    assert.strictEqual(result.cancelled, false);
    assert.ok(result.steps > 0);
    const expected = path.join(ws().fsPath, '.deep-thinking', 'runs', name);
    assert.strictEqual(path.resolve(result.outDir), expected);
    assert.ok(fs.existsSync(path.join(expected, 'model.json')), 'model.json written');
    const models = await api.models.list();
    assert.ok(models.some((m) => path.resolve(m.spec) === expected && m.source === 'workspace'), 'the run is in the model list');
    assert.ok(api.runs.history(name).length > 0, 'progress reached the side panel feed');
  });

  it('killing the engine process restarts it, and it keeps working', async () => {
    const pid = await api.engine.pid();
    const restarted = nextEvent(api.engine.onDidRestart, 'the engine restart', 120_000);
    process.kill(pid, 'SIGKILL');
    await restarted;
    const newPid = await api.engine.pid();
    assert.notStrictEqual(newPid, pid);
    // Language features came back with it.
    const uri = wsFile('bad.maze');
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), '; touched after the restart\n');
    await vscode.workspace.applyEdit(edit);
    await until('diagnostics after the restart', () => vscode.languages.getDiagnostics(uri).find((d) => d.range.start.line === 3 && /unknown character/.test(d.message)));
    await vscode.commands.executeCommand('undo');
    void doc;
  });

  it('deepThinking.engine.nodePath picks the Node that runs the engine; a bad path is a clear error', async () => {
    const config = vscode.workspace.getConfiguration('deepThinking');
    try {
      await config.update('engine.nodePath', process.execPath, vscode.ConfigurationTarget.Global);
      await api.engine.restart();
      assert.strictEqual(api.engine.info?.node, process.version);
      await config.update('engine.nodePath', '/nonexistent/node', vscode.ConfigurationTarget.Global);
      await assert.rejects(api.engine.restart(), /failed to start.*deepThinking\.engine\.nodePath.*\/nonexistent\/node/s);
    } finally {
      await config.update('engine.nodePath', undefined, vscode.ConfigurationTarget.Global);
    }
    await api.engine.restart();
    assert.ok((await api.engine.pid()) > 0, 'the engine is back with the default Node');
  });

  it('a training run resumes from its last checkpoint after an engine crash', async () => {
    const name = 'resume-run';
    const firstProgress = nextEvent(api.runs.onDidProgress, 'training progress', 120_000);
    const training = vscode.commands.executeCommand<{ cancelled: boolean; steps: number; outDir: string }>('deepThinking.trainModel', {
      problem: 'prefix-sums',
      model: 'dt-recall',
      width: 8,
      epochs: 4,
      maxIters: 4,
      trainSize: 3000,
      size: 16,
      batchSize: 16,
      name,
    });
    await firstProgress;
    // Let the first epoch's checkpoint land, then kill the engine under the run.
    await until('the first epoch checkpoint', () => api.runs.history(name).some((p) => p.epoch >= 2) || undefined, 120_000);
    const crashed = nextEvent(api.engine.onDidRestart, 'the restart', 120_000);
    process.kill(await api.engine.pid(), 'SIGKILL');
    await crashed;
    // The first progress after the restart continues the run: a fresh start would report epoch 1 again.
    const resumed = await nextEvent(api.runs.onDidProgress, 'progress after the restart', 120_000);
    assert.ok(resumed.epoch >= 2, `training restarted from epoch ${resumed.epoch} instead of resuming`);
    const result = await training;
    assert.ok(result, 'the run finished after the crash');
    assert.strictEqual(result.cancelled, false);
    assert.ok(fs.existsSync(path.join(result.outDir, 'model.json')));
  });
});
