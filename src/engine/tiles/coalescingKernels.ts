/**
 * Several mazes on one set of tile kernels: calls that several sparse thinkers make while they think side by side
 * are merged into one call per operation and patch shape, so K mazes of one size share each kernel launch instead of
 * launching their own (evaluateHalting's `tileBatch`).
 *
 * How: every call is queued, and the queue is flushed on the next macrotask (setImmediate). Thinkers that run
 * concurrently (K thinkPuzzle promises) reach their next kernel call through microtasks once the previous flush
 * resolves them, so one flush usually holds one call from each thinker that is busy. Calls of the same operation
 * and the same [h, w] are concatenated along n ([Σn, h, w, C], NHWC), run once, and each caller gets its rows back
 * as a view of the merged output. A thinker that is elsewhere (a halting check, a yield) joins a later flush;
 * merging never changes what a call computes, only how many rows share a launch.
 *
 * Inputs are copied into the merged batch at flush time, before any caller resumes, so the sparse thinker's reused
 * scratch buffers (sparseThinker.ts) stay safe: a caller does not touch them until its own call has resolved.
 */
import type { TileKernels } from './tileKernels';

type Op = 'project' | 'step' | 'head';

interface Pending {
  op: Op;
  /** per operand: the caller's rows [n,h,w,C] (project: x; step: thought, x; head: thought) */
  operands: Float32Array[];
  n: number;
  h: number;
  w: number;
  resolve: (out: Float32Array) => void;
  reject: (e: unknown) => void;
}

export interface CoalescingStats {
  /** kernel calls the thinkers made */
  calls: number;
  /** calls actually launched on the inner kernels */
  launches: number;
}

export class CoalescingKernels implements TileKernels {
  readonly name: string;
  readonly threads: number;
  readonly stats: CoalescingStats = { calls: 0, launches: 0 };
  private queue: Pending[] = [];
  private scheduled = false;
  /** flushes run one after another, so the inner kernels never see two launches at once */
  private tail: Promise<void> = Promise.resolve();

  /** `inner` stays owned by the caller: dispose() here does not dispose it. */
  constructor(private readonly inner: TileKernels) {
    this.name = inner.name;
    this.threads = inner.threads;
  }

  project(x: Float32Array, n: number, h: number, w: number): Promise<Float32Array> {
    return this.enqueue('project', [x], n, h, w);
  }

  step(thought: Float32Array, x: Float32Array, n: number, h: number, w: number): Promise<Float32Array> {
    return this.enqueue('step', [thought, x], n, h, w);
  }

  head(thought: Float32Array, n: number, h: number, w: number): Promise<Float32Array> {
    return this.enqueue('head', [thought], n, h, w);
  }

  dispose(): void {
    /* the inner kernels belong to the caller */
  }

  private enqueue(op: Op, operands: Float32Array[], n: number, h: number, w: number): Promise<Float32Array> {
    this.stats.calls++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({ op, operands, n, h, w, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.tail = this.tail.then(() => this.flush());
        });
      }
    });
  }

  /** Takes the queue when it starts, so calls made while an earlier flush ran join this one. */
  private async flush(): Promise<void> {
    const queue = this.queue;
    this.queue = [];
    this.scheduled = false;
    const groups = new Map<string, Pending[]>();
    for (const p of queue) {
      const key = `${p.op}:${p.h}x${p.w}`;
      const g = groups.get(key);
      if (g) g.push(p);
      else groups.set(key, [p]);
    }
    for (const group of groups.values()) await this.launch(group);
  }

  /** One inner call for calls of one operation and shape; each caller gets its own rows of the output. */
  private async launch(group: Pending[]): Promise<void> {
    const { op, h, w } = group[0];
    try {
      const n = group.reduce((s, p) => s + p.n, 0);
      const operands = group[0].operands.map((_, k) => (group.length === 1 ? group[0].operands[k] : concat(group.map((p) => p.operands[k]))));
      this.stats.launches++;
      const out =
        op === 'project'
          ? await this.inner.project(operands[0], n, h, w)
          : op === 'step'
            ? await this.inner.step(operands[0], operands[1], n, h, w)
            : await this.inner.head(operands[0], n, h, w);
      const perRow = out.length / n;
      let row = 0;
      for (const p of group) {
        p.resolve(group.length === 1 ? out : out.subarray(row * perRow, (row + p.n) * perRow));
        row += p.n;
      }
    } catch (e) {
      for (const p of group) p.reject(e);
    }
  }
}

/** The callers' rows one after another (each operand is [n_i, h, w, C] with the same h, w, C). */
function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, a) => s + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
