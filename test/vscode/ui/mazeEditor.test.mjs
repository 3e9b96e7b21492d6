// UI tests of the .maze custom editor in the real workbench (code-server + chromium), run by test/vscode/run.sh:
// it opens and draws, a click in the webview edits the document (dirty → save → undo), Solve shows a verdict
// checked against BFS, a bad maze shows its errors in the editor and in Problems, and the side panel opens.
// Screenshots go to test-output/vscode/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWebviewFrame, openFile, openWorkbench, runCommand, screenshot, waitFor, workspacePath } from './helpers.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let wb;

before(async () => {
  // A maze model for Solve: the bundled one if this build ships it; else the paper-format fixture, dropped where
  // the extension looks for workspace models (it lists .pth files there as imported models). Its weights are
  // random, so the verdict is ✗, which the test accepts only when no trained model is bundled.
  const runs = workspacePath('.deep-thinking', 'runs');
  fs.mkdirSync(runs, { recursive: true });
  fs.copyFileSync(path.join(repo, 'test/fixtures/pth/maze_dt_recall_2d.pth'), path.join(runs, 'maze_dt_recall_2d.pth'));
  // A fixed iteration count keeps the solve short whatever the model.
  fs.mkdirSync(workspacePath('.vscode'), { recursive: true });
  // A fixed count keeps the solve short whatever the model ('auto' runs to its cap when a model never settles).
  fs.writeFileSync(workspacePath('.vscode', 'settings.json'), JSON.stringify({ 'deepThinking.solve.iterations': '30' }, null, 2));
  wb = await openWorkbench();
});
after(async () => {
  await wb?.close();
});

/** Does this build ship a maze model? Then the check applies: it must solve maze-13.maze (✓ matches BFS). */
function bundledMazeModel() {
  const dir = path.join(repo, 'media', 'models');
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir).some((d) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, d, 'model.json'), 'utf8')).problem === 'mazes';
    } catch {
      return false;
    }
  });
}

/** Centre of cell (r, c) relative to the canvas element, from the geometry the page publishes. */
async function cellPosition(frame, r, c) {
  const d = await frame.locator('#maze').evaluate((el) => ({ ...el.dataset }));
  const scale = Number(d.scale);
  return { x: Number(d.offsetX) + (c + 0.5) * scale, y: Number(d.offsetY) + (r + 0.5) * scale };
}

test('a .maze opens in the maze editor and draws on a canvas', async () => {
  await openFile(wb.page, 'maze-13.maze');
  const frame = await findWebviewFrame(wb.page, '#maze');
  await frame.locator('body[data-state="ready"]').waitFor({ timeout: 60000 });
  assert.equal(await frame.locator('#maze').getAttribute('data-rows'), '15');
  assert.equal(await frame.locator('#maze').getAttribute('data-cols'), '15');
  // One canvas for the maze (the other is the small recovery plot), not a DOM node per cell.
  assert.equal(await frame.locator('#app canvas').count(), 2);
  assert.ok((await frame.locator('#app *').count()) < 225, 'fewer elements than the 13×13 maze has cells');
  await screenshot(wb.page, 'maze-editor-13x13');
});

test('clicking a cell toggles a wall: dirty, saved to disk, undo restores it', async () => {
  const file = workspacePath('maze-13.maze');
  const original = fs.readFileSync(file, 'utf8');
  const frame = await findWebviewFrame(wb.page, '#maze');
  // Row 1 is "#S..#.........#": cell (1, 2) is open.
  await frame.locator('#maze').click({ position: await cellPosition(frame, 1, 2) });
  await wb.page.locator('.tab.active.dirty').waitFor({ timeout: 20000 });
  await wb.page.keyboard.press('Control+S');
  const saved = await waitFor(() => {
    const t = fs.readFileSync(file, 'utf8');
    return t !== original && t;
  }, { timeout: 20000, what: 'the saved wall' });
  assert.equal(saved.split('\n')[1], '#S#.#.........#');
  await screenshot(wb.page, 'maze-editor-wall-added');
  await frame.locator('#maze').focus();
  await wb.page.keyboard.press('Control+Z');
  await wb.page.locator('.tab.active.dirty').waitFor({ timeout: 20000 });
  await wb.page.keyboard.press('Control+S');
  await waitFor(() => fs.readFileSync(file, 'utf8') === original, { timeout: 20000, what: 'undo to reach the disk' });
});

