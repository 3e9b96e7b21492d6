/**
 * Model specs: what the CLI arguments and RPC parameters name a model by (docs/design.md, Formats). A spec is a
 * checkpoint directory (or its model.json), a paper `.pth` file (imported on the fly, nothing written), or the name
 * of a bundled model under `<extension root>/media/models/<name>/`; this module resolves one to a loaded model and
 * lists the models a directory holds, so every caller accepts the same specs and reports a missing one the same way.
 */
import { readEnv } from '../env';
import { readdir, stat } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ProblemId } from '../../shared/problems/problem';
import { createModel } from '../models/createModel';
import type { DTNet } from '../models/dtNet';
import { importPth, inspectPth, pthDisplayName, type ImportPthOptions, type PthImport } from './importPth';
import { CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, checkMetaConsistency, ENGINE_VERSION, MODEL_JSON, type CheckpointMeta } from './format';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from './store';

export type ModelOrigin = 'checkpoint' | 'pth' | 'bundled';

export interface LoadedModel {
  model: DTNet;
  meta: CheckpointMeta;
  /** the checkpoint directory or .pth file actually read */
  path: string;
  origin: ModelOrigin;
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
  const env = readEnv('modelsDir');
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
