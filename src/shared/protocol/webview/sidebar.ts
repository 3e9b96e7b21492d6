/**
 * Side panel (webview view `deepThinking.sidebar`) ⇄ extension: the models with the selection per problem, live
 * training runs, and the extrapolation curves — accuracy against test iterations for several sizes and models
 * (Bansal et al. 2022, Fig. 1/4: a net that "thinks longer" at test time solves bigger problems; a net without
 * recall overthinks and its accuracy falls again). Curves come from the engine's EvaluateRequest and from each
 * checkpoint's stored metrics.accuracyPerIteration, so bundled models draw at once.
 */
import { checkExport, type ExportRequest } from './exportFile';
import type { ModelKind } from '../../architecture';
import type { ProblemId } from '../../problems/problem';
import type { ModelSummary, TrainProgress } from '../engine';
import type { ProtocolShape } from '../messenger';
import { anyObject, arrayOf, checkObject, empty, modelOption, num, oneOf, problemId, str, tableValidator, type Check, type ModelOption } from './common';

export const SIDEBAR_VIEW_ID = 'deepThinking.sidebar';

/** One accuracy-vs-iterations curve. iterations are 1-based; accuracy in 0…1 (NaN-free). */
export interface Curve {
  /** problem size (maze size, bit-string length) or another label the checkpoint used */
  size: string;
  iterations: number[];
  accuracy: number[];
}

/** The curves of one model, from an evaluation or from its model.json. */
export interface CurveSet {
  /** stable key: `${origin}:${evalId or spec}` */
  key: string;
  origin: 'stored' | 'eval';
  problem: ProblemId;
  model: string;
  modelName: string;
  kind: ModelKind;
  curves: Curve[];
  /** eval progress; absent for stored curves */
  evalId?: string;
  done?: number;
  total?: number;
  finished?: boolean;
  cancelled?: boolean;
  error?: string;
}

/** What the side panel shows of a run besides its curves. */
export interface RunInfo {
  status: 'running' | 'done' | 'cancelled' | 'failed';
  /** the sweep this run belongs to (its name), and its seed */
  sweep?: string;
  seed?: number;
  /** the directory that really holds its newest checkpoint (null: none written) */
  checkpointDir?: string | null;
  /** selection accuracy of its kept epoch */
  bestValAccuracy?: number | null;
}

export interface RunView {
  runId: string;
  history: TrainProgress[];
  /** absent for runs the panel only saw progress of */
  info?: RunInfo;
}

export interface SidebarSnapshot {
  models: ModelOption[];
  selected: Partial<Record<ProblemId, string>>;
  runs: RunView[];
  curves: CurveSet[];
  /** an error to show instead of the model list (e.g. the engine failed to start) */
  modelsError?: string;
}

export interface SidebarToWebview extends ProtocolShape {
  requests: Record<string, never>;
  events: {
    snapshot: SidebarSnapshot;
    trainProgress: TrainProgress;
    /** a new or updated curve set (an evaluation in progress, or finished) */
    curves: CurveSet;
  };
}

export interface SidebarFromWebview extends ProtocolShape {
  requests: {
    select: [{ problem: ProblemId; spec: string }, void];
    /** run "Evaluate Extrapolation…" (quick picks in the host) */
    evaluate: [{ problem?: ProblemId }, void];
    refresh: [Record<string, never>, void];
    /** save the accuracy chart as PNG or its curves as CSV (the host asks where) */
    export: [ExportRequest, { saved?: string }];
  };
  events: {
    ready: Record<string, never>;
    cancelEval: { evalId: string };
    /** forget finished evaluation curves */
    clearEvals: Record<string, never>;
  };
}

export const validateSidebarMessage = tableValidator({
  ready: empty,
  refresh: empty,
  export: checkExport,
  clearEvals: empty,
  cancelEval: (v, f) => checkObject(v, f, { evalId: str(128) }),
  select: (v, f) => checkObject(v, f, { problem: problemId, spec: str(4096) }),
  evaluate: (v, f) => checkObject(v, f, { problem: problemId }, ['problem']),
});

