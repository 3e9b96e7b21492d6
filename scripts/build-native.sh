#!/usr/bin/env bash
# Builds the optional libtorch backend: native/build/Release/dt_torch.node (src/engine/backends/torch loads it).
# Needs Debian's libtorch-dev (apt-get install libtorch-dev, ~1.1 GB) and a C++ toolchain. Without them it says so
# and exits 0: the backend is optional and wasm is the path that always works.
# TORCH_INCLUDE / TORCH_LIB override where libtorch lives (default /usr/include, /usr/lib/x86_64-linux-gnu).
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_INCLUDE="${TORCH_INCLUDE:-/usr/include}"
TORCH_LIB="${TORCH_LIB:-/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)}"
export TORCH_INCLUDE TORCH_LIB

skip() { echo "build-native: skipped — $1. The torch backend stays unavailable; wasm is used." >&2; exit 0; }

[ -f "$TORCH_INCLUDE/ATen/ATen.h" ] || skip "libtorch headers not found at $TORCH_INCLUDE/ATen (apt-get install libtorch-dev)"
ls "$TORCH_LIB"/libtorch_cpu.so* >/dev/null 2>&1 || skip "libtorch_cpu.so not found in $TORCH_LIB"
command -v g++ >/dev/null || skip "no C++ compiler (apt-get install g++)"
node -e "require.resolve('node-addon-api')" 2>/dev/null || skip "node-addon-api is not installed (npm install)"

# node-gyp ships inside npm; use that copy so the build needs no download. nodedir comes from ~/.npmrc or the
# system headers (/usr/include/node) when present.
GYP="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$GYP" ] || GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$GYP" ] || skip "node-gyp not found (it ships with npm)"
NODEDIR_ARGS=()
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then NODEDIR_ARGS=(--nodedir=/usr); fi

cd native
JOBS="${JOBS:-1}"  # libtorch headers are heavy: one compiler at a time keeps a shared machine usable
node "$GYP" configure "${NODEDIR_ARGS[@]}" >/dev/null
node "$GYP" build "${NODEDIR_ARGS[@]}" --jobs "$JOBS"
echo "build-native: built $(pwd)/build/Release/dt_torch.node against libtorch in $TORCH_LIB"
