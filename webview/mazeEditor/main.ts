/**
 * The `.maze` custom editor page. The host owns the document; this page draws it, turns gestures into edit requests
 * (one per gesture, so one undo step each), and shows the net thinking: per-iteration frames streamed by the engine,
 * a timeline to scrub them, and the paper's interventions (think longer, corrupt memory, move S/G mid-thought).
 *
 * Handshake: handlers are installed, then `ready` is sent; nothing is drawn before `init` arrives.
 */
import '../shared/elements';
import { connect } from '../shared/vscodeApi';
import { base64ToBytes, h, showBanner } from '../shared/dom';
import { onThemeChange } from '../shared/theme';
import { parseMazeDocument, type MazeDiagnostic } from '../../src/shared/maze/mazeFormat';
import { cloneMaze, isWall, type MazeGrid } from '../../src/shared/maze/grid';
import {
  validateHostMessage,
  type CellRef,
  type HostToPage,
  type MazeEdit,
  type MazeEditorSettings,
  type PageIntervention,
  type PageToHost,
  type SolveIterations,
  type SolveSummary,
} from '../../src/shared/protocol/webview/mazeEditor';
import type { SolveFrame } from '../../src/shared/protocol/engine';
import { FrameStore, type StoredFrame } from './frameStore';
import { MazeRenderer, THOUGHT_HIGH, THOUGHT_LOW, type OverlayMode, type ThoughtImage } from './renderer';
import { cellAt, cellsOnSegment, fitView, panBy, zoomAt, type View } from './view';
import { bfsPathSet, declaredSize, finalVerdict, textFingerprint, wrongCellCount } from './truth';
import { mazeColors } from './palette';
import { themeKind } from '../shared/theme';
import './main.css';

interface Saved extends Record<string, unknown> {
  view?: View;
  viewFor?: string;
  overlay?: OverlayMode;
  strength?: number;
  speed?: number;
  iterations?: string;
  summary?: SolveSummary;
  /** fingerprint of the maze text `summary` was computed for */
  summaryFor?: string;
  /** what `summary`'s run asked for (the auto cap is only reported for 'auto') */
  requested?: SolveIterations;
  live?: boolean;
  watch?: boolean;
}

const { messenger, state } = connect<HostToPage, PageToHost, Saved>(validateHostMessage);
const saved: Saved = state.get() ?? {};

// ---- DOM ---------------------------------------------------------------------------------------------------------
const app = document.getElementById('app')!;
const btn = (id: string, label: string, title: string, secondary = true) =>
  h('vscode-button', { id, title, secondary }, label) as HTMLElement & { disabled: boolean };

const solveBtn = btn('solve', 'Solve', 'Solve with the selected model (Deep Thinking: Solve Maze)', false);
const thinkBtn = btn('think', 'Think longer', 'Continue from the current hidden state');
const corruptBtn = btn('corrupt', 'Corrupt memory', 'Perturb the hidden state now and keep thinking (the paper\'s error-correction demo)');
const cancelBtn = btn('cancel', 'Stop', 'Cancel the running solve');
const brushBtn = btn('brush', 'Brush damage', 'Drag over the maze to erase the thought under the brush (the cellular-automata demo), then watch it regrow');
// Noise of 1× RMS barely moves a trained net's picture; 2–8× shows the damage and the repair (13×13, bundled model).
const strength = h('input', { id: 'strength', type: 'range', min: 0, max: 8, step: 0.25, title: 'Corruption strength: Gaussian noise on the hidden state, in multiples of its RMS (§5 of the paper)' }) as HTMLInputElement;
const checkbox = (id: string, label: string, title: string, checked: boolean) => {
  const input = h('input', { id, type: 'checkbox', title }) as HTMLInputElement;
  input.checked = checked;
  return { input, label: h('label', { class: 'check', title }, input, label) };
};
const live = checkbox('live', 'Live', 'Re-solve after every edit or undo (continuing from the current thought when the size is unchanged)', saved.live ?? false);
const watch = checkbox('watch', 'Watch recovery', 'After a corruption, replay from just before it at a pace you can follow', saved.watch ?? true);
const strengthLabel = h('span', { class: 'dt-muted', id: 'strength-label' });
const modelBtn = btn('model', 'No model', 'Select the maze model (Deep Thinking: Select Model…)');
const itersField = h('vscode-textfield', { id: 'iterations', size: 6, title: "Iterations: 'auto' halts when the prediction is stable" }) as HTMLElement & { value: string };
const overlaySel = h(
  'vscode-single-select',
  { id: 'overlay', title: 'Overlay' },
  h('vscode-option', { value: 'heat' }, 'Heat map'),
  h('vscode-option', { value: 'path' }, 'Path (p ≥ 0.5)'),
  h('vscode-option', { value: 'off' }, 'No overlay'),
  h('vscode-option', { value: 'pca' }, 'Thought: PCA'),
  h('vscode-option', { value: 'channel' }, 'Thought: channel'),
) as HTMLElement & { value: string };
const channelField = h('input', { id: 'thought-channel', type: 'number', min: 0, step: 1, value: 0, title: 'Hidden channel to show', hidden: true }) as HTMLInputElement;

const toolbar = h(
  'div',
  { class: 'toolbar', role: 'toolbar' },
  solveBtn,
  thinkBtn,
  h('span', { class: 'group' }, corruptBtn, strength, strengthLabel, brushBtn, watch.label),
  cancelBtn,
  live.label,
  h('span', { class: 'sep' }),
  h('label', { class: 'dt-muted', for: 'iterations' }, 'Iterations'),
  itersField,
  overlaySel,
  channelField,
  h('span', { class: 'sep' }),
  modelBtn,
);

