/**
 * The reader of PyTorch's checkpoint container: a `.pth` written by torch.save (torch ≥ 1.6) is a zip in which
 * `<archive>/data.pkl` is a pickle whose tensors refer, through persistent ids
 * `('storage', torch.FloatStorage, key, location, numel)`, to raw little-endian storages `<archive>/data/<key>`.
 * Each tensor is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`: a strided *view* of a
 * storage, so offset and stride are honoured rather than a contiguous copy assumed.
 *
 * It is apart from the import (importPth.ts) because it knows nothing of nets: it turns untrusted bytes into a
 * pickle root and tensors, and is where every container-level defence lives (docs/design.md, Formats: a pickle
 * reader that runs no code; here also zip-bomb and strided-view bounds, CRC-32 checks, and errors that say what a
 * non-zip file is).
 */
import { unzipSync } from 'fflate';
import { describe, PyGlobal, PyTuple, unpickle } from './pickle';

export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** torch.<X>Storage → element type (torch/storage.py). */
const STORAGE_TYPES: Record<string, TorchDType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', UntypedStorage: 'uint8',
};
export const FLOAT_DTYPES = new Set<TorchDType>(['float32', 'float64', 'float16', 'bfloat16']);
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
