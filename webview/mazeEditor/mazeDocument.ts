/**
 * The page's side of the `.maze` document. The host owns the text; the page parses every version it receives,
 * shows a bad maze's errors (never a blank panel), marks a solve stale when the maze it describes changed, and
 * sends edits as requests against the version it last saw, dropping its optimistic change when one is refused.
 */
import type { Messenger } from '../../src/shared/protocol/messenger';
import { parseMazeDocument } from '../../src/shared/maze/mazeFormat';
import type { HostToPage, MazeEdit, PageIntervention, PageToHost } from '../../src/shared/protocol/webview/mazeEditor';
import { h, showBanner } from '../shared/dom';
import { bfsPathSet, declaredSize, textFingerprint } from './truth';
import type { MazeDom } from './dom';
import type { EditorState, Saved } from './editorState';
import type { Drawing } from './drawing';

export interface DocumentContext {
  st: EditorState;
  dom: MazeDom;
  saved: Saved;
  messenger: Messenger<HostToPage, PageToHost>;
  drawing: Drawing;
  run(kind: 'solve' | PageIntervention): Promise<void>;
}

export interface MazeDocument {
  /** take a version of the text from the host */
  setText(text: string, version: number): void;
  sendEdit(edit: MazeEdit): Promise<void>;
  /** show an error in the page's banner and the output log */
  reportError(e: unknown): void;
}

export function createMazeDocument(ctx: DocumentContext): MazeDocument {
  const { st, dom, saved, messenger, drawing } = ctx;

  function setText(newText: string, newVersion: number): void {
    st.text = newText;
    st.version = newVersion;
    const doc = parseMazeDocument(st.text);
    const prev = st.grid;
    const prevPrint = st.textPrint;
    const grid = doc.grid;
    st.grid = grid;
    st.diagnostics = doc.diagnostics;
    st.textPrint = textFingerprint(st.text);
    st.declared = grid ? declaredSize(grid, doc.meta) : '';
    st.bfs = grid ? bfsPathSet(grid) : null;
    dom.canvas.dataset.declared = st.declared;
    if (grid && prev && (prev.rows !== grid.rows || prev.cols !== grid.cols)) st.view = undefined;
    if (grid && !prev && saved.viewFor !== `${grid.rows}x${grid.cols}`) st.view = undefined;
    if (!st.view) st.fitted = true;
    // Any change to the maze (an edit here, an undo, the text editor) outdates the solve on screen.
    if (prevPrint && prevPrint !== st.textPrint && (st.summary || st.frames.length)) {
      dom.timeline.stop();
      if (!st.busy && st.summaryFor !== st.textPrint) st.marks.push({ iteration: st.frames.last()?.iteration ?? 0, kind: st.lastEdit });
      st.lastEdit = 'edit';
      if (dom.live.input.checked && grid) {
        if (st.busy) st.liveQueued = true;
        else void ctx.run({ kind: 'swapInput' });
      }
    }
    renderErrors();
    drawing.updateLabels();
    drawing.updateStatusLine();
    drawing.redraw();
  }

  /** A bad maze shows its errors here (with line and column), never a blank panel. */
  function renderErrors(): void {
    const { app, canvas, errorsPanel } = dom;
    const errors = st.diagnostics.filter((d) => d.severity === 'error');
    const warnings = st.diagnostics.filter((d) => d.severity !== 'error');
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
      h('h2', {}, `${st.fileName || 'This maze'} cannot be drawn`),
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
    showBanner(dom.app, message, 'error');
    messenger.emit('log', { level: 'error', message });
  }

  async function sendEdit(edit: MazeEdit): Promise<void> {
    // The document update that follows marks the solve stale (and re-solves when Live is on): see setText.
    st.lastEdit = edit.kind === 'walls' ? 'edit' : 'move';
    try {
      await messenger.request('edit', { edit, version: st.version });
    } catch (e) {
      reportError(e);
      setText(st.text, st.version); // drop the optimistic change
    }
  }

  return { setText, sendEdit, reportError };
}
