/**
 * The maze's own colours (pure; unit-tested). A maze reads the same in every theme: walls dark, corridors light, the
 * way the paper's figures and the `.maze` text (`#` ink on paper) draw it. The theme only tints the chrome around the
 * maze (toolbar, background outside the grid). Each theme kind gets its own set so the path, S, G and "wrong" marks
 * keep WCAG AA contrast for graphics (≥ 3:1, WCAG 2.1 §1.4.11) against the corridor they sit on, and walls keep ≥ 4.5:1
 * against corridors.
 */
import type { Rgba, ThemeKind } from '../shared/theme';

export interface MazeColors {
  wall: Rgba;
  open: Rgba;
  start: Rgba;
  goal: Rgba;
  /** heat map / path overlay colour (alpha comes from P(path)) */
  path: Rgba;
  wrong: Rgba;
  gridLine: Rgba;
  /** region brushed for damage */
  damage: Rgba;
}

const hex = (s: string): Rgba => [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16), 255];

const STANDARD: MazeColors = {
  wall: hex('#1f2328'),
  open: hex('#f4f1ea'),
  start: hex('#1a7f37'),
  goal: hex('#b3261e'),
  path: hex('#0b5cd5'),
  wrong: hex('#d4006a'),
  gridLine: hex('#8c8c8c'),
  damage: hex('#e36209'),
};

/** Dark themes: the same inks, a slightly dimmer paper so the maze does not glare in a dark room. */
const DARK: MazeColors = { ...STANDARD, open: hex('#e6e1d6'), wall: hex('#16181c') };

/** High contrast: pure black on white, saturated marks. */
const HIGH_CONTRAST: MazeColors = {
  wall: hex('#000000'),
  open: hex('#ffffff'),
  start: hex('#006400'),
  goal: hex('#b00000'),
  path: hex('#0000d0'),
  wrong: hex('#c0007a'),
  gridLine: hex('#000000'),
  damage: hex('#b34700'),
};

export function mazeColors(kind: ThemeKind): MazeColors {
  if (kind === 'high-contrast' || kind === 'high-contrast-light') return HIGH_CONTRAST;
  return kind === 'dark' ? DARK : STANDARD;
}

/** WCAG 2.1 relative luminance of an sRGB colour (alpha ignored). */
export function relativeLuminance(c: Rgba): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}

/** WCAG contrast ratio (1 … 21) between two opaque colours. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** `over` at opacity `alpha` (0..1) composited onto opaque `under`. */
export function blend(over: Rgba, under: Rgba, alpha: number): Rgba {
  const m = (i: number) => Math.round(over[i] * alpha + under[i] * (1 - alpha));
  return [m(0), m(1), m(2), 255];
}

/** Heat-map opacity for P(path) as a byte (0..255): 0.85 at most, so the corridor under it stays recognisable. */
export const HEAT_MAX_ALPHA = 0.85;
