/**
 * `deep-thinking train`: progressive-loss training with a progress bar and an ETA, cancellable with Ctrl-C.
 * Three modes:
 * - a recipe (recipe.ts): `--recipe NAME|FILE.json`, or `--problem P` with no training field (its default recipe);
 *   flags given with `--recipe` override that field in every stage; `--model`, `--sampling`, `--threads`, `--csv`
 *   and the rating filters never switch a recipe off;
 * - a sweep: the recipe once per seed of `--seeds 1,2,3`, each in `<out>/seed-<S>`, summary in `<out>/sweep.json`;
 * - a single run from training fields (`--width`, `--epochs`, …) over the problem's CPU defaults, as before recipes.
 */
import * as os from 'node:os';
import { train } from '../train/trainer';
import { architectureOf, resolveTrainConfig, type TrainConfig } from '../train/trainConfig';
import type { TrainProgressEvent } from '../train/trainResult';
import { annotateCheckpoint } from '../checkpoint/store';
import { backendInfo } from '../tf';
import type { ProblemId } from '../../shared/problems/problem';
import { validateArchitecture, type ModelKind, type SpectralNorm } from '../../shared/architecture';
import type { Output } from './output';
import { defaultRecipe, loadRecipe } from '../train/recipe';
import type { Recipe } from '../../shared/recipes';
import { runRecipe, type RecipeProgressEvent } from '../train/runRecipe';
import { parseSeeds, runSweep, type SweepProgressEvent } from '../train/sweep';
import type { ProgressiveSampling } from '../train/progressiveLoss';

export interface TrainCliOptions {
  problem?: ProblemId;
  model?: ModelKind;
  recipe?: string;
  seeds?: string;
  sampling?: ProgressiveSampling;
  spectralNorm?: SpectralNorm;
  batchNorm?: boolean;
  stopAt?: number;
  width?: number;
  maxIters?: number;
  alpha?: number;
  epochs?: number;
  trainSize?: number;
  size?: number;
  valSize?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: 'adam' | 'sgd';
  /** commander's --no-lr-throttle: false when given, else undefined/true (then the problem's default applies) */
  lrThrottle?: boolean;
  seed: number;
  threads?: number;
  csv?: string;
  minRating?: number;
  maxRating?: number;
  profile: 'cpu' | 'paper';
  resume: boolean;
  init?: string;
  out: string;
}

/** The architecture the flags ask for, checked against the engine's bounds with the flag named in the error. */
function checkArchitectureFlags(config: TrainConfig): void {
  const arch = architectureOf(resolveTrainConfig(config));
  const flags: Record<string, string> = { width: '--width', maxIters: '--max-iters', blocks: 'blocks' };
  try {
    validateArchitecture(arch, 'train');
  } catch (e) {
    const m = /invalid architecture: (\w+) (.*)$/.exec((e as Error).message);
    if (m && flags[m[1]]) throw new RangeError(`${flags[m[1]]} ${m[2]}`);
    throw new RangeError(`--width ${arch.width}, --max-iters ${arch.maxIters}: ${(e as Error).message.replace(/^train: invalid architecture: /, '')}`);
  }
}

