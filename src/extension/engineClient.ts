/**
 * The engine process, seen from the extension (docs/design.md, Runtimes): a vscode-languageclient LanguageClient over IPC that
 * runs dist/engine.js with the extension host's own Node (fork), or with `deepThinking.engine.nodePath` (spawn via
 * `runtime`). The same connection carries the `.maze` language features and our typed deepThinking/* requests.
 *
 * Reliability:
 * - every message is traced to the "Deep Thinking" LogOutputChannel at trace level (visible when the channel's level
 *   is Trace; message bodies are traced only then, since solve frames are large);
 * - if the engine dies, it is restarted and the user is told, with a "Show Log" action; five crashes within three
 *   minutes stop the restarts (a broken setup would otherwise loop) until "Deep Thinking: Restart Engine";
 * - changing the Node path or the backend restarts the engine with the new setting.
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  Trace,
  TransportKind,
  type LanguageClientOptions,
  type NodeModule,
} from 'vscode-languageclient/node';
import type { CancellationToken, NotificationType, RequestType } from 'vscode-jsonrpc';
import { EngineLogNotification, InfoRequest, type EngineInfo } from '../shared/protocol/engine';
import type { EngineApi } from './deps';
import { onSettingsChange, readSettings } from './settings';

const CRASH_WINDOW_MS = 3 * 60 * 1000;
const MAX_CRASHES = 5;

/** An OutputChannel facade that writes the client's trace lines to the log channel at trace level. */
function traceChannel(log: vscode.LogOutputChannel): vscode.OutputChannel {
  let pending = '';
  return {
    name: log.name,
    append: (s: string) => void (pending += s),
    appendLine: (s: string) => {
      log.trace(pending + s);
      pending = '';
    },
    replace: () => undefined,
    clear: () => undefined,
    show: () => log.show(true),
    hide: () => undefined,
    dispose: () => undefined,
  } as vscode.OutputChannel;
}

