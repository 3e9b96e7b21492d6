/**
 * The `.maze` custom editor page. The host owns the document; this page draws it, turns gestures into edit requests
 * (one per gesture, so one undo step each), and shows the net thinking: per-iteration frames streamed by the engine,
 * a timeline to scrub them, and the paper's interventions (think longer, corrupt memory, move S/G mid-thought).
 *
 * This file only wires the parts together; each part lives in the module named after it. Handshake: handlers are
 * installed, then `ready` is sent; nothing is drawn before `init` arrives.
 */
import '../shared/elements';
import { connect } from '../shared/vscodeApi';
import { onThemeChange } from '../shared/theme';
import { validateHostMessage, type HostToPage, type PageToHost } from '../../src/shared/protocol/webview/mazeEditor';
import { MazeRenderer, type OverlayMode } from './renderer';
import { buildDom } from './dom';
import { createEditorState, toSaved, type Saved } from './editorState';
import { createDrawing, iterationLabel } from './drawing';
import { createMazeDocument } from './mazeDocument';
import { createSolving } from './solving';
import { installGestures } from './gestures';
import { wireToolbar } from './toolbar';
import { listenToHost } from './hostMessages';
import './main.css';

const { messenger, state } = connect<HostToPage, PageToHost, Saved>(validateHostMessage);
const saved: Saved = state.get() ?? {};

const st = createEditorState(saved);
const dom = buildDom(document.getElementById('app')!, saved, {
  onChange: () => {
    drawing.updateLabels();
    drawing.redraw();
  },
  format: (_iteration, index) => iterationLabel(st, index),
  maxFps: () => st.settings.maxFps,
});
const renderer = new MazeRenderer(dom.canvas);
const drawing = createDrawing({ st, dom, renderer });

function persist(): void {
  state.set(
    toSaved(st, {
      overlay: dom.overlaySel.value as OverlayMode,
      strength: Number(dom.strength.value),
      speed: Number(dom.speedSel.value),
      iterations: dom.itersField.value,
      live: dom.live.input.checked,
      watch: dom.watch.input.checked,
    }),
  );
}
let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persistSoon(): void {
  if (persistTimer) clearTimeout(persistTimer);
  persistTimer = setTimeout(persist, 300);
}

const doc = createMazeDocument({ st, dom, saved, messenger, drawing, run: (kind) => solving.run(kind) });
const solving = createSolving({ st, dom, messenger, drawing, persist, reportError: doc.reportError });

installGestures(dom.canvas, st, {
  redraw: drawing.redraw,
  updateStatusLine: drawing.updateStatusLine,
  persist,
  persistSoon,
  invalidateBase: () => renderer.invalidateBase(),
  sendEdit: (edit) => void doc.sendEdit(edit),
  damage: (region) => void solving.run({ kind: 'perturb', mode: 'zero', strength: 1, region }),
});
wireToolbar({
  st, dom, renderer, messenger, drawing, persist, persistSoon,
  run: solving.run,
  fetchThought: solving.fetchThought,
  reportError: doc.reportError,
});

// The canvas refits when the editor is resized or a banner takes room, unless the user zoomed or panned.
new ResizeObserver(() => {
  if (st.fitted) st.view = undefined;
  drawing.redraw();
}).observe(dom.canvas);
onThemeChange(() => {
  renderer.retheme();
  drawing.renderLegend();
  drawing.redraw();
});
drawing.renderLegend();

listenToHost({
  st, dom, saved, messenger, drawing, persist,
  setText: doc.setText,
  onFrame: solving.onFrame,
  run: solving.run,
  fetchThought: solving.fetchThought,
  reportError: doc.reportError,
});

window.addEventListener('error', (e) => messenger.emit('log', { level: 'error', message: `maze editor: ${e.message}` }));
document.body.dataset.state = 'loading';
drawing.updateLabels();
messenger.emit('ready', {});
