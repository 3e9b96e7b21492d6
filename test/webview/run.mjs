#!/usr/bin/env node
// Webview tests: every BUILT page (dist/webview/<entry>.js + .css, so run `npm run build` first) loaded in headless
// Debian Chromium through playwright-core, with a stubbed acquireVsCodeApi.
//
//   node test/webview/run.mjs [name-filter]          (npm run test:webview)
//   WEBVIEW_HEADFUL=1 / CHROMIUM=/path/to/chromium   optional overrides
//
// Conventions for a test file (test/webview/<name>.test.mjs; e.g. prefixSums, chess, sidebar, mazeEditor):
//
//   import assert from 'node:assert/strict';
//   import { test, u8, pixel, painted } from './harness.mjs';
//
//   test('what it checks', { entry: 'prefixSums', theme: 'dark', state: undefined }, async ({ page, host }) => {
//     const ready = await host.waitFor('ready');                 // the page's ready → init handshake
//     await host.event('init', { ... });                        // host → page event (byte arrays as u8(bytes))
//     const req = await host.waitFor((m) => m.type === 'solve'); // a request the page posted (an Envelope)
//     await host.respond(req, { ... });                         // answer it (host.fail(req, 'msg') for an error)
//     assert.deepEqual(await pixel(page, '#strip-0', x, y), [...]);
//   });
//
// - `entry` is the bundle name under dist/webview; `theme` is 'dark' (default), 'light' or 'high-contrast': the body
//   gets VS Code's theme class and a set of --vscode-* variables (harness.mjs THEMES).
// - `state` is what the stubbed getState() returns at load (to test restore after a webview reload);
//   host.state() returns the page's last setState.
// - host.posted() lists every envelope the page posted ({kind:'request'|'event'|'response', type, ...}).
// - Each test gets a fresh browser context. A test fails when it throws, when the page throws or logs a console
//   error, or when the page violates its Content-Security-Policy (the shell uses the same CSP as webviewHtml.ts).
// - Requests to any origin but the fake page origin are aborted: pages must not load remote resources.
//
// Prints one line per test and closes with "webview: N passed, M failed"; exits non-zero on any failure.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openPage, ROOT, setCurrentFile, tests } from './harness.mjs';

const filter = process.argv[2];
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const OUT = join(ROOT, 'test-output', 'webview');

if (!existsSync(CHROMIUM)) {
  console.error(
    `webview tests need Chromium at ${CHROMIUM}.\n` +
      '  Install it with:  apt-get install -y chromium      (or run scripts/setup-system.sh)\n' +
      '  or point CHROMIUM=/path/to/chromium at another build.',
  );
  console.log('webview: 0 passed, 1 failed');
  process.exit(1);
}

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.error('playwright-core is not installed: run `npm install`.');
  console.log('webview: 0 passed, 1 failed');
  process.exit(1);
}

const dir = new URL('.', import.meta.url).pathname;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).sort()) {
  setCurrentFile(f);
  await import(pathToFileURL(join(dir, f)).href);
}
const selected = tests.filter((t) => !filter || t.name.includes(filter) || t.file.includes(filter));

// playwright's launch() already gives every run a fresh temporary --user-data-dir.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: !process.env.WEBVIEW_HEADFUL,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

mkdirSync(OUT, { recursive: true });
let passed = 0;
let failed = 0;
const TIMEOUT = 30_000;
for (const t of selected) {
  const started = Date.now();
  let opened;
  try {
    opened = await openPage(browser, t.opts);
    await Promise.race([
      t.fn({ page: opened.page, host: opened.host }),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${TIMEOUT / 1000} s`)), TIMEOUT)),
    ]);
    const violations = await opened.page.evaluate(() => window.__host.violations);
    if (violations.length) throw new Error(`CSP violations: ${violations.join('; ')}`);
    if (opened.problems.length) throw new Error(opened.problems.join('\n'));
    passed++;
    console.log(`  ✓ ${t.file} › ${t.name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`  ✗ ${t.file} › ${t.name}\n      ${String(e?.stack ?? e).split('\n').join('\n      ')}`);
    if (opened?.problems.length) console.log(`      page: ${opened.problems.join('\n      page: ')}`);
    const shot = join(OUT, `${t.file.replace(/\.test\.mjs$/, '')}-${t.name.replace(/[^a-z0-9]+/gi, '_').slice(0, 60)}.png`);
    await opened?.page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    if (opened) console.log(`      screenshot: ${shot}`);
  } finally {
    await opened?.context.close().catch(() => undefined);
  }
}
await browser.close();
if (selected.length === 0) console.log(`no webview test matches "${filter}"`);
console.log(`webview: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || selected.length === 0 ? 1 : 0);
