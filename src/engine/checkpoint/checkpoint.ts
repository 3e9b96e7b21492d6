/**
 * Checkpoints: a self-describing directory (docs/design.md, Formats; nanoGPT's habit of storing the model args with the
 * weights, so loading needs no side knowledge).
 *
 *   <dir>/model.json   { format: 'deep-thinking-checkpoint', formatVersion: 1, architecture, problem, training,
 *                        seed, engineVersion, metrics: { accuracyPerIteration: { [size]: number[] } }, createdAt,
 *                        weightsManifest }
 *   <dir>/weights.bin  tfjs's own encoding (tf.io.encodeWeights): the tensors' bytes concatenated in manifest order
 *
 * Writes are atomic: everything is written into a temporary sibling directory, which is then renamed into place. An
 * existing checkpoint is renamed aside first and deleted only after the new one is in place, so a crash leaves
 * either the old or the new checkpoint, never a half-written one (at worst the old one under a hidden name).
 *
 * A "model spec" (CLI argument, RPC parameter) is a checkpoint directory, a paper `.pth` file (imported on the fly),
 * or the name of a bundled model under `<extension root>/media/models/<name>/`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import packageJson from '../../../package.json';
import { validateArchitecture, type Architecture } from '../../shared/architecture';
import { getProblem } from '../../shared/problems/index';
import { isProblemId, PROBLEM_IDS, type ProblemId } from '../../shared/problems/problem';
import { createModel } from '../models/createModel';
import type { DTNet } from '../models/dtNet';
import { expectedWeightSpecs, importPth, inspectPth, pthDisplayName, type ImportPthOptions, type PthImport } from './importPth';
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

export type ModelOrigin = 'checkpoint' | 'pth' | 'bundled';

export interface LoadedModel {
  model: DTNet;
  meta: CheckpointMeta;
  /** the checkpoint directory or .pth file actually read */
  path: string;
  origin: ModelOrigin;
}

// ---------------------------------------------------------------------------------------------------------------
// Saving

/**
 * Write `model` as a checkpoint directory `dir`, atomically, replacing an existing checkpoint there.
 * Refuses to replace a directory that is not a checkpoint (no model.json) and is not empty.
 */
export async function saveCheckpoint(
  dir: string,
  model: DTNet,
  input: CheckpointMetaInput,
  opts: { extraFiles?: Record<string, Uint8Array | string> } = {},
): Promise<CheckpointMeta> {
  if (!isProblemId(input.problem)) throw new Error(`saveCheckpoint(${dir}): unknown problem ${JSON.stringify(input.problem)}; expected one of ${PROBLEM_IDS.join(', ')}`);
  const named = [...model.weights].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    architecture: { ...model.arch },
    problem: input.problem,
    training: input.training ?? {},
    seed: input.seed ?? null,
    engineVersion: ENGINE_VERSION,
    metrics: { ...input.metrics, accuracyPerIteration: input.metrics?.accuracyPerIteration ?? {} },
    createdAt: input.createdAt ?? new Date().toISOString(),
    ...(input.source ? { source: input.source } : {}),
    weightsManifest: specs,
  };
  checkMetaConsistency(meta, path.join(dir, MODEL_JSON));
  const extra = Object.entries(opts.extraFiles ?? {}).map(([name, v]): [string, Uint8Array] => {
    if (name === MODEL_JSON || name === WEIGHTS_BIN || name !== path.basename(name) || name.startsWith('.')) {
      throw new Error(`saveCheckpoint(${dir}): invalid extra file name ${JSON.stringify(name)}`);
    }
    return [name, typeof v === 'string' ? new TextEncoder().encode(v) : v];
  });
  // model.json last: a directory with a model.json is a complete checkpoint.
  await writeDirAtomically(dir, [
    [WEIGHTS_BIN, new Uint8Array(data)],
    ...extra,
    [MODEL_JSON, new TextEncoder().encode(formatJson(meta) + '\n')],
  ]);
  return meta;
}

