/**
 * The tile thinker's settings, in one place: the editor, `predict`, `eval`, `bench solve` and the library all start
 * from these, and tests that need the dense computation bit for bit ask for `tolerance: 0` explicitly.
 *
 * - `tileSize` 16 px: a 16-px tile plus the step's 5-px halo is a 26-px patch, the shape the onnxruntime-node
 *   kernels run fastest per useful pixel on the bundled maze net (docs/benchmarks.md, "How big mazes are thought").
 * - `tolerance` 0.1: how much change a tile's neighbourhood may accumulate before the tile is recomputed. The
 *   thought's values are O(1–10) and the answer is one sign per pixel, so lags below 0.1 never change a cell of the
 *   answer while they keep most tiles idle. test/unit/engine/tiles/sparseThinker.test.ts ("the editor's tolerance")
 *   requires the per-cell answer to equal the dense one at every 10th iteration on 14 trained-model mazes.
 * - `selfTolerance` = the tolerance: how far a tile's own values may have moved at its last computation before it is
 *   recomputed anyway, so that a small change the net would amplify (the tip of a growing path) cannot freeze.
 */
export const TILE_DEFAULTS = Object.freeze({ tileSize: 16, tolerance: 0.1, selfTolerance: 0.1 });
