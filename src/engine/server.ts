/**
 * The engine's JSON-RPC surface (src/shared/protocol/engine.ts) on a vscode-languageserver connection: train,
 * evaluate, solve (streamed frames), intervene, models (list, import .pth), plus the `.maze` language features
 * (mazeLanguage.ts). Every long request takes the JSON-RPC CancellationToken ($/cancelRequest), which the engine
 * modules accept as their CancellationLike.
 *
 * Transport-agnostic: main.ts gives it the IPC connection; the protocol tests give it in-memory streams.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { ErrorCodes, ResponseError, type CancellationToken, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import {
  DisposeSessionNotification,
  ENGINE_PROTOCOL_VERSION,
  EngineLogNotification,
  EvaluateEstimateRequest,
  EvaluateProgressNotification,
  EvaluateRequest,
  ImportPthRequest,
  InfoRequest,
  InterveneRequest,
  ThoughtRequest,
  ListModelsRequest,
  SolveFrameNotification,
  SolveRequest,
  TrainProgressNotification,
  TrainRequest,
  type EngineLog,
  type EvaluateEstimateParams,
  type EvaluateEstimateResult,
  type EvaluateParams,
  type EvaluateResult,
  type InterveneParams,
  type ThoughtParams,
  type ThoughtResult,
  type ModelSummary,
  type SolveParams,
  type SolveResult,
  type TrainParams,
  type TrainProgress,
  type TrainResult,
} from '../shared/protocol/engine';
import { getProblem } from '../shared/problems/index';
import { annotateCheckpoint } from './checkpoint/store';
import { bundledModelsDir, convertPthToCheckpoint, listModels, loadModel, type ModelListEntry } from './checkpoint/modelSpecs';
import { ENGINE_VERSION, type CheckpointMeta } from './checkpoint/format';
import { estimateEvaluate, runEvaluate } from './eval/evaluateRequest';
import { EVAL_TILE_MIN_PIXELS, ThinkingPath } from './solve/thinkingPath';
import { SolveSession } from './solve/solveSession';
import { registerMazeLanguage, mazeCapabilities } from './language/mazeLanguage';
import { ModelCache } from './checkpoint/modelCache';
import { ModelInspector } from './checkpoint/modelInspector';
import { checkParams, type ParamSpec } from './paramCheck';
import { backendInfo, initBackend, type BackendPreference } from './tf';
import { train } from './train/trainer';
import type { TrainProgressEvent } from './train/trainResult';
import { loadRecipe } from './train/recipe';
import { runRecipe } from './train/runRecipe';

export interface ServerOptions {
  backend: BackendPreference;
  /** bundled checkpoints (default: modelSpecs.ts's lookup, $DEEP_THINKING_MODELS_DIR first) */
  modelsDir?: string;
  /** at most this many training progress notifications per second per run (epoch ends always go) */
  progressPerSecond?: number;
}

export interface EngineServer {
  /** resolves when the backend is initialised (rejects with its error) */
  ready: Promise<void>;
  log(level: EngineLog['level'], message: string): void;
  dispose(): void;
}

/** Errors reach the client as their message, without vscode-jsonrpc's "Request X failed with message:" wrapping. */
function asResponseError(e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ResponseError(ErrorCodes.InternalError, message);
}

/** ModelListEntry + model.json → what the extension shows. */
export function toModelSummary(entry: Pick<ModelListEntry, 'name' | 'path' | 'origin'>, meta: CheckpointMeta, source: ModelSummary['source']): ModelSummary {
  const parameters = meta.weightsManifest?.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  return {
    spec: entry.path,
    name: meta.name ?? entry.name,
    source,
    problem: meta.problem,
    architecture: meta.architecture,
    ...(parameters ? { parameters } : {}),
    metrics: meta.metrics,
    createdAt: meta.createdAt,
  };
}

