// The CLI on bad or degenerate inputs: a clear message naming the file, and a non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { printable } from '../../../../src/engine/cli/predict';
import { repoPath } from '../../repo';

const ROOT = repoPath();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-cli-'));
const HEADER = 'PuzzleId,FEN,Moves,Rating,RatingDeviation,Popularity,NbPlays,Themes,GameUrl,OpeningTags';

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'engine', 'cli', 'main.ts'), '--backend', 'wasm', ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    cwd: ROOT,
  });
}

function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

test('bad file: a walled-in maze says it has no solution and exits 1', () => {
  const maze = write('walled.maze', ['#######', '#S.#..#', '####..#', '#...#G#', '#######'].join('\n'));
  const r = cli('predict', '--model', 'mazes', maze);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /walled\.maze: no solution: walls cut every path from S to G/);
  assert.match(r.stderr, /walled\.maze: no solution \(goal not reachable\)/);
});

test('bad file: an empty prefix-sum file and a header-only chess CSV say so and exit 1', () => {
  const empty = write('empty.txt', '\n\n');
  const r1 = cli('predict', '--model', 'prefix-sums', '--prefix-sums', empty);
  assert.equal(r1.status, 1);
  assert.match(r1.stderr, /empty\.txt: no bit strings: the file is empty/);
  const header = write('header.csv', HEADER + '\n');
  const r2 = cli('predict', '--model', 'chess', '--chess', header);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /header\.csv: no puzzles: the file has no rows after its header/);
});

test('bad file: a 1001×1001 open maze is refused by dense thinking before it starts, naming the file', () => {
  const n = 1001;
  const rows = Array.from({ length: n }, () => '.'.repeat(n));
  rows[0] = 'S' + rows[0].slice(1);
  rows[n - 1] = rows[n - 1].slice(0, -1) + 'G';
  const maze = write('open1001.maze', rows.join('\n'));
  const r = cli('predict', '--model', 'mazes', '--thinking', 'dense', maze);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /open1001\.maze: 1001×1001 units \(2004×2004 px\) is too big to think about densely with a width-32 net/);
});

test('bad file: control characters of a CSV field never reach the terminal', () => {
  assert.equal(printable('ab\u001b[2Jc\u0007d\u009be'), 'ab\ufffd[2Jc\ufffdd\ufffde');
  const csv = write('esc.csv', `${HEADER}\n\u001b[31mred\u0007,1k6/ppp5/8/6P1/3P4/2P3PR/P1PK4/R3rr2 b - - 0 24,e1a1 h3h8 f1f8 h8f8,888,,69,,x,,\n`);
  const r = cli('predict', '--model', 'chess', '--chess', csv, '--iterations', '2');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(r.stdout + r.stderr), JSON.stringify(r.stdout + r.stderr));
  assert.match(r.stdout, /\ufffd\[31mred\ufffd: /);
});

test('bad flag: train --width 100000 names the flag; --out that is a file or a foreign directory is refused before training', () => {
  const r = cli('train', '--problem', 'prefix-sums', '--width', '100000', '--epochs', '1', '--out', path.join(tmp, 'w'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--width 100000 is above the supported maximum of 2048/);
  const file = write('not-a-dir', 'x');
  const r2 = cli('train', '--problem', 'prefix-sums', '--epochs', '1', '--out', file);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /not-a-dir: exists and is not a directory/);
  const foreign = path.join(tmp, 'foreign');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'thesis.tex'), 'precious');
  const r3 = cli('train', '--problem', 'prefix-sums', '--epochs', '1', '--out', foreign);
  assert.equal(r3.status, 1);
  assert.match(r3.stderr, /foreign: exists and is not a checkpoint \(no model\.json\); refusing to train into it/);
  assert.doesNotMatch(r3.stderr + r3.stdout, /epoch 1/);
});

test('bad flag: generate with a bad size leaves no directory behind', () => {
  const out = path.join(tmp, 'gen-bad');
  const r = cli('generate', 'mazes', '--size', '5000', '--count', '2', '--out', out);
  assert.equal(r.status, 1);
  assert.ok(!fs.existsSync(out), r.stderr);
});

test('bad flag: generate with an even size leaves no directory behind either', () => {
  const out = path.join(tmp, 'gen-even');
  const r = cli('generate', 'mazes', '--size', '4', '--count', '2', '--out', out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /size/);
  assert.ok(!fs.existsSync(out));
});
