/**
 * Theme colours for canvas drawing, read from VS Code's CSS variables so that light, dark and high-contrast themes
 * all work. VS Code sets `vscode-light` / `vscode-dark` / `vscode-high-contrast(-light)` on <body> and updates the
 * variables in place when the theme changes; `onThemeChange` re-reads them then.
 */

export type Rgba = [r: number, g: number, b: number, a: number];

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  return 'light';
}

/** The computed value of a CSS variable (e.g. `--vscode-editor-background`), or `fallback` when unset. */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

let probe: CanvasRenderingContext2D | null | undefined;

/**
 * Any CSS colour (#rgb, #rrggbbaa, rgb(), rgba(), named) → RGBA bytes, by letting a 1×1 canvas parse it. Falls back
 * to a hex parser where a canvas is unavailable.
 */
export function parseColor(css: string, fallback: Rgba = [128, 128, 128, 255]): Rgba {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(css.trim());
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((ch) => ch + ch).join('');
    if (h.length === 6) h += 'ff';
    if (h.length === 8) {
      return [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgba;
    }
  }
  if (probe === undefined) {
    probe = typeof document !== 'undefined' ? document.createElement('canvas').getContext('2d', { willReadFrequently: true }) : null;
  }
  if (!probe) return fallback;
  // An invalid colour leaves fillStyle unchanged: a sentinel nobody uses tells "invalid" from a real colour.
  const SENTINEL = '#010203';
  probe.fillStyle = SENTINEL;
  probe.fillStyle = css;
  if (probe.fillStyle === SENTINEL && css.trim().toLowerCase() !== SENTINEL) return fallback;
  probe.clearRect(0, 0, 1, 1);
  probe.fillRect(0, 0, 1, 1);
  const d = probe.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3]];
}

/** A theme colour as RGBA bytes: the CSS variable when set, else `fallback`. */
export function themeColor(variable: string, fallback: string): Rgba {
  return parseColor(cssVar(variable, fallback), parseColor(fallback));
}

/** Calls `fn` whenever VS Code switches theme (it rewrites body's class and style attributes). */
export function onThemeChange(fn: () => void): () => void {
  const obs = new MutationObserver(() => fn());
  obs.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  return () => obs.disconnect();
}
