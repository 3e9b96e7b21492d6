/**
 * The `.maze` custom editor (vscode-extension-samples' custom-editor-sample pattern): a CustomTextEditorProvider whose
 * model is the TextDocument. The page sends one edit request per gesture, applied as a WorkspaceEdit, so undo, redo,
 * dirty state, save and "Reopen With… Text Editor" are VS Code's own. Solving goes to the engine; its frames are
 * routed to the page that asked, by session id.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Messenger, type Envelope } from '../shared/protocol/messenger';
import {
  DisposeSessionNotification,
  InterveneRequest,
  SolveFrameNotification,
  SolveRequest,
  ThoughtRequest,
  type Intervention,
  type SolveFrame,
  type SolveResult,
  type ThoughtParams,
  type ThoughtResult,
} from '../shared/protocol/engine';
import {
  validatePageMessage,
  type HostToPage,
  type MazeEditorSettings,
  type PageIntervention,
  type PageToHost,
  type SolveIterations,
  type SolveSummary,
} from '../shared/protocol/webview/mazeEditor';
import type { ExtensionDeps } from './deps';
import { errorMessage, isConnectionLost } from './engineErrors';
import { mazeEditToLines } from './mazeEdits';
import { parseMazeDocument } from '../shared/maze/mazeFormat';
import { readSettings, onSettingsChange } from './settings';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { saveExport } from './exportFile';

export type MazeEditorCommand = HostToPage['events']['command']['name'];

let sessionCounter = 0;

export class MazeEditorProvider implements vscode.CustomTextEditorProvider, vscode.Disposable {
  static readonly viewType = 'deepThinking.mazeEditor';

  private readonly sessions = new Set<MazeEditorSession>();
  private readonly byId = new Map<string, MazeEditorSession>();
  private lastActive: MazeEditorSession | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  static register(deps: ExtensionDeps): { provider: MazeEditorProvider; disposables: vscode.Disposable[] } {
    const provider = new MazeEditorProvider(deps);
    const reg = vscode.window.registerCustomEditorProvider(MazeEditorProvider.viewType, provider, {
      // The timeline lives in the page (within the frame memory budget): switching tabs must not throw it away.
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    });
    return { provider, disposables: [reg, provider] };
  }

  constructor(private readonly deps: ExtensionDeps) {
    // One subscription for all editors; frames go to the session that asked.
    this.disposables.push(
      deps.engine.onNotification(SolveFrameNotification, (f: SolveFrame) => this.byId.get(f.sessionId)?.frame(f)),
      deps.models.onDidChange(() => this.sessions.forEach((s) => s.sendModel())),
      onSettingsChange(() => this.sessions.forEach((s) => s.sendSettings())),
    );
  }

  async resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): Promise<void> {
    const session = new MazeEditorSession(this.deps, document, panel);
    this.sessions.add(session);
    this.byId.set(session.id, session);
    this.lastActive = session;
    panel.onDidChangeViewState(() => {
      if (panel.active) this.lastActive = session;
    });
    panel.onDidDispose(() => {
      this.sessions.delete(session);
      this.byId.delete(session.id);
      if (this.lastActive === session) this.lastActive = [...this.sessions].pop();
      session.dispose();
    });
  }

  /** The maze editor the user last focused (for palette commands). */
  activeSession(): MazeEditorSession | undefined {
    const active = [...this.sessions].find((s) => s.panel.active);
    return active ?? this.lastActive;
  }

  /** Every open editor of a document (tests and commands). */
  sessionsFor(uri: vscode.Uri): MazeEditorSession[] {
    return [...this.sessions].filter((s) => s.document.uri.toString() === uri.toString());
  }

  dispose(): void {
    for (const s of this.sessions) s.dispose();
    this.sessions.clear();
    for (const d of this.disposables) d.dispose();
  }
}

