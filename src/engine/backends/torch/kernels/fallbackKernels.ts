/**
 * Every kernel the cpu backend has and the torch backend lacks runs on the cpu backend: inputs are copied out of
 * libtorch, the cpu kernel runs, outputs are copied back. Slow, but it makes the torch backend complete, so a rarely
 * used op (OneHot, Range, StridedSlice, …) never breaks a run; the names that went this way are recorded in
 * `TorchBackend.fallbacksUsed` (and printed once each with DEEP_THINKING_TORCH_VERBOSE=1) so hot ones can be
 * made native.
 */
import { readEnv } from '../../../env';
import { findBackend, getKernel, getKernelsForBackend, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
// A used binding, not a bare import: esbuild drops bare imports of this package (its package.json declares the node
// entry side-effect free), which would leave the cpu backend and its kernels unregistered in the bundle.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TorchBackend } from '../torchBackend';
import { kernel, type Inputs } from './kernel';

/** Run kernel `name` of the cpu backend on torch tensors; the outputs are new torch tensors. */
export function runOnCpu(name: string, inputs: Inputs, attrs: NamedAttrMap, b: TorchBackend): TensorInfo | TensorInfo[] {
  const cpu = findBackend('cpu');
  const config = getKernel(name, 'cpu');
  if (!(cpu instanceof MathBackendCPU) || !config) throw new Error(`Kernel '${name}' is not implemented by the torch backend, and the cpu backend to fall back on has none either`);
  if (!b.fallbacksUsed.has(name)) {
    b.fallbacksUsed.add(name);
    if (readEnv('torchVerbose')) process.stderr.write(`torch backend: kernel ${name} runs on the cpu backend (copies)\n`);
  }
  const created: object[] = [];
  const toCpu = (t: TensorInfo | undefined): TensorInfo | undefined => {
    if (!t) return t;
    const dataId = cpu.write(b.readSync(t.dataId), t.shape, t.dtype);
    created.push(dataId);
    return { dataId, shape: t.shape, dtype: t.dtype };
  };
  const cpuInputs = Array.isArray(inputs)
    ? (inputs as TensorInfo[]).map(toCpu)
    : Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, toCpu(t)]));
  try {
    const out = config.kernelFunc({ inputs: cpuInputs as NamedTensorInfoMap, backend: cpu, attrs });
    const outs = Array.isArray(out) ? out : [out];
    for (const o of outs) created.push(o.dataId);
    const back = outs.map((o) => b.output(b.upload(cpu.readSync(o.dataId) as Float32Array, o.shape, o.dtype), o.shape, o.dtype));
    return Array.isArray(out) ? back : back[0];
  } finally {
    for (const id of new Set(created)) cpu.disposeData(id, true);
  }
}

/** Fallback configs for the cpu kernels not in `native` (kernel names). */
export function fallbackKernels(native: ReadonlySet<string>): KernelConfig[] {
  return getKernelsForBackend('cpu')
    .filter((c) => !native.has(c.kernelName))
    .map((c) => kernel(c.kernelName, (inputs, attrs, b) => runOnCpu(c.kernelName, inputs, attrs, b)));
}