/**
 * Merge `training` fields (e.g. the command line, hardware, wall time) into an existing checkpoint's model.json.
 * Only model.json is rewritten, atomically (temp file + rename); the weights are untouched.
 */
export async function annotateCheckpoint(dir: string, training: Record<string, unknown>, metrics: Partial<CheckpointMetrics> = {}): Promise<CheckpointMeta> {
  const meta = await readCheckpointMeta(dir);
  const updated: CheckpointMeta = {
    ...meta,
    training: { ...meta.training, ...training },
    metrics: {
      ...meta.metrics,
      ...metrics,
      // Curves of different sizes accumulate: recording 512 bits keeps the 128-bit curve.
      accuracyPerIteration: { ...meta.metrics.accuracyPerIteration, ...(metrics.accuracyPerIteration ?? {}) },
    },
  };
  await writeFileAtomic(path.join(dir, MODEL_JSON), formatJson(updated) + '\n', 'update');
  return updated;
}

/**
 * Replace `file` atomically: write a temporary sibling, fsync it, rename it over the file. On failure the
 * temporary file is removed and the error names the file (`${file}: could not ${verb}: …`).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, verb = 'write'): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameHook.rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`${file}: could not ${verb}: ${(e as Error).message}`);
  }
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

/**
 * The renames that publish a write, behind a seam so that crash tests can stop the process at any one of them.
 * Production code never replaces it.
 */
export const renameHook: { rename: (from: string, to: string) => Promise<void> } = { rename };

/** Write files into a temp sibling, then swap it in for `dir`. */
async function writeDirAtomically(dir: string, files: Array<[string, Uint8Array]>): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  await mkdir(parent, { recursive: true });
  const existing = await stat(target).catch(() => undefined);
  if (existing) {
    if (!existing.isDirectory()) throw new Error(`${target}: exists and is not a directory; refusing to replace it with a checkpoint`);
    const entries = await readdir(target);
    if (entries.length > 0 && !entries.includes(MODEL_JSON)) {
      throw new Error(`${target}: exists and is not a checkpoint (no ${MODEL_JSON}); refusing to replace it`);
    }
  }
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  // Hidden names, so model lists never show a half-written or retired checkpoint.
  const tmp = path.join(parent, `.${base}.tmp-${tag}`);
  const old = path.join(parent, `.${base}.old-${tag}`);
  await mkdir(tmp);
  try {
    for (const [name, bytes] of files) {
      const fh = await open(path.join(tmp, name), 'w');
      try {
        await fh.writeFile(bytes);
        await fh.sync(); // the data must be on disk before the rename makes it visible
      } finally {
        await fh.close();
      }
    }
    let movedAside = false;
    if (existing) {
      await renameHook.rename(target, old);
      movedAside = true;
    }
    try {
      await renameHook.rename(tmp, target);
    } catch (e) {
      if (movedAside) await rename(old, target).catch(() => undefined);
      throw e;
    }
    if (movedAside) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(`${target}: could not write checkpoint: ${(e as Error).message}`);
  }
}

/** Whether process `pid` still runs (then its temporaries may be a write in progress). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // our own leftovers: nothing of ours is writing while we recover
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repair what a crash inside writeDirAtomically can leave next to checkpoint `dir`, and tidy up:
 * - `dir` missing (the crash fell between moving the old copy aside and renaming the new one in): the newest
 *   complete `.<name>.tmp-*` (model.json is written last, so its presence means complete) becomes `dir`, else the
 *   newest `.<name>.old-*` that holds a model.json;
 * - then stale `.<name>.tmp-*` / `.<name>.old-*` of processes that no longer run are deleted.
 * Returns what it did, one line each, for the caller's log.
 */
