/**
 * Float16 storage for bundled checkpoints ("a few MB each at most"): the weights stay in tfjs's own
 * encoding — a manifest entry { dtype: 'float32', quantization: { dtype: 'float16' } } that tf.io.decodeWeights
 * (and so loadCheckpoint) expands back to float32 on load. Halves weights.bin; the relative error per weight is at
 * most 2^-11 (values below float16's normal range lose more, absolutely < 6e-8).
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN, formatJson } from './format';
import { readCheckpointMeta, writeFileAtomic } from './store';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a float32, rounded to nearest even (±Infinity past 65504, NaN kept). */
export function float16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    // subnormal half (or zero)
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // may carry into the exponent: still correct
  return sign | h;
}

/** Rewrite a float32 checkpoint's weights.bin as float16 (each file replaced atomically). */
export async function quantizeCheckpointFloat16(dir: string): Promise<{ before: number; after: number }> {
  const meta = await readCheckpointMeta(dir);
  const jsonFile = path.join(dir, MODEL_JSON);
  const binFile = path.join(dir, WEIGHTS_BIN);
  const manifest = meta.weightsManifest;
  if (!manifest) throw new Error(`${jsonFile}: no weightsManifest; save the checkpoint with this engine first`);
  const bad = manifest.find((e) => e.dtype !== 'float32' || e.quantization);
  if (bad) throw new Error(`${jsonFile}: weight "${bad.name}" is not plain float32 (already quantized?)`);
  const buf = await readFile(binFile);
  const src = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const want = manifest.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  if (src.length !== want) throw new Error(`${binFile}: ${src.length} floats, the manifest describes ${want}`);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float16Bits(src[i]);
  const raw = JSON.parse(await readFile(jsonFile, 'utf8'));
  raw.weightsManifest = manifest.map((e) => ({ ...e, quantization: { dtype: 'float16' } }));
  raw.weightsStorage = 'float16 (scripts/quantize-model.ts): weights rounded to half precision, expanded to float32 on load';
  // weights.bin first: a crash in between leaves a float16 bin with a float32 manifest, which loading rejects by
  // size with a clear error rather than misreading.
  await writeFileAtomic(binFile, new Uint8Array(out.buffer));
  await writeFileAtomic(jsonFile, formatJson(raw) + '\n');
  return { before: buf.byteLength, after: out.byteLength };
}
