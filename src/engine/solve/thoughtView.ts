/**
 * A picture of the hidden state ("the thought" that the recurrence carries, §3 of Bansal et al. 2022), for the
 * maze editor's overlay: one channel, or the first two principal components of all channels. Pure JS on the
 * downloaded thought (NHWC, batch 1), per maze unit (the mean of its 2×2 pixels), so it runs only on request.
 */

export interface ThoughtPicture {
  rows: number;
  cols: number;
  /** rows·cols bytes (channel view: 0 = the channel's minimum, 255 its maximum) or 2·rows·cols (PCA: PC1 then PC2, 128 = 0) */
  bytes: Uint8Array;
  /** PCA: the share of the variance each of the two components explains */
  explained?: [number, number];
}

/** Per-unit mean of the 2×2 pixels of each channel: thought [(2R+2)·(2C+2)·W] → [R·C·W]. */
export function unitFeatures(rows: number, cols: number, width: number, thought: Float32Array): Float32Array {
  const w = 2 * cols + 2;
  if (thought.length !== (2 * rows + 2) * w * width) throw new RangeError(`thought has ${thought.length} values, expected ${(2 * rows + 2) * w * width}`);
  const out = new Float32Array(rows * cols * width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const p = ((1 + 2 * r) * w + 1 + 2 * c) * width;
      const o = (r * cols + c) * width;
      for (let k = 0; k < width; k++) {
        out[o + k] = (thought[p + k] + thought[p + width + k] + thought[p + w * width + k] + thought[p + (w + 1) * width + k]) / 4;
      }
    }
  }
  return out;
}

/** One channel, scaled from its minimum (0) to its maximum (255) over the maze. */
export function channelPicture(rows: number, cols: number, width: number, features: Float32Array, channel: number): ThoughtPicture {
  if (!Number.isInteger(channel) || channel < 0 || channel >= width) throw new RangeError(`channel must be an integer from 0 to ${width - 1}, got ${channel}`);
  const n = rows * cols;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = features[i * width + channel];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.round((255 * (features[i * width + channel] - lo)) / span);
  return { rows, cols, bytes };
}

/** Top eigenvector of a symmetric width×width matrix by power iteration (deterministic start). */
function topEigen(m: Float64Array, width: number): { vector: Float64Array; value: number } {
  let v = new Float64Array(width).map((_, i) => 1 + i / width);
  let value = 0;
  for (let it = 0; it < 200; it++) {
    const next = new Float64Array(width);
    for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) next[i] += m[i * width + j] * v[j];
    const norm = Math.hypot(...next);
    if (norm === 0) return { vector: v, value: 0 };
    for (let i = 0; i < width; i++) next[i] /= norm;
    value = norm;
    v = next;
  }
  return { vector: v, value };
}

/** The first two principal components over the maze's units, each scaled to ±127 around 128. */
export function pcaPicture(rows: number, cols: number, width: number, features: Float32Array): ThoughtPicture {
  const n = rows * cols;
  const mean = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let k = 0; k < width; k++) mean[k] += features[i * width + k] / n;
  const cov = new Float64Array(width * width);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < width; a++) {
      const da = features[i * width + a] - mean[a];
      for (let b = a; b < width; b++) cov[a * width + b] += (da * (features[i * width + b] - mean[b])) / n;
    }
  }
  for (let a = 0; a < width; a++) for (let b = 0; b < a; b++) cov[a * width + b] = cov[b * width + a];
  let total = 0;
  for (let a = 0; a < width; a++) total += cov[a * width + a];
  const first = topEigen(cov, width);
  // Deflate and take the next component.
  for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) cov[a * width + b] -= first.value * first.vector[a] * first.vector[b];
  const second = topEigen(cov, width);
  const bytes = new Uint8Array(2 * n);
  [first.vector, second.vector].forEach((vec, k) => {
    const proj = new Float64Array(n);
    let max = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < width; c++) s += (features[i * width + c] - mean[c]) * vec[c];
      proj[i] = s;
      max = Math.max(max, Math.abs(s));
    }
    for (let i = 0; i < n; i++) bytes[k * n + i] = Math.round(128 + (127 * proj[i]) / (max || 1));
  });
  const share = (v: number) => (total > 0 ? Math.max(0, v) / total : 0);
  return { rows, cols, bytes, explained: [share(first.value), share(second.value)] };
}
