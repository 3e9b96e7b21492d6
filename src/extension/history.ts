/** Bounded histories for live curves (pure; unit-tested). */

/**
 * Keep at most `max` points: drop every other point of the older half until it fits. The newest half keeps full
 * resolution (that is where the curve is moving), and the first point is always kept.
 */
export function thinHistory<T>(points: readonly T[], max: number): T[] {
  let out = points.slice();
  while (out.length > max && out.length > 2) {
    const half = Math.floor(out.length / 2);
    const next: T[] = [];
    for (let i = 0; i < out.length; i++) if (i === 0 || i >= half || i % 2 === 0) next.push(out[i]);
    if (next.length === out.length) break;
    out = next;
  }
  return out;
}