export async function recoverCheckpointDir(dir: string): Promise<string[]> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const names = await readdir(parent).catch(() => [] as string[]);
  const leftover = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-[0-9a-f]+$`);
  const found = names
    .map((n) => ({ name: n, m: leftover.exec(n) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => !!x.m && !isAlive(Number(x.m[2])))
    .map((x) => ({ path: path.join(parent, x.name), kind: x.m[1] as 'tmp' | 'old', mtime: statSync(path.join(parent, x.name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }));
  const done: string[] = [];
  if (found.length === 0) return done;
  if (!existsSync(path.join(target, MODEL_JSON)) && !(existsSync(target) && (await readdir(target)).length > 0)) {
    const complete = found.filter((f) => existsSync(path.join(f.path, MODEL_JSON)));
    // A complete new copy beats the old one it was replacing.
    complete.sort((a, b) => (a.kind === b.kind ? b.mtime - a.mtime : a.kind === 'tmp' ? -1 : 1));
    if (complete.length > 0) {
      await rm(target, { recursive: true, force: true });
      await rename(complete[0].path, target);
      done.push(`${target}: restored from ${path.basename(complete[0].path)} (left by an interrupted write)`);
      found.splice(found.indexOf(complete[0]), 1);
    }
  }
  for (const f of found) {
    await rm(f.path, { recursive: true, force: true });
    done.push(`${target}: removed the stale ${path.basename(f.path)}`);
  }
  return done;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** Read and validate `<dir>/model.json` (no weights). Errors name the file, and line:column for bad JSON. */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  const file = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(existsSync(dir) ? `${file}: missing: ${dir} is not a checkpoint directory` : `${dir}: no such checkpoint directory`);
    }
    throw new Error(`${file}: cannot read: ${code ?? (e as Error).message}`);
  }
  return parseCheckpointMeta(text, file);
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
function checkMetaConsistency(meta: CheckpointMeta, file: string): void {
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

function manifestBytes(m: WeightsManifestEntry[]): number {
  let n = 0;
  for (const e of m) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    n += size * (e.quantization ? QUANT_BYTES[e.quantization.dtype] : DTYPE_BYTES[e.dtype]);
  }
  return n;
}

/** Load a checkpoint directory: model.json, then weights.bin decoded with tf.io.decodeWeights. */
export async function loadCheckpoint(dir: string): Promise<{ model: DTNet; meta: CheckpointMeta }> {
  const meta = await readCheckpointMeta(dir);
  const jsonFile = path.join(dir, MODEL_JSON);
  const binFile = path.join(dir, WEIGHTS_BIN);
  const arch = meta.architecture;
  const expected = expectedWeightSpecs(arch);
  // Without a manifest, weights.bin holds float32 weights in the architecture's order.
  const manifest: WeightsManifestEntry[] = meta.weightsManifest ?? expected.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' }));
  const label = `a ${arch.kind} ${arch.dims}-D net of width ${arch.width}`;
  const byName = new Map(manifest.map((e) => [e.name, e]));
  for (const spec of expected) {
    const e = byName.get(spec.name);
    if (!e) throw new Error(`${jsonFile}: missing weight "${spec.name}" (needed by ${label}) in weightsManifest`);
    if (e.shape.join() !== spec.shape.join()) throw new Error(`${jsonFile}: weight "${spec.name}" has shape [${e.shape}] but ${label} needs [${spec.shape}]`);
    if (e.dtype !== 'float32') throw new Error(`${jsonFile}: weight "${spec.name}" has dtype ${e.dtype}; network weights must be float32`);
    byName.delete(spec.name);
  }
  if (byName.size > 0) throw new Error(`${jsonFile}: unexpected weight "${[...byName.keys()][0]}" in weightsManifest: not part of ${label}`);

  // The size check comes before any read or allocation: a few bytes of model.json must not make us allocate
  // gigabytes for a weights file that cannot hold them.
  const want = manifestBytes(manifest);
  const sizeMismatch = (have: number) =>
    new Error(`${binFile}: is ${have} bytes but the weightsManifest in ${MODEL_JSON} describes ${want} bytes (${manifest.length} weights); the checkpoint is truncated or mismatched`);
  let buf: Buffer;
  try {
    const st = await stat(binFile);
    if (st.size !== want) throw sizeMismatch(st.size);
    buf = await readFile(binFile);
  } catch (e) {
    if (!(e as NodeJS.ErrnoException).code) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${binFile}: missing` : `${binFile}: cannot read: ${code ?? (e as Error).message}`);
  }
  if (buf.byteLength !== want) throw sizeMismatch(buf.byteLength);
  const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const tensors = tf.io.decodeWeights(arrayBuffer, manifest);
  const values = new Map<string, Float32Array>();
  try {
    for (const [name, t] of Object.entries(tensors)) {
      const d = t.dataSync();
      const v = d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
      const bad = firstNonFinite(v);
      if (bad >= 0) throw new Error(`${binFile}: weight "${name}" holds ${v[bad]} at index ${bad}; a usable checkpoint has only finite weights`);
      values.set(name, v);
    }
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return { model: createModel(arch, values), meta };
}