export class EngineClient implements EngineApi, vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private stopping = false;
  private needsNewClient = false;
  private restarting: Promise<void> = Promise.resolve();
  /** the post-start work (info request, trace level, onDidRestart) of the latest start */
  private running: Promise<void> = Promise.resolve();
  private crashes: number[] = [];
  private readonly listeners = new Map<string, { type: NotificationType<unknown>; handlers: Set<(p: unknown) => void> }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly _onDidRestart = new vscode.EventEmitter<void>();
  readonly onDidRestart = this._onDidRestart.event;
  private readonly _onDidCrash = new vscode.EventEmitter<void>();
  /** fires when the engine process died unexpectedly (before the restart) */
  readonly onDidCrash = this._onDidCrash.event;
  /** what the running engine reported about itself */
  info: EngineInfo | undefined;
  /** counts starts, so callers can tell whether the engine restarted under them */
  generation = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this._onDidRestart,
      this._onDidCrash,
      onSettingsChange((e) => {
        if (e.affectsConfiguration('deepThinking.engine')) {
          this.log.info('engine settings changed; restarting the engine');
          void this.restart().catch((err) => this.log.error(`restart failed: ${err}`));
        }
      }),
      log.onDidChangeLogLevel(() => void this.applyTrace()),
    );
    // Engine log lines land in the same channel, at the engine's level.
    this.onNotification(EngineLogNotification, ({ level, message }) => {
      const fn = { trace: log.trace, debug: log.debug, info: log.info, warn: log.warn, error: log.error }[level] ?? log.info;
      fn.call(log, `[engine] ${message}`);
    });
  }

  /** Resolves once the engine is running, starting it if needed. */
  ready(): Promise<void> {
    if (this.client?.state === State.Running) return Promise.resolve();
    if (!this.starting) {
      this.starting = this.start().finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  async request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken | CancellationToken): Promise<R> {
    await this.ready();
    const client = this.client!;
    return token ? client.sendRequest(type, params, token) : client.sendRequest(type, params);
  }

  notify<P>(type: NotificationType<P>, params: P): void {
    if (this.client?.state !== State.Running) return;
    this.client.sendNotification(type, params).catch((e) => this.log.warn(`notification ${type.method} failed: ${e}`));
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    // LanguageClient keeps one handler per method, so we multiplex here.
    let entry = this.listeners.get(type.method);
    if (!entry) {
      entry = { type: type as NotificationType<unknown>, handlers: new Set() };
      this.listeners.set(type.method, entry);
      this.client?.onNotification(type, (p: P) => this.dispatch(type.method, p));
    }
    const h = handler as (p: unknown) => void;
    entry.handlers.add(h);
    return new vscode.Disposable(() => entry!.handlers.delete(h));
  }

  /** Stop the engine (if running) and start a fresh one with the current settings. */
  restart(): Promise<void> {
    // Serialised: a settings change and the Restart command may ask at the same moment.
    const run = async () => {
      await this.stop();
      this.crashes = [];
      await this.ready();
    };
    const next = this.restarting.then(run, run);
    this.restarting = next.catch(() => undefined);
    return next;
  }

  /** The running engine's process id (tests kill it to check recovery). */
  async pid(): Promise<number> {
    await this.ready();
    const info = await this.client!.sendRequest(InfoRequest);
    return info.pid;
  }

  private dispatch(method: string, params: unknown): void {
    for (const h of this.listeners.get(method)?.handlers ?? []) {
      try {
        h(params);
      } catch (e) {
        this.log.error(`handler for ${method} threw: ${e instanceof Error ? e.stack ?? e.message : e}`);
      }
    }
  }

  private serverModule(): NodeModule {
    const s = readSettings();
    const module = this.context.asAbsolutePath('dist/engine.js');
    const env = {
      ...process.env,
      DEEP_THINKING_BACKEND: s.backend,
      DEEP_THINKING_DEVICE: s.device,
      DEEP_THINKING_WASM_DIR: this.context.asAbsolutePath('dist/wasm'),
      DEEP_THINKING_MODELS_DIR: this.context.asAbsolutePath('media/models'),
    };
    return {
      module,
      transport: TransportKind.ipc,
      // With a user-chosen Node we spawn it (`runtime`); otherwise fork() reuses the extension host's Node.
      runtime: s.nodePath || undefined,
      options: { env, execArgv: ['--max-old-space-size=8192'] },
    };
  }

  private createClient(): LanguageClient {
    const run = this.serverModule();
    const options: LanguageClientOptions = {
      documentSelector: [{ language: 'maze' }],
      outputChannel: this.log,
      traceOutputChannel: traceChannel(this.log),
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { backend: readSettings().backend },
      errorHandler: {
        error: (_e, _m, count) => ({ action: count && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
        closed: () => this.onClosed(),
      },
    };
    const client = new LanguageClient('deepThinking.engine', 'Deep Thinking Engine', { run, debug: run }, options);
    for (const [method, { type }] of this.listeners) client.onNotification(type, (p: unknown) => this.dispatch(method, p));
    client.onDidChangeState((e) => {
      if (e.newState === State.Running && client === this.client) this.running = this.onRunning();
    });
    return client;
  }

  private onClosed(): { action: CloseAction; handled: boolean; message?: string } {
    if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.info = undefined;
    this._onDidCrash.fire();
    if (this.crashes.length > MAX_CRASHES) {
      const msg = `The Deep Thinking engine crashed ${this.crashes.length} times in 3 minutes and will not be restarted automatically.`;
      this.log.error(msg);
      void vscode.window.showErrorMessage(msg, 'Show Log', 'Restart Engine').then((a) => {
        if (a === 'Show Log') this.log.show();
        if (a === 'Restart Engine') void vscode.commands.executeCommand('deepThinking.restartEngine');
      });
      this.needsNewClient = true;
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.log.warn('engine process exited unexpectedly; restarting it');
    void vscode.window
      .showWarningMessage('The Deep Thinking engine stopped unexpectedly and was restarted.', 'Show Log')
      .then((a) => a === 'Show Log' && this.log.show());
    return { action: CloseAction.Restart, handled: true };
  }

  private async onRunning(): Promise<void> {
    this.generation++;
    await this.applyTrace();
    try {
      this.info = await this.client!.sendRequest(InfoRequest);
      this.log.info(`engine ${this.info.engineVersion} running: pid ${this.info.pid}, Node ${this.info.node}, backend ${this.info.backend}`);
    } catch (e) {
      this.log.warn(`engine info request failed: ${e instanceof Error ? e.message : e}`);
    }
    this._onDidRestart.fire();
  }

  private async applyTrace(): Promise<void> {
    if (this.client?.state !== State.Running) return;
    // Message bodies (solve frames are large) only when someone looks at trace level.
    const trace = this.log.logLevel === vscode.LogLevel.Trace ? Trace.Verbose : this.log.logLevel === vscode.LogLevel.Debug ? Trace.Messages : Trace.Off;
    await this.client.setTrace(trace).catch(() => undefined);
  }

  private async start(): Promise<void> {
    // A client whose start failed, or that gave up after repeated crashes, cannot be started again: make a new one.
    // (After an ordinary crash the client restarts itself, and start() joins that restart.)
    if (!this.client || this.needsNewClient) {
      if (this.client) await this.client.dispose().catch(() => undefined);
      this.client = this.createClient();
      this.needsNewClient = false;
    }
    const s = readSettings();
    this.log.info(`starting engine (${s.nodePath ? `Node ${s.nodePath}` : "the extension host's Node"}, backend ${s.backend})`);
    try {
      await this.client.start();
      await this.running;
    } catch (e) {
      this.needsNewClient = true;
      const why = e instanceof Error ? e.message : String(e);
      const hint = s.nodePath ? ` Check the setting deepThinking.engine.nodePath ("${s.nodePath}").` : '';
      throw new Error(`The Deep Thinking engine failed to start: ${why}.${hint} See "Deep Thinking: Show Engine Log".`);
    }
  }

  private async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    try {
      if (client.state === State.Running || client.state === State.Starting) await client.stop(5000).catch(() => undefined);
      await client.dispose().catch(() => undefined);
    } finally {
      this.stopping = false;
      this.client = undefined;
      this.info = undefined;
    }
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables) d.dispose();
  }
}
