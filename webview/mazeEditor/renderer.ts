/**
 * Draws the maze, the per-iteration overlay and the BFS check on one <canvas> (DOM; the pure parts are in view.ts).
 *
 * Never one DOM node per cell: each layer is an offscreen canvas holding one pixel per cell (an ImageData written
 * with typed-array loops), scaled onto the visible canvas with drawImage and smoothing off. That keeps an 801×801
 * maze (642k cells) at one putImageData per change and one GPU blit per layer per frame, however far one zooms.
 */
import type { MazeGrid } from '../../src/shared/maze/grid';
import type { CellRef } from '../../src/shared/protocol/webview/mazeEditor';
import { themeColor, themeKind, type Rgba } from '../shared/theme';
import { HEAT_MAX_ALPHA, mazeColors } from './palette';
import type { StoredFrame } from './frameStore';
import { visibleCells, type View } from './view';

export type OverlayMode = 'heat' | 'path' | 'off';

export interface Palette {
  background: Rgba;
  open: Rgba;
  wall: Rgba;
  start: Rgba;
  goal: Rgba;
  path: Rgba;
  wrong: Rgba;
  gridLine: Rgba;
  focus: Rgba;
  damage: Rgba;
}

/**
 * The maze in its fixed colours (walls dark, corridors light: see palette.ts); only the canvas background around the
 * maze and the focus ring come from the theme.
 */
export function readPalette(): Palette {
  return {
    ...mazeColors(themeKind()),
    background: themeColor('--vscode-editor-background', '#1e1e1e'),
    focus: themeColor('--vscode-focusBorder', '#007fd4'),
  };
}