const canvas = h('canvas', { id: 'maze', tabindex: 0, 'aria-label': 'Maze: click or drag to toggle walls, drag S or G to move them' }) as HTMLCanvasElement;
const errorsPanel = h('div', { class: 'errors', id: 'errors', role: 'alert', hidden: true });
const staleNote = h(
  'div',
  { class: 'stale', id: 'stale', role: 'status', hidden: true },
  h('span', {}, 'The maze changed since this solve: its verdict and overlay no longer apply. '),
  h('vscode-button', { id: 'solve-again', onclick: () => void run('solve') }, 'Solve again'),
);
const stage = h('div', { class: 'stage' }, canvas, errorsPanel, staleNote);
const legend = h('div', { class: 'legend', id: 'legend', 'aria-label': 'Legend' });
const recoveryPlot = h('canvas', { id: 'recovery-plot', width: 180, height: 40, 'aria-label': 'Wrong cells per iteration since the intervention' }) as HTMLCanvasElement;
const recoveryLabel = h('span', { id: 'recovery-label', class: 'dt-muted' });
const recovery = h('div', { class: 'recovery', id: 'recovery', hidden: true }, recoveryPlot, recoveryLabel);

const playBtn = btn('play', '▶', 'Play / pause the timeline');
const scrub = h('input', { id: 'scrub', type: 'range', min: 0, max: 0, value: 0, step: 1, title: 'Iteration timeline' }) as HTMLInputElement;
const iterLabel = h('span', { id: 'iteration', class: 'iteration' }, '—');
const speedSel = h(
  'vscode-single-select',
  { id: 'speed', title: 'Playback speed' },
  ...['0.25', '0.5', '1', '2', '4', '8'].map((s) => h('vscode-option', { value: s }, `${s}×`)),
) as HTMLElement & { value: string };
const verdict = h('span', { id: 'verdict', class: 'verdict' });
const exportBtn = btn('export-png', 'PNG', 'Save the picture on screen (this iteration, with its overlay) as a PNG');
const marksBar = h('div', { class: 'marks', id: 'marks', 'aria-label': 'Timeline marks' });
const scrubBox = h('div', { class: 'scrub-box' }, scrub, marksBar);
const timeline = h('div', { class: 'timeline' }, playBtn, scrubBox, iterLabel, speedSel, exportBtn, verdict, recovery);
const statusLine = h('div', { class: 'statusline dt-muted', id: 'statusline' });

app.append(toolbar, stage, legend, timeline, statusLine);

// ---- state -------------------------------------------------------------------------------------------------------
let settings: MazeEditorSettings = { maxFps: 30, iterations: 'auto', frameBudgetBytes: 64 << 20 };
let text = '';
let version = 0;
let fileName = '';
let grid: MazeGrid | undefined;
let diagnostics: MazeDiagnostic[] = [];
let view: View | undefined = saved.view;
const frames = new FrameStore();
let frameIndex = 0;
/** follow the newest frame while the engine streams */
let follow = true;
let summary: SolveSummary | undefined = saved.summary;
/** fingerprint of the text `summary` and the frames describe; a different current text makes them stale */
let summaryFor: string | undefined = saved.summaryFor;
let requested: SolveIterations | undefined = saved.requested;
let textPrint = '';
let declared = '';
/** BFS on the current grid: on-path cells, or null when G is unreachable */
let bfs: Set<number> | null = null;
/** interventions and edits on the timeline, by iteration */
type MarkKind = 'corrupt' | 'damage' | 'move' | 'edit' | 'halt' | 'cap';
let marks: { iteration: number; kind: MarkKind }[] = [];
/** what the next marked frame from the engine stands for */
let pendingMark: MarkKind | undefined;
let lastEdit: 'move' | 'edit' = 'edit';
/** the view is the fitted one: a resize refits it (a zoomed or panned view is left alone) */
let fitted = saved.view === undefined;
let brushing = false;
let brushCells: CellRef[] = [];
/** an edit arrived while a run was in flight; Live re-solves once it ends */
let liveQueued = false;
/** the hidden state as last fetched (only ever the current iteration's: frames do not carry thoughts) */
let thought: (ThoughtImage & { iteration: number; channels: number; explained?: [number, number]; forText: string }) | undefined;

function thoughtMode(): 'pca' | 'channel' | undefined {
  const v = overlaySel.value;
  return v === 'pca' || v === 'channel' ? v : undefined;
}

/** Fetch the current thought for the thought overlay (after a run, or when the view changes). */
async function fetchThought(): Promise<void> {
  const mode = thoughtMode();
  channelField.hidden = mode !== 'channel';
  if (!mode || !summary || busy || isStale()) {
    thought = undefined;
    renderLegend();
    redraw();
    return;
  }
  try {
    const view = mode === 'pca' ? ('pca' as const) : { channel: Math.max(0, Math.floor(Number(channelField.value) || 0)) };
    const r = await messenger.request('thought', { view });
    thought = {
      kind: mode, rows: r.rows, cols: r.cols, bytes: base64ToBytes(r.data), iteration: r.iteration, channels: r.channels,
      explained: r.explained, forText: textPrint,
    };
    channelField.max = String(r.channels - 1);
  } catch (e) {
    thought = undefined;
    reportError(e);
  }
  renderLegend();
  updateLabels();
  redraw();
}
let busy = false;
let playing = false;
let playTimer: ReturnType<typeof setTimeout> | undefined;
let hover: CellRef | undefined;
type Drag =
  | { kind: 'walls'; wall: boolean; cells: CellRef[]; last: CellRef; work: MazeGrid }
  | { kind: 'start' | 'goal' }
  | { kind: 'pan'; x: number; y: number }
  | { kind: 'brush' };
