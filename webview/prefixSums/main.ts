/**
 * Prefix-sums playground (webview). Type or generate a bit string, run a model through the engine (via the host),
 * and watch its answer per iteration: confidence shading, wrong bits marked against the true running sum mod 2,
 * a scrubber over iterations, and a second model side by side ("compare").
 *
 * Handshake: handlers are registered, then `ready` goes to the host, which answers with `init` (the models).
 * Everything the user set — and the frames of the last runs when they are small — is kept with setState, so a
 * webview reload comes back as it was.
 */
import '../shared/elements';
import { parseIterationsText } from '../shared/iterationsField';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import './style.css';
import { prefixSumsTarget } from '../../src/shared/problems/prefixSums';
import { Rng } from '../../src/shared/rng';
import type { ModelOption } from '../../src/shared/protocol/webview/common';
import {
  MAX_BITS,
  MIN_BITS,
  type PrefixFrame,
  type PrefixRunResult,
  type PrefixSumsFromWebview,
  type PrefixSumsToWebview,
  type Slot,
  validatePrefixSumsHostMessage,
} from '../../src/shared/protocol/webview/prefixSums';
import { bitAt, layoutBitStrip, renderBitStrip, type BitStripLayout, type BitStripPalette } from '../boards/bitStrip';
import { fillModelSelect } from '../boards/modelSelect';
import { Timeline } from '../boards/timeline';
import { $, base64ToBytes, h, showBanner, bytesToBase64 } from '../shared/dom';
import { onThemeChange, themeColor } from '../shared/theme';
import { blend } from '../mazeEditor/palette';
import { connect } from '../shared/vscodeApi';

// ---- state ----------------------------------------------------------------------------------------------------
interface StoredFrame {
  iteration: number;
  probs: string; // base64
  confidence: number;
}
interface SlotState {
  model: string;
  runId: number;
  frames: StoredFrame[];
  result?: PrefixRunResult;
  error?: string;
}
interface PageState {
  bits: string;
  length: number;
  seed: number;
  compare: boolean;
  iterations: string;
  shown?: number;
  slots: [SlotState, SlotState];
  [k: string]: unknown;
}

/** Frames are persisted with setState only below this many bytes per slot (setState serialises to JSON). */
const PERSIST_LIMIT = 1_500_000;

const { messenger, state } = connect<PrefixSumsToWebview, PrefixSumsFromWebview, PageState>(validatePrefixSumsHostMessage);
const saved = state.get();
const page: PageState = {
  bits: typeof saved?.bits === 'string' ? saved.bits : randomBits(64, 1),
  length: typeof saved?.length === 'number' ? saved.length : 64,
  seed: typeof saved?.seed === 'number' ? saved.seed : 1,
  compare: saved?.compare === true,
  iterations: typeof saved?.iterations === 'string' ? saved.iterations : '',
  shown: saved?.shown,
  slots: [0, 1].map((i) => {
    const s = saved?.slots?.[i];
    return { model: s?.model ?? '', runId: s?.runId ?? 0, frames: Array.isArray(s?.frames) ? s.frames : [], result: s?.result };
  }) as [SlotState, SlotState],
};
let models: ModelOption[] = [];
/** decoded frames per slot: iteration → probs */
const frames: [Map<number, { probs: Uint8Array; confidence: number }>, Map<number, { probs: Uint8Array; confidence: number }>] = [
  new Map(),
  new Map(),
];
const running: [boolean, boolean] = [false, false];
page.slots.forEach((s, i) => {
  for (const f of s.frames) frames[i].set(f.iteration, { probs: base64ToBytes(f.probs), confidence: f.confidence });
});

function randomBits(n: number, seed: number): string {
  const rng = new Rng(seed);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.bool() ? '1' : '0';
  return s;
}

let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persist(): void {
  clearTimeout(persistTimer);
  persistTimer = setTimeout(() => {
    page.slots.forEach((s, i) => {
      const list = [...frames[i].entries()].sort((a, b) => a[0] - b[0]);
      s.frames =
        list.length * page.bits.length <= PERSIST_LIMIT
          ? list.map(([iteration, f]) => ({ iteration, probs: bytesToBase64(f.probs), confidence: f.confidence }))
          : [];
    });
    state.set(page);
  }, 150);
}

