/**
 * Without the addon the torch backend must fail with a message that says how to build it (this runs everywhere,
 * addon or not); and the thread-count setting is validated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as os from 'node:os';
import { findTorchAddon, torchThreads, dtypeCode } from '../../../src/engine/backends/torch/nativeAddon';

test('a missing addon gives an error naming where it looked and how to build it', () => {
  const nowhere = path.join(os.tmpdir(), 'no-such-dir-dt', 'dt_torch.node');
  assert.throws(() => findTorchAddon([nowhere]), (e: Error) => {
    assert.match(e.message, /not built/);
    assert.ok(e.message.includes(nowhere), e.message);
    assert.match(e.message, /npm run build:native/);
    assert.match(e.message, /libtorch-dev/);
    return true;
  });
});

test('DEEP_THINKING_TORCH_THREADS is validated; unsupported dtypes are named', () => {
  const saved = process.env.DEEP_THINKING_TORCH_THREADS;
  try {
    process.env.DEEP_THINKING_TORCH_THREADS = '3';
    assert.equal(torchThreads(), 3);
    process.env.DEEP_THINKING_TORCH_THREADS = '0';
    assert.throws(() => torchThreads(), /DEEP_THINKING_TORCH_THREADS="0"/);
    delete process.env.DEEP_THINKING_TORCH_THREADS;
    assert.equal(torchThreads(), os.availableParallelism()); // the main thread gets every core
  } finally {
    if (saved === undefined) delete process.env.DEEP_THINKING_TORCH_THREADS;
    else process.env.DEEP_THINKING_TORCH_THREADS = saved;
  }
  assert.deepEqual(['float32', 'int32', 'bool'].map(dtypeCode), [0, 1, 2]);
  assert.throws(() => dtypeCode('complex64'), /does not support dtype complex64/);
});
