/**
 * Adam and SGD with momentum, written over tf ops so that we control parameter groups and state (tfjs's own
 * optimizers have neither per-group learning rates nor PyTorch's coupled weight decay).
 *
 * Semantics follow PyTorch exactly (the paper's `get_optimizer`, deep-thinking utils/tools.py):
 * - weight decay is L2 added to the gradient (`weight_decay=2e-4`), not AdamW's decoupled decay;
 * - Adam: m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + ε);
 * - SGD: buf ← g on the first step, then buf ← μ·buf + g (no dampening, no Nesterov);  p ← p − lr·buf;
 * - clipping (`clip_grad_norm_`) scales all gradients by min(1, maxNorm/(‖g‖₂ + 1e-6)), ‖g‖₂ over all of them,
 *   before the optimizer adds weight decay.
 * - param groups: the maze recipe's "lr throttle" puts the recurrent block in a group whose lr is lr/maxIters.
 *
 * Backends with the fused kernels (the torch backend) run the norm and Adam's update of every weight as one kernel
 * each (fusedAdam.ts); the composition here is the definition and what every other backend runs.
 *
 * Every tensor made during a step is disposed; the state tensors are replaced (old ones disposed) each step, so
 * `tf.memory().numTensors` stays flat.
 */
import { tf } from '../tf';
import type { Weights } from '../models/blocks';
import { FUSED_ADAM_KERNEL, SUM_SQUARES_KERNEL, fusedAdam, fusedSumSquares, hasKernel } from './fusedAdam';

export type OptimizerKind = 'adam' | 'sgd';

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** PyTorch-style L2 weight decay added to the gradient (the paper: 2e-4) */
  weightDecay: number;
  /** SGD momentum (the paper: 0.9) */
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** clip the global gradient norm to this (null/undefined = no clipping) */
  clipNorm?: number | null;
}

/** A set of weights sharing an lr multiplier. Weights in no group get multiplier 1. */
export interface ParamGroup {
  names: string[];
  lrScale: number;
}

/** The paper's rule: a parameter is recurrent when its name contains "recur" (plus our feed-forward `layers.i`). */
export function isRecurrentWeight(name: string): boolean {
  return name.includes('recur') || name.startsWith('layers.');
}

/** Param groups for the lr throttle (mazes): recurrent weights at lr/maxIters, the rest at lr. */
export function throttleGroups(names: Iterable<string>, maxIters: number): ParamGroup[] {
  const recurrent = [...names].filter(isRecurrentWeight);
  return recurrent.length ? [{ names: recurrent, lrScale: 1 / maxIters }] : [];
}

export interface OptimizerState {
  kind: OptimizerKind;
  /** steps taken (Adam's t) */
  step: number;
  /** state tensors by `${weight}/${slot}` (slot: exp_avg, exp_avg_sq, momentum_buffer) */
  tensors: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
}

export interface StepInfo {
  /** global gradient norm before clipping */
  gradNorm: number;
}

export class Optimizer {
  private t = 0;
  /** per weight: slot → tensor (kept across steps) */
  private readonly slots = new Map<string, Map<string, tf.Tensor>>();
  private readonly scale = new Map<string, number>();
  readonly config: Required<OptimizerConfig>;

  constructor(
    private readonly weights: Weights,
    config: OptimizerConfig,
    groups: ParamGroup[] = [],
  ) {
    if (config.kind !== 'adam' && config.kind !== 'sgd') throw new Error(`unknown optimizer "${String(config.kind)}"; expected adam or sgd`);
    this.config = {
      kind: config.kind,
      weightDecay: config.weightDecay,
      momentum: config.momentum ?? 0.9,
      beta1: config.beta1 ?? 0.9,
      beta2: config.beta2 ?? 0.999,
      eps: config.eps ?? 1e-8,
      clipNorm: config.clipNorm ?? null,
    };
    for (const name of weights.keys()) this.scale.set(name, 1);
    for (const g of groups) {
      for (const name of g.names) {
        if (!weights.has(name)) throw new Error(`param group names unknown weight "${name}"`);
        this.scale.set(name, g.lrScale);
      }
    }
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.t;
  }

  /** The lr multiplier of a weight (1, or 1/maxIters for throttled recurrent weights). */
  lrScale(name: string): number {
    return this.scale.get(name) ?? 1;
  }

