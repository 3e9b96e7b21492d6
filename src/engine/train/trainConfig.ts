/**
 * The training run's configuration: what a caller may give (TrainConfig), the defaults that fill the rest (per
 * problem and profile, see defaults.ts), and the checks that reject a bad field by name before any data is made or
 * any weight is drawn. It is its own module because recipes and the CLI resolve and check a
 * config without training; the resolved config is also what a resume state stores, so a resumed run trains the
 * same net with the same schedule. The `paper` profile holds the published recipes (Bansal et al. 2022, appendix).
 */
import { MODEL_KINDS, SPECTRAL_NORMS, type Architecture, type SpectralNorm } from '../../shared/architecture';
import type { ProblemId } from '../../shared/problems/problem';
import { getProblem } from '../../shared/problems';
import { PROGRESSIVE_SAMPLINGS, type ProgressiveSampling } from './progressiveLoss';
import type { OptimizerKind } from './optimizer';
import type { LrSchedule } from './schedule';
import { trainingDefaults, type DefaultsProfile, type TrainingDefaults } from './defaults';

export interface TrainConfig extends Partial<TrainingDefaults> {
  problem: ProblemId;
  /** which defaults fill the fields not given (default 'cpu') */
  profile?: DefaultsProfile;
  seed?: number;
  /** iterations for the `valSize` validation (default: maxIters · valSize / size, rounded up) */
  valIters?: number;
  /** chess: the Lichess puzzle CSV */
  csv?: string;
  /** chess: keep puzzles with minRating ≤ Rating < maxRating */
  minRating?: number;
  maxRating?: number;
  /** mazes: fraction of extra walls knocked out (imperfect mazes with loops) */
  mazeLoops?: number;
  /** batch size for validation (default 2 × batchSize) */
  evalBatchSize?: number;
  /** worker threads for the gradient (1 = in this thread; default: the cores available) */
  threads?: number;
  /** checkpoint directory (none written when absent) */
  outDir?: string;
  /** continue from `<outDir>/last` when it holds a resumable state (the stored config wins, except epochs/threads) */
  resume?: boolean;
  /**
   * Start from this model's weights (a checkpoint dir, .pth or bundled name) instead of a random init: fine-tuning,
   * or a curriculum (small mazes first). The architecture must match, except its default iteration count.
   */
  initFrom?: string;
  /** how the progressive loss draws n and k (default: the paper's, `independent`) */
  sampling?: ProgressiveSampling;
  /** dt-l: how its recurrent convs are spectrally normalised (default `matrix`, the paper's; see Architecture) */
  spectralNorm?: SpectralNorm;
  /** dt-l: batch norm after the projection and the head's hidden convs (default false; see Architecture) */
  batchNorm?: boolean;
  /**
   * stop once the selection accuracy reaches this (e.g. 1): `epochs` is then a cap. A seed that learns late gets
   * the epochs it needs; one that learns early is not trained on (later epochs can lose extrapolation anyway).
   */
  stopAt?: number | null;
}

export interface ResolvedTrainConfig extends TrainingDefaults {
  problem: ProblemId;
  profile: DefaultsProfile;
  seed: number;
  valIters: number | null;
  csv: string | null;
  minRating: number | null;
  maxRating: number | null;
  mazeLoops: number;
  evalBatchSize: number;
  initFrom: string | null;
  sampling: ProgressiveSampling;
  stopAt: number | null;
  /** dt-l only (null for the other models) */
  spectralNorm: SpectralNorm | null;
  /** dt-l only (null for the other models) */
  batchNorm: boolean | null;
}

