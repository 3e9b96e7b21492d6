/**
 * The maze editor page's elements, built once: the toolbar, the canvas with its error panel and stale note, the
 * legend, the timeline row and the status line. Building them apart from the behaviour keeps the page's layout
 * readable in one place; the modules that act on them receive this object.
 */
import { h } from '../shared/dom';
import { Timeline, type TimelineOptions } from '../boards/timeline';
import type { Saved } from './editorState';

type Button = HTMLElement & { disabled: boolean };
type Select = HTMLElement & { value: string };

export type MazeDom = ReturnType<typeof buildDom>;

/** The timeline's callbacks and settings that depend on the page's state (the timeline is built with the DOM). */
export type TimelineHooks = Pick<TimelineOptions, 'format' | 'maxFps'> & { onChange: (iteration: number, index: number) => void };

export function buildDom(app: HTMLElement, saved: Saved, hooks: TimelineHooks) {
  const btn = (id: string, label: string, title: string, secondary = true) => h('vscode-button', { id, title, secondary }, label) as Button;

  const solveBtn = btn('solve', 'Solve', 'Solve with the selected model (Deep Thinking: Solve Maze)', false);
  const thinkBtn = btn('think', 'Think longer', 'Continue from the current hidden state');
  const corruptBtn = btn('corrupt', 'Corrupt memory', 'Perturb the hidden state now and keep thinking (the paper\'s error-correction demo)');
  const cancelBtn = btn('cancel', 'Stop', 'Cancel the running solve');
  const brushBtn = btn('brush', 'Brush damage', 'Drag over the maze to erase the thought under the brush (the cellular-automata demo), then watch it regrow');
  // Noise of 1× RMS barely moves a trained net's picture; 2–8× shows the damage and the repair (13×13, bundled model).
  const strength = h('input', { id: 'strength', type: 'range', min: 0, max: 8, step: 0.25, title: 'Corruption strength: Gaussian noise on the hidden state, in multiples of its RMS (§5 of the paper)' }) as HTMLInputElement;
  const checkbox = (id: string, label: string, title: string, checked: boolean) => {
    const input = h('input', { id, type: 'checkbox', title }) as HTMLInputElement;
    input.checked = checked;
    return { input, label: h('label', { class: 'check', title }, input, label) };
  };
  const live = checkbox('live', 'Live', 'Re-solve after every edit or undo (continuing from the current thought when the size is unchanged)', saved.live ?? false);
  const watch = checkbox('watch', 'Watch recovery', 'After a corruption, replay from just before it at a pace you can follow', saved.watch ?? true);
  const strengthLabel = h('span', { class: 'dt-muted', id: 'strength-label' });
  const modelBtn = btn('model', 'No model', 'Select the maze model (Deep Thinking: Select Model…)');
  const itersField = h('vscode-textfield', { id: 'iterations', size: 6, title: "Iterations: 'auto' halts when the prediction is stable" }) as Select;
  const overlaySel = h(
    'vscode-single-select',
    { id: 'overlay', title: 'Overlay' },
    h('vscode-option', { value: 'heat' }, 'Heat map'),
    h('vscode-option', { value: 'path' }, 'Path (p ≥ 0.5)'),
    h('vscode-option', { value: 'off' }, 'No overlay'),
    h('vscode-option', { value: 'pca' }, 'Thought: PCA'),
    h('vscode-option', { value: 'channel' }, 'Thought: channel'),
  ) as Select;
  const channelField = h('input', { id: 'thought-channel', type: 'number', min: 0, step: 1, value: 0, title: 'Hidden channel to show', hidden: true }) as HTMLInputElement;

  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar' },
    solveBtn,
    thinkBtn,
    h('span', { class: 'group' }, corruptBtn, strength, strengthLabel, brushBtn, watch.label),
    cancelBtn,
    live.label,
    h('span', { class: 'sep' }),
    h('label', { class: 'dt-muted', for: 'iterations' }, 'Iterations'),
    itersField,
    overlaySel,
    channelField,
    h('span', { class: 'sep' }),
    modelBtn,
  );

  const canvas = h('canvas', { id: 'maze', tabindex: 0, 'aria-label': 'Maze: click or drag to toggle walls, drag S or G to move them' }) as HTMLCanvasElement;
  const errorsPanel = h('div', { class: 'errors', id: 'errors', role: 'alert', hidden: true });
  const solveAgainBtn = h('vscode-button', { id: 'solve-again' }, 'Solve again');
  const staleNote = h(
    'div',
    { class: 'stale', id: 'stale', role: 'status', hidden: true },
    h('span', {}, 'The maze changed since this solve: its verdict and overlay no longer apply. '),
    solveAgainBtn,
  );
  const stage = h('div', { class: 'stage' }, canvas, errorsPanel, staleNote);
  const legend = h('div', { class: 'legend', id: 'legend', 'aria-label': 'Legend' });
  const recoveryPlot = h('canvas', { id: 'recovery-plot', width: 180, height: 40, 'aria-label': 'Wrong cells per iteration since the intervention' }) as HTMLCanvasElement;
  const recoveryLabel = h('span', { id: 'recovery-label', class: 'dt-muted' });
  const recovery = h('div', { class: 'recovery', id: 'recovery', hidden: true }, recoveryPlot, recoveryLabel);

  const timeline = new Timeline(hooks.onChange, {
    ids: { range: 'scrub', play: 'play', label: 'iteration', marks: 'marks', speed: 'speed' },
    marks: true,
    speeds: [0.25, 0.5, 1, 2, 4, 8],
    // 8 frames per second at 1×: a maze changes a few cells per iteration, faster is hard to follow.
    rate: 8,
    format: hooks.format,
    maxFps: hooks.maxFps,
  });
  const verdict = h('span', { id: 'verdict', class: 'verdict' });
  const exportBtn = btn('export-png', 'PNG', 'Save the picture on screen (this iteration, with its overlay) as a PNG');
  const gifBtn = btn('export-gif', 'GIF', 'Save the whole timeline (the thinking, damage and recovery included) as an animated GIF');
  timeline.el.append(exportBtn, gifBtn, verdict, recovery);
  const statusLine = h('div', { class: 'statusline dt-muted', id: 'statusline' });

  app.append(toolbar, stage, legend, timeline.el, statusLine);

  strength.value = String(saved.strength ?? 4);
  timeline.speedSelect!.value = String(saved.speed ?? 1);
  overlaySel.value = saved.overlay ?? 'heat';

  return {
    app, solveBtn, thinkBtn, corruptBtn, cancelBtn, brushBtn, strength, strengthLabel, live, watch, modelBtn, itersField,
    overlaySel, channelField, canvas, errorsPanel, solveAgainBtn, staleNote, legend, recoveryPlot, recoveryLabel, recovery,
    timeline, speedSel: timeline.speedSelect!, verdict, exportBtn, gifBtn, statusLine,
  };
}

/** The thought overlay chosen in the overlay select, if any. */
export function thoughtMode(dom: MazeDom): 'pca' | 'channel' | undefined {
  const v = dom.overlaySel.value;
  return v === 'pca' || v === 'channel' ? v : undefined;
}
