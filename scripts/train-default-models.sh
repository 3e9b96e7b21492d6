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

# Prefix sums: DT-recall (trained on 32 bits, selected on 64 bits; the shipped run was stopped by hand during epoch 5,
# after its selection metric saturated at epoch 4) and the feed-forward baseline (the last epoch is shipped).
train prefix-sums --problem prefix-sums --model dt-recall --width 64 --max-iters 30 --size 32 --val-size 64 --train-size 10000 --epochs 15 --batch-size 100 --seed 1
train prefix-sums-ff --problem prefix-sums --model feedforward --width 64 --max-iters 30 --alpha 0 --size 32 --train-size 10000 --epochs 3 --batch-size 100 --seed 1
rm -rf "$OUT/prefix-sums-ff" && cp -r "$OUT/.prefix-sums-ff.last" "$OUT/prefix-sums-ff" && rm -f "$OUT/prefix-sums-ff/"{train-state.json,optimizer.bin}
record prefix-sums length 32 60; record prefix-sums length 128 200; record prefix-sums length 512 600; ship prefix-sums
for L in 32 128 512; do record prefix-sums-ff length $L 30; done; ship prefix-sums-ff

# Mazes: DT-recall, width 32, trained on 5×5 mazes (the paper: 9×9) with 10 iterations, alpha 0.5, no lr throttle,
# selected on 7×7; see README "Bundled models" for why (CPU budget).
train mazes --problem mazes --model dt-recall --width 32 --max-iters 10 --alpha 0.5 --no-lr-throttle --size 5 --val-size 7 --train-size 10000 --epochs 15 --batch-size 32 --seed 5
record mazes size 5 30; record mazes size 7 50; record mazes size 9 80; record mazes size 13 150; ship mazes
