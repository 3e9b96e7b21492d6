/**
 * Side panel (webview view): models with the selection per problem, live training curves, and the extrapolation
 * chart — accuracy against test iterations for several sizes, several models overlaid (Bansal et al. 2022, Fig. 1
 * and 4: DT-recall keeps its accuracy as it thinks longer on bigger problems, DT without recall overthinks, a
 * feed-forward net cannot think longer at all). Charts are uPlot (bundled); nothing here draws axes by hand.
 */
import '../shared/elements';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import uPlot from 'uplot';
import { PROBLEM_IDS, type ProblemId } from '../../src/shared/problems/problem';
import { getProblem } from '../../src/shared/problems';
import type { TrainProgress } from '../../src/shared/protocol/engine';
import type { ModelOption } from '../../src/shared/protocol/webview/common';
import { alignCurves, validateSidebarHostMessage, type CurveSet, type RunView, type SidebarFromWebview, type SidebarSnapshot, type SidebarToWebview } from '../../src/shared/protocol/webview/sidebar';
import { $, h, showBanner, bytesToBase64 } from '../shared/dom';
import { cssVar, onThemeChange } from '../shared/theme';
import { connect } from '../shared/vscodeApi';
import { curvesToCsv } from './curvesCsv';
import { dashFor, ITERATION_STEPS, modelColorSlots, sizeLabel } from './seriesStyle';

const KIND_LABELS: Record<string, string> = { 'dt-recall': 'DT-recall', dt: 'DT', feedforward: 'feed-forward' };

interface PageState {
  problem: ProblemId;
  run?: string;
  /** legend labels the user switched off */
  hidden: string[];
  [k: string]: unknown;
}

const { messenger, state } = connect<SidebarToWebview, SidebarFromWebview, PageState>(validateSidebarHostMessage);
const saved = state.get();
const page: PageState = {
  problem: saved?.problem && PROBLEM_IDS.includes(saved.problem) ? saved.problem : 'mazes',
  run: saved?.run,
  hidden: Array.isArray(saved?.hidden) ? saved.hidden : [],
};
let snap: SidebarSnapshot = { models: [], selected: {}, runs: [], curves: [] };
const save = () => state.set(page);

// ---- layout ---------------------------------------------------------------------------------------------------
const app = $('#app');
app.classList.add('sb-app');
const modelsBody = h('div', { id: 'models', class: 'sb-models' });
const runSelect = h('vscode-single-select', { id: 'run', 'aria-label': 'Training run' }) as HTMLElement & { value: string };
const runStatus = h('div', { id: 'run-status', class: 'sb-muted' });
const trainCharts = h('div', { id: 'train-charts', class: 'sb-charts' });
const problemSelect = h('vscode-single-select', { id: 'problem', 'aria-label': 'Problem' }) as HTMLElement & { value: string };
for (const p of PROBLEM_IDS) {
  const o = h('vscode-option', { value: p }, getProblem(p).label);
  if (p === page.problem) o.setAttribute('selected', '');
  problemSelect.append(o);
}
const evalList = h('div', { id: 'evals', class: 'sb-evals' });
const extrapChart = h('div', { id: 'extrapolation', class: 'sb-chart' });
const extrapEmpty = h('div', { id: 'extrapolation-empty', class: 'sb-muted' });
const extrapNote = h('div', { id: 'extrapolation-note', class: 'sb-muted sb-note' });

app.append(
  h(
    'vscode-collapsible',
    { heading: 'Models', open: true, id: 'sec-models' },
    h(
      'vscode-toolbar-button',
      { slot: 'actions', id: 'refresh', label: 'Refresh models', title: 'Refresh models', onclick: () => void messenger.request('refresh', {}).catch(report) },
      '⟳',
    ),
    modelsBody,
  ),
  h('vscode-collapsible', { heading: 'Training', open: true, id: 'sec-training' }, h('div', { class: 'sb-pad' }, runSelect, runStatus, trainCharts)),
  h(
    'vscode-collapsible',
    { heading: 'Extrapolation', open: true, id: 'sec-extrapolation' },
    h(
      'div',
      { class: 'sb-pad' },
      h(
        'div',
        { class: 'sb-row' },
        problemSelect,
        h('vscode-button', { id: 'evaluate', onclick: () => void messenger.request('evaluate', { problem: page.problem }).catch(report) }, 'Evaluate…'),
      ),
      evalList,
      extrapEmpty,
      extrapChart,
      extrapNote,
      h(
        'div',
        { class: 'sb-row' },
        h('vscode-button', { id: 'export-chart-png', secondary: true, title: 'Save the accuracy chart as a PNG', onclick: () => exportChart('png') }, 'PNG'),
        h('vscode-button', { id: 'export-chart-csv', secondary: true, title: 'Save the curves on the chart as a CSV table', onclick: () => exportChart('csv') }, 'CSV'),
      ),
      h('vscode-button', { id: 'clear-evals', secondary: true, onclick: () => messenger.emit('clearEvals', {}) }, 'Clear evaluations'),
    ),
  ),
);

