/**
 * The only module that imports tfjs. Everything else in the engine imports `tf` from here.
 *
 * Backend choice:
 * - `gpu`    → @tensorflow/tfjs-node-gpu (CUDA), when installed and loadable;
 * - `native` → @tensorflow/tfjs-node (libtensorflow), when installed and loadable;
 * - `torch`  → libtorch through our optional Node-API addon (native/, src/engine/backends/torch), when built;
 * - `wasm`   → @tensorflow/tfjs-backend-wasm (XNNPACK): the path that always works, offline included;
 * - `cpu`    → the pure-JS backend. ~1000× slower, so it is only used when asked for by name, never as a fallback.
 * `auto` tries gpu, native, torch (where its addon was built), then wasm.
 *
 * Device (DEEP_THINKING_DEVICE, the CLI's `--device`, the extension's `deepThinking.engine.device`): where the
 * torch backend keeps its tensors, 'auto' | 'cpu' | 'cuda' | 'cuda:N'. An explicit CUDA device makes `auto` mean
 * torch (an error says why when its addon or CUDA is missing), and is refused with the other backends.
 *
 * The wasm backend has no Conv2DBackpropFilter kernel, so `conv2d` below wraps the convolution in `tf.customGrad`
 * and writes both gradients as *forward* convolutions, which run on XNNPACK.
 */
import { readEnv } from './env';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers neither gradients nor the chained tensor methods (x.reshape(), …).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
// A named import (not a bare side-effect import): the package's Node bundle is not in its `sideEffects` list, so
// esbuild would drop a bare import and the `cpu` backend would be missing from dist/.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { torchDevice } from './backends/torch/nativeAddon';

export { tf };
export const CPU_BACKEND_VERSION: string = version_cpu;

export type BackendPreference = 'auto' | 'gpu' | 'native' | 'torch' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'gpu', 'native', 'torch', 'wasm', 'cpu'];

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' | 'torch' | 'wasm' | 'cpu' */
  name: string;
  /** what the user asked for */
  requested: BackendPreference;
  /** human description, e.g. "wasm (XNNPACK, SIMD) — 1 thread per worker" */
  description: string;
  /** whether conv gradients go through our forward-conv customGrad */
  customConvGrad: boolean;
}

let active: BackendInfo | undefined;

/** Where the wasm binaries live: next to the bundle (dist/) or in node_modules during tests. */
function wasmDir(): string {
  const candidates = [
    readEnv('wasmDir'),
    path.join(__dirname, 'wasm'),
    path.join(__dirname, '..', 'dist', 'wasm'),
    path.join(__dirname, '..', '..', 'dist', 'wasm'),
    path.join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
    path.join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  ].filter((d): d is string => !!d);
  for (const d of candidates) {
    if (fs.existsSync(path.join(d, 'tfjs-backend-wasm-simd.wasm'))) return d + path.sep;
  }
  throw new Error(`tfjs wasm binaries not found; looked in: ${candidates.join(', ')}`);
}

function tryRequire(name: string): boolean {
  try {
    // createRequire keeps esbuild from bundling the optional native packages: they are resolved at run time.
    createRequire(__filename)(name);
    return true;
  } catch {
    return false;
  }
}

async function useWasm(requested: BackendPreference): Promise<BackendInfo> {
  setWasmPaths(wasmDir());
  // Under Node the wasm backend is single-threaded; we use both cores with worker_threads instead (train/parallel).
  await tf.setBackend('wasm');
  await tf.ready();
  return { name: 'wasm', requested, description: 'wasm (XNNPACK, SIMD), 1 thread', customConvGrad: true };
}

/**
 * libtorch kernels. Loaded lazily: the module and its addon exist only where `npm run build:native` ran.
 * libtorch threads itself (all cores by default), so gradient worker threads should stay at 1 with this backend.
 */
async function useTorch(requested: BackendPreference): Promise<BackendInfo> {
  const { registerTorchBackend, TORCH_BACKEND_NAME } = await import('./backends/torch');
  const torch = registerTorchBackend(); // throws, saying how to build the addon, when it is missing
  if (!(await tf.setBackend(TORCH_BACKEND_NAME))) throw new Error('backend "torch" failed to initialise');
  await tf.ready();
  return { name: TORCH_BACKEND_NAME, requested, description: torch.description, customConvGrad: false };
}

/**
 * Initialise the backend once per process. Throws with a clear message when an explicitly requested backend
 * cannot be loaded (we never silently fall back to something 1000× slower).
 */
