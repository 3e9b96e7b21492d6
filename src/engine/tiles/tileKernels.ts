/**
 * The three pieces of a DT net that thinking needs, as functions of plain channels-last Float32Arrays, so the
 * sparse thinker can run them on any engine: tfjs (whatever backend tf.ts picked; wasm is the path that always
 * works) or onnxruntime-node (ortBackend.ts).
 *
 * Shapes: x [n,h,w,inChannels], thought [n,h,w,width], logits [n,h,w,2]; every conv is 'same' on the h×w block.
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import { withPrecision, type ThinkingPrecision } from '../solve/precision';

export interface TileKernels {
  /** e.g. "tfjs-wasm" or "onnxruntime-node 1.30.0 (cpu, 2 threads)" */
  readonly name: string;
  /** CPU threads this engine uses for one call */
  readonly threads: number;
  /** relu(conv(x)) → [n,h,w,width] */
  project(x: Float32Array, n: number, h: number, w: number): Promise<Float32Array>;
  /** one application of the (tied) recurrent block → [n,h,w,width] */
  step(thought: Float32Array, x: Float32Array, n: number, h: number, w: number): Promise<Float32Array>;
  /** head → logits [n,h,w,2] */
  head(thought: Float32Array, n: number, h: number, w: number): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Run `f` in a tidy scope and read its result. The values are read *outside* tf.tidy on purpose: tidy walks its
 * return value looking for tensors to keep, and a Float32Array is walked element by element — for an 8×42×42×32
 * batch that scan took ~90 ms against a 9 ms step on the torch backend (found by profiling the tile path).
 */
function download(precision: ThinkingPrecision, f: () => tf.Tensor): Float32Array {
  const y = withPrecision(precision, () => tf.tidy(f));
  try {
    return y.dataSync() as Float32Array;
  } finally {
    y.dispose();
  }
}

/**
 * Kernels that call the DTNet itself through tfjs: the reference implementation, and the wasm fallback.
 * `precision` 'bfloat16' (torch backend only, see precision.ts) runs the convolutions in bfloat16.
 */
export function tfjsKernels(net: DTNet, precision: ThinkingPrecision = 'float32'): TileKernels {
  const { width, inChannels } = net.arch;
  const t4 = (v: Float32Array, n: number, h: number, w: number, c: number) => tf.tensor4d(v, [n, h, w, c]);
  return {
    name: `tfjs-${tf.getBackend()}${precision === 'bfloat16' ? ' bfloat16' : ''}`,
    threads: 1,
    async project(x, n, h, w) {
      return download(precision, () => net.project(t4(x, n, h, w, inChannels)));
    },
    async step(thought, x, n, h, w) {
      // Iteration index 0: tied nets use the same weights at every iteration.
      return download(precision, () => net.step(t4(thought, n, h, w, width), t4(x, n, h, w, inChannels), 0));
    },
    async head(thought, n, h, w) {
      return download(precision, () => net.head(t4(thought, n, h, w, width)));
    },
    dispose() {
      /* the net belongs to the caller */
    },
  };
}
