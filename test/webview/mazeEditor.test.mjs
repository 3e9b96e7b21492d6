// The .maze custom editor page: draws the maze from the document text, turns clicks and drags into ONE edit request
// per gesture, streams solve frames into a scrubbable timeline with a ✓/✗ verdict, shows a bad maze's errors
// instead of a blank panel, restores itself after a reload, and stays usable on an 801×801 maze.
import assert from 'node:assert/strict';
import { near, painted, pixel, rgb, screenshot, test, THEMES } from './harness.mjs';

const MAZE_TEXT = ['; size: 5', '#######', '#S....#', '#.###.#', '#.#...#', '#.#.###', '#....G#', '#######', ''].join('\n');
const SETTINGS = { maxFps: 30, iterations: 'auto', frameBudgetBytes: 1 << 20 };
const ROWS = 7;
const COLS = 7;
/** BFS path of MAZE (S=(1,1) … G=(5,5)): down the left column, then along the bottom row. */
const PATH = [[1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [5, 2], [5, 3], [5, 4], [5, 5]];

/**
 * The maze's own colours (webview/mazeEditor/palette.ts): walls dark and corridors light in every theme; the theme
 * only tints the chrome.
 */
const MAZE = {
  dark: { wall: '#16181c', open: '#e6e1d6' },
  light: { wall: '#1f2328', open: '#f4f1ea' },
  'high-contrast': { wall: '#000000', open: '#ffffff' },
};
/** WCAG relative luminance of [r, g, b] bytes. */
const luminance = ([r, g, b]) =>
  [r, g, b].map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
const contrast = (a, b) => (Math.max(luminance(a), luminance(b)) + 0.05) / (Math.min(luminance(a), luminance(b)) + 0.05);

const b64 = (bytes) => Buffer.from(Uint8Array.from(bytes)).toString('base64');
/** A frame whose P(path) is 255 on `cells` and 0 elsewhere. */
function frame(iteration, cells, extra = {}) {
  const p = new Array(ROWS * COLS).fill(0);
  for (const [r, c] of cells) p[r * COLS + c] = 255;
  return { sessionId: 's', iteration, rows: ROWS, cols: COLS, scale: 1, probs: b64(p), confidence: 0.9, ...extra };
}

async function init(host, text = MAZE_TEXT, extra = {}) {
  await host.waitFor('ready');
  await host.event('init', { text, version: 1, fileName: 'test.maze', model: 'tiny-maze', settings: SETTINGS, readonly: false, ...extra });
}

/** Geometry the page publishes on the canvas. */
async function geometry(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#maze');
    const r = c.getBoundingClientRect();
    return { scale: +c.dataset.scale, ox: +c.dataset.offsetX, oy: +c.dataset.offsetY, left: r.left, top: r.top, rows: +c.dataset.rows, cols: +c.dataset.cols };
  });
}
/** Canvas-local centre of a cell, plus its page coordinates for the mouse. */
async function cellCentre(page, r, c) {
  const g = await geometry(page);
  const x = g.ox + (c + 0.5) * g.scale;
  const y = g.oy + (r + 0.5) * g.scale;
  return { x, y, px: g.left + x, py: g.top + y };
}
async function cellPixel(page, r, c) {
  const { x, y } = await cellCentre(page, r, c);
  return pixel(page, '#maze', x, y);
}

test('draws walls and open cells with the theme colours', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  const g = await geometry(page);
  assert.equal(g.rows, ROWS);
  assert.equal(g.cols, COLS);
  assert.ok(g.scale >= 20, `fitted scale ${g.scale}`);
  const wall = await cellPixel(page, 2, 2);
  const open = await cellPixel(page, 1, 3);
  assert.ok(near(wall, rgb(MAZE.dark.wall)), `wall cell dark: ${wall}`);
  assert.ok(near(open, rgb(MAZE.dark.open)), `open cell light: ${open}`);
  assert.ok(luminance(wall) < luminance(open), 'walls darker than corridors in the dark theme');
  assert.ok(contrast(wall, open) >= 4.5, `wall/corridor contrast ${contrast(wall, open).toFixed(2)}`);
  assert.ok(!near(await cellPixel(page, 1, 1), rgb(MAZE.dark.open), 30), 'S is marked');
  assert.match(await page.textContent('#statusline'), /5×5 maze/, 'the declared size, not 7×7 with the ring');
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready');
  assert.match(await page.textContent('#model'), /tiny-maze/);
  await screenshot(page, 'mazeEditor-dark');
});

