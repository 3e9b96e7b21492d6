#!/usr/bin/env bash
# `npm start`: install and build what changed, then open real VS Code (code-server on 127.0.0.1) with this extension
# installed and a sample workspace (mazes 9…201, prefix-sum strings, Lichess puzzles). The URL is the last line.
# Quiet: each step's output goes to .deep-thinking-start/logs/ and is shown only when the step fails.
# Quick: the extension is rebuilt and reinstalled only when a source file is newer than the last package.
# Ctrl-C stops the server. Environment: PORT (default 8080), WORKSPACE (default .deep-thinking-sample/).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
PORT=${PORT:-8080}
WS=${WORKSPACE:-$REPO/.deep-thinking-sample}
CACHE=${VSCODE_TEST_CACHE:-$REPO/test/vscode/.cache}
STATE=$REPO/.deep-thinking-start
LOGS=$STATE/logs
VSIX=$REPO/deep-thinking-lab.vsix

# A second instance would fail after minutes of building: check the port first.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "npm start: port $PORT is already in use (another 'npm start'?). Open http://127.0.0.1:$PORT/ or run PORT=$((PORT + 1)) npm start." >&2
  exit 1
fi

mkdir -p "$LOGS" "$STATE/ud/User" "$STATE/ext"

# step NAME CMD...: run quietly; on failure print the step's log and stop.
step() {
  local name=$1
  shift
  printf '%s… ' "$name"
  if "$@" >"$LOGS/$name.log" 2>&1; then
    echo ok
  else
    echo "FAILED"
    echo "---- $LOGS/$name.log ----" >&2
    tail -n 60 "$LOGS/$name.log" >&2
    exit 1
  fi
}

# The same bootstrap as `npm test`: Debian packages and npm dependencies when missing or stale.
step bootstrap bash scripts/bootstrap.sh
step code-server bash test/vscode/setup.sh

# Rebuild and repackage only when something that goes into the .vsix is newer than it.
if ! [ -f "$VSIX" ] || [ -n "$(find src webview media package.json esbuild.mjs -newer "$VSIX" -type f -print -quit)" ]; then
  step package npm run package --silent
fi

if ! [ -d "$WS" ]; then
  mkdir -p "$WS"
  cp -r media/samples/mazes media/samples/prefix-sums media/samples/chess "$WS/"
fi
# The sample workspace lives inside this repository: without the git setting VS Code offers to open the parent
# repository in a toast on every start.
cat > "$STATE/ud/User/settings.json" <<'EOF'
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  "git.autoRepositoryDetection": false
}
EOF
CS=("$CACHE/node24/bin/node" "$CACHE/cs/node_modules/code-server/out/node/entry.js" --user-data-dir "$STATE/ud" --extensions-dir "$STATE/ext")
# Reinstall only a new package.
if ! [ "$STATE/installed.stamp" -nt "$VSIX" ]; then
  step install-extension "${CS[@]}" --install-extension "$VSIX" --force
  touch "$STATE/installed.stamp"
fi

"${CS[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check --disable-workspace-trust "$WS" \
  >"$LOGS/code-server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; exit 0' INT TERM
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "code-server stopped; ---- $LOGS/code-server.log ----" >&2
    tail -n 40 "$LOGS/code-server.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "(code-server on 127.0.0.1 only, log in $LOGS/code-server.log; Ctrl-C to stop)"
echo
echo "Deep Thinking Lab: http://127.0.0.1:$PORT/?folder=$WS"
wait "$SERVER"
