/**
 * One live solve per editor: the engine server keeps a Map<sessionId, SolveSession>. A session holds the model,
 * the input tensor, the current hidden state ("thought") and the iteration count, so that interventions (§5 of
 * Bansal et al. 2022: perturb the state, move start/goal, keep thinking) continue exactly where the net is.
 *
 * Streaming: the loop drives `model.step` itself rather than `model.think()`. Both compute the same thing, but
 * think() runs the head every iteration; here the head runs (and logits are downloaded) only for iterations that
 * send a frame or that `auto` halting checks, so a 30-fps stream costs nothing on the iterations in between.
 * Frames are throttled by wall time (at most `maxFps`, the last iteration always sent) and pooled to at most
 * `maxFrameCells` cells; the result carries the last frame at full resolution.
 *
 * Tensor ownership: the session owns `x` and `thought` (both outside any tidy scope); every iteration disposes the
 * previous thought, so memory is flat over any number of iterations. dispose() frees them (and the model, when the
 * session owns it).
 */
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import type { InterveneParams, SolveFrame, SolveParams, SolveResult, ThoughtParams, ThoughtResult } from '../../shared/protocol/engine';
import { channelPicture, pcaPicture, unitFeatures } from './thoughtView';
import type { ProblemId } from '../../shared/problems/problem';
import { type MazeGrid } from '../../shared/maze/grid';
import { deriveSeed } from '../../shared/rng';
import { checkModelFitsProblem } from '../eval/accuracy';
import { isCancelled, Yielder, type CancellationLike } from '../eval/cancellation';
import {
  DEFAULT_MAX_FPS,
  DEFAULT_MAX_FRAME_CELLS,
  FrameThrottle,
  pictureChanged,
  WATCH_EVERY_ITERATION_MAX_PIXELS,
} from './frames';
import { class1Tensor, puzzleHaltingCap, type HaltingOptions } from './halting';
import { mazeRegionMask, perturbRegion, perturbThought } from './interventions';
import type { Thinking, ThinkingInput } from './thinking';
import { AutoHalting, ThinkingPath, type ThinkingPathOptions } from './thinkingPath';
import { loadSolveInput, type LoadedInput } from './solveInput';
import { buildFrame, mazeWrongCells } from './buildFrame';

export type FrameSink = (frame: SolveFrame) => void;

/** How the session thinks (dense, tiles, bfloat16 warm start): the engine's one path, see ThinkingPath. */
export interface SolveSessionOptions extends ThinkingPathOptions {
  /** dispose the model with the session (default false: the server may share models between sessions) */
  ownsModel?: boolean;
  /** seed of the perturbation stream (each perturbation draws deriveSeed(seed, k)) */
  seed?: number;
  /** defaults for `iterations: 'auto'` (cap, patience, threshold, check interval) */
  halting?: Partial<HaltingOptions>;
  /** most of the wall time that building frames may take, as a fraction (default 0.1; see FrameThrottle) */
  frameBudget?: number;
  /** clock for the frame throttle (tests) */
  now?: () => number;
}

export const DEFAULT_FRAME_BUDGET = 0.1;

interface RunOptions {
  iterations: number | 'auto';
  maxFps?: number;
  maxFrameCells?: number;
}

export class SolveSession {
  private model: DTNet;
  private ownsModel: boolean;
  private input: LoadedInput | undefined;
  private maskTensor: tf.Tensor | undefined;
  /** the hidden state and its engine (tensors or tiles) */
  private state: Thinking | undefined;
  /** how states are built (dense, tiles, warm start); picks the tile kernels on the first maze that could use them */
  private readonly path: ThinkingPath;
  private iterationCount = 0;
  private perturbations = 0;
  private generation = 0;
  private busy = false;
  private disposed = false;
  private running: Promise<unknown> = Promise.resolve();

  constructor(readonly id: string, model: DTNet, private readonly options: SolveSessionOptions = {}) {
    this.model = model;
    this.ownsModel = options.ownsModel ?? false;
    this.path = new ThinkingPath(model, { ...options, label: options.label ?? `solve session ${id}` });
  }

