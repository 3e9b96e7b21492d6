/**
 * DT-L: a deep-thinking net whose recurrent block is a contraction in the hidden state (after Bear, Prügel-Bennett
 * and Hare 2024, "Rethinking Deep Thinking: Stable Learning of Algorithms using Lipschitz Constraints", NeurIPS).
 *
 * What the paper argues (§3, the Lipschitz analysis): DT-recall's instabilities — exploding states, seeds that never
 * learn, overthinking — come from a recurrence whose Lipschitz constant in the hidden state is unbounded. If the
 * block f(φ, x) is a contraction in φ (Lipschitz constant c < 1), the iteration converges to a unique fixed point for
 * every input (Banach), so thinking longer cannot diverge. §4 (DT-L) constrains the recurrent convolutions with
 * spectral normalisation to obtain that bound.
 *
 * What this file does (same projection and head as DT-recall, and the recurrent block's weights keep DT-recall's
 * names and shapes; DT-L adds a recall bias and one mixing weight per residual block):
 *   - every recurrent conv W is spectrally normalised. M is W reshaped to [k^dims·Cin, Cout] and σ its largest
 *     singular value (power iteration). Two modes (`Architecture.spectralNorm`):
 *       `matrix` (the default): W / σ(M), what torch.nn.utils.spectral_norm computes; the paper speaks of an
 *       approximate Lipschitz constant below one, which this matches (its code is not public). σ(M) does not bound
 *       the conv operator (a conv is M applied to the im2col patches, and every input value appears in k^dims of
 *       them), so the block is a contraction only approximately;
 *       `operator`: W / (σ(M)·√(k^dims)). ‖conv_W‖ ≤ σ(M)·√(k^dims), so each normalised conv is 1-Lipschitz on any
 *       image size and the bounds below hold exactly. The price: the convs are shrunk by up to √3 (1-D) or 3 (2-D)
 *       more than they need to be: on 16-bit prefix sums (seed 1, 30 epochs) it reached 21 % where `matrix` reached
 *       80 % (docs/seeds.md).
 *   - the recall conv (on concat[φ, x]) is scaled by `DTL_CONTRACTION` (c = 0.9), so its φ part is c-Lipschitz, and
 *     has a bias (`recur_block.0.bias`, the paper's bias on the recall convolution), which moves the fixed point
 *     without changing the bound;
 *   - activations are ELU (1-Lipschitz, like the paper's choice, and unlike ReLU never stuck at a zero gradient);
 *   - each residual block interpolates instead of adding: φ ← elu((1 − t)·φ + t·g(φ)) with g = conv2∘elu∘conv1 and
 *     t = sigmoid(m) for a learnt scalar m per block (`….mix`, the paper's parametric linear interpolation for the
 *     skip connection). (1 − t) + t·1 = 1, so with 1-Lipschitz convs each block is 1-Lipschitz for every t, where the
 *     plain residual sum is 2-Lipschitz. m starts at 0 (t = ½).
 *   So with `operator`, φ ↦ f(φ, x) is c-Lipschitz: ‖f(φ, x) − f(ψ, x)‖ ≤ 0.9·‖φ − ψ‖, and thinking converges to a
 *   unique fixed point (test/unit/engine/models/dtL.test.ts measures both); with `matrix` the same bound holds for
 *   the reshaped kernels only, and convergence is what training makes of it (measured per model, not promised).
 *   - σ is differentiable as uᵀMv with u, v held constant (Miyato et al. 2018, the paper's spectral_norm); u, v come
 *     from a power iteration run in plain JS on the current weights, warm-started from the previous vectors and
 *     cached per weight version, so it costs a few small mat-vecs per optimizer step. The normalised kernels
 *     themselves are made once per weight version and gradient tape, not once per iteration (`iterationKernel`).
 *
 *   - with `Architecture.batchNorm`, batch norm after the input projection conv and the head's two hidden convs
 *     (the paper normalises the input and the non-recurrent convolutions; batchNorm.ts). It never touches the
 *     recurrence, so the bound above is unchanged; in inference it is a per-channel affine map, so a net still
 *     thinks on a tile exactly as on the whole maze, and exported graphs fold it into the convs.
 *
 * Departures: batch norm is off unless asked for (docs/seeds.md has what it changes); where exactly the paper puts
 * it (before or after the activation, whether the recall input is normalised too) is our reading of its text. The
 * contraction constant 0.9 is ours. The recipe (optimiser, warm-up, clipping, progressive loss) is the one the
 * `--recipe` gives every model; docs/seeds.md has what it reaches per seed.
 */
