import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkMazeSizeInput,
  checkPositiveInt,
  checkRunName,
  checkSeedInput,
  defaultRunName,
  guessProblemFromFileName,
  newMazeFileName,
  safeDirName,
} from '../../../src/extension/commandInputs';

test('maze size input: odd whole numbers from 3 to 4001', () => {
  assert.equal(checkMazeSizeInput('13'), undefined);
  assert.equal(checkMazeSizeInput(' 801 '), undefined);
  assert.match(checkMazeSizeInput('12')!, /odd.*13/);
  assert.match(checkMazeSizeInput('1')!, /from 3/);
  assert.match(checkMazeSizeInput('4003')!, /4001/);
  assert.match(checkMazeSizeInput('9.5')!, /whole number/);
  assert.match(checkMazeSizeInput('')!, /whole number/);
});

test('seed and positive integers', () => {
  assert.equal(checkSeedInput('0'), undefined);
  assert.equal(checkSeedInput('4294967295'), undefined);
  assert.ok(checkSeedInput('4294967296'));
  assert.ok(checkSeedInput('-1'));
  assert.equal(checkPositiveInt('20', 100, 'Epochs'), undefined);
  assert.match(checkPositiveInt('0', 100, 'Epochs')!, /^Epochs must be/);
  assert.ok(checkPositiveInt('101', 100, 'Epochs'));
});

test('new maze file names never clash', () => {
  const taken = new Set(['maze-13-seed7.maze', 'maze-13-seed7-2.maze']);
  assert.equal(newMazeFileName(13, 7, (n) => taken.has(n)), 'maze-13-seed7-3.maze');
  assert.equal(newMazeFileName(9, 1, () => false), 'maze-9-seed1.maze');
});

test('run names', () => {
  const name = defaultRunName('mazes', 'dt-recall', 32, new Date(2024, 0, 31, 14, 25, 30));
  assert.equal(name, 'mazes-dt-recall-w32-20240131-142530');
  assert.equal(checkRunName(name), undefined);
  assert.ok(checkRunName('../escape'));
  assert.ok(checkRunName('a b'));
  assert.ok(checkRunName(''));
  assert.ok(checkRunName('..'));
});

test('problem guessed from the paper checkpoint names', () => {
  assert.equal(guessProblemFromFileName('mazes_dt_net_recall_2d_width=128.pth'), 'mazes');
  assert.equal(guessProblemFromFileName('prefix_sums_dt_recall.pth'), 'prefix-sums');
  assert.equal(guessProblemFromFileName('chess_512.pth'), 'chess');
  assert.equal(guessProblemFromFileName('model.pth'), undefined);
  assert.equal(safeDirName('mazes dt (1).pth'), 'mazes-dt-1');
  assert.equal(safeDirName('.pth'), 'model');
});
