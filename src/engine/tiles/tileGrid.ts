/**
 * Tile geometry and the copies in and out of tile batches, for sparse thinking.
 *
 * An image of H×W pixels is cut into tiles of `size`×`size` (the last row/column of tiles may be smaller).
 * To recompute a tile exactly, a conv stack of radius r needs the tile dilated by r ("patch"). The patch is
 * *clipped* to the image rather than zero-padded: the convs' own 'same' zero padding then falls exactly on the
 * image border, as in the dense computation, for every layer of the stack. (Zero-filling a halo outside the image
 * would be exact for the first conv only: the later layers would see non-zero activations where the dense net
 * sees padding.) Clipped patches come in at most 3×3 shapes (first / middle / last tile row × column), so tiles
 * are batched per shape.
 *
 * All buffers are channels-last: an image is [H,W,C] flattened, a batch [N,h,w,C].
 */

/** Half-open pixel rectangle [y0,y1)×[x0,x1). */
export interface Rect {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

export class TileGrid {
  readonly rows: number;
  readonly cols: number;
  readonly count: number;

  constructor(
    readonly height: number,
    readonly width: number,
    readonly size: number,
  ) {
    if (!(height > 0 && width > 0 && size > 0) || ![height, width].every(Number.isInteger)) {
      throw new RangeError(`TileGrid: bad geometry ${height}×${width}, tile ${size}`);
    }
    // A tile larger than the image is the whole image (the dense computation as a single tile).
    this.size = Math.min(size, Math.max(height, width));
    this.rows = Math.ceil(height / this.size);
    this.cols = Math.ceil(width / this.size);
    this.count = this.rows * this.cols;
  }

  /** Pixels of tile t (row-major tile index). */
  tile(t: number): Rect {
    const i = Math.floor(t / this.cols);
    const j = t - i * this.cols;
    const y0 = i * this.size;
    const x0 = j * this.size;
    return { y0, y1: Math.min(y0 + this.size, this.height), x0, x1: Math.min(x0 + this.size, this.width) };
  }

  /** Tile t dilated by `halo` pixels, clipped to the image. */
  patch(t: number, halo: number): Rect {
    return this.dilate(this.tile(t), halo);
  }

  /** A rect dilated by `halo` pixels, clipped to the image. */
  dilate(r: Rect, halo: number): Rect {
    return {
      y0: Math.max(0, r.y0 - halo),
      y1: Math.min(this.height, r.y1 + halo),
      x0: Math.max(0, r.x0 - halo),
      x1: Math.min(this.width, r.x1 + halo),
    };
  }

