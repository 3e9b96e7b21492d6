/** `bench` (one training step): both architectures run, the record names the model, and no tensor outlives a run. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../src/engine/tf';
import { runBenchTrain } from '../../../../src/engine/cli/bench';
import type { Output } from '../../../../src/engine/cli/output';

before(async () => {
  await initBackend('wasm');
});

function capture(): { out: Output; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const out: Output = {
    json: true,
    record: (obj: object) => void records.push(obj as Record<string, unknown>),
    info: () => undefined,
    warn: () => undefined,
    progress: () => ({ update: () => undefined, stop: () => undefined }),
  };
  return { out, records };
}

for (const model of ['dt-recall', 'dt-l'] as const) {
  test(`bench --model ${model}: a median step time, the model in the config, no leaked tensors`, async () => {
    const { out, records } = capture();
    await runBenchTrain(out, { model, dims: '2', width: 4, iterations: 3, batch: 2, size: 6, steps: 2, threads: 1 });
    assert.equal(records.length, 1);
    const r = records[0] as { median_ms: number; tensors_leaked_per_run: number; config: { model: string } };
    assert.equal(r.config.model, model);
    assert.ok(r.median_ms > 0, `median ${r.median_ms}`);
    assert.equal(r.tensors_leaked_per_run, 0);
  });
}
