import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, normalizeSettings } from '../../../src/extension/settingsModel';

test('missing settings take the defaults', () => {
  assert.deepEqual(normalizeSettings({}), DEFAULT_SETTINGS);
});

test('good values pass through', () => {
  const s = normalizeSettings({ nodePath: ' /usr/bin/node ', backend: 'wasm', maxFps: 10, iterations: '200', maxFrameCells: 1024, frameMemoryMB: 8 });
  assert.equal(s.nodePath, '/usr/bin/node');
  assert.equal(s.backend, 'wasm');
  assert.equal(s.maxFps, 10);
  assert.equal(s.iterations, 200);
  assert.equal(s.maxFrameCells, 1024);
  assert.equal(s.frameMemoryMB, 8);
});

test('bad values fall back or clamp instead of reaching the engine', () => {
  const s = normalizeSettings({ nodePath: 42, backend: 'quantum', maxFps: 'fast', iterations: 'lots', maxFrameCells: 1, frameMemoryMB: -5 });
  assert.equal(s.nodePath, '');
  assert.equal(s.backend, 'auto');
  assert.equal(s.maxFps, 30);
  assert.equal(s.iterations, 30);
  assert.equal(s.maxFrameCells, 64);
  assert.equal(s.frameMemoryMB, 4);
  assert.equal(normalizeSettings({ iterations: 'auto' }).iterations, 'auto');
  assert.equal(normalizeSettings({ maxFps: 1000 }).maxFps, 120);
});

test('the engine device: auto by default, cpu / cuda / cuda:N kept, anything else falls back to auto', () => {
  assert.equal(normalizeSettings({}).device, 'auto');
  for (const d of ['cpu', 'cuda', 'cuda:0', 'cuda:3']) assert.equal(normalizeSettings({ device: d }).device, d);
  for (const d of ['gpu', 'cuda:', 'cuda:x', 'CUDA', 7, ' cpu']) assert.equal(normalizeSettings({ device: d }).device, 'auto', String(d));
});
