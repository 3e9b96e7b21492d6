/**
 * DT-recall and DT networks (Bansal et al. 2022, §3 and appendix A; aks2203/deep-thinking dt_net_*_recall_*.py).
 *
 *   projection: conv(in→w) + ReLU
 *   recurrent block (applied again and again, weights tied):
 *       [recall: concat(thought, x) → conv(w+in→w)   (2-D: no ReLU after it; 1-D: ReLU after it)]
 *       + `blocks` basic residual blocks
 *   head: 2-D conv(w→32) ReLU conv(32→8) ReLU conv(8→2); 1-D conv(w→w) ReLU conv(w→w/2) ReLU conv(w/2→2)
 *
 * Weight names follow the paper's PyTorch state_dict (minus the `module.` prefix), so `.pth` import is a rename-free
 * layout change (NCHW → NHWC). Shapes are channels-last: 2-D inputs [N,H,W,C], 1-D inputs [N,L,C].
 */
import { tf } from '../tf';
import type { Architecture } from '../../shared/architecture';
import { hasRecall, headChannels } from '../../shared/architecture';
import { basicBlock, conv, get, initKernel, kernelShape, type Weights } from './blocks';
import { fusedRecurrentBlock, fusedRecurrentBlockAvailable } from './fusedRecurrentBlock';

export interface ThinkStep {
  /** 1-based iteration number */
  iteration: number;
  /** [N,(H,)W,2]; valid only until the generator is resumed — clone to keep */
  logits: tf.Tensor;
  /** hidden state [N,(H,)W,width]; valid only until the generator is resumed — clone to keep */
  thought: tf.Tensor;
}

export interface WeightSpec {
  name: string;
  shape: number[];
}

export class DTNet {
  /** The trained parameters: what the optimizer updates. */
  readonly weights: Weights = new Map();
  /**
   * State that is saved with the weights but never trained (PyTorch's buffers: a DT-L net's batch-norm running
   * statistics). Empty for the paper's nets.
   */
  readonly buffers: Weights = new Map();
  /**
   * Whether a forward pass is a training one: batch normalisation then uses (and records) the batch's statistics.
   * computeGradients (progressiveLoss.ts) sets it for the duration of a step; everything else runs with false.
   */
  training = false;

  constructor(readonly arch: Architecture, init?: Map<string, Float32Array> | (() => number)) {
    for (const { name, shape, initial } of this.bufferSpecs()) {
      const given = init instanceof Map ? init.get(name) : undefined;
      if (init instanceof Map && !given) throw new Error(`weights for ${arch.kind} ${arch.dims}-D are missing "${name}"`);
      this.buffers.set(name, makeVariable(name, shape, given ?? new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(initial), false));
    }
    for (const { name, shape } of this.weightSpecs()) {
      let values: Float32Array;
      if (typeof init === 'function') values = initKernel(shape, init);
      else if (init) {
        const v = init.get(name);
        if (!v) throw new Error(`weights for ${arch.kind} ${arch.dims}-D are missing "${name}"`);
        values = v;
      } else values = initKernel(shape, Math.random);
      this.weights.set(name, makeVariable(name, shape, values, true));
    }
  }

  /** Every buffer (untrained state) of this architecture, with its shape and its value in a fresh net. */
  bufferSpecs(): (WeightSpec & { initial: number })[] {
    return [];
  }

  /** Every weight of this architecture, with its channels-last shape. */
  weightSpecs(): WeightSpec[] {
    const { dims, width: w, inChannels: c } = this.arch;
    const k = (cin: number, cout: number) => kernelShape(dims, cin, cout);
    const head = headChannels(this.arch);
    return [
      { name: 'projection.0.weight', shape: k(c, w) },
      ...this.recurrentSpecs(),
      { name: 'head.0.weight', shape: k(head[0], head[1]) },
      { name: 'head.2.weight', shape: k(head[1], head[2]) },
      { name: 'head.4.weight', shape: k(head[2], head[3]) },
    ];
  }

