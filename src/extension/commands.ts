/**
 * The palette commands ("Deep Thinking: …"). Every command goes through `wrap`, which turns an exception into one
 * clear error message with a "Show Log" action (hediet/vscode-drawio's habit) instead of a silent failure.
 *
 * Commands take optional arguments that skip their prompts, so tests and other commands can drive them:
 *   deepThinking.newMaze        ({ size, seed, folder? })
 *   deepThinking.solveMaze      (uri?)
 *   deepThinking.trainModel     ({ problem, model, width, epochs, name?, ...TrainParams }: a single run;
 *                                { problem, model, mode: 'recipe' | 'sweep', seeds?, name? }: the default recipe)
 *   deepThinking.importPth      ({ pthPath, problem })
 *   deepThinking.selectModel    (problem?, spec?)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_KINDS, type ModelKind } from '../shared/architecture';
import { generateMaze } from '../shared/maze/mazeGenerator';
import { serializeMaze } from '../shared/maze/mazeFormat';
import { PROBLEM_IDS, type ProblemId } from '../shared/problems/problem';
import { getProblem } from '../shared/problems';
import { ImportPthRequest, type ModelSummary, type TrainParams, type TrainResult } from '../shared/protocol/engine';
import {
  checkMazeSizeInput,
  checkPositiveInt,
  checkRunName,
  checkSeedInput,
  defaultRunName,
  guessProblemFromFileName,
  newMazeFileName,
  safeDirName,
} from './commandInputs';
import type { ExtensionDeps } from './deps';
import type { EngineClient } from './engineClient';
import { errorMessage, isCancellation } from './engineErrors';
import { MazeEditorProvider } from './mazeEditorProvider';
import { describeModel } from './modelChoice';
import { customEstimate, formatEta, modeChoices, progressMessage, recipeSuggestion, stepTitle, SWEEP_SEEDS, wizardSteps, type TrainMode } from './trainWizard';
import type { ModelRegistry } from './modelRegistry';
import { readSettings } from './settings';
import type { TrainingRuns } from './trainingRuns';

export interface CommandDeps extends ExtensionDeps {
  engine: EngineClient;
  models: ModelRegistry;
  runs: TrainingRuns;
  mazeEditors: MazeEditorProvider;
}

const MODEL_LABELS: Record<ModelKind, string> = {
  'dt-recall': 'DT-recall: recurrent, re-reads the input every iteration (the paper\'s best)',
  dt: 'DT: recurrent, sees the input only once',
  feedforward: 'Feed-forward: the same depth with untied weights (baseline)',
  'dt-l': 'DT-L: DT-recall with a contractive (spectrally normalised) recurrence, Bear et al. 2024',
};

/** Run `fn`; an exception becomes an error message naming the command. Cancellation is silent. */
export function wrap<A extends unknown[], R>(title: string, log: vscode.LogOutputChannel, fn: (...args: A) => Promise<R> | R) {
  return async (...args: A): Promise<R | undefined> => {
    try {
      return await fn(...args);
    } catch (e) {
      if (isCancellation(e)) return undefined;
      const msg = errorMessage(e);
      log.error(`${title} failed: ${e instanceof Error && e.stack ? e.stack : msg}`);
      void vscode.window.showErrorMessage(`${title}: ${msg}`, 'Show Log').then((a) => a && log.show());
      return undefined;
    }
  };
}

class Cancelled extends Error {
  override name = 'Canceled';
  constructor() {
    super('cancelled');
  }
}

