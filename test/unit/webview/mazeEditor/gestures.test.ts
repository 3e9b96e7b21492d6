// Gestures act on the GestureState they are given: the brush and the keyboard, checked without a DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyMaze, type MazeGrid } from '../../../../src/shared/maze/grid';
import type { MazeEdit } from '../../../../src/shared/protocol/webview/mazeEditor';
import { addBrush, onCanvasKey, type GestureActions, type GestureState } from '../../../../webview/mazeEditor/gestures';

function state(grid: MazeGrid): GestureState {
  return { grid, view: undefined, fitted: true, hover: undefined, drag: undefined, spaceDown: false, brushing: true, brushCells: [] };
}

function actions(edits: MazeEdit[]): GestureActions {
  const none = () => {};
  return { redraw: none, updateStatusLine: none, persist: none, persistSoon: none, invalidateBase: none, sendEdit: (e) => edits.push(e), damage: none };
}

const key = (k: string) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false }) as KeyboardEvent;

test('the brush covers the 3×3 block around a cell, clipped at the border, each cell once', () => {
  const gs = state(emptyMaze(7, 7));
  addBrush(gs, [0, 0]);
  assert.deepEqual(gs.brushCells.map(([r, c]) => `${r},${c}`).sort(), ['0,0', '0,1', '1,0', '1,1']);
  addBrush(gs, [1, 1]);
  const keys = gs.brushCells.map(([r, c]) => r * 7 + c);
  assert.equal(new Set(keys).size, keys.length, 'no cell twice');
  assert.equal(keys.length, 9);
});

test('arrow keys move the cursor from S and stop at the border; Enter asks to toggle the wall there', () => {
  const grid = emptyMaze(7, 7);
  const gs = state(grid);
  const edits: MazeEdit[] = [];
  const act = actions(edits);
  assert.ok(onCanvasKey(key('ArrowUp'), gs, act));
  assert.deepEqual(gs.hover, [grid.start[0] - 1, grid.start[1]]);
  for (let i = 0; i < 10; i++) onCanvasKey(key('ArrowUp'), gs, act);
  assert.equal(gs.hover![0], 0, 'clamped at the top row');
  onCanvasKey(key('Enter'), gs, act);
  assert.deepEqual(edits, [{ kind: 'walls', cells: [gs.hover], wall: false }], 'the border is a wall: Enter opens it');
  assert.equal(gs.grid, grid, 'the grid itself is left to the host');
});

test('S onto the goal changes nothing; G onto an open cell moves the goal there', () => {
  const grid = emptyMaze(7, 7);
  const gs = state(grid);
  const edits: MazeEdit[] = [];
  gs.hover = [grid.goal[0], grid.goal[1]];
  onCanvasKey(key('s'), gs, actions(edits));
  assert.deepEqual(edits, []);
  const open: [number, number] = [2, 2];
  assert.notDeepEqual(open, grid.start);
  gs.hover = open;
  onCanvasKey(key('g'), gs, actions(edits));
  assert.deepEqual(edits, [{ kind: 'goal', to: [2, 2] }]);
  assert.equal(onCanvasKey({ ...key('g'), ctrlKey: true } as KeyboardEvent, gs, actions(edits)), false, 'chords are not editing keys');
});
