/** Small DOM helpers shared by every webview page (no framework; the pages are small). */

type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;

/**
 * `h('vscode-button', { id: 'solve', onclick: fn }, 'Solve')`. Attributes whose value is a function become event
 * listeners ("onclick" → "click"); `false`/`undefined` attributes are left out; `true` sets a boolean attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Array<Node | string>): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Array<Node | string>): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Array<Node | string>): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) el.append(c);
  return el;
}

/** querySelector that throws naming the selector (a missing element is a bug, not a state). */
export function $<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`webview: element ${selector} not found`);
  return el;
}

/** Show an error banner at the top of `root` (replacing an earlier one); `undefined` clears it. */
export function showBanner(root: HTMLElement, message: string | undefined, kind: 'error' | 'info' = 'error'): void {
  root.querySelector(':scope > .dt-banner')?.remove();
  if (message === undefined) return;
  const el = h('div', { class: `dt-banner dt-banner-${kind}`, role: kind === 'error' ? 'alert' : 'status' });
  el.textContent = message;
  root.prepend(el);
}

/** Bytes → base64 (exports and saved state), btoa over 32 KiB chunks: one huge apply() would overflow the stack. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Base64 → bytes (frames from the engine carry per-cell probabilities as base64 of a Uint8Array). */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
