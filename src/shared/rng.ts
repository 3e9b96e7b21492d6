// Seeded pseudo-random numbers, identical in Node, the webview and tests.
// Every generator in the project (mazes, prefix sums, shuffles, weight init) takes a seed and uses this,
// so a dataset or a training run is reproducible from its config alone; Math.random is never used.
//
// Algorithm: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes PractRand),
// seeded through splitmix32 so that nearby seeds (1, 2, 3…) give unrelated streams.

/** splitmix32 step: a good 32-bit mixer, used for seeding and for deriving child seeds. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * A seed for item `index` of a stream seeded with `seed` (e.g. maze #i of a dataset), so item i can be
 * regenerated without generating items 0..i-1.
 */
export function deriveSeed(seed: number, index: number): number {
  return splitmix32(splitmix32(seed >>> 0) ^ Math.imul(index + 1, 0x85ebca6b));
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Cached second value of the Box–Muller pair. */
  private spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    // Fold seeds beyond 32 bits (e.g. Date.now()) instead of silently truncating them.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let s = splitmix32(lo ^ splitmix32(hi));
    this.a = s = splitmix32(s);
    this.b = s = splitmix32(s);
    this.c = s = splitmix32(s);
    this.d = 1; // sfc32's counter
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm up, as recommended for sfc32
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). Rejection sampling, so there is no modulo bias even for large n. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new RangeError(`Rng.int(n) needs an integer 1 <= n <= 2^32, got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: ArrayLike<T>): T {
    if (items.length === 0) throw new RangeError('Rng.pick of an empty array');
    return items[this.int(items.length)];
  }

  /** Fisher–Yates shuffle, in place; returns the same array. */
  shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** Normal sample (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) guard
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }
}
