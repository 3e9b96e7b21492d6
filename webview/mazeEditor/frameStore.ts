/**
 * The timeline's memory: the per-iteration frames received from the engine, kept within a byte budget (pure;
 * unit-tested). The policy is change-based: while the budget holds, every frame is kept (a 13×13 maze keeps every
 * iteration); over budget, the frame that differs least from the one before it goes first. A run whose picture
 * forms in 30 iterations and then sits still for 25,000 keeps the 30 and thins the still part, where a fixed
 * stride would do the opposite. The first and latest frames and every marked frame (an intervention) are kept.
 */

export interface StoredFrame {
  iteration: number;
  rows: number;
  cols: number;
  /** maze cells per frame cell (1 = full resolution) */
  scale: number;
  /** P(on path) per frame cell, 0..255, row-major */
  probs: Uint8Array;
  confidence: number;
  correct?: boolean;
  /** the picture right after an intervention (see SolveFrame.mark) */
  mark?: 'perturb' | 'swapInput';
}

/**
 * How different two frames look: the mean absolute change of P(path) per cell, in 0..255 steps (∞ across a change
 * of size or scale, so such a boundary is never thinned away).
 */
export function frameDifference(a: StoredFrame, b: StoredFrame): number {
  if (a.rows !== b.rows || a.cols !== b.cols || a.scale !== b.scale || a.probs.length !== b.probs.length) return Infinity;
  let sum = 0;
  const p = a.probs;
  const q = b.probs;
  for (let i = 0; i < p.length; i++) sum += Math.abs(p[i] - q[i]);
  return p.length ? sum / p.length : 0;
}

export class FrameStore {
  private frames: StoredFrame[] = [];
  /** change[i] = frameDifference(frames[i-1], frames[i]); change[0] = ∞ */
  private change: number[] = [];
  private bytes = 0;
  /** how many frames were thinned away (shown in the UI so the scrubber's gaps are explained) */
  dropped = 0;

  constructor(private budgetBytes = 64 * 1024 * 1024) {}

  get length(): number {
    return this.frames.length;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  setBudget(bytes: number): void {
    this.budgetBytes = Math.max(1, bytes);
    this.thin();
  }

  at(index: number): StoredFrame | undefined {
    return this.frames[index];
  }

  last(): StoredFrame | undefined {
    return this.frames[this.frames.length - 1];
  }

  /** Iteration numbers, in order. */
  iterations(): number[] {
    return this.frames.map((f) => f.iteration);
  }

  /** Index of the frame with the largest iteration ≤ `iteration` (0 when all are later). */
  indexOf(iteration: number): number {
    let lo = 0;
    let hi = this.frames.length - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.frames[mid].iteration <= iteration) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /**
   * Add a frame. A frame for an iteration already stored replaces it (the full-resolution final frame replaces its
   * downsampled twin) unless one of the two is marked: the picture right after an intervention shares its iteration
   * with the picture before it, and both belong on the timeline. An earlier iteration than the last one starts a
   * new run (a fresh solve), clearing the store.
   */
  add(frame: StoredFrame): void {
    const last = this.last();
    if (last && frame.iteration === last.iteration && !frame.mark && !last.mark) {
      this.bytes -= last.probs.byteLength;
      const i = this.frames.length - 1;
      this.frames[i] = frame;
      this.change[i] = i > 0 ? frameDifference(this.frames[i - 1], frame) : Infinity;
    } else {
      if (last && frame.iteration < last.iteration) this.clear();
      const prev = this.last();
      this.frames.push(frame);
      this.change.push(prev ? frameDifference(prev, frame) : Infinity);
    }
    this.bytes += frame.probs.byteLength;
    this.thin();
  }

  clear(): void {
    this.frames = [];
    this.change = [];
    this.bytes = 0;
    this.dropped = 0;
  }

  /** Drop the least-changed droppable frame until the budget holds (never the first, the latest, or one next to a mark). */
  private thin(): void {
    while (this.bytes > this.budgetBytes && this.frames.length > 2) {
      let best = -1;
      for (let i = 1; i < this.frames.length - 1; i++) {
        // Around an intervention, the frames before, at and right after it tell the story: they stay.
        if (this.frames[i].mark || this.frames[i - 1].mark || this.frames[i + 1].mark) continue;
        if (best < 0 || this.change[i] < this.change[best]) best = i;
      }
      if (best < 0) best = 1;
      const [gone] = this.frames.splice(best, 1);
      this.change.splice(best, 1);
      this.bytes -= gone.probs.byteLength;
      this.dropped++;
      // The survivor after the gap is now compared with the frame before the gap.
      if (best < this.frames.length) this.change[best] = frameDifference(this.frames[best - 1], this.frames[best]);
    }
  }
}
