/**
 * The device choice at backend initialisation (tf.ts): a bad DEEP_THINKING_DEVICE is named, a CUDA device is refused
 * by the backends that cannot use it, and `auto` with an explicit CUDA device means torch, whose failure is reported
 * instead of a silent fall-back to wasm. Each case fails before a backend is set, so one process can try them all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../../src/engine/tf';
import { findTorchAddon, loadTorchAddon } from '../../../../../src/engine/backends/torch/nativeAddon';

async function withDevice<T>(device: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env.DEEP_THINKING_DEVICE;
  process.env.DEEP_THINKING_DEVICE = device;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.DEEP_THINKING_DEVICE;
    else process.env.DEEP_THINKING_DEVICE = saved;
  }
}

test('a bad DEEP_THINKING_DEVICE is named before any backend loads', async () => {
  await withDevice('tpu', () => assert.rejects(initBackend('wasm'), /DEEP_THINKING_DEVICE "tpu" is not one of auto, cpu, cuda, cuda:N/));
});

test('a CUDA device with a backend that cannot use it is an error, not a silent CPU run', async () => {
  for (const backend of ['wasm', 'cpu', 'native'] as const) {
    await withDevice('cuda', () => assert.rejects(initBackend(backend), /device cuda is a torch backend setting; backend "\w+" does not use it/));
  }
});

test('auto with an explicit CUDA device means torch: where there is no CUDA it says so instead of using wasm', async (t) => {
  let addonError: string | undefined;
  try {
    findTorchAddon();
    const addon = loadTorchAddon();
    if (addon.deviceInfo?.().cuda) return t.skip('this libtorch has CUDA and a GPU: nothing fails here');
  } catch (e) {
    addonError = (e as Error).message;
  }
  await withDevice('cuda:0', () =>
    assert.rejects(initBackend('auto'), (e: Error) => {
      if (addonError) assert.match(e.message, /not built|failed to load/);
      else assert.match(e.message, /this libtorch has no CUDA|sees no CUDA device/);
      return true;
    }),
  );
});
