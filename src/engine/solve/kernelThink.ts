/**
 * Dense thinking on the tile kernels: a whole batch of small 2-D images [N,H,W,C] (NHWC) through the kernels that
 * run the sparse tile thinker (src/engine/tiles/tileKernels.ts), iteration by iteration as DTNet.think does on tfjs.
 *
 * Why: under Node tfjs-wasm runs on one thread (src/engine/tf.ts), while onnxruntime-node runs the same
 * convolutions on every core with faster kernels (pickKernels.ts measures both when it picks). A batch of small
 * mazes, too small for tiles to skip anything, still gains from the faster engine; evaluateHalting uses this for
 * dense maze batches when ThinkingPath.denseKernels offers kernels.
 */
import { tf } from '../tf';
import type { TileKernels } from '../tiles/tileKernels';
import type { HaltingStep } from './halting';

/**
 * Iterations startIteration + 1 … startIteration + iterations of x [n,h,w,inChannels] from its projection; each
 * step's logits [n,h,w,2] are a tensor valid until the generator resumes.
 */
export async function* kernelThink(kernels: TileKernels, x: Float32Array, n: number, h: number, w: number, iterations: number, startIteration = 0): AsyncGenerator<HaltingStep, void, void> {
  // thought: [n,h,w,width], replaced (not mutated) every iteration
  let thought = await kernels.project(x, n, h, w);
  for (let i = startIteration; i < startIteration + iterations; i++) {
    thought = await kernels.step(thought, x, n, h, w);
    const logits = tf.tensor4d(await kernels.head(thought, n, h, w), [n, h, w, 2]);
    try {
      yield { iteration: i + 1, logits };
    } finally {
      logits.dispose();
    }
  }
}
