/**
 * The OpenMP wait policy: libgomp's spinning default only when the addon's threads find idle cores, PASSIVE on a busy
 * machine, and the environment's value always kept. The sampler is checked against a core this test keeps busy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { spawn } from 'node:child_process';
import { chooseWaitPolicy, sampleBusyCores } from '../../../../../src/engine/backends/torch/ompWaitPolicy';

test('idle cores: libgomp keeps its spinning default', () => {
  assert.equal(chooseWaitPolicy(undefined, 0.1, 2, 2).policy, undefined);
  assert.equal(chooseWaitPolicy(undefined, 10, 16, 4).policy, undefined);
});

test('busy cores: the workers sleep', () => {
  assert.equal(chooseWaitPolicy(undefined, 1, 2, 2).policy, 'PASSIVE');
  assert.equal(chooseWaitPolicy(undefined, 0.5, 2, 2).policy, 'PASSIVE');
  assert.equal(chooseWaitPolicy(undefined, 13, 16, 4).policy, 'PASSIVE');
  assert.match(chooseWaitPolicy(undefined, 1, 2, 2).why, /PASSIVE \(1\.0 of 2 cores busy\)/);
});

test('a value from the environment wins, even an empty one', () => {
  for (const v of ['ACTIVE', 'PASSIVE', '']) {
    const c = chooseWaitPolicy(v, 2, 2, 2);
    assert.equal(c.policy, undefined);
    assert.match(c.why, /from the environment/);
  }
});

test('the sampler sees a core that a child process keeps busy', async () => {
  const child = spawn(process.execPath, ['-e', 'const t = Date.now() + 3000; while (Date.now() < t);'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const busy = sampleBusyCores(400);
    assert.ok(busy >= 0.6 && busy <= os.cpus().length + 0.01, `busy cores ${busy.toFixed(2)} with one spinning child`);
  } finally {
    child.kill();
  }
});