/** Save the extrapolation chart (its canvas, with the legend drawn in) or its curves through the host. */
function exportChart(kind: 'png' | 'csv'): void {
  const series = visibleSeries();
  if (!series.length) return;
  const name = `accuracy-${page.problem}.${kind}`;
  let data: string;
  if (kind === 'csv') {
    data = bytesToBase64(new TextEncoder().encode(curvesToCsv(series)));
  } else {
    const plot = extrapChart.querySelector<HTMLCanvasElement>('canvas');
    if (!plot) return;
    const legend = [...extrapChart.querySelectorAll<HTMLElement>('.u-legend .u-series')].slice(1);
    const rowH = 16;
    const out = document.createElement('canvas');
    out.width = plot.width;
    out.height = plot.height + rowH * legend.length + 8;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = cssVar('--vscode-editor-background', '#1e1e1e');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(plot, 0, 0);
    ctx.font = '11px sans-serif';
    ctx.textBaseline = 'middle';
    legend.forEach((row, i) => {
      const marker = row.querySelector<HTMLElement>('.u-marker');
      const y = plot.height + 4 + rowH * i + rowH / 2;
      ctx.strokeStyle = marker?.dataset.color ?? '#888';
      ctx.lineWidth = 2;
      ctx.setLineDash((marker?.dataset.dash ?? '').split(',').filter(Boolean).map(Number));
      ctx.beginPath();
      ctx.moveTo(6, y);
      ctx.lineTo(32, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = cssVar('--vscode-foreground', '#cccccc');
      ctx.fillText(row.querySelector('.u-label')?.textContent ?? '', 40, y);
    });
    data = out.toDataURL('image/png').split(',')[1] ?? '';
  }
  void messenger
    .request('export', { name, mime: kind === 'png' ? 'image/png' : 'text/csv', data })
    .then((r) => r.saved && showBanner(app, `Saved ${r.saved}`, 'info'))
    .catch(report);
}

function report(e: unknown): void {
  showBanner(app, e instanceof Error ? e.message : String(e));
}

// ---- models -----------------------------------------------------------------------------------------------------
function renderModels(): void {
  modelsBody.replaceChildren();
  if (snap.modelsError) {
    modelsBody.append(h('div', { class: 'sb-error' }, snap.modelsError));
    return;
  }
  for (const problem of PROBLEM_IDS) {
    const list = snap.models.filter((m) => m.problem === problem);
    modelsBody.append(h('div', { class: 'sb-group' }, getProblem(problem).label));
    if (!list.length) {
      modelsBody.append(h('div', { class: 'sb-muted sb-item' }, 'no model — train or import one'));
      continue;
    }
    for (const m of list) modelsBody.append(modelRow(problem, m));
  }
}

function modelRow(problem: ProblemId, m: ModelOption): HTMLElement {
  const selected = snap.selected[problem] === m.spec;
  const row = h(
    'div',
    {
      class: `sb-item sb-model${selected ? ' selected' : ''}`,
      role: 'radio',
      tabindex: 0,
      'aria-checked': String(selected),
      'data-spec': m.spec,
      title: `${m.spec}\nClick to use this model for ${getProblem(problem).label}`,
    },
    h('span', { class: 'sb-check' }, selected ? '●' : '○'),
    h('span', { class: 'sb-name' }, m.name),
    h('span', { class: 'sb-muted sb-desc' }, `${KIND_LABELS[m.kind] ?? m.kind} · w${m.width} · ${m.source}`),
  );
  const choose = () => {
    if (selected) return;
    messenger.request('select', { problem, spec: m.spec }).catch(report);
  };
  row.addEventListener('click', choose);
  row.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      choose();
    }
  });
  return row;
}

// ---- chart helpers ------------------------------------------------------------------------------------------------
function palette(): string[] {
  return ['blue', 'orange', 'green', 'purple', 'red', 'yellow'].map((c, i) =>
    cssVar(`--vscode-charts-${c}`, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i]),
  );
}