/** One open maze editor: its webview, its messenger and its engine solve session. */
export class MazeEditorSession implements vscode.Disposable {
  readonly id = `maze-${++sessionCounter}-${Date.now().toString(36)}`;
  private readonly messenger: Messenger<PageToHost, HostToPage>;
  private readonly disposables: vscode.Disposable[] = [];
  private cts: vscode.CancellationTokenSource | undefined;
  private pageReady = false;
  private markReady: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((r) => (this.markReady = r));
  private queued: MazeEditorCommand[] = [];
  /** the engine start the solve state lives in (a restarted engine has lost it) */
  private solvedIn: number | undefined;
  private engineStarts = 0;
  /** "rows×cols" of the maze the live thought grew on */
  private solvedShape: string | undefined;
  private docTimer: ReturnType<typeof setTimeout> | undefined;
  /** the last solve or intervention result (tests read it) */
  lastResult: SolveSummary | undefined;
  private readonly _onDidSolve = new vscode.EventEmitter<SolveSummary>();
  readonly onDidSolve = this._onDidSolve.event;
  private readonly _onDidReceive = new vscode.EventEmitter<Envelope>();
  /** every validated message from the page (tests) */
  readonly onDidReceive = this._onDidReceive.event;

  constructor(
    private readonly deps: ExtensionDeps,
    readonly document: vscode.TextDocument,
    readonly panel: vscode.WebviewPanel,
  ) {
    const { context, log } = deps;
    panel.webview.options = webviewOptions(context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'mazeEditor', path.basename(document.fileName));
    this.messenger = new Messenger<PageToHost, HostToPage>(
      (m) => void panel.webview.postMessage(m),
      validatePageMessage,
      (dir, m) => log.trace(`maze editor ${this.id} ${dir}: ${m.kind} ${'type' in m ? m.type : ''}${'id' in m ? ` #${m.id}` : ''}`),
    );
    this.disposables.push(
      this._onDidSolve,
      this._onDidReceive,
      panel.webview.onDidReceiveMessage((m) => void this.receive(m)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === document && e.contentChanges.length) this.documentChanged();
      }),
      deps.engine.onDidRestart(() => this.engineStarts++),
    );
    this.registerHandlers();
  }

  /** Handle one message from the page (validated first; a rejected one is logged, never thrown). */
  async receive(m: unknown): Promise<string | undefined> {
    const err = await this.messenger.handle(m);
    if (err) this.deps.log.warn(`maze editor: rejected a message from the webview: ${err}`);
    else this._onDidReceive.fire(m as Envelope);
    return err;
  }

  /** Resolves when the page has sent `ready` (and got `init`). */
  get ready(): Promise<void> {
    return this.readyPromise;
  }

  private registerHandlers(): void {
    const m = this.messenger;
    m.on('ready', () => {
      this.pageReady = true;
      this.markReady();
      this.sendInit();
      for (const c of this.queued.splice(0)) this.messenger.emit('command', { name: c });
    });
    m.on('log', ({ level, message }) => this.deps.log[level === 'warn' ? 'warn' : level === 'error' ? 'error' : 'info'](`[maze editor] ${message}`));
    m.onRequest('edit', ({ edit, version }) => this.applyEdit(edit, version));
    m.onRequest('solve', ({ iterations }) => this.solve(iterations));
    m.onRequest('intervene', ({ intervention, iterations }) => this.intervene(intervention, iterations));
    m.onRequest('cancel', () => this.cts?.cancel());
    m.onRequest('selectModel', async () => {
      await vscode.commands.executeCommand('deepThinking.selectModel', 'mazes');
      return { model: this.modelName() };
    });
    m.onRequest('thought', ({ view }) => this.thought(view));
    m.onRequest('export', async (req) => ({ saved: await saveExport(req, this.document.uri) }));
    m.onRequest('reopenAsText', async () => {
      await vscode.commands.executeCommand('vscode.openWith', this.document.uri, 'default', this.panel.viewColumn);
    });
  }

  private settings(): MazeEditorSettings {
    const s = readSettings();
    return { maxFps: s.maxFps, iterations: s.iterations, frameBudgetBytes: s.frameMemoryMB * 1024 * 1024 };
  }

  private modelName(): string | undefined {
    const spec = this.deps.models.selected('mazes');
    if (!spec) return undefined;
    // ModelRegistry knows display names; a bare ModelRegistryApi (tests) falls back to the spec's base name.
    const summary = (this.deps.models as { selectedSummary?: (p: 'mazes') => { name: string } | undefined }).selectedSummary?.('mazes');
    return summary?.name ?? path.basename(spec);
  }

  private sendInit(): void {
    this.messenger.emit('init', {
      text: this.document.getText(),
      version: this.document.version,
      fileName: path.basename(this.document.fileName),
      model: this.modelName(),
      settings: this.settings(),
      readonly: false,
    });
  }

  sendModel(): void {
    if (this.pageReady) this.messenger.emit('model', { model: this.modelName() });
  }

  sendSettings(): void {
    if (this.pageReady) this.messenger.emit('settings', this.settings());
  }

  /** Forward the document to the page. Typing in a text editor on a big maze is coalesced (50 ms). */
  private documentChanged(): void {
    clearTimeout(this.docTimer);
    this.docTimer = setTimeout(() => {
      if (this.pageReady) this.messenger.emit('document', { text: this.document.getText(), version: this.document.version });
    }, this.document.getText().length > 100_000 ? 50 : 0);
  }

  frame(f: SolveFrame): void {
    if (this.pageReady) this.messenger.emit('frame', f);
  }

  /** Run a palette command in this editor (queued until the page is ready). */
  command(name: MazeEditorCommand): void {
    if (this.pageReady) this.messenger.emit('command', { name });
    else this.queued.push(name);
    this.panel.reveal(undefined, true);
  }

  private async applyEdit(edit: Parameters<typeof mazeEditToLines>[1], version: number): Promise<{ applied: boolean }> {
    if (version !== this.document.version) {
      // The page drew this edit on an older text (the file changed meanwhile: another editor, an undo, a reload):
      // applying it would paint cells of a maze the user no longer sees. Send the current text instead.
      this.messenger.emit('document', { text: this.document.getText(), version: this.document.version });
      return { applied: false };
    }
    const outcome = mazeEditToLines(this.document.getText(), edit);
    if (!outcome.ok) throw new Error(`Cannot edit ${path.basename(this.document.fileName)}: ${outcome.reason}`);
    if (outcome.replacements.length === 0) return { applied: false };
    const we = new vscode.WorkspaceEdit();
    for (const r of outcome.replacements) we.replace(this.document.uri, this.document.lineAt(r.line).range, r.text);
    const applied = await vscode.workspace.applyEdit(we);
    if (!applied) throw new Error(`VS Code refused the edit to ${path.basename(this.document.fileName)} (is it read-only?)`);
    return { applied };
  }

  private requireModel(): string {
    const model = this.deps.models.selected('mazes');
    if (!model) {
      throw new Error(
        'No maze model is available. Train one (Deep Thinking: Train Model…), import one (Deep Thinking: Import PyTorch Checkpoint…) or pick one (Deep Thinking: Select Model…).',
      );
    }
    return model;
  }

  private newToken(): vscode.CancellationToken {
    this.cts?.cancel();
    this.cts?.dispose();
    this.cts = new vscode.CancellationTokenSource();
    return this.cts.token;
  }

  async solve(iterations?: SolveIterations): Promise<SolveSummary> {
    const model = this.requireModel();
    const s = readSettings();
    const token = this.newToken();
    await this.deps.engine.ready();
    const startedIn = this.engineStarts;
    const text = this.document.getText();
    const result = await this.deps.engine.request(
      SolveRequest,
      {
        sessionId: this.id,
        model,
        input: { problem: 'mazes', text },
        iterations: iterations ?? s.iterations,
        maxFps: s.maxFps,
        maxFrameCells: s.maxFrameCells,
      },
      token,
    );
    this.solvedIn = startedIn;
    this.solvedShape = gridShape(text);
    return this.finish(result, model, 'solve');
  }

  async intervene(iv: PageIntervention, iterations?: SolveIterations): Promise<SolveSummary> {
    // The engine lost the hidden state if it restarted since the solve, and a thought only fits the grid size it
    // grew on (a resized maze cannot swap in): start over with the current maze then.
    const resized = iv.kind === 'swapInput' && gridShape(this.document.getText()) !== this.solvedShape;
    if (this.solvedIn === undefined || this.solvedIn !== this.engineStarts || resized) {
      this.deps.log.info(`maze editor: no usable solve state for ${path.basename(this.document.fileName)}${resized ? ' (the maze was resized)' : ''}; solving from scratch`);
      return this.solve(iterations);
    }
    const model = this.requireModel();
    const s = readSettings();
    const intervention: Intervention =
      iv.kind === 'swapInput' ? { kind: 'swapInput', input: { problem: 'mazes', text: this.document.getText() } } : iv;
    const token = this.newToken();
    try {
      const result = await this.deps.engine.request(
        InterveneRequest,
        { sessionId: this.id, intervention, iterations: iterations ?? s.iterations, maxFps: s.maxFps, maxFrameCells: s.maxFrameCells },
        token,
      );
      return this.finish(result, model, iv.kind);
    } catch (e) {
      if (isConnectionLost(e)) throw new Error('The engine stopped while thinking; it is restarting. Press Solve again.');
      throw new Error(errorMessage(e));
    }
  }

  /** A picture of the current hidden state (the thought overlay). */
  async thought(view: ThoughtParams['view']): Promise<ThoughtResult> {
    if (this.solvedIn === undefined || this.solvedIn !== this.engineStarts) throw new Error('Solve first: there is no thought to show yet.');
    try {
      return await this.deps.engine.request(ThoughtRequest, { sessionId: this.id, view });
    } catch (e) {
      throw new Error(errorMessage(e));
    }
  }

  private finish(result: SolveResult, model: string, kind: 'solve' | PageIntervention['kind']): SolveSummary {
    const summary: SolveSummary = {
      iterations: result.iterations,
      haltedAt: result.haltedAt,
      correct: result.correct,
      wrongCells: result.wrongCells ?? [],
      cancelled: result.cancelled,
      ms: result.ms,
      finalFrame: result.finalFrame,
      model: this.modelName() ?? model,
      engine: result.engine,
    };
    this.lastResult = summary;
    this._onDidSolve.fire(summary);
    this.markWalkthrough(summary, kind);
    this.deps.log.info(
      `solved ${path.basename(this.document.fileName)} with ${summary.model}${result.engine ? ` on ${result.engine}` : ''}: ${result.iterations} iterations` +
        `${result.haltedAt !== undefined ? ` (halted at ${result.haltedAt})` : ''}, ${result.correct ? 'correct' : `${summary.wrongCells.length} wrong cells`}, ${Math.round(result.ms)} ms`,
    );
    return summary;
  }

  /** Context keys that tick off the walkthrough's steps (package.json contributes.walkthroughs). */
  private markWalkthrough(s: SolveSummary, kind: 'solve' | PageIntervention['kind']): void {
    if (s.cancelled) return;
    const set = (key: string) => void vscode.commands.executeCommand('setContext', `deepThinking.walkthrough.${key}`, true);
    set('solved');
    const rows = parseMazeDocument(this.document.getText()).grid?.rows ?? 0;
    if (rows >= 40) set('solvedBig');
    if (kind === 'perturb' && s.correct) set('recovered');
  }

  dispose(): void {
    clearTimeout(this.docTimer);
    this.cts?.cancel();
    this.cts?.dispose();
    this.messenger.dispose('editor closed');
    // Free the engine's tensors for this editor (a stopped engine has nothing to free).
    this.deps.engine.notify?.(DisposeSessionNotification, { sessionId: this.id });
    for (const d of this.disposables) d.dispose();
  }
}

/** "rows×cols" of a maze text, or undefined when it does not parse. */
function gridShape(text: string): string | undefined {
  const g = parseMazeDocument(text).grid;
  return g ? `${g.rows}×${g.cols}` : undefined;
}
