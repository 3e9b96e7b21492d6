/**
 * Test helper: writes `.pth` zips the way torch.save does (protocol-2 pickle + raw storages), so tests can build
 * checkpoints that the fixtures do not cover (non-contiguous views, shared storages, missing/extra keys, bad
 * opcodes) without Python. Not a test file itself.
 */
import { zipSync } from 'fflate';

export interface TensorView {
  storageKey: string;
  /** elements */
  offset: number;
  /** PyTorch order */
  shape: number[];
  stride: number[];
}

/** Minimal protocol-2 pickle emitter: just the opcodes torch.save uses. */
class PickleWriter {
  private out: number[] = [];
  op(code: string | number): this {
    this.out.push(typeof code === 'number' ? code : code.charCodeAt(0));
    return this;
  }
  u32(n: number): this {
    this.out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.op('X').u32(b.length);
    this.out.push(...b);
    return this;
  }
  int(n: number): this {
    return this.op('J').u32(n >>> 0);
  }
  global(module: string, name: string): this {
    this.op('c');
    this.out.push(...new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  tuple(items: number[]): this {
    this.op('(');
    for (const v of items) this.int(v);
    return this.op('t');
  }
  tensor(t: TensorView, numel: number): this {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.op('(');
    this.op('(').str('storage').global('torch', 'FloatStorage').str(t.storageKey).str('cpu').int(numel).op('t');
    this.op('Q'); // BINPERSID
    this.int(t.offset).tuple(t.shape).tuple(t.stride).op(0x89); // NEWFALSE (requires_grad)
    this.global('collections', 'OrderedDict').op(')').op('R'); // backward_hooks = OrderedDict()
    return this.op('t').op('R');
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export interface WriteOptions {
  archive?: string;
  /** wrap keys as DataParallel does */
  modulePrefix?: boolean;
  /** put `epoch` and an optimizer dict next to `net`, as the paper does */
  extras?: boolean;
  /** raw bytes to use instead of the generated data.pkl */
  pickleOverride?: (pkl: Uint8Array) => Uint8Array;
  /** storages referenced by the pickle but left out of the zip */
  omitStorages?: string[];
}

/** A torch.save-style zip of {"net": state_dict}. */
export function writeTorchZip(
  entries: Array<[string, TensorView]>,
  storages: Map<string, Float32Array>,
  opts: WriteOptions = {},
): Uint8Array {
  const archive = opts.archive ?? 'archive';
  const p = new PickleWriter();
  p.op(0x80).op(2).op('}').op('(').str('net').op('}').op('(');
  for (const [name, t] of entries) {
    const storage = storages.get(t.storageKey);
    if (!storage) throw new Error(`no storage ${t.storageKey}`);
    p.str((opts.modulePrefix ? 'module.' : '') + name).tensor(t, storage.length);
  }
  p.op('u');
  if (opts.extras) p.str('epoch').int(3).str('optimizer').op('}');
  p.op('u').op('.');
  let pkl = p.bytes();
  if (opts.pickleOverride) pkl = opts.pickleOverride(pkl);
  const files: Record<string, [Uint8Array, { level: 0 }]> = {
    [`${archive}/data.pkl`]: [pkl, { level: 0 }],
    [`${archive}/byteorder`]: [new TextEncoder().encode('little'), { level: 0 }],
    [`${archive}/version`]: [new TextEncoder().encode('3\n'), { level: 0 }],
  };
  for (const [key, values] of storages) {
    if (opts.omitStorages?.includes(key)) continue;
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    files[`${archive}/data/${key}`] = [bytes, { level: 0 }];
  }
  return zipSync(files);
}

/** Contiguous strides for a shape. */
export function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
}
