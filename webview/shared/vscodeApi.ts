/**
 * The webview end of the webview ⇄ extension channel: wraps `acquireVsCodeApi()` (which may be called only once per
 * page) in a Messenger, and gives typed access to the persisted state (getState/setState survive a webview reload
 * and a hidden→visible round trip, a webview reload restores its state).
 *
 * Every page does:
 *   const { messenger, state } = connect<HostToPage, PageToHost>(validateHostMessage);
 *   messenger.on('init', ...);            // handlers first
 *   messenger.emit('ready', {});         // then the ready → init handshake
 */
import { Messenger, type Envelope, type ProtocolShape, type Validator } from '../../src/shared/protocol/messenger';

/** The object VS Code injects; the webview tests stub it with the same shape. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  // Provided by VS Code inside a webview (and by the test stub in test/webview).
  function acquireVsCodeApi(): VsCodeApi;
}

let api: VsCodeApi | undefined;

/** The page's single VsCodeApi (acquireVsCodeApi throws when called twice). */
export function vscodeApi(): VsCodeApi {
  if (!api) {
    if (typeof acquireVsCodeApi === 'function') {
      api = acquireVsCodeApi();
    } else {
      // Opened outside VS Code (e.g. a bundle loaded by hand): keep the page alive with an inert API.
      let saved: unknown;
      api = { postMessage: () => undefined, getState: () => saved, setState: (s) => void (saved = s) };
    }
  }
  return api;
}

export interface PersistedState<S> {
  get(): S | undefined;
  set(value: S): void;
  /** shallow-merge into the saved object */
  update(patch: Partial<S>): void;
}

export interface Connection<In extends ProtocolShape, Out extends ProtocolShape> {
  messenger: Messenger<In, Out>;
  state: PersistedState<Record<string, unknown>>;
  api: VsCodeApi;
}

/**
 * Connect the page to the extension host. `validate` checks messages arriving from the host (defence in depth; the
 * host is trusted but a malformed message must not break the page). Rejected messages are logged to the console.
 */
export function connect<In extends ProtocolShape, Out extends ProtocolShape, S extends Record<string, unknown> = Record<string, unknown>>(
  validate?: Validator,
): { messenger: Messenger<In, Out>; state: PersistedState<S>; api: VsCodeApi } {
  const vs = vscodeApi();
  const messenger = new Messenger<In, Out>((m: Envelope) => vs.postMessage(m), validate);
  window.addEventListener('message', (ev: MessageEvent) => {
    void messenger.handle(ev.data).then((err) => {
      if (err) console.warn(`[webview] rejected message from host: ${err}`);
    });
  });
  const state: PersistedState<S> = {
    get: () => (vs.getState() as S | undefined) ?? undefined,
    set: (value) => vs.setState(value),
    update: (patch) => vs.setState({ ...((vs.getState() as S | undefined) ?? {}), ...patch }),
  };
  return { messenger, state, api: vs };
}
