// Side panel: models with the selection per problem, live training curves, and the extrapolation chart (uPlot)
// from stored metrics and from evaluation messages.
import assert from 'node:assert/strict';
import { rgb, screenshot, test, THEMES } from './harness.mjs';

const curve = (n, peak, fall = 0) => Array.from({ length: n }, (_, i) => Math.min(peak, (i + 1) / (n / 2)) - (i > n / 2 ? fall * ((i - n / 2) / n) : 0));
const arch = (kind, maxIters = 30) => ({ kind, dims: 2, width: 32, inChannels: 3, maxIters, blocks: 2 });
const MAZE_MODELS = [
  { spec: 'bundled:mazes-dt-recall', name: 'mazes recall', source: 'bundled', problem: 'mazes', architecture: arch('dt-recall'), metrics: { accuracyPerIteration: { 9: curve(40, 1), 13: curve(40, 0.9) } } },
  { spec: 'bundled:mazes-dt', name: 'mazes dt', source: 'bundled', problem: 'mazes', architecture: arch('dt'), metrics: { accuracyPerIteration: { 9: curve(40, 0.9, 0.8), 13: curve(40, 0.6, 0.8) } } },
  { spec: '/ws/runs/ff', name: 'mazes ff', source: 'workspace', problem: 'mazes', architecture: arch('feedforward'), metrics: {} },
];
const PS_MODEL = { spec: 'bundled:ps', name: 'ps recall', source: 'bundled', problem: 'prefix-sums', architecture: { ...arch('dt-recall'), dims: 1, inChannels: 1 } };

/** What the host sends: ModelOptions and stored curve sets (src/extension/sidebarView.ts snapshot()). */
function snapshot({ runs = [], evals = [] } = {}) {
  const models = [...MAZE_MODELS, PS_MODEL];
  return {
    models: models.map((m) => ({ spec: m.spec, name: m.name, problem: m.problem, kind: m.architecture.kind, source: m.source, width: m.architecture.width, maxIters: m.architecture.maxIters })),
    selected: { mazes: MAZE_MODELS[0].spec, 'prefix-sums': PS_MODEL.spec, chess: '' },
    runs,
    curves: [
      ...MAZE_MODELS.filter((m) => m.metrics.accuracyPerIteration).map((m) => ({
        key: `stored:${m.spec}`,
        origin: 'stored',
        problem: 'mazes',
        model: m.spec,
        modelName: m.name,
        kind: m.architecture.kind,
        curves: Object.entries(m.metrics.accuracyPerIteration).map(([size, acc]) => ({ size, iterations: acc.map((_, i) => i + 1), accuracy: acc })),
      })),
      ...evals,
    ],
  };
}

/** Does the canvas under `selector` contain a pixel within `tol` of colour c? */
async function hasColour(page, selector, c, tol = 10) {
  return page.evaluate(
    ({ selector, c, tol }) => {
      for (const canvas of document.querySelectorAll(selector)) {
        const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - c[0]) <= tol && Math.abs(d[i + 1] - c[1]) <= tol && Math.abs(d[i + 2] - c[2]) <= tol && d[i + 3] > 200) return true;
      }
      return false;
    },
    { selector, c, tol },
  );
}
/** Legend entries with the colour and dash their marker shows. */
async function legendStyles(page) {
  const rows = await page.$$eval('#extrapolation .u-legend .u-series', (els) =>
    els.slice(1).map((e) => ({ label: e.querySelector('.u-label').textContent, color: e.querySelector('.u-marker').dataset.color, dash: e.querySelector('.u-marker').dataset.dash, svg: !!e.querySelector('.u-marker svg line') })),
  );
  for (const r of rows) {
    assert.ok(r.svg, `${r.label}: the legend marker draws a line sample`);
    r.rgb = rgb(r.color);
  }
  return rows;
}

const seriesLabels = async (page) => JSON.parse((await page.getAttribute('#extrapolation', 'data-series')) ?? '[]');

