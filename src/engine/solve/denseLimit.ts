/**
 * How big an image the engine thinks about densely (on tfjs tensors). A dense think holds several activations of
 * [1, H, W, width] float32 at once (thought, recall concat, conv outputs), and tfjs-wasm's heap cannot grow past a
 * few GB: a 1001×1001-unit maze at width 32 aborted inside wasm. Bigger mazes go to the sparse tile thinker, whose
 * memory follows the active front instead of the image.
 */
import { MAZE_LIMITS } from '../../shared/maze/mazeFormat';

/** H×W×width of one dense activation: 32 Mi values = 128 MiB of float32. */
export const DENSE_PIXEL_CHANNELS = 32 * 1024 * 1024;

/** Largest square maze (units, outer walls included) a net of `width` thinks about densely. */
export function maxDenseMazeSide(width: number): number {
  // image side = 2 × units + 2 (each unit is 2×2 pixels, plus a 1-pixel border)
  return Math.floor((Math.floor(Math.sqrt(DENSE_PIXEL_CHANNELS / width)) - 2) / 2);
}

/** Throws, naming `what` and both limits, when an image of `spatial` pixels is too big to think densely. */
export function checkDenseFits(what: string, spatial: number[], width: number, units?: [number, number]): void {
  const pixels = spatial.reduce((a, b) => a * b, 1);
  if (pixels * width <= DENSE_PIXEL_CHANNELS) return;
  const size = units ? `${units[0]}×${units[1]} units (${spatial.join('×')} px)` : `${spatial.join('×')} px`;
  const side = maxDenseMazeSide(width);
  throw new RangeError(
    `${what}: ${size} is too big to think about densely with a width-${width} net: the limit is ` +
      `${DENSE_PIXEL_CHANNELS.toLocaleString('en-US')} pixel-channels (about ${side}×${side} units at width ${width}); ` +
      `the sparse tile thinker (onnxruntime-node, or a native backend) takes mazes up to ${MAZE_LIMITS.side}×${MAZE_LIMITS.side} units`,
  );
}