import { tf } from '../tf';
import { headChannels, type Architecture } from '../../shared/architecture';
import { DTNet, firstResidualIndex, recurrentBlockSpecs, type WeightSpec } from './dtNet';
import { conv, get } from './blocks';
import { batchNorm, batchNormNames, foldIntoConv, type BatchNormParams } from './batchNorm';

/** Lipschitz constant of the recurrent block in the hidden state. */
export const DTL_CONTRACTION = 0.9;

/** The recall conv's weight (on concat[φ, x]), the one scaled by DTL_CONTRACTION. */
const RECALL_WEIGHT = 'recur_block.0.weight';

/** The factor a recurrent kernel is scaled by after normalisation: c for the recall conv, 1 for the others. */
function kernelScale(name: string): number {
  return name === RECALL_WEIGHT ? DTL_CONTRACTION : 1;
}

/** Power-iteration state of one weight: the right singular vector estimate, and the weight version it is for. */
interface SigmaCache {
  dataId: object;
  v: Float32Array;
  u: Float32Array;
  sigma: number;
}

/**
 * Largest singular value of M [rows, cols] (row-major) by power iteration on MᵀM, warm-started from `v0`.
 * Returns σ and unit u (length rows), v (length cols) with Mv ≈ σu. Iterates until σ changes by < 1e-7 relative.
 */
export function spectralNorm(m: Float32Array, rows: number, cols: number, v0?: Float32Array, maxIter = 500): { sigma: number; u: Float32Array; v: Float32Array } {
  let v = v0 && v0.length === cols ? Float32Array.from(v0) : new Float32Array(cols).fill(1 / Math.sqrt(cols));
  const u = new Float32Array(rows);
  let sigma = 0;
  for (let it = 0; it < maxIter; it++) {
    // u = M v
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const o = r * cols;
      for (let c = 0; c < cols; c++) s += m[o + c] * v[c];
      u[r] = s;
    }
    let nu = 0;
    for (let r = 0; r < rows; r++) nu += u[r] * u[r];
    nu = Math.sqrt(nu);
    if (nu === 0) return { sigma: 0, u, v };
    for (let r = 0; r < rows; r++) u[r] /= nu;
    // v = Mᵀ u
    const nv = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const ur = u[r];
      for (let c = 0; c < cols; c++) nv[c] += m[o + c] * ur;
    }
    let n2 = 0;
    for (let c = 0; c < cols; c++) n2 += nv[c] * nv[c];
    const next = Math.sqrt(n2); // = ‖Mᵀu‖ → σ
    for (let c = 0; c < cols; c++) nv[c] /= next || 1;
    v = nv;
    const done = Math.abs(next - sigma) <= 1e-7 * next;
    sigma = next;
    if (done && it > 2) break;
  }
  return { sigma, u, v };
}

/**
 * A normalised kernel kept across iterations: valid for one weight version (`dataId`) and one gradient tape
 * (`tape`: the engine's active tape, or null outside any gradient function).
 */
interface KernelMemo {
  dataId: object;
  tape: unknown;
  kernel: tf.Tensor;
}

/** The tape ops are recorded on now, or null when none is: a kernel made under one tape carries no gradient into another. */
function activeTape(): unknown {
  const state = tf.engine().state as unknown as { gradientDepth: number; activeTape: unknown };
  return state.gradientDepth > 0 ? state.activeTape : null;
}

export class DTLNet extends DTNet {
  private readonly sigmaCache = new Map<string, SigmaCache>();
  private readonly kernelMemo = new Map<string, KernelMemo>();

  constructor(arch: Architecture, init?: Map<string, Float32Array> | (() => number)) {
    if (arch.kind !== 'dt-l') throw new Error(`DTLNet needs kind dt-l, got ${arch.kind}`);
    super(arch, init);
    // A fresh net starts with no recall bias and t = ½ (the halved residual), and batch norm as the identity on
    // standardised values (γ = 1, β = 0, as PyTorch's); a checkpoint brings its own values.
    if (!(init instanceof Map)) {
      for (const { name, shape } of dtlExtraSpecs(arch)) tf.tidy(() => get(this.weights, name).assign(tf.zeros(shape)));
      for (const { prefix } of normLayers(arch)) {
        const { gamma, beta } = batchNormNames(prefix);
        tf.tidy(() => get(this.weights, gamma).assign(tf.onesLike(get(this.weights, gamma))));
        tf.tidy(() => get(this.weights, beta).assign(tf.zerosLike(get(this.weights, beta))));
      }
    }
  }

