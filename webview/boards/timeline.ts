/**
 * A scrubber over the iterations a run has streamed so far: a range input (keyboard accessible), play/pause, and a
 * label "iteration i / n". Frames arrive while the net thinks; by default the scrubber follows the newest one
 * until the user drags it back. Iterations may have gaps (the engine caps frames per second), so the slider
 * walks over the list of received iterations, not 1…n.
 */
import './timeline.css';

export class Timeline {
  readonly el: HTMLElement;
  private readonly range: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly play: HTMLElement;
  private iterations: number[] = [];
  private follow = true;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly onChange: (iteration: number) => void) {
    this.el = document.createElement('div');
    this.el.className = 'timeline';
    this.play = document.createElement('vscode-button');
    this.play.setAttribute('secondary', '');
    this.play.setAttribute('aria-label', 'Play iterations');
    this.play.className = 'timeline-play';
    this.play.textContent = '▶';
    this.play.addEventListener('click', () => this.toggle());
    this.range = document.createElement('input');
    this.range.type = 'range';
    this.range.min = '0';
    this.range.max = '0';
    this.range.step = '1';
    this.range.value = '0';
    this.range.className = 'timeline-range';
    this.range.setAttribute('aria-label', 'Iteration');
    this.range.addEventListener('input', () => {
      this.stop();
      this.follow = Number(this.range.value) === this.iterations.length - 1;
      this.emit();
    });
    this.label = document.createElement('span');
    this.label.className = 'timeline-label';
    this.el.append(this.play, this.range, this.label);
    this.render();
  }

  /** The iteration shown, or undefined before any frame. */
  get current(): number | undefined {
    return this.iterations[Number(this.range.value)];
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
    this.play.textContent = '⏸';
    this.play.setAttribute('aria-label', 'Pause');
    this.emit();
    // ~12 iterations per second: slow enough to watch the net change its mind.
    this.timer = setInterval(() => {
      const next = Number(this.range.value) + 1;
      if (next >= this.iterations.length) return this.stop();
      this.range.value = String(next);
      this.follow = next === this.iterations.length - 1;
      this.emit();
    }, 80);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.play.textContent = '▶';
    this.play.setAttribute('aria-label', 'Play iterations');
  }

  private emit(): void {
    this.render();
    const it = this.current;
    if (it !== undefined) this.onChange(it);
  }

  private render(): void {
    const it = this.current;
    const last = this.iterations[this.iterations.length - 1];
    this.label.textContent = it === undefined ? 'no iterations yet' : `iteration ${it} / ${last}`;
    this.range.disabled = this.iterations.length < 2;
  }
}
