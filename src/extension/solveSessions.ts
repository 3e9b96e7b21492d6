/**
 * Streamed solves for the puzzle panels, without the vscode API (so unit tests drive it with a fake engine).
 *
 * Each panel slot has one engine session id, reused run after run, so the engine keeps at most one hidden state per
 * slot (EngineApi has no way to send DisposeSessionNotification). Frames of SolveFrameNotification are routed by
 * sessionId to the run's callback. A new run in a slot first cancels the previous one and waits for its answer:
 * JSON-RPC keeps message order, so once that answer arrived no stale frame of the old run can follow and be taken
 * for the new run's.
 */
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { SolveFrameNotification, SolveRequest, type SolveFrame, type SolveParams, type SolveResult } from '../shared/protocol/engine';
import type { EngineApi } from './deps';

interface Running {
  source: CancellationTokenSource;
  done: Promise<unknown>;
  onFrame: (f: SolveFrame) => void;
}

export class SolveSessions {
  private readonly running = new Map<string, Running>();
  private readonly subscription: { dispose(): void };

  /** @param prefix makes the session ids unique to this panel instance, e.g. "prefix-1" */
  constructor(
    private readonly engine: EngineApi,
    private readonly prefix: string,
  ) {
    this.subscription = engine.onNotification(SolveFrameNotification, (f) => {
      for (const [slot, r] of this.running) if (this.sessionId(slot) === f.sessionId) r.onFrame(f);
    });
  }

  sessionId(slot: string): string {
    return `${this.prefix}-${slot}`;
  }

  /** Solve in `slot`; frames go to onFrame until the returned promise settles. */
  async run(slot: string, params: Omit<SolveParams, 'sessionId'>, onFrame: (f: SolveFrame) => void): Promise<SolveResult> {
    const previous = this.running.get(slot);
    if (previous) {
      previous.source.cancel();
      await previous.done.catch(() => undefined);
    }
    const source = new CancellationTokenSource();
    const done = this.engine.request(SolveRequest, { ...params, sessionId: this.sessionId(slot) }, source.token);
    const entry: Running = { source, done, onFrame };
    this.running.set(slot, entry);
    try {
      return await done;
    } finally {
      if (this.running.get(slot) === entry) this.running.delete(slot);
      source.dispose();
    }
  }

  cancel(slot: string): void {
    this.running.get(slot)?.source.cancel();
  }

  isRunning(slot: string): boolean {
    return this.running.has(slot);
  }

  dispose(): void {
    for (const r of this.running.values()) r.source.cancel();
    this.running.clear();
    this.subscription.dispose();
  }
}

/** base64 → plain Uint8Array (not a Buffer: webview postMessage carries typed arrays as such). */
export function decodeProbs(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
