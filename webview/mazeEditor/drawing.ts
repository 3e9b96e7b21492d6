/**
 * Everything the maze editor page shows from its state: the canvas (coalesced to one draw per animation frame),
 * the timeline's label and marks, the verdict, the buttons' enabled states, the recovery plot, the legend and the
 * status line. Drawing only reads the state; it never sends anything to the host.
 */
import { h } from '../shared/dom';
import { themeKind } from '../shared/theme';
import { mazeColors } from './palette';
import { THOUGHT_HIGH, THOUGHT_LOW, type MazeRenderer, type OverlayMode } from './renderer';
import { fitView } from './view';
import { finalVerdict, wrongCellCount } from './truth';
import { thoughtMode, type MazeDom } from './dom';
import { frameAt, isStale, showingFinal, type EditorState, type MarkKind } from './editorState';
import type { StoredFrame } from './frameStore';

export interface DrawContext {
  st: EditorState;
  dom: MazeDom;
  renderer: MazeRenderer;
}

export interface Drawing {
  /** draw the canvas at the next animation frame (many calls, one draw) */
  redraw(): void;
  /** draw the canvas now (exports read it right after) */
  drawNow(): void;
  updateLabels(): void;
  renderLegend(): void;
  updateStatusLine(): void;
}

/** The frame on screen. */
export function currentFrame(ctx: DrawContext): StoredFrame | undefined {
  return frameAt(ctx.st, ctx.dom.timeline.index);
}

