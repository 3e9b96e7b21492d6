/**
 * Thinking that starts dense in bfloat16 and finishes on the sparse tile thinker in float32.
 *
 * Why: in the first ~100 iterations on a big maze most of the image changes, so the sparse thinker computes nearly
 * every tile plus its halo (~200 ms per iteration on 408×408 px with onnxruntime-node, 2 threads), while one dense
 * iteration with bfloat16 convolutions on libtorch costs ~57 ms with the editor's frames. Once the front thins,
 * float32 tiles win by far. bfloat16 cannot drive the tile thinker itself: its rounding keeps tiles jittering by an
 * ulp or two (on a 201×201 maze at iteration 600 the median tile's max |s(t) − s(t−2)| is 0.016, up to ~0.06 for
 * values near 8), and at a tolerance of 0.05 that jitter alone kept ~20 % of the tiles busy (0.1 worked, but
 * float32 tiles at 0.1 are faster still: fewer spurious changes). The float32 tiles start from the bfloat16
 * thought; at the thinker's tolerance of 0.1 (thinking.ts) the jitter is below what makes a tile recompute.
 *
 * The switch: every `checkEvery` iterations the thought is compared with the one two iterations earlier (a trained
 * maze net settles into a 2-cycle, so t−2, not t−1) and the tiles in which some value moved by more than
 * `bigChange` (well above the bfloat16 jitter) are counted; once fewer than `switchBelow` of the tiles moved, the
 * tile thinker takes over from the current thought, in float32, to the end.
 *
 * Default measured with `bench session --size 201 --seed 3164601259 --switch-below F` (libtorch backend, 2 threads,
 * tile tolerance 0.1, 2026-11-26): F = 0.3 (hand-over at iteration 70): 35.5 s; 0.1 (110): 31.2 s; 0.03 (330):
 * 35.5 s; 0.01 (660): 52.0 s. (With the old tile tolerance of 1e-3 the best was 0.01: 111 s, because float32 tiles
 * at 1e-3 then spent ~200 iterations recomputing most tiles while the bfloat16 jitter died down.)
 */
import { TILE_DEFAULTS } from '../tiles/tileDefaults';
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import { TensorThinking, type Thinking, type ThinkingInput, type ThinkingStep } from './thinking';
import type { ThinkingPrecision } from './precision';
import { TileGrid } from '../tiles/tileGrid';

export interface WarmStartOptions {
  /** look at the state every this many iterations (default 10) */
  checkEvery?: number;
  /** a tile "moved" when a value in it changed by more than this over two iterations (default 0.05) */
  bigChange?: number;
  /** hand over to the tiles once fewer than this fraction of the tiles moved (default 0.1) */
  switchBelow?: number;
  /** tile side for that count, in pixels (default 16, as the tile thinker) */
  tileSize?: number;
  /** hand over after this many dense iterations whatever the state (default: no limit) */
  maxDenseIterations?: number;
  /** of the dense phase (default 'bfloat16', the point of it; 'float32' lets the switch be tested anywhere) */
  precision?: ThinkingPrecision;
}

export const WARM_START_DEFAULTS: Required<WarmStartOptions> = {
  checkEvery: 10,
  bigChange: 0.05,
  switchBelow: 0.1,
  tileSize: TILE_DEFAULTS.tileSize,
  maxDenseIterations: Infinity,
  precision: 'bfloat16',
};

/** Builds the float32 tile thinking that continues from `thought` (owned by the callee) at `iteration`. */
export type TileThinkingFactory = (thought: tf.Tensor, iteration: number) => Thinking;

export class WarmStartThinking implements Thinking {
  private dense: TensorThinking | undefined;
  private tiles: Thinking | undefined;
  /** the thought two iterations before the next check */
  private earlier: tf.Tensor | undefined;
  private readonly opts: Required<WarmStartOptions>;
  private readonly denseEngine: string;
  private readonly start: number;
  /** iteration at which the tiles took over */
  private switchedAt: number | undefined;
  /** fraction of tiles that moved at the last check (for logs and tests) */
  lastMovedFraction: number | undefined;

