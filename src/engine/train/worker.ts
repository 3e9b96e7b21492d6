/**
 * worker_threads entry (bundled as dist/trainWorker.js): holds a copy of the model and computes the gradient of a
 * shard of a batch, or forward-only class-1 scores for validation. See parallel.ts for the protocol and why.
 *
 * The backend is the one the main thread uses (parallel.ts passes it in DEEP_THINKING_BACKEND).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tf, initBackend, backendFromEnv } from '../tf';
import { createModel } from '../models/createModel';
import type { DTNet } from '../models/dtNet';
import { computeGradients, predictClass1 } from './progressiveLoss';
import type { WorkerData, WorkerRequest, WorkerResponse } from './parallel';

const port = parentPort;
if (!port) throw new Error('train worker: must run inside worker_threads');

const data = workerData as WorkerData;
let model: DTNet | undefined;

function send(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

/** Own copies (the buffers are transferred, and some backends hand out their own storage from dataSync). */
function owned(a: Float32Array): Float32Array {
  return new Float32Array(a);
}

function setWeights(values: Float32Array[]): void {
  if (values.length !== data.names.length) throw new Error(`train worker: got ${values.length} weights, expected ${data.names.length}`);
  if (!model) {
    model = createModel(data.arch, new Map(data.names.map((n, i) => [n, values[i]])));
    return;
  }
  data.names.forEach((name, i) => {
    const v = model!.weights.get(name)!;
    const t = tf.tensor(values[i], v.shape);
    v.assign(t);
    t.dispose();
  });
}

function handle(msg: WorkerRequest): void {
  switch (msg.type) {
    case 'weights':
      setWeights(msg.values);
      return; // no reply: messages are ordered, the next request sees these weights
    case 'grad': {
      if (!model) throw new Error('train worker: gradient requested before weights');
      const r = computeGradients(model, msg.batch, msg.plan);
      const grads = data.names.map((n) => {
        const g = r.grads.get(n)!;
        const a = owned(g.dataSync() as Float32Array);
        g.dispose();
        return a;
      });
      const class1 = owned(r.class1);
      send(
        { type: 'grad', id: msg.id, grads, loss: r.loss, count: r.count, class1, accuracyIteration: r.accuracyIteration },
        [...grads.map((g) => g.buffer as ArrayBuffer), class1.buffer as ArrayBuffer],
      );
      return;
    }
    case 'eval': {
      if (!model) throw new Error('train worker: evaluation requested before weights');
      const class1 = owned(predictClass1(model, msg.input, msg.shape, msg.iterations));
      send({ type: 'eval', id: msg.id, class1 }, [class1.buffer as ArrayBuffer]);
      return;
    }
  }
}

async function main(): Promise<void> {
  const info = await initBackend(backendFromEnv());
  port!.on('message', (msg: WorkerRequest) => {
    try {
      handle(msg);
    } catch (e) {
      const err = e as Error;
      send({ type: 'error', id: 'id' in msg ? msg.id : -1, message: err.message, stack: err.stack });
    }
  });
  send({ type: 'ready', backend: info.name });
}

main().catch((e: Error) => send({ type: 'error', id: -1, message: `train worker failed to start: ${e.message}`, stack: e.stack }));
