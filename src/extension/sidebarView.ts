/**
 * The side panel (webview view `deepThinking.sidebar` in the Deep Thinking activity-bar container) and the
 * "Evaluate Extrapolation…" command that feeds its chart.
 *
 * The host keeps the data — the model list comes from ModelRegistryApi, training histories from TrainingRunsApi,
 * evaluation curves from the engine's EvaluateRequest (kept in workspaceState so they survive a reload) — and sends
 * the page a snapshot on `ready` and deltas after that. The page keeps only UI choices in getState/setState, so a
 * hidden and re-shown view (which VS Code reloads) comes back complete without retainContextWhenHidden.
 */
import { saveExport } from './exportFile';
import * as vscode from 'vscode';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { PROBLEM_IDS, type ProblemId } from '../shared/problems/problem';
import { getProblem } from '../shared/problems';
import {
  EvaluateEstimateRequest,
  EvaluateProgressNotification,
  EvaluateRequest,
  type EvaluateProgress,
  type EvaluateResult,
  type ModelSummary,
} from '../shared/protocol/engine';
import { Messenger, type Envelope } from '../shared/protocol/messenger';
import { toModelOption } from '../shared/protocol/webview/common';
import {
  applyEvaluateProgress,
  EVAL_DEFAULTS,
  iterationGrid,
  SIDEBAR_VIEW_ID,
  storedCurves,
  validateSidebarMessage,
  type CurveSet,
  type SidebarFromWebview,
  type SidebarSnapshot,
  type SidebarToWebview,
} from '../shared/protocol/webview/sidebar';
import { wrap } from './commands';
import type { ExtensionDeps } from './deps';
import { errorMessage, isCancellation } from './engineErrors';
import { webviewHtml, webviewOptions } from './webviewHtml';

const EVALS_KEY = 'deepThinking.evaluationCurves';
/** finished evaluations kept across reloads */
const MAX_KEPT_EVALS = 24;

/** Arguments that skip the prompts of `deepThinking.evaluate` (for tests and other commands). */
export interface EvaluateArgs {
  problem?: ProblemId;
  models?: string[];
  sizes?: number[];
  /**
   * 'auto' (the default): every puzzle thinks until the engine's halting rule fires, at most 2 × a maze's dead-end
   * depth + 100 iterations (the bits of a string, clamped to [1000, 50000]), so the curves reach each model's plateau. A number: a
   * fixed budget, the curve recorded at every iteration up to it.
   */
  maxIterations?: number | 'auto';
  count?: number;
}

/** What `deepThinking.evaluate` did (returned to scripts and tests). */
export interface EvaluateSummary {
  iterations: number | 'auto';
  /** the engine's estimate before the start, seconds (all models) */
  estimatedSeconds?: number;
  results: EvaluateResult[];
}

/** "1 min 20 s", "45 s", "2 h 5 min" */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

