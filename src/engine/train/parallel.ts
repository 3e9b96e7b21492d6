/**
 * Data-parallel gradients over worker_threads.
 *
 * Why: tfjs-backend-wasm runs single-threaded under Node, so one process uses one core. Each worker holds a copy of
 * the model; per step the main thread sends the current weights (Float32Array transfers) and a contiguous shard of
 * the batch, the workers return their gradients, and the main thread averages them and applies the optimizer.
 *
 * The average is weighted by counted positions (mask sums), so it equals the gradient of the whole batch's loss
 * (a mean over all counted positions, as in the paper) up to float rounding: with shard s having c_s counted positions
 * and loss L_s = mean over them,  ∇L = Σ_s (c_s / Σc) ∇L_s. The progressive draw (n, k) is made once, on the main
 * thread, and sent to every worker.
 *
 * Each worker initialises the same backend as this thread (DEEP_THINKING_BACKEND in its environment). In the
 * bundle the worker is dist/trainWorker.js next to the running bundle; under tsx (tests) it is worker.ts.
 */
import { Worker } from 'node:worker_threads';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { tf, backendInfo, type BackendPreference } from '../tf';
import type { Architecture } from '../../shared/architecture';
import type { Batch } from '../../shared/problems/problem';
import type { DTNet } from '../models/dtNet';
import type { GradientPlan, GradientResult } from './progressiveLoss';

// ---- protocol ------------------------------------------------------------------------------------------------
export interface WorkerData {
  arch: Architecture;
  /** weight names, in the order of every Float32Array[] exchanged */
  names: string[];
}
export type WorkerRequest =
  | { type: 'weights'; values: Float32Array[] }
  | { type: 'grad'; id: number; batch: Batch; plan: GradientPlan }
  | { type: 'eval'; id: number; input: Float32Array; shape: number[]; iterations: number };
export type WorkerResponse =
  | { type: 'ready'; backend: string }
  | { type: 'grad'; id: number; grads: Float32Array[]; loss: number; count: number; class1: Float32Array; accuracyIteration: number }
  | { type: 'eval'; id: number; class1: Float32Array }
  | { type: 'error'; id: number; message: string; stack?: string };

/** Cores available to this process (Node's `os.availableParallelism`, falling back to the CPU count). */
export function availableThreads(): number {
  const f = (os as { availableParallelism?: () => number }).availableParallelism;
  return Math.max(1, f ? f() : os.cpus().length);
}

/**
 * Gradient worker threads to use by default: one per core for single-threaded backends (wasm), one for backends that
 * thread themselves (libtorch, libtensorflow), where more workers would only fight over the same cores.
 */
export function defaultGradientThreads(): number {
  const name = backendInfo().name;
  return name === 'wasm' || name === 'cpu' ? availableThreads() : 1;
}

/**
 * Start one worker. In the bundle: dist/trainWorker.js next to the running bundle. Under tsx (tests, scripts):
 * worker.ts, through a tiny CommonJS bootstrap that registers tsx's require hook first (Node 20 does not pass the
 * parent's `--import tsx` loader to workers started from a .ts file).
 */
function spawnWorker(data: WorkerData, env: NodeJS.ProcessEnv): { worker: Worker; file: string } {
  if (__filename.endsWith('.ts')) {
    const file = path.join(__dirname, 'worker.ts');
    const tsx = createRequire(__filename).resolve('tsx/cjs/api');
    const boot = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
    return { worker: new Worker(boot, { eval: true, workerData: data, env }), file };
  }
  const file = path.join(__dirname, 'trainWorker.js');
  return { worker: new Worker(file, { workerData: data, env }), file };
}

/** The preference that makes a worker pick the backend this thread runs. */
function workerBackend(): BackendPreference {
  const info = backendInfo();
  if (info.name === 'wasm' || info.name === 'cpu' || info.name === 'torch') return info.name as BackendPreference;
  return info.requested === 'gpu' ? 'gpu' : 'native';
}

/**
 * Split a batch into `parts` contiguous shards of near-equal size (fewer when the batch is smaller). The shards'
 * arrays are copies, so they can be transferred.
 */
export function splitBatch(batch: Batch, parts: number): Batch[] {
  const positions = batch.spatial.reduce((a, b) => a * b, 1);
  const shards: Batch[] = [];
  const p = Math.max(1, Math.min(parts, batch.n));
  let start = 0;
  for (let s = 0; s < p; s++) {
    const size = Math.floor(batch.n / p) + (s < batch.n % p ? 1 : 0);
    const a = start * positions;
    const b = (start + size) * positions;
    shards.push({
      input: batch.input.slice(a * batch.channels, b * batch.channels),
      target: batch.target.slice(a, b),
      mask: batch.mask?.slice(a, b),
      spatial: batch.spatial.slice(),
      n: size,
      channels: batch.channels,
    });
    start += size;
  }
  return shards;
}