function axis(label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  const fg = cssVar('--vscode-foreground', '#cccccc');
  const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)');
  return { label, stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, labelSize: 18, size: 40, font: '11px sans-serif', labelFont: '11px sans-serif', ...extra };
}

function chartWidth(el: HTMLElement): number {
  return Math.max(180, (el.clientWidth || app.clientWidth || 280) - 2);
}

// ---- training ---------------------------------------------------------------------------------------------------
interface TrainPlots {
  run: string;
  plots: { plot: uPlot; fields: (keyof TrainProgress)[] }[];
}
let train: TrainPlots | undefined;

function trainData(history: TrainProgress[], fields: (keyof TrainProgress)[]): uPlot.AlignedData {
  const xs = history.map((p) => p.step);
  return [xs, ...fields.map((f) => history.map((p) => (typeof p[f] === 'number' && Number.isFinite(p[f] as number) ? (p[f] as number) : null)))] as uPlot.AlignedData;
}

function renderRuns(): void {
  const runs = snap.runs;
  runSelect.replaceChildren(...runs.map((r) => h('vscode-option', { value: r.runId, selected: r.runId === page.run }, r.runId)));
  if (!runs.some((r) => r.runId === page.run)) page.run = runs[runs.length - 1]?.runId;
  runSelect.value = page.run ?? '';
  runSelect.toggleAttribute('hidden', runs.length === 0);
  buildTrainCharts();
}

