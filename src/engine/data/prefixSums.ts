// Prefix-sums datasets: uniformly random bit strings of one length, without duplicates (as in the
// easy-to-hard data of Schwarzschild et al. 2021, which the paper trains on: 32-bit train, longer for test).
import { Rng } from '../../shared/rng';
import type { PrefixSumsPuzzle } from '../../shared/problems/prefixSums';

/** Below this many possible strings we enumerate-and-sample instead of rejection sampling. */
const ENUMERATE_LIMIT = 1 << 20;

/**
 * `count` distinct random bit strings of `length` bits, reproducible from `seed`.
 * Throws a RangeError when count exceeds the 2^length distinct strings that exist.
 */
export function generatePrefixSums(length: number, count: number, seed: number): PrefixSumsPuzzle[] {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`prefix sums: length must be a positive integer, got ${length}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`prefix sums: count must be a non-negative integer, got ${count}`);
  const possible = 2 ** length;
  if (count > possible) {
    throw new RangeError(
      `prefix sums: cannot draw ${count} distinct ${length}-bit strings; only 2^${length} = ${possible} exist`,
    );
  }
  const rng = new Rng(seed);
  if (possible <= ENUMERATE_LIMIT) {
    // Small space: partial Fisher–Yates over all integers, exact and duplicate-free even when count ≈ 2^length.
    const all = new Uint32Array(possible);
    for (let i = 0; i < possible; i++) all[i] = i;
    const out: PrefixSumsPuzzle[] = [];
    for (let i = 0; i < count; i++) {
      const j = i + rng.int(possible - i);
      const v = all[j];
      all[j] = all[i];
      all[i] = v;
      const bits = new Uint8Array(length);
      for (let k = 0; k < length; k++) bits[k] = (v >>> (length - 1 - k)) & 1;
      out.push({ bits });
    }
    return out;
  }
  // Large space (≥ 2^21 strings): rejection sampling with a string-key set; collisions are rare unless count
  // is close to 2^length, and even then it terminates (coupon collector).
  const seen = new Set<string>();
  const out: PrefixSumsPuzzle[] = [];
  while (out.length < count) {
    const bits = new Uint8Array(length);
    for (let k = 0; k < length; k++) bits[k] = rng.nextUint32() >>> 31;
    const key = bits.join('');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ bits });
  }
  return out;
}
