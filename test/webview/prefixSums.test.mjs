// Prefix-sums playground: frames render with wrong bits marked, the scrubber changes the iteration, compare mode
// runs two models, bad input is refused, and a reload restores the page from its saved state.
import assert from 'node:assert/strict';
import { near, painted, pixel, rgb, screenshot, test, THEMES, u8 } from './harness.mjs';

const MODELS = [
  { spec: 'bundled:prefix-sums-dt-recall', name: 'DT-recall 32', problem: 'prefix-sums', kind: 'dt-recall', source: 'bundled', width: 32, maxIters: 30 },
  { spec: '/ws/.deep-thinking/runs/ff', name: 'FF 32', problem: 'prefix-sums', kind: 'feedforward', source: 'workspace', width: 32, maxIters: 30 },
];
const BITS = '1011001110001011';
const target = (bits) => {
  let acc = 0;
  return [...bits].map((b) => (acc ^= Number(b)));
};
/** P(1) bytes that match the target except at `wrong` indices. */
const probsFor = (bits, wrong = []) => target(bits).map((t, i) => ((wrong.includes(i) ? 1 - t : t) ? 230 : 20));

async function setBits(page, bits) {
  await page.evaluate((b) => {
    const f = document.querySelector('#bits');
    f.value = b;
    f.dispatchEvent(new Event('input', { bubbles: true }));
  }, bits);
}

/** Centre of bit i's band in device pixels, from the layout the page publishes on the canvas. */
async function bandCentre(page, slot, i, band) {
  const l = JSON.parse(await page.getAttribute(`#strip-${slot}`, 'data-layout'));
  const line = Math.floor(i / l.perLine);
  const x = (i % l.perLine) * l.cell + (l.cell - l.gap) / 2;
  const top = line * l.lineH;
  const y = band === 'input' ? top + l.inputH / 2 : band === 'pred' ? top + l.inputH + l.predH / 2 : top + l.inputH + l.predH + l.markH / 2;
  return { x, y };
}

async function init(host) {
  await host.waitFor('ready');
  await host.event('init', { models: MODELS, selected: MODELS[0].spec });
}

test('renders frames, marks wrong bits, scrubber changes iteration', { entry: 'prefixSums' }, async ({ page, host }) => {
  await init(host);
  await setBits(page, BITS);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  assert.equal(req.params.bits, BITS);
  assert.equal(req.params.slot, 0);
  assert.equal(req.params.model, MODELS[0].spec);
  const { runId } = req.params;
  await host.event('frame', { slot: 0, runId, iteration: 1, probs: u8(probsFor(BITS, [3, 9])), confidence: 0.7 });
  await host.event('frame', { slot: 0, runId, iteration: 2, probs: u8(probsFor(BITS)), confidence: 0.9 });
  await host.respond(req, { slot: 0, runId, model: MODELS[0].spec, iterations: 2, correct: true, cancelled: false, ms: 12 });
  await painted(page);

  const dark = THEMES.dark.vars;
  // Newest frame shown: all right, no red marker.
  assert.equal(await page.getAttribute('#strip-0', 'data-iteration'), '2');
  assert.equal(await page.getAttribute('#strip-0', 'data-wrong'), '0');
  let m = await bandCentre(page, 0, 3, 'mark');
  assert.ok(near(await pixel(page, '#strip-0', m.x, m.y), rgb(dark['--vscode-editor-background'])), 'no marker at iteration 2');
  assert.match(await page.textContent('#status-0'), /all bits right/);

  // Scrub back to iteration 1: bits 3 and 9 are wrong and marked red; bit 2 is not.
  await page.evaluate(() => {
    const r = document.querySelector('.timeline-range');
    r.value = '0';
    r.dispatchEvent(new Event('input'));
  });
  await painted(page);
  assert.equal(await page.getAttribute('#strip-0', 'data-iteration'), '1');
  assert.equal(await page.getAttribute('#strip-0', 'data-wrong'), '2');
  assert.match(await page.textContent('.timeline-label'), /iteration 1 \/ 2/);
  const red = rgb(dark['--vscode-charts-red']);
  for (const i of [3, 9]) {
    m = await bandCentre(page, 0, i, 'mark');
    assert.ok(near(await pixel(page, '#strip-0', m.x, m.y), red), `red marker under wrong bit ${i}`);
  }
  m = await bandCentre(page, 0, 2, 'mark');
  assert.ok(!near(await pixel(page, '#strip-0', m.x, m.y), red), 'no marker under a right bit');
  assert.match(await page.textContent('#status-0'), /2 wrong bits/);

  // Confidence shading: P(1) = 230/255 is close to the "1" colour, 20/255 close to the "0" colour.
  const one = rgb(dark['--vscode-charts-blue']);
  // A 0 is 30 % of the foreground over the background (visible on dark themes).
  const fg = rgb(dark['--vscode-editor-foreground']);
  const zero = rgb(dark['--vscode-editor-background']).map((c, k) => Math.round(fg[k] * 0.3 + c * 0.7));
  const mix = (p) => one.map((c, k) => Math.round(c * p + zero[k] * (1 - p)));
  const b0 = await bandCentre(page, 0, 0, 'pred'); // target[0] = 1 → 230
  assert.ok(near(await pixel(page, '#strip-0', b0.x, b0.y), mix(230 / 255), 3));
  const b1 = await bandCentre(page, 0, 1, 'pred'); // target[1] = 1 (1,0 → 1) ; bit 2: 1,0,1 → 0
  const b2 = await bandCentre(page, 0, 2, 'pred');
  assert.ok(near(await pixel(page, '#strip-0', b1.x, b1.y), mix(230 / 255), 3));
  assert.ok(near(await pixel(page, '#strip-0', b2.x, b2.y), mix(20 / 255), 3));
  // Input band shows the puzzle bits.
  const i0 = await bandCentre(page, 0, 0, 'input');
  const i1 = await bandCentre(page, 0, 1, 'input');
  assert.ok(near(await pixel(page, '#strip-0', i0.x, i0.y), rgb(dark['--vscode-editor-foreground'])));
  assert.ok(near(await pixel(page, '#strip-0', i1.x, i1.y), zero));

  // The run and its frames are persisted for a reload.
  await page.waitForFunction(() => window.__host.state?.slots?.[0]?.frames?.length === 2);
  const st = await host.state();
  assert.equal(st.bits, BITS);
  assert.equal(st.shown, 1);
  await screenshot(page, 'prefixSums-frames');
});

