// Prefix sums (Bansal et al. 2022, §3.1; Schwarzschild et al. 2021): given a bit string, output at every
// position the running sum of the bits so far, mod 2. Longer strings are harder; the net sees bit b as b − 0.5
// (one channel, 1-D), so zero bits are not silent zeros.
import type { Encoded, Problem } from './problem';

export interface PrefixSumsPuzzle {
  /** One 0/1 value per position. */
  bits: Uint8Array;
}

/** Parse '0'/'1' text (whitespace ignored). Throws naming the 1-based column of the first bad character. */
export function parseBits(text: string): PrefixSumsPuzzle {
  const bits: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '0' || ch === '1') bits.push(ch === '1' ? 1 : 0);
    else if (!/\s/.test(ch)) throw new SyntaxError(`column ${i + 1}: expected '0' or '1', found ${JSON.stringify(ch)}`);
  }
  if (bits.length === 0) throw new SyntaxError('empty bit string');
  return { bits: Uint8Array.from(bits) };
}

export function bitsToString(bits: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bits.length; i++) s += bits[i] ? '1' : '0';
  return s;
}

/** Running sum mod 2 — the ground truth. */
export function prefixSumsTarget(bits: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bits.length);
  let acc = 0;
  for (let i = 0; i < bits.length; i++) {
    acc ^= bits[i] ? 1 : 0;
    out[i] = acc;
  }
  return out;
}

function checkLength(p: PrefixSumsPuzzle, class1: Float32Array): void {
  if (class1.length !== p.bits.length) {
    throw new RangeError(`prefix-sums: ${class1.length} scores for a ${p.bits.length}-bit puzzle`);
  }
}

export const prefixSumsProblem: Problem<PrefixSumsPuzzle, string> = {
  id: 'prefix-sums',
  label: 'Prefix sums',
  dims: 1,
  inChannels: 1,
  encode(p): Encoded {
    // [L, 1]
    const data = new Float32Array(p.bits.length);
    for (let i = 0; i < data.length; i++) data[i] = (p.bits[i] ? 1 : 0) - 0.5;
    return { data, spatial: [p.bits.length] };
  },
  target: (p) => prefixSumsTarget(p.bits),
  lossMask: () => undefined,
  isCorrect(p, class1) {
    checkLength(p, class1);
    const t = prefixSumsTarget(p.bits);
    for (let i = 0; i < t.length; i++) if ((class1[i] > 0 ? 1 : 0) !== t[i]) return false;
    return true;
  },
  decode(p, class1) {
    checkLength(p, class1);
    let s = '';
    for (let i = 0; i < class1.length; i++) s += class1[i] > 0 ? '1' : '0';
    return s;
  },
};
