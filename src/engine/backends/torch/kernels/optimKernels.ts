/**
 * The optimizer's fused kernels (native/src/optim.cc) as src/engine/train/fusedAdam.ts asks for them: Adam over
 * every weight in one call, and the sum of squares of every gradient. Registered only when the addon has them.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { TorchAddon } from '../nativeAddon';
import type { TorchBackend } from '../torchBackend';
import { FUSED_ADAM_KERNEL, SUM_SQUARES_KERNEL } from '../../../fusedKernelNames';
import { kernel } from './kernel';

export function optimKernels(addon: TorchAddon): KernelConfig[] {
  const { adam, sumSquares } = addon;
  if (!adam || !sumSquares) return [];
  return [
    kernel(FUSED_ADAM_KERNEL, (inputs, attrs, b: TorchBackend) => {
      const count = attrs.count as number;
      const ps = Array.from({ length: count }, (_, i) => inputs[`p${i}`]);
      const id = (name: string) => (inputs[name] ? b.nid(inputs[name]) : -1);
      const ids = adam(
        ps.map((p) => b.nid(p)),
        ps.map((_, i) => b.nid(inputs[`g${i}`])),
        ps.map((_, i) => id(`m${i}`)),
        ps.map((_, i) => id(`v${i}`)),
        attrs.lrs as number[],
        attrs.beta1 as number,
        attrs.beta2 as number,
        attrs.eps as number,
        attrs.weightDecay as number,
        attrs.step as number,
        attrs.gradScale as number,
      );
      return ids.map((nid, k) => b.output(nid, ps[Math.floor(k / 3)].shape, 'float32'));
    }),
    kernel(SUM_SQUARES_KERNEL, (inputs, attrs, b: TorchBackend) => {
      const ids = Array.from({ length: attrs.count as number }, (_, i) => b.nid(inputs[`t${i}`]));
      return b.output(sumSquares(ids), [], 'float32');
    }),
  ];
}
