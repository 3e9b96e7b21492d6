/**
 * Sparse, tiled thinking in constant memory.
 *
 * A trained maze net changes only a thin front of its hidden state per iteration (Bansal et al. 2022, §5: the
 * path is painted progressively). The recurrent block is a stack of 3×3 convs — recall conv + 2 residual blocks ×
 * 2 convs = 5 convs — so a pixel's next state depends only on the state and input within radius r = 5. Hence a tile
 * whose dilated neighbourhood (tile ± r) did not change in the previous iteration would compute exactly the state it
 * already has: we skip it. Per iteration:
 *   1. gather the active tiles' patches (tile ± r, clipped to the image, see tiles.ts) of thought and input x,
 *      batched per patch shape: [T, h, w, C];
 *   2. run the recurrent step on each batch (tfjs or onnxruntime-node, see tileKernels.ts);
 *   3. once *all* batches are done (a Jacobi update: every tile reads the previous iteration's state), write the
 *      tiles' centres back and record how much each changed, per border band (tiles.ts: scatterCenter);
 *   4. a tile becomes active when the change its patch saw since it was last computed exceeds `tolerance`.
 * With tolerance 0 this is the dense computation, up to float rounding (the tests compare them on many mazes).
 * With tolerance > 0 a tile may lag behind by changes totalling at most `tolerance` per value.
 *
 * Period 2. A trained maze net does not settle to a fixed point: its hidden state falls into a 2-cycle
 * (scripts/measure/state-drift.ts: |s_t − s_{t−1}| stays ~0.4 while |s_t − s_{t−2}| falls to 1e-5), so comparing with the
 * previous iteration would keep every tile busy forever. We therefore keep two buffers, one per parity: iteration
 * t reads buf[(t−1) mod 2] and writes buf[t mod 2], which still holds s_{t−2}. A tile whose neighbourhood in the
 * buffer it reads is unchanged since it last read that buffer would compute exactly the s_{t−2} value it already
 * left there, so skipping it costs nothing — not even a copy. Writing measures |s_t − s_{t−2}|, the change that
 * matters. A fixed point is a 2-cycle too, so this subsumes the period-1 case (at most one iteration later).
 *
 * Memory: the thought lives in two Float32Arrays [H,W,width] (2 × 331 MB for an 801×801 maze at width 32), plus
 * at most one iteration's active tile outputs and bounded batches. Nothing grows with the iteration count.
 *
 * Predictions (logits → class1 = logit1 − logit0 per pixel) are kept in a per-pixel map per parity and recomputed
 * only for tiles whose thought changed near them since that map was last computed (the head is 3 convs: radius
 * 3 ≤ r).
 */
import { TILE_DEFAULTS } from './tileDefaults';
import type { DTNet } from '../models/dtNet';
import { hasRecall } from '../../shared/architecture';
import { REGIONS, TileGrid, gatherRect, scatterCenter, spreadChange, type Rect, type Unit } from './tileGrid';
import type { TileKernels } from './tileKernels';

export interface SparseThinkerOptions {
  /** tile side in pixels (default TILE_DEFAULTS.tileSize); a size ≥ the image makes one tile, i.e. the dense computation */
  tileSize?: number;
  /**
   * Largest total change a tile's input may accumulate before it is recomputed (default TILE_DEFAULTS.tolerance).
   * 0 = exact.
   * Negative = recompute every tile every iteration (dense, but through the same kernels).
   */
  tolerance?: number;
  /**
   * A tile whose own values moved by more than this at its last computation is computed again, however little its
   * neighbourhood changed (default: the tolerance; the pixel-exact test at 1e-3 asks for a tenth of it).
   * Without it, a tile still converging — or a small perturbation that the net would amplify, such as the tip of a
   * growing path — could freeze below `tolerance` for good.
   */
  selfTolerance?: number;
  /** upper bound on pixels per kernel call (patch area × tiles), to bound scratch memory; default 2^17 */
  maxBatchPixels?: number;
  /**
   * Tiles are grouped in blocks of blockTiles×blockTiles (default 8); a block whose requested tiles would cost more
   * pixels one by one (each with its halo) than the whole block is computed as one patch. 1 = always tile by tile.
   */
  blockTiles?: number;
  /**
   * Resume from this hidden state [H,W,width] (copied) instead of projecting the input, as DTNet.think's
   * initialThought: the interventions need it. Iteration numbers then count from `startIteration`.
   */
  initialThought?: Float32Array;
  startIteration?: number;
}