let drag: Drag | undefined;
let spaceDown = false;
const renderer = new MazeRenderer(canvas);

strength.value = String(saved.strength ?? 4);
speedSel.value = String(saved.speed ?? 1);
overlaySel.value = saved.overlay ?? 'heat';

function persist(): void {
  // Keep the final frame only when small, so the saved state stays cheap to write on every change.
  const smallSummary = summary && summary.finalFrame.probs.length < 200_000 ? summary : undefined;
  state.set({
    view,
    viewFor: grid ? `${grid.rows}x${grid.cols}` : undefined,
    overlay: overlaySel.value as OverlayMode,
    strength: Number(strength.value),
    speed: Number(speedSel.value),
    iterations: itersField.value,
    summary: smallSummary,
    summaryFor: smallSummary ? summaryFor : undefined,
    requested,
    live: live.input.checked,
    watch: watch.input.checked,
  });
}

// ---- drawing -----------------------------------------------------------------------------------------------------
let drawQueued = false;
function redraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawNow();
  });
}

function currentFrame(): StoredFrame | undefined {
  return frames.at(Math.min(frameIndex, frames.length - 1));
}

/** The solve on screen was made for a different maze text (an edit, an undo, a change in the text editor). */
function isStale(): boolean {
  return (summary !== undefined || frames.length > 0) && summaryFor !== undefined && summaryFor !== textPrint;
}

function showingFinal(): boolean {
  const f = currentFrame();
  return !!summary && !!f && f.iteration === summary.finalFrame.iteration && frameIndex === frames.length - 1;
}

function drawNow(): void {
  if (!grid) return;
  const shown = drag?.kind === 'walls' ? drag.work : grid;
  if (!view) view = fitView(shown.rows, shown.cols, canvas.clientWidth, canvas.clientHeight);
  const stale = isStale();
  renderer.draw({
    view,
    grid: shown,
    // A stale overlay would paint a path through walls that were not there when it was computed.
    frame: stale ? undefined : currentFrame(),
    overlay: (thoughtMode() ? 'off' : overlaySel.value) as OverlayMode,
    wrongCells: !stale && showingFinal() && !summary!.correct ? summary!.wrongCells : undefined,
    hover,
    dragging: drag?.kind === 'start' || drag?.kind === 'goal' ? drag.kind : undefined,
    damage: brushCells.length ? brushCells : undefined,
    thought: thoughtMode() && thought && thought.forText === textPrint && !stale ? thought : undefined,
  });
  // For tests and accessibility tools: the geometry of what is on screen.
  canvas.dataset.rows = String(shown.rows);
  canvas.dataset.cols = String(shown.cols);
  canvas.dataset.scale = String(view.scale);
  canvas.dataset.offsetX = String(view.offsetX);
  canvas.dataset.offsetY = String(view.offsetY);
}

function updateLabels(): void {
  const f = currentFrame();
  scrub.max = String(Math.max(0, frames.length - 1));
  scrub.value = String(Math.min(frameIndex, Math.max(0, frames.length - 1)));
  scrub.disabled = frames.length < 2;
  const lastIt = frames.last()?.iteration;
  let label = f ? `Iteration ${f.iteration} / ${lastIt}` : 'Not solved yet';
  if (f && f.scale > 1) label += ` · shown at 1:${f.scale}`;
  if (summary?.haltedAt !== undefined) label += ` · halted at ${summary.haltedAt}`;
  if (frames.dropped > 0) label += ` · ${frames.dropped} older frames thinned`;
  iterLabel.textContent = label;

  verdict.className = 'verdict';
  const stale = isStale();
  staleNote.hidden = !stale || busy;
  if (stale) {
    verdict.textContent = busy ? 'Maze changed: re-solving…' : 'Maze changed: not solved';
  } else if (summary && showingFinal()) {
    const v = finalVerdict(summary, bfs !== null, requested);
    verdict.textContent = v.text;
    if (v.tone !== 'neutral') verdict.classList.add(v.tone);
  } else if (f) {
    // A frame on the way: its own check (the engine's, else BFS here), never the final verdict.
    const w = grid ? wrongCellCount(f, grid, bfs) : undefined;
    const correct = f.correct ?? (w === undefined ? undefined : w === 0);
    const where = `iteration ${f.iteration}${f.mark ? `, right after ${markLabel(f.mark)}` : ''}`;
    if (correct === undefined) verdict.textContent = `(${where})`;
    else {
      verdict.textContent = `${correct ? '✓' : '✗'}${!correct && w !== undefined ? ` ${w} wrong` : ''} (${where})`;
      verdict.classList.add(correct ? 'ok' : 'bad');
    }
  } else verdict.textContent = '';
  verdict.dataset.correct = !stale && summary && showingFinal() ? String(summary.correct) : '';
  verdict.dataset.stale = String(stale);
  if (grid) canvas.dataset.framesShown = String(frames.length);
  verdict.title = summary?.engine ? `${summary.iterations} iterations in ${Math.round(summary.ms)} ms on ${summary.engine}` : '';
  document.body.dataset.state = busy ? 'solving' : summary && !stale ? 'solved' : grid ? 'ready' : 'error';

  solveBtn.disabled = busy || !grid;
  thinkBtn.disabled = busy || !grid || !summary || stale;
  corruptBtn.disabled = busy || !grid || !summary || stale;
  brushBtn.disabled = busy || !grid || !summary || stale;
  brushBtn.classList.toggle('active', brushing);
  brushBtn.setAttribute('aria-pressed', String(brushing));
  cancelBtn.disabled = !busy;
  strengthLabel.textContent = `${Number(strength.value)}× RMS`;
  playBtn.textContent = playing ? '⏸' : '▶';
  playBtn.disabled = frames.length < 2;
  exportBtn.disabled = !grid;
  renderMarks();
  renderRecovery();
}

