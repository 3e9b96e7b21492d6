/**
 * The prefix-sums playground and chess puzzles panels (webview panels, one of each at a time). The host side only
 * moves data: it validates every message from the page, checks that a requested model is one the registry lists
 * for the problem, forwards the solve to the engine, and streams the engine's per-iteration frames back as
 * Uint8Arrays. WebviewPanelSerializers bring both panels back after a window reload; the pages restore their own
 * UI from getState.
 */
import * as vscode from 'vscode';
import { bestLegalMove } from '../shared/problems/chess';
import type { ProblemId } from '../shared/problems/problem';
import type { SolveFrame } from '../shared/protocol/engine';
import { Messenger, type Envelope, type ProtocolShape, type Validator } from '../shared/protocol/messenger';
import { CHESS_VIEW_TYPE, validateChessMessage, type ChessFromWebview, type ChessToWebview, type PuzzleSet } from '../shared/protocol/webview/chess';
import { toModelOption, type ModelOption } from '../shared/protocol/webview/common';
import {
  PREFIX_SUMS_VIEW_TYPE,
  validatePrefixSumsMessage,
  type PrefixSumsFromWebview,
  type PrefixSumsToWebview,
} from '../shared/protocol/webview/prefixSums';
import { readPuzzleFile, sanOf, type LoadedSet } from './chessCsv';
import { wrap } from './commands';
import type { ExtensionDeps } from './deps';
import { decodeProbs, SolveSessions } from './solveSessions';
import { webviewHtml, webviewOptions } from './webviewHtml';

/** Frames per second asked of the engine: enough that the scrubber sees (nearly) every iteration. */
const PANEL_MAX_FPS = 120;
const LAST_CSV_KEY = 'deepThinking.chess.lastCsv';
let panelCounter = 0;

/** Commands `deepThinking.openPrefixSums` and `deepThinking.openChess`, plus the panels' serializers. */
export function registerPuzzlePanels(deps: ExtensionDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'deepThinking.openPrefixSums',
      wrap('Open Prefix-Sum Playground', deps.log, () => void PrefixSumsPanel.show(deps)),
    ),
    // Also offered on .csv files (explorer context menu): the argument is then the file's Uri.
    vscode.commands.registerCommand(
      'deepThinking.openChess',
      wrap('Open Chess Puzzles', deps.log, (uri?: unknown) => void ChessPanel.show(deps, uri instanceof vscode.Uri ? uri : undefined)),
    ),
    vscode.window.registerWebviewPanelSerializer(PREFIX_SUMS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => void PrefixSumsPanel.revive(deps, panel),
    }),
    vscode.window.registerWebviewPanelSerializer(CHESS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => void ChessPanel.revive(deps, panel),
    }),
    { dispose: () => (PrefixSumsPanel.current?.dispose(), ChessPanel.current?.dispose()) },
  ];
}

