/**
 * Pointer and keyboard editing on the maze canvas: click or drag to toggle walls, drag S or G to move them, wheel
 * and space-drag to zoom and pan, keys for everything the mouse does, and brushing damage into the thought. A
 * gesture changes only a working copy on screen; when it ends it becomes one edit request (one undo step), so the
 * host's document stays the single source of truth.
 *
 * The gestures read and write only the `GestureState` they are given; everything else they need (drawing, edits,
 * interventions) arrives as `GestureActions`.
 */
import { cloneMaze, isWall, type MazeGrid } from '../../src/shared/maze/grid';
import type { CellRef, MazeEdit } from '../../src/shared/protocol/webview/mazeEditor';
import { cellAt, cellsOnSegment, fitView, panBy, zoomAt, type View } from './view';

/** A gesture in progress: walls carry their working copy of the maze until the pointer is released. */
export type Drag =
  | { kind: 'walls'; wall: boolean; cells: CellRef[]; last: CellRef; work: MazeGrid }
  | { kind: 'start' | 'goal' }
  | { kind: 'pan'; x: number; y: number }
  | { kind: 'brush' };

export interface GestureState {
  /** the maze as last received (a finished wall drag shows its result here until the host's update arrives) */
  grid: MazeGrid | undefined;
  view: View | undefined;
  /** the view is the fitted one: a resize refits it (a zoomed or panned view is left alone) */
  fitted: boolean;
  /** the cell under the pointer, or the keyboard's cell cursor */
  hover: CellRef | undefined;
  drag: Drag | undefined;
  /** space is held: a left drag pans */
  spaceDown: boolean;
  /** the next left drag brushes damage instead of editing */
  brushing: boolean;
  /** the cells brushed so far in this stroke */
  brushCells: CellRef[];
}

export interface GestureActions {
  redraw(): void;
  updateStatusLine(): void;
  persist(): void;
  persistSoon(): void;
  /** the renderer's cached picture of the walls is out of date */
  invalidateBase(): void;
  sendEdit(edit: MazeEdit): void;
  /** erase the thought under a brushed region */
  damage(region: CellRef[]): void;
}

/** A brush of radius 1 around a cell: wide enough to see, narrow enough to damage one corridor. */
export function addBrush(gs: GestureState, cell: CellRef): void {
  const grid = gs.grid;
  if (!grid) return;
  const seen = new Set(gs.brushCells.map(([r, c]) => r * grid.cols + c));
  for (let dr = -1; dr <= 1; dr++) {
    for (let dc = -1; dc <= 1; dc++) {
      const r = cell[0] + dr;
      const c = cell[1] + dc;
      if (r < 0 || c < 0 || r >= grid.rows || c >= grid.cols || seen.has(r * grid.cols + c)) continue;
      seen.add(r * grid.cols + c);
      gs.brushCells.push([r, c]);
    }
  }
}

/** Fit the whole maze in the canvas and keep it fitted on resizes. */
export function fit(canvas: HTMLCanvasElement, gs: GestureState, act: GestureActions): void {
  if (!gs.grid) return;
  gs.fitted = true;
  gs.view = fitView(gs.grid.rows, gs.grid.cols, canvas.clientWidth, canvas.clientHeight);
  act.persist();
  act.redraw();
}

/**
 * Keyboard editing (the canvas is focusable): arrows move the cell cursor, Enter toggles a wall there, S and G
 * move the start and goal to it. Without this the editor would be mouse-only.
 */
export function onCanvasKey(e: KeyboardEvent, gs: GestureState, act: GestureActions): boolean {
  const grid = gs.grid;
  if (!grid || e.ctrlKey || e.metaKey || e.altKey) return false;
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const cur: CellRef = gs.hover ?? [grid.start[0], grid.start[1]];
  if (moves[e.key]) {
    const [dr, dc] = moves[e.key];
    gs.hover = [Math.min(grid.rows - 1, Math.max(0, cur[0] + dr)), Math.min(grid.cols - 1, Math.max(0, cur[1] + dc))];
    act.updateStatusLine();
    act.redraw();
    return true;
  }
  if (e.key === 'Enter') {
    const isMarker = (a: readonly number[]) => a[0] === cur[0] && a[1] === cur[1];
    if (!isMarker(grid.start) && !isMarker(grid.goal)) act.sendEdit({ kind: 'walls', cells: [cur], wall: !isWall(grid, cur[0], cur[1]) });
    gs.hover = cur;
    return true;
  }
  if (e.key === 's' || e.key === 'g') {
    const kind = e.key === 's' ? 'start' : 'goal';
    const other = kind === 'start' ? grid.goal : grid.start;
    const own = kind === 'start' ? grid.start : grid.goal;
    const on = (a: readonly number[]) => a[0] === cur[0] && a[1] === cur[1];
    if (!on(own) && !on(other)) act.sendEdit({ kind, to: cur });
    gs.hover = cur;
    return true;
  }
  return false;
}