function markLabel(m: 'perturb' | 'swapInput'): string {
  return m === 'perturb' ? 'the corruption' : 'the edit';
}

const MARK_TITLES: Record<MarkKind, string> = {
  corrupt: 'Memory corrupted',
  damage: 'Region damaged',
  move: 'S or G moved',
  edit: 'Maze edited',
  halt: 'Halted: the prediction settled',
  cap: "Stopped at the 'auto' cap",
};

/** Ticks under the scrubber at the frames where something happened, placed by frame index like the thumb. */
function renderMarks(): void {
  const n = frames.length;
  const all = [...marks];
  if (summary && !summary.cancelled) {
    if (summary.haltedAt !== undefined) all.push({ iteration: summary.haltedAt, kind: 'halt' });
    else if (requested === 'auto') all.push({ iteration: summary.iterations, kind: 'cap' });
  }
  marksBar.replaceChildren(
    ...all
      .filter(() => n > 1)
      .map((m) => {
        // A marked frame sits right after the last frame of its iteration: find it so the tick lands on the damage.
        let i = frames.indexOf(m.iteration);
        for (let k = 0; k < n; k++) if (frames.at(k)!.mark && frames.at(k)!.iteration === m.iteration) i = k;
        const el = h('span', { class: `mark mark-${m.kind}`, title: `${MARK_TITLES[m.kind]} (iteration ${m.iteration})`, 'data-kind': m.kind, 'data-iteration': m.iteration });
        el.style.left = `${(100 * i) / (n - 1)}%`;
        return el;
      }),
  );
}

/** The last corruption or damage on the timeline and the frame index where its picture starts. */
function lastIntervention(): { iteration: number; index: number } | undefined {
  for (let k = frames.length - 1; k >= 0; k--) if (frames.at(k)!.mark === 'perturb') return { iteration: frames.at(k)!.iteration, index: k };
  return undefined;
}

/** Wrong cells per frame from the last corruption on: the recovery curve (full-resolution frames only). */
function recoverySeries(): { iteration: number; wrong: number }[] {
  const from = lastIntervention();
  if (!from || !grid || isStale()) return [];
  const out: { iteration: number; wrong: number }[] = [];
  for (let k = from.index; k < frames.length; k++) {
    const w = wrongCellCount(frames.at(k)!, grid, bfs);
    if (w !== undefined) out.push({ iteration: frames.at(k)!.iteration, wrong: w });
  }
  return out;
}

