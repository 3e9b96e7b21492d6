/** The two progressive-loss samplings: the paper's independent n, k and the uniform-total alternative. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../../src/shared/rng';
import { drawNK, type ProgressiveSampling } from '../../../../src/engine/train/progressiveLoss';

function totals(sampling: ProgressiveSampling, maxIters: number, draws: number, seed: number) {
  const rng = new Rng(seed);
  const byTotal = new Array<number>(maxIters + 1).fill(0);
  const pairs = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const { n, k } = drawNK(maxIters, rng, sampling);
    assert.ok(Number.isInteger(n) && Number.isInteger(k) && n >= 0 && k >= 1 && n + k <= maxIters, `${sampling}: n=${n}, k=${k}`);
    byTotal[n + k]++;
    pairs.set(`${n},${k}`, (pairs.get(`${n},${k}`) ?? 0) + 1);
  }
  return { byTotal, pairs };
}

test('independent sampling (the paper): P(n + k = T) = H_T / maxIters, leaning towards long unrolls', () => {
  const M = 6;
  const N = 60_000;
  const { byTotal } = totals('independent', M, N, 11);
  // P(n + k = T) = Σ_{n<T} P(n)·P(k = T − n | n) = Σ_{n=0}^{T−1} 1/M · 1/(M − n).
  for (let T = 1; T <= M; T++) {
    let p = 0;
    for (let n = 0; n < T; n++) p += 1 / M / (M - n);
    const expected = p * N;
    assert.ok(Math.abs(byTotal[T] - expected) < 0.06 * expected, `T=${T}: ${byTotal[T]} vs ${expected.toFixed(0)}`);
  }
  assert.ok(byTotal[M] > 3 * byTotal[1], 'the full length is drawn far more often than one iteration');
});

test('uniform-total sampling: n + k uniform over 1…maxIters, n uniform below it', () => {
  const M = 6;
  const N = 60_000;
  const { byTotal, pairs } = totals('uniform-total', M, N, 12);
  for (let T = 1; T <= M; T++) {
    assert.ok(Math.abs(byTotal[T] - N / M) < 0.06 * (N / M), `T=${T}: ${byTotal[T]} vs ${N / M}`);
    for (let n = 0; n < T; n++) {
      const expected = N / M / T;
      const got = pairs.get(`${n},${T - n}`) ?? 0;
      assert.ok(Math.abs(got - expected) < 0.12 * expected, `(n=${n}, k=${T - n}): ${got} vs ${expected.toFixed(0)}`);
    }
  }
  assert.equal(pairs.size, (M * (M + 1)) / 2); // every legal pair, nothing else
});

test('drawNK: the default is the paper\'s sampling; an unknown sampling is refused by name', () => {
  const a = new Rng(3);
  const b = new Rng(3);
  for (let i = 0; i < 50; i++) assert.deepEqual(drawNK(30, a), drawNK(30, b, 'independent'));
  assert.throws(() => drawNK(5, new Rng(1), 'triangular' as ProgressiveSampling), /sampling must be independent or uniform-total, got triangular/);
});
