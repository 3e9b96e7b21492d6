/**
 * Chess puzzles panel (webview). Lichess puzzles from the bundled sample or a user CSV (parsed in the host), a
 * rating filter, previous/next, and a board showing what the net thinks at each iteration: a heat map of
 * P(square is the answer's from- or to-square), the best-matching legal move as a blue arrow, and — once the user
 * reveals it — the correct move as a green arrow (Bansal et al. 2022, §3.3: the net's answer is the top-2 squares).
 */
import '../shared/elements';
import { parseIterationsText } from '../shared/iterationsField';
import './style.css';
import { parseUci } from '../../src/shared/problems/chess';
import { validateChessHostMessage, type ChessFrame, type ChessFromWebview, type ChessRunResult, type ChessToWebview, type PuzzleSet, type PuzzleView } from '../../src/shared/protocol/webview/chess';
import type { ModelOption } from '../../src/shared/protocol/webview/common';
import { drawBoard, sideToMove, squareAt, type Arrow, type BoardPalette, DEFAULT_BOARD_PALETTE } from '../boards/chessBoard';
import { fillModelSelect } from '../boards/modelSelect';
import { Timeline } from '../boards/timeline';
import { $, base64ToBytes, h, showBanner, bytesToBase64 } from '../shared/dom';
import { cssVar, onThemeChange, themeKind } from '../shared/theme';
import { connect } from '../shared/vscodeApi';

interface StoredFrame {
  iteration: number;
  probs: string;
  confidence: number;
  move?: string;
  san?: string;
}
interface PageState {
  puzzleId?: string;
  minRating: string;
  maxRating: string;
  revealed: boolean;
  model: string;
  iterations: string;
  runId: number;
  /** frames of the run on `framesFor` (64 bytes each, always small enough to keep) */
  framesFor?: string;
  frames: StoredFrame[];
  result?: ChessRunResult;
  shown?: number;
  [k: string]: unknown;
}

const { messenger, state } = connect<ChessToWebview, ChessFromWebview, PageState>(validateChessHostMessage);
const saved = state.get();
const page: PageState = {
  puzzleId: saved?.puzzleId,
  minRating: saved?.minRating ?? '',
  maxRating: saved?.maxRating ?? '',
  revealed: saved?.revealed === true,
  model: saved?.model ?? '',
  iterations: saved?.iterations ?? '',
  runId: saved?.runId ?? 0,
  framesFor: saved?.framesFor,
  frames: Array.isArray(saved?.frames) ? saved.frames : [],
  result: saved?.result,
  shown: saved?.shown,
};
let set: PuzzleSet = { source: '', puzzles: [], skipped: [], skippedCount: 0 };
let models: ModelOption[] = [];
let filtered: PuzzleView[] = [];
let running = false;
const frames = new Map<number, Omit<ChessFrame, 'runId' | 'iteration'>>();
for (const f of page.frames) frames.set(f.iteration, { probs: base64ToBytes(f.probs), confidence: f.confidence, move: f.move, san: f.san });

function persist(): void {
  page.frames = [...frames.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([iteration, f]) => ({ iteration, probs: bytesToBase64(f.probs), confidence: f.confidence, move: f.move, san: f.san }));
  state.set(page);
}

// ---- DOM ------------------------------------------------------------------------------------------------------
const app = $('#app');
app.classList.add('cp-app');
type Field = HTMLElement & { value: string };
const sourceLabel = h('span', { class: 'cp-muted', id: 'source' });
const minField = h('vscode-textfield', { id: 'min-rating', type: 'number', placeholder: 'min', 'aria-label': 'Minimum rating' }) as Field;
const maxField = h('vscode-textfield', { id: 'max-rating', type: 'number', placeholder: 'max', 'aria-label': 'Maximum rating' }) as Field;
const countLabel = h('span', { class: 'cp-muted', id: 'count' });
const prevBtn = h('vscode-button', { id: 'prev', secondary: true, onclick: () => step(-1) }, '◀ Previous');
const nextBtn = h('vscode-button', { id: 'next', secondary: true, onclick: () => step(1) }, 'Next ▶');
const posLabel = h('span', { id: 'position', class: 'cp-position' });
const canvas = h('canvas', { id: 'board', class: 'cp-board', role: 'img', tabindex: 0 }) as HTMLCanvasElement;
const titleEl = h('div', { class: 'cp-title', id: 'title' });
const toMoveEl = h('div', { class: 'cp-muted', id: 'to-move' });
const themesEl = h('div', { class: 'cp-themes', id: 'themes' });
const modelSelect = h('vscode-single-select', { id: 'model', 'aria-label': 'Model' }) as Field;
const itersField = h('vscode-textfield', { id: 'iterations', placeholder: 'auto', title: 'Iterations to think; empty = auto', 'aria-label': 'Iterations' }) as Field;
const solveBtn = h('vscode-button', { id: 'solve', onclick: () => void solve() }, 'Solve');
const cancelBtn = h('vscode-button', { id: 'cancel', secondary: true, disabled: true, onclick: () => messenger.emit('cancel', {}) }, 'Cancel');
const predictionEl = h('div', { class: 'cp-prediction', id: 'prediction', role: 'status' });
const revealBtn = h('vscode-button', { id: 'reveal', secondary: true, onclick: () => reveal() }, 'Reveal answer');
const answerEl = h('div', { class: 'cp-answer', id: 'answer' });
const hoverEl = h('div', { class: 'cp-muted cp-hover', id: 'hover' });
const timeline = new Timeline((it) => {
  page.shown = it;
  renderPuzzle();
  state.set(page);
});

