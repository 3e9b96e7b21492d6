/**
 * The three pieces of a DT net that thinking needs, as functions of plain channels-last Float32Arrays, so the
 * sparse thinker can run them on any engine: tfjs (whatever backend tf.ts picked; wasm is the path that always
 * works) or onnxruntime-node (ortBackend.ts).
 *
 * Shapes: x [n,h,w,inChannels], thought [n,h,w,width], logits [n,h,w,2]; every conv is 'same' on the h×w block.
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';

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

/** Kernels that call the DTNet itself through tfjs: the reference implementation, and the wasm fallback. */
export function tfjsKernels(net: DTNet): TileKernels {
  const { width, inChannels } = net.arch;
  const t4 = (v: Float32Array, n: number, h: number, w: number, c: number) => tf.tensor4d(v, [n, h, w, c]);
  return {
    name: `tfjs-${tf.getBackend()}`,
    threads: 1,
    async project(x, n, h, w) {
      return tf.tidy(() => net.project(t4(x, n, h, w, inChannels)).dataSync() as Float32Array);
    },
    async step(thought, x, n, h, w) {
      // Iteration index 0: tied nets use the same weights at every iteration.
      return tf.tidy(() => net.step(t4(thought, n, h, w, width), t4(x, n, h, w, inChannels), 0).dataSync() as Float32Array);
    },
    async head(thought, n, h, w) {
      return tf.tidy(() => net.head(t4(thought, n, h, w, width)).dataSync() as Float32Array);
    },
    dispose() {
      /* the net belongs to the caller */
    },
  };
}