test('a click toggles one wall: one edit request, applied when the document comes back', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  const { px, py } = await cellCentre(page, 1, 3);
  await page.mouse.click(px, py);
  const req = await host.waitFor('edit');
  assert.deepEqual(req.params.edit, { kind: 'walls', cells: [[1, 3]], wall: true });
  assert.equal(req.params.version, 1);
  await host.respond(req, { applied: true });
  const text = MAZE_TEXT.replace('#S....#', '#S.#..#');
  await host.event('document', { text, version: 2 });
  await painted(page);
  assert.ok(near(await cellPixel(page, 1, 3), rgb(MAZE.dark.wall)), 'the new wall is drawn');
  // Undo in VS Code sends the old text back: the wall disappears again.
  await host.event('document', { text: MAZE_TEXT, version: 3 });
  await painted(page);
  assert.ok(near(await cellPixel(page, 1, 3), rgb(MAZE.dark.open)), 'undo restores the open cell');
});

test('a drag paints a continuous wall as ONE edit (one undo step)', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  const a = await cellCentre(page, 1, 2);
  const b = await cellCentre(page, 1, 5);
  await page.mouse.move(a.px, a.py);
  await page.mouse.down();
  await page.mouse.move(b.px, b.py, { steps: 2 }); // pointer events skip cells: the page fills the line in
  await page.mouse.up();
  const edits = (await host.posted()).filter((m) => m.type === 'edit');
  assert.equal(edits.length, 1);
  assert.deepEqual(edits[0].params.edit, { kind: 'walls', wall: true, cells: [[1, 2], [1, 3], [1, 4], [1, 5]] });
});

test('dragging S moves it; dropping on G does nothing', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  const s = await cellCentre(page, 1, 1);
  const t = await cellCentre(page, 3, 3);
  await page.mouse.move(s.px, s.py);
  await page.mouse.down();
  await page.mouse.move(t.px, t.py, { steps: 3 });
  await page.mouse.up();
  const req = await host.waitFor('edit');
  assert.deepEqual(req.params.edit, { kind: 'start', to: [3, 3] });
  await host.respond(req, { applied: true });
  // Dragging S onto G sends nothing.
  const g = await cellCentre(page, 5, 5);
  await page.mouse.move(s.px, s.py);
  await page.mouse.down();
  await page.mouse.move(g.px, g.py, { steps: 3 });
  await page.mouse.up();
  await painted(page);
  assert.equal((await host.posted()).filter((m) => m.type === 'edit').length, 1);
});

test('solve: frames stream into the timeline, the scrubber goes back, ✗ marks the wrong cells', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  assert.equal(await page.getAttribute('body', 'data-state'), 'solving');
  await host.event('frame', frame(1, PATH.slice(0, 3)));
  await host.event('frame', frame(5, PATH.slice(0, 6)));
  const wrongPath = [...PATH.slice(0, 8), [4, 3]];
  const final = frame(9, wrongPath);
  await host.respond(req, { iterations: 9, haltedAt: 9, correct: false, wrongCells: [[5, 5], [4, 3]], cancelled: false, ms: 40, finalFrame: final, model: 'tiny-maze' });
  await painted(page);
  assert.equal(await page.getAttribute('body', 'data-state'), 'solved');
  assert.match(await page.textContent('#iteration'), /Iteration 9 \/ 9.*halted at 9/);
  assert.match(await page.textContent('#verdict'), /✗ 2 cells differ from BFS/);
  assert.equal(await page.getAttribute('#verdict', 'data-correct'), 'false');
  // The heat map tints path cells; a wrong cell is drawn in the error colour.
  const open = rgb(MAZE.dark.open);
  assert.ok(!near(await cellPixel(page, 3, 1), open, 30), 'path cell tinted');
  assert.ok(near(await cellPixel(page, 1, 4), open), 'off-path cell untouched');
  // (sampled off the cross the page draws on wrong cells)
  const wc = await cellCentre(page, 4, 3);
  const gs = (await geometry(page)).scale;
  const wrong = await pixel(page, '#maze', wc.x, wc.y - 0.35 * gs);
  assert.ok(wrong[0] > 150 && wrong[1] < 120, `wrong cell is red-ish: ${wrong}`);
  await screenshot(page, 'mazeEditor-solved-wrong');

  // Scrub to the first frame: only the first three path cells are lit.
  await page.evaluate(() => {
    const s = document.querySelector('#scrub');
    s.value = '0';
    s.dispatchEvent(new Event('input'));
  });
  await painted(page);
  assert.match(await page.textContent('#iteration'), /Iteration 1 \/ 9/);
  assert.ok(near(await cellPixel(page, 5, 3), open), 'later path cell not lit at iteration 1');
  assert.ok(!near(await cellPixel(page, 2, 1), open, 30), 'early path cell lit at iteration 1');
});

