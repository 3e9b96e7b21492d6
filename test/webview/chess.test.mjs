// Chess puzzles panel: puzzles list and filter, the heat map and predicted-move arrow per iteration, the revealed
// answer, the board flipped for Black, and restore after a reload.
import assert from 'node:assert/strict';
import { Chess } from 'chess.js';
import { near, painted, pixel, screenshot, test, u8 } from './harness.mjs';

const MODELS = [{ spec: 'bundled:chess-dt-recall', name: 'Chess DT-recall', problem: 'chess', kind: 'dt-recall', source: 'bundled', width: 512, maxIters: 20 }];

/** A PuzzleView as the host builds it from a Lichess row (see src/extension/chessCsv.ts). */
function view(id, fen, moves, rating, themes) {
  const [first, answer] = moves.split(' ');
  const g = new Chess(fen);
  g.move({ from: first.slice(0, 2), to: first.slice(2, 4), promotion: first[4] });
  const puzzleFen = g.fen();
  const san = g.move({ from: answer.slice(0, 2), to: answer.slice(2, 4), promotion: answer[4] }).san;
  return { id, fen: puzzleFen, lastMove: first, solution: answer, solutionSan: san, rating, themes: themes.split(' ') };
}
// From the Lichess sample (media/samples/chess/sample-puzzles.csv).
const WHITE = view('01ig0', '5kn1/5p2/2R2Pp1/1p4r1/1P1P4/r7/3R3K/8 b - - 0 37', 'g5f5 c6c8', 1200, 'endgame mate mateIn1 oneMove');
const BLACK = view('ajt8w', 'r1b4k/pp2n1p1/4pp2/8/qP2BB2/P7/1Q3PPP/2Rr2K1 w - - 2 25', 'c1d1 a4d1', 1800, 'backRankMate mate mateIn1 middlegame');
const SET = { source: 'sample-puzzles.csv', puzzles: [WHITE, BLACK], skipped: [], skippedCount: 0 };

const sq = (name) => (8 - Number(name[1])) * 8 + 'abcdefgh'.indexOf(name[0]);
async function centre(page, square) {
  const size = Number(await page.getAttribute('#board', 'width'));
  const flipped = (await page.getAttribute('#board', 'data-flipped')) === 'true';
  const s = size / 8;
  let row = Math.floor(square / 8);
  let col = square % 8;
  if (flipped) (row = 7 - row), (col = 7 - col);
  return { x: (col + 0.5) * s, y: (row + 0.5) * s, s };
}

async function init(host) {
  await host.waitFor('ready');
  await host.event('init', { models: MODELS, selected: MODELS[0].spec, set: SET });
}

