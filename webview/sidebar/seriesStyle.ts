/**
 * How chart series look (pure; unit-tested): a model keeps its colour in every view (whichever problem, run or
 * filter is shown), and a test size keeps its dash, so "the blue dashed line" means the same model and size
 * everywhere. Colours come from the model's id, not from its position in the current list.
 */

/** Dash patterns (uPlot / canvas setLineDash), solid first. */
export const DASHES: number[][] = [[], [8, 4], [2, 3], [12, 3, 2, 3], [4, 6]];

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A colour slot per model id, from its hash. Two models whose hashes collide are separated by probing, in id order
 * over every model the panel knows (not just those on screen), so the assignment is the same in every view.
 */
export function modelColorSlots(allModelIds: readonly string[], slots: number): Map<string, number> {
  const ids = [...new Set(allModelIds)].sort();
  const taken = new Set<number>();
  const out = new Map<string, number>();
  for (const id of ids) {
    let k = fnv(id) % slots;
    // With more models than colours, colours repeat (the label and dash still tell them apart).
    for (let n = 0; n < slots && taken.has(k); n++) k = (k + 1) % slots;
    taken.add(k);
    if (taken.size >= slots) taken.clear();
    out.set(id, k);
  }
  return out;
}

/** A dash per test size, in the sizes' numeric order (so n=13 is solid wherever it appears with n=33). */
export function dashFor(size: string, sizes: readonly string[]): number[] {
  const sorted = [...new Set(sizes)].sort((a, b) => (Number(a) || Infinity) - (Number(b) || Infinity) || a.localeCompare(b));
  return DASHES[Math.max(0, sorted.indexOf(size)) % DASHES.length];
}

/**
 * The label of a curve's size the way the README's results table writes it: mazes and prefix sums "n=13"; chess
 * rating bands "rating 800–1200" / "rating 2000+" (Lichess puzzle ratings), and "all puzzles" for an unbanded run.
 */
export function sizeLabel(problem: string, size: string): string {
  if (problem === 'chess') {
    const band = /^(\d+)\s*[-–]\s*(\d+)$/.exec(size);
    if (band) return `rating ${band[1]}–${band[2]}`;
    const open = /^(\d+)\+$/.exec(size);
    if (open) return `rating ${open[1]}+`;
    return /^\d+$/.test(size) ? 'all puzzles' : size;
  }
  return /^\d+$/.test(size) ? `n=${size}` : size;
}

/** Nice tick steps for an iteration axis: whole iterations only. */
export const ITERATION_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];