// ---- DOM ------------------------------------------------------------------------------------------------------
const app = $('#app');
app.classList.add('ps-app');

const bitsField = h('vscode-textarea', {
  id: 'bits',
  rows: 3,
  resize: 'vertical',
  placeholder: `${MIN_BITS}…${MAX_BITS} bits of 0/1`,
  'aria-label': 'Bit string',
}) as HTMLElement & { value: string };
const bitsInfo = h('span', { class: 'ps-muted', id: 'bits-info' });
const lengthField = h('vscode-textfield', { id: 'length', type: 'number', min: MIN_BITS, max: MAX_BITS, 'aria-label': 'Length' }) as HTMLElement & {
  value: string;
};
const seedField = h('vscode-textfield', { id: 'seed', type: 'number', 'aria-label': 'Seed' }) as HTMLElement & { value: string };
const generateBtn = h('vscode-button', { id: 'generate', secondary: true, onclick: () => generate() }, 'Generate');
const modelSelects = [0, 1].map((i) =>
  h('vscode-single-select', { id: `model-${i}`, 'aria-label': i === 0 ? 'Model' : 'Second model' }),
) as Array<HTMLElement & { value: string }>;
const compareBox = h('vscode-checkbox', { id: 'compare', label: 'Compare with a second model' }) as HTMLElement & { checked: boolean };
const itersField = h('vscode-textfield', { id: 'iterations', placeholder: 'auto', title: 'A number of iterations, or empty for auto (halt when confident)', 'aria-label': 'Iterations' }) as HTMLElement & {
  value: string;
};
const solveBtn = h('vscode-button', { id: 'solve', onclick: () => solve() }, 'Solve');
const cancelBtn = h('vscode-button', { id: 'cancel', secondary: true, disabled: true, onclick: () => cancel() }, 'Cancel');
const timeline = new Timeline((it) => {
  page.shown = it;
  requestDraw();
  persist();
});
const hover = h('div', { class: 'ps-hover ps-muted', id: 'hover' });

interface SlotView {
  root: HTMLElement;
  title: HTMLElement;
  status: HTMLElement;
  canvas: HTMLCanvasElement;
  layout?: BitStripLayout;
}
const views: SlotView[] = [0, 1].map((i) => {
  const canvas = h('canvas', { id: `strip-${i}`, class: 'ps-canvas', role: 'img' }) as HTMLCanvasElement;
  const title = h('div', { class: 'ps-slot-title' });
  const status = h('div', { class: 'ps-status', id: `status-${i}`, role: 'status' });
  const root = h('section', { class: 'ps-slot', id: `slot-${i}` }, title, status, canvas);
  canvas.addEventListener('mousemove', (ev) => onHover(i as Slot, ev));
  canvas.addEventListener('mouseleave', () => (hover.textContent = ''));
  return { root, title, status, canvas };
});

app.append(
  h(
    'div',
    { class: 'ps-controls' },
    h('div', { class: 'ps-row' }, h('vscode-label', { for: 'bits' }, 'Bits'), bitsInfo),
    bitsField,
    h(
      'div',
      { class: 'ps-row' },
      h('vscode-label', {}, 'Length'),
      lengthField,
      h('vscode-label', {}, 'Seed'),
      seedField,
      generateBtn,
    ),
    h(
      'div',
      { class: 'ps-row' },
      h('vscode-label', {}, 'Model'),
      modelSelects[0],
      compareBox,
      h('span', { class: 'ps-model-b' }, modelSelects[1]),
    ),
    h('div', { class: 'ps-row' }, h('vscode-label', {}, 'Iterations'), itersField, solveBtn, cancelBtn),
  ),
  timeline.el,
  h(
    'div',
    { class: 'ps-legend ps-muted' },
    h('span', { class: 'sw sw-input' }),
    'input 1  ',
    h('span', { class: 'sw sw-zero' }),
    '0  ',
    h('span', { class: 'sw sw-pred' }),
    'P(prefix sum = 1), pale = unsure  ',
    h('span', { class: 'sw sw-wrong' }),
    'wrong bit',
  ),
  hover,
  h('div', { class: 'ps-slots', id: 'slots' }, views[0].root, views[1].root),
);

