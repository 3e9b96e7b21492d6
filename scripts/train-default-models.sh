#!/usr/bin/env bash
# Reproduces the bundled models in media/models/. Long (hours on 2 CPU cores) and not part of CI.
# Each run writes its best-by-validation checkpoint to .deep-thinking/default-models/<name>/; the curves are then
# recorded into model.json with `eval --record` on fresh test sets (seed 9001, never a training seed) and the
# checkpoint is copied into media/models/<name>/. The exact command of each run is also stored in its model.json.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
OUT=.deep-thinking/default-models
DT="node bin/deep-thinking.js --json"
# The Lichess puzzle CSVs (standard header) are not in the repository: point LICHESS_CSV and LICHESS_TEST_CSV at them.
CSV=${LICHESS_CSV:?set LICHESS_CSV to the Lichess puzzle CSV used for training}
mkdir -p "$OUT"

train() { # train <name> <args…>
  local name=$1; shift
  echo "== $name: deep-thinking train $*" >&2
  $DT train "$@" --out "$OUT/$name" > "$OUT/$name.log"
}
record() { # record <name> <size flag> <size> <max iterations>: the whole curve 1…max goes into model.json
  $DT eval --model "$OUT/$1" "--$2" "$3" --iterations "$4" --count 100 --seed 9001 --record >> "$OUT/$1.eval.log"
}
ship() {
  rm -rf "media/models/$1" && cp -r "$OUT/$1" "media/models/$1"
}

# Prefix sums: DT-recall (16 bits, then 32 bits selected on 64 bits; about a minute) and the feed-forward baseline
# (the last epoch is shipped). The recipes (src/shared/recipes.ts) hold every training field; `train --recipe NAME`
# runs them.
train prefix-sums --recipe prefix-sums --seed 1
train prefix-sums-ff --recipe prefix-sums-ff --seed 1
rm -rf "$OUT/prefix-sums-ff" && cp -r "$OUT/.prefix-sums-ff.last" "$OUT/prefix-sums-ff" && rm -f "$OUT/prefix-sums-ff/"{train-state.json,optimizer.bin}
record prefix-sums length 32 60; record prefix-sums length 128 200; record prefix-sums length 512 600; ship prefix-sums
for L in 32 128 512; do record prefix-sums-ff length $L 30; done; ship prefix-sums-ff
# 1.9 M params at float32 is 7.5 MB: store it as float16 (tfjs quantization encoding), 3.7 MB.
npx tsx scripts/quantize-model.ts media/models/prefix-sums-ff

# Prefix-sum baseline without recall (the paper's DT: full-depth loss, alpha 0), for the chart.
train prefix-sums-dt --recipe prefix-sums-dt --seed 1
record prefix-sums-dt length 32 60; record prefix-sums-dt length 128 200; record prefix-sums-dt length 512 200; ship prefix-sums-dt

# Mazes: DT-recall, width 32, the two-stage curriculum of the `mazes-bundled` recipe on the libtorch backend (see README
# "Bundled models"): 5×5 mazes at 10 iterations, then 9×9 at 30 iterations from those weights, selected on 13×13.
# Two seeds; the sweep keeps the better by that validation (sweep.json).
$DT train --recipe mazes-bundled --seeds 11,12 --out "$OUT/mazes-sweep" > "$OUT/mazes-sweep.log"
BEST=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).kept)' "$OUT/mazes-sweep/sweep.json")
echo "== mazes: shipping $BEST (best 13×13 validation of the seeds)" >&2
rm -rf "$OUT/mazes" && cp -r "$OUT/mazes-sweep/$BEST" "$OUT/mazes"
record mazes size 9 60; record mazes size 13 150; ship mazes
# 59×59 is reported, not recorded (20–50 mazes at up to 1000 iterations take ~15 min): see README.
$DT eval --model "$OUT/mazes" --size 59 --count 50 --seed 9001 --iterations 500,700,1000 >> "$OUT/mazes.eval.log"

# Maze baselines for the chart, trained like stage 1 (5×5, 10 iterations) with the full-depth loss (alpha 0):
# a DT without recall and the feed-forward net (10 untied layers, so it cannot think past iteration 10).
train mazes-dt --recipe mazes-dt --seed 5
train mazes-ff --recipe mazes-ff --seed 5
record mazes-dt size 5 30; record mazes-dt size 9 60; record mazes-dt size 13 150; ship mazes-dt
for S in 5 9 13; do record mazes-ff size $S 10; done; ship mazes-ff

# Chess: DT-recall and the feed-forward baseline on the same budget (width 64, 20 iterations/layers, Adam, 8 epochs)
# on the easy puzzles (rating < 1200) of the training CSV; curves per rating band of the test CSV.
TEST_CSV=${LICHESS_TEST_CSV:?set LICHESS_TEST_CSV to the held-out Lichess puzzle CSV}
for name in chess chess-ff; do
  its=40; [ $name = chess-ff ] && its=20  # a 20-layer net stops at 20
  train $name --recipe $name --csv "$CSV" --seed 1
  for band in "--min-rating 0 --max-rating 800" "--min-rating 800 --max-rating 1200" "--min-rating 1200 --max-rating 1600" \
              "--min-rating 1600 --max-rating 2000" "--min-rating 2000"; do
    $DT eval --model "$OUT/$name" --csv "$TEST_CSV" $band --count 10000 --iterations $its --record >> "$OUT/$name.eval.log"
  done
  if [ $name = chess ]; then ship $name; fi  # the feed-forward net (15 MB) is reported, not shipped
done