/** A prompt that was dismissed ends the command quietly. */
function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Cancelled();
  return v;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { log } = deps;
  const reg = <A extends unknown[]>(id: string, title: string, fn: (...args: A) => unknown) =>
    vscode.commands.registerCommand(id, wrap(title, log, fn as (...args: A) => Promise<unknown>));
  return [
    reg('deepThinking.newMaze', 'New Maze', (args?: { size?: number; seed?: number; folder?: string }) => newMaze(deps, args)),
    reg('deepThinking.solveMaze', 'Solve Maze', (uri?: vscode.Uri) => solveMaze(deps, uri)),
    reg('deepThinking.thinkLonger', 'Think Longer', () => mazeEditorCommand(deps, 'thinkLonger')),
    reg('deepThinking.corruptMemory', 'Corrupt Memory', () => mazeEditorCommand(deps, 'corrupt')),
    reg('deepThinking.trainModel', 'Train Model', (args?: TrainArgs) => trainModel(deps, args)),
    reg('deepThinking.importPth', 'Import PyTorch Checkpoint', (args?: { pthPath?: string; problem?: ProblemId }) => importPth(deps, args)),
    reg('deepThinking.selectModel', 'Select Model', (problem?: ProblemId, spec?: string) => selectModel(deps, problem, spec)),
    reg('deepThinking.showLog', 'Show Engine Log', () => log.show()),
    reg('deepThinking.restartEngine', 'Restart Engine', () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Restarting the Deep Thinking engine…' }, async () => {
        await deps.engine.restart();
        vscode.window.setStatusBarMessage(`Deep Thinking engine restarted (${deps.engine.info?.backend ?? 'running'})`, 5000);
      }),
    ),
  ];
}

// ---- New Maze… ---------------------------------------------------------------------------------------------------
async function newMaze(deps: CommandDeps, args?: { size?: number; seed?: number; folder?: string }): Promise<vscode.Uri | undefined> {
  const size =
    args?.size ??
    Number(
      need(
        await vscode.window.showInputBox({
          title: 'New Maze (1/2): size',
          prompt: 'Maze size n (odd): n×n units inside a wall ring. The paper trains on 9 and tests up to 801.',
          value: '13',
          validateInput: checkMazeSizeInput,
        }),
      ),
    );
  const sizeError = checkMazeSizeInput(String(size));
  if (sizeError) throw new Error(sizeError);
  const seed =
    args?.seed ??
    Number(
      need(
        await vscode.window.showInputBox({
          title: 'New Maze (2/2): seed',
          prompt: 'Random seed: the same size and seed always give the same maze',
          value: String(Math.floor(Math.random() * 100000)),
          validateInput: checkSeedInput,
        }),
      ),
    );
  const grid = generateMaze(size, seed);
  const text = serializeMaze(grid, { comments: ['generated by Deep Thinking Lab (New Maze…)'], meta: { size: String(size), seed: String(seed) } });

  const folder = args?.folder ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  let uri: vscode.Uri;
  if (folder) {
    // A workspace file: it can be saved, reopened and solved again later.
    const dir = path.join(folder, 'mazes');
    await fs.promises.mkdir(dir, { recursive: true });
    const name = newMazeFileName(size, seed, (n) => fs.existsSync(path.join(dir, n)));
    uri = vscode.Uri.file(path.join(dir, name));
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  } else {
    // No folder open: an untitled document (the custom editor edits it like any other).
    const doc = await vscode.workspace.openTextDocument({ language: 'maze', content: text });
    uri = doc.uri;
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, MazeEditorProvider.viewType);
  deps.log.info(`new ${size}×${size} maze (seed ${seed}) → ${uri.toString(true)}`);
  return uri;
}

// ---- Solve Maze ----------------------------------------------------------------------------------------------------
async function solveMaze(deps: CommandDeps, uri?: vscode.Uri): Promise<void> {
  let session = uri ? deps.mazeEditors.sessionsFor(uri)[0] : deps.mazeEditors.activeSession();
  if (!session) {
    const target = uri ?? activeMazeUri();
    if (!target) throw new Error('Open a .maze file first (or create one with "Deep Thinking: New Maze…").');
    await vscode.commands.executeCommand('vscode.openWith', target, MazeEditorProvider.viewType);
    session = deps.mazeEditors.sessionsFor(target)[0];
    if (!session) throw new Error(`Could not open ${path.basename(target.fsPath)} in the maze editor.`);
  }
  session.command('solve');
}

/** Send a toolbar action to the maze editor in front (the walkthrough's links and the palette use this). */
function mazeEditorCommand(deps: CommandDeps, name: 'thinkLonger' | 'corrupt'): void {
  const session = deps.mazeEditors.activeSession();
  if (!session) throw new Error('Open a .maze file and solve it first.');
  session.command(name);
}

function activeMazeUri(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && (doc.languageId === 'maze' || doc.fileName.endsWith('.maze'))) return doc.uri;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputCustom || tab instanceof vscode.TabInputText) {
    if (tab.uri.path.endsWith('.maze')) return tab.uri;
  }
  return undefined;
}

