/**
 * The editor's view transform and hit testing (pure; unit-tested). A cell (r, c) covers the screen rectangle
 *   x ∈ [offsetX + c·scale, offsetX + (c+1)·scale),  y ∈ [offsetY + r·scale, offsetY + (r+1)·scale)
 * in CSS pixels of the canvas. `scale` is CSS pixels per cell: ~0.5 for an 801×801 maze fitted to a small panel,
 * up to 64 when zoomed in on a 9×9 one.
 */
import type { CellRef } from '../../src/shared/protocol/webview/mazeEditor';

export interface View {
  scale: number;
  offsetX: number;
  offsetY: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 96;

export function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

/** The view that shows the whole rows×cols maze centred in a width×height canvas, leaving `margin` px around it. */
export function fitView(rows: number, cols: number, width: number, height: number, margin = 8): View {
  const w = Math.max(1, width - 2 * margin);
  const h = Math.max(1, height - 2 * margin);
  const scale = clampScale(Math.min(w / Math.max(1, cols), h / Math.max(1, rows), 48));
  return { scale, offsetX: (width - cols * scale) / 2, offsetY: (height - rows * scale) / 2 };
}

/** Screen point → fractional cell coordinates (no bounds check). */
export function screenToGrid(view: View, x: number, y: number): { row: number; col: number } {
  return { row: (y - view.offsetY) / view.scale, col: (x - view.offsetX) / view.scale };
}

/** The cell under a screen point, or undefined outside the maze. */
export function cellAt(view: View, x: number, y: number, rows: number, cols: number): CellRef | undefined {
  const { row, col } = screenToGrid(view, x, y);
  const r = Math.floor(row);
  const c = Math.floor(col);
  return r >= 0 && c >= 0 && r < rows && c < cols ? [r, c] : undefined;
}

/** Zoom by `factor` keeping the grid point under (x, y) fixed (wheel zoom). */
export function zoomAt(view: View, factor: number, x: number, y: number): View {
  const scale = clampScale(view.scale * factor);
  const k = scale / view.scale;
  return { scale, offsetX: x - (x - view.offsetX) * k, offsetY: y - (y - view.offsetY) * k };
}

export function panBy(view: View, dx: number, dy: number): View {
  return { scale: view.scale, offsetX: view.offsetX + dx, offsetY: view.offsetY + dy };
}

/** Inclusive-exclusive range of cells at least partly visible in a width×height canvas. */
export function visibleCells(view: View, width: number, height: number, rows: number, cols: number): { r0: number; r1: number; c0: number; c1: number } {
  const a = screenToGrid(view, 0, 0);
  const b = screenToGrid(view, width, height);
  return {
    r0: Math.max(0, Math.floor(a.row)),
    r1: Math.min(rows, Math.ceil(b.row)),
    c0: Math.max(0, Math.floor(a.col)),
    c1: Math.min(cols, Math.ceil(b.col)),
  };
}

/**
 * Every cell on the straight segment from a to b, both included (Bresenham), so a fast drag paints a continuous
 * wall even though pointer events arrive several cells apart.
 */
export function cellsOnSegment(a: CellRef, b: CellRef): CellRef[] {
  let [r, c] = a;
  const [r1, c1] = b;
  const dr = Math.abs(r1 - r);
  const dc = Math.abs(c1 - c);
  const sr = r < r1 ? 1 : -1;
  const sc = c < c1 ? 1 : -1;
  let err = dc - dr;
  const out: CellRef[] = [[r, c]];
  while (r !== r1 || c !== c1) {
    const e2 = 2 * err;
    if (e2 > -dr) {
      err -= dr;
      c += sc;
    }
    if (e2 < dc) {
      err += dc;
      r += sr;
    }
    out.push([r, c]);
  }
  return out;
}
