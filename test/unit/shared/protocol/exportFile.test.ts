import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExport } from '../../../../src/shared/protocol/webview/exportFile';
import { curvesToCsv } from '../../../../webview/sidebar/curvesCsv';

test('export requests: plain names, known types, base64 data', () => {
  assert.equal(checkExport({ name: 'maze-13-iteration-21.png', mime: 'image/png', data: 'iVBORw0KGgo=' }, 'export'), undefined);
  assert.match(checkExport({ name: '../../etc/passwd', mime: 'image/png', data: 'AA==' }, 'export')!, /export\.name must be a plain file name/);
  assert.equal(checkExport({ name: 'a.gif', mime: 'image/gif', data: 'R0lGODlh' }, 'export'), undefined);
  assert.match(checkExport({ name: 'a.webp', mime: 'image/webp', data: 'AA==' }, 'export')!, /mime must be image\/png, image\/gif or text\/csv/);
  assert.match(checkExport({ name: 'a.csv', mime: 'text/csv', data: 'not base64!' }, 'export')!, /data must be base64/);
  assert.match(checkExport('x', 'export')!, /must be an object/);
});

test('curves → CSV: one row per iteration, one column per curve, blanks where a curve has no point, quoted labels', () => {
  const csv = curvesToCsv([
    { label: 'recall (DT-recall) · n=13', iterations: [1, 2, 3], accuracy: [0.1, 0.5, 0.9] },
    { label: 'ff, "baseline"', iterations: [2, 4], accuracy: [0.2, 0.3] },
  ]);
  assert.equal(
    csv,
    ['iteration,recall (DT-recall) · n=13,"ff, ""baseline"""', '1,0.1,', '2,0.5,0.2', '3,0.9,', '4,,0.3', ''].join('\n'),
  );
});
