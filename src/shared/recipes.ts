/**
 * Training recipes as data (pure, shared by the engine, which runs them, and the extension's Train Model… wizard,
 * which offers them with an estimated duration). A recipe is a problem and a list of stages; each stage's fields
 * inherit from the stage before. The problem's default recipe is the one named after it. The prefix-sum and chess
 * defaults produced the bundled models (their model.json records each command); the maze default is the faster
 * curriculum measured on every seed (docs/seeds.md), and `mazes-bundled` is the one the bundled maze model came from.
 */
import type { ModelKind } from './architecture';
import type { ProblemId } from './problems/problem';

/** The fields a stage may set (everything about one training run except where it writes and its seed). */
export interface RecipeStage {
  /** a label for logs and model.json (default: "stage N") */
  name?: string;
  /** start from the previous stage's best weights (default true; ignored on the first stage) */
  initFromPrevious?: boolean;
  model?: ModelKind;
  width?: number;
  maxIters?: number;
  blocks?: number;
  alpha?: number;
  optimizer?: 'adam' | 'sgd';
  lr?: number;
  weightDecay?: number;
  clip?: number | null;
  lrThrottle?: boolean;
  warmupPeriod?: number;
  warmupUnit?: 'epoch' | 'step';
  milestones?: number[];
  gamma?: number;
  epochs?: number;
  batchSize?: number;
  trainSize?: number;
  size?: number;
  /** selection size: the best epoch is the one most accurate at this size (null: at the training size) */
  valSize?: number | null;
  /** selection iterations at valSize */
  valIters?: number;
  mazeLoops?: number;
  evalBatchSize?: number;
  sampling?: 'independent' | 'uniform-total';
  /** dt-l: spectral normalisation of its recurrent convs (shared/architecture.ts) */
  spectralNorm?: 'matrix' | 'operator';
  /** dt-l: batch norm after the projection and the head's hidden convs (shared/architecture.ts) */
  batchNorm?: boolean;
  /** stop the stage once its selection accuracy reaches this (epochs is then a cap); null: run every epoch */
  stopAt?: number | null;
  minRating?: number;
  maxRating?: number;
  /**
   * a stage that ends with its selection accuracy below this runs again: new weights (or the previous stage's again),
   * data, shuffles and progressive-loss draws, all from a seed derived from the run's seed and the attempt
   * (runRecipe.ts). Some seeds sit on a plateau or in a partial solution that more epochs do not leave
   * (docs/seeds.md); a fresh start is cheaper. null or absent: never.
   */
  restartBelow?: number | null;
  /** how many times such a stage may run again (default 3) */
  restarts?: number;
}

export interface Recipe {
  name: string;
  problem: ProblemId;
  description?: string;
  stages: RecipeStage[];
}

// Built-in recipes: the commands recorded in the bundled models' model.json, as data.
const PREFIX_SUMS: RecipeStage = { model: 'dt-recall', width: 64, maxIters: 30, alpha: 1, size: 32, valSize: 64, trainSize: 10_000, batchSize: 100 };
const MAZES_5: RecipeStage = {
  model: 'dt-recall', width: 32, maxIters: 10, alpha: 0.5, lrThrottle: false, size: 5, valSize: 7, trainSize: 10_000, batchSize: 32,
};
const CHESS: RecipeStage = { model: 'dt-recall', width: 64, maxIters: 20, maxRating: 1200, trainSize: 22_000, epochs: 8, batchSize: 64, optimizer: 'adam', lr: 0.001 };