export interface SparseStepStats {
  /** 1-based iteration just completed */
  iteration: number;
  /** tiles whose neighbourhood changed (beyond the tolerance), so that they had to be recomputed */
  activeTiles: number;
  totalTiles: number;
  /** activeTiles / totalTiles */
  activeFraction: number;
  /** tiles actually recomputed: the active ones, plus the idle tiles of blocks computed whole */
  recomputedTiles: number;
  /** pixels pushed through the step (patches include their halo), relative to the image's pixel count */
  computedPixelRatio: number;
  /**
   * tiles that will be recomputed next iteration; 0 means the thought has reached a fixed point or a 2-cycle
   * (within the tolerance): thinking longer changes nothing
   */
  nextActiveTiles: number;
}

export class SparseThinker {
  readonly grid: TileGrid;
  readonly height: number;
  readonly width: number;
  /** receptive radius of one recurrent step (convs in the block) */
  readonly stepHalo: number;
  /** receptive radius of the head */
  readonly headHalo = 3;
  readonly tolerance: number;
  readonly selfTolerance: number;
  private readonly x: Float32Array;
  /** the hidden state of the even and the odd iterations [H,W,width] each; buf[cur] is the latest */
  private readonly buf: [Float32Array, Float32Array];
  private cur = 0;
  /** class1 maps computed from buf[0] and buf[1] [H·W] */
  private readonly class1Map: [Float32Array, Float32Array];
  /** staleness[p][t]: change in buf[p] within tile t's neighbourhood since t last read buf[p] */
  private readonly staleness: [Float32Array, Float32Array];
  /** ownChange[p][t]: how far tile t's own values in buf[p] moved when it last wrote them */
  private readonly ownChange: [Float32Array, Float32Array];
  /** headDirty[p][t]: buf[p] changed within the head's reach of tile t since class1Map[p] was computed there */
  private readonly headDirty: [Uint8Array, Uint8Array];
  private readonly maxBatchPixels: number;
  private readonly blockTiles: number;
  private readonly channels: number;
  private readonly inChannels: number;
  private iter = 0;
  private started = false;
  private readonly scratchPool = new Map<string, Float32Array>();

  /**
   * x: one input image [H,W,inChannels] channels-last (e.g. mazeProblem.encode(grid).data). The thinker keeps a
   * reference; do not modify it while thinking.
   */
  constructor(
    readonly net: DTNet,
    readonly kernels: TileKernels,
    x: Float32Array,
    height: number,
    width: number,
    opts: SparseThinkerOptions = {},
  ) {
    const a = net.arch;
    if (a.dims !== 2) throw new Error(`sparse thinking needs a 2-D net, got dims ${a.dims}`);
    if (net.depth !== Infinity) throw new Error(`sparse thinking needs a recurrent net with tied weights; ${a.kind} has distinct layers per iteration`);
    if (x.length !== height * width * a.inChannels) {
      throw new RangeError(`sparse thinking: input has ${x.length} values, expected ${height}×${width}×${a.inChannels}`);
    }
    this.height = height;
    this.width = width;
    this.channels = a.width;
    this.inChannels = a.inChannels;
    this.stepHalo = (hasRecall(a) ? 1 : 0) + 2 * a.blocks;
    const tileSize = opts.tileSize ?? TILE_DEFAULTS.tileSize;
    // A neighbour's patch must not reach past the adjacent tile, or the 8-neighbour bookkeeping would miss it.
    if (!(tileSize >= this.stepHalo)) throw new RangeError(`tile size ${tileSize} must be at least the step's radius ${this.stepHalo}`);
    this.grid = new TileGrid(height, width, tileSize);
    this.tolerance = opts.tolerance ?? TILE_DEFAULTS.tolerance;
    this.selfTolerance = opts.selfTolerance ?? (opts.tolerance === undefined ? TILE_DEFAULTS.selfTolerance : this.tolerance);
    this.maxBatchPixels = opts.maxBatchPixels ?? 1 << 17;
    this.blockTiles = Math.max(1, Math.floor(opts.blockTiles ?? 8));
    this.x = x;
    const n = height * width * this.channels;
    this.buf = [new Float32Array(n), new Float32Array(n)];
    this.class1Map = [new Float32Array(height * width), new Float32Array(height * width)];
    this.staleness = [new Float32Array(this.grid.count), new Float32Array(this.grid.count)];
    this.ownChange = [new Float32Array(this.grid.count), new Float32Array(this.grid.count)];
    this.headDirty = [new Uint8Array(this.grid.count), new Uint8Array(this.grid.count)];
    if (opts.initialThought) {
      if (opts.initialThought.length !== n) {
        throw new RangeError(`sparse thinking: initial thought has ${opts.initialThought.length} values, expected ${height}×${width}×${a.width}`);
      }
      this.buf[0].set(opts.initialThought);
      this.started = true;
      this.markAllStale();
    }
    this.iter = opts.startIteration ?? 0;
  }

