/**
 * A scrubber over the iterations a run has streamed so far: a range input (keyboard accessible), play/pause, and a
 * label "iteration i / n". Frames arrive while the net thinks; by default the scrubber follows the newest one
 * until the user drags it back. Iterations may have gaps (the engine caps frames per second), so the slider
 * walks over the list of received iterations, not 1…n.
 *
 * A page that keeps its own frame list (the maze editor, where an intervention adds a second frame of the same
 * iteration) hands the whole list over with `sync`, and the slider then walks over positions in that list. Such a
 * page may also ask for ticks under the slider (marks: where something happened) and a playback-speed select.
 */
import './timeline.css';

/** A tick under the slider at one position of the list. */
export interface TimelineMark {
  index: number;
  iteration: number;
  /** becomes the class `mark-<kind>` and `data-kind` (the page styles each kind) */
  kind: string;
  title: string;
}

export interface TimelineOptions {
  /** element ids, for tests and accessibility tools */
  ids?: { range?: string; play?: string; label?: string; marks?: string; speed?: string };
  /** the label's text for the position shown (default "iteration i / n") */
  format?: (iteration: number | undefined, index: number) => string;
  /** show a bar of marks under the slider */
  marks?: boolean;
  /** playback speeds offered, as multiples of `rate` (none: no speed select) */
  speeds?: number[];
  /** steps per second at 1× (default 12.5: slow enough to watch the net change its mind) */
  rate?: number;
  /** the display's frame-rate ceiling, read at every step */
  maxFps?: () => number;
}

type SpeedSelect = HTMLElement & { value: string };

export class Timeline {
  readonly el: HTMLElement;
  private readonly range: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly play: HTMLElement & { disabled?: boolean };
  private readonly marksBar: HTMLElement | undefined;
  /** the speed select, when `speeds` were given */
  readonly speedSelect: SpeedSelect | undefined;
  private iterations: number[] = [];
  private follow = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** steps per second at 1× for the playback under way */
  private pace: number;

  constructor(
    private readonly onChange: (iteration: number, index: number) => void,
    private readonly options: TimelineOptions = {},
  ) {
    const ids = options.ids ?? {};
    this.pace = options.rate ?? 12.5;
    this.el = document.createElement('div');
    this.el.className = 'timeline';
    this.play = document.createElement('vscode-button');
    this.play.setAttribute('secondary', '');
    this.play.setAttribute('aria-label', 'Play iterations');
    this.play.className = 'timeline-play';
    this.play.textContent = '▶';
    if (ids.play) this.play.id = ids.play;
    this.play.addEventListener('click', () => this.toggle());
    this.range = document.createElement('input');
    this.range.type = 'range';
    this.range.min = '0';
    this.range.max = '0';
    this.range.step = '1';
    this.range.value = '0';
    this.range.className = 'timeline-range';
    this.range.setAttribute('aria-label', 'Iteration');
    if (ids.range) this.range.id = ids.range;
    this.range.addEventListener('input', () => {
      this.stop();
      this.follow = Number(this.range.value) === this.iterations.length - 1;
      this.emit();
    });
    this.label = document.createElement('span');
    this.label.className = 'timeline-label';
    if (ids.label) this.label.id = ids.label;
    let track: HTMLElement = this.range;
    if (options.marks) {
      this.marksBar = document.createElement('div');
      this.marksBar.className = 'timeline-marks';
      this.marksBar.setAttribute('aria-label', 'Timeline marks');
      if (ids.marks) this.marksBar.id = ids.marks;
      track = document.createElement('div');
      track.className = 'timeline-track';
      track.append(this.range, this.marksBar);
    }
    this.el.append(this.play, track, this.label);
    if (options.speeds) {
      const select = document.createElement('vscode-single-select') as SpeedSelect;
      select.title = 'Playback speed';
      if (ids.speed) select.id = ids.speed;
      for (const s of options.speeds) {
        const option = document.createElement('vscode-option');
        option.setAttribute('value', String(s));
        option.textContent = `${s}×`;
        select.append(option);
      }
      this.el.append(select);
      this.speedSelect = select;
    }
    this.render();
  }

  /** The iteration shown, or undefined before any frame. */
  get current(): number | undefined {
    return this.iterations[Number(this.range.value)];
  }

  /** How many positions the list holds. */
  get length(): number {
    return this.iterations.length;
  }

  /** The position shown in the list. */
  get index(): number {
    return Number(this.range.value);
  }

  get playing(): boolean {
    return this.timer !== undefined;
  }

  /** Replace the list (a new run, or a restore). Shows `show` if given, else the last. */
  reset(iterations: number[], show?: number): void {
    this.stop();
    this.iterations = [...iterations].sort((a, b) => a - b);
    const idx = show !== undefined ? this.iterations.indexOf(show) : -1;
    this.follow = idx < 0 || idx === this.iterations.length - 1;
    this.range.max = String(Math.max(0, this.iterations.length - 1));
    this.range.value = String(idx >= 0 ? idx : Math.max(0, this.iterations.length - 1));
    this.render();
  }