// ---- Train Model… --------------------------------------------------------------------------------------------------
interface Pick<T> extends vscode.QuickPickItem {
  value: T;
}

async function pickNumber(title: string, options: number[], suggested: number, max: number, what: string, describe?: (n: number) => string): Promise<number> {
  const custom = 'Other…';
  const items: vscode.QuickPickItem[] = [
    ...options.map((n) => ({ label: String(n), description: [n === suggested ? 'suggested' : '', describe?.(n) ?? ''].filter(Boolean).join(' · ') || undefined })),
    { label: custom },
  ];
  // A multi-step wizard must not vanish when focus moves (e.g. a webview in the side panel loading): ignoreFocusOut.
  const picked = need(await vscode.window.showQuickPick(items, { title, placeHolder: String(suggested), ignoreFocusOut: true }));
  if (picked.label !== custom) return Number(picked.label);
  return Number(need(await vscode.window.showInputBox({ title, value: String(suggested), ignoreFocusOut: true, validateInput: (v) => checkPositiveInt(v, max, what) })));
}

type TrainArgs = Partial<TrainParams> & { name?: string; mode?: TrainMode; seeds?: number[] };

/**
 * Train Model…: with arguments that give width or epochs (tests, other commands) a single run as before recipes;
 * otherwise the wizard offers the problem's default recipe, a seed sweep of it, or custom width/epochs over it.
 */
