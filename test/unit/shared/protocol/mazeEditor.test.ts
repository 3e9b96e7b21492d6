import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Messenger, type Envelope } from '../../../../src/shared/protocol/messenger';
import {
  validateHostMessage,
  validatePageMessage,
  type HostToPage,
  type PageToHost,
} from '../../../../src/shared/protocol/webview/mazeEditor';

test('valid page messages pass', () => {
  assert.equal(validatePageMessage('ready', {}), undefined);
  assert.equal(validatePageMessage('edit', { version: 3, edit: { kind: 'walls', cells: [[1, 2], [0, 0]], wall: true } }), undefined);
  assert.equal(validatePageMessage('edit', { version: 0, edit: { kind: 'start', to: [4, 5] } }), undefined);
  assert.equal(validatePageMessage('solve', {}), undefined);
  assert.equal(validatePageMessage('solve', { iterations: 'auto' }), undefined);
  assert.equal(validatePageMessage('solve', { iterations: 200 }), undefined);
  assert.equal(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'noise', strength: 0.5 } }), undefined);
  assert.equal(validatePageMessage('intervene', { intervention: { kind: 'swapInput' } }), undefined);
  assert.equal(validatePageMessage('log', { level: 'error', message: 'x' }), undefined);
});

test('malformed page messages are rejected, naming the field', () => {
  assert.match(validatePageMessage('nope', {})!, /unknown message type "nope"/);
  assert.match(validatePageMessage('edit', { version: 1, edit: { kind: 'walls', cells: [[1, -2]], wall: true } })!, /edit\.edit\.cells\[0\]/);
  assert.match(validatePageMessage('edit', { version: 1, edit: { kind: 'walls', cells: [[1.5, 2]], wall: true } })!, /cells\[0\]/);
  assert.match(validatePageMessage('edit', { version: 1, edit: { kind: 'walls', cells: [], wall: true } })!, /empty/);
  assert.match(validatePageMessage('edit', { version: 1, edit: { kind: 'walls', cells: [[1, 1]], wall: 'yes' } })!, /wall must be a boolean/);
  assert.match(validatePageMessage('edit', { version: 1, edit: { kind: 'teleport', to: [1, 1] } })!, /kind must be/);
  assert.match(validatePageMessage('edit', { edit: { kind: 'start', to: [1, 1] } })!, /version/);
  assert.match(validatePageMessage('solve', { iterations: 0 })!, /iterations/);
  assert.match(validatePageMessage('solve', { iterations: 'forever' })!, /iterations/);
  // noise is in multiples of the thought's RMS (up to 16); zero is a fraction of the activations (up to 1)
  assert.equal(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'noise', strength: 4 } }), undefined);
  assert.match(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'noise', strength: 17 } })!, /strength must be a number from 0 to 16/);
  assert.match(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'zero', strength: 2 } })!, /strength must be a number from 0 to 1/);
  assert.equal(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'zero', strength: 1, region: [[1, 2], [3, 4]] } }), undefined);
  assert.match(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'zero', strength: 1, region: [] } })!, /region must be a non-empty array/);
  assert.match(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'zero', strength: 1, region: [[1, -2]] } })!, /region\[0\]/);
  assert.match(validatePageMessage('intervene', { intervention: { kind: 'perturb', mode: 'fire', strength: 0.1 } })!, /mode/);
  assert.match(validatePageMessage('log', { level: 'loud', message: 'x' })!, /level/);
  assert.match(validatePageMessage('ready', null)!, /must be an object/);
  assert.match(validatePageMessage('solve', [])!, /must be an object/);
});

test('host messages are checked by the page', () => {
  assert.equal(validateHostMessage('document', { text: '#', version: 2 }), undefined);
  assert.match(validateHostMessage('document', { text: 5, version: 2 })!, /malformed/);
  assert.match(validateHostMessage('command', { name: 'rm -rf' })!, /malformed/);
  assert.equal(validateHostMessage('command', { name: 'solve' }), undefined);
});

/** Two messengers wired back to back, like the webview and its host. */
function pair() {
  const toHost: Envelope[] = [];
  const toPage: Envelope[] = [];
  const page = new Messenger<HostToPage, PageToHost>((m) => toHost.push(m), validateHostMessage);
  const host = new Messenger<PageToHost, HostToPage>((m) => toPage.push(m), validatePageMessage);
  const pump = async () => {
    while (toHost.length || toPage.length) {
      for (const m of toHost.splice(0)) await host.handle(JSON.parse(JSON.stringify(m)));
      for (const m of toPage.splice(0)) await page.handle(JSON.parse(JSON.stringify(m)));
    }
  };
  return { page, host, pump, toHost };
}

test('an invalid request from the page gets an error reply and never reaches the handler', async () => {
  const { page, host, pump } = pair();
  let called = false;
  host.onRequest('edit', () => {
    called = true;
    return { applied: true };
  });
  const reply = page.request('edit', { version: 1, edit: { kind: 'walls', cells: [[-1, 0]], wall: true } });
  await pump();
  await assert.rejects(reply, /cells\[0\]/);
  assert.equal(called, false);
});

test('a handler error travels back as a rejected request', async () => {
  const { page, host, pump } = pair();
  host.onRequest('solve', () => {
    throw new Error('No maze model is available');
  });
  const reply = page.request('solve', {});
  await pump();
  await assert.rejects(reply, /No maze model is available/);
});

test('ready → init handshake over the messenger', async () => {
  const { page, host, pump } = pair();
  const got: string[] = [];
  host.on('ready', () => host.emit('init', { text: '#S#\n#G#\n', version: 1, fileName: 'a.maze', settings: { maxFps: 30, iterations: 'auto', frameBudgetBytes: 1 }, readonly: false }));
  page.on('init', (p) => got.push(p.fileName));
  page.emit('ready', {});
  await pump();
  assert.deepEqual(got, ['a.maze']);
});

test('maze editor validators refuse message types that only exist on Object.prototype', () => {
  for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    assert.match(validatePageMessage(type, {}) ?? '', /unknown message type/, type);
    assert.match(validateHostMessage(type, {}) ?? '', /unknown message type/, type);
  }
});
