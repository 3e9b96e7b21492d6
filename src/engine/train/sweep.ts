/**
 * Seed sweeps: the same recipe once per seed, one after the other, each run in `<outDir>/seed-<S>` (a complete,
 * resumable recipe run), and `<outDir>/sweep.json` summarising them: every seed's selection result and time, and which
 * run is kept (the best selection accuracy; ties go to the earlier seed). Sequential: on a few cores parallel runs
 * only share them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../checkpoint/store';
import { isCancelled } from '../eval/cancellation';
import type { Recipe } from '../../shared/recipes';
import { runRecipe, type RecipeProgressEvent, type RecipeResult, type RecipeRunOptions } from './runRecipe';
import type { TrainHooks } from './trainResult';

export const SWEEP_FILE = 'sweep.json';

export interface SweepRun {
  seed: number;
  /** relative to the sweep directory */
  dir: string;
  status: 'done' | 'cancelled' | 'failed' | 'pending';
  /** the last stage's selection accuracy (null when it has none) */
  selectionAccuracy: number | null;
  selection?: { size: number; iterations: number };
  seconds: number;
  error?: string;
}

export interface SweepSummary {
  recipe: string;
  problem: string;
  seeds: number[];
  runs: SweepRun[];
  /** the kept run's directory (relative), or null while none finished */
  kept: string | null;
}

export interface SweepProgressEvent extends RecipeProgressEvent {
  seed: number;
  /** 1-based position of the seed in the sweep */
  run: number;
  runs: number;
}

export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new Error(`--seeds: expected a comma-separated list of non-negative integers, e.g. 1,2,3; got "${text}"`);
  }
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seeds: "${text}" repeats a seed`);
  return seeds;
}

function kept(runs: SweepRun[]): string | null {
  let best: SweepRun | undefined;
  for (const r of runs) if (r.status === 'done' && r.selectionAccuracy !== null && (!best || r.selectionAccuracy > best.selectionAccuracy!)) best = r;
  return best?.dir ?? null;
}

export async function runSweep(
  recipe: Recipe,
  seeds: number[],
  opts: Omit<RecipeRunOptions, 'seed' | 'outDir'> & { outDir: string },
  hooks: Omit<TrainHooks, 'onProgress'> & { onProgress?: (e: SweepProgressEvent) => void; onRunDone?: (run: SweepRun, result?: RecipeResult) => void | Promise<void> } = {},
): Promise<SweepSummary> {
  const outDir = path.resolve(opts.outDir);
  fs.mkdirSync(outDir, { recursive: true });
  const summary: SweepSummary = {
    recipe: recipe.name, problem: recipe.problem, seeds,
    runs: seeds.map((seed) => ({ seed, dir: `seed-${seed}`, status: 'pending', selectionAccuracy: null, seconds: 0 })),
    kept: null,
  };
  const write = () => writeFileAtomic(path.join(outDir, SWEEP_FILE), JSON.stringify(summary, null, 1) + '\n');
  await write();
  for (let i = 0; i < seeds.length; i++) {
    const run = summary.runs[i];
    if (isCancelled(hooks.token)) break;
    hooks.log?.(`seed ${run.seed} (${i + 1}/${seeds.length}) → ${path.join(outDir, run.dir)}`);
    let result: RecipeResult | undefined;
    try {
      result = await runRecipe(recipe, { ...opts, seed: run.seed, outDir: path.join(outDir, run.dir) }, {
        ...hooks,
        onProgress: (e) => hooks.onProgress?.({ ...e, seed: run.seed, run: i + 1, runs: seeds.length }),
      });
      const lastStage = result.stages[result.stages.length - 1];
      run.status = result.cancelled ? 'cancelled' : 'done';
      run.selectionAccuracy = result.cancelled ? null : (lastStage?.selection.accuracy ?? null);
      if (lastStage) run.selection = { size: lastStage.selection.size, iterations: lastStage.selection.iterations };
      run.seconds = result.stages.reduce((a, s) => a + s.seconds, 0);
    } catch (e) {
      // One failing seed (say a diverging loss) is a result of the sweep, not the end of it.
      run.status = 'failed';
      run.error = (e as Error).message;
      hooks.log?.(`seed ${run.seed} failed: ${run.error}`);
    }
    summary.kept = kept(summary.runs);
    await write();
    await hooks.onRunDone?.(run, result);
    if (result?.cancelled) break;
  }
  return summary;
}
