/**
 * Training recipes as data: a recipe is a problem and a list of stages; each stage is a training run (trainer.ts)
 * whose fields inherit from the stage before and override what differs. A curriculum (small mazes first, then the
 * training size from those weights) is two stages; most recipes are one.
 *
 *   { "name": "mazes", "problem": "mazes", "stages": [
 *       { "name": "5x5", "width": 32, "maxIters": 10, "size": 5, "valSize": 7, "epochs": 15, … },
 *       { "name": "9x9", "maxIters": 30, "size": 9, "valSize": 13, "epochs": 6, "lr": 0.0005 } ] }
 *
 * Fields not given by any stage take the problem's CPU defaults (defaults.ts). A stage after the first starts from
 * the previous stage's best checkpoint unless it says `"initFromPrevious": false`.
 *
 * The built-in recipes (src/shared/recipes.ts, shared with the extension's wizard) are the ones that produced the
 * bundled models; the problem's default recipe is the one named after it. This file validates and loads recipes.
 */
import * as fs from 'node:fs';
import { PROBLEM_IDS, type ProblemId } from '../../shared/problems/problem';
import { MODEL_KINDS, SPECTRAL_NORMS } from '../../shared/architecture';
import { BUILTIN_RECIPES, stageFields, stageRestarts, type Recipe, type RecipeStage } from '../../shared/recipes';
import { PROGRESSIVE_SAMPLINGS } from './progressiveLoss';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './trainConfig';


/** Stage i's training config: the fields of stages 0…i, later ones winning (without name/initFromPrevious). */
export function stageConfig(recipe: Recipe, i: number): TrainConfig {
  // The restart rule is the recipe runner's (runRecipe.ts), not a training field.
  const { restartBelow: _below, restarts: _times, ...fields } = stageFields(recipe, i);
  return { problem: recipe.problem, ...fields } as TrainConfig;
}

type FieldKind = 'int' | 'number' | 'number|null' | 'int|null' | 'bool' | 'string' | 'int[]' | readonly string[];
const STAGE_FIELDS: Record<keyof RecipeStage, FieldKind> = {
  name: 'string', initFromPrevious: 'bool', model: MODEL_KINDS, width: 'int', maxIters: 'int', blocks: 'int', alpha: 'number',
  optimizer: ['adam', 'sgd'], lr: 'number', weightDecay: 'number', clip: 'number|null', lrThrottle: 'bool', warmupPeriod: 'number',
  warmupUnit: ['epoch', 'step'], milestones: 'int[]', gamma: 'number', epochs: 'int', batchSize: 'int', trainSize: 'int', size: 'int',
  valSize: 'int|null', valIters: 'int', mazeLoops: 'number', evalBatchSize: 'int', sampling: PROGRESSIVE_SAMPLINGS, stopAt: 'number|null', minRating: 'number',
  maxRating: 'number', restartBelow: 'number|null', restarts: 'int', spectralNorm: SPECTRAL_NORMS, batchNorm: 'bool',
};
const RECIPE_FIELDS = ['name', 'problem', 'description', 'stages'];

function checkField(kind: FieldKind, v: unknown): string | undefined {
  const isInt = (x: unknown) => typeof x === 'number' && Number.isInteger(x);
  const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (Array.isArray(kind)) return typeof v === 'string' && kind.includes(v) ? undefined : `must be one of ${kind.join(', ')}`;
  switch (kind) {
    case 'int': return isInt(v) ? undefined : 'must be an integer';
    case 'number': return isNum(v) ? undefined : 'must be a number';
    case 'number|null': return v === null || isNum(v) ? undefined : 'must be a number or null';
    case 'int|null': return v === null || isInt(v) ? undefined : 'must be an integer or null';
    case 'bool': return typeof v === 'boolean' ? undefined : 'must be true or false';
    case 'string': return typeof v === 'string' ? undefined : 'must be a string';
    case 'int[]': return Array.isArray(v) && v.every(isInt) ? undefined : 'must be a list of integers';
  }
  return 'has an unknown type';
}

/**
 * Check a parsed recipe: every field known and of the right type, then every stage a valid training config.
 * Errors name `where` (the file), the stage and the field: `recipe.json: stages[1].lr: must be > 0, got -1`.
 */
