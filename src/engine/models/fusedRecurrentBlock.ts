/**
 * The recurrent block as one kernel each way, for backends that implement it (the torch backend: native/src/recur.cc).
 * The model is still defined once, in dtNet.ts (applyRecurrentBlock): this is a second way to execute the same block,
 * chosen per call when the active backend has registered FUSED_BLOCK_KERNEL, with the composition of tfjs ops
 * everywhere else (cpu, wasm, tfjs-node).
 *
 * Why: a DT-recall iteration is ~20 tfjs kernels forward and ~40 backward (concat, 5 convs, 5 ReLUs, 2 adds, the
 * reshapes of the 1-D convs, each conv's gradients as two kernels). Fused, it is one forward kernel that returns the
 * activations its gradient needs and one backward kernel, which computes each conv's input and weight gradients
 * in one pass, as PyTorch's autograd does.
 *
 * The contract between this file and a backend:
 *   FUSED_BLOCK_KERNEL      inputs h [N,(H,)W,w], x [N,(H,)W,in] (with recall), w0 (with recall), b0…b{2B−1}
 *                           (conv1, conv2 of each residual block); attrs dims, recall, reluAfterRecall
 *                           → [r, t_0, o_0, …, t_{B−1}, o_{B−1}], each [N,(H,)W,w]: r the recall output (h itself
 *                           without recall), t_b = relu(conv1_b(in_b)), o_b = relu(conv2_b(t_b) + in_b); o_{B−1} is
 *                           the block's output.
 *   FUSED_BLOCK_GRAD_KERNEL inputs dy, h, x, w0, b…, s0…s{2B} (the forward's outputs); same attrs
 *                           → [dh, dx, dw0, db0, …] with recall, [dh, db0, …] without.
 */
import { tf } from '../tf';
import { readEnv } from '../env';
import { FUSED_BLOCK_GRAD_KERNEL, FUSED_BLOCK_KERNEL } from '../fusedKernelNames';

/** The weights of one application of the recurrent block. */
export interface BlockWeights {
  /** recall conv [3,(3,)w+in,w]; absent in nets without recall */
  recall?: tf.Tensor;
  /** conv1, conv2 of each residual block, in order: [3,(3,)w,w] each */
  residual: tf.Tensor[];
}

let enabled = readEnv('fused') ?? true;

/** Turn the fused path off (or back on) for this thread: tests compare both on one backend. Returns the previous setting. */
export function setFusedRecurrentBlock(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Whether applyRecurrentBlock runs the fused kernels: enabled, and `backend` (default: the active one) implements them. */
export function fusedRecurrentBlockAvailable(backend = tf.getBackend()): boolean {
  if (!enabled) return false;
  return tf.getKernel(FUSED_BLOCK_KERNEL, backend) !== undefined && tf.getKernel(FUSED_BLOCK_GRAD_KERNEL, backend) !== undefined;
}

type Attrs = { dims: number; recall: boolean; reluAfterRecall: boolean };

/** Kernel inputs by name from [h, x, w0, b…] (with recall) or [h, b…]. */
function namedInputs(ins: tf.Tensor[], recall: boolean): tf.NamedTensorMap {
  const [h, ...rest] = ins;
  const inputs: tf.NamedTensorMap = { h };
  if (recall) {
    inputs.x = rest.shift()!;
    inputs.w0 = rest.shift()!;
  }
  rest.forEach((t, i) => (inputs[`b${i}`] = t));
  return inputs;
}

/**
 * One application of the recurrent block through the fused kernels, differentiable with respect to the thought,
 * x and every weight. thought [N,(H,)W,w], x [N,(H,)W,in] → [N,(H,)W,w]. `reluAfterRecall`: the paper's 1-D nets.
 */
export function fusedRecurrentBlock(dims: 1 | 2, w: BlockWeights, reluAfterRecall: boolean, thought: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const attrs: Attrs = { dims, recall: !!w.recall, reluAfterRecall };
  const inputs = w.recall ? [thought, x, w.recall, ...w.residual] : [thought, ...w.residual];
  const run = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const ins = args.slice(0, -1) as tf.Tensor[];
    const outs = tf.engine().runKernel(FUSED_BLOCK_KERNEL, namedInputs(ins, attrs.recall), attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    // The gradient needs the inputs and every activation (the tape keeps these, the enclosing tidy frees the rest);
    // without a tape, save does nothing.
    save([...ins, ...outs]);
    return {
      value: outs[outs.length - 1],
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const grad = namedInputs(saved.slice(0, ins.length), attrs.recall);
        grad.dy = dy;
        saved.slice(ins.length).forEach((t, i) => (grad[`s${i}`] = t));
        return tf.engine().runKernel(FUSED_BLOCK_GRAD_KERNEL, grad, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return run(...inputs);
}