test('think longer and corrupt memory send interventions; ✓ when it matches BFS', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  let req = await host.waitFor('solve');
  await host.respond(req, { iterations: 3, correct: false, wrongCells: [[5, 5]], cancelled: false, ms: 5, finalFrame: frame(3, PATH.slice(0, 8)), model: 'm' });
  await page.click('#think');
  req = await host.waitFor('intervene');
  assert.deepEqual(req.params.intervention, { kind: 'continue' });
  await host.respond(req, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await painted(page);
  assert.match(await page.textContent('#verdict'), /✓ matches BFS/);
  await page.evaluate(() => {
    const s = document.querySelector('#strength');
    s.value = '2.5';
    s.dispatchEvent(new Event('input'));
  });
  assert.match(await page.textContent('#strength-label'), /2\.5× RMS/);
  await page.click('#corrupt');
  req = await host.waitFor((m) => m.type === 'intervene' && m.params.intervention.kind === 'perturb');
  assert.deepEqual(req.params.intervention, { kind: 'perturb', mode: 'noise', strength: 2.5 });
});

test('moving G after a solve continues with the new input (swapInput) when Live is on', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const solve = await host.waitFor('solve');
  await host.respond(solve, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await painted(page);
  await page.check('#live');
  const g = await cellCentre(page, 5, 5);
  const t = await cellCentre(page, 3, 5);
  await page.mouse.move(g.px, g.py);
  await page.mouse.down();
  await page.mouse.move(t.px, t.py, { steps: 3 });
  await page.mouse.up();
  const edit = await host.waitFor('edit');
  assert.deepEqual(edit.params.edit, { kind: 'goal', to: [3, 5] });
  await host.respond(edit, { applied: true });
  await host.event('document', { text: MAZE_TEXT.replace('#....G#', '#.....#').replace('#.#...#', '#.#..G#'), version: 2 });
  const swap = await host.waitFor('intervene');
  assert.deepEqual(swap.params.intervention, { kind: 'swapInput' });
  assert.doesNotMatch(await page.textContent('#verdict'), /✓/, 'no old verdict while re-solving');
  // The engine's first frame is the old thought read against the new maze, marked; the timeline shows a 'move' tick.
  await host.event('frame', frame(8, PATH, { mark: 'swapInput' }));
  await host.respond(swap, { iterations: 12, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(12, PATH.slice(0, 4)), model: 'm' });
  await painted(page);
  assert.equal(await page.getAttribute('#verdict', 'data-stale'), 'false');
  assert.ok(await page.locator('#marks .mark-move').count() >= 1, 'a move mark on the timeline');
});