export function validateRecipe(raw: unknown, where: string): Recipe {
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('a recipe must be a JSON object with "problem" and "stages"');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!RECIPE_FIELDS.includes(k)) fail(`unknown field "${k}" (a recipe has ${RECIPE_FIELDS.join(', ')})`);
  if (typeof o.problem !== 'string' || !(PROBLEM_IDS as readonly string[]).includes(o.problem)) {
    fail(`problem: must be one of ${PROBLEM_IDS.join(', ')}, got ${JSON.stringify(o.problem)}`);
  }
  if (o.name !== undefined && typeof o.name !== 'string') fail('name: must be a string');
  if (o.description !== undefined && typeof o.description !== 'string') fail('description: must be a string');
  if (!Array.isArray(o.stages) || o.stages.length === 0) fail('stages: must be a non-empty list of stages');
  const stages = o.stages as unknown[];
  stages.forEach((s, i) => {
    if (!s || typeof s !== 'object' || Array.isArray(s)) fail(`stages[${i}]: must be an object`);
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
      const kind = STAGE_FIELDS[k as keyof RecipeStage];
      if (!kind) fail(`stages[${i}].${k}: unknown field (known: ${Object.keys(STAGE_FIELDS).join(', ')})`);
      const problem = checkField(kind, v);
      if (problem) fail(`stages[${i}].${k}: ${problem}, got ${JSON.stringify(v)}`);
    }
  });
  const recipe: Recipe = {
    name: (o.name as string | undefined) ?? where,
    problem: o.problem as ProblemId,
    ...(o.description !== undefined ? { description: o.description as string } : {}),
    stages: stages as RecipeStage[],
  };
  // Range checks (lr > 0, alpha in [0, 1], …) are the trainer's: resolve every stage as it will run.
  recipe.stages.forEach((_, i) => {
    const { below, times } = stageRestarts(recipe, i);
    if (below !== null && !(below > 0 && below <= 1)) fail(`stages[${i}]: restartBelow must be in (0, 1] or null, got ${below}`);
    if (!(times >= 0)) fail(`stages[${i}]: restarts must be ≥ 0, got ${times}`);
    try {
      resolveTrainConfig({ ...stageConfig(recipe, i), ...(recipe.problem === 'chess' ? { csv: 'recipe-check.csv' } : {}) });
    } catch (e) {
      fail(`stages[${i}]: ${(e as Error).message.replace(/^training config: /, '')}`);
    }
  });
  return recipe;
}

/** The recipe `train --problem P` runs when no training field is given. */
export function defaultRecipe(problem: ProblemId): Recipe {
  return structuredClone(BUILTIN_RECIPES[problem]);
}

/** A built-in recipe by name, or a recipe file (`.json`, or any existing path). Errors name the file or the names. */
export function loadRecipe(spec: string): Recipe {
  if (BUILTIN_RECIPES[spec] && !fs.existsSync(spec)) return structuredClone(BUILTIN_RECIPES[spec]);
  if (!spec.endsWith('.json') && !fs.existsSync(spec)) {
    throw new Error(`recipe "${spec}": not a built-in recipe (${Object.keys(BUILTIN_RECIPES).join(', ')}) nor an existing .json file`);
  }
  let text: string;
  try {
    text = fs.readFileSync(spec, 'utf8');
  } catch (e) {
    throw new Error(`${spec}: cannot read the recipe: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // JSON.parse names a position; turn it into a line number.
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new Error(`${spec}${line ? `:${line}` : ''}: not valid JSON: ${(e as Error).message}`);
  }
  return validateRecipe(raw, spec);
}

/** What one finished (or interrupted) stage leaves in model.json. */
export interface StageRecord {
  index: number;
  name: string;
  /** the resolved config the stage trained with */
  config: ResolvedTrainConfig;
  initFrom: string | null;
  /** where its best checkpoint is */
  dir: string;
  bestEpoch: number;
  epochsCompleted: number;
  /** the selection result: accuracy of the best epoch at size/iterations (the training size when valSize is null) */
  selection: { size: number; iterations: number; accuracy: number | null };
  /** training + validation seconds, summed over its epochs (resumes included; data generation not counted) */
  seconds: number;
  history: StageEpoch[];
  cancelled: boolean;
  /** earlier runs of this stage that ended below its restartBelow (their seconds are in `seconds` too) */
  restarts?: AbandonedAttempt[];
}

/** A run of a stage that ended below the stage's restartBelow and was started again. */
export interface AbandonedAttempt {
  seed: number;
  /** the best selection accuracy it reached */
  accuracy: number | null;
  epochs: number;
  seconds: number;
  /** its epochs, so a failed start can be told apart (a loss plateau, exploding gradients) after the fact */
  history?: StageEpoch[];
}

/**
 * One epoch of a stage as model.json keeps it. The mean and largest global gradient norm (before any clipping) are
 * there because a seed that fails is diagnosed from them: a plateau shows small, steady norms, an unstable run spikes.
 */
export interface StageEpoch {
  epoch: number;
  valAccuracy: number;
  extrapolationAccuracy?: number;
  loss: number;
  seconds: number;
  gradNorm?: number;
  gradNormMax?: number;
}
