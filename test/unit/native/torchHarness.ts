/**
 * Shared by the torch-backend tests: whether the addon is built (else the tests skip, saying why), and running
 * the same computation on the pure-JS cpu backend (the reference) and on 'torch'.
 */
import { tf } from '../../../src/engine/tf';
import { findTorchAddon } from '../../../src/engine/backends/torch/nativeAddon';

// Every torch kernel output is checked against the shape/dtype tfjs expects (see TorchBackend.check).
process.env.DEEP_THINKING_TORCH_CHECK = '1';

function missing(): string | false {
  try {
    findTorchAddon();
    return false;
  } catch (e) {
    return (e as Error).message;
  }
}
/** Why the torch tests are skipped, or false when the addon is there. */
export const skipReason: string | false = missing();
if (skipReason) console.log(`# skipping torch backend tests: ${skipReason}`);

let registered = false;
export async function useTorch(): Promise<void> {
  if (!registered) {
    const { registerTorchBackend } = await import('../../../src/engine/backends/torch');
    registerTorchBackend(2);
    registered = true;
  }
  await tf.setBackend('torch');
}

export type Values = Float32Array | Int32Array | Uint8Array;

/** Run fn on 'cpu' then on 'torch'; returns the values (and shapes, dtypes) of its outputs on each. */
export async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: tf.Tensor[]; torch: tf.Tensor[] }> {
  const run = () => {
    const out = tf.tidy(fn);
    return Array.isArray(out) ? out : [out];
  };
  await tf.setBackend('cpu');
  const cpu = run();
  await useTorch();
  const torch = run();
  return { cpu, torch };
}

/** Max |a − b| / (1 + |b|) over the elements; Infinity when lengths differ or NaN placement differs. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
      continue;
    }
    if (a[i] === b[i]) continue; // also equal infinities
    m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  }
  return m;
}

/** Deterministic pseudo-random values in [lo, hi). */
export function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}
