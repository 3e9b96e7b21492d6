// Run the extension-host mocha suite inside code-server's (remote) extension host, the way
// @vscode/test-electron would in desktop VS Code.
// Usage: node exthostDriver.mjs <serverOrigin> <workspaceFolder> <extensionDevelopmentPath> <testsEntryJs>
//
// How: code-server runs with `--vscode-option enable-smoke-test-driver`; the page URL carries a `payload`
// with extensionDevelopmentPath + extensionTestsPath; the workbench then runs the tests and reports the
// exit code through window.codeAutomationExit (and the test output through window.codeAutomationLog).
// Exit status: 0 all passed, 1 failures / timeout, 2 the driver itself broke.
import util from 'node:util';
import { launchBrowser } from '../ui/helpers.mjs';

const [origin, folder, devPath, testsPath] = process.argv.slice(2);
if (!testsPath) {
  console.error('usage: node exthostDriver.mjs <serverOrigin> <workspaceFolder> <extDevPath> <testsEntryJs>');
  process.exit(2);
}
const WORKBENCH_NOISE = /^(\[(ChatModelSelection|AgentHost[^\]]*|AccountPolicyGate|Service Worker|reconnection-grace-time)\]|Creating a socket|Resolv(ing|ed) connection token|Updating additional builtin|Timed out waiting for authentication provider|getaddrinfo ENOTFOUND open-vsx\.org)/;
const timeoutMs = Number(process.env.VSCODE_EXTHOST_TIMEOUT_MS || 300000);
const host = new URL(origin).host;
const payload = [
  ['extensionDevelopmentPath', `vscode-remote://${host}${devPath}`],
  ['extensionTestsPath', `vscode-remote://${host}${testsPath}`],
];
const url = `${origin}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

const browser = await launchBrowser();
let code;
try {
  const page = await browser.newPage();
  let done;
  const exited = new Promise((r) => (done = r));
  // The workbench passes raw console arguments (format string + values): format them like console.log.
  // Its own chatter (connection, chat, agent host) comes the same way: hidden unless VERBOSE.
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = util.format(...(args || []));
    if (!process.env.VERBOSE && WORKBENCH_NOISE.test(line)) return;
    (type === 'error' ? console.error : console.log)(line);
  });
  await page.exposeFunction('codeAutomationExit', (c) => done(c));
  page.on('pageerror', (e) => console.error('[pageerror]', String(e).slice(0, 300)));
  if (process.env.VERBOSE) page.on('console', (m) => console.log(`[console.${m.type()}]`, m.text().slice(0, 500)));
  const t0 = Date.now();
  await page.goto(url);
  let timer;
  code = await Promise.race([
    exited,
    new Promise((r) => (timer = setTimeout(() => r('TIMEOUT'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (code === 'TIMEOUT') console.error(`exthost: no exit code after ${timeoutMs / 1000} s (VSCODE_EXTHOST_TIMEOUT_MS)`);
  else console.log(`exthost: extension tests exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error('exthost: driver failed:', e);
  await browser.close().catch(() => {});
  process.exit(2);
}
await browser.close().catch(() => {});
process.exit(code === 0 ? 0 : 1);