  /** Iterations thought since the last solve() (interventions continue the count). */
  get iteration(): number {
    return this.iterationCount;
  }

  get problemId(): ProblemId | undefined {
    return this.input?.problemId;
  }

  get hasState(): boolean {
    return this.state !== undefined;
  }

  /** The engine the current state thinks on (see Thinking.engine); undefined before the first solve. */
  get engine(): string | undefined {
    return this.state?.engine;
  }

  /** Start afresh: project the input and think `params.iterations` iterations, streaming frames. */
  solve(params: SolveParams, onFrame: FrameSink, token?: CancellationLike): Promise<SolveResult> {
    return this.exclusive(async (gen) => {
      const input = loadSolveInput(params.input);
      checkModelFitsProblem(this.model.arch, input.problem, `model "${params.model}"`);
      this.setInput(input);
      this.state?.dispose();
      this.state = undefined;
      this.iterationCount = 0;
      this.state = await this.newState(input);
      return this.run(gen, params, onFrame, token);
    });
  }

  /** Change the state or the input, then keep thinking from the current thought. */
  intervene(params: InterveneParams, onFrame: FrameSink, token?: CancellationLike): Promise<SolveResult> {
    return this.exclusive(async (gen) => {
      if (!this.state || !this.input) throw new Error(`session "${this.id}" has nothing to continue; solve a puzzle first`);
      const iv = params.intervention;
      switch (iv.kind) {
        case 'continue':
          break;
        case 'perturb': {
          const current = this.state.thoughtTensor();
          const seed = deriveSeed(this.options.seed ?? 0, this.perturbations++);
          let next: tf.Tensor;
          try {
            if (iv.region?.length) {
              if (this.input.problemId !== 'mazes') throw new RangeError('a damage region is only defined for mazes');
              const g = this.input.puzzle as MazeGrid;
              const mask = tf.tensor(mazeRegionMask(g.rows, g.cols, iv.region), [1, ...this.input.spatial, 1]);
              try {
                next = perturbRegion(current, mask, iv.mode, iv.strength, seed);
              } finally {
                mask.dispose();
              }
            } else next = perturbThought(current, iv.mode, iv.strength, seed);
          } finally {
            current.dispose();
          }
          this.replaceState(await this.newState(this.input, next));
          await this.sendMarkedFrame('perturb', params.maxFrameCells, onFrame);
          break;
        }
        case 'swapInput': {
          const input = loadSolveInput(iv.input);
          if (input.problemId !== this.input.problemId) {
            throw new RangeError(`cannot swap a ${this.input.problemId} input for a ${input.problemId} one`);
          }
          // The new state is built (and its size checked) before anything is replaced: a bad swap changes nothing.
          const next = await this.newState(input, this.state.thoughtTensor());
          this.setInput(input);
          this.replaceState(next);
          await this.sendMarkedFrame('swapInput', params.maxFrameCells, onFrame);
          break;
        }
        default:
          throw new RangeError(`unknown intervention ${JSON.stringify((iv as { kind: unknown }).kind)}`);
      }
      return this.run(gen, params, onFrame, token);
    });
  }

  /**
   * The picture of the current thought before any further iteration, marked with the intervention that made it:
   * without it the first frame a person sees is one iteration later, when a net with recall has often already
   * repaired the damage.
   */
  private async sendMarkedFrame(mark: 'perturb' | 'swapInput', maxFrameCells: number | undefined, onFrame: FrameSink): Promise<void> {
    const logits = await this.state!.logits();
    const c1 = class1Tensor(logits);
    logits.dispose();
    const class1 = (await c1.data()) as Float32Array;
    c1.dispose();
    onFrame({ ...buildFrame(this.id, this.iterationCount, this.input!, class1, maxFrameCells ?? DEFAULT_MAX_FRAME_CELLS), mark });
  }