interface Pending {
  resolve: (r: WorkerResponse) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: WorkerResponse) => {
      if (msg.type === 'ready') return;
      if (msg.type === 'error' && msg.id === -1) return this.fail(new Error(msg.message));
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Error(`train worker: ${msg.message}`));
      else p.resolve(msg);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`train worker exited with code ${code}`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  post(msg: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(msg, transfer);
  }

  request<T extends WorkerResponse>(make: (id: number) => WorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: WorkerResponse) => void, reject });
      this.worker.postMessage(make(id), transfer);
    });
  }
}

function waitReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: WorkerResponse) => {
      if (msg.type === 'ready') done(), resolve();
      else if (msg.type === 'error') done(), reject(new Error(msg.message));
    };
    const onError = (e: Error) => (done(), reject(e));
    const onExit = (code: number) => (done(), reject(new Error(`train worker exited with code ${code} while starting`)));
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** A pool of gradient workers for one architecture. */
export class GradientWorkers {
  private closed = false;

  private constructor(
    private readonly handles: WorkerHandle[],
    private readonly names: string[],
    private readonly shapes: number[][],
  ) {}

  /**
   * Start `threads` workers for models of `model`'s architecture (the backend must be initialised on this thread
   * first). The workers get their weights from syncWeights.
   */
  static async start(model: DTNet, threads: number): Promise<GradientWorkers> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const arch: Architecture = { ...model.arch };
    const names = [...model.weights.keys()];
    const shapes = names.map((n) => model.weights.get(n)!.shape.slice());
    const env = { ...process.env, DEEP_THINKING_BACKEND: workerBackend() };
    const data: WorkerData = { arch, names };
    const spawned = Array.from({ length: threads }, () => spawnWorker(data, env));
    const workers = spawned.map((s) => s.worker);
    const file = spawned[0].file;
    try {
      await Promise.all(workers.map(waitReady));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw new Error(`could not start ${threads} training worker(s) from ${file}: ${(e as Error).message}`);
    }
    return new GradientWorkers(
      workers.map((w) => new WorkerHandle(w)),
      names,
      shapes,
    );
  }

  get threads(): number {
    return this.handles.length;
  }

  /** Send the model's current weights to every worker (before the next gradient or evaluation). */
  syncWeights(model: DTNet): void {
    const values = this.names.map((n) => {
      const v = model.weights.get(n);
      if (!v) throw new Error(`model has no weight "${n}"`);
      return v.dataSync() as Float32Array;
    });
    for (const h of this.handles) {
      const copies = values.map((v) => new Float32Array(v));
      h.post({ type: 'weights', values: copies }, copies.map((c) => c.buffer as ArrayBuffer));
    }
  }

  /** The whole batch's loss and gradients, computed shard by shard in the workers (weights synced first). */
  async computeGradients(batch: Batch, plan: GradientPlan): Promise<GradientResult> {
    const shards = splitBatch(batch, this.threads);
    const replies = await Promise.all(
      shards.map((shard, i) =>
        this.handles[i].request<Extract<WorkerResponse, { type: 'grad' }>>(
          (id) => ({ type: 'grad', id, batch: shard, plan }),
          [shard.input.buffer as ArrayBuffer, shard.target.buffer as ArrayBuffer, ...(shard.mask ? [shard.mask.buffer as ArrayBuffer] : [])],
        ),
      ),
    );
    const total = replies.reduce((a, r) => a + r.count, 0);
    const w = replies.map((r) => (total > 0 ? r.count / total : 1 / replies.length));
    const grads = new Map<string, tf.Tensor>();
    this.names.forEach((name, j) => {
      const sum = new Float32Array(replies[0].grads[j].length);
      replies.forEach((r, s) => {
        const g = r.grads[j];
        for (let i = 0; i < sum.length; i++) sum[i] += w[s] * g[i];
      });
      grads.set(name, tf.tensor(sum, this.shapes[j]));
    });
    const class1 = new Float32Array(replies.reduce((a, r) => a + r.class1.length, 0));
    let off = 0;
    for (const r of replies) class1.set(r.class1, off), (off += r.class1.length);
    return {
      grads,
      loss: replies.reduce((a, r, s) => a + w[s] * r.loss, 0),
      count: total,
      class1,
      accuracyIteration: replies[0].accuracyIteration,
    };
  }

  /** class1 [N, ...spatial] at `iterations`, forward only, the batch split across the workers (weights synced first). */
  async predictClass1(batch: Batch, iterations: number): Promise<Float32Array> {
    const shards = splitBatch(batch, this.threads);
    const replies = await Promise.all(
      shards.map((shard, i) =>
        this.handles[i].request<Extract<WorkerResponse, { type: 'eval' }>>(
          (id) => ({ type: 'eval', id, input: shard.input, shape: [shard.n, ...shard.spatial, shard.channels], iterations }),
          [shard.input.buffer as ArrayBuffer],
        ),
      ),
    );
    const out = new Float32Array(replies.reduce((a, r) => a + r.class1.length, 0));
    let off = 0;
    for (const r of replies) out.set(r.class1, off), (off += r.class1.length);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
