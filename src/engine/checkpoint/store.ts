/**
 * Checkpoints on disk: saving, updating, reading and loading a checkpoint directory, and repairing what a crash can
 * leave behind. Writes are atomic (docs/design.md, Formats): everything is written into a temporary sibling
 * directory, which is then renamed into place. An existing checkpoint is renamed aside first and deleted only after
 * the new one is in place, so a crash leaves either the old or the new checkpoint, never a half-written one (at
 * worst the old one under a hidden name, which recoverCheckpointDir puts back). Single files (an updated model.json,
 * a recipe's results) go through writeFileAtomic, the one temp + fsync + rename writer of the engine.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { isProblemId, PROBLEM_IDS } from '../../shared/problems/problem';
import { createModel } from '../models/createModel';
import type { DTNet } from '../models/dtNet';
import { expectedWeightSpecs } from './importPth';
import { tf } from '../tf';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  checkMetaConsistency,
  ENGINE_VERSION,
  firstNonFinite,
  formatJson,
  manifestBytes,
  MODEL_JSON,
  parseCheckpointMeta,
  WEIGHTS_BIN,
  type CheckpointMeta,
  type CheckpointMetaInput,
  type CheckpointMetrics,
  type WeightsManifestEntry,
} from './format';

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
  const named = [...model.weights, ...model.buffers].map(([name, tensor]) => ({ name, tensor }));
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
