/**
 * Messages between the `.maze` custom editor's webview (webview/mazeEditor) and its host
 * (src/extension/mazeEditorProvider.ts). The TextDocument is the model: the page never owns the maze, it asks the
 * host to edit the document (one WorkspaceEdit per gesture, so undo/redo/dirty/save come from VS Code) and redraws
 * from the text the host sends back.
 *
 * Everything that arrives from the page is untrusted: `validatePageMessage` checks every request and event before a
 * handler sees it (docs/design.md, Protocols).
 */
import type { ProtocolShape, Validator } from '../messenger';
import type { SolveFrame, ThoughtParams, ThoughtResult } from '../engine';
import { checkExport, type ExportRequest } from './exportFile';
import { tableValidator, type Check } from './common';

export type CellRef = [row: number, col: number];

/** One editing gesture: a drag that paints walls, or moving S or G. */
export type MazeEdit =
  | { kind: 'walls'; cells: CellRef[]; wall: boolean }
  | { kind: 'start'; to: CellRef }
  | { kind: 'goal'; to: CellRef };

export type SolveIterations = number | 'auto';

/** What the page shows after a solve or an intervention (a SolveResult minus the big parts). */
export interface SolveSummary {
  iterations: number;
  haltedAt?: number;
  correct: boolean;
  wrongCells: CellRef[];
  cancelled: boolean;
  ms: number;
  /** the final frame at full resolution */
  finalFrame: SolveFrame;
  model: string;
  /** what thought (SolveResult.engine), shown as the verdict's tooltip */
  engine?: string;
}

export type PageIntervention =
  | { kind: 'continue' }
  /** `region`: maze cells [row, col] whose thought is damaged (absent: the whole thought) */
  | { kind: 'perturb'; mode: 'noise' | 'zero'; strength: number; region?: CellRef[] }
  /** continue from the current hidden state with the document's current maze as the new input */
  | { kind: 'swapInput' };

export interface MazeEditorSettings {
  maxFps: number;
  iterations: SolveIterations;
  /** how many frames the timeline keeps before it starts thinning old ones */
  frameBudgetBytes: number;
}

export interface InitPayload {
  text: string;
  version: number;
  fileName: string;
  /** the selected maze model's name, or undefined when none is available */
  model?: string;
  settings: MazeEditorSettings;
  readonly: boolean;
}

/** Host → page. */
export interface HostToPage extends ProtocolShape {
  requests: Record<string, never>;
  events: {
    init: InitPayload;
    /** the document changed (an edit from this page, undo/redo, the text editor, a revert) */
    document: { text: string; version: number };
    frame: SolveFrame;
    model: { model?: string };
    settings: MazeEditorSettings;
    /** a palette command addressed to this editor (Deep Thinking: Solve Maze, …) */
    command: { name: 'solve' | 'thinkLonger' | 'corrupt' | 'cancel' };
  };
}

