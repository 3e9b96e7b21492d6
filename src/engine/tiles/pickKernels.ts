/**
 * Choose the fastest thinking engine available on this machine, at run time ("pick the fastest
 * inference path you can measure and keep the others as fallbacks").
 *
 * Candidates: onnxruntime-node (optional dependency; multi-threaded CPU) and tfjs through whatever backend tf.ts
 * initialised (wasm always works). With `engine: 'auto'` each available candidate runs a few steps on a batch of
 * typical tile patches and the quickest wins; the choice and the timings are reported through `log`.
 */
import type { DTNet } from '../models/dtNet';
import { ortKernels } from './ortBackend';
import { tfjsKernels, type TileKernels } from './tileKernels';
import { resolvePrecision, type PrecisionChoice } from '../solve/precision';

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
  /** calibrate on one batch of this patch side instead of CALIBRATION_SHAPES */
  patch?: number;
  /** patches in that batch (default 8) */
  batch?: number;
  log?: (line: string) => void;
  /**
   * Precision of the tfjs kernels (default 'float32'; 'auto': bfloat16 where available, see precision.ts).
   * onnxruntime-node always computes in float32.
   */
  precision?: PrecisionChoice;
}

/**
 * Batches [patches, side] timed for 'auto': what the sparse thinker runs — mostly single 16-px tiles with their
 * 5-px halo (26 px), some quadtree blocks (42, 74 px) and batches of them. One big batch alone misleads: tfjs on
 * libtorch wins 8×42×42 (9.7 vs 10.6 ms) but loses 1×26×26 (1.6 vs 0.6 ms: ~20 kernel calls of fixed cost per
 * step), and a 201×201 solve took 282 s on it against 191 s on onnxruntime-node.
 */
export const CALIBRATION_SHAPES: [number, number][] = [
  [8, 42],
  [4, 26],
  [1, 26],
  [1, 26],
  [1, 74],
];

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
  const shapes: [number, number][] = opts.patch !== undefined || opts.batch !== undefined ? [[opts.batch ?? 8, opts.patch ?? 42]] : CALIBRATION_SHAPES;
  const { width, inChannels } = net.arch;
  let best: TileKernels | undefined;
  for (const k of candidates) {
    let total = 0;
    for (const [n, p] of shapes) {
      const x = new Float32Array(n * p * p * inChannels).map((_, i) => ((i * 2654435761) >>> 0) / 2 ** 32);
      const t = new Float32Array(n * p * p * width).map((_, i) => ((i * 40503) % 1000) / 1000);
      await k.step(t, x, n, p, p); // warm-up: first calls build kernels and arenas
      let ms = Infinity;
      for (let rep = 0; rep < 3; rep++) {
        const t0 = performance.now();
        await k.step(t, x, n, p, p);
        ms = Math.min(ms, performance.now() - t0);
      }
      total += ms;
    }
    timings[k.name] = total;
    if (!best || total < timings[best.name]) best = k;
  }
  for (const k of candidates) if (k !== best) k.dispose();
  const reason =
    `thinking engine: ${best!.name}, fastest of ` +
    Object.entries(timings).map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`).join(', ') +
    ` for steps on ${shapes.map(([n, p]) => `${n}×${p}×${p}`).join(' + ')} px${ortProblem}`;
  log(reason);
  decided.set(key, { engine: best!.name.startsWith('onnxruntime') ? 'ort' : 'tfjs', reason: 'measured earlier in this process', timings });
  return { kernels: best!, reason, timings };
}

const decided = new Map<string, { engine: 'ort' | 'tfjs'; reason: string; timings: Record<string, number> }>();