test('extrapolation chart draws stored curves, then evaluation messages', { entry: 'sidebar', width: 380, height: 1400 }, async ({ page, host }) => {
  await host.waitFor('ready');
  await host.event('snapshot', snapshot());
  await page.waitForSelector('#extrapolation .uplot');
  assert.equal((await seriesLabels(page)).length, 4, 'two models × two sizes from model.json');
  // uPlot's legend lists x plus the four series; the plot shows each model in its own theme colour.
  assert.equal(await page.locator('#extrapolation .u-legend .u-series').count(), 5);
  // Each legend entry shows the series' colour and dash; each model is drawn in its own colour.
  const before = await legendStyles(page);
  const recall = before.filter((l) => l.label.startsWith('mazes recall'));
  const dt = before.filter((l) => l.label.startsWith('mazes dt'));
  assert.equal(new Set(recall.map((l) => l.color)).size, 1, 'one colour per model');
  assert.notEqual(recall[0].color, dt[0].color, 'two models, two colours');
  assert.notEqual(recall[0].dash, recall[1].dash, 'two sizes of one model differ by dash');
  assert.equal(recall.find((l) => l.label.includes('n=9')).dash, dt.find((l) => l.label.includes('n=9')).dash, 'a size keeps its dash across models');
  for (const l of before) assert.ok(await hasColour(page, '#extrapolation canvas', l.rgb), `${l.label} drawn in ${l.color}`);
  assert.match(await page.textContent('#extrapolation-note'), /stored: the accuracy curve saved in the checkpoint/);

  // An evaluation of the feed-forward model starts and streams a partial curve for size 13.
  const ev = {
    key: 'eval:e1',
    origin: 'eval',
    problem: 'mazes',
    model: MAZE_MODELS[2].spec,
    modelName: 'mazes ff',
    kind: 'feedforward',
    curves: [],
    evalId: 'e1',
    done: 0,
    total: 100,
    finished: false,
  };
  await host.event('curves', ev);
  await page.waitForSelector('[data-eval="e1"] vscode-button');
  await host.event('curves', { ...ev, done: 50, curves: [{ size: '13', iterations: [1, 2, 3, 4, 5], accuracy: [0.1, 0.2, 0.25, 0.25, 0.25] }] });
  await page.waitForFunction(() => JSON.parse(document.querySelector('#extrapolation').dataset.series).length === 5);
  const after = await legendStyles(page);
  for (const l of before) assert.equal(after.find((a) => a.label === l.label).color, l.color, `${l.label} keeps its colour when a model joins`);
  const ff = after.find((l) => l.label.startsWith('mazes ff'));
  assert.ok(!before.some((l) => l.color === ff.color), 'the new model gets a colour of its own');
  assert.ok(await hasColour(page, '#extrapolation canvas', ff.rgb), 'third model drawn');
  assert.match(await page.textContent('[data-eval="e1"]'), /50%/);
  // Cancel from the panel reaches the host.
  await page.click('[data-eval="e1"] vscode-button');
  await host.waitFor((m) => m.type === 'cancelEval' && m.payload.evalId === 'e1');

  // An evaluation of the recall model at size 9 replaces its stored curve of that size.
  await host.event('curves', {
    ...ev,
    key: 'eval:e2',
    evalId: 'e2',
    model: MAZE_MODELS[0].spec,
    modelName: 'mazes recall',
    kind: 'dt-recall',
    finished: true,
    done: 100,
    curves: [{ size: '9', iterations: [1, 2, 3], accuracy: [0.3, 0.9, 1] }],
  });
  await page.waitForFunction(() => JSON.parse(document.querySelector('#extrapolation').dataset.series).length === 5);
  const labels = await seriesLabels(page);
  assert.ok(labels.includes('mazes recall (DT-recall) · n=9'), labels.join(' | '));
  assert.ok(!labels.includes('mazes recall (DT-recall) · n=9 · stored'));
  assert.ok(labels.includes('mazes recall (DT-recall) · n=13 · stored'));
  await screenshot(page, 'sidebar-extrapolation');

  // Another problem shows its own (empty) chart; the choice persists.
  await page.evaluate(() => {
    const s = document.querySelector('#problem');
    s.value = 'chess';
    s.dispatchEvent(new Event('change'));
  });
  assert.equal((await seriesLabels(page)).length, 0);
  assert.match(await page.textContent('#extrapolation-empty'), /No curves for Chess/);
  assert.equal((await host.state()).problem, 'chess');
  await page.click('#evaluate');
  const req = await host.waitFor('evaluate');
  assert.deepEqual(req.params, { problem: 'chess' });
});

test('models list shows the selection and selects on click', { entry: 'sidebar', width: 360, theme: 'light' }, async ({ page, host }) => {
  await host.waitFor('ready');
  await host.event('snapshot', snapshot());
  const rows = page.locator('.sb-model');
  assert.equal(await rows.count(), 4);
  assert.equal(await page.getAttribute(`.sb-model[data-spec="${MAZE_MODELS[0].spec}"]`, 'aria-checked'), 'true');
  assert.equal(await page.getAttribute(`.sb-model[data-spec="${MAZE_MODELS[1].spec}"]`, 'aria-checked'), 'false');
  assert.match(await page.textContent('#models'), /Chess puzzles\s*no model/);
  await page.click(`.sb-model[data-spec="${MAZE_MODELS[1].spec}"]`);
  const req = await host.waitFor('select');
  assert.deepEqual(req.params, { problem: 'mazes', spec: MAZE_MODELS[1].spec });
  await host.respond(req, null);
  // The host answers a selection with a new snapshot.
  const next = snapshot();
  next.selected.mazes = MAZE_MODELS[1].spec;
  await host.event('snapshot', next);
  assert.equal(await page.getAttribute(`.sb-model[data-spec="${MAZE_MODELS[1].spec}"]`, 'aria-checked'), 'true');
});

