// Renders stored accuracy-vs-iterations curves (model.json, metrics.accuracyPerIteration) with the extension's own
// side-panel chart (the built dist/webview/sidebar.js, uPlot), in headless Debian Chromium.
//   npm run build && node scripts/plot-curves.mjs
//     the bundled models (media/models/*), one docs/curves-<problem>.png per problem
//   node scripts/plot-curves.mjs --out docs/FILE.png [--size N] [--name DIR=LABEL ...] DIR...
//     the given checkpoint directories (e.g. the seeds of a sweep, each evaluated with `eval --record`) on one chart,
//     only the curves at size N when given; a model is labelled by its directory's name unless --name says otherwise
import { readdirSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { openPage, ROOT } from '../test/webview/harness.mjs';

const { values: opts, positionals: dirs } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, size: { type: 'string' }, name: { type: 'string', multiple: true } },
});
if (dirs.length && !opts.out) throw new Error('plot-curves: give --out FILE.png with checkpoint directories');
const names = new Map((opts.name ?? []).map((kv) => [resolve(kv.slice(0, kv.indexOf('='))), kv.slice(kv.indexOf('=') + 1)]));
const readMeta = (dir) => {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) throw new Error(`plot-curves: ${file} does not exist`);
  return JSON.parse(readFileSync(file, 'utf8'));
};
const modelsDir = join(ROOT, 'media/models');
const models = dirs.length
  ? dirs.map((d) => ({ dir: names.get(resolve(d)) ?? basename(resolve(d)), meta: readMeta(d) }))
  : readdirSync(modelsDir)
      .filter((d) => existsSync(join(modelsDir, d, 'model.json')))
      .map((d) => ({ dir: d, meta: JSON.parse(readFileSync(join(modelsDir, d, 'model.json'), 'utf8')) }));
// sizes and rating bands ("800-1200", "2000+") in numeric order, as the side panel sorts them
const order = (k) => (Number.isFinite(parseFloat(k)) ? parseFloat(k) : Infinity);
const problems = [...new Set(models.map((m) => m.meta.problem))];
if (dirs.length && problems.length > 1) throw new Error(`plot-curves: the directories hold models of several problems (${problems.join(', ')})`);
const keep = ([size]) => opts.size === undefined || size === opts.size;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const problem of problems) {
    const mine = models.filter((m) => m.meta.problem === problem && Object.entries(m.meta.metrics?.accuracyPerIteration ?? {}).filter(keep).length);
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
        curves: Object.entries(m.meta.metrics.accuracyPerIteration).filter(keep).sort(([a], [b]) => order(a) - order(b)).map(([size, acc]) => ({ size, iterations: acc.map((_, i) => i + 1), accuracy: acc })),
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
    const file = opts.out ? resolve(opts.out) : join(ROOT, 'docs', `curves-${problem}.png`);
    mkdirSync(dirname(file), { recursive: true });
    await page.locator('#extrapolation').screenshot({ path: file });
    console.log(`wrote ${file}`);
    await context.close();
  }
} finally {
  await browser.close();
}
