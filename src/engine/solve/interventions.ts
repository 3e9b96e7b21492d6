/**
 * Interventions on a thinking net (Bansal et al. 2022, §5): disturb the hidden state mid-thought, or change the
 * problem under it, and let it keep thinking. A net that has learned an algorithm (recall + progressive loss)
 * recovers from perturbations and re-solves a changed maze from its current state; one without recall drifts.
 *
 * All helpers are functional: they return new tensors and never dispose their inputs. Randomness is seeded
 * (tfjs's seeded generators), so the same seed gives the same perturbation.
 */
import { tf } from '../tf';
import type { DTNet, ThinkStep } from '../models/dtNet';

export type PerturbMode = 'noise' | 'zero';

/** tfjs treats seed 0 as "unseeded" for uniform draws; map every integer seed to a non-zero one. */
function tfSeed(seed: number): number {
  return (Math.abs(Math.trunc(seed)) % 2147483646) + 1;
}

function checkStrength(strength: number, what: string, max = Infinity): void {
  if (!(strength >= 0 && strength <= max)) {
    throw new RangeError(`${what} must be a number ${max === Infinity ? '≥ 0' : `in [0, ${max}]`}, got ${strength}`);
  }
}

/**
 * thought + s · rms · ε, ε ~ N(0, 1) per activation, where rms is each example's root-mean-square activation
 * (so s = 1 is noise as large as the signal, whatever the width or scale of the net). thought [N,...,W].
 * s = 0 is the identity. No ReLU is applied afterwards: the next step's recall conv takes the state as it is.
 */
export function addRelativeNoise(thought: tf.Tensor, strength: number, seed: number): tf.Tensor {
  checkStrength(strength, 'noise strength');
  return tf.tidy(() => {
    const n = thought.shape[0];
    const perExample = [n, ...new Array<number>(thought.rank - 1).fill(1)];
    const rms = tf.sqrt(tf.mean(tf.square(thought.reshape([n, -1])), 1)).reshape(perExample);
    const eps = tf.randomNormal(thought.shape, 0, 1, 'float32', tfSeed(seed));
    return tf.add(thought, tf.mul(tf.mul(eps, rms), strength));
  });
}

/**
 * Zero a random fraction `fraction` of the activations (each independently, like dropout without rescaling).
 * u ~ U[0, 1) per activation, kept where u ≥ fraction: fraction 0 keeps all, fraction 1 zeros all.
 */
export function zeroRandomFraction(thought: tf.Tensor, fraction: number, seed: number): tf.Tensor {
  checkStrength(fraction, 'zero fraction', 1);
  return tf.tidy(() => {
    const u = tf.randomUniform(thought.shape, 0, 1, 'float32', tfSeed(seed));
    return tf.mul(thought, tf.greaterEqual(u, fraction).toFloat());
  });
}

/** The intervention form of the protocol: mode 'noise' (relative strength) or 'zero' (fraction in [0, 1]). */
export function perturbThought(thought: tf.Tensor, mode: PerturbMode, strength: number, seed: number): tf.Tensor {
  switch (mode) {
    case 'noise':
      return addRelativeNoise(thought, strength, seed);
    case 'zero':
      return zeroRandomFraction(thought, strength, seed);
    default:
      throw new RangeError(`unknown perturbation mode ${JSON.stringify(mode)}; expected 'noise' or 'zero'`);
  }
}

/**
 * perturbThought only where `mask` [1,...spatial,1] is 1 (0 elsewhere keeps the thought as it was): damage to a
 * brushed region, as in the "Growing Neural Cellular Automata" demo, while the rest of the thought stays intact.
 */
export function perturbRegion(thought: tf.Tensor, mask: tf.Tensor, mode: PerturbMode, strength: number, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const damaged = perturbThought(thought, mode, strength, seed);
    return tf.add(tf.mul(damaged, mask), tf.mul(thought, tf.sub(1, mask)));
  });
}

/**
 * Maze units → a pixel mask [1, 2R+2, 2C+2, 1] covering each unit's 2×2 pixels and the pixels between neighbouring
 * listed units, so a brushed stroke damages a connected patch of the thought.
 */
export function mazeRegionMask(rows: number, cols: number, cells: readonly (readonly [number, number])[]): Float32Array {
  const h = 2 * rows + 2;
  const w = 2 * cols + 2;
  const m = new Float32Array(h * w);
  for (const [r, c] of cells) {
    if (r < 0 || c < 0 || r >= rows || c >= cols) continue;
    // A margin of one pixel around the unit's 2×2 block joins adjacent units.
    for (let y = 2 * r; y <= 2 * r + 3; y++) for (let x = 2 * c; x <= 2 * c + 3; x++) m[y * w + x] = 1;
  }
  return m;
}

/**
 * Throws unless the new input x [N,...,C] fits a thought [N,...,W]: same batch and spatial size. (The nets are
 * fully convolutional, so any size *could* be solved, but a thought only means something for the grid it grew on.)
 */
export function checkSwapCompatible(thought: tf.Tensor, x: tf.Tensor): void {
  checkSwapShapes(thought.shape, x.shape);
}

/** checkSwapCompatible on shapes: thought [N,...,W] and input [N,...,C]. */
export function checkSwapShapes(thoughtShape: readonly number[], xShape: readonly number[]): void {
  const ts = thoughtShape.slice(0, -1);
  const xs = xShape.slice(0, -1);
  if (ts.length !== xs.length || ts.some((d, i) => d !== xs[i])) {
    throw new RangeError(
      `cannot swap the input: the new input is [${xs.slice(1).join('×')}] but the current thought is for ` +
        `[${ts.slice(1).join('×')}]; a swapped input must keep the size (edit the maze instead of resizing it)`,
    );
  }
}

/**
 * Swap the input under a running thought and keep thinking: iteration `startIteration + 1` is
 * step(thought, newX) — the recall input changes, the state carries over. `thought` is not consumed.
 */
export function continueWithInput(
  model: DTNet,
  thought: tf.Tensor,
  newX: tf.Tensor,
  iterations: number,
  startIteration: number,
): Generator<ThinkStep, void, void> {
  checkSwapCompatible(thought, newX);
  return model.think(newX, iterations, thought, startIteration);
}
