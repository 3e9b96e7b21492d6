/**
 * Cancellation and cooperative yielding for the long evaluation and solve loops.
 *
 * The loops are synchronous tensor work; the JSON-RPC connection lives on the same event loop, so a
 * `$/cancelRequest` (or the frame notifications we send) only gets through when the loop awaits. `Yielder`
 * gives the event loop a turn every few milliseconds, which costs far less than one iteration of any real net.
 */

/** An AbortSignal, or anything shaped like a vscode-jsonrpc CancellationToken. */
export type CancellationLike = AbortSignal | { readonly isCancellationRequested: boolean };

export function isCancelled(token: CancellationLike | undefined): boolean {
  if (!token) return false;
  return 'aborted' in token ? token.aborted : token.isCancellationRequested;
}

/** Resolves on the next macrotask, after pending I/O callbacks have run. */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Yields to the event loop at most once per `everyMs` of wall time. */
export class Yielder {
  private last = performance.now();
  constructor(private readonly everyMs = 15) {}

  async maybeYield(): Promise<void> {
    const now = performance.now();
    if (now - this.last < this.everyMs) return;
    await nextTick();
    this.last = performance.now();
  }
}