/** Index of the first NaN or ±Infinity in `v`, or -1. */
export function firstNonFinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------
// .pth on the fly

/** model.json-style metadata for an imported .pth. `problem` overrides the guess from the input channels. */
export function metaFromPth(imp: Omit<PthImport, 'weights'>, problem?: ProblemId): CheckpointMeta {
  const p = problem ?? imp.problem;
  if (!p) {
    const a = imp.architecture;
    throw new Error(`${imp.file}: cannot tell which problem a ${a.dims}-D net with ${a.inChannels} input channels solves; expected 1 (prefix-sums), 3 (mazes) or 12 (chess)`);
  }
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    name: pthDisplayName(imp.file),
    architecture: imp.architecture,
    problem: p,
    training: {},
    seed: null,
    engineVersion: ENGINE_VERSION,
    metrics: { accuracyPerIteration: {} },
    createdAt: new Date().toISOString(),
    source: {
      kind: 'pth',
      file: imp.file,
      ...(imp.epoch !== undefined ? { epoch: imp.epoch } : {}),
      ...(imp.boardFrame ? { boardFrame: imp.boardFrame } : {}),
      notes: imp.notes,
    },
  };
  checkMetaConsistency(meta, imp.file);
  return meta;
}

/** Import a .pth into a model (nothing written). */
export async function loadPth(file: string, opts: ImportPthOptions & { problem?: ProblemId } = {}): Promise<{ model: DTNet; meta: CheckpointMeta }> {
  const imp = await importPth(file, opts);
  const meta = metaFromPth(imp, opts.problem);
  return { model: createModel(imp.architecture, imp.weights), meta };
}