  /** Tiles grouped by the shape of their patch: Map<"h×w", tile indices>. */
  groupByPatchShape(tiles: Iterable<number>, halo: number): Map<string, { h: number; w: number; tiles: number[] }> {
    const groups = new Map<string, { h: number; w: number; tiles: number[] }>();
    for (const t of tiles) {
      const p = this.patch(t, halo);
      const h = p.y1 - p.y0;
      const w = p.x1 - p.x0;
      const key = `${h}x${w}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { h, w, tiles: [] }));
      g.tiles.push(t);
    }
    return groups;
  }

  /**
   * Plan the work for a set of tiles as units: a unit is a rectangle computed as one patch (rect ± halo), whose
   * output is written back for all of `tiles`. The grid is cut into blocks of `block`×`block` tiles and each block is
   * planned as a quadtree: a square of tiles is computed whole where that costs no more pixels than the best plan
   * for its four quarters (down to single tiles, each with its own halo). So a mostly-active image costs about what
   * the dense computation costs, not (tile + 2·halo)²/tile² times it, and a cluster of active tiles (the front of a
   * growing path) shares one halo instead of paying one per tile.
   */
  planUnits(tiles: Iterable<number>, halo: number, block: number): Unit[] {
    const requested = new Set(tiles);
    const units: Unit[] = [];
    for (let i0 = 0; i0 < this.rows; i0 += block) {
      for (let j0 = 0; j0 < this.cols; j0 += block) {
        units.push(...this.planRange(i0, Math.min(this.rows, i0 + block), j0, Math.min(this.cols, j0 + block), requested, halo).units);
      }
    }
    return units;
  }

  /** Cheapest plan (in pixels computed) for the requested tiles in tile rows [i0, i1) × columns [j0, j1). */
  private planRange(i0: number, i1: number, j0: number, j1: number, requested: Set<number>, halo: number): { cost: number; units: Unit[] } {
    const inside: number[] = [];
    for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) if (requested.has(i * this.cols + j)) inside.push(i * this.cols + j);
    if (inside.length === 0) return { cost: 0, units: [] };
    const area = (r: Rect) => (r.y1 - r.y0) * (r.x1 - r.x0);
    if (inside.length === 1) return { cost: area(this.patch(inside[0], halo)), units: [{ rect: this.tile(inside[0]), tiles: inside }] };
    // Quarters (halves when one side is a single tile): each planned on its own.
    const im = i0 + Math.ceil((i1 - i0) / 2);
    const jm = j0 + Math.ceil((j1 - j0) / 2);
    let cost = 0;
    const parts: Unit[] = [];
    for (const [a0, a1] of [[i0, im], [im, i1]]) {
      for (const [b0, b1] of [[j0, jm], [jm, j1]]) {
        if (a0 >= a1 || b0 >= b1) continue;
        const sub = this.planRange(a0, a1, b0, b1, requested, halo);
        cost += sub.cost;
        parts.push(...sub.units);
      }
    }
    const first = this.tile(i0 * this.cols + j0);
    const last = this.tile((i1 - 1) * this.cols + (j1 - 1));
    const rect = { y0: first.y0, y1: last.y1, x0: first.x0, x1: last.x1 };
    const whole = area(this.dilate(rect, halo));
    if (whole > cost) return { cost, units: parts };
    const all: number[] = [];
    for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) all.push(i * this.cols + j);
    return { cost: whole, units: [{ rect, tiles: all }] };
  }
}

/** A rectangle computed in one patch, and the tiles whose centres it provides. */
export interface Unit {
  rect: Rect;
  tiles: number[];
}

/** Copy rect r of image src [H,W,C] (H implied) into dst at element offset `at`, as a dense [h,w,C] block. */
export function gatherRect(src: Float32Array, imageWidth: number, channels: number, r: Rect, dst: Float32Array, at: number): void {
  const rowLen = (r.x1 - r.x0) * channels;
  for (let y = r.y0; y < r.y1; y++) {
    const s = (y * imageWidth + r.x0) * channels;
    dst.set(src.subarray(s, s + rowLen), at);
    at += rowLen;
  }
}

/**
 * Band width and per-tile change summary. For each tile we record the largest change of any value in 9 regions:
 * rows ∈ {top band, all, bottom band} × columns ∈ {left band, all, right band}, bands `band` pixels wide. A
 * neighbour in direction (di,dj) sees exactly the pixels within `band` of the shared edge or corner, i.e. region
 * (di+1, dj+1); the tile itself sees region (1,1) (everything).
 */
export const REGIONS = 9;

/**
 * Write the centre (tile rect) of one patch output back into the image, and return nothing but record the
 * per-region maximum |new − old| in `change[0..8]` (row-major 3×3, see REGIONS).
 *
 * `out` holds the patch [ph,pw,C] at element offset `at`; `patch` is the patch's rect in the image.
 * Bit-identical values count as unchanged (including two NaNs); a value that becomes or stops being NaN counts as
 * an infinite change, so a net that blows up is never frozen by mistake.
 */
export function scatterCenter(
  image: Float32Array,
  imageWidth: number,
  channels: number,
  tile: Rect,
  patch: Rect,
  out: Float32Array,
  at: number,
  band: number,
  change: Float32Array,
): void {
  change.fill(0);
  const pw = patch.x1 - patch.x0;
  const th = tile.y1 - tile.y0;
  const tw = tile.x1 - tile.x0;
  const colLeftEnd = Math.min(band, tw); // columns [0, colLeftEnd) are the left band
  const colRightStart = Math.max(0, tw - band); // columns [colRightStart, tw) are the right band
  for (let ly = 0; ly < th; ly++) {
    const y = tile.y0 + ly;
    const src = at + ((y - patch.y0) * pw + (tile.x0 - patch.x0)) * channels;
    const dst = (y * imageWidth + tile.x0) * channels;
    let mL = 0;
    let mA = 0;
    let mR = 0;
    for (let lx = 0; lx < tw; lx++) {
      const o = lx * channels;
      let d = 0;
      for (let k = 0; k < channels; k++) {
        const nv = out[src + o + k];
        const ov = image[dst + o + k];
        if (nv !== ov) {
          let e = Math.abs(nv - ov);
          if (e !== e) e = nv !== nv && ov !== ov ? 0 : Infinity; // NaN
          if (e > d) d = e;
        }
      }
      if (d > 0) {
        if (d > mA) mA = d;
        if (lx < colLeftEnd && d > mL) mL = d;
        if (lx >= colRightStart && d > mR) mR = d;
      }
    }
    image.set(out.subarray(src, src + tw * channels), dst);
    if (mA === 0) continue;
    // Row regions: 1 = all rows; 0 = top band; 2 = bottom band (a row can be in both bands of a small tile).
    bumpRow(change, 3, mL, mA, mR);
    if (ly < band) bumpRow(change, 0, mL, mA, mR);
    if (ly >= th - band) bumpRow(change, 6, mL, mA, mR);
  }
}

function bumpRow(change: Float32Array, b: number, mL: number, mA: number, mR: number): void {
  if (mL > change[b]) change[b] = mL;
  if (mA > change[b + 1]) change[b + 1] = mA;
  if (mR > change[b + 2]) change[b + 2] = mR;
}

/**
 * Spread one tile's region changes to itself and its 8 neighbours: influence[n] = max(influence[n], change that
 * neighbour n can see). Tiles outside the grid are skipped.
 */
export function spreadChange(grid: TileGrid, t: number, change: Float32Array, influence: Float32Array): void {
  const i = Math.floor(t / grid.cols);
  const j = t - i * grid.cols;
  for (let di = -1; di <= 1; di++) {
    const ni = i + di;
    if (ni < 0 || ni >= grid.rows) continue;
    for (let dj = -1; dj <= 1; dj++) {
      const nj = j + dj;
      if (nj < 0 || nj >= grid.cols) continue;
      // A neighbour above (di = −1) sees our top band (region row 0); below sees the bottom band (row 2).
      const c = change[(di + 1) * 3 + (dj + 1)];
      const n = ni * grid.cols + nj;
      if (c > influence[n]) influence[n] = c;
    }
  }
}