test('an edit or an undo after a solve clears the verdict and the overlay and offers Solve again', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const solve = await host.waitFor('solve');
  await host.respond(solve, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await painted(page);
  assert.match(await page.textContent('#verdict'), /✓ matches BFS/);
  assert.ok(!near(await cellPixel(page, 3, 1), rgb(MAZE.dark.open), 30), 'path drawn');
  // A wall added elsewhere (by this page, the text editor or an undo: they all arrive as a document update).
  await host.event('document', { text: MAZE_TEXT.replace('#S....#', '#S.#..#'), version: 2 });
  await painted(page);
  assert.doesNotMatch(await page.textContent('#verdict'), /✓/);
  assert.equal(await page.getAttribute('#verdict', 'data-stale'), 'true');
  assert.equal(await page.isVisible('#solve-again'), true);
  assert.ok(near(await cellPixel(page, 3, 1), rgb(MAZE.dark.open)), 'the stale overlay is gone');
  assert.equal(await page.getAttribute('#corrupt', 'disabled'), '', 'no corrupting a thought about another maze');
  await screenshot(page, 'mazeEditor-stale');
  await page.click('#solve-again');
  await host.waitFor((m) => m.type === 'solve' && m !== solve);
});

test('an unreachable goal says "no path exists", never ✓', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host, '#####\n#S#G#\n#####\n');
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.respond(req, { iterations: 5, haltedAt: 5, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: { sessionId: 's', iteration: 5, rows: 3, cols: 5, scale: 1, probs: b64(new Array(15).fill(0)), confidence: 0.9 }, model: 'm' });
  await painted(page);
  const v = await page.textContent('#verdict');
  assert.match(v, /No path exists/);
  assert.doesNotMatch(v, /✓/);
});

test("hitting the 'auto' cap says so", { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.respond(req, { iterations: 400, correct: false, wrongCells: [[5, 5]], cancelled: false, ms: 5, finalFrame: frame(400, PATH.slice(0, 5)), model: 'm' });
  await painted(page);
  assert.match(await page.textContent('#verdict'), /reached the auto cap \(400 iterations\)/);
});

test('corrupt memory: the damaged frame, a mark, the recovery plot and a slow replay', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  let req = await host.waitFor('solve');
  for (let it = 1; it <= 8; it++) await host.event('frame', frame(it, PATH.slice(0, it + 1)));
  await host.respond(req, { iterations: 8, haltedAt: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await page.click('#corrupt');
  req = await host.waitFor((m) => m.type === 'intervene' && m.params.intervention.kind === 'perturb');
  // The damaged picture (same iteration, marked), then three iterations of repair.
  await host.event('frame', frame(8, [[1, 3], [1, 4], [3, 3], [3, 5]], { mark: 'perturb' }));
  await host.event('frame', frame(9, [...PATH.slice(0, 5), [1, 3]]));
  await host.event('frame', frame(10, PATH.slice(0, 8)));
  await host.respond(req, { iterations: 11, haltedAt: 11, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(11, PATH), model: 'm' });
  await painted(page);
  assert.equal(await page.locator('#marks .mark-corrupt').count(), 1);
  assert.equal(await page.locator('#marks .mark-halt').count(), 1);
  const series = JSON.parse(await page.getAttribute('#recovery-plot', 'data-series'));
  // 4 marked cells, all wrong, and the 9 path cells missing → 13; then fewer; then 0.
  assert.equal(series[0], 13);
  assert.equal(series[series.length - 1], 0);
  assert.ok(series[1] < series[0]);
  assert.match(await page.textContent('#recovery-label'), /→ 0 after 3 iterations/);
  // Watch recovery (on by default) replays from the frame before the damage.
  await page.waitForFunction(() => /Iteration 8 \//.test(document.querySelector('#iteration').textContent));
  await page.waitForFunction(() => /right after the corruption/.test(document.querySelector('#verdict').textContent), null, { timeout: 3000 });
  await screenshot(page, 'mazeEditor-corrupted');
});

test('brushing damage sends a region perturbation', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.respond(req, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await page.click('#brush');
  const a = await cellCentre(page, 3, 1);
  const b = await cellCentre(page, 5, 1);
  await page.mouse.move(a.px, a.py);
  await page.mouse.down();
  await page.mouse.move(b.px, b.py, { steps: 4 });
  await page.mouse.up();
  const iv = await host.waitFor((m) => m.type === 'intervene');
  assert.equal(iv.params.intervention.kind, 'perturb');
  assert.equal(iv.params.intervention.mode, 'zero');
  const cells = iv.params.intervention.region.map(([r, c]) => `${r},${c}`);
  for (const c of ['3,1', '4,1', '5,1', '2,0', '6,2']) assert.ok(cells.includes(c), `${c} in the brushed region`);
  assert.equal((await host.posted()).filter((m) => m.type === 'edit').length, 0, 'brushing edits no walls');
});

test('the legend names every colour on the canvas and matches the pixels', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  const keys = await page.$$eval('#legend .item', (els) => els.map((e) => e.dataset.key));
  for (const k of ['wall', 'open', 'start', 'goal', 'heat', 'wrong']) assert.ok(keys.includes(k), `legend has ${k}`);
  const swatch = async (k) => (await page.getAttribute(`#legend [data-key="${k}"] .swatch`, 'data-color')).match(/\d+/g).map(Number);
  assert.ok(near(await cellPixel(page, 2, 2), await swatch('wall')), 'wall pixel = wall swatch');
  assert.ok(near(await cellPixel(page, 1, 3), await swatch('open')), 'corridor pixel = corridor swatch');
  assert.match(await page.textContent('#legend [data-key="heat"]'), /P\(on path\)/);
});

test('keyboard editing: arrows move the cursor, Enter toggles a wall, G moves the goal', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  await page.focus('#maze');
  // The cursor starts on S (1,1): right, right → (1,3).
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  const req = await host.waitFor('edit');
  assert.deepEqual(req.params.edit, { kind: 'walls', cells: [[1, 3]], wall: true });
  await host.respond(req, { applied: false });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('g');
  const move = await host.waitFor((m) => m.type === 'edit' && m.params.edit.kind === 'goal');
  assert.deepEqual(move.params.edit, { kind: 'goal', to: [3, 3] });
  assert.match(await page.textContent('#statusline'), /row 4, col 4/);
});