  /** The latest hidden state [H,W,width], channels-last: a live view owned by the thinker, read-only for callers. */
  get thought(): Float32Array {
    return this.buf[this.cur];
  }

  /** Every tile must think at the next two iterations (one per buffer), and every prediction is unknown. */
  private markAllStale(): void {
    for (const p of [0, 1]) {
      this.staleness[p].fill(Infinity);
      this.headDirty[p].fill(1);
    }
  }

  /** Iterations completed so far. */
  get iteration(): number {
    return this.iter;
  }

  /** Compute the initial thought, relu(conv(x)), tile by tile (radius 1). Called by the first step(). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const all = range(this.grid.count);
    await this.runTiles(all, 1, { x: true, thought: false }, (bx, _bt, n, h, w) => this.kernels.project(bx!, n, h, w), async (outs) => {
      for (const { tile, patch, out, at } of outs) {
        const { y0, y1, x0, x1 } = this.grid.tile(tile);
        const pw = patch.x1 - patch.x0;
        for (let y = y0; y < y1; y++) {
          const s = at + ((y - patch.y0) * pw + (x0 - patch.x0)) * this.channels;
          this.buf[this.cur].set(out.subarray(s, s + (x1 - x0) * this.channels), (y * this.width + x0) * this.channels);
        }
      }
    });
    this.markAllStale();
  }

  /** One recurrent iteration over the tiles that need it. */
  async step(): Promise<SparseStepStats> {
    await this.start();
    const { grid } = this;
    // Read buf[src] (s_{t−1}), write buf[dst] (which holds s_{t−2}).
    const src = this.cur;
    const dst = 1 - src;
    const stale = this.staleness[src];
    const active: number[] = [];
    for (let t = 0; t < grid.count; t++) if (this.due(src, t)) active.push(t);
    // Tiles not computed this iteration did not move; computed ones record their change as they are written.
    const own = this.ownChange[dst];
    own.fill(0);
    const influence = new Float32Array(grid.count);
    const change = new Float32Array(REGIONS);
    let computed = 0;
    const recomputed = await this.runTiles(active, this.stepHalo, { x: true, thought: true }, (bx, bt, n, h, w) => {
      computed += n * h * w;
      return this.kernels.step(bt!, bx!, n, h, w);
    }, async (outs) => {
      // Writes go to the other buffer, so a tile's patch never sees this iteration's values (a Jacobi update).
      for (const { tile, patch, out, at } of outs) {
        scatterCenter(this.buf[dst], this.width, this.channels, grid.tile(tile), patch, out, at, this.stepHalo, change);
        own[tile] = change[4]; // region 4 = the whole tile
        spreadChange(grid, tile, change, influence);
      }
    }, src);
    // Tiles computed as part of a block are fresh too, whether or not they were due.
    for (const t of recomputed) stale[t] = 0;
    // Idle tiles keep s_{t−2} in buf[dst]: exact when their neighbourhood in buf[src] is unchanged since they last
    // read it (the period-2 argument above).
    const next = this.staleness[dst];
    const headDirty = this.headDirty[dst];
    let nextActive = 0;
    for (let t = 0; t < grid.count; t++) {
      if (influence[t] > 0) {
        next[t] += influence[t];
        headDirty[t] = 1;
      }
      if (this.due(dst, t)) nextActive++;
    }
    this.cur = dst;
    this.iter++;
    return {
      iteration: this.iter,
      activeTiles: active.length,
      totalTiles: grid.count,
      activeFraction: active.length / grid.count,
      recomputedTiles: recomputed.length,
      computedPixelRatio: computed / (this.height * this.width),
      nextActiveTiles: nextActive,
    };
  }

  /** Must tile t be computed at the next iteration that reads buf[p]? */
  private due(p: number, t: number): boolean {
    return this.tolerance < 0 || this.staleness[p][t] > this.tolerance || this.ownChange[p][t] > this.selfTolerance;
  }

