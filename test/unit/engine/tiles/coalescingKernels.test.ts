// CoalescingKernels: concurrent calls of one shape share one launch, and each caller gets exactly the rows it would
// have got alone (oracle: the same inner kernels called one call at a time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescingKernels } from '../../../../src/engine/tiles/coalescingKernels';
import type { TileKernels } from '../../../../src/engine/tiles/tileKernels';
import { initBackend } from '../../../../src/engine/tf';
import { runEval } from '../../../../src/engine/cli/evaluate';
import type { Output } from '../../../../src/engine/cli/output';
import { loadOrt } from '../../../../src/engine/tiles/ortBackend';

/** Row-wise kernels whose output depends on each row's values and position in the image, not on n. */
function fakeKernels(width: number): TileKernels & { launches: number[] } {
  const launches: number[] = [];
  const rows = (a: Float32Array, n: number, h: number, w: number, inC: number, outC: number, f: (v: number, i: number) => number) => {
    const out = new Float32Array(n * h * w * outC);
    for (let p = 0; p < n * h * w; p++) for (let c = 0; c < outC; c++) out[p * outC + c] = f(a[p * inC + (c % inC)], (p % (h * w)) * outC + c);
    return out;
  };
  return {
    name: 'fake',
    threads: 1,
    launches,
    async project(x, n, h, w) {
      launches.push(n);
      return rows(x, n, h, w, 3, width, (v, i) => v * 2 + i);
    },
    async step(t, x, n, h, w) {
      launches.push(n);
      const a = rows(t, n, h, w, width, width, (v) => v);
      const b = rows(x, n, h, w, 3, width, (v, i) => v - i);
      return a.map((v, i) => Math.tanh(v + b[i]));
    },
    async head(t, n, h, w) {
      launches.push(n);
      return rows(t, n, h, w, width, 2, (v, i) => v * (i % 2 ? 1 : -1));
    },
    dispose() {},
  };
}

const rand = (len: number, seed: number) => Float32Array.from({ length: len }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 3);

test('concurrent calls of one operation and shape share a launch; each caller gets its own rows', async () => {
  const width = 4;
  const inner = fakeKernels(width);
  const k = new CoalescingKernels(inner);
  const calls = [1, 3, 2].map((n, s) => ({ n, t: rand(n * 5 * 6 * width, s), x: rand(n * 5 * 6 * 3, s + 10) }));
  const merged = await Promise.all([
    ...calls.map((c) => k.step(c.t, c.x, c.n, 5, 6)),
    k.head(calls[0].t, 1, 5, 6),
    k.step(rand(2 * 7 * 7 * width, 9), rand(2 * 7 * 7 * 3, 19), 2, 7, 7),
  ]);
  assert.equal(k.stats.calls, 5);
  assert.equal(k.stats.launches, 3, 'one launch per operation and shape: step 5×6, head 5×6, step 7×7');
  assert.deepEqual(inner.launches.slice().sort(), [1, 2, 6].sort());
  const alone = fakeKernels(width);
  for (const [i, c] of calls.entries()) assert.deepEqual(merged[i], await alone.step(c.t, c.x, c.n, 5, 6), `call ${i}`);
  assert.deepEqual(merged[3], await alone.head(calls[0].t, 1, 5, 6));
  assert.deepEqual(merged[4], await alone.step(rand(2 * 7 * 7 * width, 9), rand(2 * 7 * 7 * 3, 19), 2, 7, 7));
});

test('a failing launch rejects every call that shared it, and later calls still run', async () => {
  const inner = fakeKernels(2);
  let fail = true;
  const step = inner.step.bind(inner);
  inner.step = async (...a) => {
    if (fail) throw new Error('kernel failed');
    return step(...a);
  };
  const k = new CoalescingKernels(inner);
  const r = await Promise.allSettled([k.step(rand(2, 1), rand(3, 1), 1, 1, 1), k.step(rand(2, 2), rand(3, 2), 1, 1, 1)]);
  assert.deepEqual(r.map((x) => x.status), ['rejected', 'rejected']);
  fail = false;
  assert.equal((await k.step(rand(2, 3), rand(3, 3), 1, 1, 1)).length, 2);
});

function capture(): Output & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  return {
    json: true,
    records,
    record: (obj) => void records.push(obj as Record<string, unknown>),
    info: () => undefined,
    warn: () => undefined,
    progress: () => ({ update: () => undefined, stop: () => undefined }),
  };
}

test('eval --tile-batch 3: mazes thought side by side on tiles give the answers they give one at a time', { skip: loadOrt().ort === undefined && 'onnxruntime-node is not installed' }, async () => {
  await initBackend('wasm');
  const run = async (tileBatch: number) => {
    const out = capture();
    await runEval(out, { model: 'mazes', size: 31, count: 3, seed: 9001, iterations: 'auto', tileBatch });
    return out.records;
  };
  const one = await run(1);
  const three = await run(3);
  const byPuzzle = (rs: Record<string, unknown>[]) => new Map(rs.filter((r) => r.puzzle !== undefined).map((r) => [r.puzzle, r]));
  const a = byPuzzle(one);
  const b = byPuzzle(three);
  assert.equal(b.size, 3);
  for (const [i, r] of a) {
    assert.equal(b.get(i)!.correct, r.correct, `puzzle ${i}`);
    assert.equal(b.get(i)!.iterations, r.iterations, `puzzle ${i} halts at the same iteration`);
  }
  assert.match(JSON.stringify(three.at(-1)!.engines), /3 mazes sharing each launch/);
  assert.equal(three.at(-1)!.accuracy, one.at(-1)!.accuracy);
});