test('a bad maze shows its errors with line and column, never a blank panel', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host, '#####\n#S.x#\n#..G\n#####\n');
  await painted(page);
  assert.equal(await page.isVisible('#errors'), true);
  assert.equal(await page.isVisible('#maze'), false);
  const text = await page.textContent('#errors');
  assert.match(text, /Line 2, column 4: unknown character 'x'/);
  assert.match(text, /Line 3, column 5: row has 4 units/);
  assert.equal(await page.isVisible('#open-text'), true);
  await page.click('#open-text');
  await host.waitFor('reopenAsText');
  await screenshot(page, 'mazeEditor-bad-maze');
  // Fixing the text in the text editor brings the canvas back.
  await host.event('document', { text: MAZE_TEXT, version: 2 });
  await painted(page);
  assert.equal(await page.isVisible('#maze'), true);
  assert.equal(await page.isVisible('#errors'), false);
});

test('an unreachable goal is a warning banner; the maze is still drawn', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host, '#####\n#S#G#\n#####\n');
  await painted(page);
  assert.equal(await page.isVisible('#maze'), true);
  assert.match(await page.textContent('.dt-banner'), /not reachable/);
});

test('solve errors are shown in the editor', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.fail(req, 'No maze model is available. Train one');
  await painted(page);
  assert.match(await page.textContent('.dt-banner-error'), /No maze model is available/);
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready');
});

test('a reload restores zoom, overlay mode and the last result', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.respond(req, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await page.evaluate(() => {
    const s = document.querySelector('#overlay');
    s.value = 'path';
    s.dispatchEvent(new Event('change'));
  });
  const box = await page.locator('#maze').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction(() => window.__host.state?.view && window.__host.setStateCalls > 1);
  await new Promise((r) => setTimeout(r, 400)); // the wheel's debounced save
  const before = await geometry(page);
  await page.reload();
  await init(host);
  await painted(page);
  const after = await geometry(page);
  assert.equal(after.scale, before.scale);
  assert.equal(await page.evaluate(() => document.querySelector('#overlay').value), 'path');
  assert.match(await page.textContent('#verdict'), /✓ matches BFS/);
});

test('light and high-contrast themes use their own colours', { entry: 'mazeEditor', theme: 'light' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  const wall = await cellPixel(page, 2, 2);
  const open = await cellPixel(page, 1, 3);
  assert.ok(near(wall, rgb(MAZE.light.wall)), `wall ${wall}`);
  assert.ok(near(open, rgb(MAZE.light.open)), `open ${open}`);
  assert.ok(contrast(wall, open) >= 4.5);
  await screenshot(page, 'mazeEditor-light');
});