export class SidebarViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static register(deps: ExtensionDeps): vscode.Disposable[] {
    const provider = new SidebarViewProvider(deps);
    return [
      vscode.window.registerWebviewViewProvider(SIDEBAR_VIEW_ID, provider),
      vscode.commands.registerCommand(
        'deepThinking.evaluate',
        wrap('Evaluate Extrapolation', deps.log, (args?: EvaluateArgs) => provider.evaluate(args)),
      ),
      provider,
    ];
  }

  private view: vscode.WebviewView | undefined;
  private messenger: Messenger<SidebarFromWebview, SidebarToWebview> | undefined;
  private readonly viewDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** evaluation curve sets by key, in start order */
  private readonly evals = new Map<string, CurveSet>();
  private readonly evalTokens = new Map<string, CancellationTokenSource>();
  /** per running evaluation: the progress toast's listener */
  private readonly evalSinks = new Map<string, (p: EvaluateProgress) => void>();

  private constructor(private readonly deps: ExtensionDeps) {
    for (const c of deps.context.workspaceState.get<CurveSet[]>(EVALS_KEY, [])) {
      if (c && typeof c.key === 'string' && Array.isArray(c.curves)) this.evals.set(c.key, c);
    }
    this.disposables.push(
      deps.runs.onDidProgress((p) => this.messenger?.emit('trainProgress', p)),
      deps.models.onDidChange(() => void this.sendSnapshot()),
      ...(deps.runs.onDidChangeRuns ? [deps.runs.onDidChangeRuns(() => void this.sendSnapshot())] : []),
      deps.engine.onNotification(EvaluateProgressNotification, (p) => {
        const key = `eval:${p.evalId}`;
        this.evalSinks.get(p.evalId)?.(p);
        const set = this.evals.get(key);
        if (!set || set.finished) return;
        this.update(applyEvaluateProgress(set, p));
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const d of this.viewDisposables.splice(0)) d.dispose();
    this.messenger?.dispose('view reloaded');
    this.view = view;
    view.webview.options = webviewOptions(this.deps.context.extensionUri);
    const log = this.deps.log;
    const m = new Messenger<SidebarFromWebview, SidebarToWebview>(
      (e: Envelope) => void view.webview.postMessage(e),
      validateSidebarMessage,
      (dir, e) => {
        if (e.kind === 'event' && (e.type === 'trainProgress' || e.type === 'curves')) return;
        log.trace(`[sidebar] ${dir === 'in' ? '←' : '→'} ${e.kind} ${'type' in e ? e.type : ''}`);
      },
    );
    this.messenger = m;
    m.on('ready', () => void this.sendSnapshot());
    m.on('cancelEval', ({ evalId }) => this.evalTokens.get(evalId)?.cancel());
    m.on('clearEvals', () => {
      for (const [k, c] of this.evals) if (c.finished) this.evals.delete(k);
      void this.persistEvals();
      void this.sendSnapshot();
    });
    m.onRequest('select', async ({ problem, spec }) => {
      const list = await this.deps.models.list();
      if (!list.some((x) => x.problem === problem && x.spec === spec)) throw new Error(`unknown ${problem} model "${spec}"`);
      await this.deps.models.select(problem, spec);
    });
    m.onRequest('export', async (req) => ({ saved: await saveExport(req) }));
    m.onRequest('refresh', async () => {
      await this.deps.models.refresh();
      await this.sendSnapshot();
    });
    m.onRequest('evaluate', async ({ problem }) => {
      void vscode.commands.executeCommand('deepThinking.evaluate', problem ? { problem } : undefined);
    });
    this.viewDisposables.push(
      view.webview.onDidReceiveMessage(async (msg: unknown) => {
        const err = await m.handle(msg);
        if (err) log.warn(`[sidebar] rejected a message from the webview: ${err}`);
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.messenger = undefined;
        }
        m.dispose('view closed');
      }),
    );
    view.webview.html = webviewHtml(view.webview, this.deps.context.extensionUri, 'sidebar', 'Deep Thinking');
  }

  private async snapshot(): Promise<SidebarSnapshot> {
    let models: ModelSummary[] = [];
    let modelsError: string | undefined;
    try {
      models = await this.deps.models.list();
    } catch (e) {
      modelsError = `Could not list models: ${errorMessage(e)}`;
    }
    const stored: CurveSet[] = models
      .map((s) => ({ s, curves: storedCurves(s) }))
      .filter((x) => x.curves.length > 0)
      .map(({ s, curves }) => ({
        key: `stored:${s.spec}`,
        origin: 'stored' as const,
        problem: s.problem,
        model: s.spec,
        modelName: s.name,
        kind: s.architecture.kind,
        curves,
      }));
    const selected: Partial<Record<ProblemId, string>> = {};
    for (const p of PROBLEM_IDS) selected[p] = this.deps.models.selected(p);
    return {
      models: models.map(toModelOption),
      selected,
      runs: this.deps.runs.runs().map((runId) => {
        const info = this.deps.runs.info?.(runId);
        return { runId, history: this.deps.runs.history(runId), ...(info ? { info: { ...info } } : {}) };
      }),
      curves: [...stored, ...this.evals.values()],
      modelsError,
    };
  }

  private async sendSnapshot(): Promise<void> {
    if (!this.messenger) return;
    try {
      this.messenger.emit('snapshot', await this.snapshot());
    } catch (e) {
      this.deps.log.error(`[sidebar] ${errorMessage(e)}`);
    }
  }

  private update(set: CurveSet): void {
    this.evals.set(set.key, set);
    this.messenger?.emit('curves', set);
  }

  private async persistEvals(): Promise<void> {
    const finished = [...this.evals.values()].filter((c) => c.finished && !c.error).slice(-MAX_KEPT_EVALS);
    await this.deps.context.workspaceState.update(EVALS_KEY, finished);
  }

  /** "Evaluate Extrapolation…": problem → models → sizes → iterations, then one EvaluateRequest per model. */
  async evaluate(args: EvaluateArgs = {}): Promise<EvaluateSummary | undefined> {
    const all = await this.deps.models.list();
    const problem = args.problem ?? (await pickProblem(all));
    if (!problem) return;
    const candidates = all.filter((m) => m.problem === problem);
    if (!candidates.length) {
      void vscode.window.showWarningMessage(`No ${getProblem(problem).label} model to evaluate: train one or import a checkpoint first.`);
      return;
    }
    const models = args.models
      ? args.models.map((spec) => {
          const m = candidates.find((c) => c.spec === spec);
          if (!m) throw new Error(`unknown ${problem} model "${spec}"`);
          return m;
        })
      : await pickModels(candidates, this.deps.models.selected(problem));
    if (!models?.length) return;
    const sizes = args.sizes ?? (await pickSizes(problem));
    if (!sizes?.length) return;
    const count = args.count ?? EVAL_DEFAULTS[problem].count;
    const csv = problem === 'chess' ? vscode.Uri.joinPath(this.deps.context.extensionUri, 'media', 'samples', 'chess', 'sample-puzzles.csv').fsPath : undefined;
    // The engine times a few iterations of the first test puzzles on the path the evaluation takes.
    const estimatedSeconds = await this.estimate(models, problem, sizes, count, csv);
    const longest = Math.max(...models.map((m) => m.architecture.maxIters));
    // Scripted calls (sizes given) take the default without asking.
    const maxIterations = args.maxIterations ?? (args.sizes ? 'auto' : await pickIterations(estimatedSeconds, Math.min(500, Math.max(10, longest * 3)), longest));
    if (maxIterations === undefined) return undefined;
    const iterations = maxIterations === 'auto' ? ('auto' as const) : iterationGrid(maxIterations);
    const summary: EvaluateSummary = { iterations: maxIterations, results: [] };
    if (estimatedSeconds !== undefined) summary.estimatedSeconds = estimatedSeconds;
    const started = Date.now();

    // Show the chart while it fills in.
    void vscode.commands.executeCommand(`${SIDEBAR_VIEW_ID}.focus`).then(undefined, () => undefined);
    const stamp = Date.now().toString(36);
    const jobs = models.map((m, i) => {
      const evalId = `${stamp}-${i}`;
      const set: CurveSet = {
        key: `eval:${evalId}`,
        origin: 'eval',
        problem,
        model: m.spec,
        modelName: m.name,
        kind: m.architecture.kind,
        curves: [],
        evalId,
        done: 0,
        total: sizes.length * count,
        finished: false,
      };
      this.update(set);
      return { m, evalId, set };
    });

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Evaluating ${getProblem(problem).label} extrapolation`, cancellable: true },
      async (progress, token) => {
        for (const [i, job] of jobs.entries()) {
          const source = new CancellationTokenSource();
          this.evalTokens.set(job.evalId, source);
          const sub = token.onCancellationRequested(() => source.cancel());
          const who = `${job.m.name} (${i + 1}/${jobs.length})`;
          const eta = estimatedSeconds !== undefined && maxIterations === 'auto' ? `, about ${formatDuration(estimatedSeconds)} in all` : '';
          progress.report({ message: `${who} on sizes ${sizes.join(', ')}${eta}` });
          let reported = 0;
          this.evalSinks.set(job.evalId, (p) => {
            // The toast: puzzles done and the accuracy so far (auto), advancing the bar over all models.
            const fraction = p.total > 0 ? p.done / p.total : 0;
            const increment = (100 * fraction) / jobs.length - reported;
            reported += Math.max(0, increment);
            const acc = p.correct !== undefined && p.done > 0 ? `, ${((100 * p.correct) / p.done).toFixed(0)} % correct so far` : '';
            progress.report({ message: `${who}: ${p.done}/${p.total} puzzles${acc}`, increment: Math.max(0, increment) });
          });
          try {
            if (token.isCancellationRequested) throw Object.assign(new Error('cancelled'), { name: 'Canceled' });
            const r = await this.deps.engine.request(
              EvaluateRequest,
              { evalId: job.evalId, model: job.m.spec, problem, sizes, iterations, count, csv },
              source.token,
            );
            summary.results.push(r);
            const current = this.evals.get(job.set.key) ?? job.set;
            this.update({
              ...current,
              curves: r.curves.map((c) => ({ size: String(c.size), iterations: c.iterations, accuracy: c.accuracy })),
              finished: true,
              cancelled: r.cancelled,
              done: current.total,
            });
            this.deps.log.info(
              `[evaluate] ${job.m.name}: ` + r.curves.map((c) => `n=${c.size} best ${(Math.max(...c.accuracy) * 100).toFixed(1)}%`).join(', '),
            );
          } catch (e) {
            const current = this.evals.get(job.set.key) ?? job.set;
            const cancelled = isCancellation(e);
            this.update({ ...current, finished: true, cancelled, error: cancelled ? undefined : errorMessage(e) });
            if (!cancelled) {
              this.deps.log.error(`[evaluate] ${job.m.name}: ${errorMessage(e)}`);
              void vscode.window.showErrorMessage(`Evaluate ${job.m.name}: ${errorMessage(e)}`, 'Show Log').then((a) => a && this.deps.log.show());
            }
          } finally {
            sub.dispose();
            source.dispose();
            this.evalTokens.delete(job.evalId);
            this.evalSinks.delete(job.evalId);
          }
        }
      },
    );
    await this.persistEvals();
    this.deps.log.info(
      `[evaluate] ${problem} sizes ${sizes.join(', ')}, iterations ${maxIterations}: ${((Date.now() - started) / 1000).toFixed(1)} s` +
        (estimatedSeconds !== undefined ? ` (estimated ${formatDuration(estimatedSeconds)})` : ''),
    );
    return summary;
  }

  /** The engine's estimate of the auto evaluation of all models (seconds), or undefined when it fails. */
  private async estimate(models: ModelSummary[], problem: ProblemId, sizes: number[], count: number, csv: string | undefined): Promise<number | undefined> {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Evaluate Extrapolation: timing a few iterations…', cancellable: false },
        async () => {
          let seconds = 0;
          for (const m of models) {
            const r = await this.deps.engine.request(EvaluateEstimateRequest, { model: m.spec, problem, sizes, count, iterations: 'auto', csv });
            seconds += r.seconds;
            this.deps.log.info(
              `[evaluate] estimate for ${m.name}: ` +
                r.sizes.map((e) => `n=${e.size} ${e.msPerIteration.toFixed(1)} ms/iteration × ~${e.expectedIterations} × ${e.units} ≈ ${formatDuration(e.seconds)}`).join(', '),
            );
          }
          return seconds;
        },
      );
    } catch (e) {
      this.deps.log.warn(`[evaluate] no estimate: ${errorMessage(e)}`);
      return undefined;
    }
  }

  dispose(): void {
    for (const t of this.evalTokens.values()) t.cancel();
    for (const d of [...this.viewDisposables.splice(0), ...this.disposables.splice(0)]) d.dispose();
    this.messenger?.dispose('extension deactivated');
  }
}

// ---- quick picks --------------------------------------------------------------------------------------------------
async function pickProblem(models: ModelSummary[]): Promise<ProblemId | undefined> {
  const item = await vscode.window.showQuickPick(
    PROBLEM_IDS.map((p) => ({
      label: getProblem(p).label,
      description: `${models.filter((m) => m.problem === p).length} model(s)`,
      problem: p,
    })),
    { title: 'Evaluate Extrapolation (1/4): problem', placeHolder: 'Which problem?' },
  );
  return item?.problem;
}

async function pickModels(candidates: ModelSummary[], selected: string): Promise<ModelSummary[] | undefined> {
  // Pre-pick the selected model and one of each other kind, so DT vs DT-recall vs feed-forward shows at once.
  const kinds = new Set<string>();
  const picked = new Set<string>();
  for (const m of [...candidates].sort((a, b) => Number(b.spec === selected) - Number(a.spec === selected))) {
    if (!kinds.has(m.architecture.kind)) {
      kinds.add(m.architecture.kind);
      picked.add(m.spec);
    }
  }
  const items = candidates.map((m) => ({
    label: m.name,
    description: `${m.architecture.kind}, width ${m.architecture.width}, ${m.architecture.maxIters} training iterations`,
    detail: m.spec,
    picked: picked.has(m.spec),
    model: m,
  }));
  const chosen = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Evaluate Extrapolation (2/4): models to overlay' });
  return chosen?.map((c) => c.model);
}

async function pickSizes(problem: ProblemId): Promise<number[] | undefined> {
  const d = EVAL_DEFAULTS[problem];
  if (problem === 'chess') return d.sizes;
  const unit = problem === 'mazes' ? '×' : ' bits';
  const items = d.sizes.map((n) => ({ label: problem === 'mazes' ? `${n}${unit}${n}` : `${n}${unit}`, picked: d.picked.includes(n), size: n }));
  const chosen = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Evaluate Extrapolation (3/4): test sizes' });
  return chosen?.map((c) => c.size);
}

/** Step 4: auto (default, with the estimate) or a fixed budget. */
async function pickIterations(estimatedSeconds: number | undefined, suggested: number, trained: number): Promise<number | 'auto' | undefined> {
  const auto = {
    label: 'Auto: think until each answer settles',
    description: estimatedSeconds !== undefined ? `about ${formatDuration(estimatedSeconds)}` : undefined,
    detail: 'Halts each puzzle once its answer is stable and confident (or its picture settled); at most 2 × a maze\'s longest dead end + 100 iterations, or the string\'s bits (1,000–50,000).',
    value: 'auto' as const,
  };
  const fixed = { label: 'A fixed number of iterations…', description: `e.g. ${suggested}`, detail: `The models trained with up to ${trained}.`, value: 'fixed' as const };
  const item = await vscode.window.showQuickPick([auto, fixed], { title: 'Evaluate Extrapolation (4/4): how long to think' });
  if (!item) return undefined;
  if (item.value === 'auto') return 'auto';
  return pickMaxIterations(suggested, trained);
}

async function pickMaxIterations(suggested: number, trained: number): Promise<number | undefined> {
  const v = await vscode.window.showInputBox({
    title: 'Evaluate Extrapolation (4/4): think for up to how many iterations?',
    prompt: `The models trained with up to ${trained}; more at test time is the point of the paper.`,
    value: String(suggested),
    validateInput: (t) => (/^\d+$/.test(t.trim()) && Number(t) >= 1 && Number(t) <= 2000 ? undefined : 'A whole number from 1 to 2000'),
  });
  return v === undefined ? undefined : Number(v.trim());
}
