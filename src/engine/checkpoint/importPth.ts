/**
 * Import the paper's PyTorch checkpoints (aks2203/deep-thinking `torch.save({"net": state_dict, ...})`).
 *
 * The container (a torch.save zip of a pickle and raw storages) is read by torchZip.ts; this module takes the
 * pickle's root from there to a state dict, infers the architecture and converts the weights.
 *
 * The paper's state-dict names are ours (DTNet uses them, minus DataParallel's `module.` prefix); only the layout
 * changes: conv kernels go from PyTorch's [Cout,Cin,kh,kw] / [Cout,Cin,k] to channels-last [kh,kw,Cin,Cout] /
 * [k,Cin,Cout] (tf.conv2d's filter layout). The architecture is inferred from the tensor shapes, so a checkpoint
 * needs no side information (Bansal et al. 2022, appendix A gives the same shapes).
 *
 * What the state dict cannot tell:
 * - maxIters (training iterations, only used as the default test-time depth): 30 unless given.
 * - GroupNorm: the paper's `*_gn_*` variants use GroupNorm(affine=False), which has no parameters, so their state
 *   dicts look exactly like the plain nets'. Importing one gives a net without the norm (wrong outputs). None of
 *   the paper's published configs use it.
 *
 * Chess orientation (docs/design.md, Formats). The paper's data (easy_to_hard_data `make_chess.py`) stores boards with
 * row 0 = rank 1, column 0 = file a, planes 0–5 = side to move's K,Q,B,N,R,P; its loader
 * (deep-thinking `FlippedChessPuzzleDataset`) then flips the rows of the input AND of the target (torch.flip on the
 * rank axis) for positions where black moves. So a paper chess net sees every board with the side to move's home
 * rank at row 0 and predicts squares in that same frame. Our encoder (src/shared/problems/chess.ts) keeps White's
 * view, row 0 = rank 8, for every position. The frames therefore differ by a row flip for WHITE-to-move positions
 * and agree for black-to-move ones. No change to the weights can fix that (it depends on the position), so the
 * importer does not touch orientation: it leaves the kernels as trained and records
 * `boardFrame: 'side-to-move-home-rank-at-row-0'` in the import result, and whoever runs a paper chess net must flip
 * the input rows, and flip the output back, for white-to-move positions (chess.ts `flipBoardRows`). The fixture
 * test compares raw logits for a raw input, where orientation plays no part.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Architecture } from '../../shared/architecture';
import { validateArchitecture } from '../../shared/architecture';
import type { ProblemId } from '../../shared/problems/problem';
import { DTNet, type WeightSpec } from '../models/dtNet';
import { FeedForwardNet } from '../models/feedForward';
import { DTLNet } from '../models/dtL';
import { describe, PyObject } from './pickle';
import { FLOAT_DTYPES, isTorchTensor, readTensor, readTorchCheckpoint, type TorchCheckpoint, type TorchTensorRef } from './torchZip';

/** Default test-time depth for imported recurrent nets (the paper trains mazes/prefix sums/chess with ≤ 30). */
export const DEFAULT_IMPORT_MAX_ITERS = 30;

export interface ImportPthOptions {
  /** Test-time depth recorded in the architecture of recurrent nets (default 30). Ignored by feed-forward nets. */
  maxIters?: number;
}