/** The timeline's label for a position: "Iteration i / n" and what else holds for the run. */
export function iterationLabel(st: EditorState, index: number): string {
  const f = frameAt(st, index);
  const lastIt = st.frames.last()?.iteration;
  let label = f ? `Iteration ${f.iteration} / ${lastIt}` : 'Not solved yet';
  if (f && f.scale > 1) label += ` · shown at 1:${f.scale}`;
  if (st.summary?.haltedAt !== undefined) label += ` · halted at ${st.summary.haltedAt}`;
  if (st.frames.dropped > 0) label += ` · ${st.frames.dropped} older frames thinned`;
  return label;
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

/** The last corruption or damage on the timeline and the frame index where its picture starts. */
export function lastIntervention(st: EditorState): { iteration: number; index: number } | undefined {
  const { frames } = st;
  for (let k = frames.length - 1; k >= 0; k--) if (frames.at(k)!.mark === 'perturb') return { iteration: frames.at(k)!.iteration, index: k };
  return undefined;
}

/** Wrong cells per frame from the last corruption on: the recovery curve (full-resolution frames only). */
function recoverySeries(st: EditorState): { iteration: number; wrong: number }[] {
  const from = lastIntervention(st);
  if (!from || !st.grid || isStale(st)) return [];
  const out: { iteration: number; wrong: number }[] = [];
  for (let k = from.index; k < st.frames.length; k++) {
    const w = wrongCellCount(st.frames.at(k)!, st.grid, st.bfs);
    if (w !== undefined) out.push({ iteration: st.frames.at(k)!.iteration, wrong: w });
  }
  return out;
}

/** Set a background through the CSSOM: the webview's CSP refuses inline `style` attributes, not style properties. */
function painted(el: HTMLElement, background: string): HTMLElement {
  el.style.background = background;
  return el;
}

const pct = (v: number | undefined) => (v === undefined ? '?' : `${Math.round(v * 100)}%`);

export function createDrawing(ctx: DrawContext): Drawing {
  const { st, dom, renderer } = ctx;
  const { canvas, timeline } = dom;

  let drawQueued = false;
  function redraw(): void {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      drawNow();
    });
  }

  function drawNow(): void {
    if (!st.grid) return;
    const shown = st.drag?.kind === 'walls' ? st.drag.work : st.grid;
    if (!st.view) st.view = fitView(shown.rows, shown.cols, canvas.clientWidth, canvas.clientHeight);
    const stale = isStale(st);
    const thought = st.thought;
    renderer.draw({
      view: st.view,
      grid: shown,
      // A stale overlay would paint a path through walls that were not there when it was computed.
      frame: stale ? undefined : currentFrame(ctx),
      overlay: (thoughtMode(dom) ? 'off' : dom.overlaySel.value) as OverlayMode,
      wrongCells: !stale && showingFinal(st, timeline.index) && !st.summary!.correct ? st.summary!.wrongCells : undefined,
      hover: st.hover,
      dragging: st.drag?.kind === 'start' || st.drag?.kind === 'goal' ? st.drag.kind : undefined,
      damage: st.brushCells.length ? st.brushCells : undefined,
      thought: thoughtMode(dom) && thought && thought.forText === st.textPrint && !stale ? thought : undefined,
    });
    // For tests and accessibility tools: the geometry of what is on screen.
    canvas.dataset.rows = String(shown.rows);
    canvas.dataset.cols = String(shown.cols);
    canvas.dataset.scale = String(st.view.scale);
    canvas.dataset.offsetX = String(st.view.offsetX);
    canvas.dataset.offsetY = String(st.view.offsetY);
  }

  function updateLabels(): void {
    const { summary, frames, grid, bfs, busy, brushing } = st;
    const { verdict } = dom;
    timeline.sync(frames.iterations());
    const index = timeline.index;
    const f = frameAt(st, index);
    const final = showingFinal(st, index);

    verdict.className = 'verdict';
    const stale = isStale(st);
    dom.staleNote.hidden = !stale || busy;
    if (stale) {
      verdict.textContent = busy ? 'Maze changed: re-solving…' : 'Maze changed: not solved';
    } else if (summary && final) {
      const v = finalVerdict(summary, bfs !== null, st.requested);
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
    verdict.dataset.correct = !stale && summary && final ? String(summary.correct) : '';
    verdict.dataset.stale = String(stale);
    if (grid) canvas.dataset.framesShown = String(frames.length);
    verdict.title = summary?.engine ? `${summary.iterations} iterations in ${Math.round(summary.ms)} ms on ${summary.engine}` : '';
    document.body.dataset.state = busy ? 'solving' : summary && !stale ? 'solved' : grid ? 'ready' : 'error';

    dom.solveBtn.disabled = busy || !grid;
    dom.thinkBtn.disabled = busy || !grid || !summary || stale;
    dom.corruptBtn.disabled = busy || !grid || !summary || stale;
    dom.brushBtn.disabled = busy || !grid || !summary || stale;
    dom.brushBtn.classList.toggle('active', brushing);
    dom.brushBtn.setAttribute('aria-pressed', String(brushing));
    dom.cancelBtn.disabled = !busy;
    dom.strengthLabel.textContent = `${Number(dom.strength.value)}× RMS`;
    dom.exportBtn.disabled = !grid;
    dom.gifBtn.disabled = busy || !grid || dom.timeline.length < 2;
    renderMarks();
    renderRecovery();
  }

  /** Ticks under the scrubber at the frames where something happened. */
  function renderMarks(): void {
    const { frames, summary } = st;
    const n = frames.length;
    const all = [...st.marks];
    if (summary && !summary.cancelled) {
      if (summary.haltedAt !== undefined) all.push({ iteration: summary.haltedAt, kind: 'halt' });
      else if (st.requested === 'auto') all.push({ iteration: summary.iterations, kind: 'cap' });
    }
    timeline.setMarks(
      all.map((m) => {
        // A marked frame sits right after the last frame of its iteration: find it so the tick lands on the damage.
        let i = frames.indexOf(m.iteration);
        for (let k = 0; k < n; k++) if (frames.at(k)!.mark && frames.at(k)!.iteration === m.iteration) i = k;
        return { index: i, iteration: m.iteration, kind: m.kind, title: `${MARK_TITLES[m.kind]} (iteration ${m.iteration})` };
      }),
    );
  }

  function renderRecovery(): void {
    const { recovery, recoveryPlot, recoveryLabel } = dom;
    const series = recoverySeries(st);
    recovery.hidden = series.length < 2;
    if (recovery.hidden) return;
    recoveryPlot.dataset.series = JSON.stringify(series.map((p) => p.wrong));
    const c2d = recoveryPlot.getContext('2d');
    const first = series[0];
    const healed = series.find((p, i) => i > 0 && p.wrong === 0);
    recoveryLabel.textContent = healed
      ? `${first.wrong} wrong cells after the corruption → 0 after ${healed.iteration - first.iteration} iterations`
      : `${first.wrong} wrong cells after the corruption → ${series[series.length - 1].wrong} now`;
    if (!c2d) return;
    const w = recoveryPlot.width;
    const hgt = recoveryPlot.height;
    const max = Math.max(1, ...series.map((p) => p.wrong));
    c2d.clearRect(0, 0, w, hgt);
    const fg = getComputedStyle(document.body).getPropertyValue('--vscode-charts-red').trim() || '#f14c4c';
    c2d.strokeStyle = fg;
    c2d.lineWidth = 1.5;
    c2d.beginPath();
    series.forEach((p, i) => {
      const x = 2 + ((w - 4) * i) / Math.max(1, series.length - 1);
      const y = hgt - 2 - ((hgt - 4) * p.wrong) / max;
      if (i === 0) c2d.moveTo(x, y);
      else c2d.lineTo(x, y);
    });
    c2d.stroke();
    // The frame on screen.
    const at = series.findIndex((p) => p.iteration === currentFrame(ctx)?.iteration);
    if (at >= 0) {
      c2d.fillStyle = fg;
      const x = 2 + ((w - 4) * at) / Math.max(1, series.length - 1);
      c2d.fillRect(x - 1, 0, 2, hgt);
    }
  }

  /** The legend: the maze's fixed colours, the heat-map scale and the timeline's marks. */
  function renderLegend(): void {
    const c = mazeColors(themeKind());
    const rgb = (x: readonly number[]) => `rgb(${x[0]}, ${x[1]}, ${x[2]})`;
    const swatch = (key: string, colour: string, label: string, title = label) =>
      h('span', { class: 'item', 'data-key': key, title }, painted(h('span', { class: 'swatch', 'data-color': colour }), colour), label);
    const heat = h('span', { class: 'item', 'data-key': 'heat', title: 'Heat map: opacity = the net\'s P(cell on the path) at this iteration' },
      'P(on path) 0',
      painted(h('span', { class: 'ramp' }), `linear-gradient(to right, ${rgb(c.open)}, rgba(${c.path[0]}, ${c.path[1]}, ${c.path[2]}, 0.85) ), ${rgb(c.open)}`),
      '1');
    dom.legend.replaceChildren(
      swatch('wall', rgb(c.wall), 'wall'),
      swatch('open', rgb(c.open), 'corridor'),
      swatch('start', rgb(c.start), 'S start'),
      swatch('goal', rgb(c.goal), 'G goal'),
      heat,
      swatch('wrong', rgb(c.wrong), 'differs from BFS', 'Cells where the final prediction differs from the BFS shortest path (crossed)'),
      swatch('damage', rgb(c.damage), 'brushed damage'),
    );
    const mode = thoughtMode(dom);
    const thought = st.thought;
    if (mode && thought) {
      const what = mode === 'pca'
        ? `thought at iteration ${thought.iteration}: PCA of ${thought.channels} channels, PC1 red (${pct(thought.explained?.[0])}), PC2 blue (${pct(thought.explained?.[1])})`
        : `thought at iteration ${thought.iteration}: channel ${dom.channelField.value} of ${thought.channels}, low`;
      const ramp = mode === 'channel'
        ? painted(h('span', { class: 'ramp' }), `linear-gradient(to right, rgb(${THOUGHT_LOW.join(',')}), rgb(${THOUGHT_HIGH.join(',')}))`)
        : painted(h('span', { class: 'ramp' }), 'linear-gradient(to right, rgb(0,64,128), rgb(128,128,128), rgb(255,191,128))');
      dom.legend.append(h('span', { class: 'item', 'data-key': 'thought', title: 'The hidden state the recurrence carries (the current iteration only: frames do not store it)' }, what, ramp, mode === 'channel' ? 'high' : ''));
    }
  }

  function updateStatusLine(): void {
    if (!st.grid) return;
    const where = st.hover ? `row ${st.hover[0] + 1}, col ${st.hover[1] + 1} · ` : '';
    dom.statusLine.textContent =
      `${where}${st.declared} maze · click/drag: walls · drag S/G: move · wheel: zoom · space/middle-drag: pan · F: fit · keys: arrows, Enter, S, G`;
  }

  return { redraw, drawNow, updateLabels, renderLegend, updateStatusLine };
}
