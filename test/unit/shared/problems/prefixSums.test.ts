import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePrefixSums } from '../../../../src/engine/data/prefixSums';
import { bitsToString, parseBits, prefixSumsProblem, prefixSumsTarget } from '../../../../src/shared/problems/prefixSums';

/** Independent oracle: sum of the first i+1 bits, mod 2, by re-summing each prefix. */
function direct(bits: ArrayLike<number>): number[] {
  return Array.from({ length: bits.length }, (_, i) => Array.from(bits).slice(0, i + 1).reduce((a, b) => a + b, 0) % 2);
}

test('targets match a direct prefix-sum computation', () => {
  for (const p of generatePrefixSums(24, 200, 1)) {
    assert.deepEqual([...prefixSumsProblem.target(p)], direct(p.bits));
  }
  assert.deepEqual([...prefixSumsTarget([1, 0, 1, 1, 0])], [1, 1, 0, 1, 1]);
});

test('encode gives b − 0.5 as one channel over [L]', () => {
  const p = parseBits('1 0 1 1');
  const e = prefixSumsProblem.encode(p);
  assert.deepEqual(e.spatial, [4]);
  assert.deepEqual([...e.data], [0.5, -0.5, 0.5, 0.5]);
  assert.equal(prefixSumsProblem.dims, 1);
  assert.equal(prefixSumsProblem.inChannels, 1);
});

test('no duplicates, even when drawing every possible string', () => {
  const all = generatePrefixSums(10, 1024, 3).map((p) => bitsToString(p.bits));
  assert.equal(new Set(all).size, 1024);
  const big = generatePrefixSums(32, 5000, 4).map((p) => bitsToString(p.bits));
  assert.equal(new Set(big).size, 5000);
  for (const s of big) assert.equal(s.length, 32);
});

test('asking for more strings than exist is a clear error', () => {
  assert.throws(() => generatePrefixSums(4, 17, 0), /only 2\^4 = 16 exist/);
  assert.equal(generatePrefixSums(4, 16, 0).length, 16);
});

test('generation is seeded', () => {
  const a = generatePrefixSums(16, 50, 11).map((p) => bitsToString(p.bits));
  const b = generatePrefixSums(16, 50, 11).map((p) => bitsToString(p.bits));
  const c = generatePrefixSums(16, 50, 12).map((p) => bitsToString(p.bits));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('isCorrect and decode read class1 = logit1 − logit0', () => {
  const p = parseBits('0110');
  const t = prefixSumsProblem.target(p); // 0 1 0 0
  const class1 = Float32Array.from(t, (v) => (v ? 2 : -2));
  assert.equal(prefixSumsProblem.isCorrect(p, class1), true);
  assert.equal(prefixSumsProblem.decode(p, class1), '0100');
  class1[3] = 0.1;
  assert.equal(prefixSumsProblem.isCorrect(p, class1), false);
  assert.equal(prefixSumsProblem.decode(p, class1), '0101');
});

test('parseBits names the column of a bad character', () => {
  assert.throws(() => parseBits('01x1'), /column 3/);
  assert.throws(() => parseBits(''), /empty/);
});
