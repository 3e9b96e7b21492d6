/**
 * Loading the optional libtorch addon (native/, built by scripts/build-native.sh) and its typed interface.
 *
 * The addon owns every tensor of the 'torch' backend; JS holds integer ids. Each function maps to one file of
 * native/src (addon.cc: edges and lifetime; elementwise.cc, reduce.cc, shape.cc, conv.cc: kernels; recur.cc: the
 * fused recurrent block; optim.cc: the optimizer update). Shapes and dtypes of outputs are computed on the JS side
 * (tfjs's own shape helpers), so a call passes ids and numbers only.
 *
 * Threads: Debian's libtorch uses OpenMP and defaults to 1 thread, so the thread count is always set.
 * libgomp reads OMP_WAIT_POLICY once, when it is loaded with the addon: ompWaitPolicy.ts chooses it first.
 */
import { readEnv } from '../../env';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { chooseWaitPolicy, sampleBusyCores, type WaitPolicyChoice } from './ompWaitPolicy';

/** tfjs dtypes the addon stores, in the order of the codes native/src/table.h expects. */
export const DTYPES = ['float32', 'int32', 'bool'] as const;
export type TorchDType = (typeof DTYPES)[number];

export interface TorchAddon {
  write(values: Float32Array | Int32Array | Uint8Array, shape: number[], dtype: number): number;
  read(id: number): Float32Array | Int32Array | Uint8Array;
  free(id: number): void;
  freeAll(): void;
  memory(): { live: number; bytes: number };
  shape(id: number): number[];
  dtype(id: number): number;
  setThreads(n: number): void;
  info(): { version: string; threads: number; mkldnn: boolean; parallel: string };
  /** glibc mallopt: M_MMAP_THRESHOLD and M_TRIM_THRESHOLD in bytes; false where not glibc */
  tuneAllocator(mmapThreshold: number, trimThreshold: number): boolean;

  readonly unaryOps: readonly string[];
  readonly unaryScalarOps: readonly string[];
  readonly binaryOps: readonly string[];
  unary(op: number, x: number, outDtype: number): number;
  unaryScalar(op: number, x: number, scalar: number, outDtype: number): number;
  binary(op: number, a: number, b: number, outDtype: number): number;
  addN(ids: number[], outDtype: number): number;
  select(condition: number, t: number, e: number): number;
  clip(x: number, lo: number, hi: number): number;
  cast(x: number, dtype: number): number;
  fill(shape: number[], value: number, dtype: number): number;
  softmax(x: number, dim: number): number;

  /** op: 0 Sum, 1 Mean, 2 Max, 3 Min, 4 Prod, 5 Any, 6 All */
  reduce(op: number, x: number, axes: number[], keepDims: boolean, outDtype: number): number;
  argMinMax(isMax: boolean, x: number, axis: number): number;
  cumsum(x: number, axis: number, exclusive: boolean, reverse: boolean, outDtype: number): number;

  reshape(x: number, shape: number[]): number;
  transpose(x: number, perm: number[]): number;
  concat(ids: number[], axis: number): number;
  slice(x: number, begin: number[], size: number[]): number;
  splitV(x: number, sizes: number[], axis: number): number[];
  /** paddings flattened: [before0, after0, before1, after1, …] */
  pad(x: number, paddings: number[], value: number): number;
  reverse(x: number, dims: number[]): number;
  tile(x: number, reps: number[]): number;
  gather(x: number, indices: number, axis: number): number;
  pack(ids: number[], axis: number): number;
  unpack(x: number, axis: number): number[];
  alias(x: number): number;

  /** NHWC / HWIO; pads [top, bottom, left, right], strides [h, w], dilations [h, w] */
  conv2d(x: number, w: number, pads: number[], strides: number[], dilations: number[]): number;
  conv2dBackpropInput(dy: number, w: number, inputShape: number[], pads: number[], strides: number[], dilations: number[]): number;
  conv2dBackpropFilter(x: number, dy: number, filterShape: number[], pads: number[], strides: number[], dilations: number[]): number;
  matmul(a: number, b: number, transposeA: boolean, transposeB: boolean): number;
  /** 0: permuted views (channels-last strides), 1: contiguous NCHW copies, 2: explicit channels-last copies */
  /**
   * 0: convolutions compute in float32; 1: in bfloat16 (inference only), keeping bfloat16 outputs that read() widens.
   * Per thread (environment). Returns the previous setting. Missing from addons built before it existed.
   */
  setConvPrecision?(precision: number): number;
  /**
   * Where this thread's tensors live from now on: 'cpu' | 'cuda' | 'cuda:N' | 'auto' (CUDA when the linked libtorch
   * has it and sees a device). Returns the device chosen ("cpu" or "cuda:N"). Throws "this libtorch has no CUDA",
   * naming the library loaded, when CUDA is asked for and absent; refused while tensors are live on another device.
   * Missing from addons built before it existed.
   */
  setDevice?(spec: string): string;
  /**
   * The recurrent block forward (native/src/recur.cc): dims 1 | 2; x and w0 are -1 without recall; blockWeights
   * [conv1_0, conv2_0, …]. Returns ids [r, t_0, o_0, …], the last the block's output. Missing from older addons.
   */
  recurBlock?(dims: number, h: number, x: number, w0: number, reluAfterRecall: boolean, blockWeights: number[]): number[];
  /** Its backward, from the forward's outputs: ids [dh, dx, dw0, dconv1_0, dconv2_0, …] ([dh, …] without recall). */
  recurBlockGrad?(dims: number, dy: number, h: number, x: number, w0: number, reluAfterRecall: boolean, blockWeights: number[], saved: number[]): number[];
  /**
   * Adam over every weight (native/src/optim.cc): expAvg/expAvgSq ids -1 before the first step. Returns ids
   * [p'_0, m'_0, v'_0, p'_1, …]. Missing from older addons.
   */
  adam?(params: number[], grads: number[], expAvg: number[], expAvgSq: number[], lrs: number[], beta1: number, beta2: number, eps: number, weightDecay: number, step: number, gradScale: number): number[];
  /** Σ over the tensors of Σ x², a float32 scalar tensor. */
  sumSquares?(ids: number[]): number;
  deviceInfo?(): TorchDeviceInfo;
}

