/**
 * The engine's one way to think about a puzzle. The editor's solve session, `predict`, `eval` (fixed iterations,
 * `--record` and `auto`) and the engine's evaluate request all build their state here and halt by the same rule:
 *
 *   - which state (ThinkingPath.create): dense tfjs tensors for small images and for every net or problem the tile
 *     thinker cannot take; the sparse tile thinker for 2-D nets with tied weights on images of at least
 *     `tileMinPixels` pixels (64×64 on wasm/cpu, 256×256 on a native backend) when a fast engine for tiles exists
 *     (onnxruntime-node, or tfjs on a native backend); on libtorch with bfloat16 convolutions, a dense bfloat16 warm
 *     start that hands over to float32 tiles once the front thins (WarmStartThinking); on a CUDA device, always
 *     dense (tiles dispatch too many small kernels for a GPU), with the same bfloat16 start handing over to dense
 *     float32; an evaluation's dense batches of small mazes run on onnxruntime-node's kernels instead of tfjs-wasm
 *     where the pure npm install has them (denseKernels, kernelThink.ts);
 *   - when to stop under `auto` (AutoHalting): the prediction unchanged for `patience` iterations with mean
 *     confidence ≥ `threshold` (halting.ts), or, for mazes, a class map that differs in at most 0.01 % of its pixels
 *     from the one SETTLED_PATIENCE iterations earlier, or the tile thinker at its 2-cycle (nothing left to compute);
 *     capped, for a maze, at 2 × its dead-end depth + 100 (mazeHaltingCap: the longest BFS distance from the S→G
 *     path to an open unit, which is what a solver has to erase), and otherwise at defaultHaltingCap(positions) =
 *     clamp(positions, 1000, 50000); at most 50,000 either way.
 *
 * Deep-thinking nets with recall do not overthink (Bansal et al. 2022, §4–5), so stopping at a settled answer
 * loses nothing; the cap bounds nets that never settle.
 */
import { checkDenseFits } from './denseLimit';
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import { resolvePrecision, torchOnCuda, type PrecisionChoice, type ThinkingPrecision } from './precision';
import { pickKernels, type ThinkEngine } from '../tiles/pickKernels';
import type { TileKernels } from '../tiles/tileKernels';
import { CoalescingKernels } from '../tiles/coalescingKernels';
import { WarmStartThinking, type WarmStartOptions } from './warmStartThinking';
import { TensorThinking, TileThinking, type Thinking, type ThinkingInput, type TileThinkingOptions } from './thinking';
import {
  class1Tensor,
  HaltingMonitor,
  resolveHaltingOptions,
  SETTLED_FLICKER,
  SETTLED_PATIENCE,
  SettledRule,
  type HaltingOptions,
} from './halting';
import { isCancelled, Yielder, type CancellationLike } from '../eval/cancellation';

export interface ThinkingPathOptions {
  /**
   * 'auto' (default): tiles when the image has at least `tileMinPixels` pixels and a fast engine for tiles exists
   * (pickKernels measures: onnxruntime-node, or tfjs on a native backend), else tfjs tensors. 'dense': always tfjs
   * tensors. 'tiles': always tiles, on the fastest kernels (tfjs-wasm included). Only 2-D nets with tied weights
   * can use tiles; everything else is dense.
   */
  thinking?: 'auto' | 'dense' | 'tiles';
  /**
   * Smallest image (pixels) that 'auto' sends to the tile thinker. Default: 64×64 on wasm/cpu (dense wasm is 4×
   * slower than tiles on ORT at 124×124 px); 256×256 on a native backend, whose dense convolutions win while most of
   * the image is busy (124×124 px: 14.5 ms/iteration dense vs ~19 tiles) and lose on big mazes (408×408: ~124 vs 85).
   */
  tileMinPixels?: number;
  /** tile size and tolerances of the tile thinker (defaults: TILE_DEFAULTS) */
  tiles?: TileThinkingOptions;
  /**
   * 'auto' (default): in 'auto' thinking on a native libtorch backend, a maze big enough for tiles starts dense with
   * bfloat16 convolutions where the CPU has them and hands over to float32 tiles once the front thins; 'bfloat16':
   * the same, but an error where bfloat16 is unavailable; 'float32': never bfloat16.
   */
  precision?: PrecisionChoice;
  /** which kernels run the tiles (default 'auto': pickKernels measures) */
  tileEngine?: ThinkEngine;
  /** when the bfloat16 start hands over to the tiles (see WarmStartOptions) */
  warmStart?: WarmStartOptions;
  /**
   * Whether the engine computes on a CUDA device (default: asks the torch backend). In 'auto' thinking a GPU never
   * takes tiles: one 801×801 maze on an H200 cost 1,975 ms per iteration on tiles against 4.3 ms dense in
   * bfloat16 (docs/benchmarks.md, "On a GPU"), because the tile thinker's many small kernels are each launched from
   * the host while one dense convolution fills the device.
   */
  onCuda?: boolean;
  /** one line per engine decision (which kernels, why) */
  log?: (line: string) => void;
  /** label for log lines (e.g. the session id) */
  label?: string;
}

