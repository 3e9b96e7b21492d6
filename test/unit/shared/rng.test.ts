import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, deriveSeed } from '../../../src/shared/rng';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 20 }, () => a.next());
  const xb = Array.from({ length: 20 }, () => b.next());
  const xc = Array.from({ length: 20 }, () => c.next());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  for (const x of xa) assert.ok(x >= 0 && x < 1);
});

test('int(n) stays in range and hits every value; roughly uniform', () => {
  const rng = new Rng(1);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 7000; i++) counts[rng.int(7)]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `count ${c} far from 1000`);
  assert.throws(() => rng.int(0), RangeError);
  assert.throws(() => rng.int(2.5), RangeError);
});

test('shuffle is a permutation and reproducible', () => {
  const s1 = new Rng(9).shuffle(Array.from({ length: 50 }, (_, i) => i));
  const s2 = new Rng(9).shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(s1, s2);
  assert.deepEqual([...s1].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(s1, Array.from({ length: 50 }, (_, i) => i));
  const typed = new Rng(3).shuffle(Int32Array.from([1, 2, 3, 4, 5]));
  assert.deepEqual([...typed].sort(), [1, 2, 3, 4, 5]);
});

test('normal() has mean ≈ 0 and std ≈ 1', () => {
  const rng = new Rng(5);
  const n = 20000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  const std = Math.sqrt(s2 / n - mean * mean);
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.05, `std ${std}`);
});

test('deriveSeed gives distinct seeds per index and per seed', () => {
  const seeds = new Set<number>();
  for (let s = 0; s < 10; s++) for (let i = 0; i < 100; i++) seeds.add(deriveSeed(s, i));
  assert.equal(seeds.size, 1000);
  assert.equal(deriveSeed(7, 3), deriveSeed(7, 3));
});
