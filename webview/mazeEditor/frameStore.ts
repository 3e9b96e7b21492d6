/**
 * The timeline's memory: the per-iteration frames received from the engine, kept within a byte budget (pure;
 * unit-tested). When the budget is exceeded, every other frame of the older half is dropped, so a long run keeps an
 * evenly thinned history (first and latest frames always kept) instead of growing without bound — 25,000 iterations
 * of a 256×256 frame would otherwise be 1.6 GB.
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
}

export class FrameStore {
  private frames: StoredFrame[] = [];
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
   * downsampled twin); an earlier iteration than the last one starts a new run (a fresh solve), clearing the store.
   */
  add(frame: StoredFrame): void {
    const last = this.last();
    if (last && frame.iteration === last.iteration) {
      this.bytes -= last.probs.byteLength;
      this.frames[this.frames.length - 1] = frame;
    } else {
      if (last && frame.iteration < last.iteration) this.clear();
      this.frames.push(frame);
    }
    this.bytes += frame.probs.byteLength;
    this.thin();
  }

  clear(): void {
    this.frames = [];
    this.bytes = 0;
    this.dropped = 0;
  }

  private thin(): void {
    while (this.bytes > this.budgetBytes && this.frames.length > 2) {
      // Drop every other frame among the older half (never the first or the latest).
      const half = Math.max(2, Math.floor(this.frames.length / 2));
      const kept: StoredFrame[] = [];
      for (let i = 0; i < this.frames.length; i++) {
        const drop = i > 0 && i < half && i % 2 === 1 && i !== this.frames.length - 1;
        if (drop) {
          this.bytes -= this.frames[i].probs.byteLength;
          this.dropped++;
        } else kept.push(this.frames[i]);
      }
      if (kept.length === this.frames.length) {
        // Nothing droppable in the older half (3 frames left): drop the middle one.
        const [mid] = this.frames.splice(1, 1);
        this.bytes -= mid.probs.byteLength;
        this.dropped++;
      } else this.frames = kept;
    }
  }
}