export const DEFAULT_TILE_MIN_PIXELS = 64 * 64;
export const DEFAULT_NATIVE_TILE_MIN_PIXELS = 256 * 256;
/**
 * Tile threshold of the evaluations (eval, the evaluate request) on every backend. A dense batch keeps thinking
 * about its halted puzzles until the slowest one halts, so the editor's native threshold (256×256 px, for a single
 * puzzle) does not carry over: 100 mazes of 59×59 (120×120 px), `eval --iterations auto`, 2 loaded cores: dense
 * batches of 32 on libtorch had reached iteration 93 after 411 s, while tiles one maze at a time (onnxruntime-node)
 * took a median 10 s per maze.
 */
export const EVAL_TILE_MIN_PIXELS = DEFAULT_TILE_MIN_PIXELS;
/** tfjs backends whose convolutions are native code (see tileMinPixels) */
const NATIVE_BACKENDS = new Set(['torch', 'tensorflow']);

export function isNativeBackend(): boolean {
  return NATIVE_BACKENDS.has(tf.getBackend());
}

/** Chooses and builds the state of one puzzle for one model. Owns the tile kernels it picks (dispose()). */
export class ThinkingPath {
  private kernels: Promise<TileKernels | undefined> | undefined;

  constructor(readonly model: DTNet, readonly options: ThinkingPathOptions = {}) {}

  /**
   * Whether an image of this shape goes to the tile thinker if a fast tile engine exists: a 2-D net with tied
   * weights, and (in 'auto') at least `tileMinPixels` pixels.
   */
  wantsTiles(spatial: readonly number[]): boolean {
    const mode = this.options.thinking ?? 'auto';
    const tileable = mode !== 'dense' && spatial.length === 2 && this.model.arch.dims === 2 && this.model.depth === Infinity;
    if (!tileable || (mode === 'auto' && this.onCuda())) return false;
    const pixels = spatial.reduce((a, b) => a * b, 1);
    const minPixels = this.options.tileMinPixels ?? (isNativeBackend() ? DEFAULT_NATIVE_TILE_MIN_PIXELS : DEFAULT_TILE_MIN_PIXELS);
    return mode === 'tiles' || pixels >= minPixels;
  }

  /** Whether an image of this shape thinks on tiles on this machine (picks the kernels on first use). */
  async usesTiles(spatial: readonly number[]): Promise<boolean> {
    return this.wantsTiles(spatial) && (await this.tileKernels()) !== undefined;
  }

  /**
   * A state for `input`, projected or continuing from `thought` (owned from here on), at `iteration`: on tiles when
   * the options and this machine make that worthwhile, else on tensors.
   */
  async create(input: ThinkingInput, iteration = 0, thought?: tf.Tensor): Promise<Thinking> {
    const mode = this.options.thinking ?? 'auto';
    // Resolved for every state, so an explicit 'bfloat16' that this machine cannot do fails with the reason.
    let precision;
    try {
      precision = resolvePrecision(this.options.precision ?? 'auto');
    } catch (e) {
      thought?.dispose();
      throw e;
    }
    const kernels = this.wantsTiles(input.spatial) ? await this.tileKernels() : undefined;
    if (!kernels && this.gpuWarmStart(input.spatial, precision)) {
      // As on the CPU, the last iterations run in float32, so the answer is float32's; only the busy start is
      // bfloat16.
      const dense = (t: tf.Tensor, it: number) => new TensorThinking(this.model, input, it, t, 'float32');
      return new WarmStartThinking(this.model, input, iteration, dense, this.options.warmStart, thought);
    }
    if (!kernels) {
      if (input.spatial.length === 2) {
        try {
          checkDenseFits('maze', [...input.spatial], this.model.arch.width);
        } catch (e) {
          thought?.dispose();
          throw e;
        }
      }
      return new TensorThinking(this.model, input, iteration, thought);
    }
    const tiles = (t: tf.Tensor | undefined, it: number) => {
      try {
        return new TileThinking(this.model, kernels, input, it, this.options.tiles, t);
      } finally {
        t?.dispose();
      }
    };
    if (mode === 'auto' && isNativeBackend() && precision === 'bfloat16') {
      return new WarmStartThinking(this.model, input, iteration, tiles, this.options.warmStart, thought);
    }
    return tiles(thought, iteration);
  }