test('high contrast', { entry: 'mazeEditor', theme: 'high-contrast' }, async ({ page, host }) => {
  await init(host);
  await painted(page);
  const wall = await cellPixel(page, 2, 2);
  const open = await cellPixel(page, 1, 3);
  assert.ok(near(wall, rgb(MAZE['high-contrast'].wall)), `wall ${wall}`);
  assert.ok(near(open, rgb(MAZE['high-contrast'].open)), `open ${open}`);
  assert.ok(contrast(wall, open) >= 7, 'high contrast: AAA for the maze itself');
  await screenshot(page, 'mazeEditor-high-contrast');
});

test('an 801×801 maze draws, zooms and takes downsampled frames', { entry: 'mazeEditor' }, async ({ page, host }) => {
  // Rows of alternating walls: every odd column of every odd row open, like a maze's room lattice.
  const n = 803;
  const rows = [];
  for (let r = 0; r < n; r++) {
    let s = '';
    for (let c = 0; c < n; c++) s += r === 0 || c === 0 || r === n - 1 || c === n - 1 ? '#' : r % 2 === 1 || c % 2 === 1 ? '.' : '#';
    rows.push(s);
  }
  rows[1] = '#S' + rows[1].slice(2);
  rows[n - 2] = rows[n - 2].slice(0, n - 2) + 'G#';
  const t0 = Date.now();
  await init(host, rows.join('\n') + '\n');
  await painted(page);
  const g = await geometry(page);
  assert.equal(g.rows, n);
  assert.ok(g.scale < 1.5, `fitted scale ${g.scale}`);
  // Frames come downsampled 4× (201×201 cells): they cover the whole maze.
  const fr = 201;
  const probs = new Uint8Array(fr * fr).fill(200);
  await host.event('frame', { sessionId: 's', iteration: 1, rows: fr, cols: fr, scale: 4, probs: Buffer.from(probs).toString('base64'), confidence: 0.5 });
  await painted(page);
  assert.match(await page.textContent('#iteration'), /shown at 1:4/);
  await page.evaluate(() => {
    const s = document.querySelector('#overlay');
    s.value = 'off';
    s.dispatchEvent(new Event('change'));
  });
  await painted(page);
  await screenshot(page, 'mazeEditor-801-fitted');
  // Zoom in a lot: still responsive, the cell under the cursor stays put.
  const box = await page.locator('#maze').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -300);
  await painted(page);
  const z = await geometry(page);
  assert.ok(z.scale > g.scale * 5, `zoomed to ${z.scale}`);
  assert.ok(Date.now() - t0 < 20_000);
  await screenshot(page, 'mazeEditor-801-zoomed');
});

test('PNG export sends the picture on screen to the host with a file name for the iteration', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.respond(req, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await painted(page);
  await page.click('#export-png');
  const ex = await host.waitFor('export');
  assert.equal(ex.params.name, 'test-iteration-8.png');
  assert.equal(ex.params.mime, 'image/png');
  const png = Buffer.from(ex.params.data, 'base64');
  assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  assert.ok(png.length > 500, `${png.length} bytes`);
});

test('GIF export: one frame per timeline position, decoded by an independent GIF reader', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.event('frame', frame(1, PATH.slice(0, 3)));
  await host.event('frame', frame(5, PATH.slice(0, 6)));
  await host.respond(req, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await painted(page);
  const positions = await page.evaluate(() => Number(document.querySelector('#scrub').max) + 1);
  assert.ok(positions >= 3, `${positions} timeline positions`);
  await page.click('#export-gif');
  const ex = await host.waitFor('export');
  assert.equal(ex.params.name, 'test-thinking.gif');
  assert.equal(ex.params.mime, 'image/gif');
  const { GifReader } = await import('omggif');
  const gif = new GifReader(Buffer.from(ex.params.data, 'base64'));
  assert.equal(gif.numFrames(), positions);
  // The frames differ (the path grows): the first and the last are not the same picture.
  const a = new Uint8Array(gif.width * gif.height * 4);
  const z = new Uint8Array(gif.width * gif.height * 4);
  gif.decodeAndBlitFrameRGBA(0, a);
  gif.decodeAndBlitFrameRGBA(positions - 1, z);
  assert.ok(a.some((v, i) => v !== z[i]), 'first and last GIF frames differ');
});