/** Fill defaults and check every field, naming the one that is wrong. */
export function resolveTrainConfig(c: TrainConfig): ResolvedTrainConfig {
  const problem = getProblem(c.problem).id;
  const profile = c.profile ?? 'cpu';
  const d = trainingDefaults(problem, profile);
  const pick = <K extends keyof TrainingDefaults>(k: K): TrainingDefaults[K] => (c[k] !== undefined ? (c[k] as TrainingDefaults[K]) : d[k]);
  const r: ResolvedTrainConfig = {
    problem,
    profile,
    model: pick('model'),
    width: pick('width'),
    maxIters: pick('maxIters'),
    blocks: pick('blocks'),
    alpha: pick('alpha'),
    optimizer: pick('optimizer'),
    lr: pick('lr'),
    weightDecay: pick('weightDecay'),
    clip: pick('clip'),
    lrThrottle: pick('lrThrottle'),
    warmupPeriod: pick('warmupPeriod'),
    warmupUnit: pick('warmupUnit'),
    milestones: pick('milestones').slice(),
    gamma: pick('gamma'),
    epochs: pick('epochs'),
    batchSize: pick('batchSize'),
    trainSize: pick('trainSize'),
    size: pick('size'),
    seed: c.seed ?? 0,
    valSize: c.valSize !== undefined ? c.valSize : problem === 'chess' ? null : d.valSize,
    valIters: null,
    csv: c.csv ?? null,
    minRating: c.minRating ?? null,
    maxRating: c.maxRating ?? null,
    mazeLoops: c.mazeLoops ?? 0,
    evalBatchSize: c.evalBatchSize ?? 0,
    initFrom: c.initFrom ?? null,
    sampling: c.sampling ?? 'independent',
    stopAt: c.stopAt ?? null,
    spectralNorm: null,
    batchNorm: null,
  };
  const fail = (what: string): never => {
    throw new RangeError(`training config: ${what}`);
  };
  const posInt = (k: string, v: number) => (!Number.isInteger(v) || v < 1) && fail(`${k} must be a positive integer, got ${v}`);
  for (const k of ['width', 'maxIters', 'blocks', 'epochs', 'batchSize', 'size'] as const) posInt(k, r[k]);
  if (!Number.isInteger(r.trainSize) || r.trainSize < 2) fail(`trainSize must be an integer ≥ 2 (80/20 split), got ${r.trainSize}`);
  if (!MODEL_KINDS.includes(r.model)) fail(`model must be one of ${MODEL_KINDS.join(', ')}, got ${r.model}`);
  if (c.spectralNorm !== undefined && r.model !== 'dt-l') fail(`spectralNorm applies to dt-l only, not ${r.model}`);
  if (r.model === 'dt-l') r.spectralNorm = c.spectralNorm ?? 'matrix';
  if (c.batchNorm !== undefined && r.model !== 'dt-l') fail(`batchNorm applies to dt-l only, not ${r.model}`);
  if (r.model === 'dt-l') r.batchNorm = c.batchNorm ?? false;
  if (r.batchNorm !== null && typeof r.batchNorm !== 'boolean') fail(`batchNorm must be true or false, got ${String(r.batchNorm)}`);
  if (r.spectralNorm !== null && !SPECTRAL_NORMS.includes(r.spectralNorm)) fail(`spectralNorm must be one of ${SPECTRAL_NORMS.join(', ')}, got ${String(r.spectralNorm)}`);
  if (!PROGRESSIVE_SAMPLINGS.includes(r.sampling)) fail(`sampling must be ${PROGRESSIVE_SAMPLINGS.join(' or ')}, got ${String(r.sampling)}`);
  if (!(r.alpha >= 0 && r.alpha <= 1)) fail(`alpha must be in [0, 1], got ${r.alpha}`);
  if (!(['adam', 'sgd'] as OptimizerKind[]).includes(r.optimizer)) fail(`optimizer must be adam or sgd, got ${r.optimizer}`);
  if (!(r.lr > 0)) fail(`lr must be > 0, got ${r.lr}`);
  if (!(r.weightDecay >= 0)) fail(`weightDecay must be ≥ 0, got ${r.weightDecay}`);
  if (r.clip !== null && !(r.clip > 0)) fail(`clip must be > 0 or null, got ${r.clip}`);
  if (!(r.warmupPeriod >= 0)) fail(`warmupPeriod must be ≥ 0, got ${r.warmupPeriod}`);
  if (r.warmupUnit !== 'epoch' && r.warmupUnit !== 'step') fail(`warmupUnit must be 'epoch' or 'step', got ${r.warmupUnit}`);
  if (!Number.isFinite(r.seed)) fail(`seed must be a number, got ${r.seed}`);
  if (r.stopAt !== null && !(r.stopAt > 0 && r.stopAt <= 1)) fail(`stopAt must be in (0, 1] or null, got ${r.stopAt}`);
  if (problem === 'chess' && !r.csv) fail('chess needs a Lichess puzzle CSV (csv)');
  if (problem === 'chess' && r.valSize !== null) fail('valSize does not apply to chess');
  if (r.valSize !== null) {
    posInt('valSize', r.valSize);
    r.valIters = c.valIters ?? Math.ceil((r.maxIters * r.valSize) / r.size);
    posInt('valIters', r.valIters);
  }
  if (r.evalBatchSize === 0) r.evalBatchSize = 2 * r.batchSize;
  posInt('evalBatchSize', r.evalBatchSize);
  return r;
}

export function architectureOf(c: ResolvedTrainConfig): Architecture {
  const p = getProblem(c.problem);
  const arch: Architecture = { kind: c.model, dims: p.dims, width: c.width, inChannels: p.inChannels, maxIters: c.maxIters, blocks: c.blocks };
  // A config stored before the field existed has none: dt-l then gets the default.
  if (c.model === 'dt-l') arch.spectralNorm = c.spectralNorm ?? 'matrix';
  if (c.model === 'dt-l' && c.batchNorm) arch.batchNorm = true;
  return arch;
}

export function scheduleOf(c: ResolvedTrainConfig): LrSchedule {
  return { lr: c.lr, warmupPeriod: c.warmupPeriod, warmupUnit: c.warmupUnit, milestones: c.milestones, gamma: c.gamma };
}
