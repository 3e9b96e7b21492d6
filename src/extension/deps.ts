/**
 * What the parts of the extension share, as interfaces, so each part (editor, panels, sidebar, commands) can be
 * built and tested on its own. extension.ts wires the real implementations.
 */
import type * as vscode from 'vscode';
import type { CancellationToken, NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ModelSummary, TrainProgress } from '../shared/protocol/engine';
import type { ProblemId } from '../shared/problems/problem';
import type { RunInfo } from '../shared/protocol/webview/sidebar';

/** The engine process, seen from the extension. Typed JSON-RPC; restarts are hidden behind it. */
export interface EngineApi {
  request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken | CancellationToken): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable;
  /** send a notification to the engine (no-op while it is not running); optional so test doubles may omit it */
  notify?<P>(type: NotificationType<P>, params: P): void;
  /** resolves once the engine is running (starting it if needed) */
  ready(): Promise<void>;
  /** fires after each (re)start */
  readonly onDidRestart: vscode.Event<void>;
}

/** Models known to the extension, and the one selected per problem. */
export interface ModelRegistryApi {
  list(): Promise<ModelSummary[]>;
  /** the selected model spec for a problem (falls back to the bundled model) */
  selected(problem: ProblemId): string;
  select(problem: ProblemId, spec: string): Promise<void>;
  refresh(): Promise<void>;
  readonly onDidChange: vscode.Event<void>;
}

/** Live training runs, for the sidebar's curves. */
export interface TrainingRunsApi {
  readonly onDidProgress: vscode.Event<TrainProgress>;
  history(runId: string): TrainProgress[];
  runs(): string[];
  /** status, sweep and checkpoint of a run (undefined for runs this session did not start) */
  info?(runId: string): RunInfo | undefined;
  /** a run started or finished */
  readonly onDidChangeRuns?: vscode.Event<void>;
}

export interface ExtensionDeps {
  context: vscode.ExtensionContext;
  engine: EngineApi;
  models: ModelRegistryApi;
  runs: TrainingRunsApi;
  log: vscode.LogOutputChannel;
}