  /**
   * Kernels for dense batches of small 2-D images (kernelThink.ts) where tfjs is the slower engine: in 'auto', the
   * onnxruntime-node tile kernels on a backend whose tfjs convolutions are not native (tfjs-wasm runs on one thread
   * under Node); undefined otherwise, and the batch thinks on tfjs.
   */
  async denseKernels(spatial: readonly number[]): Promise<TileKernels | undefined> {
    const mode = this.options.thinking ?? 'auto';
    if (mode !== 'auto' || isNativeBackend() || this.onCuda() || spatial.length !== 2 || this.model.arch.dims !== 2 || this.model.depth !== Infinity) return undefined;
    const k = await this.tileKernels();
    return k?.name.startsWith('onnxruntime') ? k : undefined;
  }

  /**
   * A path for thinking about several puzzles at once: the same choices, with this path's tile kernels shared
   * through CoalescingKernels, so concurrent puzzles share each kernel launch. Dispose it before this path, which
   * keeps owning the kernels.
   */
  coalesced(): ThinkingPath {
    const p = new ThinkingPath(this.model, this.options);
    p.kernels = this.tileKernels().then((k) => (k ? new CoalescingKernels(k) : undefined));
    return p;
  }

  private onCuda(): boolean {
    return this.options.onCuda ?? torchOnCuda();
  }

  /** On a GPU in 'auto': a maze big enough for tiles elsewhere starts dense in bfloat16, then continues densely. */
  gpuWarmStart(spatial: readonly number[], precision: ThinkingPrecision): boolean {
    const mode = this.options.thinking ?? 'auto';
    if (mode !== 'auto' || precision !== 'bfloat16' || !this.onCuda()) return false;
    const big = spatial.length === 2 && spatial[0] * spatial[1] >= (this.options.tileMinPixels ?? DEFAULT_NATIVE_TILE_MIN_PIXELS);
    return big && this.model.arch.dims === 2 && this.model.depth === Infinity;
  }

  /** The tile kernels, picked once: undefined when 'auto' finds nothing worth tiling with. */
  private tileKernels(): Promise<TileKernels | undefined> {
    const mode = this.options.thinking ?? 'auto';
    this.kernels ??= (async () => {
      const log = this.options.log ?? (() => undefined);
      const who = this.options.label ?? 'thinking';
      try {
        const { kernels } = await pickKernels(this.model, { engine: this.options.tileEngine ?? 'auto', log });
        // tfjs-wasm costs the same per pixel through tiles as densely (51 ms for 8×42×42 px, 53 for 124×124), and
        // tiles add halos: on wasm, only onnxruntime-node makes tiles worth it.
        if (mode === 'auto' && !kernels.name.startsWith('onnxruntime') && !isNativeBackend()) {
          kernels.dispose();
          log(`${who}: thinking on tfjs tensors (no engine faster than tfjs for tiles)`);
          return undefined;
        }
        return kernels;
      } catch (e) {
        log(`${who}: tile kernels unavailable, thinking on tfjs tensors: ${(e as Error).message}`);
        return undefined;
      }
    })();
    return this.kernels;
  }

  dispose(): void {
    void this.kernels?.then((k) => k?.dispose());
    this.kernels = undefined;
  }
}

/**
 * `iterations: 'auto'` for one puzzle: the cap, and which iterations are checked by which rule. The caller drives
 * the loop (the solve session also streams frames from the same logits); see the module comment for the rule.
 */
export class AutoHalting {
  readonly cap: number;
  readonly options: HaltingOptions;
  private readonly monitor: HaltingMonitor;
  private readonly settled: SettledRule | undefined;

  /**
   * positions: pixels (or bits, squares) of the puzzle; mask [1,...spatial] of counted positions (not owned);
   * room: iterations the net can still think (its depth minus the iterations already thought).
   */
  constructor(positions: number, isMaze: boolean, halting: Partial<HaltingOptions> | undefined, mask: tf.Tensor | undefined, room = Infinity) {
    this.options = resolveHaltingOptions(halting, positions);
    this.cap = Math.min(this.options.maxIterations, room);
    this.monitor = new HaltingMonitor(1, this.options, mask, false);
    // Mazes also halt once the picture has settled: big ones may never pass the confidence rule.
    this.settled = isMaze ? new SettledRule(Math.floor(SETTLED_FLICKER * positions)) : undefined;
  }

  /** The `step`-th iteration of this run (1-based) feeds the confidence rule. */
  isCheck(step: number): boolean {
    return this.monitor.isCheckStep(step);
  }

  /** The `step`-th iteration feeds the settled-picture rule (it needs the class1 scores on the host). */
  isSettleCheck(step: number): boolean {
    return this.settled !== undefined && step % SETTLED_PATIENCE === 0;
  }

  /** Confidence rule at global `iteration` with its logits [1,...,2]: true when the puzzle halts here. */
  async observe(iteration: number, logits: tf.Tensor): Promise<boolean> {
    return (await this.monitor.observe(iteration, logits)).length > 0;
  }

