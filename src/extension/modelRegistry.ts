/**
 * The models the extension knows (bundled with the extension, trained in the workspace, imported from .pth) and the
 * one selected per problem. The engine does the scanning (it reads model.json files); this keeps the last list, so
 * `selected()` can answer synchronously, and refreshes it when the engine restarts or a checkpoint appears under
 * <workspace>/.deep-thinking/runs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ListModelsRequest, type ModelSummary } from '../shared/protocol/engine';
import type { ProblemId } from '../shared/problems/problem';
import type { EngineApi, ModelRegistryApi } from './deps';
import { errorMessage } from './engineErrors';
import { pickDefaultModel } from './modelChoice';

const SELECTION_KEY = 'deepThinking.selectedModels';

export class ModelRegistry implements ModelRegistryApi, vscode.Disposable {
  private models: ModelSummary[] = [];
  private loaded: Promise<void> | undefined;
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: EngineApi,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.deep-thinking/runs/**/model.json');
    const soon = () => this.refreshSoon();
    this.disposables.push(
      this._onDidChange,
      watcher,
      watcher.onDidCreate(soon),
      watcher.onDidChange(soon),
      watcher.onDidDelete(soon),
      engine.onDidRestart(soon),
      vscode.workspace.onDidChangeWorkspaceFolders(soon),
      vscode.workspace.onDidGrantWorkspaceTrust(soon),
    );
  }

  /** <first workspace folder>/.deep-thinking/runs, where Train Model… writes. */
  runsDir(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder && folder.uri.scheme === 'file' ? path.join(folder.uri.fsPath, '.deep-thinking', 'runs') : undefined;
  }

  /** Where imported .pth checkpoints go (outside any workspace, so they follow the user). */
  importedDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'imported');
  }

  private scanDirs(): string[] {
    // Restricted mode (package.json capabilities.untrustedWorkspaces): bundled models only. Checkpoints and .pth
    // files from an untrusted folder are not opened until the user trusts it.
    if (!vscode.workspace.isTrusted) return [];
    const dirs = [this.importedDir()];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme === 'file') dirs.push(path.join(f.uri.fsPath, '.deep-thinking', 'runs'));
    }
    return dirs;
  }

  async list(): Promise<ModelSummary[]> {
    if (!this.loaded) this.loaded = this.refresh();
    await this.loaded;
    return this.models;
  }

  /** The last list, without waiting (may be empty before the first refresh). */
  cached(): ModelSummary[] {
    return this.models;
  }

  selected(problem: ProblemId): string {
    const stored = this.selections()[problem];
    // An untrusted workspace's stored choice may name one of its own checkpoints: only listed models count then.
    const chosen = vscode.workspace.isTrusted || this.models.some((m) => m.spec === stored) ? stored : undefined;
    return pickDefaultModel(this.models, problem, chosen)?.spec ?? chosen ?? '';
  }

  /** The summary of the selected model, when the list has it. */
  selectedSummary(problem: ProblemId): ModelSummary | undefined {
    const spec = this.selected(problem);
    return this.models.find((m) => m.spec === spec);
  }

  async select(problem: ProblemId, spec: string): Promise<void> {
    await this.context.workspaceState.update(SELECTION_KEY, { ...this.selections(), [problem]: spec });
    this.log.info(`selected model for ${problem}: ${spec}`);
    this._onDidChange.fire();
  }

  async refresh(): Promise<void> {
    try {
      this.models = await this.engine.request(ListModelsRequest, { dirs: this.scanDirs() });
      this.log.debug(`models: ${this.models.map((m) => `${m.name} (${m.problem}, ${m.source})`).join(', ') || 'none'}`);
    } catch (e) {
      this.log.error(`listing models failed: ${errorMessage(e)}`);
    }
    this._onDidChange.fire();
  }

  private refreshSoon(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.loaded = this.refresh();
    }, 300);
  }

  private selections(): Partial<Record<ProblemId, string>> {
    return this.context.workspaceState.get<Partial<Record<ProblemId, string>>>(SELECTION_KEY) ?? {};
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}
