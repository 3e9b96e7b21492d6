/** `deep-thinking trace`: logits at chosen iterations, NCHW in and out (the fixtures' layout). */
import { readFile } from 'node:fs/promises';
import { loadModel } from '../checkpoint/modelSpecs';
import { traceLogits } from '../checkpoint/trace';
import type { Output } from './output';

export async function runTrace(_out: Output, o: { model: string; input: string; iterations: number[] }): Promise<void> {
  let parsed: unknown;
  const text = await readFile(o.input, 'utf8').catch((e: Error) => {
    throw new Error(`${o.input}: cannot read: ${e.message}`);
  });
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${o.input}: invalid JSON: ${(e as Error).message}`);
  }
  const input = (parsed as { input?: unknown } | null)?.input;
  if (input === undefined) throw new Error(`${o.input}: expected an object with an "input" field (NCHW nested array)`);
  const { model } = await loadModel(o.model);
  try {
    const result = await traceLogits(model, input, o.iterations);
    // Always one JSON object: this output is meant for machines.
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    model.dispose();
  }
}
