/**
 * Editing gestures from the maze editor → minimal text changes of the `.maze` document (pure; no vscode import, so
 * it is unit-tested directly). Only the characters of the cells that change are rewritten, in place, so comments,
 * metadata lines and the user's choice of '.' or ' ' for open cells survive every edit, and undo restores the text
 * byte for byte.
 */
import { parseMazeDocument } from '../shared/maze/mazeFormat';
import { moveGoal, moveStart, setWall, type MazeGrid } from '../shared/maze/grid';
import type { MazeEdit } from '../shared/protocol/webview/mazeEditor';

/** Replace the whole of 0-based `line` with `text`. */
export interface LineReplacement {
  line: number;
  text: string;
}

export type EditOutcome =
  | { ok: true; replacements: LineReplacement[] }
  | { ok: false; reason: string };

/** Apply one gesture to a grid (shared helpers: S/G are never overwritten, moves clear the wall underneath). */
export function applyEditToGrid(grid: MazeGrid, edit: MazeEdit): MazeGrid {
  switch (edit.kind) {
    case 'walls': {
      let g = grid;
      for (const [r, c] of edit.cells) g = setWall(g, r, c, edit.wall);
      return g;
    }
    case 'start':
      return moveStart(grid, edit.to[0], edit.to[1]);
    case 'goal':
      return moveGoal(grid, edit.to[0], edit.to[1]);
  }
}

function charAt(grid: MazeGrid, r: number, c: number): string {
  if (grid.start[0] === r && grid.start[1] === c) return 'S';
  if (grid.goal[0] === r && grid.goal[1] === c) return 'G';
  return grid.walls[r * grid.cols + c] ? '#' : '.';
}

/**
 * The line replacements that turn `text` into the maze after `edit`. An empty list means the gesture changes
 * nothing (e.g. painting walls that are already there, or dropping S onto G). A text with errors cannot be edited
 * graphically: the reason names the first error with its line and column.
 */
export function mazeEditToLines(text: string, edit: MazeEdit): EditOutcome {
  const doc = parseMazeDocument(text);
  if (!doc.grid) {
    const e = doc.diagnostics.find((d) => d.severity === 'error') ?? doc.diagnostics[0];
    return { ok: false, reason: e ? `line ${e.line}, column ${e.column}: ${e.message}` : 'the maze has errors' };
  }
  const before = doc.grid;
  for (const cell of edit.kind === 'walls' ? edit.cells : [edit.to]) {
    const [r, c] = cell;
    if (r >= before.rows || c >= before.cols) {
      return { ok: false, reason: `cell (${r}, ${c}) is outside the ${before.rows}×${before.cols} maze` };
    }
  }
  const after = applyEditToGrid(before, edit);
  if (after === before) return { ok: true, replacements: [] };

  const lines = text.split(/\r\n|\n|\r/);
  const changedRows = new Map<number, string[]>();
  const touch = (r: number, c: number) => {
    const ch = charAt(after, r, c);
    if (charAt(before, r, c) === ch) return;
    let row = changedRows.get(r);
    if (!row) changedRows.set(r, (row = Array.from(lines[doc.rowLines[r] - 1].replace(/^\uFEFF/, ''))));
    row[c] = ch;
  };
  // Only the cells the gesture can have changed: the painted cells, or the old and new S/G positions.
  if (edit.kind === 'walls') {
    for (const [r, c] of edit.cells) touch(r, c);
  } else {
    for (const [r, c] of [before.start, before.goal, after.start, after.goal]) touch(r, c);
  }
  const replacements: LineReplacement[] = [];
  for (const [r, chars] of [...changedRows].sort((a, b) => a[0] - b[0])) {
    const lineIdx = doc.rowLines[r] - 1;
    // Keep a BOM on the first line if the file had one.
    const bom = lineIdx === 0 && lines[0].startsWith('\uFEFF') ? '\uFEFF' : '';
    replacements.push({ line: lineIdx, text: bom + chars.join('') });
  }
  return { ok: true, replacements };
}

/** Apply replacements to text (what VS Code does with the WorkspaceEdit; used by tests and previews). */
export function applyLineReplacements(text: string, replacements: readonly LineReplacement[]): string {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\n|\r/);
  for (const { line, text: t } of replacements) lines[line] = t;
  return lines.join(eol);
}
