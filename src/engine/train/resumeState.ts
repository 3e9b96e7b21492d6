/**
 * A run's resume state: the last epoch's weights plus the counters (`train-state.json`) and the optimizer's moments
 * (`optimizer.bin`) as extra files of one checkpoint, so the checkpoint store's directory swap (docs/design.md,
 * Formats: writes are atomic) publishes weights, optimizer and counters together and no crash can pair one step's
 * weights with another step's optimizer. It lives in the hidden sibling `.<name>.last` of the best checkpoint:
 * hidden, so model lists skip it; a sibling, because a checkpoint write swaps its whole directory. Every random
 * choice of a run derives from its seed by position, so no generator state is stored and a resumed run continues
 * bit for bit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../tf';
import type { Architecture } from '../../shared/architecture';
import { readCheckpointMeta } from '../checkpoint/store';
import type { OptimizerKind, OptimizerState } from './optimizer';
import type { ResolvedTrainConfig } from './trainConfig';
import type { EpochRecord } from './trainResult';

export const STATE_FILE = 'train-state.json';
const OPTIMIZER_FILE = 'optimizer.bin';
export const STATE_VERSION = 1;

export interface TrainState {
  version: number;
  config: ResolvedTrainConfig;
  /** 0-based epoch in progress */
  epoch: number;
  /** steps of that epoch already done (= stepsPerEpoch when only its validation is left) */
  stepInEpoch: number;
  globalStep: number;
  /** running sums of the epoch in progress */
  epochLoss: number;
  epochCorrect: number;
  epochSamples: number;
  epochSeconds: number;
  /** sum and largest of the steps' global gradient norms (before clipping); absent in states written before them */
  epochGradNorm?: number;
  epochGradNormMax?: number;
  bestMetric: number;
  bestEpoch: number;
  history: EpochRecord[];
  optimizer: { kind: OptimizerKind; step: number; specs: tf.io.WeightsManifestEntry[] };
}

/**
 * The resume state as files of the `.last` checkpoint: written with the weights in one directory swap, so the
 * weights, the optimizer and the counters are always from the same step (no crash can pair one with another).
 */
export async function trainStateFiles(state: Omit<TrainState, 'optimizer'>, opt: OptimizerState): Promise<Record<string, Uint8Array | string>> {
  const named: tf.NamedTensorMap = {};
  for (const [key, values] of opt.tensors) named[key] = tf.tensor(values, opt.shapes.get(key)!);
  const { data, specs } = await tf.io.encodeWeights(named);
  tf.dispose(Object.values(named));
  const full: TrainState = { ...state, optimizer: { kind: opt.kind, step: opt.step, specs } };
  return { [OPTIMIZER_FILE]: new Uint8Array(data), [STATE_FILE]: JSON.stringify(full, null, 1) };
}

export function readTrainState(dir: string): { state: TrainState; optimizer: OptimizerState } | undefined {
  const file = path.join(dir, STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  let state: TrainState;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainState;
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (state.version !== STATE_VERSION) throw new Error(`${file}: train-state version ${state.version} is not supported (expected ${STATE_VERSION})`);
  const bin = fs.readFileSync(path.join(dir, OPTIMIZER_FILE));
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const named = tf.io.decodeWeights(buf, state.optimizer.specs);
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const [key, t] of Object.entries(named)) {
    tensors.set(key, t.dataSync() as Float32Array);
    shapes.set(key, t.shape);
    t.dispose();
  }
  return { state, optimizer: { kind: state.optimizer.kind, step: state.optimizer.step, tensors, shapes } };
}

/** The selection metric and epoch recorded in a best checkpoint written by a run of the same net, if any. */
export async function recordedBest(dir: string, problem: string, arch: Architecture): Promise<{ metric: number; epoch: number } | undefined> {
  if (!fs.existsSync(path.join(dir, 'model.json'))) return undefined;
  const meta = await readCheckpointMeta(dir).catch(() => undefined);
  if (!meta || meta.problem !== problem) return undefined;
  const a = meta.architecture;
  if ((['kind', 'dims', 'width', 'inChannels', 'blocks'] as const).some((k) => a[k] !== arch[k])) return undefined;
  const m = meta.metrics as Record<string, unknown>;
  const metric = typeof m.extrapolationAccuracy === 'number' ? m.extrapolationAccuracy : m.valAccuracy;
  const epoch = m.epoch;
  return typeof metric === 'number' && typeof epoch === 'number' && epoch > 0 ? { metric, epoch } : undefined;
}

/** Where the resume state of a run writing its best checkpoint to `outDir` lives. */
export function resumeDirFor(outDir: string): string {
  const abs = path.resolve(outDir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.last`);
}
