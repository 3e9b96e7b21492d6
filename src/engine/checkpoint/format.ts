/**
 * The checkpoint format (docs/design.md, Formats): a self-describing directory, after nanoGPT's habit of storing the
 * model args with the weights, so loading needs no side knowledge.
 *
 *   <dir>/model.json   { format: 'deep-thinking-checkpoint', formatVersion: 1, architecture, problem, training,
 *                        seed, engineVersion, metrics: { accuracyPerIteration: { [size]: number[] } }, createdAt,
 *                        weightsManifest }
 *   <dir>/weights.bin  tfjs's own encoding (tf.io.encodeWeights): the tensors' bytes concatenated in manifest order
 *
 * This module holds the format's types and its validation, without touching the disk: a model.json is untrusted
 * input (a user's file, a download), so every field is checked and an error names the file, the field and, for bad
 * JSON, the line and column. The store (store.ts) and the model specs (modelSpecs.ts) both build on it.
 */
import packageJson from '../../../package.json';
import { validateArchitecture, type Architecture } from '../../shared/architecture';
import { getProblem } from '../../shared/problems/index';
import { isProblemId, PROBLEM_IDS, type ProblemId } from '../../shared/problems/problem';
import { tf } from '../tf';

export const CHECKPOINT_FORMAT = 'deep-thinking-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const ENGINE_VERSION: string = packageJson.version;

export type WeightsManifestEntry = tf.io.WeightsManifestEntry;

export interface CheckpointMetrics {
  /** test accuracy (0–1) per iteration (index 0 = iteration 1), per problem size ("32", "13", …) */
  accuracyPerIteration: Record<string, number[]>;
  [key: string]: unknown;
}

/** Where a model came from when it was not trained here. */
export interface CheckpointSource {
  kind: 'pth';
  file: string;
  epoch?: number;
  /** chess nets from the paper: the board frame they expect (see importPth.ts) */
  boardFrame?: string;
  notes?: string[];
}

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  name?: string;
  description?: string;
  architecture: Architecture;
  problem: ProblemId;
  /** free-form: whatever the trainer wants to record (lr, alpha, epochs, sizes, …) */
  training: Record<string, unknown>;
  seed: number | null;
  engineVersion: string;
  metrics: CheckpointMetrics;
  /** ISO 8601 */
  createdAt: string;
  source?: CheckpointSource;
  /** tfjs weight specs of weights.bin, in file order; written on every save, optional when reading */
  weightsManifest?: WeightsManifestEntry[];
}

/** What a caller supplies to saveCheckpoint; the rest (format, architecture, versions, manifest) is filled in. */
export interface CheckpointMetaInput {
  problem: ProblemId;
  name?: string;
  description?: string;
  training?: Record<string, unknown>;
  seed?: number | null;
  metrics?: Partial<CheckpointMetrics>;
  createdAt?: string;
  source?: CheckpointSource;
}