function renderRecovery(): void {
  const series = recoverySeries();
  recovery.hidden = series.length < 2;
  if (recovery.hidden) return;
  recoveryPlot.dataset.series = JSON.stringify(series.map((p) => p.wrong));
  const ctx = recoveryPlot.getContext('2d');
  const first = series[0];
  const healed = series.find((p, i) => i > 0 && p.wrong === 0);
  recoveryLabel.textContent = healed
    ? `${first.wrong} wrong cells after the corruption → 0 after ${healed.iteration - first.iteration} iterations`
    : `${first.wrong} wrong cells after the corruption → ${series[series.length - 1].wrong} now`;
  if (!ctx) return;
  const w = recoveryPlot.width;
  const hgt = recoveryPlot.height;
  const max = Math.max(1, ...series.map((p) => p.wrong));
  ctx.clearRect(0, 0, w, hgt);
  const fg = getComputedStyle(document.body).getPropertyValue('--vscode-charts-red').trim() || '#f14c4c';
  ctx.strokeStyle = fg;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  series.forEach((p, i) => {
    const x = 2 + ((w - 4) * i) / Math.max(1, series.length - 1);
    const y = hgt - 2 - ((hgt - 4) * p.wrong) / max;
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  // The frame on screen.
  const at = series.findIndex((p) => p.iteration === currentFrame()?.iteration);
  if (at >= 0) {
    ctx.fillStyle = fg;
    const x = 2 + ((w - 4) * at) / Math.max(1, series.length - 1);
    ctx.fillRect(x - 1, 0, 2, hgt);
  }
}

const pct = (v: number | undefined) => (v === undefined ? '?' : `${Math.round(v * 100)}%`);

/** The legend: the maze's fixed colours, the heat-map scale and the timeline's marks. */
function renderLegend(): void {
  const c = mazeColors(themeKind());
  const rgb = (x: readonly number[]) => `rgb(${x[0]}, ${x[1]}, ${x[2]})`;
  const swatch = (key: string, colour: string, label: string, title = label) =>
    h('span', { class: 'item', 'data-key': key, title }, h('span', { class: 'swatch', style: `background:${colour}`, 'data-color': colour }), label);
  const heat = h('span', { class: 'item', 'data-key': 'heat', title: 'Heat map: opacity = the net\'s P(cell on the path) at this iteration' },
    'P(on path) 0',
    h('span', { class: 'ramp', style: `background:linear-gradient(to right, ${rgb(c.open)}, rgba(${c.path[0]}, ${c.path[1]}, ${c.path[2]}, 0.85) ), ${rgb(c.open)}` }),
    '1');
  legend.replaceChildren(
    swatch('wall', rgb(c.wall), 'wall'),
    swatch('open', rgb(c.open), 'corridor'),
    swatch('start', rgb(c.start), 'S start'),
    swatch('goal', rgb(c.goal), 'G goal'),
    heat,
    swatch('wrong', rgb(c.wrong), 'differs from BFS', 'Cells where the final prediction differs from the BFS shortest path (crossed)'),
    swatch('damage', rgb(c.damage), 'brushed damage'),
  );
  const mode = thoughtMode();
  if (mode && thought) {
    const what = mode === 'pca'
      ? `thought at iteration ${thought.iteration}: PCA of ${thought.channels} channels, PC1 red (${pct(thought.explained?.[0])}), PC2 blue (${pct(thought.explained?.[1])})`
      : `thought at iteration ${thought.iteration}: channel ${channelField.value} of ${thought.channels}, low`;
    const ramp = mode === 'channel'
      ? h('span', { class: 'ramp', style: `background:linear-gradient(to right, rgb(${THOUGHT_LOW.join(',')}), rgb(${THOUGHT_HIGH.join(',')}))` })
      : h('span', { class: 'ramp', style: 'background:linear-gradient(to right, rgb(0,64,128), rgb(128,128,128), rgb(255,191,128))' });
    legend.append(h('span', { class: 'item', 'data-key': 'thought', title: 'The hidden state the recurrence carries (the current iteration only: frames do not store it)' }, what, ramp, mode === 'channel' ? 'high' : ''));
  }
}

function updateStatusLine(): void {
  if (!grid) return;
  const where = hover ? `row ${hover[0] + 1}, col ${hover[1] + 1} · ` : '';
  statusLine.textContent =
    `${where}${declared} maze · click/drag: walls · drag S/G: move · wheel: zoom · space/middle-drag: pan · F: fit · keys: arrows, Enter, S, G`;
}

// ---- document ------------------------------------------------------------------------------------------------------
function setText(newText: string, newVersion: number): void {
  text = newText;
  version = newVersion;
  const doc = parseMazeDocument(text);
  const prev = grid;
  const prevPrint = textPrint;
  grid = doc.grid;
  diagnostics = doc.diagnostics;
  textPrint = textFingerprint(text);
  declared = grid ? declaredSize(grid, doc.meta) : '';
  bfs = grid ? bfsPathSet(grid) : null;
  canvas.dataset.declared = declared;
  if (grid && prev && (prev.rows !== grid.rows || prev.cols !== grid.cols)) view = undefined;
  if (grid && !prev && saved.viewFor !== `${grid.rows}x${grid.cols}`) view = undefined;
  if (!view) fitted = true;
  // Any change to the maze (an edit here, an undo, the text editor) outdates the solve on screen.
  if (prevPrint && prevPrint !== textPrint && (summary || frames.length)) {
    stopPlaying();
    if (!busy && summaryFor !== textPrint) marks.push({ iteration: frames.last()?.iteration ?? 0, kind: lastEdit });
    lastEdit = 'edit';
    if (live.input.checked && grid) {
      if (busy) liveQueued = true;
      else void run({ kind: 'swapInput' });
    }
  }
  renderErrors();
  updateLabels();
  updateStatusLine();
  redraw();
}

/** A bad maze shows its errors here (with line and column), never a blank panel. */
function renderErrors(): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity !== 'error');
  showBanner(
    app,
    warnings.length ? warnings.map((d) => `Line ${d.line}, column ${d.column}: ${d.message}`).join('\n') : undefined,
    'info',
  );
  if (!errors.length) {
    errorsPanel.hidden = true;
    canvas.hidden = false;
    return;
  }
  canvas.hidden = true;
  errorsPanel.hidden = false;
  errorsPanel.replaceChildren(
    h('h2', {}, `${fileName || 'This maze'} cannot be drawn`),
    h('p', {}, `Fix ${errors.length === 1 ? 'this error' : `these ${errors.length} errors`} in the text (they are also in the Problems panel):`),
    h(
      'ul',
      {},
      ...errors.slice(0, 50).map((d) => h('li', { class: 'diag' }, h('span', { class: 'pos' }, `Line ${d.line}, column ${d.column}`), `: ${d.message}`)),
    ),
    errors.length > 50 ? h('p', {}, `… and ${errors.length - 50} more.`) : '',
    h('vscode-button', { id: 'open-text', onclick: () => void messenger.request('reopenAsText', {}).catch(reportError) }, 'Open in Text Editor'),
  );
}

function reportError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  showBanner(app, message, 'error');
  messenger.emit('log', { level: 'error', message });
}

// ---- solving -------------------------------------------------------------------------------------------------------
function iterationsFromInput(): SolveIterations | undefined {
  const v = itersField.value.trim().toLowerCase();
  if (!v) return undefined;
  if (v === 'auto') return 'auto';
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : undefined;
}

function toStored(f: SolveFrame): StoredFrame {
  return { iteration: f.iteration, rows: f.rows, cols: f.cols, scale: f.scale, probs: base64ToBytes(f.probs), confidence: f.confidence, correct: f.correct };
}

