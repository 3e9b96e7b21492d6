/**
 * What a training run reports: a progress event per step and per epoch, one record per finished epoch, and the
 * result of the run. These types are shared by the loop, its resume state (which stores the epoch history), the
 * server's progress notifications, recipes and sweeps, so they live apart from any one of them.
 */
import type { Architecture } from '../../shared/architecture';
import type { CancellationLike } from '../eval/cancellation';
import type { ResolvedTrainConfig } from './trainConfig';

export interface TrainProgressEvent {
  /** 'step' after each optimizer step; 'epoch' after each epoch's validation */
  kind: 'step' | 'epoch';
  /** 1-based epoch in progress (or just finished) */
  epoch: number;
  epochs: number;
  /** optimizer steps done, all epochs */
  step: number;
  totalSteps: number;
  /** mean training loss over this epoch's steps so far */
  loss: number;
  /**
   * exact-match training accuracy over this epoch so far, on the output the loss used: the full unroll at maxIters
   * when α < 1; at α = 1 (no full unroll is run) the progressive output at iteration n + k
   */
  accuracy: number;
  /** validation exact match at maxIters, of the last finished epoch */
  valAccuracy?: number;
  /** validation exact match at `valSize` / `valIters`, of the last finished epoch */
  extrapolationAccuracy?: number;
  /** training samples per second over this epoch */
  throughput: number;
  lr: number;
  /**
   * estimated seconds left: the steps left at this run's mean seconds per step so far, plus one validation per
   * epoch left at the last one's duration (undefined until a step has been timed)
   */
  etaSeconds?: number;
}

export interface EpochRecord {
  /** 1-based */
  epoch: number;
  loss: number;
  accuracy: number;
  valAccuracy: number;
  extrapolationAccuracy?: number;
  lr: number;
  /** wall seconds of this epoch's training steps */
  seconds: number;
  /** wall seconds of this epoch's validation */
  validationSeconds?: number;
  /**
   * mean and largest global gradient norm of the epoch's steps, before clipping: a norm that grows epoch after
   * epoch, or spikes far above its mean, comes before the divergences the recipes guard against (docs/seeds.md)
   */
  gradNorm?: number;
  gradNormMax?: number;
}

export interface TrainResult {
  cancelled: boolean;
  /** epochs fully done (validated) */
  epochsCompleted: number;
  steps: number;
  totalSteps: number;
  /** the selection metric (extrapolation accuracy when valSize is set, else validation accuracy) of the best epoch */
  bestMetric: number;
  /** 1-based; 0 when no epoch finished */
  bestEpoch: number;
  history: EpochRecord[];
  /** weights of the best epoch (undefined when no epoch finished) */
  bestWeights?: Map<string, Float32Array>;
  architecture: Architecture;
  config: ResolvedTrainConfig;
  /** wall seconds of this call */
  seconds: number;
  resumed: boolean;
  bestDir?: string;
  lastDir?: string;
  threads: number;
}

export interface TrainHooks {
  onProgress?: (e: TrainProgressEvent) => void;
  token?: CancellationLike;
  log?: (message: string) => void;
}
