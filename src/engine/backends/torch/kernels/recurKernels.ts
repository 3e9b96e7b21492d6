/**
 * The fused recurrent block (native/src/recur.cc) as the kernels src/engine/models/fusedRecurrentBlock.ts asks for:
 * the block's forward, returning the activations its gradient needs, and its backward. Registered only when the
 * addon has them (an addon built before them leaves the model on the composition of single kernels).
 */
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchAddon } from '../nativeAddon';
import type { TorchBackend } from '../torchBackend';
import { FUSED_BLOCK_GRAD_KERNEL, FUSED_BLOCK_KERNEL } from '../../../fusedKernelNames';
import { kernel, type Inputs } from './kernel';

interface BlockAttrs {
  dims: 1 | 2;
  recall: boolean;
  reluAfterRecall: boolean;
}

function attrsOf(attrs: NamedAttrMap): BlockAttrs {
  return { dims: attrs.dims as 1 | 2, recall: !!attrs.recall, reluAfterRecall: !!attrs.reluAfterRecall };
}

/** b0, b1, … in order: conv1 and conv2 of each residual block. */
function residualInputs(inputs: Inputs): TensorInfo[] {
  const out: TensorInfo[] = [];
  for (let i = 0; inputs[`b${i}`] !== undefined; i++) out.push(inputs[`b${i}`]);
  return out;
}

export function recurKernels(addon: TorchAddon): KernelConfig[] {
  const { recurBlock, recurBlockGrad } = addon;
  if (!recurBlock || !recurBlockGrad) return [];
  return [
    kernel(FUSED_BLOCK_KERNEL, (inputs, attrs, b: TorchBackend) => {
      const a = attrsOf(attrs);
      const { h } = inputs;
      const residual = residualInputs(inputs);
      const ids = recurBlock(
        a.dims,
        b.nid(h),
        a.recall ? b.nid(inputs.x) : -1,
        a.recall ? b.nid(inputs.w0) : -1,
        a.reluAfterRecall,
        residual.map((t) => b.nid(t)),
      );
      // [r, t_0, o_0, …]: all the thought's shape.
      const shape = [...h.shape.slice(0, -1), residual[0]?.shape.at(-1) ?? h.shape.at(-1)!];
      return ids.map((id) => b.output(id, shape, 'float32'));
    }),
    kernel(FUSED_BLOCK_GRAD_KERNEL, (inputs, attrs, b: TorchBackend) => {
      const a = attrsOf(attrs);
      const { dy, h } = inputs;
      const residual = residualInputs(inputs);
      const saved: TensorInfo[] = [];
      for (let i = 0; inputs[`s${i}`] !== undefined; i++) saved.push(inputs[`s${i}`]);
      const ids = recurBlockGrad(
        a.dims,
        b.nid(dy),
        b.nid(h),
        a.recall ? b.nid(inputs.x) : -1,
        a.recall ? b.nid(inputs.w0) : -1,
        a.reluAfterRecall,
        residual.map((t) => b.nid(t)),
        saved.map((t) => b.nid(t)),
      );
      // The gradients have their inputs' shapes: [dh, dx, dw0, db…] with recall, [dh, db…] without.
      const shapes = [h, ...(a.recall ? [inputs.x, inputs.w0] : []), ...residual].map((t) => t.shape);
      return ids.map((id, i) => b.output(id, shapes[i], 'float32'));
    }),
  ];
}
