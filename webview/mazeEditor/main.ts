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
import { cloneMaze, isWall, parseMazeDocument, type MazeDiagnostic, type MazeGrid } from '../../src/shared/mazeFormat';
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
import { MazeRenderer, type OverlayMode } from './renderer';
import { cellAt, cellsOnSegment, fitView, panBy, zoomAt, type View } from './view';
import './main.css';

interface Saved extends Record<string, unknown> {
  view?: View;
  viewFor?: string;
  overlay?: OverlayMode;
  strength?: number;
  speed?: number;
  iterations?: string;
  summary?: SolveSummary;
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
const strength = h('input', { id: 'strength', type: 'range', min: 0, max: 1, step: 0.05, title: 'Corruption strength' }) as HTMLInputElement;
const strengthLabel = h('span', { class: 'dt-muted', id: 'strength-label' });
const modelBtn = btn('model', 'No model', 'Select the maze model (Deep Thinking: Select Model…)');
const itersField = h('vscode-textfield', { id: 'iterations', size: 6, title: "Iterations: 'auto' halts when the prediction is stable" }) as HTMLElement & { value: string };
const overlaySel = h(
  'vscode-single-select',
  { id: 'overlay', title: 'Overlay' },
  h('vscode-option', { value: 'heat' }, 'Heat map'),
  h('vscode-option', { value: 'path' }, 'Path (p ≥ 0.5)'),
  h('vscode-option', { value: 'off' }, 'No overlay'),
) as HTMLElement & { value: string };

const toolbar = h(
  'div',
  { class: 'toolbar', role: 'toolbar' },
  solveBtn,
  thinkBtn,
  h('span', { class: 'group' }, corruptBtn, strength, strengthLabel),
  cancelBtn,
  h('span', { class: 'sep' }),
  h('label', { class: 'dt-muted', for: 'iterations' }, 'Iterations'),
  itersField,
  overlaySel,
  h('span', { class: 'sep' }),
  modelBtn,
);

const canvas = h('canvas', { id: 'maze', tabindex: 0, 'aria-label': 'Maze: click or drag to toggle walls, drag S or G to move them' }) as HTMLCanvasElement;
const errorsPanel = h('div', { class: 'errors', id: 'errors', role: 'alert', hidden: true });
const stage = h('div', { class: 'stage' }, canvas, errorsPanel);

const playBtn = btn('play', '▶', 'Play / pause the timeline');
const scrub = h('input', { id: 'scrub', type: 'range', min: 0, max: 0, value: 0, step: 1, title: 'Iteration timeline' }) as HTMLInputElement;
const iterLabel = h('span', { id: 'iteration', class: 'iteration' }, '—');
const speedSel = h(
  'vscode-single-select',
  { id: 'speed', title: 'Playback speed' },
  ...['0.25', '0.5', '1', '2', '4', '8'].map((s) => h('vscode-option', { value: s }, `${s}×`)),
) as HTMLElement & { value: string };
const verdict = h('span', { id: 'verdict', class: 'verdict' });
const timeline = h('div', { class: 'timeline' }, playBtn, scrub, iterLabel, speedSel, verdict);
const statusLine = h('div', { class: 'statusline dt-muted', id: 'statusline' });

app.append(toolbar, stage, timeline, statusLine);

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
let busy = false;
let playing = false;
let playTimer: ReturnType<typeof setTimeout> | undefined;
let hover: CellRef | undefined;
type Drag =
  | { kind: 'walls'; wall: boolean; cells: CellRef[]; last: CellRef; work: MazeGrid }
  | { kind: 'start' | 'goal' }
  | { kind: 'pan'; x: number; y: number };
let drag: Drag | undefined;
let spaceDown = false;
const renderer = new MazeRenderer(canvas);

strength.value = String(saved.strength ?? 0.5);
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

function showingFinal(): boolean {
  const f = currentFrame();
  return !!summary && !!f && f.iteration === summary.finalFrame.iteration && frameIndex === frames.length - 1;
}

function drawNow(): void {
  if (!grid) return;
  const shown = drag?.kind === 'walls' ? drag.work : grid;
  if (!view) view = fitView(shown.rows, shown.cols, canvas.clientWidth, canvas.clientHeight);
  renderer.draw({
    view,
    grid: shown,
    frame: currentFrame(),
    overlay: overlaySel.value as OverlayMode,
    wrongCells: showingFinal() && !summary!.correct ? summary!.wrongCells : undefined,
    hover,
    dragging: drag?.kind === 'start' || drag?.kind === 'goal' ? drag.kind : undefined,
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
  if (summary && showingFinal()) {
    if (summary.cancelled) {
      verdict.textContent = 'Stopped';
    } else if (summary.correct) {
      verdict.textContent = '✓ matches BFS';
      verdict.classList.add('ok');
    } else {
      verdict.textContent = `✗ ${summary.wrongCells.length} cell${summary.wrongCells.length === 1 ? '' : 's'} differ from BFS`;
      verdict.classList.add('bad');
    }
  } else if (f?.correct !== undefined) {
    verdict.textContent = f.correct ? '✓ (this iteration)' : '✗ (this iteration)';
    verdict.classList.add(f.correct ? 'ok' : 'bad');
  } else verdict.textContent = '';
  verdict.dataset.correct = summary && showingFinal() ? String(summary.correct) : '';
  verdict.title = summary?.engine ? `${summary.iterations} iterations in ${Math.round(summary.ms)} ms on ${summary.engine}` : '';
  document.body.dataset.state = busy ? 'solving' : summary ? 'solved' : grid ? 'ready' : 'error';

  solveBtn.disabled = busy || !grid;
  thinkBtn.disabled = busy || !grid || !summary;
  corruptBtn.disabled = busy || !grid || !summary;
  cancelBtn.disabled = !busy;
  strengthLabel.textContent = `${Math.round(Number(strength.value) * 100)}%`;
  playBtn.textContent = playing ? '⏸' : '▶';
  playBtn.disabled = frames.length < 2;
}

function updateStatusLine(): void {
  if (!grid) return;
  const where = hover ? `row ${hover[0] + 1}, col ${hover[1] + 1} · ` : '';
  statusLine.textContent =
    `${where}${grid.rows}×${grid.cols} · click/drag: walls · drag S/G: move · wheel: zoom · space/middle-drag: pan · F: fit · keys: arrows, Enter, S, G`;
}

// ---- document ------------------------------------------------------------------------------------------------------
function setText(newText: string, newVersion: number): void {
  text = newText;
  version = newVersion;
  const doc = parseMazeDocument(text);
  const prev = grid;
  grid = doc.grid;
  diagnostics = doc.diagnostics;
  if (grid && prev && (prev.rows !== grid.rows || prev.cols !== grid.cols)) view = undefined;
  if (grid && !prev && saved.viewFor !== `${grid.rows}x${grid.cols}`) view = undefined;
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
  frames.add(toStored(f));
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
  if (kind === 'solve') {
    frames.clear();
    frameIndex = 0;
    summary = undefined;
  }
  updateLabels();
  try {
    const iterations = iterationsFromInput();
    const s = kind === 'solve'
      ? await messenger.request('solve', { iterations })
      : await messenger.request('intervene', { intervention: kind, iterations });
    onSummary(s);
  } catch (e) {
    reportError(e);
  } finally {
    busy = false;
    updateLabels();
    redraw();
  }
}

function stopPlaying(): void {
  playing = false;
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
  // 8 frames per second at 1×, never faster than the display setting.
  const fps = Math.min(settings.maxFps, 8 * Number(speedSel.value || 1));
  playTimer = setTimeout(tick, 1000 / Math.max(0.5, fps));
}

// ---- editing -------------------------------------------------------------------------------------------------------
async function sendEdit(edit: MazeEdit): Promise<void> {
  const hadSession = !!summary && !busy;
  try {
    const { applied } = await messenger.request('edit', { edit, version });
    // Moving S/G (or a wall) after a solve: keep thinking from the current state with the new maze (swap input).
    if (applied && hadSession && grid) await run({ kind: 'swapInput' });
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
    redraw();
    return;
  }
  const cell = cellAt(view, x, y, grid.rows, grid.cols);
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

function fit(): void {
  if (!grid) return;
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
  redraw();
});
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

new ResizeObserver(() => redraw()).observe(stage);
onThemeChange(() => {
  renderer.retheme();
  redraw();
});

// ---- messages from the host ------------------------------------------------------------------------------------------
messenger.on('init', (p) => {
  settings = p.settings;
  frames.setBudget(settings.frameBudgetBytes);
  fileName = p.fileName;
  itersField.value = saved.iterations ?? String(settings.iterations);
  setModel(p.model);
  setText(p.text, p.version);
  // A reload restores the last solve's final picture (frames themselves are not persisted).
  if (summary && grid) {
    frames.add(toStored(summary.finalFrame));
    frameIndex = frames.length - 1;
  }
  updateLabels();
  redraw();
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
