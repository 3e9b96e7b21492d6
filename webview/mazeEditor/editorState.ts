/**
 * Everything the maze editor page knows at a moment: the document as last received, the solve on screen (its
 * frames, summary and marks), the gesture in progress and the view. One object, passed to the modules that read
 * or change it, so that what each part of the page touches is visible in its signature.
 */
import type { MazeDiagnostic } from '../../src/shared/maze/mazeFormat';
import type { MazeEditorSettings, SolveIterations, SolveSummary } from '../../src/shared/protocol/webview/mazeEditor';
import { FrameStore, type StoredFrame } from './frameStore';
import type { GestureState } from './gestures';
import type { OverlayMode, ThoughtImage } from './renderer';
import type { View } from './view';

/** What the page restores from the webview's saved state (the host may dispose a hidden page). */
export interface Saved extends Record<string, unknown> {
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

/** What a tick on the timeline stands for. */
export type MarkKind = 'corrupt' | 'damage' | 'move' | 'edit' | 'halt' | 'cap';

export interface EditorState extends GestureState {
  settings: MazeEditorSettings;
  text: string;
  version: number;
  fileName: string;
  diagnostics: MazeDiagnostic[];
  readonly frames: FrameStore;
  summary: SolveSummary | undefined;
  /** fingerprint of the text `summary` and the frames describe; a different current text makes them stale */
  summaryFor: string | undefined;
  requested: SolveIterations | undefined;
  textPrint: string;
  declared: string;
  /** BFS on the current grid: on-path cells, or null when G is unreachable */
  bfs: Set<number> | null;
  /** interventions and edits on the timeline, by iteration */
  marks: { iteration: number; kind: MarkKind }[];
  /** what the next marked frame from the engine stands for */
  pendingMark: MarkKind | undefined;
  lastEdit: 'move' | 'edit';
  /** an edit arrived while a run was in flight; Live re-solves once it ends */
  liveQueued: boolean;
  /** the hidden state as last fetched (only ever the current iteration's: frames do not carry thoughts) */
  thought: (ThoughtImage & { iteration: number; channels: number; explained?: [number, number]; forText: string }) | undefined;
  busy: boolean;
}

export function createEditorState(saved: Saved): EditorState {
  return {
    settings: { maxFps: 30, iterations: 'auto', frameBudgetBytes: 64 << 20 },
    text: '',
    version: 0,
    fileName: '',
    grid: undefined,
    diagnostics: [],
    view: saved.view,
    frames: new FrameStore(),
    summary: saved.summary,
    summaryFor: saved.summaryFor,
    requested: saved.requested,
    textPrint: '',
    declared: '',
    bfs: null,
    marks: [],
    pendingMark: undefined,
    lastEdit: 'edit',
    fitted: saved.view === undefined,
    brushing: false,
    brushCells: [],
    liveQueued: false,
    thought: undefined,
    busy: false,
    hover: undefined,
    drag: undefined,
    spaceDown: false,
  };
}

/** The frame at a timeline position (the last one when the position runs past the list). */
export function frameAt(st: EditorState, index: number): StoredFrame | undefined {
  return st.frames.at(Math.min(index, st.frames.length - 1));
}

/** The solve on screen was made for a different maze text (an edit, an undo, a change in the text editor). */
export function isStale(st: EditorState): boolean {
  return (st.summary !== undefined || st.frames.length > 0) && st.summaryFor !== undefined && st.summaryFor !== st.textPrint;
}

/** The position shows the run's final frame, so the run's verdict applies to it. */
export function showingFinal(st: EditorState, index: number): boolean {
  const f = frameAt(st, index);
  return !!st.summary && !!f && f.iteration === st.summary.finalFrame.iteration && index === st.frames.length - 1;
}

/** The saved state to write (the view, the controls' values and a small enough last solve). */
export function toSaved(st: EditorState, controls: Pick<Saved, 'overlay' | 'strength' | 'speed' | 'iterations' | 'live' | 'watch'>): Saved {
  // Keep the final frame only when small, so the saved state stays cheap to write on every change.
  const smallSummary = st.summary && st.summary.finalFrame.probs.length < 200_000 ? st.summary : undefined;
  return {
    view: st.view,
    viewFor: st.grid ? `${st.grid.rows}x${st.grid.cols}` : undefined,
    overlay: controls.overlay,
    strength: controls.strength,
    speed: controls.speed,
    iterations: controls.iterations,
    summary: smallSummary,
    summaryFor: smallSummary ? st.summaryFor : undefined,
    requested: st.requested,
    live: controls.live,
    watch: controls.watch,
  };
}
