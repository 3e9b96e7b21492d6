/**
 * The extension ⇄ engine protocol: typed JSON-RPC requests and notifications (vscode-jsonrpc), carried over IPC by
 * vscode-languageclient. The engine is also the language server for `.maze` documents, so the standard LSP methods
 * travel over the same connection. Every long request honours the JSON-RPC CancellationToken ($/cancelRequest).
 *
 * vscode-jsonrpc is pure JS (no vscode import), so both ends share these constants.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { Architecture, ModelKind } from '../architecture';
import type { ProblemId } from '../problems/problem';

export const ENGINE_PROTOCOL_VERSION = 1;

// ---- engine info -------------------------------------------------------------------------------------------
export interface EngineInfo {
  protocolVersion: number;
  engineVersion: string;
  /** e.g. "wasm (XNNPACK, SIMD), 1 thread" */
  backend: string;
  backendName: string;
  node: string;
  pid: number;
}
export const InfoRequest = new RequestType0<EngineInfo, void>('deepThinking/info');

// ---- models ------------------------------------------------------------------------------------------------
export interface ModelSummary {
  /** what the engine accepts as a model spec: a checkpoint dir, a .pth path, or a bundled name */
  spec: string;
  name: string;
  source: 'bundled' | 'workspace' | 'imported';
  problem: ProblemId;
  architecture: Architecture;
  parameters?: number;
  /** test accuracy per iteration per size, from model.json */
  metrics?: { accuracyPerIteration?: Record<string, number[]>; [k: string]: unknown };
  createdAt?: string;
}
export interface ListModelsParams {
  /** extra directories to scan for checkpoints (e.g. <workspace>/.deep-thinking/runs) */
  dirs: string[];
}
export const ListModelsRequest = new RequestType<ListModelsParams, ModelSummary[], void>('deepThinking/models/list');

export interface ImportPthParams {
  pthPath: string;
  problem: ProblemId;
  /** checkpoint directory to write */
  outDir: string;
  maxIters?: number;
}
export const ImportPthRequest = new RequestType<ImportPthParams, ModelSummary, void>('deepThinking/models/importPth');

// ---- training ----------------------------------------------------------------------------------------------
export interface TrainParams {
  runId: string;
  problem: ProblemId;
  model: ModelKind;
  width?: number;
  maxIters?: number;
  alpha?: number;
  epochs?: number;
  trainSize?: number;
  /** prefix-sum length or maze size for training data */
  size?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  outDir: string;
  /** resume from the checkpoint already in outDir, if any */
  resume?: boolean;
  csv?: string;
  /**
   * a built-in recipe name (shared/recipes.ts) or a recipe .json: its stages run one after the other, and the
   * fields above that are given (width, epochs, …) override every stage; model, seed and csv always apply
   */
  recipe?: string;
  /** progressive-loss draws: the paper's independent n, k (default) or a uniform total */
  sampling?: 'independent' | 'uniform-total';
}
export interface TrainProgress {
  runId: string;
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number;
  /** training accuracy over the last steps (exact match per puzzle) */
  accuracy: number;
  valAccuracy?: number;
  /** samples per second */
  throughput: number;
  lr: number;
  /** estimated seconds left in this stage (steps left at the measured seconds per step, plus validations) */
  etaSeconds?: number;
  /** recipe runs: 1-based stage, number of stages, stage label */
  stage?: number;
  stages?: number;
  stageName?: string;
}
export interface TrainResult {
  runId: string;
  /** where the run was asked to write (its final model when it completes) */
  outDir: string;
  /** the directory that really holds the newest checkpoint; null when no epoch finished (none was written) */
  checkpointDir: string | null;
  cancelled: boolean;
  /** the selection accuracy of the kept epoch; null when no epoch finished */
  bestValAccuracy: number | null;
  steps: number;
  seconds: number;
}
export const TrainRequest = new RequestType<TrainParams, TrainResult, void>('deepThinking/train');
export const TrainProgressNotification = new NotificationType<TrainProgress>('deepThinking/trainProgress');

