/**
 * What the page does with each message from the host: the initial document and settings, document updates,
 * streamed frames, the selected model, changed settings and the commands run from the editor's title bar.
 */
import type { Messenger } from '../../src/shared/protocol/messenger';
import type { HostToPage, PageIntervention, PageToHost } from '../../src/shared/protocol/webview/mazeEditor';
import type { SolveFrame } from '../../src/shared/protocol/engine';
import type { MazeDom } from './dom';
import type { EditorState, Saved } from './editorState';
import type { Drawing } from './drawing';
import { toStored } from './solving';
import { corruption, setModel } from './toolbar';

export interface HostMessagesContext {
  st: EditorState;
  dom: MazeDom;
  saved: Saved;
  messenger: Messenger<HostToPage, PageToHost>;
  drawing: Drawing;
  setText(text: string, version: number): void;
  onFrame(f: SolveFrame): void;
  run(kind: 'solve' | PageIntervention): Promise<void>;
  fetchThought(): Promise<void>;
  persist(): void;
  reportError(e: unknown): void;
}

export function listenToHost(ctx: HostMessagesContext): void {
  const { st, dom, saved, messenger, drawing, run, reportError } = ctx;
  messenger.on('init', (p) => {
    st.settings = p.settings;
    st.frames.setBudget(st.settings.frameBudgetBytes);
    st.fileName = p.fileName;
    dom.itersField.value = saved.iterations ?? String(st.settings.iterations);
    setModel(dom, p.model);
    ctx.setText(p.text, p.version);
    // A reload restores the last solve's final picture (frames themselves are not persisted).
    if (st.summaryFor === undefined) st.summaryFor = st.textPrint;
    if (st.summary && st.grid) {
      st.frames.add(toStored(st.summary.finalFrame));
      dom.timeline.followEnd();
    }
    drawing.updateLabels();
    drawing.redraw();
    void ctx.fetchThought();
  });
  messenger.on('document', (p) => ctx.setText(p.text, p.version));
  messenger.on('frame', ctx.onFrame);
  messenger.on('model', (p) => setModel(dom, p.model));
  messenger.on('settings', (s) => {
    // A changed iterations setting replaces the field's value (the field is a per-editor override until then).
    if (String(s.iterations) !== String(st.settings.iterations)) {
      dom.itersField.value = String(s.iterations);
      ctx.persist();
    }
    st.settings = s;
    st.frames.setBudget(s.frameBudgetBytes);
  });
  messenger.on('command', ({ name }) => {
    if (name === 'solve') void run('solve');
    else if (name === 'thinkLonger') void run({ kind: 'continue' });
    else if (name === 'corrupt') void run(corruption(dom));
    else if (name === 'cancel') void messenger.request('cancel', {}).catch(reportError);
  });
}