export interface TorchDeviceInfo {
  /** this thread's device: "cpu" or "cuda:N" */
  device: string;
  /** whether the loaded libtorch has CUDA and a driver that sees a device */
  cuda: boolean;
  cudaDevices: number;
  /** whether libtorch_cuda is in the process (with or without a usable device) */
  cudaLibrary: boolean;
  cudnn: boolean;
  /** the libtorch file the addon loaded (dladdr on one of its symbols) */
  library: string;
}

export type DeviceSpec = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;

/** Checks a device name before any addon is loaded: 'auto' | 'cpu' | 'cuda' | 'cuda:N'. */
export function parseDeviceSpec(value: string, source = 'device'): DeviceSpec {
  const v = value.trim();
  if (v === 'auto' || v === 'cpu' || v === 'cuda' || /^cuda:\d{1,3}$/.test(v)) return v as DeviceSpec;
  throw new Error(`${source} "${value}" is not one of auto, cpu, cuda, cuda:N`);
}

/** The device the torch backend puts tensors on: DEEP_THINKING_DEVICE (the CLI's --device and the extension's setting set it), default 'auto'. */
export function torchDevice(): DeviceSpec {
  const env = readEnv('device');
  return env === undefined ? 'auto' : parseDeviceSpec(env, 'DEEP_THINKING_DEVICE');
}

export const ADDON_FILE = 'dt_torch.node';

/** Where the addon may be: an explicit path, next to the bundle, or the repository's native/build. */
export function addonCandidates(): string[] {
  const rel = path.join('native', 'build', 'Release', ADDON_FILE);
  const all = [
    readEnv('torchAddon'),
    path.join(__dirname, ADDON_FILE),
    path.join(__dirname, '..', rel), // dist/ → repo
    path.join(__dirname, '..', '..', '..', '..', rel), // src/engine/backends/torch → repo
    path.join(process.cwd(), rel),
  ];
  return [...new Set(all.filter((p): p is string => !!p))];
}

let loaded: TorchAddon | undefined;

/** The first existing addon file among `candidates`; throws a message that says how to build it when none exists. */
export function findTorchAddon(candidates: string[] = addonCandidates()): string {
  const file = candidates.find((p) => fs.existsSync(p));
  if (!file) {
    throw new Error(
      `the torch backend's native addon (${ADDON_FILE}) is not built; looked in: ${candidates.join(', ')}. ` +
        'Build it with `npm run build:native` (needs a libtorch: TORCH_DIR, a Python install of PyTorch, or Debian\'s ' +
        'libtorch-dev: apt-get install libtorch-dev).',
    );
  }
  return file;
}

let waitPolicy: WaitPolicyChoice | undefined;

/** How libgomp's threads wait, as chosen when the addon was loaded (undefined before). */
export function addonWaitPolicy(): WaitPolicyChoice | undefined {
  return waitPolicy;
}

/** Load the addon once per thread. Throws a clear message when it is missing or does not load. */
export function loadTorchAddon(): TorchAddon {
  if (loaded) return loaded;
  const file = findTorchAddon();
  // Must precede the first load of libgomp (it reads the variable once, when the library is initialised).
  const env = process.env.OMP_WAIT_POLICY;
  waitPolicy = chooseWaitPolicy(env, env === undefined ? sampleBusyCores() : 0, os.availableParallelism(), torchThreads());
  if (waitPolicy.policy) process.env.OMP_WAIT_POLICY = waitPolicy.policy;
  try {
    // createRequire keeps esbuild from bundling the addon: it is resolved at run time.
    loaded = createRequire(__filename)(file) as TorchAddon;
  } catch (e) {
    throw new Error(`the torch backend's native addon ${file} failed to load: ${e instanceof Error ? e.message : String(e)}`);
  }
  return loaded;
}

/**
 * libtorch's intra-op threads: DEEP_THINKING_TORCH_THREADS, else every available core on the main thread and 1 in
 * a worker thread (gradient workers split the batch over the cores already; more would oversubscribe them).
 */
export function torchThreads(): number {
  return readEnv('torchThreads') ?? (isMainThread ? os.availableParallelism() : 1);
}

export function dtypeCode(dtype: string): number {
  const i = (DTYPES as readonly string[]).indexOf(dtype);
  if (i < 0) throw new Error(`the torch backend does not support dtype ${dtype}`);
  return i;
}