test('restores bits, frames and the shown iteration from saved state', { entry: 'prefixSums' }, async ({ page, host }) => {
  // First page: produce a state.
  await init(host);
  await setBits(page, BITS);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  const { runId } = req.params;
  await host.event('frame', { slot: 0, runId, iteration: 3, probs: u8(probsFor(BITS, [5])), confidence: 0.6 });
  await host.event('frame', { slot: 0, runId, iteration: 7, probs: u8(probsFor(BITS)), confidence: 0.95 });
  await host.respond(req, { slot: 0, runId, model: MODELS[0].spec, iterations: 7, correct: true, cancelled: false, ms: 5 });
  await page.evaluate(() => {
    const r = document.querySelector('.timeline-range');
    r.value = '0';
    r.dispatchEvent(new Event('input'));
  });
  await page.waitForFunction(() => window.__host.state?.shown === 3 && window.__host.state?.slots?.[0]?.frames?.length === 2);
  const saved = await host.state();

  // Reload: the new page's getState() returns the saved state (as in VS Code); nothing is re-run.
  await page.reload();
  assert.deepEqual(await page.evaluate(() => window.__host.state), saved);
  await host.waitFor('ready');
  await host.event('init', { models: MODELS, selected: MODELS[0].spec });
  await painted(page);
  const posted = await host.posted();
  assert.ok(!posted.some((m) => m.type === 'solve'), 'restore must not re-run the model');
  assert.equal(await page.inputValue('.timeline-range'), '0');
  assert.equal(await page.getAttribute('#strip-0', 'data-iteration'), '3');
  assert.equal(await page.getAttribute('#strip-0', 'data-wrong'), '1');
  assert.equal(await page.evaluate(() => document.querySelector('#bits').value), BITS);
});

test('compare runs two models side by side', { entry: 'prefixSums' }, async ({ page, host }) => {
  await init(host);
  await setBits(page, BITS);
  await page.click('#compare');
  await page.click('#solve');
  await host.waitFor((m) => m.type === 'solve' && m.params.slot === 1);
  const reqs = (await host.posted()).filter((m) => m.type === 'solve');
  assert.deepEqual(reqs.map((r) => r.params.slot).sort(), [0, 1]);
  const a = reqs.find((r) => r.params.slot === 0);
  const b = reqs.find((r) => r.params.slot === 1);
  assert.notEqual(a.params.model, b.params.model, 'the second slot defaults to another model');
  await host.event('frame', { slot: 0, runId: a.params.runId, iteration: 4, probs: u8(probsFor(BITS)), confidence: 0.9 });
  await host.event('frame', { slot: 1, runId: b.params.runId, iteration: 4, probs: u8(probsFor(BITS, [0, 1, 2])), confidence: 0.5 });
  await painted(page);
  assert.ok(await page.isVisible('#strip-1'));
  assert.equal(await page.getAttribute('#strip-0', 'data-wrong'), '0');
  assert.equal(await page.getAttribute('#strip-1', 'data-wrong'), '3');
  // Cancel goes to both running slots.
  await page.click('#cancel');
  await host.waitFor((m) => m.type === 'cancel' && m.payload.slot === 1);
  await host.respond(a, { slot: 0, runId: a.params.runId, model: a.params.model, iterations: 4, correct: true, cancelled: true, ms: 3 });
  await host.fail(b, 'engine: model not found');
  await page.waitForFunction(() => /model not found/.test(document.querySelector('#status-1').textContent));
  await screenshot(page, 'prefixSums-compare');
});

