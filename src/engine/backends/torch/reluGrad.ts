/**
 * The Relu gradient as one native kernel on the torch backend.
 *
 * tfjs defines d relu(x) = dy · cast(step(x), 'float32'): three kernels and two full-size temporaries per ReLU. A DT
 * net has 5 ReLUs per recurrent iteration, so on the 1-D training config (T 20, width 64, batch 64)
 * that is ~100 extra elementwise passes per step, where PyTorch runs one threshold_backward. This replaces the
 * global Relu gradient with one that calls the addon's DtReluGrad (libtorch threshold_backward: dy where x > 0,
 * else 0) when the torch backend is active, and the original composition on every other backend.
 *
 * Differs from tfjs only for NaN inputs (tfjs: NaN; threshold_backward: dy), where training has already failed.
 */
import { cast, engine, getBackend, mul, registerGradient, step, type NamedTensorMap, type Tensor } from '@tensorflow/tfjs-core';

export const RELU_GRAD_KERNEL = 'DtReluGrad';

export function registerFusedReluGradient(backendName: string): void {
  registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
      const [x] = saved;
      const g = dy as Tensor;
      return {
        x: () =>
          getBackend() === backendName
            ? (engine().runKernel(RELU_GRAD_KERNEL, { dy: g, x } as unknown as NamedTensorMap) as Tensor)
            : mul(g, cast(step(x), 'float32')),
      };
    },
  });
}
