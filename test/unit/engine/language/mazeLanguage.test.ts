import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import { mazeDiagnostics, mazeHover } from '../../../../src/engine/language/mazeLanguage';

test('diagnostics: LSP ranges are 0-based and cover the offending characters', () => {
  const text = '; comment\n#####\n#S.x#\n#..G#\n####\n';
  const ds = mazeDiagnostics(text);
  const unknown = ds.find((d) => /unknown character 'x'/.test(d.message))!;
  assert.deepEqual(unknown.range, { start: { line: 2, character: 3 }, end: { line: 2, character: 4 } });
  assert.equal(unknown.severity, DiagnosticSeverity.Error);
  assert.equal(unknown.source, 'maze');
  const ragged = ds.find((d) => /row has 4 units/.test(d.message))!;
  assert.equal(ragged.range.start.line, 4);
  assert.equal(ragged.range.start.character, 4);
  assert.equal(ragged.range.end.character, 5);
});

test('diagnostics: missing and duplicate S/G, unreachable goal (a warning)', () => {
  assert.ok(mazeDiagnostics('#####\n#..G#\n#####\n').some((d) => /no start 'S'/.test(d.message)));
  const dup = mazeDiagnostics('#####\n#SSG#\n#####\n').find((d) => /second start/.test(d.message))!;
  assert.deepEqual(dup.range.start, { line: 1, character: 2 });
  const cut = mazeDiagnostics('#####\n#S#G#\n#####\n');
  assert.equal(cut.length, 1);
  assert.equal(cut[0].severity, DiagnosticSeverity.Warning);
  assert.match(cut[0].message, /not reachable/);
  assert.deepEqual(mazeDiagnostics('#####\n#S.G#\n#####\n'), []);
});

test('hover names the unit', () => {
  const text = '; c\n#####\n#S.G#\n#####\n';
  assert.equal(mazeHover(text, 2, 1), 'Maze unit row 2, column 2 of 3×5: start (S)');
  assert.equal(mazeHover(text, 1, 0), 'Maze unit row 1, column 1 of 3×5: wall');
  assert.equal(mazeHover(text, 0, 1), undefined);
  assert.equal(mazeHover(text, 2, 9), undefined);
});
