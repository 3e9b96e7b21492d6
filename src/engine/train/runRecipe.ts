/**
 * Run a recipe's stages one after the other, resumably (recipe.ts describes recipes).
 *
 * Layout for `outDir` = runs/maze:
 *   runs/maze/                   the last stage's best checkpoint: the model to use (`predict --model runs/maze`)
 *   runs/.maze.stages/stage-1/   earlier stages' best checkpoints (hidden, so model lists skip them)
 *   runs/.maze.stages/recipe-state.json   the recipe, the seed and every finished stage (written after each stage)
 *   runs/.maze.last, runs/.maze.stages/.stage-1.last   each stage's resume state (resumeState.ts)
 * A resumed run skips the finished stages and resumes the interrupted one from its own resume state. When all stages
 * are done, the last checkpoint's model.json gets `training.recipe`: every stage's config, selection result and time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { annotateCheckpoint, writeFileAtomic } from '../checkpoint/store';
import { stageConfig, type AbandonedAttempt, type StageEpoch, type StageRecord } from './recipe';
import { stageName, stageRestarts, type Recipe } from '../../shared/recipes';
import { deriveSeed } from '../../shared/rng';
import { train } from './trainer';
import type { TrainConfig } from './trainConfig';
import type { TrainHooks, TrainProgressEvent, TrainResult } from './trainResult';
import { resumeDirFor } from './resumeState';

export interface RecipeRunOptions {
  seed: number;
  outDir: string;
  resume?: boolean;
  /** fields applied to every stage over the recipe's own (CLI flags given with --recipe; threads, csv) */
  overrides?: Partial<TrainConfig>;
  /** weights the first stage starts from (a checkpoint dir, .pth or bundled name) */
  initFrom?: string;
}

export interface RecipeProgressEvent extends TrainProgressEvent {
  /** 1-based stage in progress */
  stage: number;
  stages: number;
  stageName: string;
  /** 1-based attempt of the stage when a restart rule started it again (absent on the first) */
  attempt?: number;
}

export interface RecipeResult {
  cancelled: boolean;
  stages: StageRecord[];
  /** the directory that really holds the newest best checkpoint (undefined when no epoch of any stage finished) */
  checkpointDir?: string;
  /** true when the whole recipe finished and outDir is its final model */
  complete: boolean;
  seconds: number;
  threads: number;
  last?: TrainResult;
}

const STATE_FILE = 'recipe-state.json';

interface RecipeState {
  version: 1;
  recipe: Recipe;
  seed: number;
  overrides: Partial<TrainConfig>;
  initFrom: string | null;
  stages: StageRecord[];
  /** the stage in progress (index stages.length): its attempt and the runs of it that were abandoned */
  attempt?: number;
  abandoned?: AbandonedAttempt[];
}

/**
 * The seed of a stage's attempt: the run's own seed first, then seeds derived from it and the attempt number, so a
 * restarted run is as reproducible as any other.
 */
export function attemptSeed(seed: number, attempt: number): number {
  return attempt === 0 ? seed : deriveSeed(seed, 1000 + attempt);
}

