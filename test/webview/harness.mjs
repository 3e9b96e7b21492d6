// Test registry and page helpers for the webview tests (see run.mjs for the conventions).
// Pages are the BUILT bundles (dist/webview/<entry>.js + .css), served from a fake origin through page.route, with a
// stubbed acquireVsCodeApi that records postMessage and lets a test dispatch host messages.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
export const ORIGIN = 'http://webview.test';

/** @type {{ name: string, file: string, opts: TestOptions, fn: (ctx: TestContext) => Promise<void> }[]} */
export const tests = [];
let currentFile = '';
export function setCurrentFile(f) {
  currentFile = f;
}

/**
 * @typedef {{ entry: string, theme?: 'dark' | 'light' | 'high-contrast', state?: unknown, width?: number, height?: number }} TestOptions
 * @typedef {{ page: import('playwright-core').Page, host: Host }} TestContext
 */
/** Register a test. */
export function test(name, opts, fn) {
  tests.push({ name, file: currentFile, opts, fn });
}

/** A minimal slice of VS Code's theme variables, so pages draw with real-looking colours. */
const THEMES = {
  dark: {
    class: 'vscode-dark',
    vars: {
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-errorForeground': '#f48771',
      '--vscode-editor-background': '#1e1e1e',
      '--vscode-editor-foreground': '#d4d4d4',
      '--vscode-editorWidget-background': '#252526',
      '--vscode-sideBar-background': '#252526',
      '--vscode-focusBorder': '#007fd4',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
      '--vscode-font-family': 'sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
    },
  },
  light: {
    class: 'vscode-light',
    vars: {
      '--vscode-foreground': '#616161',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-errorForeground': '#a1260d',
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#000000',
      '--vscode-editorWidget-background': '#f3f3f3',
      '--vscode-sideBar-background': '#f3f3f3',
      '--vscode-focusBorder': '#0090f1',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-foreground': '#616161',
      '--vscode-charts-lines': 'rgba(97, 97, 97, 0.5)',
      '--vscode-font-family': 'sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
    },
  },
  'high-contrast': {
    class: 'vscode-high-contrast',
    vars: {
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-errorForeground': '#f48771',
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-editorWidget-background': '#0c141f',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-focusBorder': '#f38518',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-foreground': '#ffffff',
      '--vscode-charts-lines': 'rgba(255, 255, 255, 0.5)',
      '--vscode-font-family': 'sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
    },
  },
};

/**
 * The page shell, as src/extension/webviewHtml.ts writes it (same CSP: nonce'd scripts only, no remote resources,
 * no eval), with the theme class and variables VS Code would inject.
 */