// ---- behaviour ------------------------------------------------------------------------------------------------
function currentBits(): Uint8Array {
  const b = new Uint8Array(page.bits.length);
  for (let i = 0; i < b.length; i++) b[i] = page.bits.charCodeAt(i) === 49 ? 1 : 0;
  return b;
}
let bits = currentBits();
let target = prefixSumsTarget(bits);

/** Validate the typed text: only 0/1 (whitespace ignored), MIN_BITS…MAX_BITS long. Returns an error or undefined. */
function checkBits(text: string): { bits?: string; error?: string } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '0' || ch === '1') out += ch;
    else if (!/\s/.test(ch)) return { error: `column ${i + 1}: expected '0' or '1', found ${JSON.stringify(ch)}` };
  }
  if (out.length < MIN_BITS) return { error: `${out.length} bits; type at least ${MIN_BITS}` };
  if (out.length > MAX_BITS) return { error: `${out.length} bits; at most ${MAX_BITS}` };
  return { bits: out };
}

function setBits(text: string, fromField = false): void {
  const r = checkBits(text);
  bitsField.toggleAttribute('invalid', !!r.error);
  if (r.error) {
    bitsInfo.textContent = r.error;
    bitsInfo.classList.add('ps-error');
    solveBtn.toggleAttribute('disabled', true);
    return;
  }
  bitsInfo.classList.remove('ps-error');
  solveBtn.toggleAttribute('disabled', running[0] || running[1] || models.length === 0);
  if (r.bits !== page.bits) {
    page.bits = r.bits!;
    // A different puzzle invalidates the old frames.
    for (const s of [0, 1] as Slot[]) {
      frames[s].clear();
      page.slots[s].result = undefined;
      page.slots[s].error = undefined;
    }
    timeline.reset([]);
    page.shown = undefined;
  }
  bits = currentBits();
  target = prefixSumsTarget(bits);
  const ones = bits.reduce((a, b) => a + b, 0);
  bitsInfo.textContent = `${bits.length} bits, ${ones} ones, answer ends in ${target[target.length - 1]}`;
  if (!fromField) bitsField.value = page.bits;
  page.length = bits.length;
  lengthField.value = String(bits.length);
  relayout();
  persist();
}

function generate(): void {
  const n = Math.round(Number(lengthField.value));
  if (!Number.isFinite(n) || n < MIN_BITS || n > MAX_BITS) {
    showBanner(app, `Length must be ${MIN_BITS}…${MAX_BITS}, got "${lengthField.value}".`);
    return;
  }
  const seed = Math.round(Number(seedField.value)) || 0;
  showBanner(app, undefined);
  page.seed = seed + 1;
  seedField.value = String(page.seed);
  setBits(randomBits(n, seed));
}

function parseIterations(): number | 'auto' | undefined {
  return parseIterationsText(itersField.value);
}

async function solve(): Promise<void> {
  const iterations = parseIterations();
  if (iterations === undefined) {
    showBanner(app, `Iterations must be a whole number 1…2000 or "auto", got "${itersField.value}".`);
    return;
  }
  showBanner(app, undefined);
  page.iterations = itersField.value.trim();
  const slots: Slot[] = page.compare ? [0, 1] : [0];
  timeline.reset([]);
  page.shown = undefined;
  await Promise.all(slots.map((s) => solveSlot(s, iterations)));
}

async function solveSlot(slot: Slot, iterations: number | 'auto'): Promise<void> {
  const st = page.slots[slot];
  st.model = modelSelects[slot].value;
  if (!st.model) return;
  st.runId++;
  st.result = undefined;
  st.error = undefined;
  frames[slot].clear();
  running[slot] = true;
  updateButtons();
  drawAll();
  const runId = st.runId;
  try {
    const result = await messenger.request('solve', { slot, runId, model: st.model, bits: page.bits, iterations });
    if (st.runId === runId) st.result = result;
  } catch (e) {
    if (st.runId === runId) st.error = (e as Error).message;
  } finally {
    if (st.runId === runId) running[slot] = false;
    updateButtons();
    drawAll();
    persist();
  }
}

