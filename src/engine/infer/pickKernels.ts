/**
 * Choose the fastest thinking engine available on this machine, at run time (issue #4: "pick the fastest
 * inference path you can measure and keep the others as fallbacks").
 *
 * Candidates: onnxruntime-node (optional dependency; multi-threaded CPU) and tfjs through whatever backend tf.ts
 * initialised (wasm always works). With `engine: 'auto'` each available candidate runs a few steps on a batch of
 * typical tile patches and the quickest wins; the choice and the timings are reported through `log`.
 */
import type { DTNet } from '../models/dtNet';
import { ortKernels } from './ortBackend';
import { tfjsKernels, type TileKernels } from './tileKernels';
import { resolvePrecision, type PrecisionChoice } from './precision';

export type ThinkEngine = 'auto' | 'tfjs' | 'ort';
export const THINK_ENGINES: readonly ThinkEngine[] = ['auto', 'tfjs', 'ort'];

export interface PickedKernels {
  kernels: TileKernels;
  /** one line for logs: what was chosen and why */
  reason: string;
  /** measured ms per calibration step, by engine name (only with 'auto') */
  timings: Record<string, number>;
}

export interface PickOptions {
  engine?: ThinkEngine;
  /** ORT threads (default: all cores) */
  threads?: number;
  /** patch side used for calibration (default 42 = 32-px tile + 2·5 halo) */
  patch?: number;
  /** patches per calibration batch (default 8) */
  batch?: number;
  log?: (line: string) => void;
  /**
   * Precision of the tfjs kernels (default 'float32'; 'auto': bfloat16 where available, see precision.ts).
   * onnxruntime-node always computes in float32.
   */
  precision?: PrecisionChoice;
}

export async function pickKernels(net: DTNet, opts: PickOptions = {}): Promise<PickedKernels> {
  const engine = opts.engine ?? 'auto';
  const log = opts.log ?? (() => undefined);
  if (!THINK_ENGINES.includes(engine)) throw new Error(`unknown thinking engine "${engine}"; expected one of ${THINK_ENGINES.join(', ')}`);
  const precision = resolvePrecision(opts.precision ?? 'float32');
  const tfjs = () => tfjsKernels(net, precision);
  if (engine === 'tfjs') {
    const k = tfjs();
    const reason = `thinking engine: ${k.name} (requested)`;
    log(reason);
    return { kernels: k, reason, timings: {} };
  }
  if (engine === 'ort') {
    const k = await ortKernels(net, { threads: opts.threads }); // throws with the reason when unavailable
    const reason = `thinking engine: ${k.name} (requested)`;
    log(reason);
    return { kernels: k, reason, timings: {} };
  }
  // The winner depends on the machine and the net's shape, not its weights: calibrate once per process and shape.
  const key = `${net.arch.kind}:${net.arch.width}:${net.arch.blocks}:${opts.threads ?? 'all'}:${precision}`;
  const known = decided.get(key);
  if (known) {
    const k = known.engine === 'ort' ? await ortKernels(net, { threads: opts.threads }) : tfjs();
    const reason = `thinking engine: ${k.name} (${known.reason})`;
    log(reason);
    return { kernels: k, reason, timings: known.timings };
  }
  const candidates: TileKernels[] = [tfjs()];
  let ortProblem = '';
  try {
    candidates.unshift(await ortKernels(net, { threads: opts.threads }));
  } catch (e) {
    ortProblem = ` (${(e as Error).message})`;
  }
  const timings: Record<string, number> = {};
  const p = opts.patch ?? 42;
  const n = opts.batch ?? 8;
  const { width, inChannels } = net.arch;
  const x = new Float32Array(n * p * p * inChannels).map((_, i) => ((i * 2654435761) >>> 0) / 2 ** 32);
  const t = new Float32Array(n * p * p * width).map((_, i) => ((i * 40503) % 1000) / 1000);
  let best: TileKernels | undefined;
  for (const k of candidates) {
    await k.step(t, x, n, p, p); // warm-up: first calls build kernels and arenas
    let ms = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      await k.step(t, x, n, p, p);
      ms = Math.min(ms, performance.now() - t0);
    }
    timings[k.name] = ms;
    if (!best || ms < timings[best.name]) best = k;
  }
  for (const k of candidates) if (k !== best) k.dispose();
  const reason =
    `thinking engine: ${best!.name}, fastest of ` +
    Object.entries(timings).map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`).join(', ') +
    ` per ${n}×${p}×${p} step${ortProblem}`;
  log(reason);
  decided.set(key, { engine: best!.name.startsWith('onnxruntime') ? 'ort' : 'tfjs', reason: 'measured earlier in this process', timings });
  return { kernels: best!, reason, timings };
}

const decided = new Map<string, { engine: 'ort' | 'tfjs'; reason: string; timings: Record<string, number> }>();