export interface PthImport {
  file: string;
  architecture: Architecture;
  /** channels-last weights under our (= the paper's) names */
  weights: Map<string, Float32Array>;
  /** guessed from the input channels: 1 → prefix-sums, 3 → mazes, 12 → chess */
  problem: ProblemId | undefined;
  /** `epoch` from the checkpoint, when present */
  epoch?: number;
  /** For chess: the board frame the net was trained in (see the header). */
  boardFrame?: 'side-to-move-home-rank-at-row-0';
  /** human-readable remarks (key renames, assumptions) */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// From the pickle's root to a state dict

/** Prefixes added by wrappers: DataParallel (`module.`, the paper's case) and torch.compile (`_orig_mod.`). */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

/**
 * The state dict inside a checkpoint: `{"net": sd, ...}` (the paper; other keys such as optimizer/epoch are
 * ignored), `{"state_dict": sd}`, `{"model_state_dict": sd}`, or a bare state dict. Keys lose wrapper prefixes.
 */
export function findStateDict(ckpt: TorchCheckpoint): { stateDict: Map<string, unknown>; epoch?: number; notes: string[] } {
  const { root, file } = ckpt;
  const notes: string[] = [];
  if (!(root instanceof Map)) {
    throw new Error(`${file}: expected a dict at the top of the checkpoint, got ${describe(root)}${moduleHint(root)}`);
  }
  let sd: unknown;
  let where = 'the top level';
  for (const k of ['net', 'state_dict', 'model_state_dict', 'model']) {
    if (root.has(k)) {
      sd = root.get(k);
      where = `"${k}"`;
      break;
    }
  }
  if (sd === undefined) {
    if ([...root.values()].some(isTorchTensor)) sd = root;
    else {
      const keys = [...root.keys()].map((k) => JSON.stringify(k)).join(', ');
      throw new Error(`${file}: no state dict found: expected a "net" key (the paper's format) or a dict of tensors; top-level keys are ${keys}`);
    }
  }
  if (!(sd instanceof Map)) throw new Error(`${file}: ${where} is ${describe(sd)}, expected a state dict${moduleHint(sd)}`);
  const out = new Map<string, unknown>();
  let stripped = '';
  for (const [k, v] of sd) {
    if (typeof k !== 'string') throw new Error(`${file}: state dict key ${describe(k)} is not a string`);
    let name = k;
    for (const p of WRAPPER_PREFIXES) {
      if (name.startsWith(p)) {
        name = name.slice(p.length);
        stripped = p;
      }
    }
    out.set(name, v);
  }
  if (stripped) notes.push(`removed the "${stripped}" prefix from state dict keys`);
  const epoch = root.get('epoch');
  return { stateDict: out, epoch: typeof epoch === 'number' ? epoch : undefined, notes };
}

function moduleHint(v: unknown): string {
  return v instanceof PyObject
    ? ` (a pickled ${v.callable.qualname}; save the weights instead: torch.save({"net": model.state_dict()}, path))`
    : '';
}

// ---------------------------------------------------------------------------------------------------------------
// Architecture inference

export interface InferredArchitecture {
  architecture: Architecture;
  /** our weight name → the state-dict key it comes from */
  sources: Map<string, string>;
  notes: string[];
}

/**
 * Infer the Architecture from the state dict's shapes (PyTorch layout) and check that every key is used and every
 * weight is present with the right shape. Throws naming the missing or unexpected key.
 */
export function inferArchitecture(shapes: Map<string, number[]>, file: string, opts: ImportPthOptions = {}): InferredArchitecture {
  const fail = (msg: string): never => {
    throw new Error(`${file}: ${msg}`);
  };
  const proj = shapes.get('projection.0.weight');
  if (!proj) {
    const some = [...shapes.keys()].slice(0, 6).join(', ');
    return fail(`missing key "projection.0.weight": not a deep-thinking network (keys: ${some}${shapes.size > 6 ? ', …' : ''})`);
  }
  const dims = proj.length - 2;
  if (dims !== 1 && dims !== 2) return fail(`"projection.0.weight" has shape [${proj}]; expected a Conv1d or Conv2d kernel`);
  const [width, inChannels] = proj;
  const keys = [...shapes.keys()];
  const has = (k: string) => shapes.has(k);
  const notes: string[] = [];
  const sources = new Map<string, string>();
  let architecture: Architecture;

  if (keys.some((k) => k.startsWith('feedforward_layers.'))) {
    // The paper's feed-forward baseline: one recall conv *shared* by all layers, untied residual layers.
    const recall = has('recall_layer.weight');
    if (recall && dims === 1) {
      fail('the paper\'s 1-D feed-forward net with recall applies no ReLU after its recall conv, unlike this engine\'s; it cannot be imported');
    }
    let layers = 0;
    while (has(`feedforward_layers.${layers}.0.0.conv1.weight`)) layers++;
    if (layers === 0) fail('missing key "feedforward_layers.0.0.0.conv1.weight"');
    if (!recall) fail('the paper\'s feed-forward net without recall has no counterpart in this engine (its FeedForwardNet always recalls)');
    const blocks = countBlocks(has, 'feedforward_layers.0.0');
    architecture = { kind: 'feedforward', dims, width, inChannels, maxIters: layers, blocks };
    const bi = dims === 1 ? 2 : 1;
    for (const k of keys) {
      let m: RegExpExecArray | null;
      if (k === 'recall_layer.weight') {
        for (let i = 0; i < layers; i++) sources.set(`layers.${i}.0.weight`, k);
      } else if ((m = /^feedforward_layers\.(\d+)\.0\.(\d+)\.(conv[12])\.weight$/.exec(k))) {
        sources.set(`layers.${m[1]}.${bi}.${m[2]}.${m[3]}.weight`, k);
      } else sources.set(k, k);
    }
    notes.push(`paper feed-forward net: its shared recall_layer is copied into each of the ${layers} layers`);
  } else if (keys.some((k) => k.startsWith('layers.'))) {
    // This engine's own feed-forward naming (layers.<i>.<recurrent block>, always with recall).
    // One pass over the keys (a loop of `keys.some` per layer is quadratic in a hostile file's key count).
    const present = new Set<number>();
    for (const k of keys) {
      const m = /^layers\.(\d+)\./.exec(k);
      if (m) present.add(Number(m[1]));
    }
    let layers = 0;
    while (present.has(layers)) layers++;
    const bi = dims === 1 ? 2 : 1;
    architecture = { kind: 'feedforward', dims, width, inChannels, maxIters: layers, blocks: countBlocks(has, `layers.0.${bi}`) };
    for (const k of keys) sources.set(k, k);
  } else {
    // DT / DT-recall: recur_block = [recall conv (, ReLU in 1-D)] + residual layer.
    const recall = has('recur_block.0.weight');
    const bi = recall ? (dims === 1 ? 2 : 1) : 0;
    const blocks = countBlocks(has, `recur_block.${bi}`);
    if (blocks === 0) fail(`missing key "recur_block.${bi}.0.conv1.weight" (the first residual block of the recurrent block)`);
    const maxIters = opts.maxIters ?? DEFAULT_IMPORT_MAX_ITERS;
    architecture = { kind: recall ? 'dt-recall' : 'dt', dims, width, inChannels, maxIters, blocks };
    if (opts.maxIters === undefined) notes.push(`maxIters is not stored in .pth files; using ${DEFAULT_IMPORT_MAX_ITERS}`);
    for (const k of keys) sources.set(k, k);
  }
  try {
    validateArchitecture(architecture, file);
  } catch (e) {
    fail(`inferred an invalid architecture ${JSON.stringify(architecture)}: ${(e as Error).message}`);
  }
  if (architecture.kind === 'feedforward' && opts.maxIters !== undefined && opts.maxIters !== architecture.maxIters) {
    notes.push(`maxIters ${opts.maxIters} ignored: a feed-forward net has exactly ${architecture.maxIters} layers`);
  }

  // Every expected weight present with the right shape; every key used.
  const label = `${architecture.kind} ${dims}-D net (width ${width}, ${inChannels} input channels, ${architecture.blocks} blocks)`;
  const used = new Set<string>();
  for (const spec of expectedWeightSpecs(architecture)) {
    const src = sources.get(spec.name);
    if (!src || !shapes.has(src)) fail(`missing key "${src ?? spec.name}" expected for a ${label}`);
    const torchShape = shapes.get(src!)!;
    const converted = channelsLastShape(torchShape);
    if (converted.join() !== spec.shape.join()) {
      fail(`key "${src}" has shape [${torchShape}] but a ${label} needs [${torchLayoutShape(spec.shape)}]`);
    }
    used.add(src!);
  }
  for (const k of keys) {
    if (!used.has(k)) fail(`unexpected key "${k}" (shape [${shapes.get(k)}]): not part of a ${label}; GroupNorm with affine weights, biases and extra layers are not supported`);
  }
  for (const [ours, theirs] of [...sources]) if (!used.has(theirs)) sources.delete(ours);
  return { architecture, sources, notes };
}

/** Number of consecutive residual blocks `${prefix}.<b>.conv1.weight`. */
function countBlocks(has: (k: string) => boolean, prefix: string): number {
  let b = 0;
  while (has(`${prefix}.${b}.conv1.weight`)) b++;
  return b;
}

/**
 * The weights and buffers an architecture needs, channels-last. DTNet.weightSpecs() only reads `this.arch`, so we call it on
 * a bare prototype instead of building a model (which would allocate every weight as a tensor).
 */
export function expectedWeightSpecs(arch: Architecture): WeightSpec[] {
  const cls = arch.kind === 'feedforward' ? FeedForwardNet : arch.kind === 'dt-l' ? DTLNet : DTNet;
  const probe = Object.create(cls.prototype) as DTNet;
  Object.defineProperty(probe, 'arch', { value: arch });
  // the buffers (batch-norm running statistics) are stored beside the weights, as in a PyTorch state_dict
  return [...probe.weightSpecs(), ...probe.bufferSpecs().map(({ name, shape }) => ({ name, shape }))];
}

/** [Cout,Cin,kh,kw] → [kh,kw,Cin,Cout]; [Cout,Cin,k] → [k,Cin,Cout]. */
export function channelsLastShape(s: number[]): number[] {
  if (s.length === 4) return [s[2], s[3], s[1], s[0]];
  if (s.length === 3) return [s[2], s[1], s[0]];
  return s.slice();
}

function torchLayoutShape(s: number[]): number[] {
  if (s.length === 4) return [s[3], s[2], s[0], s[1]];
  if (s.length === 3) return [s[2], s[1], s[0]];
  return s.slice();
}

/** Permute a contiguous PyTorch conv kernel to channels-last (see channelsLastShape). */
export function kernelToChannelsLast(values: Float32Array, torchShape: number[]): Float32Array {
  const out = new Float32Array(values.length);
  if (torchShape.length === 4) {
    const [co, ci, kh, kw] = torchShape;
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++) out[((y * kw + x) * ci + i) * co + o] = values[((o * ci + i) * kh + y) * kw + x];
  } else if (torchShape.length === 3) {
    const [co, ci, k] = torchShape;
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let x = 0; x < k; x++) out[(x * ci + i) * co + o] = values[(o * ci + i) * k + x];
  } else out.set(values);
  return out;
}