  protected recurrentSpecs(): WeightSpec[] {
    return recurrentBlockSpecs(this.arch, 'recur_block');
  }

  /** Name prefix of the recurrent block used at 0-based iteration `i` (tied: always the same). */
  protected blockPrefix(_i: number): string {
    return 'recur_block';
  }

  /** Iterations this net can run; the tied nets have no limit. */
  get depth(): number {
    return Infinity;
  }

  get parameterCount(): number {
    let n = 0;
    for (const v of this.weights.values()) n += v.size;
    return n;
  }

  /** initial thought: relu(conv(x)) — [N,(H,)W,width] */
  project(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.relu(this.hiddenConv('projection.0.weight', x)));
  }

  /** One application of the recurrent block at 0-based iteration i. thought: [N,(H,)W,w], x: [N,(H,)W,in]. */
  step(thought: tf.Tensor, x: tf.Tensor, i: number): tf.Tensor {
    return tf.tidy(() => applyRecurrentBlock(this.arch, this.weights, this.blockPrefix(i), thought, x));
  }

  /** logits [N,(H,)W,2] */
  head(thought: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const d = this.arch.dims;
      const h = tf.relu(this.hiddenConv('head.2.weight', tf.relu(this.hiddenConv('head.0.weight', thought))));
      return conv(d, h, get(this.weights, 'head.4.weight'));
    });
  }

  /** conv(x, `kernel`) then afterConv: a projection or head conv that a ReLU follows. */
  private hiddenConv(kernel: string, x: tf.Tensor): tf.Tensor {
    return this.afterConv(kernel, conv(this.arch.dims, x, get(this.weights, kernel)));
  }

  /**
   * What follows the projection or head conv whose kernel is `kernel`, before its ReLU: nothing in the paper's nets;
   * DT-L's batch norm (dtL.ts).
   */
  protected afterConv(_kernel: string, h: tf.Tensor): tf.Tensor {
    return h;
  }

  /**
   * Run `iterations` recurrent steps, differentiably (for training): returns the last logits and thought.
   * Starts from `initialThought` when given (the progressive loss's detached state), else from project(x).
   * `startIteration` matters only for the untied feed-forward net.
   */
  forward(x: tf.Tensor, iterations: number, initialThought?: tf.Tensor, startIteration = 0): { logits: tf.Tensor; thought: tf.Tensor } {
    this.checkDepth(startIteration + iterations);
    let thought = initialThought ?? this.project(x);
    for (let i = 0; i < iterations; i++) thought = this.step(thought, x, startIteration + i);
    return { logits: this.head(thought), thought };
  }

  /**
   * Think for `iterations` steps, yielding each iteration's logits and hidden state (the paper's forward(), but
   * streamed). Memory is constant in the iteration count: each step's tensors are freed when the generator resumes,
   * where the paper's code keeps every iteration's logits (≈517 GB for an 801×801 maze at 25,000 iterations).
   * Resumes from `initialThought` (not consumed; the caller keeps ownership), which the interventions need.
   */
  *think(x: tf.Tensor, iterations: number, initialThought?: tf.Tensor, startIteration = 0): Generator<ThinkStep, void, void> {
    const last = Math.min(startIteration + iterations, this.depth);
    let thought = initialThought ? tf.clone(initialThought) : this.project(x);
    try {
      for (let i = startIteration; i < last; i++) {
        const next = this.step(thought, x, i);
        thought.dispose();
        thought = next;
        const logits = this.head(thought);
        try {
          yield { iteration: i + 1, logits, thought };
        } finally {
          logits.dispose();
        }
      }
    } finally {
      thought.dispose();
    }
  }

  protected checkDepth(iterations: number): void {
    if (iterations > this.depth) {
      throw new Error(`${this.arch.kind} net has ${this.depth} layers and cannot run ${iterations} iterations`);
    }
  }

  /** Weight and buffer values by name (copies), channels-last: everything a checkpoint holds. */
  async exportWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of [...this.weights, ...this.buffers]) out.set(name, (await v.data()) as Float32Array);
    return out;
  }

  /**
   * The weights as inference uses them, by name, channels-last: the stored weights, except where a net transforms
   * a weight before every use (DT-L's spectrally normalised kernels); exported graphs bake these in.
   */
  async inferenceWeights(): Promise<Map<string, Float32Array>> {
    return this.exportWeights();
  }

  dispose(): void {
    for (const v of [...this.weights.values(), ...this.buffers.values()]) v.dispose();
    this.weights.clear();
    this.buffers.clear();
  }
}