function onFrame(f: SolveFrame): void {
  const stored = toStored(f);
  if (f.mark) stored.mark = f.mark;
  if (f.mark === 'perturb' && pendingMark) marks.push({ iteration: f.iteration, kind: pendingMark });
  frames.add(stored);
  if (follow) frameIndex = frames.length - 1;
  updateLabels();
  redraw();
}

function onSummary(s: SolveSummary): void {
  summary = s;
  frames.add(toStored(s.finalFrame));
  if (follow) frameIndex = frames.length - 1;
  persist();
}

async function run(kind: 'solve' | PageIntervention): Promise<void> {
  if (busy || !grid) return;
  busy = true;
  follow = true;
  stopPlaying();
  showBanner(app, undefined);
  // A stale thought of another size cannot continue; the host then solves afresh, so start a fresh timeline too.
  const fresh = kind === 'solve';
  if (fresh) {
    frames.clear();
    frameIndex = 0;
    marks = [];
  }
  // Until this run answers, no verdict stands: the last one describes a thought that is being changed.
  const prevSummary = summary;
  summary = undefined;
  pendingMark = kind !== 'solve' && kind.kind === 'perturb' ? (kind.region ? 'damage' : 'corrupt') : undefined;
  // Frames streamed from here on describe the maze as it is now.
  const before = summaryFor;
  summaryFor = textPrint;
  updateLabels();
  let ok = false;
  try {
    const iterations = iterationsFromInput();
    requested = iterations ?? settings.iterations;
    const s = kind === 'solve'
      ? await messenger.request('solve', { iterations })
      : await messenger.request('intervene', { intervention: kind, iterations });
    onSummary(s);
    ok = true;
  } catch (e) {
    if (!fresh) {
      summaryFor = before;
      summary = prevSummary;
    }
    reportError(e);
  } finally {
    busy = false;
    pendingMark = undefined;
    updateLabels();
    redraw();
  }
  if (liveQueued || (live.input.checked && summaryFor !== textPrint && ok)) {
    liveQueued = false;
    if (live.input.checked && summaryFor !== textPrint) void run({ kind: 'swapInput' });
  } else if (ok && kind !== 'solve' && kind.kind === 'perturb' && watch.input.checked) watchRecovery();
  if (ok && thoughtMode()) void fetchThought();
}

/** Replay from the frame before the last corruption, slowly, so the damage and the repair can be followed. */
function watchRecovery(): void {
  const from = lastIntervention();
  if (!from) return;
  stopPlaying();
  frameIndex = Math.max(0, from.index - 1);
  follow = false;
  playing = true;
  recoveryPace = true;
  updateLabels();
  redraw();
  playTimer = setTimeout(tick, 700);
}
/** playing a recovery: 2 frames per second at 1× */
let recoveryPace = false;

function stopPlaying(): void {
  playing = false;
  recoveryPace = false;
  if (playTimer) clearTimeout(playTimer);
  playTimer = undefined;
}

function tick(): void {
  if (!playing) return;
  if (frameIndex >= frames.length - 1) {
    stopPlaying();
    follow = true;
    updateLabels();
    return;
  }
  frameIndex++;
  updateLabels();
  redraw();
  // 8 frames per second at 1× (2 while watching a recovery), never faster than the display setting.
  const fps = Math.min(settings.maxFps, (recoveryPace ? 2 : 8) * Number(speedSel.value || 1));
  playTimer = setTimeout(tick, 1000 / Math.max(0.5, fps));
}

// ---- editing -------------------------------------------------------------------------------------------------------
async function sendEdit(edit: MazeEdit): Promise<void> {
  // The document update that follows marks the solve stale (and re-solves when Live is on): see setText.
  lastEdit = edit.kind === 'walls' ? 'edit' : 'move';
  try {
    await messenger.request('edit', { edit, version });
  } catch (e) {
    reportError(e);
    setText(text, version); // drop the optimistic change
  }
}

function localPos(e: PointerEvent | WheelEvent): { x: number; y: number } {
  const r = canvas.getBoundingClientRect();
  return { x: e.clientX - r.left, y: e.clientY - r.top };
}

canvas.addEventListener('pointerdown', (e) => {
  canvas.focus();
  if (!grid || !view) return;
  const { x, y } = localPos(e);
  if (e.button === 1 || (e.button === 0 && spaceDown)) {
    drag = { kind: 'pan', x, y };
  } else if (e.button === 0 && brushing) {
    drag = { kind: 'brush' };
    brushCells = [];
    const cell = cellAt(view, x, y, grid.rows, grid.cols);
    if (cell) addBrush(cell);
  } else if (e.button === 0) {
    const cell = cellAt(view, x, y, grid.rows, grid.cols);
    if (!cell) return;
    if (cell[0] === grid.start[0] && cell[1] === grid.start[1]) drag = { kind: 'start' };
    else if (cell[0] === grid.goal[0] && cell[1] === grid.goal[1]) drag = { kind: 'goal' };
    else {
      const work = cloneMaze(grid);
      const wall = !isWall(grid, cell[0], cell[1]);
      work.walls[cell[0] * work.cols + cell[1]] = wall ? 1 : 0;
      drag = { kind: 'walls', wall, cells: [cell], last: cell, work };
      renderer.invalidateBase();
    }
  } else return;
  e.preventDefault();
  canvas.setPointerCapture(e.pointerId);
  redraw();
});

