import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blend, contrastRatio, HEAT_MAX_ALPHA, mazeColors, relativeLuminance } from '../../../../webview/mazeEditor/palette';
import type { ThemeKind } from '../../../../webview/shared/theme';

const KINDS: ThemeKind[] = ['dark', 'light', 'high-contrast', 'high-contrast-light'];

test('contrast ratio matches WCAG reference values', () => {
  assert.equal(Math.round(contrastRatio([0, 0, 0, 255], [255, 255, 255, 255]) * 100) / 100, 21);
  assert.equal(contrastRatio([119, 119, 119, 255], [119, 119, 119, 255]), 1);
  // #777777 on white is the classic 4.48:1 (just below AA for text).
  assert.ok(Math.abs(contrastRatio([0x77, 0x77, 0x77, 255], [255, 255, 255, 255]) - 4.48) < 0.01);
});

for (const kind of KINDS) {
  test(`${kind}: walls dark, corridors light, every mark AA against the corridor`, () => {
    const c = mazeColors(kind);
    assert.ok(relativeLuminance(c.wall) < 0.05, 'walls are dark');
    assert.ok(relativeLuminance(c.open) > 0.7, 'corridors are light');
    assert.ok(contrastRatio(c.wall, c.open) >= 4.5, `wall/corridor ${contrastRatio(c.wall, c.open).toFixed(2)}`);
    for (const name of ['start', 'goal', 'path', 'wrong'] as const) {
      const r = contrastRatio(c[name], c.open);
      assert.ok(r >= 3, `${name} on the corridor: ${r.toFixed(2)} < 3 (WCAG 1.4.11)`);
    }
    // The heat map at full confidence must stand out from a bare corridor and remain distinct from walls.
    const hot = blend(c.path, c.open, HEAT_MAX_ALPHA);
    assert.ok(contrastRatio(hot, c.open) >= 3, `heat max on corridor ${contrastRatio(hot, c.open).toFixed(2)}`);
    // S and G carry a letter in the corridor colour at large zoom: AA for large text is 3:1.
    assert.ok(contrastRatio(c.start, c.open) >= 3 && contrastRatio(c.goal, c.open) >= 3);
  });
}