test('live training curves follow trainProgress', { entry: 'sidebar', width: 360, height: 1200 }, async ({ page, host }) => {
  await host.waitFor('ready');
  await host.event('snapshot', snapshot());
  assert.match(await page.textContent('#run-status'), /No training run yet/);
  const step = (i) => ({ runId: 'mazes-dt-recall-w32', epoch: 1, epochs: 2, step: i, totalSteps: 10, loss: 1 / i, accuracy: i / 10, valAccuracy: i / 12, throughput: 100 + i, lr: 0.001 });
  for (let i = 1; i <= 4; i++) await host.event('trainProgress', step(i));
  await page.waitForFunction(() => document.querySelectorAll('#train-charts .uplot').length === 3);
  assert.match(await page.textContent('#run-status'), /step 4\/10, loss 0\.2500, acc 40\.0%, val 33\.3%, 104 samples\/s/);
  const blue = rgb(THEMES.dark.vars['--vscode-charts-blue']);
  assert.ok(await hasColour(page, '#train-charts [data-chart="loss"] canvas', blue), 'loss curve drawn');
  assert.ok(await hasColour(page, '#train-charts [data-chart="accuracy"] canvas', rgb(THEMES.dark.vars['--vscode-charts-orange'])), 'validation accuracy drawn');
  await screenshot(page, 'sidebar-training');
  // A reload gets the history from the host's snapshot and shows it again.
  await page.reload();
  await host.waitFor('ready');
  await host.event('snapshot', snapshot({ runs: [{ runId: 'mazes-dt-recall-w32', history: [1, 2, 3, 4, 5].map(step) }] }));
  await page.waitForFunction(() => document.querySelectorAll('#train-charts .uplot').length === 3);
  assert.match(await page.textContent('#run-status'), /step 5\/10/);
});

test('the accuracy chart exports as CSV and PNG', { entry: 'sidebar', width: 380, height: 1400 }, async ({ page, host }) => {
  await host.waitFor('ready');
  await host.event('snapshot', snapshot());
  await page.waitForSelector('#extrapolation .uplot');
  await page.click('#export-chart-csv');
  const csv = await host.waitFor('export');
  assert.equal(csv.params.name, 'accuracy-mazes.csv');
  const text = Buffer.from(csv.params.data, 'base64').toString('utf8');
  const rows = text.trim().split('\n');
  assert.match(rows[0], /^iteration,mazes recall \(DT-recall\) · n=9 · stored,/);
  assert.equal(rows.length, 41, 'a header and 40 iterations');
  assert.equal(rows[1].split(',').length, 5, 'iteration + four curves');
  await page.click('#export-chart-png');
  const png = await host.waitFor((m) => m.type === 'export' && m.params.mime === 'image/png');
  assert.equal(Buffer.from(png.params.data, 'base64').subarray(1, 4).toString('latin1'), 'PNG');
});

test('a cancelled run says so and names its checkpoint; the runs of a sweep show together with the kept one', { entry: 'sidebar', width: 360, height: 1200 }, async ({ page, host }) => {
  await host.waitFor('ready');
  const step = (runId, i) => ({ runId, epoch: 1, epochs: 2, step: i, totalSteps: 10, loss: 1 / i, accuracy: i / 10, valAccuracy: i / 12, throughput: 100, lr: 0.001, etaSeconds: 600 });
  const run = (seed, info) => ({ runId: `sw/seed-${seed}`, history: [1, 2].map((i) => step(`sw/seed-${seed}`, i)), info: { sweep: 'sw', seed, ...info } });
  await host.event('snapshot', snapshot({
    runs: [
      run(1, { status: 'done', bestValAccuracy: 0.5, checkpointDir: '/w/runs/sw/seed-1' }),
      run(2, { status: 'done', bestValAccuracy: 0.98, checkpointDir: '/w/runs/sw/seed-2' }),
      run(3, { status: 'cancelled', bestValAccuracy: null, checkpointDir: '/w/runs/.sw/seed-3.stages/stage-1' }),
    ],
  }));
  await page.waitForFunction(() => document.querySelectorAll('#train-charts .uplot').length === 3);
  const text = await page.textContent('#run-status');
  assert.match(text, /sw\/seed-3: .*cancelled; checkpoint in \/w\/runs\/\.sw\/seed-3\.stages\/stage-1/);
  assert.doesNotMatch(text, /min left/, 'a finished run shows no time left');
  assert.match(text, /sweep sw: seed 1: 50\.0%, seed 2: 98\.0% \(kept\), seed 3: cancelled/);
});