/** Training fields that, given without --recipe, ask for a single run over the CPU defaults. */
function trainingFields(o: TrainCliOptions): Partial<TrainConfig> {
  const f: Partial<TrainConfig> = {
    width: o.width, maxIters: o.maxIters, alpha: o.alpha, epochs: o.epochs, trainSize: o.trainSize, size: o.size, valSize: o.valSize,
    batchSize: o.batchSize, lr: o.lr, optimizer: o.optimizer, stopAt: o.stopAt,
    // Only an explicit --no-lr-throttle overrides the default (the throttle is the paper's maze recipe).
    lrThrottle: o.lrThrottle === false ? false : undefined,
    ...(o.profile === 'paper' ? { profile: 'paper' as const } : {}),
  };
  return dropUndefined(f);
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** Which recipe a command line runs, or undefined for a single run. */
export function recipeFor(o: TrainCliOptions): Recipe | undefined {
  const fields = trainingFields(o);
  if (!o.recipe && Object.keys(fields).length > 0) {
    if (o.seeds) throw new Error('--seeds runs a recipe; give --recipe NAME|FILE.json with training flags, or drop the training flags');
    return undefined;
  }
  if (!o.recipe && !o.problem) throw new Error('train needs --problem or --recipe');
  const recipe = o.recipe ? loadRecipe(o.recipe) : defaultRecipe(o.problem!);
  if (o.problem && recipe.problem !== o.problem) throw new Error(`recipe ${recipe.name} is for ${recipe.problem}, not ${o.problem}`);
  return recipe;
}

export async function runTrain(out: Output, o: TrainCliOptions): Promise<void> {
  const recipe = recipeFor(o);
  const common: Partial<TrainConfig> = dropUndefined({
    model: o.model, sampling: o.sampling, spectralNorm: o.spectralNorm, batchNorm: o.batchNorm, threads: o.threads, csv: o.csv, minRating: o.minRating, maxRating: o.maxRating,
  });

  // Ctrl-C stops at the next step and still writes the checkpoint; a second Ctrl-C exits at once.
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    out.warn('stopping after this step (Ctrl-C again to quit now)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let bar: ReturnType<Output['progress']> | undefined;
  let barKey = '';
  const onProgress = (e: TrainProgressEvent & Partial<RecipeProgressEvent> & Partial<SweepProgressEvent>) => {
    if (out.json) {
      out.record({ event: e.kind, ...e });
      return;
    }
    const key = `${e.seed ?? ''}/${e.stage ?? ''}`;
    if (key !== barKey) {
      bar?.stop();
      barKey = key;
      const label = [e.seed !== undefined ? `seed ${e.seed} (${e.run}/${e.runs})` : '', e.stages && e.stages > 1 ? `stage ${e.stage}/${e.stages} ${e.stageName}` : '']
        .filter(Boolean).join(' ');
      bar = out.progress(e.totalSteps, label ? `train ${label}` : 'train');
    }
    bar!.update(e.step, {
      epoch: `${e.epoch}/${e.epochs}`,
      loss: e.loss.toFixed(4),
      acc: (100 * e.accuracy).toFixed(1) + '%',
      ...(e.valAccuracy !== undefined ? { val: (100 * e.valAccuracy).toFixed(1) + '%' } : {}),
      ...(e.extrapolationAccuracy !== undefined ? { extrap: (100 * e.extrapolationAccuracy).toFixed(1) + '%' } : {}),
      'samples/s': e.throughput.toFixed(0),
      ...(e.etaSeconds !== undefined ? { left: formatSeconds(e.etaSeconds) + (e.stages && e.stage! < e.stages ? ' (this stage)' : '') } : {}),
    });
  };
  const command = ['deep-thinking', ...process.argv.slice(2)].join(' ');
  const hardware = (threads: number) => `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()} cores, ${backendInfo().description}, ${threads} thread(s)`;
  const log = (m: string) => out.info(m);
  try {
    if (recipe && o.seeds) {
      const seeds = parseSeeds(o.seeds);
      const overrides = { ...common, ...trainingFields(o) };
      log(`recipe ${recipe.name}: ${recipe.stages.length} stage(s), seeds ${seeds.join(', ')}`);
      const summary = await runSweep(recipe, seeds, { outDir: o.out, resume: o.resume, overrides, initFrom: o.init }, {
        token: abort.signal, log, onProgress,
        onRunDone: async (run, result) => {
          bar?.stop();
          barKey = '';
          if (result?.complete) await annotateCheckpoint(result.checkpointDir!, { command, hardware: hardware(result.threads), trainingSeconds: run.seconds });
          const acc = run.selectionAccuracy !== null ? `${(100 * run.selectionAccuracy).toFixed(1)}%` : '—';
          out.info(`seed ${run.seed}: ${run.status}, selection accuracy ${acc}, ${formatSeconds(run.seconds)}`);
        },
      });
      const cancelled = summary.runs.some((r) => r.status === 'cancelled');
      out.record(
        { event: 'done', kind: 'sweep', out: o.out, cancelled, ...summary },
        `${cancelled ? 'cancelled' : 'done'}: sweep of ${summary.runs.filter((r) => r.status === 'done').length}/${seeds.length} seed(s) in ${o.out}; ` +
          `kept ${summary.kept ?? 'none'} (${o.out}/sweep.json)`,
      );
      return;
    }
    if (recipe) {
      const overrides = { ...common, ...(o.recipe ? trainingFields(o) : {}) };
      log(`recipe ${recipe.name}: ${recipe.stages.length} stage(s)` + (recipe.description ? ` — ${recipe.description}` : ''));
      const r = await runRecipe(recipe, { seed: o.seed, outDir: o.out, resume: o.resume, overrides, initFrom: o.init }, { token: abort.signal, log, onProgress });
      bar?.stop();
      const seconds = r.stages.reduce((a, s) => a + s.seconds, 0);
      if (r.checkpointDir) await annotateCheckpoint(r.checkpointDir, { command, hardware: hardware(r.threads), trainingSeconds: seconds });
      const lastStage = r.stages[r.stages.length - 1];
      const sel = lastStage?.selection;
      out.record(
        {
          event: 'done', kind: 'recipe', recipe: recipe.name, out: r.checkpointDir ?? null, cancelled: r.cancelled, complete: r.complete,
          stages: r.stages.map((s) => ({ name: s.name, bestEpoch: s.bestEpoch, selection: s.selection, seconds: s.seconds, dir: s.dir })),
          seconds, threads: r.threads,
        },
        r.cancelled
          ? `cancelled in stage ${r.stages.length}/${recipe.stages.length}` +
              (r.checkpointDir ? `; the newest checkpoint is in ${r.checkpointDir}; continue with --resume` : '; no epoch finished, so no checkpoint was written')
          : `done: recipe ${recipe.name}, ${r.stages.length} stage(s) in ${formatSeconds(seconds)}; selection accuracy ` +
              `${sel?.accuracy !== null && sel ? (100 * sel.accuracy).toFixed(1) + '%' : '—'} at size ${sel?.size}, ${sel?.iterations} iterations → ${r.checkpointDir}`,
      );
      return;
    }

    const config: TrainConfig = dropUndefined({
      problem: o.problem!,
      ...common,
      ...trainingFields(o),
      seed: o.seed,
      resume: o.resume,
      initFrom: o.init,
      outDir: o.out,
    });
    checkArchitectureFlags(config);
    const result = await train(config, { token: abort.signal, log, onProgress });
    bar?.stop();
    // Every checkpoint records how it was made.
    if (result.bestDir) await annotateCheckpoint(result.bestDir, { command, hardware: hardware(result.threads), trainingSeconds: Math.round(result.seconds) });
    const summary = {
      event: 'done',
      out: result.bestDir ?? null,
      cancelled: result.cancelled,
      epochs: result.epochsCompleted,
      steps: result.steps,
      bestEpoch: result.bestEpoch,
      bestMetric: result.bestEpoch > 0 ? result.bestMetric : null,
      seconds: Math.round(result.seconds),
      threads: result.threads,
    };
    out.record(
      summary,
      `${result.cancelled ? 'cancelled' : 'done'}: ${result.steps} steps in ${formatSeconds(summary.seconds)}; ` +
        (result.bestEpoch > 0
          ? `best epoch ${result.bestEpoch} (selection accuracy ${(100 * result.bestMetric).toFixed(1)}%) → ${result.bestDir}`
          : `no epoch finished, so no checkpoint was written` + (result.cancelled && result.lastDir ? ` (resume state in ${result.lastDir}; continue with --resume)` : '')),
    );
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }
}
