/**
 * Turning one iteration's output into a SolveFrame picture (src/shared/protocol/engine.ts): per-grid-unit
 * P(class 1) as bytes, downsampled so a frame never carries more than `maxFrameCells` cells, and a clock-based
 * throttle so at most `maxFps` frames per second leave the engine.
 *
 * Everything here is plain JS on Float32Arrays, run only for frames actually sent, so the solve loop pays
 * nothing for the iterations in between.
 */

/** Default frame budget: a 256×256 picture (≈ 87 KB of base64) per frame. */
export const DEFAULT_MAX_FRAME_CELLS = 256 * 256;
export const DEFAULT_MAX_FPS = 30;

export type PoolMode = 'max' | 'mean';

export interface Grid {
  rows: number;
  cols: number;
  /** rows*cols values, row-major */
  data: Float32Array;
}

export interface PooledGrid extends Grid {
  /** side of the square block pooled into one cell (1 = full resolution) */
  scale: number;
}

/** Smallest integer block side s with ⌈rows/s⌉·⌈cols/s⌉ ≤ maxCells (always ≥ 1). */
export function poolScale(rows: number, cols: number, maxCells: number): number {
  if (!(maxCells >= 1)) throw new RangeError(`maxFrameCells must be at least 1, got ${maxCells}`);
  // Start from the area bound (s ≥ √(rows·cols/maxCells)); the ceilings can need a few more steps.
  let s = Math.max(1, Math.floor(Math.sqrt((rows * cols) / maxCells)));
  while (Math.ceil(rows / s) * Math.ceil(cols / s) > maxCells) s++;
  return s;
}

/**
 * Pool a rows×cols grid into ⌈rows/s⌉×⌈cols/s⌉ cells, s = poolScale(…). Edge blocks may be partial; 'mean'
 * averages only the cells they contain. 'max' is the default for mazes: the path is one unit wide, and a mean
 * would wash it out once s > 1.
 */
export function poolGrid(grid: Grid, maxCells: number, mode: PoolMode = 'max'): PooledGrid {
  const { rows, cols, data } = grid;
  if (data.length !== rows * cols) throw new RangeError(`poolGrid: ${data.length} values for a ${rows}×${cols} grid`);
  const s = poolScale(rows, cols, maxCells);
  if (s === 1) return { rows, cols, data, scale: 1 };
  const outRows = Math.ceil(rows / s);
  const outCols = Math.ceil(cols / s);
  const out = new Float32Array(outRows * outCols).fill(mode === 'max' ? -Infinity : 0);
  for (let r = 0; r < rows; r++) {
    const orow = ((r / s) | 0) * outCols;
    for (let c = 0; c < cols; c++) {
      const o = orow + ((c / s) | 0);
      const v = data[r * cols + c];
      if (mode === 'max') {
        if (v > out[o]) out[o] = v;
      } else out[o] += v;
    }
  }
  if (mode === 'mean') {
    for (let or = 0; or < outRows; or++) {
      const h = Math.min(s, rows - or * s);
      for (let oc = 0; oc < outCols; oc++) out[or * outCols + oc] /= h * Math.min(s, cols - oc * s);
    }
  }
  return { rows: outRows, cols: outCols, data: out, scale: s };
}

/**
 * Per-pixel P(class 1) of a maze image [(2R+2)×(2C+2)] → per-unit P [R×C]: the mean of the unit's 2×2 pixels
 * (docs/design.md, Formats: unit (r, c) owns pixels (1+2r+dy, 1+2c+dx)). Units with `walls[u]` set get 0: wall pixels
 * lie outside the loss mask, so what the net says there means nothing.
 */
export function mazeUnitProbs(rows: number, cols: number, pixelProbs: Float32Array, walls?: ArrayLike<number>): Float32Array {
  const width = 2 * cols + 2;
  if (pixelProbs.length !== (2 * rows + 2) * width) {
    throw new RangeError(`mazeUnitProbs: ${pixelProbs.length} pixels for a ${rows}×${cols} maze (expected ${(2 * rows + 2) * width})`);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const u = r * cols + c;
      if (walls && walls[u]) continue;
      const p = (1 + 2 * r) * width + 1 + 2 * c;
      out[u] = (pixelProbs[p] + pixelProbs[p + 1] + pixelProbs[p + width] + pixelProbs[p + width + 1]) / 4;
    }
  }
  return out;
}

/** P(class 1) = softmax(logits)[1] = sigmoid(logit1 − logit0), per position. */
export function probsFromClass1(class1: Float32Array): Float32Array {
  const out = new Float32Array(class1.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-class1[i]));
  return out;
}

/**
 * Mean over counted positions of the max softmax probability (= sigmoid(|class1|) for two classes). This is the
 * confidence that max-confidence selection and `--iterations auto` use. 1 when no position counts.
 */
export function meanConfidenceOf(class1: Float32Array, mask?: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < class1.length; i++) {
    if (mask && !mask[i]) continue;
    sum += 1 / (1 + Math.exp(-Math.abs(class1[i])));
    n++;
  }
  return n === 0 ? 1 : sum / n;
}

/**
 * Images up to this many pixels are read every iteration and every changed picture is streamed (a 63×63 maze is
 * 128×128 px: the head and a 16k-value download cost far less than an iteration of a 2-D net).
 */
export const WATCH_EVERY_ITERATION_MAX_PIXELS = 128 * 128;

/** A cell must move by this many 1/255 steps for a picture to count as changed (sub-percent drift is invisible). */
export const PICTURE_CHANGE_STEPS = 3;

/** Whether two encoded pictures (encodeProbs output) differ visibly: a size change, or any cell by ≥ `steps`. */
export function pictureChanged(a: string, b: string, steps = PICTURE_CHANGE_STEPS): boolean {
  if (a === b) return false;
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  if (x.length !== y.length) return true;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i] - y[i]) >= steps) return true;
  return false;
}

/** Probabilities in [0, 1] → base64 of Uint8 0..255 (rounded, clamped; NaN → 0). */
export function encodeProbs(probs: Float32Array): string {
  const bytes = new Uint8Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    const v = probs[i];
    bytes[i] = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Inverse of encodeProbs, as bytes (tests, CLI). */
export function decodeProbs(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/**
 * Time-based frame throttle: a frame is due when at least 1000/maxFps ms have passed since the last one sent AND
 * the time spent building frames so far is within `budget` (a fraction) of the wall time since the start. The
 * budget only binds when single iterations are slower than the frame interval (then every iteration would get a
 * frame); it keeps streaming from ever costing more than that fraction of the solve. The first frame is always
 * due; the caller sends the last iteration's frame regardless (see SolveSession).
 */
export class FrameThrottle {
  private last = -Infinity;
  private spent = 0;
  private readonly start: number;
  private readonly interval: number;

  constructor(
    maxFps: number = DEFAULT_MAX_FPS,
    private readonly now: () => number = () => performance.now(),
    private readonly budget = 1,
  ) {
    if (!(maxFps > 0)) throw new RangeError(`maxFps must be positive, got ${maxFps}`);
    if (!(budget > 0)) throw new RangeError(`frame budget must be a positive fraction, got ${budget}`);
    this.interval = 1000 / maxFps;
    this.start = this.now();
  }

  /** Whether a frame may be sent now. Does not record anything; call `sent()` after sending. */
  due(): boolean {
    const t = this.now();
    if (t - this.last < this.interval) return false;
    return this.last === -Infinity || this.spent <= this.budget * (t - this.start);
  }

  /** Record a frame sent now that took `costMs` to build. */
  sent(costMs = 0): void {
    this.last = this.now();
    this.spent += costMs;
  }
}