canvas.addEventListener('pointermove', (e) => {
  if (!grid || !view) return;
  const { x, y } = localPos(e);
  if (drag?.kind === 'pan') {
    view = panBy(view, x - drag.x, y - drag.y);
    drag.x = x;
    drag.y = y;
    fitted = false;
    redraw();
    return;
  }
  const cell = cellAt(view, x, y, grid.rows, grid.cols);
  if (drag?.kind === 'brush' && cell) addBrush(cell);
  const changed = cell?.[0] !== hover?.[0] || cell?.[1] !== hover?.[1];
  hover = cell;
  if (drag?.kind === 'walls' && cell) {
    const { work } = drag;
    for (const [r, c] of cellsOnSegment(drag.last, cell)) {
      const isS = r === work.start[0] && c === work.start[1];
      const isG = r === work.goal[0] && c === work.goal[1];
      if (isS || isG || work.walls[r * work.cols + c] === (drag.wall ? 1 : 0)) continue;
      work.walls[r * work.cols + c] = drag.wall ? 1 : 0;
      drag.cells.push([r, c]);
    }
    drag.last = cell;
    renderer.invalidateBase();
  }
  if (changed || drag) {
    updateStatusLine();
    redraw();
  }
});

function endDrag(e: PointerEvent, commit: boolean): void {
  const d = drag;
  drag = undefined;
  if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
  if (!d || !grid) return;
  if (d.kind === 'pan') {
    persist();
    return;
  }
  if (d.kind === 'brush') {
    const region = brushCells;
    brushCells = [];
    brushing = false;
    canvas.classList.remove('brushing');
    // Erase the thought under the stroke: zero every channel there (fraction 1), as the CA demo erases cells.
    if (commit && region.length) void run({ kind: 'perturb', mode: 'zero', strength: 1, region });
    redraw();
    return;
  }
  if (d.kind === 'walls') {
    if (commit) {
      // Show the painted maze until the host's document update arrives (one undo step for the whole drag).
      grid = d.work;
      void sendEdit({ kind: 'walls', cells: d.cells, wall: d.wall });
    } else renderer.invalidateBase();
  } else if (commit && hover) {
    const [own, other] = d.kind === 'start' ? [grid.start, grid.goal] : [grid.goal, grid.start];
    const same = (a: readonly number[]) => hover![0] === a[0] && hover![1] === a[1];
    // Dropping onto itself or onto the other marker changes nothing.
    if (!same(own) && !same(other)) void sendEdit({ kind: d.kind, to: hover });
  }
  redraw();
}

canvas.addEventListener('pointerup', (e) => endDrag(e, true));
canvas.addEventListener('pointercancel', (e) => endDrag(e, false));
canvas.addEventListener('pointerleave', () => {
  if (!drag) {
    hover = undefined;
    updateStatusLine();
    redraw();
  }
});
canvas.addEventListener(
  'wheel',
  (e) => {
    if (!view) return;
    e.preventDefault();
    const { x, y } = localPos(e);
    // Trackpads send many small deltas, mice a few big ones: an exponential keeps both smooth.
    view = zoomAt(view, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), x, y);
    fitted = false;
    redraw();
    persistSoon();
  },
  { passive: false },
);

let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persistSoon(): void {
  if (persistTimer) clearTimeout(persistTimer);
  persistTimer = setTimeout(persist, 300);
}

/** A brush of radius 1 around a cell: wide enough to see, narrow enough to damage one corridor. */
function addBrush(cell: CellRef): void {
  if (!grid) return;
  const seen = new Set(brushCells.map(([r, c]) => r * grid!.cols + c));
  for (let dr = -1; dr <= 1; dr++) {
    for (let dc = -1; dc <= 1; dc++) {
      const r = cell[0] + dr;
      const c = cell[1] + dc;
      if (r < 0 || c < 0 || r >= grid.rows || c >= grid.cols || seen.has(r * grid.cols + c)) continue;
      seen.add(r * grid.cols + c);
      brushCells.push([r, c]);
    }
  }
  redraw();
}

function fit(): void {
  if (!grid) return;
  fitted = true;
  view = fitView(grid.rows, grid.cols, canvas.clientWidth, canvas.clientHeight);
  persist();
  redraw();
}

/**
 * Keyboard editing (the canvas is focusable): arrows move the cell cursor, Enter toggles a wall there, S and G
 * move the start and goal to it. Without this the editor would be mouse-only.
 */
function onCanvasKey(e: KeyboardEvent): boolean {
  if (!grid || e.ctrlKey || e.metaKey || e.altKey) return false;
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const cur: CellRef = hover ?? [grid.start[0], grid.start[1]];
  if (moves[e.key]) {
    const [dr, dc] = moves[e.key];
    hover = [Math.min(grid.rows - 1, Math.max(0, cur[0] + dr)), Math.min(grid.cols - 1, Math.max(0, cur[1] + dc))];
    updateStatusLine();
    redraw();
    return true;
  }
  if (e.key === 'Enter') {
    const isMarker = (a: readonly number[]) => a[0] === cur[0] && a[1] === cur[1];
    if (!isMarker(grid.start) && !isMarker(grid.goal)) void sendEdit({ kind: 'walls', cells: [cur], wall: !isWall(grid, cur[0], cur[1]) });
    hover = cur;
    return true;
  }
  if (e.key === 's' || e.key === 'g') {
    const kind = e.key === 's' ? 'start' : 'goal';
    const other = kind === 'start' ? grid.goal : grid.start;
    const own = kind === 'start' ? grid.start : grid.goal;
    const on = (a: readonly number[]) => a[0] === cur[0] && a[1] === cur[1];
    if (!on(own) && !on(other)) void sendEdit({ kind, to: cur });
    hover = cur;
    return true;
  }
  return false;
}

