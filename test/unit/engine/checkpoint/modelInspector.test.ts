// Model lists read files in a worker with per-file budgets: an overrun is an error for that file only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { INSPECT_LIMITS, ModelInspector } from '../../../../src/engine/checkpoint/modelInspector';
import { repoPath } from '../../repo';

const FIXTURES = repoPath('test', 'fixtures');

test('fault: a file over its time budget is an error naming it, and the next file gets a fresh worker', async () => {
  const slow = new ModelInspector({ ...INSPECT_LIMITS, millis: 1 });
  try {
    await assert.rejects(slow.inspect(path.join(FIXTURES, 'checkpoints', 'good-tiny'), 'checkpoint'), /good-tiny\/model\.json: reading its metadata took longer than 0\.001 s; skipped/);
  } finally {
    slow.dispose();
  }
  const inspector = new ModelInspector();
  try {
    const meta = await inspector.inspect(path.join(FIXTURES, 'checkpoints', 'good-tiny'), 'checkpoint');
    assert.equal(meta.problem, 'prefix-sums');
    const pth = await inspector.inspect(path.join(FIXTURES, 'pth', 'maze_dt_recall_2d.pth'), 'pth');
    assert.equal(pth.problem, 'mazes');
    await assert.rejects(inspector.inspect(path.join(FIXTURES, 'checkpoints', 'invalid-json'), 'checkpoint'), /invalid-json\/model\.json/);
  } finally {
    inspector.dispose();
  }
});

test('bad file: a .pth over the size budget is listed as an error without being opened', async () => {
  const inspector = new ModelInspector({ ...INSPECT_LIMITS, pthBytes: 10 });
  try {
    await assert.rejects(inspector.inspect(path.join(FIXTURES, 'pth', 'maze_dt_recall_2d.pth'), 'pth'), /maze_dt_recall_2d\.pth: is [\d,]+ bytes, over the 10 that model lists open; load it by path instead/);
  } finally {
    inspector.dispose();
  }
});
