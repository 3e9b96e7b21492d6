/**
 * The Train Model… wizard's choices and texts (pure; unit-tested): how to train (the problem's default recipe, a seed
 * sweep of it, or custom width and epochs over that recipe), each with an estimated duration from the measured
 * seconds per step (shared/recipes.ts); the step count in the titles; the progress toast's message with an ETA.
 */
import type { ProblemId } from '../shared/problems/problem';
import type { TrainProgress } from '../shared/protocol/engine';
import { BUILTIN_RECIPES, estimateRecipeSeconds, formatDuration, formatDurationRange, MEASURED_RUNS, stageFields, type Recipe } from '../shared/recipes';

export type TrainMode = 'recipe' | 'sweep' | 'custom';

/** Seeds of the wizard's sweep. */
export const SWEEP_SEEDS = [1, 2, 3];

export interface ModeChoice {
  mode: TrainMode;
  label: string;
  detail: string;
  /** estimated seconds (undefined when unknown) */
  seconds?: number;
}

export function defaultRecipeOf(problem: ProblemId): Recipe {
  return BUILTIN_RECIPES[problem];
}

const ESTIMATE_NOTE = 'measured on 2 CPU cores with libtorch';

export function modeChoices(problem: ProblemId): ModeChoice[] {
  const recipe = defaultRecipeOf(problem);
  const one = estimateRecipeSeconds(recipe);
  // With a stop rule the epochs are a cap, and with a restart rule every attempt is counted: the estimate is the
  // most it takes.
  const capped = recipe.stages.some((s) => (s.stopAt !== undefined && s.stopAt !== null) || (s.restartBelow !== undefined && s.restartBelow !== null));
  const est = (s: number | undefined) => (s === undefined ? 'duration unknown' : `${capped ? 'at most ' : ''}${formatDuration(s)} (${ESTIMATE_NOTE})`);
  // The seeds measured with this very recipe say what a run usually takes; the cap stays beside it.
  const measured = MEASURED_RUNS[recipe.name];
  const usual = measured ? `${formatDurationRange(measured.minSeconds, measured.maxSeconds)} over ${measured.seeds} measured seeds, ` : '';
  const stages = recipe.stages.length > 1 ? `${recipe.stages.length} stages: ` : '';
  return [
    { mode: 'recipe', label: `Default recipe — ${usual}${est(one)}`, detail: `${stages}${recipe.description ?? recipe.name}`, seconds: one },
    {
      mode: 'sweep',
      label: `Seed sweep: the default recipe with seeds ${SWEEP_SEEDS.join(', ')} — ${est(one !== undefined ? one * SWEEP_SEEDS.length : undefined)}`,
      detail: 'one run after another; the side panel shows them together and which one is kept',
      seconds: one !== undefined ? one * SWEEP_SEEDS.length : undefined,
    },
    { mode: 'custom', label: 'Custom width and epochs…', detail: 'the default recipe\'s other fields; the duration is shown for each choice' },
  ];
}

/** Estimate of the default recipe with `width` and/or `epochs` (per stage) overridden. */
export function customEstimate(problem: ProblemId, over: { width?: number; epochs?: number }): string {
  const s = estimateRecipeSeconds(defaultRecipeOf(problem), over);
  return s === undefined ? '' : formatDuration(s);
}

/** The default recipe's width and epochs (of its last stage), to suggest. */
export function recipeSuggestion(problem: ProblemId): { width: number; epochs: number } {
  const r = defaultRecipeOf(problem);
  const f = stageFields(r, r.stages.length - 1);
  return { width: f.width ?? 32, epochs: f.epochs ?? 5 };
}

/**
 * The questions the wizard will ask, in order, given what `args` already answered: the titles count them, so the
 * last one says n/n (the run name and, for chess, the puzzle file included).
 */
export function wizardSteps(o: { problemGiven: boolean; modeGiven: boolean; modelGiven: boolean; mode: TrainMode; nameGiven: boolean; chessCsv: boolean }): string[] {
  const steps: string[] = [];
  if (!o.problemGiven) steps.push('problem');
  if (!o.modeGiven) steps.push('how to train');
  if (!o.modelGiven) steps.push('architecture');
  if (o.mode === 'custom') steps.push('width (channels)', 'epochs');
  if (!o.nameGiven) steps.push('run name');
  if (o.chessCsv) steps.push('chess puzzles');
  return steps;
}

export function stepTitle(steps: string[], what: string): string {
  const i = steps.indexOf(what);
  return i < 0 ? `Train Model: ${what}` : `Train Model (${i + 1}/${steps.length}): ${what}`;
}

/** "4 min", "1 h 05 min", "35 s". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** The progress toast's line: [seed i/n ·] [stage s/S ·] epoch · loss · acc · val · throughput · time left. */
export function progressMessage(p: TrainProgress, sweep?: { index: number; count: number; seed: number }): string {
  const parts: string[] = [];
  if (sweep) parts.push(`seed ${sweep.seed} (${sweep.index}/${sweep.count})`);
  if (p.stages && p.stages > 1) parts.push(`stage ${p.stage}/${p.stages}${p.stageName ? ` ${p.stageName}` : ''}`);
  parts.push(`epoch ${p.epoch}/${p.epochs}`, `loss ${p.loss.toFixed(4)}`, `acc ${(p.accuracy * 100).toFixed(1)}%`);
  if (p.valAccuracy !== undefined) parts.push(`val ${(p.valAccuracy * 100).toFixed(1)}%`);
  parts.push(`${Math.round(p.throughput)}/s`);
  if (p.etaSeconds !== undefined) parts.push(`≈ ${formatEta(p.etaSeconds)} left${p.stages && p.stage! < p.stages ? ' in this stage' : ''}`);
  return parts.join(' · ');
}