export function startServer(connection: Connection, opts: ServerOptions): EngineServer {
  const log = (level: EngineLog['level'], message: string) => {
    void connection.sendNotification(EngineLogNotification, { level, message }).catch(() => undefined);
  };
  const ready = initBackend(opts.backend).then(
    (info) => log('info', `backend: ${info.description} (asked for ${opts.backend})`),
    (e: unknown) => {
      log('error', `backend initialisation failed: ${e instanceof Error ? e.message : e}`);
      throw e;
    },
  );
  ready.catch(() => undefined); // reported per request
  const modelsDir = () => opts.modelsDir ?? bundledModelsDir();
  const models = new ModelCache((spec) => loadModel(spec, { modelsDir: modelsDir() }));
  // Model lists read files in a worker, each within a time budget: a hostile file cannot stall other requests.
  const inspector = new ModelInspector();
  const sessions = new Map<string, { session: SolveSession; spec: string; release: () => void }>();

  /** Register a request handler that waits for the backend and reports errors as plain messages. */
  const handle = <P, R>(
    type: { method: string },
    fn: (params: P, token: CancellationToken) => Promise<R>,
    spec?: ParamSpec,
  ) => {
    connection.onRequest(type.method, async (params: P, token: CancellationToken) => {
      try {
        if (spec) checkParams(type.method, params, spec);
        await ready;
        return await fn(params, token);
      } catch (e) {
        log('debug', `${type.method} failed: ${e instanceof Error ? e.stack ?? e.message : e}`);
        throw asResponseError(e);
      }
    });
  };

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: mazeCapabilities,
      serverInfo: { name: 'deep-thinking-engine', version: ENGINE_VERSION },
    }),
  );
  registerMazeLanguage(connection);

  // ---- info --------------------------------------------------------------------------------------------------------
  connection.onRequest(InfoRequest.method, async () => {
    let backend: string;
    let backendName: string;
    try {
      await ready;
      backend = backendInfo().description;
      backendName = backendInfo().name;
    } catch (e) {
      backend = `failed: ${e instanceof Error ? e.message : e}`;
      backendName = 'none';
    }
    return { protocolVersion: ENGINE_PROTOCOL_VERSION, engineVersion: ENGINE_VERSION, backend, backendName, node: process.version, pid: process.pid };
  });

  // ---- models ------------------------------------------------------------------------------------------------------
  handle(ListModelsRequest, async ({ dirs }: { dirs: string[] }) => {
    const bundled = modelsDir();
    const scan = [...(bundled ? [bundled] : []), ...(Array.isArray(dirs) ? dirs.filter((d) => typeof d === 'string') : [])];
    const out: ModelSummary[] = [];
    for (const entry of await listModels(scan, (file, origin) => inspector.inspect(file, origin))) {
      if (!entry.meta) {
        // Listed in the engine log (the protocol's summaries describe usable models only).
        log('warn', `skipping model ${entry.path}: ${entry.error}`);
        continue;
      }
      const source: ModelSummary['source'] =
        bundled && path.resolve(entry.dir) === path.resolve(bundled) ? 'bundled' : entry.origin === 'pth' || entry.meta.source?.kind === 'pth' ? 'imported' : 'workspace';
      out.push(toModelSummary(entry, entry.meta, source));
    }
    return out;
  }, { dirs: 'string[]?' });

  handle(ImportPthRequest, async (p: { pthPath: string; problem: ModelSummary['problem']; outDir: string; maxIters?: number }) => {
    const meta = await convertPthToCheckpoint(p.pthPath, p.outDir, { problem: p.problem, maxIters: p.maxIters });
    models.invalidate(p.outDir);
    log('info', `imported ${p.pthPath} → ${p.outDir} (${meta.architecture.kind}, width ${meta.architecture.width})`);
    return toModelSummary({ name: path.basename(p.outDir), path: p.outDir, origin: 'checkpoint' }, meta, 'imported');
  }, { pthPath: 'string', problem: 'string?', outDir: 'string', maxIters: 'number?' });

  // ---- training ----------------------------------------------------------------------------------------------------
  handle(TrainRequest, async (p: TrainParams, token): Promise<TrainResult> => {
    const minGap = 1000 / (opts.progressPerSecond ?? 5);
    let lastSent = 0;
    const fields = {
      width: p.width,
      maxIters: p.maxIters,
      alpha: p.alpha,
      epochs: p.epochs,
      trainSize: p.trainSize,
      size: p.size,
      batchSize: p.batchSize,
      lr: p.lr,
    };
    const always = { model: p.model, csv: p.csv, sampling: p.sampling };
    const config = { problem: p.problem, ...always, ...fields, seed: p.seed, outDir: p.outDir, resume: p.resume };
    for (const o of [fields, always, config] as Record<string, unknown>[]) for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
    log('info', `training ${p.runId}${p.resume ? ' (resuming)' : ''}${p.recipe ? ` with recipe ${p.recipe}` : ''}: ${JSON.stringify(config)}`);
    const onProgress = (e: TrainProgressEvent & { stage?: number; stages?: number; stageName?: string }) => {
      const now = Date.now();
      if (e.kind === 'step' && now - lastSent < minGap && e.step < e.totalSteps) return;
      lastSent = now;
      const progress: TrainProgress = {
        runId: p.runId,
        epoch: e.epoch,
        epochs: e.epochs,
        step: e.step,
        totalSteps: e.totalSteps,
        loss: e.loss,
        accuracy: e.accuracy,
        throughput: e.throughput,
        lr: e.lr,
        ...(e.valAccuracy !== undefined ? { valAccuracy: e.valAccuracy } : {}),
        ...(e.etaSeconds !== undefined ? { etaSeconds: e.etaSeconds } : {}),
        ...(e.stage !== undefined ? { stage: e.stage, stages: e.stages, stageName: e.stageName } : {}),
      };
      void connection.sendNotification(TrainProgressNotification, progress).catch(() => undefined);
    };
    const hooks = { token, log: (m: string) => log('info', `[${p.runId}] ${m}`) };
    let checkpointDir: string | undefined;
    let cancelled: boolean;
    let best: number | null;
    let steps: number;
    let seconds: number;
    let threads: number;
    if (p.recipe) {
      const recipe = loadRecipe(p.recipe);
      if (recipe.problem !== p.problem) throw new Error(`recipe ${recipe.name} is for ${recipe.problem}, not ${p.problem}`);
      const r = await runRecipe(recipe, { seed: p.seed ?? 0, outDir: p.outDir, resume: p.resume, overrides: { ...always, ...fields } }, { ...hooks, onProgress });
      const lastStage = r.stages[r.stages.length - 1];
      checkpointDir = r.checkpointDir;
      cancelled = r.cancelled;
      best = r.cancelled ? (r.last && r.last.bestEpoch > 0 ? r.last.bestMetric : null) : (lastStage?.selection.accuracy ?? null);
      steps = r.last?.steps ?? 0;
      seconds = r.seconds;
      threads = r.threads;
    } else {
      const result = await train(config, { ...hooks, onProgress });
      checkpointDir = result.bestDir;
      cancelled = result.cancelled;
      best = result.bestEpoch > 0 ? result.bestMetric : null;
      steps = result.steps;
      seconds = result.seconds;
      threads = result.threads;
    }
    if (checkpointDir) {
      await annotateCheckpoint(checkpointDir, {
        command: `Deep Thinking: Train Model… (${p.runId}${p.recipe ? `, recipe ${p.recipe}` : ''})`,
        hardware: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()} cores, ${backendInfo().description}, ${threads} thread(s)`,
        trainingSeconds: Math.round(seconds),
      }).catch((e) => log('warn', `could not annotate ${checkpointDir}: ${e instanceof Error ? e.message : e}`));
      models.invalidate(checkpointDir);
    }
    log('info', `training ${p.runId} ${cancelled ? 'cancelled' : 'done'}: ${steps} steps` + (best !== null ? `, best ${(100 * best).toFixed(1)}%` : ', no epoch finished'));
    return { runId: p.runId, outDir: p.outDir, checkpointDir: checkpointDir ?? null, cancelled, bestValAccuracy: best, steps, seconds };
  }, {
    runId: 'string', problem: 'string', model: 'string', width: 'number?', maxIters: 'number?', alpha: 'number?', epochs: 'number?',
    trainSize: 'number?', size: 'number?', batchSize: 'number?', lr: 'number?', seed: 'number?', outDir: 'string', resume: 'boolean?', csv: 'string?',
    recipe: 'string?', sampling: 'string?',
  });

  // ---- evaluation --------------------------------------------------------------------------------------------------
  handle(EvaluateRequest, async (p: EvaluateParams, token): Promise<EvaluateResult> => {
    const { value: loaded, release } = await models.acquire(p.model);
    // The editor's thinking path: tiles (or the bfloat16 warm start) for big mazes, dense batches otherwise.
    const path = new ThinkingPath(loaded.model, { log: (line) => log('info', line), label: `evaluate ${p.evalId}`, tileMinPixels: EVAL_TILE_MIN_PIXELS });
    try {
      const r = await runEvaluate(path, p, token, (pr) =>
        void connection.sendNotification(EvaluateProgressNotification, { evalId: p.evalId, ...pr }).catch(() => undefined),
      );
      return { evalId: p.evalId, model: p.model, curves: r.curves, cancelled: r.cancelled };
    } finally {
      path.dispose();
      release();
    }
  }, { evalId: 'string', model: 'string', problem: 'string', sizes: 'number[]', iterations: 'number[]|auto', maxIterations: 'number?', count: 'number', seed: 'number?', csv: 'string?' });

  handle(EvaluateEstimateRequest, async (p: EvaluateEstimateParams): Promise<EvaluateEstimateResult> => {
    const { value: loaded, release } = await models.acquire(p.model);
    const path = new ThinkingPath(loaded.model, { log: (line) => log('info', line), label: 'evaluate estimate', tileMinPixels: EVAL_TILE_MIN_PIXELS });
    try {
      return await estimateEvaluate(path, p);
    } finally {
      path.dispose();
      release();
    }
  }, { model: 'string', problem: 'string', sizes: 'number[]', count: 'number', iterations: 'number[]|auto', seed: 'number?', csv: 'string?' });

  // ---- solving -----------------------------------------------------------------------------------------------------
  const sendFrame = (frame: Parameters<Parameters<SolveSession['solve']>[1]>[0]) =>
    void connection.sendNotification(SolveFrameNotification, frame).catch(() => undefined);

  const disposeSession = (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    s.session.dispose();
    s.release();
  };

  handle(SolveRequest, async (p: SolveParams, token): Promise<SolveResult> => {
    if (!p || typeof p.sessionId !== 'string' || !p.sessionId) throw new RangeError('solve: sessionId is required');
    let entry = sessions.get(p.sessionId);
    if (!entry || entry.spec !== p.model || models.isStale(p.model)) {
      // A new model (or a retrained checkpoint) for this editor: start a fresh session on it.
      disposeSession(p.sessionId);
      const { value, release } = await models.acquire(p.model);
      entry = { session: new SolveSession(p.sessionId, value.model, { log: (line) => log('info', line) }), spec: p.model, release };
      sessions.set(p.sessionId, entry);
    }
    return entry.session.solve(p, sendFrame, token);
  }, { sessionId: 'string', model: 'string', input: 'object', iterations: 'number|auto', maxFps: 'number?', maxFrameCells: 'number?' });

  handle(InterveneRequest, async (p: InterveneParams, token): Promise<SolveResult> => {
    const entry = sessions.get(p?.sessionId);
    if (!entry) throw new ResponseError(ErrorCodes.InvalidParams, `no solve session "${p?.sessionId}" in this engine: solve first`);
    return entry.session.intervene(p, sendFrame, token);
  }, { sessionId: 'string', intervention: 'object', iterations: 'number|auto', maxFps: 'number?', maxFrameCells: 'number?' });

  handle(ThoughtRequest, async (p: ThoughtParams): Promise<ThoughtResult> => {
    const entry = sessions.get(p?.sessionId);
    if (!entry) throw new ResponseError(ErrorCodes.InvalidParams, `no solve session "${p?.sessionId}" in this engine: solve first`);
    const view = p.view;
    if (view !== 'pca' && !(typeof view === 'object' && view !== null && Number.isInteger(view.channel))) {
      throw new ResponseError(ErrorCodes.InvalidParams, "thought: view must be 'pca' or { channel: integer }");
    }
    return entry.session.thoughtPicture(view);
  });

  connection.onNotification(DisposeSessionNotification.method, (p: { sessionId: string }) => {
    if (p && typeof p.sessionId === 'string') disposeSession(p.sessionId);
  });

  return {
    ready,
    log,
    dispose() {
      for (const id of [...sessions.keys()]) disposeSession(id);
      models.dispose();
      inspector.dispose();
    },
  };
}