/** JSON.stringify(v, null, 2), except that arrays of numbers (shapes, accuracy curves) stay on one line. */
export function formatJson(v: unknown, indent = ''): string {
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number' || x === null)) return JSON.stringify(v);
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + formatJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${formatJson(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v) ?? 'null';
}


/** Parse and validate model.json text. `file` names it in errors. */
export function parseCheckpointMeta(text: string, file: string): CheckpointMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw jsonError(text, file, e as Error);
  }
  const fail = (msg: string): never => {
    throw new Error(`${file}: ${msg}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail('expected a JSON object');
  const depth = jsonDepth(raw, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) fail(`nested deeper than ${MAX_JSON_DEPTH} levels; a model.json is a few levels deep (anything deeper would overflow the stack of whoever prints it)`);
  const o = raw as Record<string, unknown>;
  if (o.format !== CHECKPOINT_FORMAT) fail(`"format" must be "${CHECKPOINT_FORMAT}", got ${JSON.stringify(o.format)}`);
  if (typeof o.formatVersion !== 'number' || !Number.isInteger(o.formatVersion)) fail(`"formatVersion" must be an integer, got ${JSON.stringify(o.formatVersion)}`);
  if ((o.formatVersion as number) > CHECKPOINT_FORMAT_VERSION) {
    fail(`formatVersion ${o.formatVersion} was written by a newer engine; this engine (${ENGINE_VERSION}) reads version ${CHECKPOINT_FORMAT_VERSION}`);
  }
  if ((o.formatVersion as number) < 1) fail(`unsupported formatVersion ${o.formatVersion}`);
  validateArchitecture(o.architecture, file);
  if (!isProblemId(o.problem)) fail(`"problem" must be one of ${PROBLEM_IDS.join(', ')}, got ${JSON.stringify(o.problem)}`);
  const isObject = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v);
  if (o.training !== undefined && !isObject(o.training)) fail('"training" must be an object');
  if (o.seed !== undefined && o.seed !== null && typeof o.seed !== 'number') fail(`"seed" must be a number or null, got ${JSON.stringify(o.seed)}`);
  if (o.metrics !== undefined && !isObject(o.metrics)) fail('"metrics" must be an object');
  const metrics = (o.metrics ?? {}) as Record<string, unknown>;
  const acc = metrics.accuracyPerIteration ?? {};
  if (!isObject(acc)) fail('"metrics.accuracyPerIteration" must be an object of number arrays');
  for (const [size, arr] of Object.entries(acc as object)) {
    if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'number' || x === null)) {
      fail(`"metrics.accuracyPerIteration.${size}" must be an array of numbers`);
    }
  }
  if (o.weightsManifest !== undefined) validateManifest(o.weightsManifest, file);
  const meta = {
    ...o,
    training: (o.training ?? {}) as Record<string, unknown>,
    seed: (o.seed ?? null) as number | null,
    metrics: { ...metrics, accuracyPerIteration: acc } as CheckpointMetrics,
    engineVersion: typeof o.engineVersion === 'string' ? o.engineVersion : 'unknown',
    createdAt: typeof o.createdAt === 'string' ? o.createdAt : '',
  } as CheckpointMeta;
  checkMetaConsistency(meta, file);
  return meta;
}

/** Deepest nesting accepted in a model.json. */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value, walked without recursion; stops counting past `limit`. */
export function jsonDepth(v: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (!x || typeof x !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(x) ? x : Object.values(x)) if (child && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

/** The problem fixes the input layout: a mazes checkpoint must be a 2-D net with 3 input channels, etc. */
export function checkMetaConsistency(meta: CheckpointMeta, file: string): void {
  const p = getProblem(meta.problem);
  const a = meta.architecture;
  if (p.dims !== a.dims || p.inChannels !== a.inChannels) {
    throw new Error(`${file}: problem "${meta.problem}" needs a ${p.dims}-D net with ${p.inChannels} input channel(s), but the architecture is ${a.dims}-D with ${a.inChannels}`);
  }
}

/** "Unexpected token … at position 42" → "file:3:7: invalid JSON: …". */
function jsonError(text: string, file: string, e: Error): Error {
  const msg = e.message;
  let line: number | undefined;
  let col: number | undefined;
  const lc = /line (\d+) column (\d+)/.exec(msg);
  const pos = /position (\d+)/.exec(msg);
  if (lc) {
    line = Number(lc[1]);
    col = Number(lc[2]);
  } else {
    const offset = pos ? Number(pos[1]) : /end of (JSON )?(input|data)/i.test(msg) ? text.length : undefined;
    if (offset !== undefined) {
      const before = text.slice(0, offset).split('\n');
      line = before.length;
      col = before[before.length - 1].length + 1;
    }
  }
  const clean = msg.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
  return new Error(`${file}${line !== undefined ? `:${line}:${col}` : ''}: invalid JSON: ${clean}`);
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function validateManifest(m: unknown, file: string): asserts m is WeightsManifestEntry[] {
  if (!Array.isArray(m)) throw new Error(`${file}: "weightsManifest" must be an array`);
  m.forEach((e, i) => {
    const where = `${file}: weightsManifest[${i}]`;
    if (!e || typeof e !== 'object') throw new Error(`${where} must be an object`);
    const { name, shape, dtype, quantization } = e as Record<string, unknown>;
    if (typeof name !== 'string' || !name) throw new Error(`${where}: "name" must be a non-empty string`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${where} ("${name}"): "shape" must be an array of non-negative integers`);
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new Error(`${where} ("${name}"): unsupported dtype ${JSON.stringify(dtype)}`);
    if (quantization !== undefined) {
      const q = quantization as Record<string, unknown>;
      if (!q || typeof q.dtype !== 'string' || !(q.dtype in QUANT_BYTES)) throw new Error(`${where} ("${name}"): unsupported quantization`);
    }
  });
}

export function manifestBytes(m: WeightsManifestEntry[]): number {
  let n = 0;
  for (const e of m) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    n += size * (e.quantization ? QUANT_BYTES[e.quantization.dtype] : DTYPE_BYTES[e.dtype]);
  }
  return n;
}

/** Index of the first NaN or ±Infinity in `v`, or -1. */
export function firstNonFinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}