test('Solve shows the per-iteration overlay and a verdict checked against BFS', async () => {
  const frame = await findWebviewFrame(wb.page, '#maze');
  await runCommand(wb.page, 'Deep Thinking: Solve Maze');
  await frame.locator('body[data-state="solved"]').waitFor({ timeout: 150000 });
  const verdict = await frame.locator('#verdict').textContent();
  assert.match(verdict, /✓ matches BFS|✗ \d+ cells? differ from BFS/);
  if (bundledMazeModel()) assert.match(verdict, /✓/, 'the bundled model solves a 13×13 maze');
  assert.match(await frame.locator('#iteration').textContent(), /Iteration 30 \/ 30/);
  await screenshot(wb.page, 'maze-editor-solved');
});

test('a bad .maze shows its errors in the editor and in Problems', async () => {
  await openFile(wb.page, 'bad.maze');
  const frame = await findWebviewFrame(wb.page, '#errors:visible');
  const text = await frame.locator('#errors').textContent();
  assert.match(text, /Line 2, column 4: second start 'S'/);
  assert.match(text, /Line 3, column 3: unknown character 'x'/);
  await runCommand(wb.page, 'View: Focus Problems');
  const problems = wb.page.locator('.markers-panel .monaco-list-row');
  await problems.first().waitFor({ timeout: 30000 });
  const rows = (await problems.allInnerTexts()).join('\n');
  assert.match(rows, /unknown character 'x'/);
  await screenshot(wb.page, 'maze-editor-bad-maze');
});

test('the Deep Thinking side panel opens from the activity bar', async () => {
  await wb.page.locator('.activitybar a[aria-label^="Deep Thinking"], .activitybar .action-item[aria-label^="Deep Thinking"]').first().click();
  // With a single view the pane header is hidden; the side bar's title names the container.
  await wb.page.locator('.part.sidebar .composite.title', { hasText: /Deep Thinking/i }).waitFor({ timeout: 30000 });
  // Webview iframes live in an overlay outside the side bar's DOM: find the page by its entry name.
  await findWebviewFrame(wb.page, 'body[data-entry="sidebar"]');
  await wb.page.waitForTimeout(2000);
  await screenshot(wb.page, 'side-panel');
});

/** Type `text` into the open quick pick / input box and accept the focused row (or the typed value). */
async function quickInput(page, text, { row = text } = {}) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 20000 });
  await input.fill(text);
  if (row) await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: row }).waitFor({ timeout: 20000 });
  await page.keyboard.press('Enter');
}

test('Train Model… with quick picks finishes and the run appears in the side panel', async () => {
  const name = 'ui-train-run';
  await runCommand(wb.page, 'Deep Thinking: Train Model…');
  await quickInput(wb.page, 'Prefix sums');
  // How to train: the default recipe, a seed sweep, or custom width/epochs over the recipe (here: a tiny, fast run).
  await quickInput(wb.page, 'Custom', { row: 'Custom width and epochs' });
  await quickInput(wb.page, 'dt-recall');
  await quickInput(wb.page, '16');
  await quickInput(wb.page, '1', { row: '1' });
  // The titles count the questions: the last one is n/n.
  await wb.page.locator('.quick-input-widget', { hasText: /\(6\/6\): run name/ }).waitFor({ timeout: 20000 });
  await quickInput(wb.page, name, { row: '' });
  const sidebar = await findWebviewFrame(wb.page, 'body[data-entry="sidebar"]');
  await sidebar.getByText(name).first().waitFor({ timeout: 170000 });
  await waitFor(() => fs.existsSync(workspacePath('.deep-thinking', 'runs', name, 'model.json')), { timeout: 60000, what: 'the checkpoint' });
  await screenshot(wb.page, 'side-panel-after-training');
});

