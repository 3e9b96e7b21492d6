/**
 * The shape every torch kernel module shares: a kernel is a function of (inputs, attrs, backend), registered for
 * the 'torch' backend under its tfjs kernel name.
 */
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchBackend } from '../torchBackend';

export const BACKEND_NAME = 'torch';

/** A kernel's named inputs; tfjs passes every input a kernel declares. */
export type Inputs = Record<string, TensorInfo>;

export type TorchKernel = (inputs: Inputs, attrs: NamedAttrMap, backend: TorchBackend) => TensorInfo | TensorInfo[];

export function kernel(kernelName: string, fn: TorchKernel): KernelConfig {
  return {
    kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ({ inputs, attrs, backend }) => fn(inputs as Inputs, attrs ?? {}, backend as TorchBackend),
  };
}

/** Inputs of kernels that take a list (Concat, AddN, Pack) arrive as an array. */
export function listInputs(inputs: Inputs): TensorInfo[] {
  return inputs as unknown as TensorInfo[];
}