/** 1 → prefix sums, 3 → mazes (RGB), 12 → chess (12 piece planes). */
export function guessProblem(arch: Architecture): ProblemId | undefined {
  if (arch.dims === 1 && arch.inChannels === 1) return 'prefix-sums';
  if (arch.dims === 2 && arch.inChannels === 3) return 'mazes';
  if (arch.dims === 2 && arch.inChannels === 12) return 'chess';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Public entry points

function tensorShapes(stateDict: Map<string, unknown>, file: string): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [k, v] of stateDict) {
    if (!isTorchTensor(v)) throw new Error(`${file}: state dict entry "${k}" is ${describe(v)}, not a tensor`);
    shapes.set(k, v.shape);
  }
  return shapes;
}

/** Import a .pth already in memory. `file` names it in errors. */
export function importPthBytes(bytes: Uint8Array, file: string, opts: ImportPthOptions = {}): PthImport {
  const ckpt = readTorchCheckpoint(bytes, file);
  const { stateDict, epoch, notes } = findStateDict(ckpt);
  const inferred = inferArchitecture(tensorShapes(stateDict, file), file, opts);
  const weights = new Map<string, Float32Array>();
  const converted = new Map<string, Float32Array>();
  for (const [ours, theirs] of inferred.sources) {
    const seen = converted.get(theirs);
    if (seen) {
      // Untied copies (the feed-forward recall conv) get their own buffer.
      weights.set(ours, seen.slice());
      continue;
    }
    const t = stateDict.get(theirs) as TorchTensorRef;
    if (!FLOAT_DTYPES.has(t.storage.dtype)) throw new Error(`${file}: "${theirs}" is a ${t.storage.dtype} tensor; network weights must be floating point`);
    const raw = readTensor(ckpt, t, theirs);
    for (let i = 0; i < raw.length; i++) {
      if (!Number.isFinite(raw[i])) throw new Error(`${file}: "${theirs}" holds ${raw[i]} at index ${i}; a usable checkpoint has only finite weights`);
    }
    const v = kernelToChannelsLast(raw, t.shape);
    converted.set(theirs, v);
    weights.set(ours, v);
  }
  const problem = guessProblem(inferred.architecture);
  return {
    file,
    architecture: inferred.architecture,
    weights,
    problem,
    epoch,
    boardFrame: problem === 'chess' ? 'side-to-move-home-rank-at-row-0' : undefined,
    notes: [...notes, ...inferred.notes],
  };
}

/** Import a .pth file from disk. */
export async function importPth(file: string, opts: ImportPthOptions = {}): Promise<PthImport> {
  return importPthBytes(await readPthFile(file), file, opts);
}

/** Architecture and problem of a .pth without reading its weights (for model lists). */
export async function inspectPth(file: string, opts: ImportPthOptions = {}): Promise<Omit<PthImport, 'weights'>> {
  const bytes = await readPthFile(file);
  const ckpt = readTorchCheckpoint(bytes, file, { withStorages: false });
  const { stateDict, epoch, notes } = findStateDict(ckpt);
  const inferred = inferArchitecture(tensorShapes(stateDict, file), file, opts);
  const problem = guessProblem(inferred.architecture);
  return {
    file,
    architecture: inferred.architecture,
    problem,
    epoch,
    boardFrame: problem === 'chess' ? 'side-to-move-home-rank-at-row-0' : undefined,
    notes: [...notes, ...inferred.notes],
  };
}

async function readPthFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new Error(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `foo/bar.pth` → `bar`: a display name for imported models. */
export function pthDisplayName(file: string): string {
  return path.basename(file).replace(/\.(pth|pt|ckpt)$/i, '');
}