app.append(
  h(
    'div',
    { class: 'cp-row' },
    h('vscode-button', { id: 'load-sample', secondary: true, onclick: () => void load('loadSample') }, 'Sample puzzles'),
    h('vscode-button', { id: 'open-csv', secondary: true, onclick: () => void load('pickCsv') }, 'Open CSV…'),
    sourceLabel,
  ),
  h('div', { class: 'cp-row' }, h('vscode-label', {}, 'Rating'), minField, h('span', {}, '–'), maxField, countLabel),
  h('div', { class: 'cp-row' }, prevBtn, posLabel, nextBtn),
  h(
    'div',
    { class: 'cp-main' },
    h('div', { class: 'cp-board-wrap' }, canvas, hoverEl),
    h(
      'div',
      { class: 'cp-side' },
      titleEl,
      toMoveEl,
      themesEl,
      h('div', { class: 'cp-row' }, h('vscode-label', {}, 'Model'), modelSelect),
      h('div', { class: 'cp-row' }, h('vscode-label', {}, 'Iterations'), itersField, solveBtn, cancelBtn),
      timeline.el,
      predictionEl,
      h('div', { class: 'cp-row' }, revealBtn),
      answerEl,
      h(
        'div',
        { class: 'cp-legend cp-muted' },
        h('span', { class: 'sw sw-heat' }),
        'P(from/to square)  ',
        h('span', { class: 'sw sw-pred' }),
        'predicted move  ',
        h('span', { class: 'sw sw-answer' }),
        'answer  ',
        h('span', { class: 'sw sw-last', id: 'legend-last-move' }),
        "opponent's last move",
      ),
    ),
  ),
);

// ---- behaviour ------------------------------------------------------------------------------------------------
function current(): PuzzleView | undefined {
  return filtered.find((p) => p.id === page.puzzleId);
}