test('refuses a malformed bit string and generates 4096 bits', { entry: 'prefixSums', theme: 'light' }, async ({ page, host }) => {
  await init(host);
  await setBits(page, '10101x01');
  assert.match(await page.textContent('#bits-info'), /column 6: expected '0' or '1'/);
  assert.equal(await page.getAttribute('#solve', 'disabled'), '');
  await page.evaluate(() => (document.querySelector('#length').value = '4096'));
  await page.click('#generate');
  assert.match(await page.textContent('#bits-info'), /^4096 bits/);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  assert.equal(req.params.bits.length, 4096);
  const probs = probsFor(req.params.bits, [4095]);
  await host.event('frame', { slot: 0, runId: req.params.runId, iteration: 1, probs: u8(probs), confidence: 0.9 });
  await painted(page);
  assert.equal(await page.getAttribute('#strip-0', 'data-wrong'), '1');
  const m = await bandCentre(page, 0, 4095, 'mark');
  assert.ok(near(await pixel(page, '#strip-0', m.x, m.y), rgb(THEMES.light.vars['--vscode-charts-red'])), 'last bit marked');
  // 4096 bits are taller than the panel: the page scrolls (media/webview.css keeps body itself unscrollable).
  const box = await page.evaluate(() => {
    const a = document.querySelector('#app');
    a.scrollTop = a.scrollHeight;
    return { overflowY: getComputedStyle(a).overflowY, scrollHeight: a.scrollHeight, clientHeight: a.clientHeight, scrollTop: a.scrollTop };
  });
  assert.equal(box.overflowY, 'auto');
  assert.ok(box.scrollHeight > box.clientHeight && box.scrollTop > 0, JSON.stringify(box));
});

test('follows a theme switch (high contrast): canvas colours are re-read from the CSS variables', { entry: 'prefixSums', theme: 'high-contrast' }, async ({ page, host }) => {
  await init(host);
  await setBits(page, BITS);
  await page.click('#solve');
  const req = await host.waitFor('solve');
  await host.event('frame', { slot: 0, runId: req.params.runId, iteration: 1, probs: u8(probsFor(BITS, [6])), confidence: 0.8 });
  await painted(page);
  const m = await bandCentre(page, 0, 6, 'mark');
  assert.ok(near(await pixel(page, '#strip-0', m.x, m.y), rgb(THEMES['high-contrast'].vars['--vscode-charts-red'])));
  await screenshot(page, 'prefixSums-high-contrast');
  // VS Code switches theme by rewriting body's class and variables.
  await page.evaluate(() => {
    document.body.className = 'vscode-light';
    document.body.style.setProperty('--vscode-charts-red', '#00c000');
    document.body.style.setProperty('--vscode-editor-background', '#fafafa');
  });
  await painted(page);
  assert.ok(near(await pixel(page, '#strip-0', m.x, m.y), [0, 192, 0]), 'marker drawn in the new theme colour');
  // The spacing below the marker band is the new editor background.
  const l = JSON.parse(await page.getAttribute('#strip-0', 'data-layout'));
  assert.ok(near(await pixel(page, '#strip-0', m.x, l.inputH + l.predH + l.markH + 1), [250, 250, 250]), 'background re-read');
});

test('0 bits stand out from a dark background; the legend shows their colour', { entry: 'prefixSums' }, async ({ page, host }) => {
  await init(host);
  await setBits(page, '0101');
  await painted(page);
  const lum = ([r, g, b]) => [r, g, b].map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const { x, y } = await bandCentre(page, 0, 0, 'input');
  const zero = (await pixel(page, '#strip-0', x, y)).slice(0, 3);
  const bg = rgb(THEMES.dark.vars['--vscode-editor-background']);
  assert.ok(ratio(zero, bg) >= 1.5, `a 0 bit ${zero} is visible on ${bg}: ${ratio(zero, bg).toFixed(2)}`);
  const swatch = (await page.evaluate(() => getComputedStyle(document.querySelector('.sw-zero')).backgroundColor)).match(/\d+/g).slice(0, 3).map(Number);
  assert.ok(near(swatch, zero), `legend swatch ${swatch} = drawn 0 bit ${zero}`);
});
