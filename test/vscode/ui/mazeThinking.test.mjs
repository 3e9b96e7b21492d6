// UI tests in the real workbench for what the maze editor shows about thinking: the timeline holds the iterations
// where the path forms (≥ 20 frames on 13×13), the maze is dark-on-light in the dark theme (sampled from the
// canvas), corrupting the memory shows the damaged picture and then the repair, an undo withdraws the verdict, and
// the walkthrough opens. Screenshots go to test-output/vscode/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { findWebviewFrame, openFile, openWorkbench, runCommand, screenshot, workspacePath } from './helpers.mjs';

let wb;
let frame;

before(async () => {
  fs.mkdirSync(workspacePath('.vscode'), { recursive: true });
  // A fixed count: long enough for a 13×13 path to form and for a corruption to heal.
  fs.writeFileSync(
    workspacePath('.vscode', 'settings.json'),
    JSON.stringify({ 'deepThinking.solve.iterations': '40', 'workbench.colorTheme': 'Default Dark Modern' }, null, 2),
  );
  wb = await openWorkbench();
});
after(async () => {
  await wb?.close();
});

/** Canvas-local centre of cell (r, c), from the geometry the page publishes. */
async function cellPosition(r, c) {
  const d = await frame.locator('#maze').evaluate((el) => ({ ...el.dataset }));
  const scale = Number(d.scale);
  return { x: Number(d.offsetX) + (c + 0.5) * scale, y: Number(d.offsetY) + (r + 0.5) * scale };
}

/** RGB of the canvas pixel at canvas-local CSS coordinates. */
async function canvasPixel({ x, y }) {
  return frame.locator('#maze').evaluate((c, p) => {
    const k = c.width / c.clientWidth;
    return Array.from(c.getContext('2d').getImageData(Math.round(p.x * k), Math.round(p.y * k), 1, 1).data.slice(0, 3));
  }, { x, y });
}

const luminance = ([r, g, b]) =>
  [r, g, b].map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);

async function scrubTo(index) {
  await frame.locator('#scrub').evaluate((s, i) => {
    s.value = String(i);
    s.dispatchEvent(new Event('input'));
  }, index);
  await frame.locator('#maze').evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test('dark theme: walls dark and corridors light, sampled from the canvas', async () => {
  await openFile(wb.page, 'maze-13.maze');
  frame = await findWebviewFrame(wb.page, '#maze');
  await frame.locator('body[data-state="ready"]').waitFor({ timeout: 60000 });
  assert.match(await frame.locator('body').getAttribute('class'), /vscode-dark/, 'the workbench runs a dark theme');
  // Row 1 is "#S..#.........#": (1, 4) is a wall, (1, 2) a corridor.
  const wall = await canvasPixel(await cellPosition(1, 4));
  const open = await canvasPixel(await cellPosition(1, 2));
  assert.ok(luminance(wall) < 0.05, `wall pixel ${wall} is dark`);
  assert.ok(luminance(open) > 0.6, `corridor pixel ${open} is light`);
  assert.ok((luminance(open) + 0.05) / (luminance(wall) + 0.05) >= 4.5, 'WCAG AA between walls and corridors');
  assert.match(await frame.locator('#statusline').textContent(), /13×13 maze/, 'the declared size');
  await screenshot(wb.page, 'thinking-dark-theme');
});

test('a 13×13 solve keeps ≥ 20 frames on the timeline', async () => {
  await runCommand(wb.page, 'Deep Thinking: Solve Maze');
  await frame.locator('body[data-state="solved"]').waitFor({ timeout: 150000 });
  const count = Number(await frame.locator('#scrub').getAttribute('max')) + 1;
  assert.ok(count >= 20, `${count} frames on the timeline`);
  await scrubTo(Math.floor(count / 3));
  await screenshot(wb.page, 'thinking-timeline-third');
  await scrubTo(count - 1);
});

test('corrupt memory: the next frame differs, then the net recovers', async () => {
  assert.match(await frame.locator('#verdict').textContent(), /✓ matches BFS/, 'the bundled model solves the maze first');
  await frame.locator('#watch').uncheck();
  await frame.locator('#strength').evaluate((s) => {
    s.value = '4';
    s.dispatchEvent(new Event('input'));
  });
  const before = Number(await frame.locator('#scrub').getAttribute('max'));
  await frame.locator('#corrupt').click();
  await frame.locator('#marks .mark-corrupt').waitFor({ timeout: 60000 });
  await frame.locator('body[data-state="solved"]').waitFor({ timeout: 150000 });
  const series = JSON.parse(await frame.locator('#recovery-plot').getAttribute('data-series'));
  assert.ok(series[0] > 0, `the picture right after the corruption is wrong somewhere: ${series}`);
  assert.equal(series.at(-1), 0, `the net repairs it: ${series}`);
  // The frame before the corruption and the one right after it look different on the canvas.
  const snap = () => frame.locator('#maze').evaluate((c) => c.toDataURL());
  await scrubTo(before);
  const pre = await snap();
  await screenshot(wb.page, 'thinking-before-corruption');
  await scrubTo(before + 1);
  assert.match(await frame.locator('#verdict').textContent(), /right after the corruption/);
  assert.notEqual(await snap(), pre, 'the damaged frame differs from the one before');
  await screenshot(wb.page, 'thinking-right-after-corruption');
  await scrubTo(Number(await frame.locator('#scrub').getAttribute('max')));
  assert.match(await frame.locator('#verdict').textContent(), /✓ matches BFS/);
  await screenshot(wb.page, 'thinking-recovered');
});

test('an edit, a solve of the edited maze, then undo: the verdict is withdrawn', async () => {
  await frame.locator('#maze').click({ position: await cellPosition(1, 2) });
  await frame.locator('#verdict[data-stale="true"]').waitFor({ timeout: 20000 });
  await frame.locator('#solve-again').click();
  await frame.locator('#verdict[data-stale="false"]').waitFor({ timeout: 150000 });
  await frame.locator('body[data-state="solved"]').waitFor({ timeout: 150000 });
  await frame.locator('#maze').focus();
  await wb.page.keyboard.press('Control+Z');
  await frame.locator('#verdict[data-stale="true"]').waitFor({ timeout: 20000 });
  const verdict = await frame.locator('#verdict').textContent();
  assert.doesNotMatch(verdict, /✓|✗/);
  assert.equal(await frame.locator('#solve-again').isVisible(), true);
  await screenshot(wb.page, 'thinking-undo-withdraws-verdict');
});

test('the walkthrough opens with its five steps', async () => {
  await runCommand(wb.page, 'Welcome: Open Walkthrough...');
  const input = wb.page.locator('.quick-input-widget input');
  await input.fill('watch a net think');
  await wb.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'watch a net think' }).waitFor({ timeout: 20000 });
  await wb.page.keyboard.press('Enter');
  const page = wb.page.locator('.gettingStartedContainer');
  await page.locator('text=Think longer on a big one').first().waitFor({ timeout: 30000 });
  for (const step of ['Solve a maze', 'Corrupt the memory and recover', 'Compare recall with no recall', 'Train a small model']) {
    assert.ok(await page.locator(`text=${step}`).count() > 0, `step "${step}"`);
  }
  await screenshot(wb.page, 'thinking-walkthrough');
});