function cancel(): void {
  for (const s of [0, 1] as Slot[]) if (running[s]) messenger.emit('cancel', { slot: s });
}

function updateButtons(): void {
  const busy = running[0] || running[1];
  cancelBtn.toggleAttribute('disabled', !busy);
  solveBtn.toggleAttribute('disabled', busy || models.length === 0 || !!checkBits(bitsField.value).error);
}

function onFrame(f: PrefixFrame): void {
  const st = page.slots[f.slot];
  if (f.runId !== st.runId) return; // a frame of a run that was replaced
  if (f.probs.length !== page.bits.length) return;
  frames[f.slot].set(f.iteration, { probs: f.probs, confidence: f.confidence });
  timeline.add(f.iteration);
  requestDraw();
  persist();
}

/** The frame to show for `slot` at the scrubber's iteration: the latest one at or before it. */
function frameAt(slot: Slot, iteration: number | undefined): { iteration: number; probs: Uint8Array; confidence: number } | undefined {
  if (iteration === undefined) return undefined;
  let best: number | undefined;
  for (const it of frames[slot].keys()) if (it <= iteration && (best === undefined || it > best)) best = it;
  if (best === undefined) return undefined;
  return { iteration: best, ...frames[slot].get(best)! };
}

let palette: BitStripPalette;
function readPalette(): void {
  const bg = themeColor('--vscode-editor-background', '#1e1e1e');
  const fg = themeColor('--vscode-editor-foreground', '#cccccc');
  // A 0 bit is a cell too: the widget background is nearly the editor's on dark themes (#252526 on #1e1e1e), so
  // zeros mix 30 % of the foreground in, visible on any background and still far from a 1.
  const zero = blend(fg, bg, 0.3);
  document.body.style.setProperty('--ps-zero', `rgb(${zero[0]}, ${zero[1]}, ${zero[2]})`);
  palette = {
    background: bg,
    inputOne: fg,
    inputZero: zero,
    predOne: themeColor('--vscode-charts-blue', '#3794ff'),
    predZero: zero,
    wrong: themeColor('--vscode-charts-red', '#f14c4c'),
  };
}

function relayout(): void {
  const dpr = window.devicePixelRatio || 1;
  for (const s of [0, 1] as Slot[]) {
    const v = views[s];
    const width = v.root.clientWidth || app.clientWidth || 600;
    v.layout = layoutBitStrip(bits.length, width, dpr);
    v.canvas.width = v.layout.width;
    v.canvas.height = v.layout.height;
    v.canvas.style.width = `${v.layout.width / dpr}px`;
    v.canvas.style.height = `${v.layout.height / dpr}px`;
    // For the webview tests and for screen readers: the geometry and what is drawn.
    v.canvas.dataset.layout = JSON.stringify(v.layout);
  }
  drawAll();
}

let drawPending = false;
/** Coalesce redraws to one per animation frame: frames may arrive faster than the screen refreshes. */
function requestDraw(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawAll();
  });
}

function drawAll(): void {
  views[1].root.hidden = !page.compare;
  app.classList.toggle('ps-compare', page.compare);
  drawSlot(0);
  if (page.compare) drawSlot(1);
}