// ---- evaluation (the extrapolation / overthinking curves) ----------------------------------------------------
export interface EvaluateParams {
  evalId: string;
  model: string;
  problem: ProblemId;
  /** maze sizes or prefix-sum lengths; for chess, ignored */
  sizes: number[];
  /**
   * Iterations at which accuracy is recorded (1-based; the curve is computed in one streamed pass), or 'auto':
   * every puzzle thinks until the engine's halting rule fires (the rule of `predict --iterations auto` and the
   * editor), at most `maxIterations` (default: 2 × a maze's dead-end depth + 100, the bits of a string
   * clamped to [1000, 50000]; src/engine/solve/halting.ts); the curve then shows, at each recorded iteration, the accuracy a budget of that many iterations
   * gives (a halted puzzle keeps its answer), up to the last iteration any puzzle needed.
   */
  iterations: number[] | 'auto';
  /** cap of 'auto' (see above) */
  maxIterations?: number;
  count: number;
  seed?: number;
  csv?: string;
}
export interface EvaluateCurve {
  size: number;
  iterations: number[];
  accuracy: number[];
  /** accuracy of the max-confidence iteration per puzzle */
  maxConfidenceAccuracy?: number;
}
export interface EvaluateResult {
  evalId: string;
  model: string;
  curves: EvaluateCurve[];
  cancelled: boolean;
}
export interface EvaluateProgress {
  evalId: string;
  done: number;
  total: number;
  /** partial curve so the chart can draw as it goes */
  curve?: EvaluateCurve;
  /** 'auto': puzzles answered correctly among the `done` ones (the accuracy so far) */
  correct?: number;
}
export const EvaluateRequest = new RequestType<EvaluateParams, EvaluateResult, void>('deepThinking/evaluate');
export const EvaluateProgressNotification = new NotificationType<EvaluateProgress>('deepThinking/evaluateProgress');

/**
 * How long an evaluation will take, before it starts: the engine times a few iterations of the first test puzzles
 * on the path the evaluation would take (dense batch or tiles) and multiplies by the iterations it expects.
 */
export interface EvaluateEstimateParams {
  model: string;
  problem: ProblemId;
  sizes: number[];
  count: number;
  iterations: number[] | 'auto';
  seed?: number;
  csv?: string;
}
export interface EvaluateEstimate {
  size: number;
  /** measured wall time of one iteration of one batch (or one puzzle on tiles) */
  msPerIteration: number;
  /** iterations each batch (or puzzle on tiles) is expected to think */
  expectedIterations: number;
  /** batches (or puzzles on tiles) of this size */
  units: number;
  seconds: number;
}
export interface EvaluateEstimateResult {
  sizes: EvaluateEstimate[];
  /** all sizes together */
  seconds: number;
}
export const EvaluateEstimateRequest = new RequestType<EvaluateEstimateParams, EvaluateEstimateResult, void>('deepThinking/evaluateEstimate');

// ---- solving (streamed iterations) --------------------------------------------------------------------------
/** What the net is asked to solve; the problem codecs in src/shared/problems turn these into tensors. */
export type SolveInput =
  | { problem: 'mazes'; text: string }
  | { problem: 'prefix-sums'; bits: string }
  | { problem: 'chess'; fen: string; moves: string };

export interface SolveParams {
  /** one session per editor; later interventions name it */
  sessionId: string;
  model: string;
  input: SolveInput;
  /** a number, or 'auto' (halt when the prediction is stable and confident, with a cap) */
  iterations: number | 'auto';
  /** at most this many frames per second are streamed (default 30) */
  maxFps?: number;
  /** frames larger than this many cells are downsampled (default 256×256) */
  maxFrameCells?: number;
}

