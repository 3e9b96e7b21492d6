/**
 * Learning-rate schedule of the paper's code (deep-thinking utils/tools.py `get_optimizer`, utils/warmup.py):
 * an exponential warm-up, then multi-step decay.
 *
 * The paper steps both once per epoch: at 0-based epoch e its lr is
 *     lr · w(e + 1) · gamma^(number of milestones ≤ e),   w(t) = 1 − exp(−t / warmupPeriod) while t < warmupPeriod, else 1
 * (pytorch_warmup's ExponentialWarmup, which jumps to 1 at t = warmupPeriod; MultiStepLR decays from epoch m on).
 * A CPU run has few epochs, so the warm-up can also count optimizer steps instead (warmupUnit 'step'); the
 * milestones always count epochs. A pure function of (epoch, step), so a resumed run gets the same values.
 */

export interface LrSchedule {
  /** base learning rate */
  lr: number;
  /** warm-up length in `warmupUnit`s; 0 = none */
  warmupPeriod: number;
  warmupUnit: 'epoch' | 'step';
  /** 0-based epochs from which the lr is multiplied by gamma (once per milestone passed) */
  milestones: number[];
  gamma: number;
}

/** ExponentialWarmup's factor for the t-th (1-based) epoch or step. */
export function warmupFactor(t: number, period: number): number {
  if (period <= 0 || t >= period) return 1;
  return 1 - Math.exp(-t / period);
}

/** Multi-step decay factor at 0-based `epoch`. */
export function decayFactor(epoch: number, milestones: readonly number[], gamma: number): number {
  let f = 1;
  for (const m of milestones) if (epoch >= m) f *= gamma;
  return f;
}

/** Learning rate for 0-based `epoch` and 0-based global optimizer `step`. */
export function learningRate(s: LrSchedule, epoch: number, step: number): number {
  const t = s.warmupUnit === 'step' ? step + 1 : epoch + 1;
  return s.lr * warmupFactor(t, s.warmupPeriod) * decayFactor(epoch, s.milestones, s.gamma);
}