/** Install the canvas's pointer, wheel and key handlers. */
export function installGestures(canvas: HTMLCanvasElement, gs: GestureState, act: GestureActions): void {
  const localPos = (e: PointerEvent | WheelEvent): { x: number; y: number } => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const brush = (cell: CellRef) => {
    addBrush(gs, cell);
    act.redraw();
  };

  canvas.addEventListener('pointerdown', (e) => {
    canvas.focus();
    const { grid, view } = gs;
    if (!grid || !view) return;
    const { x, y } = localPos(e);
    if (e.button === 1 || (e.button === 0 && gs.spaceDown)) {
      gs.drag = { kind: 'pan', x, y };
    } else if (e.button === 0 && gs.brushing) {
      gs.drag = { kind: 'brush' };
      gs.brushCells = [];
      const cell = cellAt(view, x, y, grid.rows, grid.cols);
      if (cell) brush(cell);
    } else if (e.button === 0) {
      const cell = cellAt(view, x, y, grid.rows, grid.cols);
      if (!cell) return;
      if (cell[0] === grid.start[0] && cell[1] === grid.start[1]) gs.drag = { kind: 'start' };
      else if (cell[0] === grid.goal[0] && cell[1] === grid.goal[1]) gs.drag = { kind: 'goal' };
      else {
        const work = cloneMaze(grid);
        const wall = !isWall(grid, cell[0], cell[1]);
        work.walls[cell[0] * work.cols + cell[1]] = wall ? 1 : 0;
        gs.drag = { kind: 'walls', wall, cells: [cell], last: cell, work };
        act.invalidateBase();
      }
    } else return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    act.redraw();
  });

  canvas.addEventListener('pointermove', (e) => {
    const { grid, view, drag } = gs;
    if (!grid || !view) return;
    const { x, y } = localPos(e);
    if (drag?.kind === 'pan') {
      gs.view = panBy(view, x - drag.x, y - drag.y);
      drag.x = x;
      drag.y = y;
      gs.fitted = false;
      act.redraw();
      return;
    }
    const cell = cellAt(view, x, y, grid.rows, grid.cols);
    if (drag?.kind === 'brush' && cell) brush(cell);
    const changed = cell?.[0] !== gs.hover?.[0] || cell?.[1] !== gs.hover?.[1];
    gs.hover = cell;
    if (drag?.kind === 'walls' && cell) {
      const { work } = drag;
      for (const [r, c] of cellsOnSegment(drag.last, cell)) {
        const isS = r === work.start[0] && c === work.start[1];
        const isG = r === work.goal[0] && c === work.goal[1];
        if (isS || isG || work.walls[r * work.cols + c] === (drag.wall ? 1 : 0)) continue;
        work.walls[r * work.cols + c] = drag.wall ? 1 : 0;
        drag.cells.push([r, c]);
      }
      drag.last = cell;
      act.invalidateBase();
    }
    if (changed || drag) {
      act.updateStatusLine();
      act.redraw();
    }
  });

  const endDrag = (e: PointerEvent, commit: boolean): void => {
    const d = gs.drag;
    gs.drag = undefined;
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    const grid = gs.grid;
    if (!d || !grid) return;
    if (d.kind === 'pan') {
      act.persist();
      return;
    }
    if (d.kind === 'brush') {
      const region = gs.brushCells;
      gs.brushCells = [];
      gs.brushing = false;
      canvas.classList.remove('brushing');
      // Erase the thought under the stroke: zero every channel there (fraction 1), as the CA demo erases cells.
      if (commit && region.length) act.damage(region);
      act.redraw();
      return;
    }
    if (d.kind === 'walls') {
      if (commit) {
        // Show the painted maze until the host's document update arrives (one undo step for the whole drag).
        gs.grid = d.work;
        act.sendEdit({ kind: 'walls', cells: d.cells, wall: d.wall });
      } else act.invalidateBase();
    } else if (commit && gs.hover) {
      const hover = gs.hover;
      const [own, other] = d.kind === 'start' ? [grid.start, grid.goal] : [grid.goal, grid.start];
      const same = (a: readonly number[]) => hover[0] === a[0] && hover[1] === a[1];
      // Dropping onto itself or onto the other marker changes nothing.
      if (!same(own) && !same(other)) act.sendEdit({ kind: d.kind, to: hover });
    }
    act.redraw();
  };

  canvas.addEventListener('pointerup', (e) => endDrag(e, true));
  canvas.addEventListener('pointercancel', (e) => endDrag(e, false));
  canvas.addEventListener('pointerleave', () => {
    if (!gs.drag) {
      gs.hover = undefined;
      act.updateStatusLine();
      act.redraw();
    }
  });
  canvas.addEventListener(
    'wheel',
    (e) => {
      if (!gs.view) return;
      e.preventDefault();
      const { x, y } = localPos(e);
      // Trackpads send many small deltas, mice a few big ones: an exponential keeps both smooth.
      gs.view = zoomAt(gs.view, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), x, y);
      gs.fitted = false;
      act.redraw();
      act.persistSoon();
    },
    { passive: false },
  );

  window.addEventListener('keydown', (e) => {
    if (e.target !== canvas && e.target !== document.body) return;
    if (e.target === canvas && onCanvasKey(e, gs, act)) {
      e.preventDefault();
      return;
    }
    if (e.key === ' ') {
      gs.spaceDown = true;
      canvas.classList.add('panning');
      e.preventDefault();
    } else if (e.key === 'f' || e.key === 'F' || e.key === '0') fit(canvas, gs, act);
    else if ((e.key === '+' || e.key === '=') && gs.view) {
      gs.view = zoomAt(gs.view, 1.25, canvas.clientWidth / 2, canvas.clientHeight / 2);
      act.redraw();
    } else if (e.key === '-' && gs.view) {
      gs.view = zoomAt(gs.view, 0.8, canvas.clientWidth / 2, canvas.clientHeight / 2);
      act.redraw();
    }
  });
  window.addEventListener('keyup', (e) => {
    if (e.key === ' ') {
      gs.spaceDown = false;
      canvas.classList.remove('panning');
    }
  });
}