export const BUILTIN_RECIPES: Record<string, Recipe> = {
  'prefix-sums': {
    name: 'prefix-sums', problem: 'prefix-sums',
    description: 'Curriculum: 16-bit strings at 20 iterations until 100 % on 32 bits, then 32 bits at 30 iterations until ' +
      '100 % on 64 bits; DT-recall width 64, α 1, progressive loss with a uniform total n + k, no gradient clipping.',
    // Measured per seed on 2 shared cores (libtorch, docs/seeds.md). Uniform total n + k: the paper's independent n and
    // k train an unroll of total length T with probability H(T)/30 (T ≤ 5: 1.7 %), so the first iterations rarely get
    // a loss of their own; a uniform total gives T ≤ 5 a sixth of the draws. No clipping: with the paper's clip at
    // global norm 1, seed 3 settled in a minimum that solves 3 % of 32-bit strings and never left it (15 or 30 epochs,
    // lr 2e-3, weight decay 1e-3, this curriculum); without it seed 3 reaches 100 % on 32 bits in 6 epochs. Why the
    // clip traps it is not established (a guess: the escape takes a few large steps, and the clip shrinks exactly
    // those). The 16-bit stage makes the first epochs ~3× cheaper than 32-bit ones.
    stages: [
      {
        name: '16 bits', ...PREFIX_SUMS, maxIters: 20, size: 16, valSize: 32, clip: null, sampling: 'uniform-total', epochs: 8, stopAt: 1,
        restartBelow: 0.5, restarts: 3,
      },
      { name: '32 bits', maxIters: 30, size: 32, valSize: 64, epochs: 12, stopAt: 1, restartBelow: null },
    ],
  },
  'prefix-sums-dt': {
    name: 'prefix-sums-dt', problem: 'prefix-sums', description: 'Baseline: DT without recall, full-depth loss (α 0), 20 iterations.',
    stages: [{ ...PREFIX_SUMS, model: 'dt', maxIters: 20, alpha: 0, epochs: 10 }],
  },
  'prefix-sums-ff': {
    name: 'prefix-sums-ff', problem: 'prefix-sums', description: 'Baseline: feed-forward net of 30 untied blocks, α 0.',
    stages: [{ ...PREFIX_SUMS, model: 'feedforward', alpha: 0, valSize: null, epochs: 3 }],
  },
  mazes: {
    name: 'mazes', problem: 'mazes',
    description: 'Curriculum: 5×5 mazes at 10 iterations until 95 % on 7×7 (at most 15 epochs), then 8 epochs of 4,000 9×9 ' +
      'mazes at 30 iterations from those weights, lr 5e-4 (× 0.1 from the 6th), keeping the epoch best on 13×13 at 44 ' +
      'iterations; gradients clipped at global norm 2.',
    // Measured per seed on 2 cores (libtorch, docs/seeds.md). Without a clip the same curriculum lost seed 1: its
    // largest gradient norm per epoch reached 70–170 while the mean was 0.3–5, and those epochs are where the loss
    // jumped back up (5×5 epoch 5; 9×9 epoch 2, where 13×13 fell to 2 %). Clipping at 2 leaves the usual steps alone
    // and caps the spikes (the remedy of Pascanu et al. 2013 for recurrent nets); with it every measured seed learns.
    // The 9×9 stage runs all its epochs: a stop at 97 % on 13×13 ended it as early as its 2nd epoch, on a net that
    // solved 95.5 % of fresh 13×13 mazes at 44 iterations and 91.5 % at 60 (seed 5 on 2 threads); the same weights
    // trained on to epoch 4 solve 99–100 % at every count from 44 to 200. Small epochs (4,000 mazes) let the
    // selection look at 13×13 every 125 steps.
    stages: [
      { name: '5x5', ...MAZES_5, clip: 2, epochs: 15, stopAt: 0.95 },
      { name: '9x9', maxIters: 30, size: 9, valSize: 13, trainSize: 5_000, epochs: 8, lr: 0.0005, stopAt: null, milestones: [5], gamma: 0.1 },
    ],
  },
  'mazes-bundled': {
    name: 'mazes-bundled', problem: 'mazes',
    description: 'The bundled maze model\'s curriculum: 5×5 mazes at 10 iterations for 15 epochs (selected on 7×7), then 9×9 ' +
      'at 30 iterations from those weights for 6 epochs, lr 5e-4, selected on 13×13 at 44 iterations; no clipping.',
    stages: [
      { name: '5x5', ...MAZES_5, epochs: 15 },
      { name: '9x9', maxIters: 30, size: 9, valSize: 13, epochs: 6, lr: 0.0005 },
    ],
  },
  'mazes-dt': {
    name: 'mazes-dt', problem: 'mazes', description: 'Baseline: DT without recall, full-depth loss (α 0), trained like stage 1 of mazes.',
    stages: [{ ...MAZES_5, model: 'dt', alpha: 0, epochs: 5 }],
  },
  'mazes-ff': {
    name: 'mazes-ff', problem: 'mazes', description: 'Baseline: feed-forward net of 10 untied blocks, trained like stage 1 of mazes.',
    stages: [{ ...MAZES_5, model: 'feedforward', alpha: 0, epochs: 5 }],
  },
  chess: {
    name: 'chess', problem: 'chess', description: 'DT-recall width 64, 20 iterations, Adam 1e-3, puzzles rated below 1200 (needs --csv).',
    stages: [CHESS],
  },
  'chess-ff': {
    name: 'chess-ff', problem: 'chess', description: 'Baseline: feed-forward net of 20 untied blocks, same budget as chess.',
    stages: [{ ...CHESS, model: 'feedforward' }],
  },
};

/** Stage i's restart rule (fields inherit like the others): the accuracy below which it runs again, and how often. */
export function stageRestarts(recipe: Recipe, i: number): { below: number | null; times: number } {
  const f = stageFields(recipe, i);
  return { below: f.restartBelow ?? null, times: f.restarts ?? 3 };
}

/** Stage i's fields: those of stages 0…i, later ones winning (without name/initFromPrevious). */
export function stageFields(recipe: Recipe, i: number): Omit<RecipeStage, 'name' | 'initFromPrevious'> {
  const merged: Record<string, unknown> = {};
  for (let k = 0; k <= i; k++) {
    for (const [key, v] of Object.entries(recipe.stages[k])) if (key !== 'name' && key !== 'initFromPrevious') merged[key] = v;
  }
  return merged;
}

