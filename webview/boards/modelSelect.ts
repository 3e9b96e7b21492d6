/** A <vscode-single-select> of models, shared by the puzzle panels. */
import { modelLabel, type ModelOption } from '../../src/shared/protocol/webview/common';

/** Fill `select` with the models; keeps `value` if it is among them, else the first. Returns the value chosen. */
export function fillModelSelect(select: HTMLElement & { value: string }, models: readonly ModelOption[], value: string | undefined): string {
  select.replaceChildren();
  const chosen = models.some((m) => m.spec === value) ? value! : (models[0]?.spec ?? '');
  for (const m of models) {
    const opt = document.createElement('vscode-option');
    opt.setAttribute('value', m.spec);
    opt.setAttribute('description', `${m.source}, ${m.maxIters} training iterations`);
    if (m.spec === chosen) opt.setAttribute('selected', '');
    opt.textContent = modelLabel(m);
    select.append(opt);
  }
  if (models.length === 0) {
    const opt = document.createElement('vscode-option');
    opt.setAttribute('value', '');
    opt.textContent = 'no model — train or import one';
    select.append(opt);
  }
  select.toggleAttribute('disabled', models.length === 0);
  // The element picks up its options asynchronously; set the value after they are slotted.
  queueMicrotask(() => (select.value = chosen));
  select.value = chosen;
  return chosen;
}
