/**
 * The optional 'torch' backend: tfjs kernels run by libtorch through the Node-API addon in native/.
 * The model stays the one TypeScript definition in src/engine/models; only the kernels change.
 *
 *   registerTorchBackend()      load the addon, set libtorch's threads and device, register backend 'torch' and its
 *                               kernels
 *   tf.setBackend('torch')      (done by src/engine/tf.ts for `--backend torch`)
 *
 * Throws a clear error (how to build the addon) when native/build/Release/dt_torch.node is missing.
 */
import { registerBackend, registerKernel, getKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { addonWaitPolicy, loadTorchAddon, torchDevice, torchThreads, type DeviceSpec, type TorchAddon } from './nativeAddon';
import { TorchBackend } from './torchBackend';
import { BACKEND_NAME } from './kernels/kernel';
import { elementwiseKernels } from './kernels/elementwiseKernels';
import { reduceKernels } from './kernels/reduceKernels';
import { shapeKernels } from './kernels/shapeKernels';
import { convKernels } from './kernels/convKernels';
import { recurKernels } from './kernels/recurKernels';
import { optimKernels } from './kernels/optimKernels';
import { fallbackKernels } from './kernels/fallbackKernels';
import { registerFusedReluGradient, RELU_GRAD_KERNEL } from './reluGrad';

export { TorchBackend } from './torchBackend';
export { BACKEND_NAME as TORCH_BACKEND_NAME } from './kernels/kernel';

export interface TorchBackendInfo {
  /** e.g. "libtorch 1.13.0 (oneDNN), 2 threads" */
  description: string;
  version: string;
  threads: number;
  /** where tensors live: "cpu" or "cuda:N" */
  device: string;
  /** the libtorch file the addon loaded */
  library?: string;
  /** kernels implemented natively */
  nativeKernels: string[];
  /** kernels that run on the cpu backend through copies */
  fallbackKernels: string[];
}

let registered: TorchBackendInfo | undefined;

/** The kernels implemented in libtorch. */
export function nativeKernelConfigs(addon: TorchAddon): KernelConfig[] {
  return [...elementwiseKernels(addon), ...reduceKernels(addon), ...shapeKernels(addon), ...convKernels(addon), ...recurKernels(addon), ...optimKernels(addon)];
}

/**
 * Put this thread's tensors on `device`. 'cpu' and 'auto' work with any addon; an addon built before devices
 * existed is CPU-only, so asking it for CUDA says to rebuild.
 */
export function applyDevice(addon: TorchAddon, device: DeviceSpec): string {
  if (addon.setDevice) return addon.setDevice(device);
  if (device === 'cpu' || device === 'auto') return 'cpu';
  throw new Error(`device ${device} needs a torch addon with device support: rebuild it (npm run build:native)`);
}

/**
 * Register backend 'torch' (once per thread). `threads`: libtorch intra-op threads (default: all cores);
 * `device`: where tensors live (default DEEP_THINKING_DEVICE, else 'auto': CUDA when the linked libtorch has it).
 */
export function registerTorchBackend(threads = torchThreads(), device: DeviceSpec = torchDevice()): TorchBackendInfo {
  if (registered) return registered;
  const addon = loadTorchAddon();
  // First: the device is fixed before any tensor exists, and a CUDA request on a CPU-only libtorch fails here.
  const placed = applyDevice(addon, device);
  addon.setThreads(threads);
  // Keep freed tensor memory for reuse instead of returning it to the OS after every step (see addon.cc).
  const allocator = addon.tuneAllocator(32 << 20, 1 << 30);
  const native = nativeKernelConfigs(addon);
  const names = new Set(native.map((k) => k.kernelName));
  const fallback = fallbackKernels(names);
  for (const k of [...native, ...fallback]) if (!getKernel(k.kernelName, BACKEND_NAME)) registerKernel(k);
  // Priority below the defaults: never picked unless asked for by name.
  registerBackend(BACKEND_NAME, () => new TorchBackend(addon), 0);
  // After the kernels: the gradient dispatches to DtReluGrad only while this backend is the active one.
  if (names.has(RELU_GRAD_KERNEL)) registerFusedReluGradient(BACKEND_NAME);
  const info = addon.info();
  const dev = addon.deviceInfo?.();
  const where = placed === 'cpu' ? '' : `on ${placed}${dev?.cudnn ? ' (cuDNN)' : ''}, `;
  registered = {
    description:
      `libtorch ${info.version}${info.mkldnn ? ' (oneDNN)' : ''}, ${where}${info.threads} thread(s), ` +
      `${addonWaitPolicy()?.why ?? `OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'default'}`}${allocator ? ', tensor memory kept for reuse' : ''}`,
    version: info.version,
    threads: info.threads,
    device: placed,
    library: dev?.library,
    nativeKernels: [...names].sort(),
    fallbackKernels: fallback.map((k) => k.kernelName).sort(),
  };
  return registered;
}
