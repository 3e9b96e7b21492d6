// Renders the accuracy-vs-iterations curves stored in the bundled models (media/models/*/model.json,
// metrics.accuracyPerIteration) with the extension's own side-panel chart (the built dist/webview/sidebar.js, uPlot),
// in headless Debian Chromium, and saves docs/curves-<problem>.png. Usage: npm run build && node scripts/plot-curves.mjs
import { readdirSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { openPage, ROOT } from '../test/webview/harness.mjs';

const modelsDir = join(ROOT, 'media/models');
const models = readdirSync(modelsDir)
  .filter((d) => existsSync(join(modelsDir, d, 'model.json')))
  .map((d) => ({ dir: d, meta: JSON.parse(readFileSync(join(modelsDir, d, 'model.json'), 'utf8')) }));
// sizes and rating bands ("800-1200", "2000+") in numeric order, as the side panel sorts them
const order = (k) => (Number.isFinite(parseFloat(k)) ? parseFloat(k) : Infinity);
const problems = [...new Set(models.map((m) => m.meta.problem))];
mkdirSync(join(ROOT, 'docs'), { recursive: true });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const problem of problems) {
    const mine = models.filter((m) => m.meta.problem === problem && Object.keys(m.meta.metrics?.accuracyPerIteration ?? {}).length);
    if (!mine.length) continue;
    const { page, host, context } = await openPage(browser, { entry: 'sidebar', width: 520, height: 1000, theme: 'light' });
    await host.waitFor('ready');
    await host.event('snapshot', {
      models: mine.map((m) => ({ spec: m.dir, name: m.dir, problem, kind: m.meta.architecture.kind, source: 'bundled', width: m.meta.architecture.width, maxIters: m.meta.architecture.maxIters })),
      selected: { mazes: '', 'prefix-sums': '', chess: '', [problem]: mine[0].dir },
      runs: [],
      curves: mine.map((m) => ({
        key: `stored:${m.dir}`,
        origin: 'stored',
        problem,
        model: m.dir,
        modelName: m.dir,
        kind: m.meta.architecture.kind,
        curves: Object.entries(m.meta.metrics.accuracyPerIteration).sort(([a], [b]) => order(a) - order(b)).map(([size, acc]) => ({ size, iterations: acc.map((_, i) => i + 1), accuracy: acc })),
      })),
    });
    await page.evaluate((p) => {
      const s = document.querySelector('#problem');
      if (s && 'value' in s) {
        s.value = p;
        s.dispatchEvent(new Event('change'));
      }
    }, problem);
    await page.waitForSelector('#extrapolation .uplot');
    const file = join(ROOT, 'docs', `curves-${problem}.png`);
    await page.locator('#extrapolation').screenshot({ path: file });
    console.log(`wrote ${file}`);
    await context.close();
  }
} finally {
  await browser.close();
}