  /**
   * One update with base learning rate `lr`. `grads` must hold a gradient for every weight; they are not
   * disposed (the caller owns them).
   */
  step(grads: Map<string, tf.Tensor>, lr: number): StepInfo {
    for (const name of this.weights.keys()) if (!grads.has(name)) throw new Error(`optimizer: no gradient for weight "${name}"`);
    this.t++;
    const names = [...this.weights.keys()];
    // Global norm and clip coefficient (one scalar read, so it can be reported).
    const all = names.map((n) => grads.get(n)!);
    const normT = tf.tidy(() => tf.sqrt(hasKernel(SUM_SQUARES_KERNEL) ? fusedSumSquares(all) : tf.addN(all.map((g) => tf.sum(tf.square(g))))));
    const gradNorm = normT.dataSync()[0];
    normT.dispose();
    const clip = this.config.clipNorm;
    const coef = clip != null ? Math.min(1, clip / (gradNorm + 1e-6)) : 1;

    const { kind, weightDecay: wd, momentum, beta1, beta2, eps } = this.config;
    if (kind === 'adam' && hasKernel(FUSED_ADAM_KERNEL)) {
      this.fusedAdamStep(names, grads, lr, coef);
      return { gradNorm };
    }
    for (const name of names) {
      const p = this.weights.get(name)!;
      const slots = this.slots.get(name) ?? new Map<string, tf.Tensor>();
      this.slots.set(name, slots);
      const plr = lr * this.lrScale(name);
      const out = tf.tidy(() => {
        let g = grads.get(name)!;
        if (coef !== 1) g = tf.mul(g, coef);
        if (wd !== 0) g = tf.add(g, tf.mul(p, wd));
        if (kind === 'sgd') {
          const prev = slots.get('momentum_buffer');
          const buf = momentum === 0 ? g : prev ? tf.add(tf.mul(prev, momentum), g) : tf.clone(g);
          return { p: tf.sub(p, tf.mul(buf, plr)), slots: momentum === 0 ? {} : { momentum_buffer: buf } };
        }
        const m0 = slots.get('exp_avg') ?? tf.zerosLike(p);
        const v0 = slots.get('exp_avg_sq') ?? tf.zerosLike(p);
        const m = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(g), 1 - beta2));
        const bc1 = 1 - Math.pow(beta1, this.t);
        const bc2 = 1 - Math.pow(beta2, this.t);
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        return { p: tf.sub(p, tf.mul(tf.div(m, denom), plr / bc1)), slots: { exp_avg: m, exp_avg_sq: v } };
      });
      p.assign(out.p);
      out.p.dispose();
      for (const [slot, tensor] of Object.entries(out.slots) as [string, tf.Tensor][]) {
        slots.get(slot)?.dispose();
        slots.set(slot, tensor);
      }
    }
    return { gradNorm };
  }

  /** The same Adam update as step()'s composition, as one kernel for every weight (fusedAdam.ts). */
  private fusedAdamStep(names: string[], grads: Map<string, tf.Tensor>, lr: number, coef: number): void {
    const { weightDecay, beta1, beta2, eps } = this.config;
    const params = names.map((n) => this.weights.get(n)!);
    const moments = names.map((n) => {
      const slots = this.slots.get(n);
      const m = slots?.get('exp_avg');
      const v = slots?.get('exp_avg_sq');
      return m && v ? { m, v } : undefined;
    });
    const lrs = names.map((n) => lr * this.lrScale(n));
    const out = fusedAdam(params, names.map((n) => grads.get(n)!), moments, lrs, { beta1, beta2, eps, weightDecay, step: this.t, gradScale: coef });
    names.forEach((name, i) => {
      params[i].assign(out[i].p);
      out[i].p.dispose();
      const slots = this.slots.get(name) ?? new Map<string, tf.Tensor>();
      this.slots.set(name, slots);
      slots.get('exp_avg')?.dispose();
      slots.get('exp_avg_sq')?.dispose();
      slots.set('exp_avg', out[i].m);
      slots.set('exp_avg_sq', out[i].v);
    });
  }

  /** A copy of the state, as plain arrays (for train-state files; see resumeState.ts). */
  exportState(): OptimizerState {
    const tensors = new Map<string, Float32Array>();
    const shapes = new Map<string, number[]>();
    for (const [name, slots] of this.slots) {
      for (const [slot, t] of slots) {
        tensors.set(`${name}/${slot}`, t.dataSync() as Float32Array);
        shapes.set(`${name}/${slot}`, t.shape);
      }
    }
    return { kind: this.config.kind, step: this.t, tensors, shapes };
  }

  /** Restore a state written by exportState (same weights and kind). */
  importState(state: OptimizerState): void {
    if (state.kind !== this.config.kind) throw new Error(`optimizer state is for ${state.kind}, but this optimizer is ${this.config.kind}`);
    this.disposeSlots();
    this.t = state.step;
    for (const [key, values] of state.tensors) {
      const cut = key.lastIndexOf('/');
      const name = key.slice(0, cut);
      const slot = key.slice(cut + 1);
      const w = this.weights.get(name);
      if (!w) throw new Error(`optimizer state names unknown weight "${name}"`);
      if (values.length !== w.size) throw new Error(`optimizer state "${key}" has ${values.length} values, weight has ${w.size}`);
      const slots = this.slots.get(name) ?? new Map<string, tf.Tensor>();
      this.slots.set(name, slots);
      slots.set(slot, tf.tensor(values, w.shape));
    }
  }

  private disposeSlots(): void {
    for (const slots of this.slots.values()) for (const t of slots.values()) t.dispose();
    this.slots.clear();
  }

  dispose(): void {
    this.disposeSlots();
  }
}
