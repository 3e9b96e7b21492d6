import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getProblem, problems } from '../../../../src/shared/problems/index';
import { batchCorrect, class1FromLogits, encodeBatch, encodeBatches, PROBLEM_IDS } from '../../../../src/shared/problems/problem';
import { parseBits } from '../../../../src/shared/problems/prefixSums';
import { generateMazes } from '../../../../src/shared/maze/mazeGenerator';

test('registry maps every id to its problem and rejects unknown ids', () => {
  for (const id of PROBLEM_IDS) assert.equal(getProblem(id).id, id);
  assert.equal(problems.mazes.inChannels, 3);
  assert.equal(problems.chess.inChannels, 12);
  assert.equal(problems['prefix-sums'].dims, 1);
  assert.throws(() => getProblem('sudoku'), /unknown problem 'sudoku'; expected one of prefix-sums, mazes, chess/);
});

test('encodeBatch stacks examples channels-last and builds the mask', () => {
  const mazes = generateMazes(5, 3, 1);
  const b = encodeBatch(problems.mazes, mazes);
  assert.deepEqual(b.spatial, [16, 16]);
  assert.equal(b.n, 3);
  assert.equal(b.input.length, 3 * 16 * 16 * 3);
  assert.deepEqual(b.input.subarray(2 * 768, 3 * 768), problems.mazes.encode(mazes[2]).data);
  assert.deepEqual(b.target.subarray(256, 512), problems.mazes.target(mazes[1]));
  assert.deepEqual(b.mask!.subarray(0, 256), problems.mazes.lossMask(mazes[0]));

  const pb = encodeBatch(problems['prefix-sums'], [parseBits('0101'), parseBits('1111')]);
  assert.equal(pb.mask, undefined);
  assert.deepEqual([...pb.target], [0, 1, 1, 0, 1, 0, 1, 0]);
});

test('encodeBatch refuses mixed sizes, naming the puzzle', () => {
  assert.throws(
    () => encodeBatch(problems['prefix-sums'], [parseBits('01'), parseBits('01'), parseBits('011')]),
    /puzzle 2 has shape \[3\] but puzzle 0 has \[2\]/,
  );
});

test('encodeBatches groups a stream lazily', async () => {
  const src = ['01', '10', '11', '00', '01'].map(parseBits);
  const ns: number[] = [];
  for await (const b of encodeBatches(problems['prefix-sums'], src, 2)) ns.push(b.n);
  assert.deepEqual(ns, [2, 2, 1]);
});

test('class1FromLogits and batchCorrect', () => {
  const logits = Float32Array.from([0, 1, 2, -1, 0.5, 0.5, -3, 3]);
  assert.deepEqual([...class1FromLogits(logits)], [1, -3, 0, 6]);
  const ps = [parseBits('01'), parseBits('11')]; // targets 01, 10
  const class1 = Float32Array.from([-1, 1, 1, 1]);
  assert.deepEqual(batchCorrect(problems['prefix-sums'], ps, class1), [true, false]);
});