function buildTrainCharts(): void {
  for (const p of train?.plots ?? []) p.plot.destroy();
  train = undefined;
  trainCharts.replaceChildren();
  const run = snap.runs.find((r) => r.runId === page.run);
  if (!run) {
    runStatus.textContent = 'No training run yet. Deep Thinking: Train Model… draws its curves here.';
    return;
  }
  const colors = palette();
  const specs: { title: string; fields: (keyof TrainProgress)[]; labels: string[]; y?: uPlot.Scale; fmt?: (v: number) => string }[] = [
    { title: 'loss', fields: ['loss'], labels: ['loss'] },
    { title: 'accuracy', fields: ['accuracy', 'valAccuracy'], labels: ['train', 'validation'], y: { range: [0, 1] }, fmt: (v) => `${Math.round(v * 100)}%` },
    { title: 'throughput (samples/s)', fields: ['throughput'], labels: ['samples/s'] },
  ];
  train = { run: run.runId, plots: [] };
  for (const s of specs) {
    const el = h('div', { class: 'sb-chart', 'data-chart': s.title });
    trainCharts.append(el);
    const opts: uPlot.Options = {
      title: s.title,
      width: chartWidth(trainCharts),
      height: 130,
      scales: { x: { time: false }, ...(s.y ? { y: s.y } : {}) },
      axes: [axis('step'), axis('', s.fmt ? { values: (_u, vals) => vals.map((v) => s.fmt!(v)) } : {})],
      series: [{ label: 'step' }, ...s.labels.map((label, i) => ({ label, stroke: colors[i], width: 1.5, spanGaps: true }))],
      legend: { show: s.labels.length > 1 },
    };
    train.plots.push({ plot: new uPlot(opts, trainData(run.history, s.fields), el), fields: s.fields });
  }
  updateRunStatus();
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

/** A finished run's outcome: "cancelled — newest checkpoint in …" / "done — … ". */
function runOutcome(run: RunView): string {
  const i = run.info;
  if (!i || i.status === 'running') return '';
  if (i.status === 'failed') return ' — failed (see the log)';
  const where = i.checkpointDir ? `checkpoint in ${i.checkpointDir}` : 'no checkpoint written';
  return i.status === 'cancelled' ? ` — cancelled; ${where}` : ` — done, selection ${pct(i.bestValAccuracy)}; ${where}`;
}

/** The runs of a sweep together: each seed's status and selection accuracy, and the one kept (the best). */
function sweepSummary(run: RunView | undefined): string {
  const sweep = run?.info?.sweep;
  if (!sweep) return '';
  const members = snap.runs.filter((r) => r.info?.sweep === sweep);
  const done = members.filter((r) => r.info?.status === 'done' && r.info.bestValAccuracy !== null && r.info.bestValAccuracy !== undefined);
  const kept = done.reduce<RunView | undefined>((a, r) => (!a || r.info!.bestValAccuracy! > a.info!.bestValAccuracy! ? r : a), undefined);
  const rows = members.map((r) => `seed ${r.info?.seed ?? '?'}: ${r.info?.status === 'done' ? pct(r.info.bestValAccuracy) : r.info?.status}${r === kept ? ' (kept)' : ''}`);
  return `\nsweep ${sweep}: ${rows.join(', ')}`;
}

function updateRunStatus(): void {
  const run = snap.runs.find((r) => r.runId === page.run);
  const last = run?.history[run.history.length - 1];
  if (!last) {
    runStatus.textContent = run ? `${run.runId}${runOutcome(run) || ': waiting for the first step…'}${sweepSummary(run)}` : '';
    return;
  }
  const acc = last.valAccuracy !== undefined ? `, val ${(last.valAccuracy * 100).toFixed(1)}%` : '';
  const stage = last.stages && last.stages > 1 ? `stage ${last.stage}/${last.stages}, ` : '';
  const eta = run?.info?.status === 'running' && last.etaSeconds !== undefined ? `, ≈ ${Math.max(1, Math.round(last.etaSeconds / 60))} min left` : '';
  runStatus.textContent =
    `${last.runId}: ${stage}epoch ${last.epoch}/${last.epochs}, step ${last.step}/${last.totalSteps}, loss ${last.loss.toFixed(4)}, ` +
    `acc ${(last.accuracy * 100).toFixed(1)}%${acc}, ${Math.round(last.throughput)} samples/s${eta}${run ? runOutcome(run) : ''}${sweepSummary(run)}`;
}

function onTrainProgress(p: TrainProgress): void {
  let run = snap.runs.find((r) => r.runId === p.runId);
  if (!run) {
    run = { runId: p.runId, history: [] };
    snap.runs.push(run);
    page.run = p.runId; // follow the newest run
    save();
    run.history.push(p);
    renderRuns();
    return;
  }
  run.history.push(p);
  if (train && train.run === p.runId) {
    for (const t of train.plots) t.plot.setData(trainData(run.history, t.fields));
    updateRunStatus();
  }
}

// ---- extrapolation ------------------------------------------------------------------------------------------------
let extrap: uPlot | undefined;

/** Curves for the chosen problem: evaluations, plus stored curves no evaluation of the same model and size replaces. */
function visibleSeries(): { label: string; model: string; size: string; iterations: number[]; accuracy: number[] }[] {
  const sets = snap.curves.filter((c) => c.problem === page.problem);
  const evaluated = new Set(sets.filter((c) => c.origin === 'eval').flatMap((c) => c.curves.map((k) => `${c.model}\n${k.size}`)));
  const out: { label: string; model: string; size: string; iterations: number[]; accuracy: number[] }[] = [];
  for (const c of sets) {
    for (const k of c.curves) {
      if (c.origin === 'stored' && evaluated.has(`${c.model}\n${k.size}`)) continue;
      const kind = KIND_LABELS[c.kind] ?? c.kind;
      const size = sizeLabel(c.problem, k.size);
      out.push({ label: `${c.modelName} (${kind}) · ${size}${c.origin === 'stored' ? ' · stored' : ''}`, model: c.model, size: k.size, iterations: k.iterations, accuracy: k.accuracy });
    }
  }
  return out;
}

function renderEvals(): void {
  const running = snap.curves.filter((c) => c.origin === 'eval' && c.problem === page.problem);
  evalList.replaceChildren(
    ...running.map((c) => {
      const pct = c.total ? Math.round((100 * (c.done ?? 0)) / c.total) : 0;
      const status = c.error ? `error: ${c.error}` : c.cancelled ? 'cancelled' : c.finished ? 'done' : `${pct}%`;
      const row = h('div', { class: 'sb-eval', 'data-eval': c.evalId ?? '' }, h('span', { class: 'sb-name' }, c.modelName), h('span', { class: 'sb-muted' }, ` ${status}`));
      if (!c.finished && c.evalId) {
        const id = c.evalId;
        row.append(h('vscode-button', { secondary: true, class: 'sb-cancel', onclick: () => messenger.emit('cancelEval', { evalId: id }) }, 'Cancel'));
      }
      return row;
    }),
  );
}

function renderExtrapolation(): void {
  extrap?.destroy();
  extrap = undefined;
  extrapChart.replaceChildren();
  renderEvals();
  const series = visibleSeries();
  extrapChart.dataset.series = JSON.stringify(series.map((s) => s.label));
  if (!series.length) {
    extrapEmpty.textContent = `No curves for ${getProblem(page.problem).label} yet. Evaluate… runs the engine's eval; checkpoints with stored metrics draw here at once.`;
    return;
  }
  extrapEmpty.textContent = '';
  const colors = palette();
  // Colours by model over every curve the panel knows, dashes by size over every size: the same in every view.
  const slots = modelColorSlots([...snap.curves.map((c) => c.model), ...snap.models.map((m) => m.spec)], colors.length);
  const allSizes = snap.curves.flatMap((c) => c.curves.map((k) => k.size));
  const style = series.map((s) => ({ color: colors[slots.get(s.model) ?? 0], dash: dashFor(s.size, allSizes) }));
  const stored = series.some((s) => s.label.endsWith(' · stored'));
  extrapNote.textContent = stored
    ? 'stored: the accuracy curve saved in the checkpoint when it was trained, not measured here. Evaluate… measures it again and replaces it.'
    : '';
  const opts: uPlot.Options = {
    width: chartWidth(extrapChart),
    height: 220,
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [
      axis('test iterations', { incrs: ITERATION_STEPS, values: (_u, vals) => vals.map((v) => String(Math.round(v))) }),
      axis('accuracy', { splits: () => [0, 0.25, 0.5, 0.75, 1], values: (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) }),
    ],
    series: [
      { label: 'iteration' },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: style[i].color,
        dash: style[i].dash,
        width: 1.6,
        spanGaps: true,
        show: !page.hidden.includes(s.label),
        value: (_u: uPlot, v: number | null) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`),
      })),
    ],
    hooks: {
      setSeries: [
        (u, idx) => {
          if (idx == null) return;
          const s = u.series[idx];
          const label = String(s.label);
          page.hidden = page.hidden.filter((l) => l !== label);
          if (!s.show) page.hidden.push(label);
          save();
        },
      ],
    },
  };
  extrap = new uPlot(opts, alignCurves(series) as uPlot.AlignedData, extrapChart);
  drawLegendMarkers(extrapChart, style);
}

/**
 * uPlot's legend marker is a box in the series colour; replace it with a short line in the series' colour AND dash,
 * so the legend tells apart what the chart draws (two sizes of one model share a colour and differ by dash).
 */
function drawLegendMarkers(root: HTMLElement, style: { color: string; dash: number[] }[]): void {
  const rows = root.querySelectorAll<HTMLElement>('.u-legend .u-series');
  rows.forEach((row, i) => {
    if (i === 0) return;
    const st = style[i - 1];
    const marker = row.querySelector<HTMLElement>('.u-marker');
    if (!st || !marker) return;
    marker.replaceChildren();
    marker.style.border = 'none';
    marker.style.background = 'none';
    marker.style.width = '26px';
    marker.dataset.color = st.color;
    marker.dataset.dash = st.dash.join(',');
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', '26');
    svg.setAttribute('height', '10');
    const line = document.createElementNS(ns, 'line');
    line.setAttribute('x1', '0');
    line.setAttribute('x2', '26');
    line.setAttribute('y1', '5');
    line.setAttribute('y2', '5');
    line.setAttribute('stroke', st.color);
    line.setAttribute('stroke-width', '2');
    if (st.dash.length) line.setAttribute('stroke-dasharray', st.dash.join(' '));
    svg.append(line);
    marker.append(svg);
  });
}

// ---- wiring -------------------------------------------------------------------------------------------------------
function renderAll(): void {
  renderModels();
  renderRuns();
  renderExtrapolation();
}

messenger.on('snapshot', (s) => {
  showBanner(app, undefined);
  snap = s;
  renderAll();
});
messenger.on('trainProgress', onTrainProgress);
messenger.on('curves', (c: CurveSet) => {
  const i = snap.curves.findIndex((x) => x.key === c.key);
  if (i >= 0) snap.curves[i] = c;
  else snap.curves.push(c);
  if (c.problem !== page.problem && c.origin === 'eval' && !c.finished && (c.done ?? 0) === 0) {
    // A new evaluation started for another problem: show it.
    page.problem = c.problem;
    problemSelect.value = c.problem;
    save();
  }
  renderExtrapolation();
});

problemSelect.addEventListener('change', () => {
  page.problem = problemSelect.value as ProblemId;
  save();
  renderExtrapolation();
});
runSelect.addEventListener('change', () => {
  page.run = runSelect.value;
  save();
  buildTrainCharts();
});

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    extrap?.setSize({ width: chartWidth(extrapChart), height: 220 });
    for (const p of train?.plots ?? []) p.plot.setSize({ width: chartWidth(trainCharts), height: 130 });
  }, 50);
}).observe(app);
onThemeChange(() => {
  buildTrainCharts();
  renderExtrapolation();
});

renderAll();
messenger.emit('ready', {});