/** The webview plumbing both panels share: HTML shell, validated messenger, logging, disposal. */
abstract class PanelBase<In extends ProtocolShape, Out extends ProtocolShape> {
  protected readonly messenger: Messenger<In, Out>;
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    protected readonly deps: ExtensionDeps,
    readonly panel: vscode.WebviewPanel,
    entry: string,
    title: string,
    validate: Validator,
  ) {
    const uri = deps.context.extensionUri;
    panel.webview.options = webviewOptions(uri);
    const tag = `[${entry}]`;
    this.messenger = new Messenger<In, Out>(
      (m: Envelope) => void panel.webview.postMessage(m),
      validate,
      (dir, m) => {
        if (m.kind === 'event' && m.type === 'frame') return; // dozens per second; the run's summary is logged
        deps.log.trace(`${tag} ${dir === 'in' ? '←' : '→'} ${m.kind} ${'type' in m ? m.type : ''} ${'id' in m ? `#${m.id}` : ''}`);
      },
    );
    this.disposables.push(
      panel.webview.onDidReceiveMessage(async (m: unknown) => {
        const err = await this.messenger.handle(m);
        if (err) deps.log.warn(`${tag} rejected a message from the webview: ${err}`);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    panel.iconPath = vscode.Uri.joinPath(uri, 'media', 'icons', 'deep-thinking.svg');
    panel.webview.html = webviewHtml(panel.webview, uri, entry, title);
  }

  protected async modelsFor(problem: ProblemId): Promise<{ models: ModelOption[]; selected: string }> {
    const all = await this.deps.models.list();
    return { models: all.filter((m) => m.problem === problem).map(toModelOption), selected: this.deps.models.selected(problem) };
  }

  /** Only models the registry lists for the problem may be run from a webview (never an arbitrary path). */
  protected async checkModel(problem: ProblemId, spec: string): Promise<void> {
    const { models } = await this.modelsFor(problem);
    if (!models.some((m) => m.spec === spec)) throw new Error(`unknown ${problem} model "${spec}"; pick one from the list`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.messenger.dispose('panel closed');
    this.onDispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  protected abstract onDispose(): void;
}

// ---- prefix sums --------------------------------------------------------------------------------------------
export class PrefixSumsPanel extends PanelBase<PrefixSumsFromWebview, PrefixSumsToWebview> {
  static current: PrefixSumsPanel | undefined;
  private readonly sessions: SolveSessions;

  static show(deps: ExtensionDeps): PrefixSumsPanel {
    if (PrefixSumsPanel.current) {
      PrefixSumsPanel.current.panel.reveal();
      return PrefixSumsPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PREFIX_SUMS_VIEW_TYPE, 'Prefix Sums Playground', vscode.ViewColumn.Active, {
      ...webviewOptions(deps.context.extensionUri),
      enableFindWidget: false,
    });
    return (PrefixSumsPanel.current = new PrefixSumsPanel(deps, panel));
  }

  static revive(deps: ExtensionDeps, panel: vscode.WebviewPanel): PrefixSumsPanel {
    PrefixSumsPanel.current?.dispose();
    return (PrefixSumsPanel.current = new PrefixSumsPanel(deps, panel));
  }

  private constructor(deps: ExtensionDeps, panel: vscode.WebviewPanel) {
    super(deps, panel, 'prefixSums', 'Prefix Sums Playground', validatePrefixSumsMessage);
    this.sessions = new SolveSessions(deps.engine, `prefix-sums-${++panelCounter}`);
    const m = this.messenger;
    m.on('ready', () => void this.modelsFor('prefix-sums').then((x) => m.emit('init', x), (e) => this.reportError(e)));
    m.on('cancel', ({ slot }) => this.sessions.cancel(`slot${slot}`));
    m.onRequest('solve', async ({ slot, runId, model, bits, iterations }) => {
      await this.checkModel('prefix-sums', model);
      const seen = new Set<number>();
      const emit = (f: SolveFrame) => {
        if (seen.has(f.iteration)) return;
        seen.add(f.iteration);
        const probs = decodeProbs(f.probs);
        if (probs.length !== bits.length) {
          deps.log.warn(`[prefixSums] frame ${f.iteration} has ${probs.length} values for ${bits.length} bits; dropped`);
          return;
        }
        m.emit('frame', { slot, runId, iteration: f.iteration, probs, confidence: f.confidence });
      };
      const r = await this.sessions.run(
        `slot${slot}`,
        { model, input: { problem: 'prefix-sums', bits }, iterations, maxFps: PANEL_MAX_FPS, maxFrameCells: 4096 },
        emit,
      );
      emit(r.finalFrame);
      deps.log.info(`[prefixSums] ${model}: ${bits.length} bits, ${r.iterations} iterations, ${r.correct ? 'correct' : 'wrong'}, ${Math.round(r.ms)} ms`);
      return { slot, runId, model, iterations: r.iterations, haltedAt: r.haltedAt, correct: r.correct, cancelled: r.cancelled, ms: r.ms };
    });
    this.disposables.push(
      deps.models.onDidChange(() => void this.modelsFor('prefix-sums').then((x) => m.emit('models', x), (e) => this.reportError(e))),
    );
  }

  private reportError(e: unknown): void {
    this.deps.log.error(`[prefixSums] ${e instanceof Error ? e.message : String(e)}`);
  }

  protected onDispose(): void {
    this.sessions.dispose();
    if (PrefixSumsPanel.current === this) PrefixSumsPanel.current = undefined;
  }
}

// ---- chess ------------------------------------------------------------------------------------------------------
export class ChessPanel extends PanelBase<ChessFromWebview, ChessToWebview> {
  static current: ChessPanel | undefined;
  private readonly sessions: SolveSessions;
  private set: LoadedSet | undefined;
  private pendingCsv: vscode.Uri | undefined;

  static show(deps: ExtensionDeps, csv?: vscode.Uri): ChessPanel {
    const existing = ChessPanel.current;
    if (existing) {
      existing.panel.reveal();
      if (csv) void existing.loadAndPush(csv.fsPath);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(CHESS_VIEW_TYPE, 'Chess Puzzles', vscode.ViewColumn.Active, webviewOptions(deps.context.extensionUri));
    const p = (ChessPanel.current = new ChessPanel(deps, panel));
    p.pendingCsv = csv;
    return p;
  }

  static revive(deps: ExtensionDeps, panel: vscode.WebviewPanel): ChessPanel {
    ChessPanel.current?.dispose();
    return (ChessPanel.current = new ChessPanel(deps, panel));
  }

  private constructor(deps: ExtensionDeps, panel: vscode.WebviewPanel) {
    super(deps, panel, 'chess', 'Chess Puzzles', validateChessMessage);
    this.sessions = new SolveSessions(deps.engine, `chess-${++panelCounter}`);
    const m = this.messenger;
    m.on('ready', () => void this.init());
    m.on('cancel', () => this.sessions.cancel('board'));
    m.onRequest('loadSample', async () => this.publicSet(await this.load(this.samplePath())));
    m.onRequest('pickCsv', async () => {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Load puzzles',
        filters: { 'Lichess puzzle CSV': ['csv'], 'All files': ['*'] },
        title: 'Load Lichess puzzles (CSV with PuzzleId,FEN,Moves,Rating,…,Themes)',
      });
      if (!picked?.[0]) return null;
      return this.publicSet(await this.load(picked[0].fsPath));
    });
    m.onRequest('solve', async ({ runId, puzzleId, model, iterations }) => {
      await this.checkModel('chess', model);
      const puzzle = this.set?.byId.get(puzzleId);
      if (!puzzle) throw new Error(`puzzle ${puzzleId} is not in the loaded set`);
      const fen = puzzle.view.fen;
      const seen = new Set<number>();
      const decode = (f: SolveFrame, probs: Uint8Array): { move?: string; san?: string } => {
        let move = typeof f.prediction === 'string' && /^[a-h][1-8][a-h][1-8][qrbn]?$/.test(f.prediction) ? f.prediction : undefined;
        if (!move) {
          // The engine sent scores only: pick the legal move whose from/to squares score highest (logit of P).
          const class1 = Float32Array.from(probs, (v) => {
            const p = Math.min(Math.max(v / 255, 1e-4), 1 - 1e-4);
            return Math.log(p / (1 - p));
          });
          move = bestLegalMove(fen, class1)?.uci;
        }
        return move ? { move, san: sanOf(fen, move) } : {};
      };
      const emit = (f: SolveFrame) => {
        if (seen.has(f.iteration)) return;
        seen.add(f.iteration);
        const probs = decodeProbs(f.probs);
        if (probs.length !== 64) {
          deps.log.warn(`[chess] frame ${f.iteration} has ${probs.length} values, expected 64; dropped`);
          return;
        }
        m.emit('frame', { runId, iteration: f.iteration, probs, confidence: f.confidence, ...decode(f, probs) });
      };
      const r = await this.sessions.run(
        'board',
        { model, input: { problem: 'chess', fen: puzzle.lichessFen, moves: puzzle.lichessMoves }, iterations, maxFps: PANEL_MAX_FPS },
        emit,
      );
      emit(r.finalFrame);
      const finalMove = decode({ ...r.finalFrame, prediction: r.prediction }, decodeProbs(r.finalFrame.probs));
      deps.log.info(`[chess] ${model}: puzzle ${puzzleId}, ${r.iterations} iterations, ${finalMove.move ?? 'no move'}, ${r.correct ? 'correct' : 'wrong'}`);
      return { runId, model, iterations: r.iterations, haltedAt: r.haltedAt, ...finalMove, correct: r.correct, cancelled: r.cancelled, ms: r.ms };
    });
    this.disposables.push(
      deps.models.onDidChange(() => void this.modelsFor('chess').then((x) => m.emit('models', x), (e) => this.reportError(e))),
    );
  }

  private samplePath(): string {
    return vscode.Uri.joinPath(this.deps.context.extensionUri, 'media', 'samples', 'chess', 'sample-puzzles.csv').fsPath;
  }

  private async init(): Promise<void> {
    try {
      const csv = this.pendingCsv?.fsPath;
      this.pendingCsv = undefined;
      // A webview reload sends `ready` again: the loaded set is resent as it is.
      if (!this.set || csv) {
        const last = csv ?? this.deps.context.workspaceState.get<string>(LAST_CSV_KEY);
        try {
          await this.load(last ?? this.samplePath());
        } catch (e) {
          if (!last) throw e;
          this.reportError(e);
          await this.load(this.samplePath()); // the remembered file moved or broke: fall back to the sample
        }
      }
      this.messenger.emit('init', { ...(await this.modelsFor('chess')), set: this.publicSet(this.set!) });
    } catch (e) {
      this.reportError(e);
      this.messenger.emit('init', {
        ...(await this.modelsFor('chess').catch(() => ({ models: [], selected: '' }))),
        set: { source: 'none', puzzles: [], skipped: [e instanceof Error ? e.message : String(e)], skippedCount: 1 },
      });
    }
  }

  private async load(path: string): Promise<LoadedSet> {
    const set = await readPuzzleFile(path);
    this.set = set;
    await this.deps.context.workspaceState.update(LAST_CSV_KEY, path === this.samplePath() ? undefined : path);
    this.deps.log.info(`[chess] loaded ${set.puzzles.length} puzzles from ${path}${set.skippedCount ? `, skipped ${set.skippedCount} bad rows` : ''}`);
    for (const s of set.skipped) this.deps.log.warn(`[chess] skipped ${s}`);
    if (set.skippedCount) {
      void vscode.window
        .showWarningMessage(`Deep Thinking: ${set.skippedCount} row(s) of ${set.source} were skipped, e.g. ${set.skipped[0]}`, 'Show Log')
        .then((a) => a && this.deps.log.show(true));
    }
    return set;
  }

  private async loadAndPush(path: string): Promise<void> {
    try {
      this.messenger.emit('puzzles', this.publicSet(await this.load(path)));
    } catch (e) {
      this.reportError(e);
      void vscode.window.showErrorMessage(`Deep Thinking: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private publicSet(s: LoadedSet): PuzzleSet {
    return { source: s.source, puzzles: s.puzzles, skipped: s.skipped, skippedCount: s.skippedCount };
  }

  private reportError(e: unknown): void {
    this.deps.log.error(`[chess] ${e instanceof Error ? e.message : String(e)}`);
  }

  protected onDispose(): void {
    this.sessions.dispose();
    if (ChessPanel.current === this) ChessPanel.current = undefined;
  }
}
