/**
 * Telling an engine crash apart from an ordinary failed request (pure; no vscode import). When the engine process
 * dies, vscode-jsonrpc rejects every pending request with PendingResponseRejected, and requests sent while it
 * restarts fail with ConnectionInactive.
 */
const CONNECTION_LOST_CODES = new Set([-32097 /* PendingResponseRejected */, -32096 /* ConnectionInactive */, -32099 /* MessageWriteError */]);

export function isConnectionLost(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'number' && CONNECTION_LOST_CODES.has(code)) return true;
  const msg = (e as { message?: unknown }).message;
  return typeof msg === 'string' && /connection got disposed|Client is not running|connection (is )?closed/i.test(msg);
}

/** JSON-RPC's RequestCancelled (-32800), or our own cancellation. */
export function isCancellation(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const code = (e as { code?: unknown }).code;
  const name = (e as { name?: unknown }).name;
  return code === -32800 || name === 'Canceled' || name === 'CancellationError';
}

/** The message of anything thrown, without the "Error: " prefix noise. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
}
