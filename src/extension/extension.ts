/**
 * Activation: one LogOutputChannel, the engine client (the engine process is also the `.maze` language server), the
 * model registry, the training runs, and then the views that use them: the `.maze` custom editor, the prefix-sum and
 * chess panels, the sidebar, and the palette commands. Nothing here computes tensors (docs/design.md, Runtimes).
 *
 * `activate` returns the extension's API, which the extension-host tests use to reach the engine and the editors.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import type { ExtensionDeps } from './deps';
import { EngineClient } from './engineClient';
import { errorMessage } from './engineErrors';
import { MazeEditorProvider } from './mazeEditorProvider';
import { ModelRegistry } from './modelRegistry';
import { registerPuzzlePanels } from './puzzlePanels';
import { SidebarViewProvider } from './sidebarView';
import { TrainingRuns } from './trainingRuns';

export interface DeepThinkingApi {
  engine: EngineClient;
  models: ModelRegistry;
  runs: TrainingRuns;
  mazeEditors: MazeEditorProvider;
  log: vscode.LogOutputChannel;
}

export function activate(context: vscode.ExtensionContext): DeepThinkingApi {
  const log = vscode.window.createOutputChannel('Deep Thinking', { log: true });
  const engine = new EngineClient(context, log);
  const models = new ModelRegistry(context, engine, log);
  const runs = new TrainingRuns(engine, log);
  const deps: ExtensionDeps = { context, engine, models, runs, log };
  const { provider: mazeEditors, disposables: editorDisposables } = MazeEditorProvider.register(deps);
  context.subscriptions.push(
    log,
    engine,
    models,
    runs,
    ...editorDisposables,
    ...registerCommands({ ...deps, engine, models, runs, mazeEditors }),
    ...registerPuzzlePanels(deps),
    ...SidebarViewProvider.register(deps),
  );
  context.subscriptions.push(engineStatusItem(engine));
  log.info(`Deep Thinking Lab ${context.extension.packageJSON.version} activated (VS Code ${vscode.version})`);
  // Start the engine now (it also serves .maze diagnostics); the model list follows its start.
  engine.ready().catch((e) => {
    log.error(errorMessage(e));
    void vscode.window.showErrorMessage(errorMessage(e), 'Show Log').then((a) => a && log.show());
  });
  return { engine, models, runs, mazeEditors, log };
}

/** A status bar item with the engine's state and backend; clicking it shows the log. */
function engineStatusItem(engine: EngineClient): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('deepThinking.engine', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Deep Thinking Engine';
  item.command = 'deepThinking.showLog';
  const show = (icon: string, text: string, tooltip: string) => {
    item.text = `$(${icon}) ${text}`;
    item.tooltip = tooltip;
    item.show();
  };
  show('loading~spin', 'Deep Thinking', 'Deep Thinking engine: starting…');
  const subs = [
    engine.onDidRestart(() => {
      const i = engine.info;
      show('circuit-board', `Deep Thinking: ${i?.backendName ?? 'running'}`, i ? `Deep Thinking engine (pid ${i.pid}, Node ${i.node})\nBackend: ${i.backend}\nClick to show the log.` : 'Deep Thinking engine running');
    }),
    engine.onDidCrash(() => show('sync~spin', 'Deep Thinking: restarting', 'The engine stopped unexpectedly and is restarting. Click to show the log.')),
  ];
  engine.ready().catch((e) => show('error', 'Deep Thinking: engine failed', `${errorMessage(e)}\nClick to show the log; fix the setting, then run Deep Thinking: Restart Engine.`));
  return vscode.Disposable.from(item, ...subs);
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the engine client stops its process on dispose.
}
