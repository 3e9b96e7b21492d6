/**
 * Training defaults per problem.
 *
 * `paper`: the published recipes (aks2203/deep-thinking config/problem/hyp/*_default.yaml and
 * config/problem/*.yaml; Bansal et al. 2022, appendix): widths 400 / 128 / 512, 30 iterations, 150 / 50 / 130 epochs.
 * `cpu` (the default): the same optimiser, loss weight α, clipping and throttle, at sizes that train in minutes on
 * a 2-core CPU with tfjs-wasm (a paper-sized maze epoch alone takes ~18 min there with PyTorch;
 * tfjs-wasm is slower still). Only width, iterations, data size, epochs and the warm-up unit differ.
 */
import type { ModelKind } from '../../shared/architecture';
import type { ProblemId } from '../../shared/problems/problem';
import type { OptimizerKind } from './optimizer';

export type DefaultsProfile = 'cpu' | 'paper';

export interface TrainingDefaults {
  model: ModelKind;
  width: number;
  maxIters: number;
  /** residual blocks in the recurrent block (the paper: 2) */
  blocks: number;
  /** weight of the progressive loss term */
  alpha: number;
  optimizer: OptimizerKind;
  lr: number;
  weightDecay: number;
  /** global gradient-norm clip; null = none */
  clip: number | null;
  /** recurrent block at lr / maxIters (the paper's maze recipe) */
  lrThrottle: boolean;
  warmupPeriod: number;
  warmupUnit: 'epoch' | 'step';
  /** 0-based epochs at which the lr is multiplied by gamma */
  milestones: number[];
  gamma: number;
  epochs: number;
  batchSize: number;
  /** puzzles generated (or read from the CSV), split 80/20 into train/validation */
  trainSize: number;
  /** prefix-sum length or maze size of the training data (ignored for chess) */
  size: number;
  /**
   * also validate on puzzles of this size (longer strings, bigger mazes) and keep the checkpoint that does best
   * there; null = select on the training size, as the paper does
   */
  valSize: number | null;
}

/** The paper's published recipes. */
export const PAPER_DEFAULTS: Record<ProblemId, TrainingDefaults> = {
  'prefix-sums': {
    model: 'dt-recall', width: 400, maxIters: 30, blocks: 2,
    alpha: 1, optimizer: 'adam', lr: 1e-3, weightDecay: 2e-4, clip: 1, lrThrottle: false,
    warmupPeriod: 5, warmupUnit: 'epoch', milestones: [60, 100], gamma: 0.1,
    epochs: 150, batchSize: 100, trainSize: 10_000, size: 32, valSize: null,
  },
  mazes: {
    model: 'dt-recall', width: 128, maxIters: 30, blocks: 2,
    alpha: 0.01, optimizer: 'adam', lr: 1e-3, weightDecay: 2e-4, clip: null, lrThrottle: true,
    warmupPeriod: 10, warmupUnit: 'epoch', milestones: [100], gamma: 0.1,
    epochs: 50, batchSize: 50, trainSize: 50_000, size: 9, valSize: null,
  },
  chess: {
    model: 'dt-recall', width: 512, maxIters: 30, blocks: 2,
    alpha: 0.5, optimizer: 'sgd', lr: 0.01, weightDecay: 2e-4, clip: null, lrThrottle: false,
    warmupPeriod: 10, warmupUnit: 'epoch', milestones: [100, 115], gamma: 0.1,
    epochs: 130, batchSize: 300, trainSize: 600_000, size: 8, valSize: null,
  },
};

/**
 * CPU-sized recipes: the paper's optimiser, α, clipping and throttle; smaller nets and data. Warm-up counts steps
 * (a CPU run has only a handful of epochs); no lr decay unless asked for. Prefix sums and mazes also validate on
 * bigger puzzles (2× the length; 13×13 mazes) and keep the checkpoint that extrapolates best: the reference runs
 * show later epochs can keep 100 % at the training size while losing extrapolation.
 * Rough cost with tfjs-wasm on 2 cores: prefix sums ≈ 2–4 min, mazes ≈ 5 min per epoch.
 */
export const CPU_DEFAULTS: Record<ProblemId, TrainingDefaults> = {
  'prefix-sums': {
    ...PAPER_DEFAULTS['prefix-sums'],
    width: 32, maxIters: 12,
    warmupPeriod: 100, warmupUnit: 'step', milestones: [], epochs: 20, batchSize: 50, trainSize: 10_000, size: 16, valSize: 32,
  },
  mazes: {
    ...PAPER_DEFAULTS.mazes,
    width: 32, maxIters: 30,
    warmupPeriod: 100, warmupUnit: 'step', milestones: [], epochs: 10, batchSize: 16, trainSize: 2_000, size: 9, valSize: 13,
  },
  chess: {
    ...PAPER_DEFAULTS.chess,
    width: 32, maxIters: 20,
    warmupPeriod: 100, warmupUnit: 'step', milestones: [], epochs: 10, batchSize: 64, trainSize: 10_000,
  },
};

export function trainingDefaults(problem: ProblemId, profile: DefaultsProfile = 'cpu'): TrainingDefaults {
  const table = profile === 'paper' ? PAPER_DEFAULTS : CPU_DEFAULTS;
  const d = table[problem];
  if (!d) throw new RangeError(`no training defaults for problem "${problem}"`);
  return { ...d, milestones: d.milestones.slice() };
}
