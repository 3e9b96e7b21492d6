/**
 * Which epoch a run keeps as its best checkpoint (and hands to the next stage of a recipe).
 *
 * The first key is the selection accuracy: at the selection size (valSize) when the run validates on bigger
 * puzzles, else at the training size. Before a net extrapolates at all, every epoch scores 0 % at the selection
 * size; keeping the first of those hands the next curriculum stage weights from after one epoch, nearly untrained
 * (seen with the 16→32-bit prefix-sum curriculum, docs/seeds.md). So ties go to the epoch more accurate at the
 * training size, and then to the one with the lower training loss.
 */
import type { EpochRecord } from './trainResult';

/** Selection accuracy; exact-match accuracy at the training size; mean training loss. */
export interface SelectionKey {
  metric: number;
  valAccuracy: number;
  loss: number;
}

export function selectionKey(record: Pick<EpochRecord, 'valAccuracy' | 'extrapolationAccuracy' | 'loss'>): SelectionKey {
  return { metric: record.extrapolationAccuracy ?? record.valAccuracy, valAccuracy: record.valAccuracy, loss: record.loss };
}

/** Whether `candidate` is a better epoch to keep than `best` (undefined: nothing kept yet). */
export function selectionBeats(candidate: SelectionKey, best: SelectionKey | undefined): boolean {
  if (!best) return true;
  if (candidate.metric !== best.metric) return candidate.metric > best.metric;
  if (candidate.valAccuracy !== best.valAccuracy) return candidate.valAccuracy > best.valAccuracy;
  return candidate.loss < best.loss;
}

/**
 * The key of the epoch kept so far: from its history record when the run has one, else (a best checkpoint found on
 * disk after a lost resume state, without its record) only its metric, and it keeps its place on a tie: a checkpoint
 * that cannot be compared in full is only replaced by a higher metric.
 */
export function keptKey(history: readonly EpochRecord[], bestEpoch: number, bestMetric: number): SelectionKey | undefined {
  if (bestEpoch <= 0) return undefined;
  const record = history.find((r) => r.epoch === bestEpoch);
  const key = record ? selectionKey(record) : undefined;
  return key && key.metric === bestMetric ? key : { metric: bestMetric, valAccuracy: Infinity, loss: -Infinity };
}