export function stageName(recipe: Recipe, i: number): string {
  return recipe.stages[i].name ?? `stage ${i + 1}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Estimated duration, for the wizard before it asks. Seconds per optimizer step (validation included, averaged over
// the epoch) measured on 2 shared CPU cores with the libtorch backend, and scaled by what a step's convolutions cost:
// width² × iterations × positions × batch. The references are the runs that made the bundled models and this
// repository's own measurements; the scaling predicts the 9×9 maze stage from the 5×5 one within 10 %.

interface StepReference {
  secondsPerStep: number;
  width: number;
  maxIters: number;
  /** positions per puzzle: length, or side² */
  positions: number;
  batchSize: number;
}

/** Measured (libtorch, 2 cores shared with other jobs). */
export const STEP_REFERENCES: Record<ProblemId, StepReference> = {
  // the prefix-sums recipe's 32-bit stage, 5 seeds: 80 steps (an epoch, validation included) in 14–19 s, two runs
  // sharing the 2 cores with one thread each (docs/seeds.md); its 16-bit stage (6 s an epoch) scales within 15 %
  'prefix-sums': { secondsPerStep: 0.2, width: 64, maxIters: 30, positions: 32, batchSize: 100 },
  // the bundled mazes model, stage 2: 1500 steps in 4849 s (stage 1: 3750 steps in 1358 s, 0.36 s/step)
  mazes: { secondsPerStep: 3.2, width: 32, maxIters: 30, positions: 81, batchSize: 32 },
  // the bundled chess model: 2200 steps in 3063 s
  chess: { secondsPerStep: 1.39, width: 64, maxIters: 20, positions: 64, batchSize: 64 },
};

/** What the estimate needs of a stage once every field is known. */
export interface StageShape {
  width: number;
  maxIters: number;
  /** prefix-sum length or maze side (chess: 8) */
  size: number;
  batchSize: number;
  trainSize: number;
  epochs: number;
}

export function estimateStageSeconds(problem: ProblemId, s: StageShape): number {
  const ref = STEP_REFERENCES[problem];
  const positions = problem === 'prefix-sums' ? s.size : problem === 'chess' ? 64 : s.size * s.size;
  const scale = ((s.width / ref.width) ** 2 * s.maxIters * positions * s.batchSize) / (ref.maxIters * ref.positions * ref.batchSize);
  const steps = Math.max(1, Math.floor((0.8 * s.trainSize) / s.batchSize)) * s.epochs;
  return steps * ref.secondsPerStep * scale;
}

/**
 * Estimated seconds of a recipe, `overrides` applied to every stage; undefined when a stage lacks a field the
 * estimate needs (the built-in recipes give them all). Epochs count in full and a stage with a restart rule counts
 * once per attempt it may take, so with a stop or restart rule this is the most the recipe takes.
 */
export function estimateRecipeSeconds(recipe: Recipe, overrides: Partial<StageShape> = {}): number | undefined {
  let total = 0;
  for (let i = 0; i < recipe.stages.length; i++) {
    const f = { ...stageFields(recipe, i), ...overrides };
    const size = recipe.problem === 'chess' ? 8 : f.size;
    if (f.width === undefined || f.maxIters === undefined || size === undefined || f.batchSize === undefined || f.trainSize === undefined || f.epochs === undefined) {
      return undefined;
    }
    const { below, times } = stageRestarts(recipe, i);
    const attempts = below === null ? 1 : 1 + times;
    total += attempts * estimateStageSeconds(recipe.problem, { width: f.width, maxIters: f.maxIters, size, batchSize: f.batchSize, trainSize: f.trainSize, epochs: f.epochs });
  }
  return total;
}

/**
 * Whole runs of a built-in recipe, measured per seed on libtorch and 2 cores (docs/seeds.md: prefix sums with one
 * run per core, mazes one run at a time with both cores): what a recipe with stop rules usually takes, beside its cap.
 */
export const MEASURED_RUNS: Readonly<Record<string, { seeds: number; minSeconds: number; maxSeconds: number }>> = {
  'prefix-sums': { seeds: 5, minSeconds: 47, maxSeconds: 150 },
  mazes: { seeds: 5, minSeconds: 760, maxSeconds: 959 },
};

/** "16–36 min", "1–3 min", "50 min – 1 h 10 min". */
export function formatDurationRange(minSeconds: number, maxSeconds: number): string {
  const [a, b] = [minSeconds, maxSeconds].map(wholeMinutes);
  if (b < 60) return a === b ? `${a} min` : `${a}–${b} min`;
  return `${minutesText(a)} – ${minutesText(b)}`;
}

/** "≈ 8 min", "≈ 1 h 40 min". */
export function formatDuration(seconds: number): string {
  return `≈ ${minutesText(wholeMinutes(seconds))}`;
}

function wholeMinutes(seconds: number): number {
  return Math.max(1, Math.round(seconds / 60));
}

/** "8 min", "1 h 40 min", "2 h". */
function minutesText(m: number): string {
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