  /**
   * A picture of the current thought (maze sessions only). Read between iterations: the clone is taken
   * synchronously, so a run in flight cannot dispose it under us.
   */
  async thoughtPicture(view: ThoughtParams['view']): Promise<ThoughtResult> {
    if (!this.state || !this.input) throw new Error(`session "${this.id}" has no thought yet; solve first`);
    if (this.input.problemId !== 'mazes') throw new RangeError('the thought view is for mazes');
    const iteration = this.iterationCount;
    const g = this.input.puzzle as MazeGrid;
    const t = this.state.thoughtTensor();
    let data: Float32Array;
    let width: number;
    try {
      width = t.shape[t.shape.length - 1];
      data = (await t.data()) as Float32Array;
    } finally {
      t.dispose();
    }
    const features = unitFeatures(g.rows, g.cols, width, data);
    const pic = view === 'pca' ? pcaPicture(g.rows, g.cols, width, features) : channelPicture(g.rows, g.cols, width, features, view.channel);
    const result: ThoughtResult = {
      iteration, rows: g.rows, cols: g.cols, channels: width, view,
      data: Buffer.from(pic.bytes.buffer, pic.bytes.byteOffset, pic.bytes.byteLength).toString('base64'),
    };
    if (pic.explained) result.explained = pic.explained;
    return result;
  }

  /** Free the input and the thought (and the model if owned). A run in flight stops at its next iteration. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    if (this.busy) void this.running.then(() => this.free());
    else this.free();
  }

  private free(): void {
    this.maskTensor?.dispose();
    this.state?.dispose();
    this.maskTensor = this.state = undefined;
    this.input = undefined;
    this.path.dispose();
    if (this.ownsModel) this.model.dispose();
  }

  private setInput(input: LoadedInput): void {
    this.maskTensor?.dispose();
    this.input = input;
    this.maskTensor = input.mask ? tf.tensor(Float32Array.from(input.mask), [1, ...input.spatial]) : undefined;
  }

  private replaceState(next: Thinking): void {
    this.state?.dispose();
    this.state = next;
  }

  /** A state for `input`, projected or continuing from `thought` (owned from here on), at the current iteration. */
  private newState(input: LoadedInput, thought?: tf.Tensor): Promise<Thinking> {
    const tin: ThinkingInput = { data: input.data, spatial: input.spatial, inChannels: input.problem.inChannels };
    return this.path.create(tin, this.iterationCount, thought);
  }

  /**
   * Runs one request at a time: a new request supersedes the running one (which stops at its next iteration and
   * returns cancelled), then starts once it has finished, so the two never touch the same tensors.
   */
  private exclusive(fn: (gen: number) => Promise<SolveResult>): Promise<SolveResult> {
    if (this.disposed) return Promise.reject(new Error(`session "${this.id}" is disposed`));
    const gen = ++this.generation;
    const p = this.running.then(async () => {
      if (this.disposed) throw new Error(`session "${this.id}" is disposed`);
      this.busy = true;
      try {
        return await fn(gen);
      } finally {
        this.busy = false;
      }
    });
    this.running = p.catch(() => undefined);
    return p;
  }

  private async run(gen: number, opts: RunOptions, onFrame: FrameSink, token: CancellationLike | undefined): Promise<SolveResult> {
    const t0 = performance.now();
    const input = this.input!;
    const maxFps = opts.maxFps ?? DEFAULT_MAX_FPS;
    const maxCells = opts.maxFrameCells ?? DEFAULT_MAX_FRAME_CELLS;
    const clock = this.options.now ?? (() => performance.now());
    const throttle = new FrameThrottle(maxFps, clock, this.options.frameBudget ?? DEFAULT_FRAME_BUDGET);
    const positions = input.spatial.reduce((a, b) => a * b, 1);
    const start = this.iterationCount;
    const room = this.model.depth - start;

    let cap: number;
    let auto: AutoHalting | undefined;
    if (opts.iterations === 'auto') {
      // The cap follows the puzzle as it is now (a maze's dead-end depth changes when walls, S or G move).
      const halting = { ...this.options.halting };
      halting.maxIterations ??= puzzleHaltingCap(input.problemId, input.puzzle, positions);
      auto = new AutoHalting(positions, input.problemId === 'mazes', halting, this.maskTensor, room);
      cap = auto.cap;
    } else {
      cap = opts.iterations;
      if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`iterations must be a non-negative integer or 'auto', got ${cap}`);
      if (cap > room) {
        throw new RangeError(`this ${this.model.arch.kind} net has ${this.model.depth} layers: it cannot think past iteration ${this.model.depth} (asked for ${start + cap})`);
      }
    }

