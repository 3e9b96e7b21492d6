/**
 * Import the paper's PyTorch checkpoints (aks2203/deep-thinking `torch.save({"net": state_dict, ...})`).
 *
 * A `.pth` (torch ≥ 1.6) is a zip: `<archive>/data.pkl` is a pickle whose tensors refer, through persistent ids
 * `('storage', torch.FloatStorage, key, location, numel)`, to raw little-endian storages `<archive>/data/<key>`.
 * Each tensor is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`: a strided *view* of a
 * storage, so we honour offset and stride rather than assuming a contiguous copy.
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
import { unzipSync } from 'fflate';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Architecture } from '../../shared/architecture';
import { validateArchitecture } from '../../shared/architecture';
import type { ProblemId } from '../../shared/problems/problem';
import { DTNet, type WeightSpec } from '../models/dtNet';
import { FeedForwardNet } from '../models/feedForward';
import { describe, PyGlobal, PyObject, PyTuple, unpickle } from './pickle';

/** Default test-time depth for imported recurrent nets (the paper trains mazes/prefix sums/chess with ≤ 30). */
export const DEFAULT_IMPORT_MAX_ITERS = 30;

export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** torch.<X>Storage → element type (torch/storage.py). */
const STORAGE_TYPES: Record<string, TorchDType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', UntypedStorage: 'uint8',
};
const FLOAT_DTYPES = new Set<TorchDType>(['float32', 'float64', 'float16', 'bfloat16']);
const ITEM_SIZE: Record<TorchDType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export interface TorchStorageRef {
  key: string;
  dtype: TorchDType;
  /** elements, as recorded in the pickle */
  numel: number;
  location: string;
}

/** A tensor as the pickle describes it: a strided view of a storage. Shapes and strides are in PyTorch order. */
export interface TorchTensorRef {
  storage: TorchStorageRef;
  storageOffset: number;
  shape: number[];
  stride: number[];
}

export interface TorchCheckpoint {
  /** the .pth path, for error messages */
  file: string;
  /** the unpickled top-level object (tensors are TorchTensorRef) */
  root: unknown;
  /** raw bytes of a storage by key; throws naming the file if absent */
  storageBytes(key: string): Uint8Array;
}

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
// Reading the zip and the pickle

/**
 * Bounds on what a .pth may ask for before its contents are checked against a net: a few kilobytes of zip must not
 * inflate to gigabytes (a zip bomb), nor a strided view read a storage many times over. The paper's largest nets
 * hold a few million parameters, so these leave room for nets far bigger than it trains.
 */
export const PTH_LIMITS = {
  /** data.pkl, inflated (the paper's is ~10 KB) */
  pickleBytes: 64 * 1024 * 1024,
  /** all storages the pickle names, inflated */
  storageBytes: 1024 * 1024 * 1024,
  /** dimensions of one tensor */
  tensorDims: 8,
} as const;

const isPickleEntry = (n: string) => n === 'data.pkl' || n.endsWith('/data.pkl');