async function trainModel(deps: CommandDeps, args?: TrainArgs): Promise<TrainResult | undefined> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder && !args?.outDir) throw new Error('Open a folder first: checkpoints are written to <folder>/.deep-thinking/runs/.');
  const legacy = !args?.recipe && !args?.mode && (args?.width !== undefined || args?.epochs !== undefined);
  const plan = (mode: TrainMode, problem?: ProblemId) =>
    wizardSteps({
      problemGiven: !!args?.problem,
      modeGiven: legacy || !!args?.mode || !!args?.recipe,
      modelGiven: !!args?.model,
      mode,
      nameGiven: !!(args?.name ?? args?.runId),
      chessCsv: (problem ?? args?.problem) === 'chess' && !args?.csv,
    }).filter((s) => !(legacy && (s === 'width (channels)' || s === 'epochs')));
  let steps = plan(legacy ? 'custom' : 'recipe');
  const problem =
    args?.problem ??
    need(
      await vscode.window.showQuickPick<Pick<ProblemId>>(
        PROBLEM_IDS.map((p) => ({ label: getProblem(p).label, value: p })),
        { title: stepTitle(steps, 'problem'), ignoreFocusOut: true },
      ),
    ).value;
  steps = plan(legacy ? 'custom' : 'recipe', problem);
  let mode: TrainMode = legacy ? 'custom' : (args?.mode ?? 'recipe');
  if (!legacy && !args?.mode && !args?.recipe) {
    mode = need(
      await vscode.window.showQuickPick<Pick<TrainMode>>(
        modeChoices(problem).map((c) => ({ label: c.label, detail: c.detail, value: c.mode })),
        { title: stepTitle(steps, 'how to train'), ignoreFocusOut: true, matchOnDetail: true },
      ),
    ).value;
  }
  steps = plan(mode, problem);
  const model =
    args?.model ??
    need(
      await vscode.window.showQuickPick<Pick<ModelKind>>(
        MODEL_KINDS.map((k) => ({ label: k, detail: MODEL_LABELS[k], value: k })),
        { title: stepTitle(steps, 'architecture'), ignoreFocusOut: true },
      ),
    ).value;
  const suggestion = recipeSuggestion(problem);
  let width = args?.width;
  let epochs = args?.epochs;
  if (mode === 'custom' && !legacy) {
    width ??= await pickNumber(stepTitle(steps, 'width (channels)'), [16, 32, 64, 128, 256, 512], suggestion.width, 1024, 'The width', (w) => customEstimate(problem, { width: w }));
    epochs ??= await pickNumber(stepTitle(steps, 'epochs'), [1, 2, 5, 10, 20, 50], suggestion.epochs, 10_000, 'Epochs', (e) => customEstimate(problem, { width, epochs: e }));
  }
  if (legacy) {
    width ??= suggestion.width;
    epochs ??= readSettings().trainEpochs;
  }
  let name = args?.name ?? args?.runId;
  if (!name) {
    name = need(
      await vscode.window.showInputBox({
        title: stepTitle(steps, 'run name'),
        prompt: 'The checkpoint goes to .deep-thinking/runs/<name>/',
        value: defaultRunName(problem, model, width ?? suggestion.width),
        ignoreFocusOut: true,
        validateInput: checkRunName,
      }),
    ).trim();
  }
  const nameError = checkRunName(name);
  if (nameError) throw new Error(`run name "${name}": ${nameError}`);
  let csv = args?.csv;
  if (problem === 'chess' && !csv) {
    const sample = deps.context.asAbsolutePath(path.join('media', 'samples', 'chess', 'sample-puzzles.csv'));
    const choice = await vscode.window.showQuickPick(['Use the bundled sample (≈50 puzzles)', 'Choose a Lichess CSV…'], { title: stepTitle(steps, 'chess puzzles'), ignoreFocusOut: true });
    if (need(choice).startsWith('Choose')) {
      const files = need(await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Lichess puzzles': ['csv'] }, title: 'Lichess puzzle CSV' }));
      csv = need(files[0]).fsPath;
    } else csv = sample;
  }
  const outDir = args?.outDir ?? path.join(folder!.uri.fsPath, '.deep-thinking', 'runs', name);
  const base: TrainParams = { ...args, runId: name, problem, model, width, epochs, outDir, csv, ...(legacy ? {} : { recipe: args?.recipe ?? problem }) };
  for (const k of ['name', 'mode', 'seeds'] as const) delete (base as unknown as Record<string, unknown>)[k];
  for (const k of Object.keys(base) as (keyof TrainParams)[]) if (base[k] === undefined) delete base[k];
  const seeds = mode === 'sweep' ? (args?.seeds ?? SWEEP_SEEDS) : undefined;
  const runs: TrainParams[] = seeds
    ? seeds.map((seed) => ({ ...base, seed, runId: `${name}/seed-${seed}`, outDir: path.join(outDir, `seed-${seed}`) }))
    : [base];
  deps.log.info(`training ${name}: ${JSON.stringify(runs)}`);

  const results: TrainResult[] = [];
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Training ${name}`, cancellable: true },
    async (progress, token) => {
      for (let i = 0; i < runs.length; i++) {
        const params = runs[i];
        let done = 0;
        const sub = deps.runs.onDidProgress((p) => {
          if (p.runId !== params.runId) return;
          // Each stage of a recipe counts its own steps: the bar covers the stage (the message says which).
          const fraction = p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
          const overall = ((p.stages ? ((p.stage ?? 1) - 1 + fraction) / p.stages : fraction) + i) / runs.length;
          progress.report({
            increment: Math.max(0, overall * 100 - done),
            message: progressMessage(p, seeds ? { index: i + 1, count: runs.length, seed: seeds[i] } : undefined),
          });
          done = Math.max(done, overall * 100);
        });
        try {
          const r = await deps.runs.train(params, token, seeds ? { sweep: name, seed: params.seed } : undefined);
          results.push(r);
          if (r.cancelled) break;
        } finally {
          sub.dispose();
        }
      }
    },
  );
  await deps.models.refresh();
  const cancelled = results.find((r) => r.cancelled);
  if (cancelled) {
    // Name the directory that really holds a checkpoint (an earlier stage's, or none), not the one asked for.
    const where = cancelled.checkpointDir ? vscode.workspace.asRelativePath(cancelled.checkpointDir) : undefined;
    void vscode.window.showInformationMessage(
      `Training ${cancelled.runId} was cancelled; ` +
        (where ? `its newest checkpoint is in ${where}.` : 'no epoch had finished, so it wrote no checkpoint.'),
    );
    return cancelled;
  }
  const best = results.reduce<TrainResult | undefined>((a, r) => (!a || (r.bestValAccuracy ?? -1) > (a.bestValAccuracy ?? -1) ? r : a), undefined);
  if (!best) return undefined;
  const where = vscode.workspace.asRelativePath(best.checkpointDir ?? best.outDir);
  const acc = best.bestValAccuracy !== null ? `${(best.bestValAccuracy * 100).toFixed(1)}%` : '—';
  const seconds = results.reduce((a, r) => a + r.seconds, 0);
  const select = `Use for ${getProblem(problem).label}`;
  void vscode.window
    .showInformationMessage(
      results.length > 1
        ? `Sweep ${name} finished in ${formatEta(seconds)}: ${results.map((r) => `${r.runId.split('/').pop()} ${r.bestValAccuracy !== null ? (100 * r.bestValAccuracy).toFixed(1) + '%' : '—'}`).join(', ')}. Kept: ${where} (${acc}).`
        : `Training ${name} finished in ${formatEta(seconds)} (selection accuracy ${acc}). Checkpoint: ${where}`,
      select,
    )
    .then(async (a) => {
      if (a !== select) return;
      const dir = best.checkpointDir ?? best.outDir;
      const m = (await deps.models.list()).find((s) => path.resolve(s.spec) === path.resolve(dir));
      await deps.models.select(problem, m?.spec ?? dir);
    });
  return best;
}

// ---- Import PyTorch Checkpoint… -------------------------------------------------------------------------------------
async function importPth(deps: CommandDeps, args?: { pthPath?: string; problem?: ProblemId }): Promise<ModelSummary | undefined> {
  const pthPath =
    args?.pthPath ??
    need(
      need(
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'PyTorch checkpoints': ['pth', 'pt'] },
          title: 'Import a checkpoint of aks2203/deep-thinking',
        }),
      )[0],
    ).fsPath;
  const guess = guessProblemFromFileName(path.basename(pthPath));
  const problem =
    args?.problem ??
    need(
      await vscode.window.showQuickPick<Pick<ProblemId>>(
        PROBLEM_IDS.map((p) => ({ label: getProblem(p).label, value: p, description: p === guess ? 'guessed from the file name' : undefined }))
          .sort((a, b) => (a.value === guess ? -1 : b.value === guess ? 1 : 0)),
        { title: `Which problem was ${path.basename(pthPath)} trained on?` },
      ),
    ).value;
  const outDir = path.join(deps.models.importedDir(), safeDirName(path.basename(pthPath)));
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Importing ${path.basename(pthPath)}…` },
    () => deps.engine.request(ImportPthRequest, { pthPath, problem, outDir }),
  );
  await deps.models.refresh();
  await deps.models.select(summary.problem, summary.spec);
  void vscode.window.showInformationMessage(
    `Imported ${path.basename(pthPath)} as ${summary.name} (${describeModel(summary)}); it is now the ${getProblem(summary.problem).label} model.`,
  );
  return summary;
}