export async function initBackend(requested: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (active) {
    if (requested !== 'auto' && requested !== active.requested && !matches(active, requested)) {
      throw new Error(`backend already initialised as ${active.name}; cannot switch to ${requested} in the same process`);
    }
    return active;
  }
  if (!BACKEND_PREFERENCES.includes(requested)) {
    throw new Error(`unknown backend "${requested}"; expected one of ${BACKEND_PREFERENCES.join(', ')}`);
  }
  const device = torchDevice(); // validates DEEP_THINKING_DEVICE before anything loads
  const cuda = device.startsWith('cuda');
  if (cuda && requested !== 'auto' && requested !== 'torch') {
    throw new Error(`device ${device} is a torch backend setting; backend "${requested}" does not use it (use --backend torch or auto)`);
  }
  // Registering the wasm backend has side effects only when it is imported.
  await import('@tensorflow/tfjs-backend-wasm');
  const tryNative = async (pkg: string, label: string): Promise<BackendInfo | undefined> => {
    if (!tryRequire(pkg)) return undefined;
    if (!(await tf.setBackend('tensorflow'))) return undefined;
    await tf.ready();
    return { name: 'tensorflow', requested, description: `${label} (${pkg})`, customConvGrad: false };
  };
  let info: BackendInfo | undefined;
  switch (requested) {
    case 'gpu':
      info = await tryNative('@tensorflow/tfjs-node-gpu', 'native CUDA');
      if (!info) throw new Error('backend "gpu" requested but @tensorflow/tfjs-node-gpu is not installed or not loadable');
      break;
    case 'native':
      info = await tryNative('@tensorflow/tfjs-node', 'native CPU');
      if (!info) throw new Error('backend "native" requested but @tensorflow/tfjs-node is not installed or not loadable');
      break;
    case 'torch':
      info = await useTorch(requested);
      break;
    case 'wasm':
      info = await useWasm(requested);
      break;
    case 'cpu':
      await tf.setBackend('cpu');
      await tf.ready();
      info = { name: 'cpu', requested, description: 'pure-JS cpu (very slow; requested explicitly)', customConvGrad: true };
      break;
    case 'auto':
      if (cuda) {
        info = await useTorch(requested);
        break;
      }
      info =
        (await tryNative('@tensorflow/tfjs-node-gpu', 'native CUDA')) ??
        (await tryNative('@tensorflow/tfjs-node', 'native CPU')) ??
        (await useTorch(requested).catch(() => undefined)) ??
        (await useWasm(requested));
      break;
  }
  active = info!;
  return active;
}

function matches(info: BackendInfo, requested: BackendPreference): boolean {
  return (requested === 'wasm' && info.name === 'wasm') || (requested === 'cpu' && info.name === 'cpu') ||
    (requested === 'torch' && info.name === 'torch') ||
    ((requested === 'native' || requested === 'gpu') && info.name === 'tensorflow');
}

export function backendInfo(): BackendInfo {
  if (!active) throw new Error('tf backend not initialised; call initBackend() first');
  return active;
}

/** Backend preference from the environment (the CLI flag and the extension setting both set it). */
export function backendFromEnv(): BackendPreference {
  const v = (readEnv('backend') ?? 'auto') as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(v)) {
    throw new Error(`DEEP_THINKING_BACKEND="${v}" is not one of ${BACKEND_PREFERENCES.join(', ')}`);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Convolutions. PyTorch's Conv(k=3, padding=1, bias=False) == tfjs 'same' padding for odd kernels and stride 1.

/**
 * Plain 'same' conv, stride 1, odd kernel. x: [N,H,W,Cin], w: [kh,kw,Cin,Cout] → [N,H,W,Cout].
 * Gradients: dx = conv(dy, rot180(w)ᵀ) ('same'), dw = conv over the batch axis (see convFilterGrad).
 */
// customGrad passes the inputs then the save function as rest arguments; its typing models them as one union.
const customConv = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
  save([x4, w4]);
  return {
    value: tf.conv2d(x4, w4, 1, 'same'),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      return [convInputGrad(dy as tf.Tensor4D, ws), convFilterGrad(xs, dy as tf.Tensor4D, ws.shape)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** dx[n,h,w,ci] = Σ dy[n,h+a,w+b,co]·w[p-a,p-b,ci,co]: a 'same' conv with the kernel rotated 180° and Cin↔Cout. */
export function convInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const wRot = tf.reverse(w, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D; // [kh,kw,Cout,Cin]
    return tf.conv2d(dy, wRot, 1, 'same');
  });
}

/**
 * dw[i,j,ci,co] = Σ_{n,h,w} xpad[n,h+i,w+j,ci]·dy[n,h,w,co].
 * As a forward conv: batch := Cin, channels := N. Input xpadᵀ [Cin,H+2p,W+2q,N], filter dyᵀ [H,W,N,Cout],
 * 'valid' → [Cin,kh,kw,Cout] → transpose to [kh,kw,Cin,Cout].
 */
export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, wShape: number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = wShape;
    const ph = (kh - 1) / 2;
    const pw = (kw - 1) / 2;
    const xPad = tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
    const xT = xPad.transpose([3, 1, 2, 0]) as tf.Tensor4D; // [Cin,H+2p,W+2q,N]
    const dyT = dy.transpose([1, 2, 0, 3]) as tf.Tensor4D; // [H,W,N,Cout]
    const g = tf.conv2d(xT, dyT, 1, 'valid'); // [Cin,kh,kw,Cout]
    return g.transpose([1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** 2-D conv, stride 1, 'same' padding, no bias. x: [N,H,W,Cin], w: [k,k,Cin,Cout]. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  if (active && !active.customConvGrad) return tf.conv2d(x, w, 1, 'same');
  return customConv(x, w) as tf.Tensor4D;
}

/** 1-D conv as a 2-D conv of height 1. x: [N,L,Cin], w: [k,Cin,Cout] → [N,L,Cout]. */
export function conv1d(x: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D {
  const [n, l, c] = x.shape;
  const [k, ci, co] = w.shape;
  const y = conv2d(x.reshape([n, 1, l, c]) as tf.Tensor4D, w.reshape([1, k, ci, co]) as tf.Tensor4D);
  return y.reshape([n, l, co]) as tf.Tensor3D;
}
