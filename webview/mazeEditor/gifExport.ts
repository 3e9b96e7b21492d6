/**
 * An animated GIF of a solve: one GIF frame per timeline frame, so a person can share the thinking they watched,
 * the damage and the recovery included. Encoding is gifenc's (a small, well-kept encoder with its own colour
 * quantizer); this module only chooses which frames go in and how long each shows.
 */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';

export interface GifFrame {
  /** RGBA pixels, width × height × 4 */
  rgba: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** A GIF of at most this many frames: longer timelines are sampled evenly, keeping the first and the last frame. */
export const MAX_GIF_FRAMES = 240;

/** Timeline positions to put in a GIF of at most `max` frames: all of them, or an even sample with both ends. */
export function gifPositions(count: number, max = MAX_GIF_FRAMES): number[] {
  if (count <= 0) return [];
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const out = new Set<number>();
  for (let k = 0; k < max; k++) out.add(Math.round((k * (count - 1)) / (max - 1)));
  return [...out];
}

/**
 * Encode `frames` as a looping GIF, `delayMs` per frame (the last one held 4× as long, so the answer stays on screen
 * before the loop restarts). Each frame gets its own palette: the maze's few colours and the heat map's ramp fit in
 * 256, so frames come out exact or nearly so.
 */
export function encodeGif(frames: readonly GifFrame[], delayMs: number): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif: no frames');
  const { width, height } = frames[0];
  const gif = GIFEncoder();
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) throw new RangeError(`encodeGif: frame ${i} is ${f.width}×${f.height}, frame 0 is ${width}×${height}`);
    if (f.rgba.length !== width * height * 4) throw new RangeError(`encodeGif: frame ${i} has ${f.rgba.length} bytes, expected ${width * height * 4}`);
    const palette = quantize(f.rgba, 256);
    const index = applyPalette(f.rgba, palette);
    const delay = i === frames.length - 1 && frames.length > 1 ? delayMs * 4 : delayMs;
    gif.writeFrame(index, width, height, { palette, delay, ...(i === 0 ? { repeat: 0 } : {}) });
  });
  gif.finish();
  return gif.bytes();
}
