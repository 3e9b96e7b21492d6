/**
 * Runs of the net on the maze, driven from the page: a solve, or one of the paper's interventions (think longer,
 * corrupt memory, brush damage, swap the input mid-thought). Frames stream in while a run is in flight and fill
 * the timeline; the summary that answers the request carries the verdict. Only one run is in flight at a time,
 * and Live re-solves once after the edits that arrived during a run.
 */
import type { Messenger } from '../../src/shared/protocol/messenger';
import type { HostToPage, PageIntervention, PageToHost, SolveIterations, SolveSummary } from '../../src/shared/protocol/webview/mazeEditor';
import type { SolveFrame } from '../../src/shared/protocol/engine';
import { base64ToBytes, showBanner } from '../shared/dom';
import { thoughtMode, type MazeDom } from './dom';
import { isStale, type EditorState } from './editorState';
import { lastIntervention, type Drawing } from './drawing';
import type { StoredFrame } from './frameStore';

export interface SolvingContext {
  st: EditorState;
  dom: MazeDom;
  messenger: Messenger<HostToPage, PageToHost>;
  drawing: Drawing;
  persist(): void;
  reportError(e: unknown): void;
}

export interface Solving {
  run(kind: 'solve' | PageIntervention): Promise<void>;
  /** a frame streamed by the engine */
  onFrame(f: SolveFrame): void;
  /** fetch the current thought for the thought overlay (after a run, or when the overlay changes) */
  fetchThought(): Promise<void>;
}

export function toStored(f: SolveFrame): StoredFrame {
  return { iteration: f.iteration, rows: f.rows, cols: f.cols, scale: f.scale, probs: base64ToBytes(f.probs), confidence: f.confidence, correct: f.correct };
}

/** The iterations field: undefined (the setting's default) unless it holds 'auto' or a whole number in range. */
export function iterationsFromInput(value: string): SolveIterations | undefined {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  if (v === 'auto') return 'auto';
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : undefined;
}

export function createSolving(ctx: SolvingContext): Solving {
  const { st, dom, messenger, drawing, reportError } = ctx;
  const { timeline } = dom;

  async function fetchThought(): Promise<void> {
    const mode = thoughtMode(dom);
    dom.channelField.hidden = mode !== 'channel';
    if (!mode || !st.summary || st.busy || isStale(st)) {
      st.thought = undefined;
      drawing.renderLegend();
      drawing.redraw();
      return;
    }
    try {
      const view = mode === 'pca' ? ('pca' as const) : { channel: Math.max(0, Math.floor(Number(dom.channelField.value) || 0)) };
      const r = await messenger.request('thought', { view });
      st.thought = {
        kind: mode, rows: r.rows, cols: r.cols, bytes: base64ToBytes(r.data), iteration: r.iteration, channels: r.channels,
        explained: r.explained, forText: st.textPrint,
      };
      dom.channelField.max = String(r.channels - 1);
    } catch (e) {
      st.thought = undefined;
      reportError(e);
    }
    drawing.renderLegend();
    drawing.updateLabels();
    drawing.redraw();
  }

  function onFrame(f: SolveFrame): void {
    const stored = toStored(f);
    if (f.mark) stored.mark = f.mark;
    if (f.mark === 'perturb' && st.pendingMark) st.marks.push({ iteration: f.iteration, kind: st.pendingMark });
    st.frames.add(stored);
    drawing.updateLabels();
    drawing.redraw();
  }

  function onSummary(s: SolveSummary): void {
    st.summary = s;
    st.frames.add(toStored(s.finalFrame));
    ctx.persist();
  }

  async function run(kind: 'solve' | PageIntervention): Promise<void> {
    if (st.busy || !st.grid) return;
    st.busy = true;
    timeline.stop();
    timeline.followEnd();
    showBanner(dom.app, undefined);
    // A stale thought of another size cannot continue; the host then solves afresh, so start a fresh timeline too.
    const fresh = kind === 'solve';
    if (fresh) {
      st.frames.clear();
      st.marks = [];
    }
    // Until this run answers, no verdict stands: the last one describes a thought that is being changed.
    const prevSummary = st.summary;
    st.summary = undefined;
    st.pendingMark = kind !== 'solve' && kind.kind === 'perturb' ? (kind.region ? 'damage' : 'corrupt') : undefined;
    // Frames streamed from here on describe the maze as it is now.
    const before = st.summaryFor;
    st.summaryFor = st.textPrint;
    drawing.updateLabels();
    let ok = false;
    try {
      const iterations = iterationsFromInput(dom.itersField.value);
      st.requested = iterations ?? st.settings.iterations;
      const s = kind === 'solve'
        ? await messenger.request('solve', { iterations })
        : await messenger.request('intervene', { intervention: kind, iterations });
      onSummary(s);
      ok = true;
    } catch (e) {
      if (!fresh) {
        st.summaryFor = before;
        st.summary = prevSummary;
      }
      reportError(e);
    } finally {
      st.busy = false;
      st.pendingMark = undefined;
      drawing.updateLabels();
      drawing.redraw();
    }
    if (st.liveQueued || (dom.live.input.checked && st.summaryFor !== st.textPrint && ok)) {
      st.liveQueued = false;
      if (dom.live.input.checked && st.summaryFor !== st.textPrint) void run({ kind: 'swapInput' });
    } else if (ok && kind !== 'solve' && kind.kind === 'perturb' && dom.watch.input.checked) watchRecovery();
    if (ok && thoughtMode(dom)) void fetchThought();
  }

  /** Replay from the frame before the last corruption, slowly (2 frames per second at 1×), so the damage and the repair can be followed. */
  function watchRecovery(): void {
    const from = lastIntervention(st);
    if (!from) return;
    timeline.playFrom(Math.max(0, from.index - 1), 2, 700);
  }

  return { run, onFrame, fetchThought };
}
