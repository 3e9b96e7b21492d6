/**
 * Reads model metadata for model lists off the engine's request loop: in a worker thread, one file at a time,
 * each within a size and a time budget. A file over budget is listed with an error; the worker that overran is
 * terminated and the next file gets a fresh one.
 */
import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CheckpointMeta } from './format';

export const INSPECT_LIMITS = {
  /** per file, from the request to the answer */
  millis: 10_000,
  /** .pth files bigger than this are not opened for a list (they still load by path) */
  pthBytes: 1024 * 1024 * 1024,
  /** a model.json is a few KB */
  modelJsonBytes: 16 * 1024 * 1024,
};

type Reply = { id: number; meta?: CheckpointMeta; error?: string };

/** The worker: dist/modelInspectWorker.js in the bundle, the .ts source through tsx's require hook under tsx. */
function spawn(): Worker {
  if (__filename.endsWith('.ts')) {
    const file = path.join(__dirname, 'modelInspectWorker.ts');
    const tsx = createRequire(__filename).resolve('tsx/cjs/api');
    return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, { eval: true });
  }
  return new Worker(path.join(__dirname, 'modelInspectWorker.js'));
}

export class ModelInspector {
  private worker: Worker | undefined;
  private nextId = 0;
  /** one file at a time: the time budget then measures that file alone */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly limits = INSPECT_LIMITS) {}

  /** model.json (origin 'checkpoint': `p` is the directory) or .pth metadata; rejects with a message naming `p`. */
  inspect(p: string, origin: 'checkpoint' | 'pth'): Promise<CheckpointMeta> {
    const run = this.queue.then(() => this.inspectNow(p, origin));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async inspectNow(p: string, origin: 'checkpoint' | 'pth'): Promise<CheckpointMeta> {
    const file = origin === 'pth' ? p : path.join(p, 'model.json');
    const max = origin === 'pth' ? this.limits.pthBytes : this.limits.modelJsonBytes;
    const st = await stat(file).catch(() => undefined);
    if (st && st.size > max) throw new Error(`${file}: is ${st.size.toLocaleString('en-US')} bytes, over the ${max.toLocaleString('en-US')} that model lists open; load it by path instead`);
    const worker = (this.worker ??= spawn());
    const id = this.nextId++;
    return new Promise<CheckpointMeta>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      const onMessage = (r: Reply) => {
        if (r.id !== id) return;
        done();
        if (r.meta) resolve(r.meta);
        else reject(new Error(r.error ?? `${file}: unreadable`));
      };
      const onError = (e: Error) => {
        done();
        this.worker = undefined;
        reject(new Error(`${file}: could not be inspected: ${e.message}`));
      };
      const timer = setTimeout(() => {
        done();
        // The worker may be stuck in a pathological file: end it; the next file gets a new one.
        this.worker = undefined;
        void worker.terminate();
        reject(new Error(`${file}: reading its metadata took longer than ${this.limits.millis / 1000} s; skipped`));
      }, this.limits.millis);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, path: p, origin });
    });
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
