// CSV fields reach terminals through error messages too: their control characters are replaced there as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataFormatError, printable } from '../../../../src/engine/data/csv';

test('bad file: control characters of a CSV field are replaced in error messages', () => {
  const e = new DataFormatError('p.csv', 3, 'FEN\u001b[2J', "invalid FEN '\u001b]0;pwned\u0007'");
  assert.equal(e.message, "p.csv:3: column FEN\ufffd[2J: invalid FEN '\ufffd]0;pwned\ufffd'");
  assert.equal(printable('tab\there\nnl'), 'tab\ufffdhere\ufffdnl');
  assert.equal(printable('ok é ♞'), 'ok é ♞');
});