  /** Settled-picture rule with the class1 scores of a settle check: true when the puzzle halts here. */
  offer(class1: Float32Array): boolean {
    return this.settled?.offer(class1) ?? false;
  }

  dispose(): void {
    this.monitor.dispose();
  }
}

export interface PuzzleInput extends ThinkingInput {
  /** counted positions [...spatial] (mazes: non-wall pixels), or undefined (all count) */
  mask?: Uint8Array;
  /** mazes add the settled-picture rule */
  isMaze: boolean;
}

export interface PuzzleThought {
  /** the iteration whose answer is reported (the halting iteration under auto, else the last one thought) */
  iterations: number;
  /** under auto: the iteration at which the rule fired (undefined: the cap or cancellation came first) */
  haltedAt?: number;
  /** [positions] class1 = logit1 − logit0 of that iteration */
  class1: Float32Array;
  ms: number;
  engine: string;
  cancelled: boolean;
}

export interface ThinkPuzzleOptions {
  halting?: Partial<HaltingOptions>;
  token?: CancellationLike;
  /**
   * Called at these iterations (ascending, 1-based) with the class1 scores [positions], for accuracy curves; under
   * auto, iterations after the halt are not thought (the caller carries the halted answer forward).
   */
  record?: readonly number[];
  onRecord?: (iteration: number, class1: Float32Array) => void;
}

/** class1 scores of a state on the host. */
async function class1Of(state: Thinking): Promise<Float32Array> {
  const logits = await state.logits();
  const c1 = class1Tensor(logits);
  logits.dispose();
  try {
    return (await c1.data()) as Float32Array;
  } finally {
    c1.dispose();
  }
}

/**
 * Think about one puzzle on the path's state for `iterations` iterations, or until AutoHalting fires. No frames;
 * the solve session runs the same loop with frames.
 */
export async function thinkPuzzle(path: ThinkingPath, input: PuzzleInput, iterations: number | 'auto', opts: ThinkPuzzleOptions = {}): Promise<PuzzleThought> {
  const t0 = performance.now();
  const positions = input.spatial.reduce((a, b) => a * b, 1);
  const maskTensor = input.mask ? tf.tensor(Float32Array.from(input.mask), [1, ...input.spatial]) : undefined;
  const state = await path.create(input, 0).catch((e) => {
    maskTensor?.dispose();
    throw e;
  });
  const auto = iterations === 'auto' ? new AutoHalting(positions, input.isMaze, opts.halting, maskTensor, path.model.depth) : undefined;
  const cap = auto ? auto.cap : Math.min(iterations as number, path.model.depth);
  if (!auto && (!Number.isInteger(cap) || cap < 0)) throw new RangeError(`iterations must be a non-negative integer or 'auto', got ${iterations}`);
  const record = opts.record ?? [];
  let nextRecord = 0;
  const yielder = new Yielder();
  let haltedAt: number | undefined;
  let cancelled = false;
  let done = 0;
  let latest: { iteration: number; class1: Float32Array } | undefined;
  try {
    for (let step = 1; step <= cap; step++) {
      if (isCancelled(opts.token)) {
        cancelled = true;
        break;
      }
      const st = await state.step();
      done = step;
      if (auto && st.settled) haltedAt = step;
      const recordNow = nextRecord < record.length && record[nextRecord] === step;
      const check = auto?.isCheck(step) ?? false;
      const settleCheck = auto?.isSettleCheck(step) ?? false;
      if (check || settleCheck || recordNow || haltedAt !== undefined || step === cap) {
        const logits = await state.logits();
        try {
          if (check && (await auto!.observe(step, logits))) haltedAt ??= step;
          if (settleCheck || recordNow || haltedAt !== undefined || step === cap) {
            const c1 = class1Tensor(logits);
            latest = { iteration: step, class1: (await c1.data()) as Float32Array };
            c1.dispose();
            if (settleCheck && auto!.offer(latest.class1)) haltedAt ??= step;
          }
        } finally {
          logits.dispose();
        }
      }
      while (nextRecord < record.length && record[nextRecord] <= step) {
        if (record[nextRecord] === step) opts.onRecord?.(step, latest!.class1);
        nextRecord++;
      }
      if (haltedAt !== undefined) break;
      await yielder.maybeYield();
    }
    if (latest?.iteration !== done) latest = { iteration: done, class1: await class1Of(state) };
    const out: PuzzleThought = {
      iterations: done,
      class1: latest.class1.slice(),
      ms: performance.now() - t0,
      engine: state.engine,
      cancelled,
    };
    if (haltedAt !== undefined) out.haltedAt = haltedAt;
    return out;
  } finally {
    auto?.dispose();
    state.dispose();
    maskTensor?.dispose();
  }
}