const css = (c: Rgba, alpha = c[3] / 255) => `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;

function layer(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; image: ImageData } {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, width);
  canvas.height = Math.max(1, height);
  const ctx = canvas.getContext('2d')!;
  return { canvas, ctx, image: ctx.createImageData(canvas.width, canvas.height) };
}

export interface DrawState {
  view: View;
  grid: MazeGrid;
  frame?: StoredFrame;
  overlay: OverlayMode;
  /** wrong cells of the final prediction (shown when the final frame is on screen) */
  wrongCells?: CellRef[];
  hover?: CellRef;
  /** S or G being dragged, drawn at `hover` */
  dragging?: 'start' | 'goal';
  /** cells under the damage brush while it is dragged */
  damage?: CellRef[];
  /** a picture of the hidden state, drawn instead of the frame overlay */
  thought?: ThoughtImage;
}

export interface ThoughtImage {
  kind: 'pca' | 'channel';
  rows: number;
  cols: number;
  /** channel: rows·cols bytes (min → max); pca: PC1 then PC2 (128 = 0) */
  bytes: Uint8Array;
}

/** Channel ramp ends: deep violet (the channel's minimum) to amber (its maximum), readable over walls and corridors. */
export const THOUGHT_LOW: [number, number, number] = [48, 18, 110];
export const THOUGHT_HIGH: [number, number, number] = [250, 190, 30];

export class MazeRenderer {
  palette: Palette = readPalette();
  private base?: ReturnType<typeof layer>;
  private baseGrid?: MazeGrid;
  private overlay?: ReturnType<typeof layer>;
  private overlayKey?: { frame: StoredFrame; mode: OverlayMode };
  private wrong?: ReturnType<typeof layer>;
  private thoughtLayer?: ReturnType<typeof layer>;
  private thoughtKey?: ThoughtImage;
  private wrongKey?: CellRef[];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Re-read theme colours and rebuild every layer. */
  retheme(): void {
    this.palette = readPalette();
    this.baseGrid = undefined;
    this.overlayKey = undefined;
    this.wrongKey = undefined;
  }

  /** Rebuild the base layer (one pixel per cell). */
  private ensureBase(grid: MazeGrid): void {
    if (this.baseGrid === grid && this.base) return;
    if (!this.base || this.base.canvas.width !== grid.cols || this.base.canvas.height !== grid.rows) {
      this.base = layer(grid.cols, grid.rows);
    }
    const d = this.base.image.data;
    const { open, wall } = this.palette;
    for (let i = 0, n = grid.rows * grid.cols; i < n; i++) {
      const c = grid.walls[i] ? wall : open;
      d[4 * i] = c[0];
      d[4 * i + 1] = c[1];
      d[4 * i + 2] = c[2];
      d[4 * i + 3] = 255;
    }
    const put = (cell: [number, number], c: Rgba) => {
      const i = 4 * (cell[0] * grid.cols + cell[1]);
      d[i] = c[0];
      d[i + 1] = c[1];
      d[i + 2] = c[2];
      d[i + 3] = 255;
    };
    put(grid.start, this.palette.start);
    put(grid.goal, this.palette.goal);
    this.base.ctx.putImageData(this.base.image, 0, 0);
    this.baseGrid = grid;
  }

  /** Rebuild the overlay layer from a frame: a heat map (alpha = P(path)) or the thresholded path. */
  private ensureOverlay(frame: StoredFrame, mode: OverlayMode): void {
    if (this.overlayKey?.frame === frame && this.overlayKey.mode === mode && this.overlay) return;
    if (!this.overlay || this.overlay.canvas.width !== frame.cols || this.overlay.canvas.height !== frame.rows) {
      this.overlay = layer(frame.cols, frame.rows);
    }
    const d = this.overlay.image.data;
    const [r, g, b] = this.palette.path;
    const p = frame.probs;
    for (let i = 0; i < p.length; i++) {
      d[4 * i] = r;
      d[4 * i + 1] = g;
      d[4 * i + 2] = b;
      // 0.85 max opacity keeps walls readable under the heat map.
      d[4 * i + 3] = mode === 'heat' ? (p[i] * HEAT_MAX_ALPHA) | 0 : p[i] >= 128 ? 217 : 0;
    }
    this.overlay.ctx.putImageData(this.overlay.image, 0, 0);
    this.overlayKey = { frame, mode };
  }

  /** The thought layer: channel on a violet→amber ramp; PCA with PC1 in red and PC2 in blue. Walls stay half visible. */
  private ensureThought(t: ThoughtImage, grid: MazeGrid): void {
    if (this.thoughtKey === t && this.thoughtLayer) return;
    if (!this.thoughtLayer || this.thoughtLayer.canvas.width !== t.cols || this.thoughtLayer.canvas.height !== t.rows) {
      this.thoughtLayer = layer(t.cols, t.rows);
    }
    const d = this.thoughtLayer.image.data;
    const n = t.rows * t.cols;
    for (let i = 0; i < n; i++) {
      let r: number;
      let g: number;
      let b: number;
      if (t.kind === 'channel') {
        const f = t.bytes[i] / 255;
        r = THOUGHT_LOW[0] + f * (THOUGHT_HIGH[0] - THOUGHT_LOW[0]);
        g = THOUGHT_LOW[1] + f * (THOUGHT_HIGH[1] - THOUGHT_LOW[1]);
        b = THOUGHT_LOW[2] + f * (THOUGHT_HIGH[2] - THOUGHT_LOW[2]);
      } else {
        r = t.bytes[i];
        b = t.bytes[n + i];
        g = (r + b) / 2;
      }
      d[4 * i] = r;
      d[4 * i + 1] = g;
      d[4 * i + 2] = b;
      d[4 * i + 3] = grid.walls[i] ? 110 : 225;
    }
    this.thoughtLayer.ctx.putImageData(this.thoughtLayer.image, 0, 0);
    this.thoughtKey = t;
  }

  private ensureWrong(grid: MazeGrid, cells: CellRef[]): void {
    if (this.wrongKey === cells && this.wrong) return;
    if (!this.wrong || this.wrong.canvas.width !== grid.cols || this.wrong.canvas.height !== grid.rows) {
      this.wrong = layer(grid.cols, grid.rows);
    }
    const d = this.wrong.image.data;
    d.fill(0);
    const [r, g, b] = this.palette.wrong;
    for (const [y, x] of cells) {
      if (y >= grid.rows || x >= grid.cols) continue;
      const i = 4 * (y * grid.cols + x);
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
      d[i + 3] = 255;
    }
    this.wrong.ctx.putImageData(this.wrong.image, 0, 0);
    this.wrongKey = cells;
  }

  /** Forget the base layer (the grid object changed in place during a drag). */
  invalidateBase(): void {
    this.baseGrid = undefined;
  }

  draw(s: DrawState): void {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = css(this.palette.background);
    ctx.fillRect(0, 0, w, h);

    const { grid, view } = s;
    const { scale, offsetX: ox, offsetY: oy } = view;
    this.ensureBase(grid);
    ctx.drawImage(this.base!.canvas, ox, oy, grid.cols * scale, grid.rows * scale);

    if (s.thought && s.thought.rows === grid.rows && s.thought.cols === grid.cols) {
      this.ensureThought(s.thought, grid);
      ctx.drawImage(this.thoughtLayer!.canvas, ox, oy, grid.cols * scale, grid.rows * scale);
    } else if (s.frame && s.overlay !== 'off') {
      this.ensureOverlay(s.frame, s.overlay);
      const f = s.frame;
      ctx.save();
      ctx.beginPath();
      ctx.rect(ox, oy, grid.cols * scale, grid.rows * scale);
      ctx.clip();
      // A downsampled frame cell covers f.scale×f.scale maze cells.
      ctx.drawImage(this.overlay!.canvas, ox, oy, f.cols * f.scale * scale, f.rows * f.scale * scale);
      ctx.restore();
    }
    if (s.wrongCells?.length) {
      this.ensureWrong(grid, s.wrongCells);
      ctx.globalAlpha = 0.9;
      ctx.drawImage(this.wrong!.canvas, ox, oy, grid.cols * scale, grid.rows * scale);
      ctx.globalAlpha = 1;
      if (scale >= 6) {
        // A cross on each wrong cell, so "wrong" never reads as the (also red) goal.
        ctx.strokeStyle = css(this.palette.open, 1);
        ctx.lineWidth = Math.max(1.5, scale / 10);
        ctx.beginPath();
        const m = scale * 0.25;
        for (const [r, c] of s.wrongCells) {
          const x = ox + c * scale;
          const y = oy + r * scale;
          ctx.moveTo(x + m, y + m);
          ctx.lineTo(x + scale - m, y + scale - m);
          ctx.moveTo(x + scale - m, y + m);
          ctx.lineTo(x + m, y + scale - m);
        }
        ctx.stroke();
      }
    }

    if (s.damage?.length) {
      ctx.fillStyle = css(this.palette.damage, 0.6);
      for (const [r, c] of s.damage) ctx.fillRect(ox + c * scale, oy + r * scale, scale, scale);
    }

    if (scale >= 10) this.drawGridLines(ctx, s, w, h);

    // S and G on top of the overlay; a minimum marker size keeps them findable (and draggable) in huge mazes.
    const marker = (cell: [number, number], color: Rgba, letter: string) => {
      const size = Math.max(scale, 7);
      const x = ox + (cell[1] + 0.5) * scale - size / 2;
      const y = oy + (cell[0] + 0.5) * scale - size / 2;
      ctx.fillStyle = css(color, 1);
      ctx.fillRect(x, y, size, size);
      // A ring in the corridor colour keeps a marker distinct from walls and the heat map at any zoom.
      ctx.strokeStyle = css(this.palette.open, 1);
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, size - 1, size - 1);
      if (size >= 14) {
        ctx.fillStyle = css(this.palette.open, 1);
        ctx.font = `bold ${Math.floor(size * 0.6)}px var(--vscode-editor-font-family, monospace)`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(letter, x + size / 2, y + size / 2 + 1);
      }
    };
    const startAt = s.dragging === 'start' && s.hover ? s.hover : grid.start;
    const goalAt = s.dragging === 'goal' && s.hover ? s.hover : grid.goal;
    marker(startAt, this.palette.start, 'S');
    marker(goalAt, this.palette.goal, 'G');

    if (s.hover && scale >= 3) {
      ctx.strokeStyle = css(this.palette.focus, 1);
      ctx.lineWidth = 1.5;
      ctx.strokeRect(ox + s.hover[1] * scale, oy + s.hover[0] * scale, scale, scale);
    }
  }

  private drawGridLines(ctx: CanvasRenderingContext2D, s: DrawState, w: number, h: number): void {
    const { grid, view } = s;
    const { r0, r1, c0, c1 } = visibleCells(view, w, h, grid.rows, grid.cols);
    ctx.strokeStyle = css(this.palette.gridLine, 0.6);
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = r0; r <= r1; r++) {
      const y = Math.round(view.offsetY + r * view.scale) + 0.5;
      ctx.moveTo(view.offsetX + c0 * view.scale, y);
      ctx.lineTo(view.offsetX + c1 * view.scale, y);
    }
    for (let c = c0; c <= c1; c++) {
      const x = Math.round(view.offsetX + c * view.scale) + 0.5;
      ctx.moveTo(x, view.offsetY + r0 * view.scale);
      ctx.lineTo(x, view.offsetY + r1 * view.scale);
    }
    ctx.stroke();
  }
}