function drawSlot(slot: Slot): void {
  const v = views[slot];
  const st = page.slots[slot];
  if (!v.layout) return;
  const ctx = v.canvas.getContext('2d');
  const frame = frameAt(slot, timeline.current);
  let wrong = 0;
  if (ctx) {
    const img = ctx.createImageData(v.layout.width, v.layout.height);
    wrong = renderBitStrip(img, v.layout, bits, target, frame?.probs, palette);
    ctx.putImageData(img, 0, 0);
  }
  const model = models.find((m) => m.spec === st.model);
  v.title.textContent = model ? model.name : st.model || 'no model';
  v.canvas.dataset.iteration = frame ? String(frame.iteration) : '';
  v.canvas.dataset.wrong = frame ? String(wrong) : '';
  const parts: string[] = [];
  if (running[slot]) parts.push('thinking…');
  if (frame) {
    parts.push(`iteration ${frame.iteration}`);
    parts.push(wrong === 0 ? '✓ all bits right' : `✗ ${wrong} wrong bit${wrong === 1 ? '' : 's'}`);
    parts.push(`confidence ${(frame.confidence * 100).toFixed(1)}%`);
  }
  const r = st.result;
  if (r && !running[slot]) {
    parts.push(
      `final: ${r.correct ? '✓ solved' : '✗ not solved'} after ${r.iterations} iterations` +
        (r.haltedAt ? ` (halted at ${r.haltedAt})` : '') +
        (r.cancelled ? ' (cancelled)' : '') +
        `, ${Math.round(r.ms)} ms`,
    );
  }
  if (st.error) parts.push(`error: ${st.error}`);
  v.status.textContent = parts.join(' · ') || 'Press Solve to run the model.';
  v.status.classList.toggle('ps-error', !!st.error);
  v.canvas.setAttribute('aria-label', `Prefix sums, ${bits.length} bits. ${v.status.textContent}`);
}

function onHover(slot: Slot, ev: MouseEvent): void {
  const v = views[slot];
  if (!v.layout) return;
  const r = v.canvas.getBoundingClientRect();
  const i = bitAt(v.layout, (ev.clientX - r.left) * v.layout.dpr, (ev.clientY - r.top) * v.layout.dpr);
  if (i < 0) {
    hover.textContent = '';
    return;
  }
  const f = frameAt(slot, timeline.current);
  const p = f ? (f.probs[i] / 255).toFixed(3) : '–';
  hover.textContent = `bit ${i + 1}: input ${bits[i]}, true prefix sum ${target[i]}, P(1) = ${p}`;
}

// ---- wiring ---------------------------------------------------------------------------------------------------
bitsField.addEventListener('input', () => setBits(bitsField.value, true));
modelSelects.forEach((sel, i) =>
  sel.addEventListener('change', () => {
    page.slots[i].model = sel.value;
    persist();
  }),
);
compareBox.addEventListener('change', () => {
  page.compare = compareBox.checked;
  modelSelects[1].toggleAttribute('disabled', !page.compare || models.length === 0);
  relayout();
  persist();
});
itersField.addEventListener('change', () => {
  page.iterations = itersField.value.trim();
  persist();
});

function applyModels(list: ModelOption[], selected: string): void {
  models = list;
  page.slots[0].model = fillModelSelect(modelSelects[0], list, page.slots[0].model || selected);
  const other = list.find((m) => m.spec !== page.slots[0].model)?.spec;
  page.slots[1].model = fillModelSelect(modelSelects[1], list, page.slots[1].model || other);
  modelSelects[1].toggleAttribute('disabled', !page.compare || list.length === 0);
  if (list.length) itersField.setAttribute('title', `Iterations to think; empty = auto. The model trained with ${list[0].maxIters}.`);
  if (list.length === 0) showBanner(app, 'No prefix-sums model yet. Train one (Deep Thinking: Train Model…) or import a checkpoint.', 'info');
  updateButtons();
  drawAll();
}

messenger.on('init', ({ models: list, selected }) => {
  showBanner(app, undefined);
  applyModels(list, selected);
});
messenger.on('models', ({ models: list, selected }) => applyModels(list, selected));
messenger.on('frame', onFrame);

readPalette();
onThemeChange(() => {
  readPalette();
  drawAll();
});
new ResizeObserver(() => relayout()).observe(app);

lengthField.value = String(page.length);
seedField.value = String(page.seed);
itersField.value = page.iterations;
compareBox.checked = page.compare;
bitsField.value = page.bits;
setBits(page.bits);
const restored = [...new Set([...frames[0].keys(), ...frames[1].keys()])];
timeline.reset(restored, page.shown);
drawAll();
messenger.emit('ready', {});
