/**
 * Training runs, as the extension sees them: the engine's TrainProgress notifications, kept per run for the sidebar's
 * live curves, and `train()` which runs one to the end — resuming from the last checkpoint when the engine crashed
 * under it (the engine writes a checkpoint per epoch; TrainParams.resume picks it up).
 */
import * as vscode from 'vscode';
import { TrainProgressNotification, TrainRequest, type TrainParams, type TrainProgress, type TrainResult } from '../shared/protocol/engine';
import type { EngineApi, TrainingRunsApi } from './deps';
import { errorMessage, isConnectionLost } from './engineErrors';
import { thinHistory } from './history';
import type { RunInfo } from '../shared/protocol/webview/sidebar';



/** Points kept per run; older ones are thinned (every other one of the older half) beyond this. */
const MAX_POINTS = 4000;
const MAX_RESUMES = 3;
const RESTART_WAIT_MS = 120_000;

export class TrainingRuns implements TrainingRunsApi, vscode.Disposable {
  private readonly hist = new Map<string, TrainProgress[]>();
  private readonly active = new Set<string>();
  private readonly infos = new Map<string, RunInfo>();
  private readonly _onDidProgress = new vscode.EventEmitter<TrainProgress>();
  readonly onDidProgress = this._onDidProgress.event;
  private readonly _onDidChangeRuns = new vscode.EventEmitter<void>();
  /** a run started or finished */
  readonly onDidChangeRuns = this._onDidChangeRuns.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly engine: EngineApi,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      this._onDidProgress,
      this._onDidChangeRuns,
      engine.onNotification(TrainProgressNotification, (p) => this.record(p)),
    ];
  }

  history(runId: string): TrainProgress[] {
    return this.hist.get(runId) ?? [];
  }

  runs(): string[] {
    return [...this.hist.keys()];
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  info(runId: string): RunInfo | undefined {
    return this.infos.get(runId);
  }

  record(p: TrainProgress): void {
    let h = this.hist.get(p.runId);
    if (!h) this.hist.set(p.runId, (h = []));
    h.push(p);
    if (h.length > MAX_POINTS) this.hist.set(p.runId, thinHistory(h, MAX_POINTS));
    this._onDidProgress.fire(p);
  }

  /**
   * Train to the end. If the engine dies mid-run, wait for its restart and send the run again with resume: true,
   * up to three times.
   */
  async train(params: TrainParams, token?: vscode.CancellationToken, group?: { sweep: string; seed?: number }): Promise<TrainResult> {
    this.active.add(params.runId);
    if (!this.hist.has(params.runId)) this.hist.set(params.runId, []);
    const info: RunInfo = { status: 'running', ...(group ? { sweep: group.sweep, seed: group.seed } : {}) };
    this.infos.set(params.runId, info);
    this._onDidChangeRuns.fire();
    let resume = params.resume ?? false;
    try {
      for (let attempt = 0; ; attempt++) {
        // Subscribe before sending, so a restart that races the rejection is not missed.
        const restarted = waitForEvent(this.engine.onDidRestart, RESTART_WAIT_MS);
        try {
          const r = await this.engine.request(TrainRequest, { ...params, resume }, token);
          Object.assign(info, { status: r.cancelled ? 'cancelled' : 'done', checkpointDir: r.checkpointDir, bestValAccuracy: r.bestValAccuracy });
          return r;
        } catch (e) {
          if (token?.isCancellationRequested || !isConnectionLost(e) || attempt >= MAX_RESUMES) {
            info.status = token?.isCancellationRequested ? 'cancelled' : 'failed';
            throw e;
          }
          this.log.warn(`training run ${params.runId}: the engine stopped (${errorMessage(e)}); resuming from its last checkpoint`);
          if (!(await restarted.promise)) throw new Error(`training run ${params.runId}: the engine did not come back within ${RESTART_WAIT_MS / 1000} s`);
          resume = true;
        } finally {
          restarted.dispose();
        }
      }
    } finally {
      this.active.delete(params.runId);
      this._onDidChangeRuns.fire();
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** A promise that resolves true at the event's next firing, or false after `ms`. */
function waitForEvent(event: vscode.Event<unknown>, ms: number): { promise: Promise<boolean>; dispose(): void } {
  let sub: vscode.Disposable | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<boolean>((resolve) => {
    sub = event(() => resolve(true));
    timer = setTimeout(() => resolve(false), ms);
  });
  return {
    promise,
    dispose() {
      sub?.dispose();
      clearTimeout(timer);
    },
  };
}