  /**
   * The current per-pixel scores class1 = logit1 − logit0 [H·W] (> 0: on the path), recomputing the head only on
   * tiles whose thought changed within the head's radius since the last call. Returns the live map: copy it to keep.
   */
  async predictions(): Promise<Float32Array> {
    await this.start();
    const par = this.cur;
    const map = this.class1Map[par];
    const headDirty = this.headDirty[par];
    const dirty: number[] = [];
    for (let t = 0; t < this.grid.count; t++) if (headDirty[t]) dirty.push(t);
    await this.runTiles(dirty, this.headHalo, { x: false, thought: true }, (_bx, bt, n, h, w) => this.kernels.head(bt!, n, h, w), async (outs) => {
      for (const { tile, patch, out, at } of outs) {
        const { y0, y1, x0, x1 } = this.grid.tile(tile);
        const pw = patch.x1 - patch.x0;
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const o = at + ((y - patch.y0) * pw + (xx - patch.x0)) * 2;
            map[y * this.width + xx] = out[o + 1] - out[o];
          }
        }
      }
    }, par);
    headDirty.fill(0);
    return map;
  }

  /**
   * Gather `tiles` with `halo` into batches per patch shape ([n,h,w,C] of input x and/or thought, as `gather`
   * says), run `fn` on each batch, and hand all outputs to `consume` at the end (so writes never race reads of the
   * previous state).
   */
  private async runTiles(
    tiles: number[],
    halo: number,
    gather: { x: boolean; thought: boolean },
    fn: (batchX: Float32Array | undefined, batchThought: Float32Array | undefined, n: number, h: number, w: number) => Promise<Float32Array>,
    consume: (outs: TileOutput[]) => Promise<void>,
    source = this.cur,
  ): Promise<number[]> {
    if (tiles.length === 0) return [];
    const units = this.grid.planUnits(tiles, halo, this.blockTiles);
    // Batch units whose patches have the same shape: [n, h, w, C].
    const groups = new Map<string, { h: number; w: number; units: { unit: Unit; patch: Rect }[] }>();
    for (const unit of units) {
      const patch = this.grid.dilate(unit.rect, halo);
      const h = patch.y1 - patch.y0;
      const w = patch.x1 - patch.x0;
      const key = `${h}x${w}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { h, w, units: [] }));
      g.units.push({ unit, patch });
    }
    const outs: TileOutput[] = [];
    const recomputed: number[] = [];
    for (const { h, w, units: group } of groups.values()) {
      const per = Math.max(1, Math.floor(this.maxBatchPixels / (h * w)));
      for (let s = 0; s < group.length; s += per) {
        const chunk = group.slice(s, s + per);
        const n = chunk.length;
        const bx = gather.x ? this.scratch('x', n * h * w * this.inChannels) : undefined;
        const bt = gather.thought ? this.scratch('thought', n * h * w * this.channels) : undefined;
        chunk.forEach(({ patch }, k) => {
          if (bx) gatherRect(this.x, this.width, this.inChannels, patch, bx, k * h * w * this.inChannels);
          if (bt) gatherRect(this.buf[source], this.width, this.channels, patch, bt, k * h * w * this.channels);
        });
        const out = await fn(bx, bt, n, h, w);
        const per1 = out.length / n;
        chunk.forEach(({ unit, patch }, k) => {
          for (const tile of unit.tiles) {
            outs.push({ tile, patch, out, at: k * per1 });
            recomputed.push(tile);
          }
        });
      }
    }
    await consume(outs);
    return recomputed;
  }

  /**
   * Reusable input buffers, one per role and length: kernels are awaited one at a time and never keep their inputs
   * (tfjs copies them into its own memory; ORT is done with them when run() resolves), so the next batch may
   * overwrite them. This keeps the garbage per iteration down to the kernels' outputs.
   */
  private scratch(role: 'x' | 'thought', length: number): Float32Array {
    const key = `${role}:${length}`;
    let b = this.scratchPool.get(key);
    if (!b) {
      // A handful of shapes occur (≤ 9 patch shapes × full/last chunk); drop everything if that is ever exceeded.
      if (this.scratchPool.size > 64) this.scratchPool.clear();
      this.scratchPool.set(key, (b = new Float32Array(length)));
    }
    return b;
  }
}

/** One tile's new values: its centre lies in `out` at element offset `at`, laid out as `patch` ([h,w,C]). */
interface TileOutput {
  tile: number;
  patch: Rect;
  out: Float32Array;
  at: number;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