  /** DT-recall's weights, plus γ and β of each batch norm when `arch.batchNorm`. */
  override weightSpecs(): WeightSpec[] {
    const specs = super.weightSpecs();
    for (const { prefix, channels } of normLayers(this.arch)) {
      const { gamma, beta } = batchNormNames(prefix);
      specs.push({ name: gamma, shape: [channels] }, { name: beta, shape: [channels] });
    }
    return specs;
  }

  /** The running mean (0 in a fresh net) and variance (1) of each batch norm when `arch.batchNorm`. */
  override bufferSpecs(): (WeightSpec & { initial: number })[] {
    return normLayers(this.arch).flatMap(({ prefix, channels }) => {
      const { runningMean, runningVar } = batchNormNames(prefix);
      return [{ name: runningMean, shape: [channels], initial: 0 }, { name: runningVar, shape: [channels], initial: 1 }];
    });
  }

  /** Batch norm after the projection and head convs that have one (`arch.batchNorm`); nothing otherwise. */
  protected override afterConv(kernel: string, h: tf.Tensor): tf.Tensor {
    const layer = normLayers(this.arch).find((l) => l.conv === kernel);
    if (!layer) return h;
    const n = batchNormNames(layer.prefix);
    const params: BatchNormParams = {
      gamma: get(this.weights, n.gamma),
      beta: get(this.weights, n.beta),
      runningMean: get(this.buffers, n.runningMean),
      runningVar: get(this.buffers, n.runningVar),
    };
    return batchNorm(h, params, this.training);
  }

  /**
   * The weight `name` as used in the recurrence: W·scale / σ(M) (`matrix`) or W·scale / (σ(M)·√(k^dims)) (`operator`),
   * with σ = uᵀMv differentiable in W.
   * Shapes: W [k,(k,)Cin,Cout] → M [k^dims·Cin, Cout] (rows = patch entries, cols = output channels).
   */
  normalisedKernel(name: string, scale = 1): tf.Tensor {
    const w = get(this.weights, name);
    const cols = w.shape[w.shape.length - 1];
    const rows = w.size / cols;
    const taps = this.arch.dims === 2 ? 9 : 3;
    const dataId = (w as unknown as { dataId: object }).dataId;
    let cache = this.sigmaCache.get(name);
    if (!cache || cache.dataId !== dataId) {
      // M is [rows, cols]; its transpose has the same σ. Power iteration on Mᵀ (cols × rows) keeps the vectors small.
      const values = w.dataSync() as Float32Array;
      const mt = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mt[c * rows + r] = values[r * cols + c];
      const { sigma, u, v } = spectralNorm(mt, cols, rows, cache?.u); // warm start: Mᵀ's right vector is M's left one
      cache = { dataId, sigma, u: v, v: u }; // for M: left vector (rows) = v of Mᵀ, right vector (cols) = u of Mᵀ
      this.sigmaCache.set(name, cache);
    }
    const { u, v } = cache;
    return tf.tidy(() => {
      const m = tf.reshape(w, [rows, cols]);
      // σ = uᵀ M v with u [rows], v [cols] constant: the gradient of Miyato et al.'s spectral normalisation.
      const sigma = tf.sum(tf.mul(m, tf.outerProduct(tf.tensor1d(u), tf.tensor1d(v))));
      const denom = tf.maximum(tf.mul(sigma, this.arch.spectralNorm === 'operator' ? Math.sqrt(taps) : 1), 1e-12);
      return tf.mul(tf.div(w, denom), scale);
    });
  }

  /**
   * normalisedKernel(name, kernelScale(name)), computed once per weight version and gradient tape and reused by every iteration
   * after it. The kernel depends only on the weights, so recomputing it each iteration (a reshape, an outer product,
   * a sum and a division per conv) repeats the same values; under a tape, one kernel used by k iterations gets the
   * sum of their gradients, as k copies of it would. The memo is kept out of tf.tidy; a tape's backward pass frees
   * what it saved, so a kernel is never reused past its tape.
   */
  private iterationKernel(name: string): tf.Tensor {
    const dataId = (get(this.weights, name) as unknown as { dataId: object }).dataId;
    const tape = activeTape();
    const memo = this.kernelMemo.get(name);
    if (memo && memo.dataId === dataId && memo.tape === tape && !memo.kernel.isDisposed) return memo.kernel;
    memo?.kernel.dispose();
    const kernel = tf.keep(this.normalisedKernel(name, kernelScale(name)));
    this.kernelMemo.set(name, { dataId, tape, kernel });
    return kernel;
  }