window.addEventListener('keydown', (e) => {
  if (e.target !== canvas && e.target !== document.body) return;
  if (e.target === canvas && onCanvasKey(e)) {
    e.preventDefault();
    return;
  }
  if (e.key === ' ') {
    spaceDown = true;
    canvas.classList.add('panning');
    e.preventDefault();
  } else if (e.key === 'f' || e.key === 'F' || e.key === '0') fit();
  else if ((e.key === '+' || e.key === '=') && view) {
    view = zoomAt(view, 1.25, canvas.clientWidth / 2, canvas.clientHeight / 2);
    redraw();
  } else if (e.key === '-' && view) {
    view = zoomAt(view, 0.8, canvas.clientWidth / 2, canvas.clientHeight / 2);
    redraw();
  }
});
window.addEventListener('keyup', (e) => {
  if (e.key === ' ') {
    spaceDown = false;
    canvas.classList.remove('panning');
  }
});

// ---- toolbar -------------------------------------------------------------------------------------------------------
solveBtn.addEventListener('click', () => void run('solve'));
thinkBtn.addEventListener('click', () => void run({ kind: 'continue' }));
corruptBtn.addEventListener('click', () => void run({ kind: 'perturb', mode: 'noise', strength: Number(strength.value) }));
brushBtn.addEventListener('click', () => {
  brushing = !brushing;
  canvas.classList.toggle('brushing', brushing);
  updateLabels();
});
live.input.addEventListener('change', () => {
  persist();
  if (live.input.checked && isStale() && !busy) void run({ kind: 'swapInput' });
});
watch.input.addEventListener('change', persist);
exportBtn.addEventListener('click', () => {
  const it = currentFrame()?.iteration;
  const base = (fileName || 'maze').replace(/\.maze$/, '').replace(/[^\w.() ×-]+/g, '_');
  const name = `${base}${it !== undefined && !isStale() ? `-iteration-${it}` : ''}.png`;
  const data = canvas.toDataURL('image/png').split(',')[1] ?? '';
  void messenger
    .request('export', { name, mime: 'image/png', data })
    .then((r) => r.saved && showBanner(app, `Saved ${r.saved}`, 'info'))
    .catch(reportError);
});
cancelBtn.addEventListener('click', () => void messenger.request('cancel', {}).catch(reportError));
modelBtn.addEventListener('click', () => {
  void messenger
    .request('selectModel', {})
    .then((m) => setModel(m.model))
    .catch(reportError);
});
strength.addEventListener('input', () => {
  updateLabels();
  persistSoon();
});
overlaySel.addEventListener('change', () => {
  persist();
  void fetchThought();
});
channelField.addEventListener('change', () => void fetchThought());
speedSel.addEventListener('change', persist);
itersField.addEventListener('change', persist);
scrub.addEventListener('input', () => {
  frameIndex = Number(scrub.value);
  follow = frameIndex === frames.length - 1;
  updateLabels();
  redraw();
});
playBtn.addEventListener('click', () => {
  if (playing) {
    stopPlaying();
  } else {
    if (frameIndex >= frames.length - 1) frameIndex = 0;
    follow = false;
    playing = true;
    tick();
  }
  updateLabels();
});

function setModel(model: string | undefined): void {
  modelBtn.textContent = model ? `Model: ${model}` : 'No model — select…';
  modelBtn.title = model ? `Maze model: ${model} (click to change)` : 'No maze model: click to select or import one';
}

// The canvas refits when the editor is resized or a banner takes room, unless the user zoomed or panned.
new ResizeObserver(() => {
  if (fitted) view = undefined;
  redraw();
}).observe(canvas);
onThemeChange(() => {
  renderer.retheme();
  renderLegend();
  redraw();
});
renderLegend();

// ---- messages from the host ------------------------------------------------------------------------------------------
messenger.on('init', (p) => {
  settings = p.settings;
  frames.setBudget(settings.frameBudgetBytes);
  fileName = p.fileName;
  itersField.value = saved.iterations ?? String(settings.iterations);
  setModel(p.model);
  setText(p.text, p.version);
  // A reload restores the last solve's final picture (frames themselves are not persisted).
  if (summaryFor === undefined) summaryFor = textPrint;
  if (summary && grid) {
    frames.add(toStored(summary.finalFrame));
    frameIndex = frames.length - 1;
  }
  updateLabels();
  redraw();
  void fetchThought();
});
messenger.on('document', (p) => setText(p.text, p.version));
messenger.on('frame', onFrame);
messenger.on('model', (p) => setModel(p.model));
messenger.on('settings', (s) => {
  // A changed iterations setting replaces the field's value (the field is a per-editor override until then).
  if (String(s.iterations) !== String(settings.iterations)) {
    itersField.value = String(s.iterations);
    persist();
  }
  settings = s;
  frames.setBudget(s.frameBudgetBytes);
});
messenger.on('command', ({ name }) => {
  if (name === 'solve') void run('solve');
  else if (name === 'thinkLonger') void run({ kind: 'continue' });
  else if (name === 'corrupt') void run({ kind: 'perturb', mode: 'noise', strength: Number(strength.value) });
  else if (name === 'cancel') void messenger.request('cancel', {}).catch(reportError);
});

window.addEventListener('error', (e) => messenger.emit('log', { level: 'error', message: `maze editor: ${e.message}` }));
document.body.dataset.state = 'loading';
updateLabels();
messenger.emit('ready', {});
