/** Which model a problem uses (pure; unit-tested). */
import type { ModelSummary } from '../shared/protocol/engine';
import type { ProblemId } from '../shared/problems/problem';

const SOURCE_RANK: Record<ModelSummary['source'], number> = { bundled: 0, imported: 1, workspace: 2 };
/** Baselines (no recall, feed-forward) ship for the charts; the one-click default is the recall model. */
const KIND_RANK: Record<ModelSummary['architecture']['kind'], number> = { 'dt-recall': 0, 'dt-l': 1, dt: 2, feedforward: 3 };

/**
 * The user's choice when it is still in the list; else the bundled model for the problem; else an imported one; else
 * the newest workspace run — within each, a DT-recall net before the baselines. Undefined when no model fits.
 */
export function pickDefaultModel(models: readonly ModelSummary[], problem: ProblemId, chosen?: string): ModelSummary | undefined {
  const fits = models.filter((m) => m.problem === problem);
  const mine = chosen ? fits.find((m) => m.spec === chosen) : undefined;
  if (mine) return mine;
  return fits
    .slice()
    .sort(
      (a, b) =>
        SOURCE_RANK[a.source] - SOURCE_RANK[b.source] ||
        (KIND_RANK[a.architecture.kind] ?? 3) - (KIND_RANK[b.architecture.kind] ?? 3) ||
        (b.createdAt ?? '').localeCompare(a.createdAt ?? ''),
    )[0];
}

/** "maze-dt-recall · DT-recall w128 · bundled · 93% at 30 it." — for quick picks and the editor's model button. */
export function describeModel(m: ModelSummary): string {
  const a = m.architecture;
  const kind = a.kind === 'dt-recall' ? 'DT-recall' : a.kind === 'dt' ? 'DT' : 'feed-forward';
  return `${kind} w${a.width}, ${a.maxIters} it. · ${m.source}`;
}
