/**
 * A live solve's hidden state and how to advance it, behind one interface so that SolveSession (the editor's
 * solves, streaming, interventions) runs the same loop on either engine:
 *
 *   - TensorThinking: tfjs tensors on the engine's backend (wasm, torch, …): any net, any problem. The thought is
 *     [1, ...spatial, width] (NHWC) and each step is DTNet.step, as DTNet.think computes it.
 *   - TileThinking: the sparse tile thinker (src/engine/tiles/sparseThinker.ts) on the fastest tile kernels
 *     (onnxruntime-node where it installs): 2-D nets with tied weights, i.e. mazes. It recomputes only the tiles
 *     whose neighbourhood changed, so a big maze thinks ~10× faster than dense tfjs-wasm, and it
 *     knows when the state has reached its 2-cycle (nothing left to compute).
 *
 * Interventions (§5 of Bansal et al. 2022) need the state as a tensor and a new state from a given thought:
 * `thoughtTensor()` and the constructors' `thought` argument provide both.
 */
import { TILE_DEFAULTS } from '../tiles/tileDefaults';
import { tf } from '../tf';
import type { DTNet } from '../models/dtNet';
import { SparseThinker } from '../tiles/sparseThinker';
import type { TileKernels } from '../tiles/tileKernels';
import { checkSwapCompatible, checkSwapShapes } from './interventions';
import { withPrecision, type ThinkingPrecision } from './precision';

export interface ThinkingStep {
  /** nothing changed beyond the tolerance: thinking longer cannot change the prediction (tile path only) */
  settled: boolean;
}

export interface Thinking {
  /** e.g. "tfjs-wasm" or "onnxruntime-node 1.x (cpu, 2 threads), sparse 16-px tiles, tolerance 0.1" */
  readonly engine: string;
  /** one recurrent iteration */
  step(): Promise<ThinkingStep>;
  /**
   * Logits of the current state [1, ...spatial, 2] (the caller disposes them). The tile path knows only
   * class1 = logit1 − logit0 and returns [0, class1]: the same softmax, the same argmax, the same class1.
   */
  logits(): Promise<tf.Tensor>;
  /** a copy of the current thought [1, ...spatial, width] (the caller disposes it) */
  thoughtTensor(): tf.Tensor;
  dispose(): void;
}

/** The input as the net sees it: [...spatial, inChannels] channels-last, flattened. */
export interface ThinkingInput {
  data: Float32Array;
  spatial: number[];
  inChannels: number;
}

export class TensorThinking implements Thinking {
  readonly engine: string;
  private readonly x: tf.Tensor;
  private thought: tf.Tensor;

  /**
   * `thought` (owned from here on): continue from it instead of projecting the input; it must fit the input's size.
   * `iteration`: iterations already thought (the index untied nets use for their next layer).
   * `precision`: of the convolutions ('bfloat16': torch backend only, see infer/precision.ts).
   */
  constructor(
    private readonly model: DTNet,
    input: ThinkingInput,
    private iteration: number,
    thought?: tf.Tensor,
    private readonly precision: ThinkingPrecision = 'float32',
  ) {
    this.engine = `tfjs-${tf.getBackend()}${precision === 'bfloat16' ? ' bfloat16' : ''}`;
    this.x = tf.tensor(input.data, [1, ...input.spatial, input.inChannels]);
    if (thought) {
      try {
        checkSwapCompatible(thought, this.x);
      } catch (e) {
        this.x.dispose();
        thought.dispose();
        throw e;
      }
      this.thought = thought;
    } else {
      this.thought = withPrecision(precision, () => model.project(this.x));
    }
  }

  /** iterations thought so far */
  get iterations(): number {
    return this.iteration;
  }

  async step(): Promise<ThinkingStep> {
    const next = withPrecision(this.precision, () => this.model.step(this.thought, this.x, this.iteration));
    this.thought.dispose();
    this.thought = next;
    this.iteration++;
    return { settled: false };
  }

  async logits(): Promise<tf.Tensor> {
    return withPrecision(this.precision, () => this.model.head(this.thought));
  }

  thoughtTensor(): tf.Tensor {
    return this.thought.clone();
  }

  /** The current thought [1, ...spatial, width], not a copy: valid until the next step (see WarmStartThinking). */
  peekThought(): tf.Tensor {
    return this.thought;
  }

  dispose(): void {
    this.x.dispose();
    this.thought.dispose();
  }
}

export interface TileThinkingOptions {
  /** tile side in pixels (default TILE_DEFAULTS.tileSize) */
  tileSize?: number;
  /** SparseThinkerOptions.tolerance (default TILE_DEFAULTS.tolerance) */
  tolerance?: number;
  /** SparseThinkerOptions.selfTolerance (default: the tolerance) */
  selfTolerance?: number;
}


export class TileThinking implements Thinking {
  readonly engine: string;
  private readonly thinker: SparseThinker;
  private readonly h: number;
  private readonly w: number;

  /** `kernels` stay the caller's. `thought` (not kept): [1,H,W,width] to continue from, else the input is projected. */
  constructor(
    private readonly model: DTNet,
    kernels: TileKernels,
    input: ThinkingInput,
    iteration: number,
    opts: TileThinkingOptions = {},
    thought?: tf.Tensor,
  ) {
    if (input.spatial.length !== 2) throw new RangeError(`tile thinking needs a 2-D input, got [${input.spatial.join('×')}]`);
    [this.h, this.w] = input.spatial;
    let initialThought: Float32Array | undefined;
    if (thought) {
      checkSwapShapes(thought.shape, [1, this.h, this.w, input.inChannels]);
      initialThought = thought.dataSync() as Float32Array;
    }
    const tileSize = opts.tileSize ?? TILE_DEFAULTS.tileSize;
    const tolerance = opts.tolerance ?? TILE_DEFAULTS.tolerance;
    this.thinker = new SparseThinker(model, kernels, input.data, this.h, this.w, {
      tileSize,
      tolerance,
      selfTolerance: opts.selfTolerance ?? tolerance,
      initialThought,
      startIteration: iteration,
    });
    this.engine = `${kernels.name}, sparse ${tileSize}-px tiles, tolerance ${tolerance}`;
  }

  async step(): Promise<ThinkingStep> {
    const st = await this.thinker.step();
    return { settled: st.nextActiveTiles === 0 };
  }

  async logits(): Promise<tf.Tensor> {
    const class1 = await this.thinker.predictions();
    const pairs = new Float32Array(2 * class1.length); // [logit0, logit1] = [0, class1] per pixel
    for (let i = 0; i < class1.length; i++) pairs[2 * i + 1] = class1[i];
    return tf.tensor4d(pairs, [1, this.h, this.w, 2]);
  }

  thoughtTensor(): tf.Tensor {
    // slice(): tfjs may keep the array it is given; the thinker's buffer keeps changing.
    return tf.tensor4d(this.thinker.thought.slice(), [1, this.h, this.w, this.model.arch.width]);
  }

  dispose(): void {
    /* plain arrays; the kernels belong to the caller */
  }
}