/**
 * One iteration's picture. `probs` is base64 of a Uint8Array, 0..255 = P(class 1), per grid unit (mazes: units of the
 * .maze grid, row-major, possibly downsampled to `rows`×`cols`; prefix sums: per bit; chess: 64 squares, rank 8 first).
 */
export interface SolveFrame {
  sessionId: string;
  iteration: number;
  rows: number;
  cols: number;
  /** downsampling factor applied (1 = full resolution) */
  scale: number;
  probs: string;
  /** the decoded prediction at this iteration (maze rows of 0/1, prefix-sum bits, chess uci move) */
  prediction?: string | string[];
  /** mean max-softmax confidence */
  confidence: number;
  /** fraction of the image recomputed this iteration (1 for dense inference) */
  activeFraction?: number;
  correct?: boolean;
  /**
   * The picture right after an intervention, before any further iteration (same `iteration` as the frame before
   * it): 'perturb' shows the damaged thought, 'swapInput' the old thought read against the new maze.
   */
  mark?: 'perturb' | 'swapInput';
}
export const SolveFrameNotification = new NotificationType<SolveFrame>('deepThinking/solveFrame');

export interface SolveResult {
  sessionId: string;
  iterations: number;
  /** the iteration at which `auto` halted, if it did */
  haltedAt?: number;
  prediction: string | string[];
  /** compared against the oracle (BFS for mazes, direct prefix sums, the puzzle's move for chess) */
  correct: boolean;
  /** maze: units where the prediction differs from the oracle, as [row, col] */
  wrongCells?: [number, number][];
  /** the final frame at full resolution */
  finalFrame: SolveFrame;
  cancelled: boolean;
  ms: number;
  /** what thought: "tfjs-wasm", or the tile kernels and their settings (e.g. onnxruntime-node, sparse 16-px tiles) */
  engine?: string;
}
export const SolveRequest = new RequestType<SolveParams, SolveResult, void>('deepThinking/solve');

/** Continue a session from its current hidden state (the paper's interventions, §5). */
export type Intervention =
  | { kind: 'continue' }
  /**
   * Noise on the hidden state (§5: s · rms · ε) or zeroing a fraction of it; with `region` (maze units [row, col])
   * only the thought under those cells is touched — the "brushed damage" of the cellular-automata demo.
   */
  | { kind: 'perturb'; mode: 'noise' | 'zero'; strength: number; region?: [number, number][] }
  | { kind: 'swapInput'; input: SolveInput };
export interface InterveneParams {
  sessionId: string;
  intervention: Intervention;
  /** how many more iterations to think after the intervention */
  iterations: number | 'auto';
  maxFps?: number;
  maxFrameCells?: number;
}
export const InterveneRequest = new RequestType<InterveneParams, SolveResult, void>('deepThinking/intervene');

/** A picture of a maze session's current hidden state: one channel, or its first two principal components. */
export interface ThoughtParams {
  sessionId: string;
  view: 'pca' | { channel: number };
}
export interface ThoughtResult {
  iteration: number;
  rows: number;
  cols: number;
  /** channels of the hidden state (the net's width) */
  channels: number;
  view: 'pca' | { channel: number };
  /** base64 bytes: rows·cols (channel, 0 = min … 255 = max) or 2·rows·cols (PCA: PC1 then PC2, 128 = 0) */
  data: string;
  /** PCA: share of the variance of PC1 and PC2 */
  explained?: [number, number];
}
export const ThoughtRequest = new RequestType<ThoughtParams, ThoughtResult, void>('deepThinking/thought');

export interface DisposeSessionParams {
  sessionId: string;
}
export const DisposeSessionNotification = new NotificationType<DisposeSessionParams>('deepThinking/disposeSession');

/** Log lines the engine wants in the extension's output channel (besides the LSP window/logMessage). */
export interface EngineLog {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
}
export const EngineLogNotification = new NotificationType<EngineLog>('deepThinking/log');