/** Parse a torch.save zip. Only `data.pkl` is unpickled here; storages are read on demand. */
export function readTorchCheckpoint(bytes: Uint8Array, file: string, opts: { withStorages?: boolean } = {}): TorchCheckpoint {
  checkContainer(bytes, file);
  const withStorages = opts.withStorages ?? true;
  const crcs = centralDirectoryCrcs(bytes, file);
  const names: string[] = [];
  // First pass: the pickle and the byte order only; the storages wait until the pickle says what they should hold.
  const entries = unzipChecked(bytes, file, crcs, (f) => {
    names.push(f.name);
    if (!isPickleEntry(f.name) && !f.name.endsWith('/byteorder')) return false;
    if (f.originalSize > PTH_LIMITS.pickleBytes) {
      throw new LimitError(`${file}: ${f.name} inflates to ${f.originalSize} bytes; a checkpoint's pickle is at most ${PTH_LIMITS.pickleBytes} bytes`);
    }
    return true;
  });
  const pkls = names.filter(isPickleEntry);
  if (pkls.length === 0) {
    if (names.some((n) => n.endsWith('constants.pkl')) || names.some((n) => /(^|\/)code\//.test(n))) {
      throw new Error(`${file}: this is a TorchScript archive (torch.jit.save); save a state dict instead: torch.save({"net": model.state_dict()}, path)`);
    }
    throw new Error(`${file}: not a PyTorch checkpoint: the zip has no data.pkl (entries: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`);
  }
  pkls.sort((a, b) => a.length - b.length);
  const pklName = pkls[0];
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const byteorder = entries[`${prefix}byteorder`];
  if (byteorder && byteorder.length > 0 && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new Error(`${file}: storages are big-endian (${prefix}byteorder); re-save the checkpoint on a little-endian machine`);
  }
  const pklFile = `${file} (${pklName})`;
  const storages = new Map<string, TorchStorageRef>();
  const root = unpickle(entries[pklName], {
    file: pklFile,
    persistentLoad: (pid) => {
      const ref = persistentLoad(pid);
      storages.set(ref.key, ref);
      return ref;
    },
    reduce: (fn, args) => rebuild(fn, args),
  });
  const needed = new Map<string, number>();
  let total = 0;
  for (const ref of storages.values()) {
    const n = ref.numel * ITEM_SIZE[ref.dtype];
    needed.set(`${prefix}data/${ref.key}`, n);
    total += n;
  }
  if (total > PTH_LIMITS.storageBytes) {
    throw new Error(`${file}: the pickle names storages of ${total} bytes in all; checkpoints are limited to ${PTH_LIMITS.storageBytes} bytes`);
  }
  const data = withStorages
    ? unzipChecked(bytes, file, crcs, (f) => {
        const want = needed.get(f.name);
        if (want === undefined) return false;
        // Inflating more than the storage holds is never needed: that is where a zip bomb would go.
        if (f.originalSize > want) {
          throw new LimitError(`${file}: ${f.name} inflates to ${f.originalSize} bytes but the pickle's storage needs ${want}`);
        }
        return true;
      })
    : {};
  const storageBytes = (key: string): Uint8Array => {
    const name = `${prefix}data/${key}`;
    if (!withStorages) throw new Error(`${file}: storage "${key}" was not extracted`);
    const b = data[name];
    if (!b) throw new Error(`${file}: storage "${key}" is referenced by the pickle but ${name} is missing from the zip`);
    return b;
  };
  return { file, root, storageBytes };
}

/** An error raised inside fflate's filter callback that must reach the caller unwrapped. */
class LimitError extends Error {}

/** unzipSync with a filter, errors naming the file, and each extracted entry's CRC-32 checked. */
function unzipChecked(
  bytes: Uint8Array,
  file: string,
  crcs: Map<string, number>,
  filter: (f: { name: string; originalSize: number }) => boolean,
): Record<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter });
  } catch (e) {
    if (e instanceof LimitError) throw new Error(e.message);
    throw new Error(`${file}: not a readable zip archive (${(e as Error).message})`);
  }
  for (const [name, b] of Object.entries(entries)) {
    const want = crcs.get(name);
    if (want !== undefined && crc32(b) !== want) throw new Error(`${file}: ${name} fails its CRC-32 check; the file is corrupt`);
  }
  return entries;
}

