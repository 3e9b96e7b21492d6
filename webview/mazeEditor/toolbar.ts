/**
 * What the page's controls do: the toolbar's run and intervention buttons, brush mode, Live and Watch recovery,
 * PNG export, model selection, the overlay and strength controls and the stale note's Solve again. Each control
 * turns into a run, a request to the host or a saved setting; none edits the maze.
 */
import { encodeGif, gifPositions } from './gifExport';
import type { Messenger } from '../../src/shared/protocol/messenger';
import type { HostToPage, PageIntervention, PageToHost } from '../../src/shared/protocol/webview/mazeEditor';
import { showBanner, bytesToBase64 } from '../shared/dom';
import type { MazeDom } from './dom';
import { isStale, type EditorState } from './editorState';
import { currentFrame, type Drawing } from './drawing';
import type { MazeRenderer } from './renderer';

export interface ToolbarContext {
  st: EditorState;
  dom: MazeDom;
  renderer: MazeRenderer;
  messenger: Messenger<HostToPage, PageToHost>;
  drawing: Drawing;
  run(kind: 'solve' | PageIntervention): Promise<void>;
  fetchThought(): Promise<void>;
  persist(): void;
  persistSoon(): void;
  reportError(e: unknown): void;
}

/** Show the selected model on its button. */
export function setModel(dom: MazeDom, model: string | undefined): void {
  dom.modelBtn.textContent = model ? `Model: ${model}` : 'No model — select…';
  dom.modelBtn.title = model ? `Maze model: ${model} (click to change)` : 'No maze model: click to select or import one';
}

/** The noise intervention at the strength chosen on the toolbar. */
export function corruption(dom: MazeDom): PageIntervention {
  return { kind: 'perturb', mode: 'noise', strength: Number(dom.strength.value) };
}

export function wireToolbar(ctx: ToolbarContext): void {
  const { st, dom, messenger, drawing, run, persist, reportError } = ctx;
  dom.solveBtn.addEventListener('click', () => void run('solve'));
  dom.solveAgainBtn.addEventListener('click', () => void run('solve'));
  dom.thinkBtn.addEventListener('click', () => void run({ kind: 'continue' }));
  dom.corruptBtn.addEventListener('click', () => void run(corruption(dom)));
  dom.brushBtn.addEventListener('click', () => {
    st.brushing = !st.brushing;
    dom.canvas.classList.toggle('brushing', st.brushing);
    drawing.updateLabels();
  });
  dom.live.input.addEventListener('change', () => {
    persist();
    if (dom.live.input.checked && isStale(st) && !st.busy) void run({ kind: 'swapInput' });
  });
  dom.watch.input.addEventListener('change', persist);
  dom.exportBtn.addEventListener('click', () => {
    const it = currentFrame(ctx)?.iteration;
    const base = (st.fileName || 'maze').replace(/\.maze$/, '').replace(/[^\w.() ×-]+/g, '_');
    const name = `${base}${it !== undefined && !isStale(st) ? `-iteration-${it}` : ''}.png`;
    const data = dom.canvas.toDataURL('image/png').split(',')[1] ?? '';
    void messenger
      .request('export', { name, mime: 'image/png', data })
      .then((r) => r.saved && showBanner(dom.app, `Saved ${r.saved}`, 'info'))
      .catch(reportError);
  });
  dom.gifBtn.addEventListener('click', () => {
    const { timeline, canvas } = dom;
    const shown = timeline.index;
    // At most 480 px on the long side: the canvas at device resolution would make a GIF of tens of MB.
    const scale = Math.min(1, 480 / Math.max(canvas.width, canvas.height, 1));
    const width = Math.max(1, Math.round(canvas.width * scale));
    const height = Math.max(1, Math.round(canvas.height * scale));
    const small = document.createElement('canvas');
    small.width = width;
    small.height = height;
    const g = small.getContext('2d', { willReadFrequently: true })!;
    const frames = gifPositions(timeline.length).map((i) => {
      timeline.showIndex(i);
      drawing.drawNow();
      g.drawImage(canvas, 0, 0, width, height);
      return { rgba: g.getImageData(0, 0, width, height).data, width, height };
    });
    timeline.showIndex(shown);
    drawing.drawNow();
    // The timeline's own pace: 8 frames per second at 1×.
    const delay = Math.round(1000 / (8 * (Number(dom.speedSel.value) || 1)));
    const base = (st.fileName || 'maze').replace(/\.maze$/, '').replace(/[^\w.() ×-]+/g, '_');
    let data: string;
    try {
      data = bytesToBase64(encodeGif(frames, delay));
    } catch (e) {
      reportError(e);
      return;
    }
    void messenger
      .request('export', { name: `${base}-thinking.gif`, mime: 'image/gif', data })
      .then((r) => r.saved && showBanner(dom.app, `Saved ${r.saved}`, 'info'))
      .catch(reportError);
  });
  dom.cancelBtn.addEventListener('click', () => void messenger.request('cancel', {}).catch(reportError));
  dom.modelBtn.addEventListener('click', () => {
    void messenger
      .request('selectModel', {})
      .then((m) => setModel(dom, m.model))
      .catch(reportError);
  });
  dom.strength.addEventListener('input', () => {
    drawing.updateLabels();
    ctx.persistSoon();
  });
  dom.overlaySel.addEventListener('change', () => {
    persist();
    void ctx.fetchThought();
  });
  dom.channelField.addEventListener('change', () => void ctx.fetchThought());
  dom.speedSel.addEventListener('change', persist);
  dom.itersField.addEventListener('change', persist);
}
