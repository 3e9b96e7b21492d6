#!/usr/bin/env bash
# Reproduces the bundled models in media/models/ (issue #5). Long (hours on 2 CPU cores) and not part of CI.
# Each run writes its best-by-validation checkpoint to .deep-thinking/default-models/<name>/; the curves are then
# recorded into model.json with `eval --record` on fresh test sets (seed 9001, never a training seed) and the
# checkpoint is copied into media/models/<name>/. The exact command of each run is also stored in its model.json.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
OUT=.deep-thinking/default-models
DT="node bin/deep-thinking.js --json"
CSV=${LICHESS_CSV:-../shared/data/lichess_puzzles.csv}
mkdir -p "$OUT"

train() { # train <name> <args…>
  local name=$1; shift
  echo "== $name: deep-thinking train $*" >&2
  $DT train "$@" --out "$OUT/$name" > "$OUT/$name.log"
}
record() { # record <name> <size flag> <size> <max iterations>
  $DT eval --model "$OUT/$1" "--$2" "$3" --iterations "$4" --count 100 --seed 9001 --record >> "$OUT/$1.eval.log"
}
ship() {
  rm -rf "media/models/$1" && cp -r "$OUT/$1" "media/models/$1"
}

# Prefix sums: DT-recall and the two baselines (no recall; feed-forward), trained on 32 bits, selected on 64 bits.
train prefix-sums --problem prefix-sums --model dt-recall --width 64 --max-iters 30 --size 32 --val-size 64 --train-size 10000 --epochs 15 --batch-size 100 --seed 1
train prefix-sums-dt --problem prefix-sums --model dt --width 64 --max-iters 30 --size 32 --val-size 64 --train-size 10000 --epochs 5 --batch-size 100 --seed 1
train prefix-sums-ff --problem prefix-sums --model feedforward --width 64 --max-iters 30 --size 32 --train-size 10000 --epochs 5 --batch-size 100 --seed 1
for m in prefix-sums prefix-sums-dt prefix-sums-ff; do
  record $m length 32 60; record $m length 128 200; record $m length 512 600; ship $m
done

# Mazes: DT-recall and baselines, small enough for a CPU budget (see README, "Bundled models").
train mazes --problem mazes --model dt-recall --width 16 --max-iters 15 --alpha 0.5 --size 7 --val-size 9 --train-size 10000 --epochs 12 --batch-size 32 --seed 3
train mazes-dt --problem mazes --model dt --width 16 --max-iters 15 --alpha 0.5 --size 7 --val-size 9 --train-size 10000 --epochs 4 --batch-size 32 --seed 3
train mazes-ff --problem mazes --model feedforward --width 16 --max-iters 15 --alpha 0.5 --size 7 --train-size 10000 --epochs 4 --batch-size 32 --seed 3
for m in mazes mazes-dt mazes-ff; do
  record $m size 9 60; record $m size 13 100; record $m size 59 1000; ship $m
done

# Chess: DT-recall and feed-forward on the same budget, trained on easy puzzles (rating < 1000).
train chess --problem chess --model dt-recall --width 32 --max-iters 20 --csv "$CSV" --max-rating 1000 --train-size 15000 --epochs 4 --batch-size 64 --seed 1
train chess-ff --problem chess --model feedforward --width 32 --max-iters 20 --csv "$CSV" --max-rating 1000 --train-size 15000 --epochs 4 --batch-size 64 --seed 1
for m in chess chess-ff; do ship $m; done
