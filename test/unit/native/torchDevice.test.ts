/**
 * Device plumbing of the torch backend: the device names the CLI and the settings accept, the choice made at
 * registration, tensors and kernels on that device, and the error when CUDA is asked for where this libtorch has
 * none. The addon-free checks run everywhere; the rest skip without the addon. On a CUDA build with a GPU
 * (DEEP_THINKING_DEVICE=cuda, as scripts/gpu-check.sh runs them) the same tests check the CUDA side instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf';
import { parseDeviceSpec, torchDevice, loadTorchAddon } from '../../../src/engine/backends/torch/nativeAddon';
import { applyDevice, type TorchBackend } from '../../../src/engine/backends/torch';
import { skipReason, useTorch, values, maxRelDiff } from './torchHarness';

test('device names: auto, cpu, cuda, cuda:N; anything else is an error naming where it came from', () => {
  for (const d of ['auto', 'cpu', 'cuda', 'cuda:0', 'cuda:12']) assert.equal(parseDeviceSpec(d), d);
  for (const d of ['gpu', 'cuda:', 'cuda:-1', 'cuda:a', 'CPU', '', 'cuda:1234']) {
    assert.throws(() => parseDeviceSpec(d, '--device'), (e: Error) => e.message.startsWith(`--device "${d}" is not one of`));
  }
  const saved = process.env.DEEP_THINKING_DEVICE;
  try {
    delete process.env.DEEP_THINKING_DEVICE;
    assert.equal(torchDevice(), 'auto');
    process.env.DEEP_THINKING_DEVICE = 'cuda:1';
    assert.equal(torchDevice(), 'cuda:1');
    process.env.DEEP_THINKING_DEVICE = 'tpu';
    assert.throws(() => torchDevice(), /DEEP_THINKING_DEVICE "tpu"/);
  } finally {
    if (saved === undefined) delete process.env.DEEP_THINKING_DEVICE;
    else process.env.DEEP_THINKING_DEVICE = saved;
  }
});

test('an addon without device support runs on the CPU and says to rebuild when CUDA is asked for', () => {
  const old = {} as Parameters<typeof applyDevice>[0]; // no setDevice: built before devices existed
  assert.equal(applyDevice(old, 'auto'), 'cpu');
  assert.equal(applyDevice(old, 'cpu'), 'cpu');
  assert.throws(() => applyDevice(old, 'cuda'), /device cuda needs a torch addon with device support: rebuild it/);
});

test('the addon reports the libtorch it loaded and whether it has CUDA', (t) => {
  if (skipReason) return t.skip(skipReason);
  const addon = loadTorchAddon();
  if (!addon.deviceInfo) return t.skip('the addon predates device support: rebuild it (npm run build:native)');
  const info = addon.deviceInfo();
  assert.match(info.library, /libtorch|libc10/, info.library);
  assert.equal(typeof info.cuda, 'boolean');
  assert.ok(info.cuda ? info.cudaDevices > 0 : info.cudaDevices === 0, JSON.stringify(info));
  assert.match(info.device, /^(cpu|cuda:\d+)$/);
});

test('without CUDA: asking for it fails with "this libtorch has no CUDA" naming the library; bad names are refused', async (t) => {
  if (skipReason) return t.skip(skipReason);
  await useTorch();
  const addon = loadTorchAddon();
  if (!addon.setDevice || !addon.deviceInfo) return t.skip('the addon predates device support');
  const info = addon.deviceInfo();
  assert.throws(() => addon.setDevice!('tpu:0'), /device "tpu:0" is not one of cpu, cuda, cuda:N, auto/);
  if (info.cuda) {
    // A CUDA build with a GPU: an index past the last device is the error instead.
    assert.throws(() => addon.setDevice!(`cuda:${info.cudaDevices}`), new RegExp(`${info.cudaDevices} CUDA device\\(s\\) are visible`));
    return;
  }
  for (const spec of ['cuda', 'cuda:1']) {
    assert.throws(() => addon.setDevice!(spec), (e: Error) => {
      if (info.cudaLibrary) assert.match(e.message, /sees no CUDA device/);
      else assert.match(e.message, /this libtorch has no CUDA/);
      assert.ok(e.message.includes(info.library), `${e.message} should name ${info.library}`);
      return true;
    });
  }
  assert.equal(addon.deviceInfo().device, 'cpu', 'a refused request leaves the device as it was');
  assert.equal(addon.setDevice('auto'), 'cpu', 'auto is the CPU where there is no CUDA');
  assert.equal(addon.setDevice('cpu'), 'cpu');
});

test('the device cannot change under live tensors', async (t) => {
  if (skipReason) return t.skip(skipReason);
  await useTorch();
  const addon = loadTorchAddon();
  if (!addon.setDevice || !addon.deviceInfo) return t.skip('the addon predates device support');
  const info = addon.deviceInfo();
  const other = info.device === 'cpu' ? (info.cuda ? 'cuda:0' : undefined) : 'cpu';
  if (!other) return t.skip('only one device here (no CUDA): nothing to switch to');
  const x = tf.tensor1d([1, 2, 3]);
  try {
    assert.throws(() => addon.setDevice!(other), /tensor\(s\) still live on/);
    assert.equal(addon.deviceInfo!().device, info.device);
  } finally {
    x.dispose();
  }
});

test('tensors and kernels on the chosen device: values round-trip, a conv step and its gradients match the cpu backend', async (t) => {
  if (skipReason) return t.skip(skipReason);
  await useTorch();
  const backend = tf.backend() as unknown as TorchBackend;
  const device = backend.addon.deviceInfo?.().device ?? 'cpu';
  t.diagnostic(`device: ${device}`);
  const data = values(2 * 6 * 6 * 4, 7);
  const wData = values(3 * 3 * 4 * 5, 8, -0.5, 0.5);
  // Step (the Relu gradient's mask) has a host loop on the CPU and device kernels elsewhere: NaN must survive both.
  const step = tf.step(tf.tensor1d([-1, 0, 2, NaN]), 0.25).dataSync();
  assert.deepEqual(Array.from(step.slice(0, 3)), [0.25, 0.25, 1]);
  assert.ok(Number.isNaN(step[3]));
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(data, [2, 6, 6, 4]);
      const w = tf.tensor4d(wData, [3, 3, 4, 5]);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.relu(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same')).square().sum();
      const [dx, dw] = tf.grads(f)([x, w]);
      return [f(x, w), dx, dw, tf.fill([2, 3], 1.5), tf.cast(tf.tensor1d([1.7, -2.2]), 'int32')].map((r) => Array.from(r.dataSync()));
    });
  const live = backend.addon.memory().live;
  const onTorch = run();
  assert.equal(backend.addon.memory().live, live, 'every native tensor is freed');
  await tf.setBackend('cpu');
  const onCpu = run();
  await useTorch();
  for (let i = 0; i < onCpu.length; i++) {
    // Float32 on both (TF32 stays off on CUDA): only summation order differs.
    assert.ok(maxRelDiff(onTorch[i], onCpu[i]) < 1e-4, `output ${i} on ${device}: ${maxRelDiff(onTorch[i], onCpu[i])}`);
  }
  assert.deepEqual(onTorch[3], [1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
  assert.deepEqual(onTorch[4], [1, -2]);
});