/** Page → host. */
export interface PageToHost extends ProtocolShape {
  requests: {
    edit: [{ edit: MazeEdit; version: number }, { applied: boolean }];
    solve: [{ iterations?: SolveIterations }, SolveSummary];
    intervene: [{ intervention: PageIntervention; iterations?: SolveIterations }, SolveSummary];
    cancel: [Record<string, never>, void];
    selectModel: [Record<string, never>, { model?: string }];
    reopenAsText: [Record<string, never>, void];
    /** a picture of the current hidden state (one channel, or PCA) */
    thought: [{ view: ThoughtParams['view'] }, ThoughtResult];
    /** save a PNG of the frame on screen (the host asks where) */
    export: [ExportRequest, { saved?: string }];
  };
  events: {
    ready: Record<string, never>;
    /** the page's own errors, for the log */
    log: { level: 'info' | 'warn' | 'error'; message: string };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation (pure; unit-tested). Returns an error string naming the field, or undefined.

/** Upper bound on the cells in one edit message (an 801×801 maze painted completely ≈ 642k). */
export const MAX_EDIT_CELLS = 1_000_000;
/** Largest noise the page may ask for, in units of the thought's RMS (8× already scrambles a 13×13 picture). */
export const MAX_NOISE_STRENGTH = 16;
/** Upper bound on iterations the page may ask for in one request. */
export const MAX_SOLVE_ITERATIONS = 100_000;


const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNatural = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function checkCell(v: unknown, path: string): string | undefined {
  if (!Array.isArray(v) || v.length !== 2 || !isNatural(v[0]) || !isNatural(v[1])) {
    return `${path} must be [row, col] with non-negative integers`;
  }
  return undefined;
}

export function checkIterations(v: unknown, path: string): string | undefined {
  if (v === undefined || v === 'auto') return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_SOLVE_ITERATIONS) return undefined;
  return `${path} must be 'auto' or an integer from 1 to ${MAX_SOLVE_ITERATIONS}`;
}

export function checkEdit(v: unknown, path: string): string | undefined {
  if (!isObj(v)) return `${path} must be an object`;
  switch (v.kind) {
    case 'walls': {
      if (typeof v.wall !== 'boolean') return `${path}.wall must be a boolean`;
      if (!Array.isArray(v.cells)) return `${path}.cells must be an array`;
      if (v.cells.length === 0) return `${path}.cells is empty`;
      if (v.cells.length > MAX_EDIT_CELLS) return `${path}.cells has ${v.cells.length} cells (at most ${MAX_EDIT_CELLS})`;
      for (let i = 0; i < v.cells.length; i++) {
        const e = checkCell(v.cells[i], `${path}.cells[${i}]`);
        if (e) return e;
      }
      return undefined;
    }
    case 'start':
    case 'goal':
      return checkCell(v.to, `${path}.to`);
    default:
      return `${path}.kind must be 'walls', 'start' or 'goal'`;
  }
}

function checkIntervention(v: unknown, path: string): string | undefined {
  if (!isObj(v)) return `${path} must be an object`;
  switch (v.kind) {
    case 'continue':
    case 'swapInput':
      return undefined;
    case 'perturb':
      if (v.mode !== 'noise' && v.mode !== 'zero') return `${path}.mode must be 'noise' or 'zero'`;
      {
        // noise: a multiple of the thought's RMS; zero: the fraction of activations erased.
        const max = v.mode === 'noise' ? MAX_NOISE_STRENGTH : 1;
        if (typeof v.strength !== 'number' || !Number.isFinite(v.strength) || v.strength < 0 || v.strength > max) {
          return `${path}.strength must be a number from 0 to ${max}`;
        }
      }
      if (v.region !== undefined) {
        if (!Array.isArray(v.region) || v.region.length === 0) return `${path}.region must be a non-empty array of cells`;
        if (v.region.length > MAX_EDIT_CELLS) return `${path}.region has ${v.region.length} cells (at most ${MAX_EDIT_CELLS})`;
        for (let i = 0; i < v.region.length; i++) {
          const e = checkCell(v.region[i], `${path}.region[${i}]`);
          if (e) return e;
        }
      }
      return undefined;
    default:
      return `${path}.kind must be 'continue', 'perturb' or 'swapInput'`;
  }
}

const empty: Check = (v, path) => (isObj(v) ? undefined : `${path} must be an object`);

const pageChecks: Record<string, Check> = {
  edit: (v, p) => {
    if (!isObj(v)) return `${p} must be an object`;
    if (!isNatural(v.version)) return `${p}.version must be a non-negative integer`;
    return checkEdit(v.edit, `${p}.edit`);
  },
  solve: (v, p) => (isObj(v) ? checkIterations(v.iterations, `${p}.iterations`) : `${p} must be an object`),
  intervene: (v, p) => {
    if (!isObj(v)) return `${p} must be an object`;
    return checkIntervention(v.intervention, `${p}.intervention`) ?? checkIterations(v.iterations, `${p}.iterations`);
  },
  cancel: empty,
  selectModel: empty,
  reopenAsText: empty,
  export: checkExport,
  thought: (v, p) => {
    if (!isObj(v)) return `${p} must be an object`;
    if (v.view === 'pca') return undefined;
    if (isObj(v.view) && isNatural(v.view.channel) && v.view.channel < 4096) return undefined;
    return `${p}.view must be 'pca' or { channel: integer from 0 to 4095 }`;
  },
  ready: empty,
  log: (v, p) => {
    if (!isObj(v)) return `${p} must be an object`;
    if (v.level !== 'info' && v.level !== 'warn' && v.level !== 'error') return `${p}.level must be info, warn or error`;
    if (typeof v.message !== 'string' || v.message.length > 10_000) return `${p}.message must be a string (≤ 10000 chars)`;
    return undefined;
  },
};

/** Validator for everything the page sends (requests and events). */
export const validatePageMessage: Validator = tableValidator(pageChecks);

const hostChecks: Record<string, Check> = {
  init: (v, p) => (isObj(v) && typeof v.text === 'string' && isNatural(v.version) && isObj(v.settings) ? undefined : `${p} is malformed`),
  document: (v, p) => (isObj(v) && typeof v.text === 'string' && isNatural(v.version) ? undefined : `${p} is malformed`),
  frame: (v, p) =>
    isObj(v) && isNatural(v.iteration) && isNatural(v.rows) && isNatural(v.cols) && typeof v.probs === 'string' ? undefined : `${p} is malformed`,
  model: (v, p) => (isObj(v) ? undefined : `${p} is malformed`),
  settings: (v, p) => (isObj(v) ? undefined : `${p} is malformed`),
  command: (v, p) =>
    isObj(v) && ['solve', 'thinkLonger', 'corrupt', 'cancel'].includes(v.name as string) ? undefined : `${p} is malformed`,
};

/** Validator the page applies to what the host sends (defence in depth). */
export const validateHostMessage: Validator = tableValidator(hostChecks);
