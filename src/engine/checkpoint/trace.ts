/**
 * Per-iteration logits for a given input, in PyTorch's layout, so they can be compared number for number with the
 * paper's code (the `.expected.json` fixtures were made that way). Used by the CLI `trace` command.
 *
 * Input: NCHW nested arrays (2-D nets) or NCW (1-D nets). Output: logits per requested iteration, NCHW / NCW with
 * C = 2. Internally the net runs channels-last (NHWC / NWC).
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';

export type NestedNumbers = number | NestedNumbers[];

export interface TraceResult {
  /** iteration (as a string key, like the fixtures' JSON) → logits [N,2,H,W] or [N,2,L] */
  logits: Record<string, NestedNumbers[]>;
}

/** Shape of a rectangular nested array; throws naming the path of the first ragged or non-numeric entry. */
export function nestedShape(x: unknown, where = 'input'): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const check = (v: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}${at}: expected a finite number, got ${JSON.stringify(v)}`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new Error(`${where}${at}: expected an array of ${shape[depth]}, got ${Array.isArray(v) ? `an array of ${v.length}` : JSON.stringify(v)}`);
    }
    v.forEach((e, i) => check(e, depth + 1, `${at}[${i}]`));
  };
  check(x, 0, '');
  return shape;
}

/**
 * NCHW / NCW nested arrays → flat channels-last data. Returns the channels-last shape [N,H,W,C] / [N,L,C].
 */
export function toChannelsLast(input: unknown, where = 'input'): { data: Float32Array; shape: number[] } {
  const s = nestedShape(input, where);
  if (s.length !== 3 && s.length !== 4) throw new Error(`${where}: expected NCW (3 dims) or NCHW (4 dims), got shape [${s}]`);
  const flat: number[] = [];
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(collect);
    else flat.push(v as number);
  };
  collect(input);
  const [n, c] = s;
  const spatial = s.slice(2);
  const positions = spatial.reduce((a, b) => a * b, 1);
  const data = new Float32Array(flat.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < positions; p++) data[(b * positions + p) * c + ch] = flat[(b * c + ch) * positions + p];
  return { data, shape: [n, ...spatial, c] };
}

/** Flat channels-last data of shape [N,...spatial,C] → NC... nested arrays. */
export function toChannelsFirst(data: ArrayLike<number>, shape: number[]): NestedNumbers[] {
  const n = shape[0];
  const c = shape[shape.length - 1];
  const spatial = shape.slice(1, -1);
  const positions = spatial.reduce((a, b) => a * b, 1);
  const build = (b: number, ch: number, dim: number, base: number): NestedNumbers[] => {
    const out: NestedNumbers[] = [];
    const stride = spatial.slice(dim + 1).reduce((a, x) => a * x, 1);
    for (let i = 0; i < spatial[dim]; i++) {
      const p = base + i * stride;
      out.push(dim === spatial.length - 1 ? data[(b * positions + p) * c + ch] : build(b, ch, dim + 1, p));
    }
    return out;
  };
  const out: NestedNumbers[] = [];
  for (let b = 0; b < n; b++) {
    const chans: NestedNumbers[] = [];
    for (let ch = 0; ch < c; ch++) chans.push(build(b, ch, 0, 0));
    out.push(chans);
  }
  return out;
}

/**
 * Run `model` on an NCHW / NCW input and return its logits at the requested 1-based iterations, NCHW / NCW.
 * One pass of max(iterations) steps; memory does not grow with the iteration count.
 */
export async function traceLogits(model: DTNet, inputNCHW: unknown, iterations: number[]): Promise<TraceResult> {
  const { dims, inChannels } = model.arch;
  const wanted = [...new Set(iterations)].sort((a, b) => a - b);
  if (wanted.length === 0) throw new Error('trace: no iterations requested');
  for (const it of wanted) if (!Number.isInteger(it) || it < 1) throw new Error(`trace: iterations must be positive integers, got ${it}`);
  const last = wanted[wanted.length - 1];
  if (last > model.depth) throw new Error(`trace: this ${model.arch.kind} net has ${model.depth} layers and cannot run ${last} iterations`);
  const { data, shape } = toChannelsLast(inputNCHW);
  if (shape.length !== dims + 2) {
    throw new Error(`trace: a ${dims}-D net needs ${dims === 2 ? 'NCHW' : 'NCW'} input (${dims + 2} dims), got ${shape.length} dims`);
  }
  if (shape[shape.length - 1] !== inChannels) {
    throw new Error(`trace: the net has ${inChannels} input channel(s), the input has ${shape[shape.length - 1]} (dim 1 of NCHW)`);
  }
  const logits: TraceResult['logits'] = {};
  const x = tf.tensor(data, shape);
  try {
    for (const step of model.think(x, last)) {
      if (!wanted.includes(step.iteration)) continue;
      // step.logits is freed when the generator resumes: read it now.
      const values = await step.logits.data();
      logits[String(step.iteration)] = toChannelsFirst(values, step.logits.shape);
    }
  } finally {
    x.dispose();
  }
  return { logits };
}