test('the thought overlay asks for the hidden state and draws it with a legend', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.respond(req, { iterations: 8, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(8, PATH), model: 'm' });
  await painted(page);
  await page.evaluate(() => {
    const s = document.querySelector('#overlay');
    s.value = 'channel';
    s.dispatchEvent(new Event('change'));
  });
  const t = await host.waitFor('thought');
  assert.deepEqual(t.params.view, { channel: 0 });
  // Channel 0 is 255 at (1, 3) and 0 elsewhere: amber there, violet on other corridors.
  const bytes = new Array(ROWS * COLS).fill(0);
  bytes[1 * COLS + 3] = 255;
  await host.respond(t, { iteration: 8, rows: ROWS, cols: COLS, channels: 16, view: { channel: 0 }, data: b64(bytes) });
  await page.waitForSelector('#legend [data-key="thought"]');
  await painted(page);
  const hot = await cellPixel(page, 1, 3);
  const cold = await cellPixel(page, 1, 4);
  assert.ok(hot[0] > 200 && hot[2] < 100, `high activation drawn amber: ${hot}`);
  assert.ok(cold[2] > cold[1], `low activation drawn violet: ${cold}`);
  assert.match(await page.textContent('#legend [data-key="thought"]'), /thought at iteration 8: channel 0 of 16/);
  assert.equal(await page.isVisible('#thought-channel'), true);
  await screenshot(page, 'mazeEditor-thought-channel');
  // PCA asks again.
  await page.evaluate(() => {
    const s = document.querySelector('#overlay');
    s.value = 'pca';
    s.dispatchEvent(new Event('change'));
  });
  const p = await host.waitFor((m) => m.type === 'thought' && m.params.view === 'pca');
  await host.respond(p, { iteration: 8, rows: ROWS, cols: COLS, channels: 16, view: 'pca', explained: [0.5, 0.2], data: b64(new Array(2 * ROWS * COLS).fill(128)) });
  await page.waitForFunction(() => /PC1 red \(50%\), PC2 blue \(20%\)/.test(document.querySelector('#legend').textContent));
});

test('play walks the shared timeline to the last frame at the chosen speed, which is saved', { entry: 'mazeEditor' }, async ({ page, host }) => {
  await init(host);
  assert.equal(await page.getAttribute('#play', 'disabled'), '', 'nothing to play before a solve');
  await page.click('#solve');
  const req = await host.waitFor('solve');
  for (let it = 1; it <= 4; it++) await host.event('frame', frame(it, PATH.slice(0, it + 1)));
  await host.respond(req, { iterations: 5, haltedAt: 5, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(5, PATH), model: 'm' });
  await painted(page);
  assert.equal(await page.getAttribute('#scrub', 'max'), '4');
  // 8× at 8 frames per second would be 64; the display's 30 fps ceiling applies.
  await page.evaluate(() => {
    const s = document.querySelector('#speed');
    s.value = '8';
    s.dispatchEvent(new Event('change'));
  });
  assert.equal(await page.evaluate(() => window.__host.state.speed), 8);
  await page.click('#play');
  assert.equal(await page.textContent('#play'), '⏸');
  await page.waitForFunction(() => document.querySelector('#play').textContent === '▶', null, { timeout: 3000 });
  assert.equal(await page.inputValue('#scrub'), '4');
  assert.match(await page.textContent('#iteration'), /Iteration 5 \/ 5/);
  // A further run's frames show as they arrive (the timeline follows the stream again).
  await page.click('#think');
  const next = await host.waitFor('intervene');
  await host.event('frame', frame(6, PATH));
  await page.waitForFunction(() => /Iteration 6 \//.test(document.querySelector('#iteration').textContent));
  await host.respond(next, { iterations: 6, haltedAt: 6, correct: true, wrongCells: [], cancelled: false, ms: 5, finalFrame: frame(6, PATH), model: 'm' });
});