/** Where the earlier stages of a run writing to `outDir` live. */
export function stagesDirFor(outDir: string): string {
  const abs = path.resolve(outDir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.stages`);
}

function stageDir(outDir: string, recipe: Recipe, i: number): string {
  return i === recipe.stages.length - 1 ? path.resolve(outDir) : path.join(stagesDirFor(outDir), `stage-${i + 1}`);
}

function readState(file: string): RecipeState | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as RecipeState;
    if (s.version !== 1 || !Array.isArray(s.stages)) throw new Error('not a recipe state of version 1');
    return s;
  } catch (e) {
    throw new Error(`${file}: cannot resume: ${(e as Error).message}`);
  }
}

/** The same run? Recipe, seed, overrides and init must match, or resuming would mix two runs. */
function sameRun(a: RecipeState, b: Omit<RecipeState, 'stages'>): boolean {
  return JSON.stringify([a.recipe, a.seed, a.overrides, a.initFrom]) === JSON.stringify([b.recipe, b.seed, b.overrides, b.initFrom]);
}

export async function runRecipe(recipe: Recipe, opts: RecipeRunOptions, hooks: Omit<TrainHooks, 'onProgress'> & { onProgress?: (e: RecipeProgressEvent) => void } = {}): Promise<RecipeResult> {
  const t0 = performance.now();
  const log = hooks.log ?? (() => {});
  const outDir = path.resolve(opts.outDir);
  const stagesDir = stagesDirFor(outDir);
  const stateFile = path.join(stagesDir, STATE_FILE);
  const overrides = opts.overrides ?? {};
  const fresh: Omit<RecipeState, 'stages'> = { version: 1, recipe, seed: opts.seed, overrides, initFrom: opts.initFrom ?? null };
  let state: RecipeState = { ...fresh, stages: [] };
  if (opts.resume) {
    const saved = readState(stateFile);
    if (saved && !sameRun(saved, fresh)) {
      throw new Error(`${stateFile}: this directory holds a different run (recipe, seed or flags differ); use another --out or drop --resume`);
    }
    if (saved) {
      state = saved;
      log(`resuming recipe ${recipe.name}: ${saved.stages.length} of ${recipe.stages.length} stage(s) done`);
    }
  }
  const n = recipe.stages.length;
  let threads = 1;
  let last: TrainResult | undefined;
  for (let i = state.stages.length; i < n; i++) {
    const name = stageName(recipe, i);
    const dir = stageDir(outDir, recipe, i);
    const previous = i > 0 ? state.stages[i - 1] : undefined;
    const initFrom = i === 0 ? opts.initFrom : recipe.stages[i].initFromPrevious === false ? undefined : previous?.dir;
    const rule = stageRestarts(recipe, i);
    let r: TrainResult;
    let attempt = state.attempt ?? 0;
    const abandoned: AbandonedAttempt[] = state.abandoned ?? [];
    for (;;) {
      const seed = attemptSeed(opts.seed, attempt);
      const config: TrainConfig = { ...stageConfig(recipe, i), ...overrides, seed, outDir: dir, resume: opts.resume, ...(initFrom ? { initFrom } : {}) };
      if (attempt > 0) log(`stage ${i + 1} (${name}), attempt ${attempt + 1} of ${rule.times + 1}: seed ${seed}`);
      r = await train(config, {
        token: hooks.token,
        log: hooks.log,
        onProgress: (e) => hooks.onProgress?.({ ...e, stage: i + 1, stages: n, stageName: name, ...(attempt > 0 ? { attempt: attempt + 1 } : {}) }),
      });
      const reached = r.bestEpoch > 0 ? r.bestMetric : null;
      if (r.cancelled || rule.below === null || (reached !== null && reached >= rule.below) || attempt >= rule.times) break;
      // Ended below the rule: start the stage again from scratch (its directories go; the next attempt is recorded
      // first, so a run stopped in between resumes that attempt).
      abandoned.push({ seed, accuracy: reached, epochs: r.epochsCompleted, seconds: stageSeconds(r), history: stageHistory(r) });
      log(
        `stage ${i + 1} (${name}) ended at ${reached === null ? 'no epoch' : `${(100 * reached).toFixed(1)}%`}, below its restart ` +
          `threshold ${(100 * rule.below).toFixed(1)}%: starting it again with fresh ${initFrom ? 'data' : 'weights and data'}`,
      );
      for (const d of [dir, resumeDirFor(dir)]) fs.rmSync(d, { recursive: true, force: true });
      attempt++;
      state = { ...state, attempt, abandoned };
      fs.mkdirSync(stagesDir, { recursive: true });
      await writeFileAtomic(stateFile, JSON.stringify(state, null, 1));
    }
    last = r;
    threads = r.threads;
    const c = r.config;
    const record: StageRecord = {
      index: i + 1,
      name,
      config: c,
      initFrom: initFrom ?? null,
      dir,
      bestEpoch: r.bestEpoch,
      epochsCompleted: r.epochsCompleted,
      selection: {
        size: c.valSize ?? c.size,
        iterations: c.valSize !== null ? (c.valIters ?? c.maxIters) : c.maxIters,
        accuracy: r.bestEpoch > 0 ? r.bestMetric : null,
      },
      seconds: stageSeconds(r) + abandoned.reduce((a, x) => a + x.seconds, 0),
      history: stageHistory(r),
      cancelled: r.cancelled,
      ...(abandoned.length ? { restarts: abandoned } : {}),
    };
    if (r.cancelled) {
      // The checkpoint that exists: this stage's best so far, else the previous stage's.
      const checkpointDir = r.bestDir ?? previous?.dir;
      return { cancelled: true, stages: [...state.stages, record], checkpointDir, complete: false, seconds: (performance.now() - t0) / 1000, threads, last };
    }
    if (r.bestEpoch === 0) throw new Error(`stage ${i + 1} (${name}) finished no epoch; nothing to continue from`);
    state = { ...state, stages: [...state.stages, record], attempt: 0, abandoned: [] };
    fs.mkdirSync(stagesDir, { recursive: true });
    await writeFileAtomic(stateFile, JSON.stringify(state, null, 1));
  }
  // All stages done: record the recipe in the final model (written once more on a resume that had nothing left).
  await annotateCheckpoint(outDir, {
    recipe: {
      name: recipe.name,
      ...(recipe.description ? { description: recipe.description } : {}),
      seed: opts.seed,
      stages: state.stages.map((s) => ({ ...s, dir: path.relative(path.dirname(outDir), s.dir) || '.' })),
      totalSeconds: state.stages.reduce((a, s) => a + s.seconds, 0),
    },
  });
  return { cancelled: false, stages: state.stages, checkpointDir: outDir, complete: true, seconds: (performance.now() - t0) / 1000, threads, last };
}

/** Every directory a recipe run writes besides outDir (for cleanup and for tests). */
export function recipeSideDirs(outDir: string, recipe: Recipe): string[] {
  const dirs = [stagesDirFor(outDir), resumeDirFor(outDir)];
  for (let i = 0; i < recipe.stages.length - 1; i++) dirs.push(resumeDirFor(stageDir(outDir, recipe, i)));
  return dirs;
}

/** A stage's epochs as model.json keeps them (seconds include validation; norms to 4 significant digits). */
function stageHistory(r: TrainResult): StageEpoch[] {
  const sig = (x: number) => Number(x.toPrecision(4));
  return r.history.map((h) => ({
    epoch: h.epoch, loss: h.loss, valAccuracy: h.valAccuracy, seconds: Math.round(h.seconds + (h.validationSeconds ?? 0)),
    ...(h.extrapolationAccuracy !== undefined ? { extrapolationAccuracy: h.extrapolationAccuracy } : {}),
    ...(h.gradNorm !== undefined ? { gradNorm: sig(h.gradNorm), gradNormMax: sig(h.gradNormMax ?? h.gradNorm) } : {}),
  }));
}

/** Training and validation time summed over the epochs, so a stage resumed after a stop still counts them all. */
function stageSeconds(r: TrainResult): number {
  return Math.round(r.history.reduce((a, h) => a + h.seconds + (h.validationSeconds ?? 0), 0));
}
