/**
 * onnxruntime-node as a thinking engine: the net's projection, recurrent step and head are
 * exported to ONNX (onnxExport.ts) and run by ORT's CPU execution provider on all cores.
 *
 * onnxruntime-node is an *optional* dependency (its CPU binary ships inside the npm package; install it with
 * ONNXRUNTIME_NODE_INSTALL=skip so its install script does not try to fetch CUDA). It is loaded at run time with
 * createRequire, so bundlers leave it alone and a missing or broken install only means "not available".
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import type { DTNet } from '../models/dtNet';
import { exportOnnx, ONNX_NAMES } from './onnxExport';
import type { TileKernels } from './tileKernels';

// The subset of onnxruntime-node's API used here (its own typings are not needed to compile without it).
interface OrtTensor {
  data: unknown;
  dispose?(): void;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  env: { versions?: { node?: string } };
}

let cached: { ort?: OrtModule; error?: string } | undefined;

/** onnxruntime-node, or undefined with the reason (not installed, binary fails to load, …). */
export function loadOrt(): { ort?: OrtModule; error?: string } {
  if (!cached) {
    try {
      cached = { ort: createRequire(__filename)('onnxruntime-node') as OrtModule };
    } catch (e) {
      cached = { error: `onnxruntime-node is not available: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return cached;
}

export interface OrtKernelOptions {
  /** intra-op threads; default: all cores (os.availableParallelism()) */
  threads?: number;
  /** let idle ORT worker threads spin (faster on an idle machine, much slower on a busy one); default false */
  spin?: boolean;
}

/** Build ORT sessions for a tied 2-D net. Throws when onnxruntime-node is unavailable or rejects the graphs. */
export async function ortKernels(net: DTNet, opts: OrtKernelOptions = {}): Promise<TileKernels> {
  const { ort, error } = loadOrt();
  if (!ort) throw new Error(error);
  const threads = Math.max(1, opts.threads ?? os.availableParallelism());
  const weights = await net.inferenceWeights();
  const sessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Spinning worker threads burn the cores while waiting; on a shared machine (or beside the extension host and
    // the editor's renderer) that makes every other process, and then ORT itself, slower. Same lesson as OpenMP's
    // OMP_WAIT_POLICY=PASSIVE.
    extra: { session: { intra_op: { allow_spinning: opts.spin ? '1' : '0' } } },
  };
  const make = (kind: 'project' | 'step' | 'head') => ort.InferenceSession.create(exportOnnx(net.arch, weights, kind), sessionOptions);
  const [project, step, head] = await Promise.all([make('project'), make('step'), make('head')]);
  const { width, inChannels } = net.arch;
  const tensor = (v: Float32Array, n: number, h: number, w: number, c: number) => new ort.Tensor('float32', v, [n, h, w, c]);
  const out = (r: Record<string, OrtTensor>, name: string): Float32Array => {
    const t = r[name];
    const data = t.data as Float32Array;
    // Copy out of ORT's buffer before releasing it, so nothing native outlives the call.
    const copy = data.slice();
    t.dispose?.();
    return copy;
  };
  return {
    name: `onnxruntime-node ${ort.env.versions?.node ?? ''} (cpu, ${threads} thread${threads === 1 ? '' : 's'})`.replace('  ', ' '),
    threads,
    async project(x, n, h, w) {
      return out(await project.run({ [ONNX_NAMES.x]: tensor(x, n, h, w, inChannels) }), ONNX_NAMES.thought);
    },
    async step(thought, x, n, h, w) {
      const r = await step.run({ [ONNX_NAMES.thought]: tensor(thought, n, h, w, width), [ONNX_NAMES.x]: tensor(x, n, h, w, inChannels) });
      return out(r, ONNX_NAMES.next);
    },
    async head(thought, n, h, w) {
      return out(await head.run({ [ONNX_NAMES.thought]: tensor(thought, n, h, w, width) }), ONNX_NAMES.logits);
    },
    dispose() {
      void project.release();
      void step.release();
      void head.release();
    },
  };
}