function ratingBound(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function applyFilter(): void {
  const min = ratingBound(minField.value);
  const max = ratingBound(maxField.value);
  const bad = (minField.value.trim() !== '' && min === undefined) || (maxField.value.trim() !== '' && max === undefined);
  minField.toggleAttribute('invalid', minField.value.trim() !== '' && min === undefined);
  maxField.toggleAttribute('invalid', maxField.value.trim() !== '' && max === undefined);
  if (bad) return;
  page.minRating = minField.value.trim();
  page.maxRating = maxField.value.trim();
  filtered = set.puzzles.filter((p) => (min === undefined || p.rating >= min) && (max === undefined || p.rating <= max));
  countLabel.textContent = `${filtered.length} of ${set.puzzles.length} puzzles`;
  if (!current()) goTo(filtered[0]?.id);
  else renderPuzzle();
  state.set(page);
}

function goTo(id: string | undefined): void {
  if (id !== page.puzzleId) {
    page.puzzleId = id;
    page.revealed = false;
    page.result = undefined;
    page.framesFor = undefined;
    page.shown = undefined;
    frames.clear();
    timeline.reset([]);
    if (running) messenger.emit('cancel', {});
  }
  renderPuzzle();
  persist();
}

function step(delta: number): void {
  if (!filtered.length) return;
  const i = filtered.findIndex((p) => p.id === page.puzzleId);
  const next = (Math.max(0, i) + delta + filtered.length) % filtered.length;
  goTo(filtered[next].id);
}

function reveal(): void {
  page.revealed = !page.revealed;
  renderPuzzle();
  state.set(page);
}

async function load(kind: 'loadSample' | 'pickCsv'): Promise<void> {
  try {
    const s = await messenger.request(kind, {});
    if (s) applySet(s, true);
  } catch (e) {
    showBanner(app, `Could not load puzzles: ${(e as Error).message}`);
  }
}

function applySet(s: PuzzleSet, fresh: boolean): void {
  set = s;
  showBanner(
    app,
    s.skippedCount ? `${s.skippedCount} row(s) skipped: ${s.skipped.slice(0, 3).join(' · ')}${s.skippedCount > 3 ? ' …' : ''}` : undefined,
    s.puzzles.length ? 'info' : 'error',
  );
  sourceLabel.textContent = `${s.source} · ${s.puzzles.length} puzzle${s.puzzles.length === 1 ? '' : 's'}`;
  if (fresh) goTo(undefined);
  applyFilter();
}

function parseIterations(): number | 'auto' | undefined {
  return parseIterationsText(itersField.value);
}

async function solve(): Promise<void> {
  const p = current();
  if (!p || !modelSelect.value) return;
  const iterations = parseIterations();
  if (iterations === undefined) {
    showBanner(app, `Iterations must be a whole number 1…2000 or "auto", got "${itersField.value}".`);
    return;
  }
  showBanner(app, undefined);
  page.iterations = itersField.value.trim();
  page.model = modelSelect.value;
  page.runId++;
  page.framesFor = p.id;
  page.result = undefined;
  frames.clear();
  timeline.reset([]);
  running = true;
  updateButtons();
  renderPuzzle();
  const runId = page.runId;
  try {
    const r = await messenger.request('solve', { runId, puzzleId: p.id, model: page.model, iterations });
    if (page.runId === runId) page.result = r;
  } catch (e) {
    if (page.runId === runId) showBanner(app, `Solve failed: ${(e as Error).message}`);
  } finally {
    if (page.runId === runId) running = false;
    updateButtons();
    renderPuzzle();
    persist();
  }
}

function updateButtons(): void {
  solveBtn.toggleAttribute('disabled', running || !current() || models.length === 0);
  cancelBtn.toggleAttribute('disabled', !running);
  prevBtn.toggleAttribute('disabled', filtered.length < 2);
  nextBtn.toggleAttribute('disabled', filtered.length < 2);
}

function frameAt(iteration: number | undefined): (Omit<ChessFrame, 'runId'> & { iteration: number }) | undefined {
  if (iteration === undefined || page.framesFor !== page.puzzleId) return undefined;
  let best: number | undefined;
  for (const it of frames.keys()) if (it <= iteration && (best === undefined || it > best)) best = it;
  return best === undefined ? undefined : { iteration: best, ...frames.get(best)! };
}

function palette(): BoardPalette {
  const hc = themeKind().startsWith('high-contrast');
  return hc
    ? { light: '#ffffff', dark: '#767676', lastMove: 'rgba(255, 215, 0, 0.45)', heat: [255, 40, 0], coords: '#000000' }
    : DEFAULT_BOARD_PALETTE;
}
let predColor = '#3794ff';
let answerColor = '#89d185';
function readColors(): void {
  predColor = cssVar('--vscode-charts-blue', '#3794ff');
  answerColor = cssVar('--vscode-charts-green', '#388a34');
}

function draw(): void {
  const p = current();
  const cssSize = Math.max(200, Math.min(560, (canvas.parentElement?.clientWidth ?? 400) - 4));
  const dpr = window.devicePixelRatio || 1;
  const size = Math.round(cssSize * dpr);
  if (canvas.width !== size) {
    canvas.width = size;
    canvas.height = size;
    canvas.style.width = canvas.style.height = `${cssSize}px`;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  if (!p) {
    ctx.clearRect(0, 0, size, size);
    canvas.dataset.flipped = '';
    return;
  }
  const flipped = sideToMove(p.fen) === 'b';
  const f = frameAt(timeline.current);
  const arrows: Arrow[] = [];
  const pred = f?.move ? parseUci(f.move) : null;
  if (pred) arrows.push({ from: pred.from, to: pred.to, color: withAlpha(predColor, 0.85) });
  const ans = page.revealed ? parseUci(p.solution) : null;
  if (ans) arrows.push({ from: ans.from, to: ans.to, color: withAlpha(answerColor, 0.8), width: 0.12 });
  const last = parseUci(p.lastMove);
  drawBoard(ctx, size, { fen: p.fen, flipped, lastMove: last ?? undefined, heat: f?.probs, arrows, palette: palette() });
  // Published for the webview tests and screen readers.
  canvas.dataset.flipped = String(flipped);
  canvas.dataset.iteration = f ? String(f.iteration) : '';
  canvas.dataset.arrows = JSON.stringify(arrows.map((a) => [a.from, a.to]));
  canvas.setAttribute('aria-label', `Puzzle ${p.id}, ${flipped ? 'Black' : 'White'} to move. ${predictionEl.textContent ?? ''}`);
}

/** CSS colour with alpha, for hex colours (theme colours are hex); others pass through. */
function withAlpha(css: string, a: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(css.trim());
  if (!m) return css;
  const n = parseInt(m[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function renderPuzzle(): void {
  const p = current();
  const i = filtered.findIndex((x) => x.id === page.puzzleId);
  posLabel.textContent = p ? `puzzle ${i + 1} / ${filtered.length}` : 'no puzzle';
  titleEl.textContent = p ? `Puzzle ${p.id} · rating ${p.rating}` : set.puzzles.length ? 'No puzzle in this rating range' : 'No puzzles loaded';
  toMoveEl.textContent = p ? `${sideToMove(p.fen) === 'w' ? 'White' : 'Black'} to move · find the best move` : '';
  themesEl.replaceChildren(...(p?.themes ?? []).map((t) => h('vscode-badge', { variant: 'default' }, t)));
  const f = frameAt(timeline.current);
  const parts: string[] = [];
  if (running) parts.push('thinking…');
  if (f) {
    parts.push(`iteration ${f.iteration}: ${f.san ?? f.move ?? 'no legal move'} (confidence ${(f.confidence * 100).toFixed(0)}%)`);
    if (page.revealed && p && f.move) parts.push(f.move.slice(0, 4) === p.solution.slice(0, 4) ? '✓ correct' : '✗ wrong');
  }
  const r = page.result;
  if (r && !running && page.framesFor === page.puzzleId) {
    parts.push(`final after ${r.iterations} iterations${r.haltedAt ? ` (halted at ${r.haltedAt})` : ''}${r.cancelled ? ', cancelled' : ''}: ${r.san ?? r.move ?? '—'}`);
    if (page.revealed) parts.push(r.correct ? '✓ solved' : '✗ not solved');
  }
  predictionEl.textContent = parts.join(' · ') || (p ? 'Press Solve to let the model think.' : '');
  revealBtn.textContent = page.revealed ? 'Hide answer' : 'Reveal answer';
  answerEl.textContent = p && page.revealed ? `Answer: ${p.solutionSan} (${p.solution})` : '';
  updateButtons();
  draw();
}

// ---- wiring ---------------------------------------------------------------------------------------------------
minField.addEventListener('change', applyFilter);
maxField.addEventListener('change', applyFilter);
modelSelect.addEventListener('change', () => {
  page.model = modelSelect.value;
  state.set(page);
});
itersField.addEventListener('change', () => {
  page.iterations = itersField.value.trim();
  state.set(page);
});
canvas.addEventListener('mousemove', (ev) => {
  const p = current();
  if (!p) return;
  const r = canvas.getBoundingClientRect();
  const sq = squareAt(ev.clientX - r.left, ev.clientY - r.top, r.width, sideToMove(p.fen) === 'b');
  const f = frameAt(timeline.current);
  if (sq < 0) return;
  const name = 'abcdefgh'[sq % 8] + String(8 - Math.floor(sq / 8));
  hoverEl.textContent = f ? `${name}: P = ${(f.probs[sq] / 255).toFixed(3)}` : name;
});
canvas.addEventListener('mouseleave', () => (hoverEl.textContent = ''));
window.addEventListener('keydown', (ev) => {
  const t = ev.target as HTMLElement | null;
  if (t && /^(INPUT|TEXTAREA|VSCODE-TEXTFIELD|VSCODE-SINGLE-SELECT)$/.test(t.tagName)) return;
  if (ev.key === 'ArrowRight' || ev.key === 'n') step(1);
  else if (ev.key === 'ArrowLeft' || ev.key === 'p') step(-1);
});

messenger.on('init', ({ models: list, selected, set: s }) => {
  models = list;
  page.model = fillModelSelect(modelSelect, list, page.model || selected);
  if (!list.length) showBanner(app, 'No chess model yet: train one (Deep Thinking: Train Model…) or import a checkpoint.', 'info');
  const keep = page.puzzleId;
  applySet(s, false);
  if (keep && s.puzzles.some((p) => p.id === keep) && current()) {
    // Restored after a reload: show the saved run again.
    timeline.reset([...frames.keys()], page.shown);
    renderPuzzle();
  }
});
messenger.on('models', ({ models: list, selected }) => {
  models = list;
  page.model = fillModelSelect(modelSelect, list, page.model || selected);
  updateButtons();
});
messenger.on('puzzles', (s) => applySet(s, true));
messenger.on('frame', (f) => {
  if (f.runId !== page.runId || f.probs.length !== 64) return;
  frames.set(f.iteration, { probs: f.probs, confidence: f.confidence, move: f.move, san: f.san });
  timeline.add(f.iteration);
  renderPuzzle();
});

readColors();
onThemeChange(() => {
  readColors();
  draw();
});
new ResizeObserver(() => draw()).observe(app);
minField.value = page.minRating;
maxField.value = page.maxRating;
itersField.value = page.iterations;
renderPuzzle();
messenger.emit('ready', {});