test('heat map and predicted arrow per iteration, answer on reveal', { entry: 'chess' }, async ({ page, host }) => {
  await init(host);
  assert.match(await page.textContent('#title'), /Puzzle 01ig0 · rating 1200/);
  assert.match(await page.textContent('#to-move'), /White to move/);
  assert.equal(await page.locator('#themes vscode-badge').count(), 4);
  assert.equal(await page.getAttribute('#board', 'data-flipped'), 'false');

  await page.click('#solve');
  const req = await host.waitFor('solve');
  assert.deepEqual({ puzzleId: req.params.puzzleId, model: req.params.model }, { puzzleId: '01ig0', model: MODELS[0].spec });
  const { runId } = req.params;
  // Iteration 1: the net looks at c6 and d6 (wrong: c6→d6 is not the answer); iteration 2: c6→c8.
  const probs1 = new Array(64).fill(0);
  probs1[sq('c6')] = 200;
  probs1[sq('d6')] = 180;
  probs1[sq('e4')] = 255; // an empty square, to read the heat colour
  const probs2 = new Array(64).fill(0);
  probs2[sq('c6')] = 240;
  probs2[sq('c8')] = 250;
  await host.event('frame', { runId, iteration: 1, probs: u8(probs1), confidence: 0.6, move: 'c6d6', san: 'Rd6' });
  await host.event('frame', { runId, iteration: 2, probs: u8(probs2), confidence: 0.95, move: 'c6c8', san: 'Rc8#' });
  await host.respond(req, { runId, model: MODELS[0].spec, iterations: 2, move: 'c6c8', san: 'Rc8#', correct: true, cancelled: false, ms: 8 });
  await painted(page);

  assert.equal(await page.getAttribute('#board', 'data-iteration'), '2');
  assert.deepEqual(JSON.parse(await page.getAttribute('#board', 'data-arrows')), [[sq('c6'), sq('c8')]]);
  // The arrow is drawn: the middle of its shaft (c7) is the theme's blue, whatever lies under it.
  let a = await centre(page, sq('c6'));
  let b = await centre(page, sq('c8'));
  const mid = await pixel(page, '#board', (a.x + b.x) / 2, (a.y + b.y) / 2);
  assert.ok(mid[2] > 200 && mid[0] < 110, `arrow pixel should be blue, got ${mid}`);
  assert.match(await page.textContent('#prediction'), /iteration 2: Rc8#/);
  assert.doesNotMatch(await page.textContent('#prediction'), /✓|✗/, 'correctness stays hidden until the answer is revealed');

  // Scrub to iteration 1: arrow c6→d6; e4 (empty, light square) is red-hot.
  await page.evaluate(() => {
    const r = document.querySelector('.timeline-range');
    r.value = '0';
    r.dispatchEvent(new Event('input'));
  });
  await painted(page);
  assert.deepEqual(JSON.parse(await page.getAttribute('#board', 'data-arrows')), [[sq('c6'), sq('d6')]]);
  const e4 = await centre(page, sq('e4'));
  const hot = await pixel(page, '#board', e4.x - e4.s * 0.3, e4.y - e4.s * 0.3);
  // 0.8 × heat (230, 60, 30) over the light square (240, 217, 181)
  assert.ok(near(hot, [232, 91, 60], 4), `heat over e4: ${hot}`);
  const d4 = await centre(page, sq('d4')); // P = 0, dark square with a white pawn; sample its corner
  assert.ok(near(await pixel(page, '#board', d4.x - d4.s * 0.4, d4.y + d4.s * 0.3), [181, 136, 99], 4), 'no heat on d4');

  // Reveal: the answer arrow joins, and correctness shows.
  await page.click('#reveal');
  await painted(page);
  assert.deepEqual(JSON.parse(await page.getAttribute('#board', 'data-arrows')), [
    [sq('c6'), sq('d6')],
    [sq('c6'), sq('c8')],
  ]);
  assert.match(await page.textContent('#answer'), /Answer: Rc8# \(c6c8\)/);
  assert.match(await page.textContent('#prediction'), /✗ wrong/);
  a = await centre(page, sq('c6'));
  b = await centre(page, sq('c8'));
  const green = await pixel(page, '#board', a.x, (a.y + b.y) / 2);
  assert.ok(green[1] > green[0] && green[1] > green[2], `answer arrow should be green, got ${green}`);
  await screenshot(page, 'chess-revealed');
});

test('rating filter, next/previous, board flipped for Black', { entry: 'chess' }, async ({ page, host }) => {
  await init(host);
  assert.match(await page.textContent('#count'), /2 of 2 puzzles/);
  await page.click('#next');
  assert.match(await page.textContent('#title'), /ajt8w/);
  assert.match(await page.textContent('#to-move'), /Black to move/);
  await painted(page);
  assert.equal(await page.getAttribute('#board', 'data-flipped'), 'true');
  // a1 is at the top-right when Black is at the bottom: a dark square there.
  const size = Number(await page.getAttribute('#board', 'width'));
  const s = size / 8;
  assert.ok(near(await pixel(page, '#board', 7 * s + s * 0.5, s * 0.1), [181, 136, 99], 4), 'a1 (dark) drawn top-right');
  await page.click('#prev');
  assert.match(await page.textContent('#title'), /01ig0/);

  await page.evaluate(() => {
    const f = document.querySelector('#min-rating');
    f.value = '1500';
    f.dispatchEvent(new Event('change'));
  });
  assert.match(await page.textContent('#count'), /1 of 2 puzzles/);
  assert.match(await page.textContent('#title'), /ajt8w/);
  await page.evaluate(() => {
    const f = document.querySelector('#max-rating');
    f.value = '1000';
    f.dispatchEvent(new Event('change'));
  });
  assert.match(await page.textContent('#count'), /0 of 2 puzzles/);
  assert.match(await page.textContent('#title'), /No puzzle in this rating range/);
  assert.equal(await page.getAttribute('#solve', 'disabled'), '');
});

test('loads a user CSV through the host and restores after reload', { entry: 'chess', theme: 'light' }, async ({ page, host }) => {
  await init(host);
  await page.click('#open-csv');
  const req = await host.waitFor('pickCsv');
  await host.respond(req, { source: 'mine.csv', puzzles: [BLACK], skipped: ['mine.csv:3: column FEN: invalid FEN'], skippedCount: 1 });
  await page.waitForFunction(() => /mine\.csv · 1 puzzle/.test(document.querySelector('#source').textContent));
  assert.match(await page.textContent('.dt-banner'), /1 row\(s\) skipped: mine\.csv:3: column FEN/);
  await page.click('#solve');
  const solve = await host.waitFor('solve');
  const probs = new Array(64).fill(10);
  await host.event('frame', { runId: solve.params.runId, iteration: 5, probs: u8(probs), confidence: 0.3, move: 'a4d1', san: 'Qxd1#' });
  await host.respond(solve, { runId: solve.params.runId, model: MODELS[0].spec, iterations: 5, move: 'a4d1', san: 'Qxd1#', correct: true, cancelled: false, ms: 3 });
  await page.click('#reveal');
  await page.waitForFunction(() => window.__host.state?.revealed === true && window.__host.state?.frames?.length === 1);

  await page.reload();
  await host.waitFor('ready');
  await host.event('init', { models: MODELS, selected: MODELS[0].spec, set: { source: 'mine.csv', puzzles: [BLACK], skipped: [], skippedCount: 0 } });
  await painted(page);
  assert.match(await page.textContent('#title'), /ajt8w/);
  assert.equal(await page.getAttribute('#board', 'data-iteration'), '5');
  assert.match(await page.textContent('#answer'), /Qxd1#/);
  assert.match(await page.textContent('#prediction'), /✓ solved/);
  assert.ok(!(await host.posted()).some((m) => m.type === 'solve'), 'nothing re-run on restore');
});

test("the legend names the opponent's last-move squares", { entry: 'chess' }, async ({ page }) => {
  await page.waitForSelector('#legend-last-move');
  assert.match(await page.textContent('.cp-legend'), /opponent's last move/);
  const bg = await page.evaluate(() => getComputedStyle(document.querySelector('#legend-last-move')).backgroundImage);
  assert.match(bg, /rgba\(255, 215, 0, 0\.35\)/, 'the swatch uses the board\'s last-move tint');
});