function shell(entry, theme) {
  const nonce = 'testnonce' + Math.random().toString(36).slice(2);
  const t = THEMES[theme] ?? THEMES.dark;
  const style = Object.entries(t.vars)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  const csp = [
    "default-src 'none'",
    `img-src ${ORIGIN} data: blob:`,
    // The production CSP (src/extension/webviewHtml.ts): no inline styles, no <base>, no form targets.
    `style-src ${ORIGIN}`,
    `font-src ${ORIGIN}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${ORIGIN}/media/webview.css">
<link rel="stylesheet" href="${ORIGIN}/dist/webview/${entry}.css">
<title>${entry}</title></head>
<body class="${t.class}" data-vscode-theme-kind="${t.class}" data-entry="${entry}">
<script nonce="${nonce}">document.body.style.cssText = ${JSON.stringify(style)};</script>
<div id="app"></div>
<script nonce="${nonce}" type="module" src="${ORIGIN}/dist/webview/${entry}.js"></script>
</body></html>`;
}

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ttf': 'font/ttf', '.woff2': 'font/woff2' };

/** Installed before any page script: the acquireVsCodeApi stub, the host side of the channel, CSP/error capture. */
function initScript(initialState) {
  // Like VS Code, the state survives a reload of the page (kept in sessionStorage here).
  const kept = sessionStorage.getItem('__dtWebviewState');
  window.__host = { posted: [], state: kept ? JSON.parse(kept) : (initialState ?? undefined), setStateCalls: 0, violations: [], errors: [] };
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return {
      postMessage: (m) => window.__host.posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => window.__host.state,
      setState: (s) => {
        window.__host.state = JSON.parse(JSON.stringify(s));
        window.__host.setStateCalls++;
        sessionStorage.setItem('__dtWebviewState', JSON.stringify(s));
      },
    };
  };
  // Host → page. Byte arrays travel as { __u8: base64 } through page.evaluate and become Uint8Array here, as
  // VS Code's postMessage delivers typed arrays.
  const revive = (v) => {
    if (v && typeof v === 'object') {
      if (typeof v.__u8 === 'string') {
        const bin = atob(v.__u8);
        const out = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
        return out;
      }
      for (const k of Object.keys(v)) v[k] = revive(v[k]);
    }
    return v;
  };
  window.__host.dispatch = (data) => window.dispatchEvent(new MessageEvent('message', { data: revive(data) }));
  document.addEventListener('securitypolicyviolation', (e) => window.__host.violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
}

/** Encode bytes for host.event payloads: `{ probs: u8(bytes) }`. */
export function u8(bytes) {
  return { __u8: Buffer.from(bytes).toString('base64') };
}

export class Host {
  constructor(page) {
    this.page = page;
    this.seen = 0;
  }
  /** Every envelope the page has posted so far. */
  async posted() {
    return this.page.evaluate(() => window.__host.posted);
  }
  /** Wait until the page posts a message matching `match` (a request/event type, or a predicate); returns it. */
  async waitFor(match, timeout = 5000) {
    const pred = typeof match === 'string' ? (m) => m.type === match : match;
    const deadline = Date.now() + timeout;
    for (;;) {
      const all = await this.posted();
      const hit = all.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`page did not post ${typeof match === 'string' ? `"${match}"` : 'the expected message'} within ${timeout} ms; it posted: ${all.map((m) => m.type ?? m.kind).join(', ') || 'nothing'}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  /** Send a host → page event. */
  async event(type, payload) {
    await this.page.evaluate((d) => window.__host.dispatch(d), { kind: 'event', type, payload });
  }
  /** Answer a request the page posted. */
  async respond(request, result) {
    await this.page.evaluate((d) => window.__host.dispatch(d), { kind: 'response', id: request.id, ok: true, result });
  }
  async fail(request, error) {
    await this.page.evaluate((d) => window.__host.dispatch(d), { kind: 'response', id: request.id, ok: false, error });
  }
  /** The page's last setState value. */
  async state() {
    return this.page.evaluate(() => window.__host.state);
  }
}

/** Open `opts.entry` in a fresh context of `browser`; returns { page, host, context, problems }. */
export async function openPage(browser, opts) {
  const js = join(ROOT, 'dist/webview', `${opts.entry}.js`);
  if (!existsSync(js)) throw new Error(`${js} is missing: run \`npm run build\` first`);
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1000, height: opts.height ?? 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.addInitScript(initScript, opts.state);
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort(); // no remote resources, ever
    if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: shell(opts.entry, opts.theme) });
    const file = normalize(join(ROOT, decodeURIComponent(url.pathname)));
    const allowed = [join(ROOT, 'dist') + sep, join(ROOT, 'media') + sep].some((p) => file.startsWith(p));
    if (!allowed || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    const ext = file.slice(file.lastIndexOf('.'));
    return route.fulfill({ contentType: TYPES[ext] ?? 'application/octet-stream', body: readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/index.html`);
  const host = new Host(page);
  return { page, host, context, problems };
}

// ---- small assertion helpers for pixels -----------------------------------------------------------------------
/** RGBA of a canvas pixel (device pixels). */
export async function pixel(page, selector, x, y) {
  return page.evaluate(
    ({ selector, x, y }) => {
      const c = document.querySelector(selector);
      if (!c) throw new Error(`no ${selector}`);
      return Array.from(c.getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data);
    },
    { selector, x, y },
  );
}

/** Hex "#rrggbb" → [r, g, b]. */
export function rgb(hex) {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

export function near(actual, expected, tol = 6) {
  return expected.every((v, i) => Math.abs(actual[i] - v) <= tol);
}

/** Resolves after the page has painted twice (requestAnimationFrame-coalesced redraws have run). */
export async function painted(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined)))));
}

/** Save a screenshot under test-output/webview/<name>.png (the views the README describes). */
export async function screenshot(page, name) {
  const dir = join(ROOT, 'test-output', 'webview');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

export { THEMES };