// ---- Select Model… ------------------------------------------------------------------------------------------------
async function selectModel(deps: CommandDeps, problem?: ProblemId, spec?: string): Promise<string | undefined> {
  const models = await deps.models.list();
  if (problem && spec) {
    await deps.models.select(problem, spec);
    return spec;
  }
  const fits = models.filter((m) => !problem || m.problem === problem);
  if (fits.length === 0) {
    const train = 'Train Model…';
    const imp = 'Import PyTorch Checkpoint…';
    const a = await vscode.window.showInformationMessage(
      `No ${problem ? getProblem(problem).label.toLowerCase() + ' ' : ''}models yet.`,
      train,
      imp,
    );
    if (a === train) await vscode.commands.executeCommand('deepThinking.trainModel', problem ? { problem } : undefined);
    if (a === imp) await vscode.commands.executeCommand('deepThinking.importPth', problem ? { problem } : undefined);
    return undefined;
  }
  type Item = vscode.QuickPickItem & { model?: ModelSummary };
  const items: Item[] = [];
  for (const p of PROBLEM_IDS) {
    const group = fits.filter((m) => m.problem === p);
    if (!group.length) continue;
    items.push({ label: getProblem(p).label, kind: vscode.QuickPickItemKind.Separator });
    const current = deps.models.selected(p);
    for (const m of group) {
      items.push({ label: `${m.spec === current ? '$(check) ' : ''}${m.name}`, description: describeModel(m), detail: m.spec, model: m });
    }
  }
  const picked = need(await vscode.window.showQuickPick(items, { title: 'Select the model used for solving', matchOnDetail: true }));
  if (!picked.model) return undefined;
  await deps.models.select(picked.model.problem, picked.model.spec);
  return picked.model.spec;
}