  /** `thought` (owned from here on): continue from it instead of projecting the input. */
  constructor(
    model: DTNet,
    input: ThinkingInput,
    iteration: number,
    private readonly makeTiles: TileThinkingFactory,
    opts: WarmStartOptions = {},
    thought?: tf.Tensor,
  ) {
    if (input.spatial.length !== 2) throw new RangeError(`warm-start thinking needs a 2-D input, got [${input.spatial.join('×')}]`);
    this.opts = { ...WARM_START_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
    if (!(Number.isInteger(this.opts.checkEvery) && this.opts.checkEvery >= 2)) throw new RangeError(`checkEvery must be an integer ≥ 2, got ${this.opts.checkEvery}`);
    this.dense = new TensorThinking(model, input, iteration, thought, this.opts.precision);
    this.denseEngine = this.dense.engine;
    this.start = iteration;
  }

  get engine(): string {
    if (this.tiles) {
      return `${this.denseEngine} dense for iterations ${this.start + 1}–${this.switchedAt}, then ${this.tiles.engine}`;
    }
    return `${this.denseEngine} dense (float32 tiles once the front thins)`;
  }

  /** Whether the tile thinker has taken over. */
  get onTiles(): boolean {
    return this.tiles !== undefined;
  }

  /** The iteration at which the tiles took over, if they have. */
  get handoverIteration(): number | undefined {
    return this.switchedAt;
  }

  async step(): Promise<ThinkingStep> {
    if (this.tiles) return this.tiles.step();
    const dense = this.dense!;
    await dense.step();
    const it = dense.iterations;
    const { checkEvery, bigChange, switchBelow, tileSize, maxDenseIterations } = this.opts;
    if ((it + 2) % checkEvery === 0) {
      this.earlier?.dispose();
      this.earlier = dense.thoughtTensor();
    } else if (it % checkEvery === 0 && this.earlier) {
      this.lastMovedFraction = movedTileFraction(this.earlier, dense.peekThought(), tileSize, bigChange);
      this.earlier.dispose();
      this.earlier = undefined;
      if (this.lastMovedFraction < switchBelow) this.handOver();
    }
    if (!this.tiles && it - this.start >= maxDenseIterations) this.handOver();
    return { settled: false };
  }

  private handOver(): void {
    const dense = this.dense!;
    // The tile factory owns this copy; it reads it as float32 (the addon widens bfloat16 at the edge).
    this.tiles = this.makeTiles(dense.thoughtTensor(), dense.iterations);
    this.switchedAt = dense.iterations;
    dense.dispose();
    this.dense = undefined;
    this.earlier?.dispose();
    this.earlier = undefined;
  }

  logits(): Promise<tf.Tensor> {
    return (this.tiles ?? this.dense!).logits();
  }

  thoughtTensor(): tf.Tensor {
    return (this.tiles ?? this.dense!).thoughtTensor();
  }

  dispose(): void {
    this.dense?.dispose();
    this.tiles?.dispose();
    this.earlier?.dispose();
    this.dense = this.tiles = this.earlier = undefined;
  }
}

/**
 * Fraction of `tile`×`tile` tiles (edge tiles may be smaller) in which some value of b differs from a by more than
 * `threshold`. a, b: [1, H, W, C].
 */
export function movedTileFraction(a: tf.Tensor, b: tf.Tensor, tile: number, threshold: number): number {
  const [, H, W] = b.shape;
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(b, a)), -1)); // [1,H,W]: the largest change over the channels
  let v: Float32Array;
  try {
    v = d.dataSync() as Float32Array;
  } finally {
    d.dispose();
  }
  const grid = new TileGrid(H, W, tile);
  const moved = new Uint8Array(grid.count);
  for (let y = 0; y < H; y++) {
    const row = Math.floor(y / grid.size) * grid.cols;
    for (let x = 0; x < W; x++) if (v[y * W + x] > threshold) moved[row + Math.floor(x / grid.size)] = 1;
  }
  let n = 0;
  for (const m of moved) n += m;
  return n / grid.count;
}
