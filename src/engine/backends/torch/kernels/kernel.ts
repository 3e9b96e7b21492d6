/**
 * The shape every torch kernel module shares: a kernel is a function of (inputs, attrs, backend), registered for
 * the 'torch' backend under its tfjs kernel name.
 */
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchBackend } from '../torchBackend';

export const BACKEND_NAME = 'torch';

export type TorchKernel = (inputs: NamedTensorInfoMap, attrs: NamedAttrMap, backend: TorchBackend) => TensorInfo | TensorInfo[];

export function kernel(kernelName: string, fn: TorchKernel): KernelConfig {
  return {
    kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ({ inputs, attrs, backend }) => fn(inputs, attrs ?? {}, backend as TorchBackend),
  };
}

/** Inputs of kernels that take a list (Concat, AddN, Pack) arrive as an array. */
export function listInputs(inputs: NamedTensorInfoMap): TensorInfo[] {
  return inputs as unknown as TensorInfo[];
}