  override step(thought: tf.Tensor, x: tf.Tensor, _i: number): tf.Tensor {
    const d = this.arch.dims;
    return tf.tidy(() => {
      const recall = conv(d, tf.concat([thought, x], d + 1), this.iterationKernel(RECALL_WEIGHT));
      let h = tf.add(recall, get(this.weights, 'recur_block.0.bias'));
      if (d === 1) h = tf.elu(h);
      for (const p of residualPrefixes(this.arch)) {
        const inner = conv(d, tf.elu(conv(d, h, this.iterationKernel(`${p}.conv1.weight`))), this.iterationKernel(`${p}.conv2.weight`));
        const t = tf.sigmoid(get(this.weights, `${p}.mix`)); // [1]: broadcasts over every position and channel
        h = tf.elu(tf.add(tf.mul(tf.sub(1, t), h), tf.mul(t, inner)));
      }
      return h;
    });
  }

  /**
   * The stored weights with every recurrent kernel replaced by its normalised value (recall: scaled by c), and each
   * batch norm folded into the conv before it (its kernel scaled, its bias `….bias` added; the norm's own entries
   * removed), so an exported graph has plain convs.
   */
  override async inferenceWeights(): Promise<Map<string, Float32Array>> {
    const out = await this.exportWeights();
    for (const name of this.recurrentWeightNames()) {
      const k = this.normalisedKernel(name, kernelScale(name));
      out.set(name, (await k.data()) as Float32Array);
      k.dispose();
    }
    for (const { prefix, conv: convName } of normLayers(this.arch)) {
      const n = batchNormNames(prefix);
      const take = (name: string) => {
        const v = out.get(name)!;
        out.delete(name);
        return v;
      };
      const folded = foldIntoConv(out.get(convName)!, take(n.gamma), take(n.beta), take(n.runningMean), take(n.runningVar));
      out.set(convName, folded.kernel);
      out.set(convName.replace(/weight$/, 'bias'), folded.bias);
    }
    return out;
  }

  override dispose(): void {
    for (const { kernel } of this.kernelMemo.values()) kernel.dispose();
    this.kernelMemo.clear();
    super.dispose();
  }

  /** DT-recall's recurrent weights, plus the recall bias [width] and one mixing scalar [1] per residual block. */
  protected override recurrentSpecs(): WeightSpec[] {
    return [...super.recurrentSpecs(), ...dtlExtraSpecs(this.arch)];
  }

  /** Names of the spectrally normalised (recurrent) weights. */
  recurrentWeightNames(): string[] {
    return recurrentBlockSpecs(this.arch, 'recur_block').map((s) => s.name);
  }
}

/** Each batch norm of a DT-L net with `batchNorm`: its name prefix, channels and the conv it follows; none without. */
export function normLayers(arch: Architecture): { prefix: string; channels: number; conv: string }[] {
  if (!arch.batchNorm) return [];
  const head = headChannels(arch);
  return [
    { prefix: 'projection.norm', channels: arch.width, conv: 'projection.0.weight' },
    { prefix: 'head.0.norm', channels: head[1], conv: 'head.0.weight' },
    { prefix: 'head.2.norm', channels: head[2], conv: 'head.2.weight' },
  ];
}

/** The weights DT-L has beyond DT-recall's: the recall bias [width] and a mixing scalar [1] per residual block. */
export function dtlExtraSpecs(arch: Architecture): WeightSpec[] {
  return [{ name: 'recur_block.0.bias', shape: [arch.width] }, ...residualPrefixes(arch).map((p) => ({ name: `${p}.mix`, shape: [1] }))];
}

/** Name prefixes of the residual blocks inside recur_block (the paper's Sequential indices). */
export function residualPrefixes(arch: Architecture): string[] {
  const bi = firstResidualIndex(arch);
  return Array.from({ length: arch.blocks }, (_, b) => `recur_block.${bi}.${b}`);
}
