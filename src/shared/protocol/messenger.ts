/**
 * Request/response + event messaging over any postMessage-like channel (webview ⇄ extension), with error replies.
 * Modelled on vscode-hexeditor's helper, plus the error reply it lacks. Every message is a string-tagged
 * discriminated union; `validate` rejects anything malformed before a handler sees it (messages from a webview are
 * untrusted input).
 */

/** A protocol: request types map to [params, result]; event types map to payloads. */
export interface ProtocolShape {
  requests: Record<string, [unknown, unknown]>;
  events: Record<string, unknown>;
}

export type Envelope =
  | { kind: 'request'; id: number; type: string; params: unknown }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: string }
  | { kind: 'event'; type: string; payload: unknown };

export function isEnvelope(m: unknown): m is Envelope {
  if (!m || typeof m !== 'object') return false;
  const e = m as Record<string, unknown>;
  switch (e.kind) {
    case 'request':
      return typeof e.id === 'number' && typeof e.type === 'string';
    case 'response':
      return typeof e.id === 'number' && typeof e.ok === 'boolean' && (e.ok || typeof e.error === 'string');
    case 'event':
      return typeof e.type === 'string';
    default:
      return false;
  }
}

export type Validator = (type: string, value: unknown) => string | undefined;

/**
 * One side of a conversation. `In` is what this side receives, `Out` what it sends.
 */
export class Messenger<In extends ProtocolShape, Out extends ProtocolShape> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly requestHandlers = new Map<string, (params: unknown) => unknown>();
  private readonly eventHandlers = new Map<string, Set<(payload: unknown) => void>>();

  constructor(
    private readonly post: (message: Envelope) => void,
    /** returns an error string for an invalid incoming request/event payload */
    private readonly validate: Validator = () => undefined,
    private readonly log: (direction: 'in' | 'out', message: Envelope) => void = () => undefined,
  ) {}

  request<K extends keyof Out['requests'] & string>(type: K, params: Out['requests'][K][0]): Promise<Out['requests'][K][1]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ kind: 'request', id, type, params });
    });
  }

  emit<K extends keyof Out['events'] & string>(type: K, payload: Out['events'][K]): void {
    this.send({ kind: 'event', type, payload });
  }

  onRequest<K extends keyof In['requests'] & string>(
    type: K,
    handler: (params: In['requests'][K][0]) => In['requests'][K][1] | Promise<In['requests'][K][1]>,
  ): void {
    this.requestHandlers.set(type, handler as (p: unknown) => unknown);
  }

  on<K extends keyof In['events'] & string>(type: K, handler: (payload: In['events'][K]) => void): () => void {
    let set = this.eventHandlers.get(type);
    if (!set) this.eventHandlers.set(type, (set = new Set()));
    set.add(handler as (p: unknown) => void);
    return () => set!.delete(handler as (p: unknown) => void);
  }

  /** Feed every incoming message here. Returns an error string when the message was rejected. */
  async handle(message: unknown): Promise<string | undefined> {
    if (!isEnvelope(message)) return 'malformed message envelope';
    this.log('in', message);
    switch (message.kind) {
      case 'response': {
        const p = this.pending.get(message.id);
        if (!p) return `response to unknown request ${message.id}`;
        this.pending.delete(message.id);
        if (message.ok) p.resolve(message.result);
        else p.reject(new Error(message.error));
        return undefined;
      }
      case 'event': {
        const invalid = this.validate(message.type, message.payload);
        if (invalid) return invalid;
        const set = this.eventHandlers.get(message.type);
        if (!set?.size) return `no handler for event "${message.type}"`;
        for (const h of set) h(message.payload);
        return undefined;
      }
      case 'request': {
        const handler = this.requestHandlers.get(message.type);
        const invalid = handler ? this.validate(message.type, message.params) : `unknown request "${message.type}"`;
        if (invalid) {
          this.send({ kind: 'response', id: message.id, ok: false, error: invalid });
          return invalid;
        }
        try {
          const result = await handler!(message.params);
          this.send({ kind: 'response', id: message.id, ok: true, result });
        } catch (e) {
          this.send({ kind: 'response', id: message.id, ok: false, error: e instanceof Error ? e.message : String(e) });
        }
        return undefined;
      }
    }
  }

  /** Reject every pending request (the other side went away). */
  dispose(reason = 'channel closed'): void {
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }

  private send(m: Envelope): void {
    this.log('out', m);
    this.post(m);
  }
}
