#!/usr/bin/env bash
# Makes a fresh clone ready to build: Debian packages (scripts/setup-system.sh, a no-op when present) and npm
# dependencies (npm ci when node_modules is missing or older than package-lock.json). `npm start` and `npm test`
# both call it first, so either works as the first command on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
QUIET=${BOOTSTRAP_QUIET:-}
log() { [ -n "$QUIET" ] || echo "bootstrap: $*" >&2; }

if ! command -v chromium >/dev/null || ! [ -f /usr/include/gssapi/gssapi.h ]; then
  log "installing Debian packages (scripts/setup-system.sh)"
  bash scripts/setup-system.sh </dev/null
fi

# npm writes node_modules/.package-lock.json on every install: older than the lockfile means the tree is stale.
if ! [ -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci)"
  # onnxruntime-node's postinstall would try to download CUDA binaries; its CPU binaries ship in the package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund </dev/null
fi