let uid = 0;

function makeVariable(name: string, shape: number[], values: Float32Array, trainable: boolean): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  if (values.length !== size) throw new Error(`weight "${name}" has ${values.length} values, expected ${size} for shape [${shape}]`);
  // tf.variable copies its initial value: free the temporary tensor, or every net leaks one per weight.
  const initial = tf.tensor(values, shape);
  const v = tf.variable(initial, trainable, `${name}#${uid++}`);
  initial.dispose();
  return v;
}

/** Weight specs of one recurrent block under `prefix` (the paper's nn.Sequential indices). */
export function recurrentBlockSpecs(arch: Architecture, prefix: string): WeightSpec[] {
  const { dims, width: w, inChannels: c, blocks } = arch;
  const specs: WeightSpec[] = [];
  const blockIndex = firstResidualIndex(arch);
  if (hasRecall(arch)) specs.push({ name: `${prefix}.0.weight`, shape: kernelShape(dims, w + c, w) });
  for (let b = 0; b < blocks; b++) {
    for (const cv of ['conv1', 'conv2']) {
      specs.push({ name: `${prefix}.${blockIndex}.${b}.${cv}.weight`, shape: kernelShape(dims, w, w) });
    }
  }
  return specs;
}

/**
 * Index of the residual layer inside the paper's recur_block Sequential: after the recall conv, and in 1-D after
 * the ReLU that follows it.
 */
export function firstResidualIndex(arch: Architecture): number {
  if (!hasRecall(arch)) return 0;
  return arch.dims === 1 ? 2 : 1;
}

/**
 * [recall conv (+ReLU in 1-D)] + residual blocks. Backends with the fused block kernels (the torch backend) run it
 * as one kernel each way (fusedRecurrentBlock.ts); the composition below is the definition, and what every other
 * backend runs.
 */
export function applyRecurrentBlock(arch: Architecture, weights: Weights, prefix: string, thought: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const d = arch.dims;
  const bi = firstResidualIndex(arch);
  if (fusedRecurrentBlockAvailable()) {
    const residual: tf.Tensor[] = [];
    for (let b = 0; b < arch.blocks; b++) {
      residual.push(get(weights, `${prefix}.${bi}.${b}.conv1.weight`), get(weights, `${prefix}.${bi}.${b}.conv2.weight`));
    }
    const recall = hasRecall(arch) ? get(weights, `${prefix}.0.weight`) : undefined;
    return fusedRecurrentBlock(d, { recall, residual }, d === 1, thought, x);
  }
  let h = thought;
  if (hasRecall(arch)) {
    // Recall (§3.1): the input is concatenated to the hidden state before every iteration. Channel order
    // [thought, x] as torch.cat([interim_thought, x], 1).
    h = conv(d, tf.concat([h, x], d + 1), get(weights, `${prefix}.0.weight`));
    // The paper's 1-D net has a ReLU after the recall conv; its 2-D nets do not.
    if (d === 1) h = tf.relu(h);
  }
  for (let b = 0; b < arch.blocks; b++) h = basicBlock(d, weights, `${prefix}.${bi}.${b}`, h);
  return h;
}