  /** A new frame arrived. Follows it if the user has not scrubbed away from the end. */
  add(iteration: number): void {
    if (this.iterations.includes(iteration)) return;
    this.iterations.push(iteration);
    this.iterations.sort((a, b) => a - b);
    this.range.max = String(this.iterations.length - 1);
    if (this.follow) {
      this.range.value = String(this.iterations.length - 1);
      this.emit();
    } else this.render();
  }

  /**
   * The caller's frame list changed (frames arrived, were thinned or cleared): take it as is, repeats and order
   * kept. Moves to the end when following, else stays at the same position. Does not call `onChange`.
   */
  sync(iterations: readonly number[]): void {
    const at = this.index;
    this.iterations = [...iterations];
    const last = Math.max(0, this.iterations.length - 1);
    this.range.max = String(last);
    this.range.value = String(this.follow ? last : Math.min(at, last));
    this.render();
  }

  /** Follow the newest frame again (a new run starts). */
  followEnd(): void {
    this.follow = true;
  }

  /** Move to a position without following the end; calls `onChange`. */
  showIndex(index: number): void {
    this.range.value = String(Math.max(0, Math.min(index, this.iterations.length - 1)));
    this.follow = false;
    this.emit();
  }

  /** Move to an iteration (or the nearest one received before it). */
  show(iteration: number): void {
    let idx = 0;
    for (let i = 0; i < this.iterations.length; i++) if (this.iterations[i] <= iteration) idx = i;
    this.range.value = String(idx);
    this.follow = idx === this.iterations.length - 1;
    this.emit();
  }

  toggle(): void {
    if (this.timer) return this.stop();
    if (this.iterations.length < 2) return;
    if (Number(this.range.value) >= this.iterations.length - 1) this.range.value = '0';
    this.startPlaying(this.options.rate ?? 12.5, 0);
  }

  /**
   * Play from a position at `pace` steps per second (at 1×), the first step after `delay` ms: a slow replay that
   * can be followed by eye, such as the repair after an intervention.
   */
  playFrom(index: number, pace: number, delay: number): void {
    this.stop();
    if (this.iterations.length < 2) return;
    this.range.value = String(Math.max(0, Math.min(index, this.iterations.length - 1)));
    this.startPlaying(pace, delay);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.play.textContent = '▶';
    this.play.setAttribute('aria-label', 'Play iterations');
  }

  /** Redraw the label and controls (the caller's `format` reads state that changed). */
  refresh(): void {
    this.render();
  }

  /** Replace the ticks under the slider (only with the `marks` option). */
  setMarks(marks: readonly TimelineMark[]): void {
    if (!this.marksBar) return;
    const n = this.iterations.length;
    this.marksBar.replaceChildren(
      ...marks
        .filter(() => n > 1)
        .map((m) => {
          const el = document.createElement('span');
          el.className = `timeline-mark mark-${m.kind}`;
          el.title = m.title;
          el.dataset.kind = m.kind;
          el.dataset.iteration = String(m.iteration);
          // Placed by position like the thumb, so a tick lands on its frame.
          el.style.left = `${(100 * m.index) / (n - 1)}%`;
          return el;
        }),
    );
  }

  private startPlaying(pace: number, delay: number): void {
    this.pace = pace;
    this.follow = false;
    this.play.textContent = '⏸';
    this.play.setAttribute('aria-label', 'Pause');
    this.emit();
    this.timer = setTimeout(() => this.step(), delay || this.interval());
  }

  private step(): void {
    const next = Number(this.range.value) + 1;
    if (next >= this.iterations.length) {
      this.follow = true;
      this.stop();
      this.render();
      return;
    }
    this.range.value = String(next);
    this.follow = next === this.iterations.length - 1;
    this.emit();
    if (this.timer) this.timer = setTimeout(() => this.step(), this.interval());
  }

  /** Milliseconds per step: the pace times the chosen speed, never above the display's frame rate. */
  private interval(): number {
    let fps = this.pace * Number(this.speedSelect?.value || 1);
    if (this.options.maxFps) fps = Math.min(this.options.maxFps(), fps);
    return 1000 / Math.max(0.5, fps);
  }

  private emit(): void {
    this.render();
    const it = this.current;
    if (it !== undefined) this.onChange(it, this.index);
  }

  private render(): void {
    const it = this.current;
    const last = this.iterations[this.iterations.length - 1];
    if (this.options.format) this.label.textContent = this.options.format(it, this.index);
    else this.label.textContent = it === undefined ? 'no iterations yet' : `iteration ${it} / ${last}`;
    this.range.disabled = this.iterations.length < 2;
    this.play.disabled = this.iterations.length < 2;
  }
}