    let haltedAt: number | undefined;
    let cancelled = false;
    let lastSent = -1;
    let latest: { iteration: number; class1: Float32Array } | undefined;
    const yielder = new Yielder();
    // Small images: read every iteration and send each one whose picture changed, so the timeline holds every step
    // of the path forming (a 13×13 maze thinks in milliseconds per iteration; a 30-fps clock would keep 3 or 4).
    const watchEvery = positions <= WATCH_EVERY_ITERATION_MAX_PIXELS;
    let lastPicture: string | undefined;
    const send = (iteration: number, class1: Float32Array, since: number, onlyIfChanged = false) => {
      const frame = buildFrame(this.id, iteration, input, class1, maxCells);
      if (onlyIfChanged && lastPicture !== undefined && !pictureChanged(lastPicture, frame.probs)) return;
      onFrame(frame);
      lastPicture = frame.probs;
      throttle.sent(clock() - since);
      lastSent = iteration;
    };
    try {
      for (let step = 1; step <= cap; step++) {
        if (gen !== this.generation || isCancelled(token)) {
          cancelled = true;
          break;
        }
        const st = await this.state!.step();
        this.iterationCount++;
        const check = auto?.isCheck(step) ?? false;
        const settleCheck = auto?.isSettleCheck(step) ?? false;
        // The tile thinker at its fixed point / 2-cycle: nothing left to compute, so 'auto' stops here.
        if (auto && st.settled) haltedAt = this.iterationCount;
        const clockDue = step === cap || throttle.due();
        const frameDue = clockDue || watchEvery;
        if (check || settleCheck || frameDue || haltedAt !== undefined) {
          const since = clock();
          const logits = await this.state!.logits();
          try {
            if (check && (await auto!.observe(this.iterationCount, logits))) haltedAt ??= this.iterationCount;
            if (frameDue || settleCheck || haltedAt !== undefined) {
              const c1 = class1Tensor(logits);
              latest = { iteration: this.iterationCount, class1: (await c1.data()) as Float32Array };
              c1.dispose();
              if (settleCheck && auto!.offer(latest.class1)) haltedAt ??= this.iterationCount;
              if (frameDue || haltedAt !== undefined) send(this.iterationCount, latest.class1, since, !clockDue && haltedAt === undefined);
            }
          } finally {
            logits.dispose();
          }
        }
        if (haltedAt !== undefined) break;
        await yielder.maybeYield();
      }

      // Final picture of the current state (reusing the last frame's scores when they are current).
      if (latest?.iteration !== this.iterationCount) {
        const logits = await this.state!.logits();
        const c1 = class1Tensor(logits);
        logits.dispose();
        latest = { iteration: this.iterationCount, class1: (await c1.data()) as Float32Array };
        c1.dispose();
      }
      // Always stream the last iteration, so the view ends on the state the result describes.
      if (lastSent !== this.iterationCount && !this.disposed) send(this.iterationCount, latest.class1, clock());
    } finally {
      auto?.dispose();
    }

    const class1 = latest.class1;
    const finalFrame = buildFrame(this.id, this.iterationCount, input, class1, Infinity);
    const decoded = input.problem.decode(input.puzzle, class1) as string | string[] | null;
    const result: SolveResult = {
      sessionId: this.id,
      iterations: this.iterationCount,
      prediction: decoded ?? '',
      correct: input.hasOracle && input.problem.isCorrect(input.puzzle, class1),
      finalFrame,
      cancelled,
      ms: performance.now() - t0,
      engine: this.state!.engine,
    };
    if (haltedAt !== undefined) result.haltedAt = haltedAt;
    if (input.problemId === 'mazes') result.wrongCells = mazeWrongCells(input.puzzle as MazeGrid, class1);
    return result;
  }
}
