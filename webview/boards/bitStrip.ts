/**
 * The prefix-sums picture: bits wrap into lines; each line has three bands per bit
 *
 *   input      the puzzle bit (1 = filled)
 *   prediction P(prefix sum = 1) at the shown iteration, as a blend between the "0" and "1" colours, so an unsure
 *              bit (P ≈ 0.5) looks washed out — that is the confidence shading
 *   marker     a red tick under every bit the thresholded prediction gets wrong (vs the true running sum mod 2)
 *
 * Everything is drawn into one ImageData (no DOM node or path per bit): 4096 bits redraw in a few milliseconds,
 * so scrubbing stays smooth. Pure: the caller supplies the buffer, so tests run it without a browser.
 */
import type { Rgba } from '../shared/theme';

export interface BitStripLayout {
  n: number;
  perLine: number;
  lines: number;
  /** cell pitch in device pixels (includes the 1-unit gap on its right) */
  cell: number;
  gap: number;
  inputH: number;
  predH: number;
  markH: number;
  /** vertical pitch of one line: inputH + predH + markH + spacing */
  lineH: number;
  width: number;
  height: number;
  dpr: number;
}

export interface BitStripPalette {
  background: Rgba;
  inputOne: Rgba;
  inputZero: Rgba;
  predOne: Rgba;
  predZero: Rgba;
  wrong: Rgba;
}

export interface ImageLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Lay out n bits in a canvas `cssWidth` CSS pixels wide. Cells are 6…28 CSS px; lines hold a multiple of 8 bits. */
export function layoutBitStrip(n: number, cssWidth: number, dpr = 1): BitStripLayout {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`layoutBitStrip: n must be a positive integer, got ${n}`);
  const w = Math.max(64, Math.floor(cssWidth));
  let perLine = Math.min(n, Math.max(16, Math.floor(w / 10)));
  if (perLine >= 8 && perLine < n) perLine -= perLine % 8;
  const cellCss = Math.max(4, Math.min(28, Math.floor(w / perLine)));
  const cell = Math.max(2, Math.floor(cellCss * dpr));
  const gap = cell >= 6 ? Math.max(1, Math.round(dpr)) : 0;
  const inputH = Math.max(2, Math.round(cell * 0.5));
  const predH = cell;
  const markH = Math.max(2, Math.round(cell * 0.3));
  const spacing = Math.max(2, Math.round(cell * 0.45));
  const lineH = inputH + predH + markH + spacing;
  const lines = Math.ceil(n / perLine);
  return { n, perLine, lines, cell, gap, inputH, predH, markH, lineH, width: perLine * cell, height: lines * lineH, dpr };
}

export type Band = 'input' | 'pred' | 'mark';

/** Device-pixel rectangle of bit i's band (without the gap). */
export function cellRect(l: BitStripLayout, i: number, band: Band): { x: number; y: number; w: number; h: number } {
  const line = Math.floor(i / l.perLine);
  const x = (i % l.perLine) * l.cell;
  const top = line * l.lineH;
  const w = l.cell - l.gap;
  switch (band) {
    case 'input':
      return { x, y: top, w, h: l.inputH - l.gap };
    case 'pred':
      return { x, y: top + l.inputH, w, h: l.predH - l.gap };
    case 'mark':
      return { x, y: top + l.inputH + l.predH, w, h: l.markH };
  }
}

/** The bit under a device-pixel point, or -1. */
export function bitAt(l: BitStripLayout, x: number, y: number): number {
  if (x < 0 || y < 0 || x >= l.width || y >= l.height) return -1;
  const i = Math.floor(y / l.lineH) * l.perLine + Math.floor(x / l.cell);
  return i < l.n ? i : -1;
}

/** Thresholded prediction: P(1) ≥ 0.5 ↔ class1 logit ≥ 0 (probs quantised to 0…255, so 128 ≈ 0.502). */
export function predictedBits(probs: Uint8Array): Uint8Array {
  const out = new Uint8Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = probs[i] >= 128 ? 1 : 0;
  return out;
}

/** Indices where the prediction differs from the target. */
export function wrongBits(probs: Uint8Array, target: Uint8Array): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < target.length; i++) if ((probs[i] >= 128 ? 1 : 0) !== target[i]) wrong.push(i);
  return wrong;
}

function fill(img: ImageLike, x0: number, y0: number, w: number, h: number, c: Rgba): void {
  const x1 = Math.min(img.width, x0 + w);
  const y1 = Math.min(img.height, y0 + h);
  const d = img.data;
  for (let y = Math.max(0, y0); y < y1; y++) {
    let o = (y * img.width + Math.max(0, x0)) * 4;
    for (let x = Math.max(0, x0); x < x1; x++, o += 4) {
      d[o] = c[0];
      d[o + 1] = c[1];
      d[o + 2] = c[2];
      d[o + 3] = 255;
    }
  }
}

/** 256-entry lookup of the prediction colour by P(1), so each cell costs one table read. */
function predRamp(p: BitStripPalette): Rgba[] {
  const ramp: Rgba[] = [];
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    ramp.push([
      Math.round(p.predOne[0] * t + p.predZero[0] * (1 - t)),
      Math.round(p.predOne[1] * t + p.predZero[1] * (1 - t)),
      Math.round(p.predOne[2] * t + p.predZero[2] * (1 - t)),
      255,
    ]);
  }
  return ramp;
}

/**
 * Draw bits/target/probs into img (img.width ≥ l.width, img.height ≥ l.height).
 * @param probs P(class 1) per bit, 0…255, or undefined before the first frame (prediction band left empty)
 * @returns the number of wrong bits (0 when probs is undefined)
 */
export function renderBitStrip(
  img: ImageLike,
  l: BitStripLayout,
  bits: Uint8Array,
  target: Uint8Array,
  probs: Uint8Array | undefined,
  palette: BitStripPalette,
): number {
  if (bits.length !== l.n || target.length !== l.n) throw new RangeError(`renderBitStrip: layout is for ${l.n} bits, got ${bits.length}`);
  if (probs && probs.length !== l.n) throw new RangeError(`renderBitStrip: ${probs.length} probabilities for ${l.n} bits`);
  fill(img, 0, 0, img.width, img.height, palette.background);
  const ramp = predRamp(palette);
  let wrong = 0;
  for (let i = 0; i < l.n; i++) {
    const a = cellRect(l, i, 'input');
    fill(img, a.x, a.y, a.w, a.h, bits[i] ? palette.inputOne : palette.inputZero);
    const b = cellRect(l, i, 'pred');
    fill(img, b.x, b.y, b.w, b.h, probs ? ramp[probs[i]] : palette.inputZero);
    if (probs && (probs[i] >= 128 ? 1 : 0) !== target[i]) {
      wrong++;
      const m = cellRect(l, i, 'mark');
      fill(img, m.x, m.y, m.w, m.h, palette.wrong);
    }
  }
  return wrong;
}