/** Import a .pth and save it as a checkpoint directory (the `importPth` RPC / CLI command). */
export async function convertPthToCheckpoint(
  pthFile: string,
  outDir: string,
  opts: ImportPthOptions & { problem?: ProblemId } = {},
): Promise<CheckpointMeta> {
  const { model, meta } = await loadPth(pthFile, opts);
  try {
    return await saveCheckpoint(outDir, model, {
      problem: meta.problem,
      name: meta.name,
      training: {},
      seed: null,
      source: meta.source,
    });
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Model specs, bundled models, lists

const PTH_EXT = /\.(pth|pt)$/i;
const BUNDLED_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The bundled models directory: $DEEP_THINKING_MODELS_DIR if set (the directory holding <name>/ checkpoints),
 * else the first `media/models` found walking up from this file (dist/ in the extension, src/engine in tests).
 */
export function bundledModelsDir(): string | undefined {
  const env = process.env.DEEP_THINKING_MODELS_DIR;
  if (env) return path.resolve(env);
  let d = __dirname;
  for (;;) {
    const candidate = path.join(d, 'media', 'models');
    if (isDir(candidate)) return candidate;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Load a model from a spec: a checkpoint directory (or its model.json), a .pth file, or a bundled model name.
 * `maxIters` only applies to .pth imports (their depth is not stored).
 */
export async function loadModel(spec: string, opts: { maxIters?: number; modelsDir?: string } = {}): Promise<LoadedModel> {
  const st = await stat(spec).catch(() => undefined);
  if (st?.isDirectory()) return { ...(await loadCheckpoint(spec)), path: spec, origin: 'checkpoint' };
  if (st?.isFile()) {
    if (path.basename(spec) === MODEL_JSON) {
      const dir = path.dirname(spec);
      return { ...(await loadCheckpoint(dir)), path: dir, origin: 'checkpoint' };
    }
    return { ...(await loadPth(spec, { maxIters: opts.maxIters })), path: spec, origin: 'pth' };
  }
  const modelsDir = opts.modelsDir ?? bundledModelsDir();
  if (BUNDLED_NAME.test(spec) && modelsDir) {
    const dir = path.join(modelsDir, spec);
    if (isDir(dir)) return { ...(await loadCheckpoint(dir)), path: dir, origin: 'bundled' };
  }
  const available = modelsDir ? (await listModels([modelsDir])).filter((m) => m.meta).map((m) => m.name) : [];
  throw new Error(
    `model "${spec}" not found: it is not a checkpoint directory, a .pth file, or a bundled model` +
      (modelsDir ? ` (bundled in ${modelsDir}: ${available.length ? available.join(', ') : 'none'})` : ' (no bundled models directory found)'),
  );
}

export interface ModelListEntry {
  /** directory name, or .pth file name without extension */
  name: string;
  /** checkpoint directory or .pth file: usable as a model spec */
  path: string;
  origin: 'checkpoint' | 'pth';
  /** the scanned directory it was found in */
  dir: string;
  meta?: CheckpointMeta;
  /** why it could not be read (then `meta` is absent) */
  error?: string;
}

/**
 * Checkpoints (and .pth files) in `dirs`, metadata only. Each dir may itself be a checkpoint or contain checkpoint
 * directories / .pth files one level down. Missing dirs are skipped; unreadable entries are listed with `error`.
 */
export async function listModels(
  dirs: string[],
  inspect: (p: string, origin: 'checkpoint' | 'pth') => Promise<CheckpointMeta> = (p, origin) =>
    origin === 'pth' ? inspectPth(p).then((imp) => metaFromPth(imp)) : readCheckpointMeta(p),
): Promise<ModelListEntry[]> {
  const out: ModelListEntry[] = [];
  const seen = new Set<string>();
  const add = async (p: string, dir: string): Promise<void> => {
    const abs = path.resolve(p);
    if (seen.has(abs)) return;
    seen.add(abs);
    if (PTH_EXT.test(p)) {
      const entry: ModelListEntry = { name: pthDisplayName(p), path: p, origin: 'pth', dir };
      try {
        entry.meta = await inspect(p, 'pth');
      } catch (e) {
        entry.error = (e as Error).message;
      }
      out.push(entry);
      return;
    }
    const entry: ModelListEntry = { name: path.basename(p), path: p, origin: 'checkpoint', dir };
    try {
      entry.meta = await inspect(p, 'checkpoint');
    } catch (e) {
      entry.error = (e as Error).message;
    }
    out.push(entry);
  };
  for (const dir of dirs) {
    if (!isDir(dir)) {
      if (PTH_EXT.test(dir) && existsSync(dir)) await add(dir, path.dirname(dir));
      continue;
    }
    if (existsSync(path.join(dir, MODEL_JSON))) {
      await add(dir, path.dirname(dir));
      continue;
    }
    const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
    for (const n of names) {
      const p = path.join(dir, n);
      if (isDir(p) ? existsSync(path.join(p, MODEL_JSON)) : PTH_EXT.test(n)) await add(p, dir);
    }
  }
  return out;
}
