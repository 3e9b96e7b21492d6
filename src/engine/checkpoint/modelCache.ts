/**
 * Loaded models, shared by the solve sessions and evaluations of one engine process, with reference counts: an
 * entry is disposed only when nobody holds it and it was either evicted (more than `max` idle models) or replaced
 * (its checkpoint changed on disk: a training run rewrote it). Loading a checkpoint costs ~100 ms and a wasm
 * model's weights stay in memory, so re-solving in an editor reuses the model instead of reloading it each time.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';

interface Disposable {
  model: { dispose(): void };
}

interface Entry<T> {
  value: Promise<T>;
  refs: number;
  stamp: string | undefined;
  /** replaced by a newer load: dispose when the last holder releases it */
  retired: boolean;
  lastUsed: number;
}

/** mtime of a checkpoint's model.json (or of a .pth file); undefined for bundled names and missing paths. */
export function modelStamp(spec: string): string | undefined {
  for (const p of [path.join(spec, 'model.json'), spec]) {
    try {
      const st = statSync(p);
      if (st.isFile()) return `${st.mtimeMs}:${st.size}`;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

export class ModelCache<T extends Disposable> {
  private readonly entries = new Map<string, Entry<T>>();
  private clock = 0;

  constructor(
    private readonly load: (spec: string) => Promise<T>,
    private readonly max = 4,
    private readonly stamp: (spec: string) => string | undefined = modelStamp,
  ) {}

  private key(spec: string): string {
    return modelStamp(spec) !== undefined ? path.resolve(spec) : spec;
  }

  /** True when the checkpoint behind `spec` changed since it was loaded. */
  isStale(spec: string): boolean {
    const e = this.entries.get(this.key(spec));
    return !!e && e.stamp !== this.stamp(spec);
  }

  async acquire(spec: string): Promise<{ value: T; release: () => void }> {
    const key = this.key(spec);
    let e = this.entries.get(key);
    if (e && e.stamp !== this.stamp(spec)) {
      this.retire(key, e);
      e = undefined;
    }
    if (!e) {
      e = { value: this.load(spec), refs: 0, stamp: this.stamp(spec), retired: false, lastUsed: 0 };
      this.entries.set(key, e);
      // A failed load is not cached.
      e.value.catch(() => {
        if (this.entries.get(key) === e) this.entries.delete(key);
      });
    }
    const entry = e;
    entry.refs++;
    entry.lastUsed = ++this.clock;
    let value: T;
    try {
      value = await entry.value;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    let released = false;
    this.evict();
    return {
      value,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.retired && entry.refs === 0) void entry.value.then((v) => v.model.dispose(), () => undefined);
        this.evict();
      },
    };
  }

  /** Forget `spec` (its files changed); holders keep their copy until they release it. */
  invalidate(spec: string): void {
    const key = this.key(spec);
    const e = this.entries.get(key);
    if (e) this.retire(key, e);
  }

  /** Number of cached (not retired) models. */
  get size(): number {
    return this.entries.size;
  }

  private retire(key: string, e: Entry<T>): void {
    this.entries.delete(key);
    e.retired = true;
    if (e.refs === 0) void e.value.then((v) => v.model.dispose(), () => undefined);
  }

  private evict(): void {
    if (this.entries.size <= this.max) return;
    const idle = [...this.entries].filter(([, e]) => e.refs === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key, e] of idle) {
      if (this.entries.size <= this.max) break;
      this.retire(key, e);
    }
  }

  dispose(): void {
    for (const [key, e] of [...this.entries]) {
      this.retire(key, e);
      if (e.refs > 0) void e.value.then((v) => v.model.dispose(), () => undefined);
    }
  }
}