/**
 * Curves stored in a checkpoint's model.json: metrics.accuracyPerIteration = { [size]: accuracy at iteration 1, 2, … }.
 * Malformed entries (non-arrays, non-finite numbers) are skipped, never thrown: a model list must still show.
 */
export function storedCurves(m: ModelSummary): Curve[] {
  const per = m.metrics?.accuracyPerIteration;
  if (!per || typeof per !== 'object') return [];
  const out: Curve[] = [];
  for (const [size, acc] of Object.entries(per)) {
    if (!Array.isArray(acc) || acc.length === 0) continue;
    const iterations: number[] = [];
    const accuracy: number[] = [];
    acc.forEach((a, i) => {
      if (typeof a === 'number' && Number.isFinite(a)) {
        iterations.push(i + 1);
        accuracy.push(a);
      }
    });
    if (iterations.length) out.push({ size, iterations, accuracy });
  }
  // numeric sizes (and rating bands such as "800-1200") in numeric order, others after
  const order = (s: string) => (Number.isFinite(parseFloat(s)) ? parseFloat(s) : Infinity);
  return out.sort((a, b) => order(a.size) - order(b.size) || a.size.localeCompare(b.size));
}

/**
 * The union of the curves' iteration grids, and each curve's values on it (null where a curve has no point), as
 * uPlot wants its data: [xs, ...ys].
 */
export function alignCurves(curves: readonly Pick<Curve, 'iterations' | 'accuracy'>[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(curves.flatMap((c) => c.iterations))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    c.iterations.forEach((it, k) => (y[index.get(it)!] = c.accuracy[k]));
    return y;
  });
  return [xs, ...ys];
}

/** Defaults for "Evaluate Extrapolation…": sizes offered (and pre-picked), puzzles per size. */
export const EVAL_DEFAULTS: Record<ProblemId, { sizes: number[]; picked: number[]; count: number }> = {
  // the paper trains on 32-bit strings and tests up to 512 (§3.1)
  'prefix-sums': { sizes: [16, 32, 48, 64, 128, 256, 512], picked: [32, 48, 128], count: 100 },
  // trained on 9×9, tested on 13×13 and larger (§3.2)
  mazes: { sizes: [9, 13, 17, 25, 33, 59], picked: [9, 13, 33], count: 50 },
  // chess has one "size": the puzzles of the CSV (harder ones = higher rating)
  chess: { sizes: [8], picked: [8], count: 50 },
};

/** 1, 2, …, max: the curve is recorded at every iteration in one streamed pass. */
export function iterationGrid(max: number): number[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`iterationGrid: max must be a positive integer, got ${max}`);
  return Array.from({ length: max }, (_, i) => i + 1);
}

/** An evaluation's curve set after a progress notification: the partial curve replaces the one of its size. */
export function applyEvaluateProgress(set: CurveSet, p: { done: number; total: number; curve?: { size: number; iterations: number[]; accuracy: number[] } }): CurveSet {
  const curves = set.curves.slice();
  if (p.curve) {
    const c: Curve = { size: String(p.curve.size), iterations: p.curve.iterations.slice(), accuracy: p.curve.accuracy.slice() };
    const i = curves.findIndex((x) => x.size === c.size);
    if (i >= 0) curves[i] = c;
    else curves.push(c);
    curves.sort((a, b) => Number(a.size) - Number(b.size));
  }
  return { ...set, curves, done: p.done, total: p.total };
}

const curveSet: Check = (v, f) =>
  checkObject(v, f, { key: str(), origin: oneOf('stored', 'eval'), problem: problemId, model: str(), modelName: str(), kind: str(64), curves: arrayOf(anyObject, 10_000) });

/** What the sidebar page accepts from the host. */
export const validateSidebarHostMessage = tableValidator({
  snapshot: (v, f) =>
    checkObject(v, f, { models: arrayOf(modelOption, 10_000), selected: anyObject, runs: arrayOf(anyObject, 10_000), curves: arrayOf(curveSet, 10_000), modelsError: str(100_000) }, ['modelsError']),
  trainProgress: (v, f) => checkObject(v, f, { runId: str(), epoch: num, epochs: num, step: num, totalSteps: num, loss: num, accuracy: num, throughput: num, lr: num }),
  curves: curveSet,
});