/** name → CRC-32 from the zip's central directory (the same walk fflate's unzipSync does). */
function centralDirectoryCrcs(d: Uint8Array, file: string): Map<string, number> {
  const bad = (why: string): never => {
    throw new Error(`${file}: not a readable zip archive (${why})`);
  };
  const b2 = (i: number) => (i + 2 <= d.length ? d[i] | (d[i + 1] << 8) : bad('truncated central directory'));
  const b4 = (i: number) => (i + 4 <= d.length ? (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> 0 : bad('truncated central directory'));
  let e = d.length - 22;
  for (; e >= 0 && b4(e) !== 0x06054b50; --e) if (d.length - e > 65558) break;
  if (e < 0 || b4(e) !== 0x06054b50) bad('no end of central directory record');
  let count = b2(e + 8);
  let o = b4(e + 16);
  if (e >= 20 && b4(e - 20) === 0x07064b50) {
    const ze = b4(e - 12);
    if (b4(ze) === 0x06064b50) {
      count = b4(ze + 32);
      o = b4(ze + 48);
    }
  }
  const out = new Map<string, number>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (b4(o) !== 0x02014b50) bad(`bad central directory entry ${i}`);
    const flags = b2(o + 8);
    const crc = b4(o + 16);
    const fnl = b2(o + 28);
    const name = (flags & 2048 ? utf8 : latin1).decode(d.subarray(o + 46, o + 46 + fnl));
    out.set(name, crc);
    o += 46 + fnl + b2(o + 30) + b2(o + 32);
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (zip's, IEEE 802.3). */
export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Recognise what a non-zip file is, to say something useful. */
function checkContainer(bytes: Uint8Array, file: string): void {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (isZip) return;
  if (bytes.length === 0) throw new Error(`${file}: the file is empty`);
  if (bytes[0] === 0x80) {
    throw new Error(
      `${file}: this is PyTorch's legacy (pre-1.6, non-zip) format, which is not supported; ` +
        're-save it with a recent torch: torch.save(torch.load(path), path)',
    );
  }
  const tar = bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar';
  if (tar) throw new Error(`${file}: this is PyTorch's legacy tar format, which is not supported; re-save it with a recent torch`);
  throw new Error(`${file}: not a PyTorch checkpoint (expected a zip file as written by torch.save)`);
}

/** BINPERSID: ('storage', torch.FloatStorage, key, location, numel). */
function persistentLoad(pid: unknown): TorchStorageRef {
  const items = pid instanceof PyTuple ? pid.items : undefined;
  if (!items || items[0] !== 'storage' || items.length < 5) throw new Error(`unsupported persistent id ${describe(pid)}; expected ('storage', type, key, location, numel)`);
  const [, type, key, location, numel] = items;
  if (!(type instanceof PyGlobal) || type.module !== 'torch' || !(type.name in STORAGE_TYPES)) {
    throw new Error(`unsupported storage type ${describe(type)}`);
  }
  if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0) {
    throw new Error(`malformed storage id (key ${describe(key)}, numel ${describe(numel)})`);
  }
  return { key, dtype: STORAGE_TYPES[type.name], numel, location: typeof location === 'string' ? location : '?' };
}

/** REDUCE hook: the torch globals that rebuild tensors. Everything else stays an inert PyObject. */
function rebuild(fn: PyGlobal, args: unknown[]): unknown {
  switch (fn.qualname) {
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor': {
      const [storage, offset, size, stride] = args;
      if (!isStorage(storage)) throw new Error(`first argument is ${describe(storage)}, expected a storage`);
      const shape = intTuple(size, 'size');
      const strides = intTuple(stride, 'stride');
      if (shape.length !== strides.length) throw new Error(`size has ${shape.length} dims but stride has ${strides.length}`);
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new Error(`bad storage offset ${describe(offset)}`);
      checkView(storage, offset, shape, strides);
      const t: TorchTensorRef = { storage, storageOffset: offset, shape, stride: strides };
      return t;
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      // nn.Parameter(data, requires_grad): the data is all we need.
      return args[0];
    default:
      return undefined;
  }
}

/**
 * A view must stay inside its storage and must not be bigger than it: state dicts hold plain parameters, and a view
 * with more elements than its storage (stride 0, overlapping strides) is how a 2 KB file asks for gigabytes.
 */
function checkView(storage: TorchStorageRef, offset: number, shape: number[], stride: number[]): void {
  const what = `tensor (offset ${offset}, size [${shape.slice(0, PTH_LIMITS.tensorDims + 1)}], stride [${stride.slice(0, PTH_LIMITS.tensorDims + 1)}])`;
  if (shape.length > PTH_LIMITS.tensorDims) throw new Error(`${what} has ${shape.length} dimensions; at most ${PTH_LIMITS.tensorDims} are supported`);
  let elements = 1;
  for (const s of shape) elements *= s;
  if (elements === 0) return;
  if (elements > storage.numel) throw new Error(`${what} has ${elements} elements but its storage "${storage.key}" holds ${storage.numel}; overlapping views are not supported`);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (last >= storage.numel) throw new Error(`${what} reads past its storage "${storage.key}" of ${storage.numel} values`);
}

function isStorage(v: unknown): v is TorchStorageRef {
  return !!v && typeof v === 'object' && 'key' in v && 'dtype' in v && 'numel' in v;
}

export function isTorchTensor(v: unknown): v is TorchTensorRef {
  return !!v && typeof v === 'object' && 'storage' in v && 'shape' in v && 'stride' in v;
}

function intTuple(v: unknown, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : undefined;
  if (!items || !items.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
    throw new Error(`tensor ${what} must be a tuple of non-negative ints, got ${describe(v)}`);
  }
  return items as number[];
}

/**
 * Materialise a tensor as a contiguous row-major Float32Array (PyTorch dim order), honouring offset and stride.
 * `name` is used in error messages.
 */
export function readTensor(ckpt: TorchCheckpoint, t: TorchTensorRef, name: string): Float32Array {
  const { storage, storageOffset, shape, stride } = t;
  const raw = ckpt.storageBytes(storage.key);
  const size = ITEM_SIZE[storage.dtype];
  const available = Math.floor(raw.length / size);
  if (available < storage.numel) {
    throw new Error(`${ckpt.file}: storage "${storage.key}" of "${name}" has ${available} ${storage.dtype} values, the pickle says ${storage.numel}`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (n === 0) return out;
  let last = storageOffset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (last >= storage.numel) {
    throw new Error(`${ckpt.file}: tensor "${name}" (offset ${storageOffset}, size [${shape}], stride [${stride}]) reads past its storage of ${storage.numel} values`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = elementReader(view, storage.dtype);
  // Walk the index space in row-major order with an odometer over the dims.
  const idx = new Array<number>(shape.length).fill(0);
  let src = storageOffset;
  for (let i = 0; i < n; i++) {
    out[i] = read(src);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

function elementReader(v: DataView, dtype: TorchDType): (i: number) => number {
  switch (dtype) {
    case 'float32': return (i) => v.getFloat32(i * 4, true);
    case 'float64': return (i) => v.getFloat64(i * 8, true);
    case 'float16': return (i) => halfToFloat(v.getUint16(i * 2, true));
    case 'bfloat16': {
      const f = new DataView(new ArrayBuffer(4));
      return (i) => (f.setUint32(0, v.getUint16(i * 2, true) << 16), f.getFloat32(0));
    }
    case 'int64': return (i) => Number(v.getBigInt64(i * 8, true));
    case 'int32': return (i) => v.getInt32(i * 4, true);
    case 'int16': return (i) => v.getInt16(i * 2, true);
    case 'int8': return (i) => v.getInt8(i);
    case 'uint8':
    case 'bool': return (i) => v.getUint8(i);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
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
 * The weights an architecture needs, channels-last. DTNet.weightSpecs() only reads `this.arch`, so we call it on
 * a bare prototype instead of building a model (which would allocate every weight as a tensor).
 */
export function expectedWeightSpecs(arch: Architecture): WeightSpec[] {
  const cls = arch.kind === 'feedforward' ? FeedForwardNet : DTNet;
  const probe = Object.create(cls.prototype) as DTNet;
  Object.defineProperty(probe, 'arch', { value: arch });
  return probe.weightSpecs();
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
