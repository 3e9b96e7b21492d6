#!/usr/bin/env bash
# `npm start`: install and build everything, then open real VS Code (code-server on 127.0.0.1) with this
# extension installed and a sample workspace (mazes 9…201, prefix-sum strings, Lichess puzzles). Prints the URL.
# Ctrl-C stops the server. Environment: PORT (default 8080), WORKSPACE (default .deep-thinking-sample/).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
PORT=${PORT:-8080}
WS=${WORKSPACE:-$REPO/.deep-thinking-sample}
CACHE=${VSCODE_TEST_CACHE:-$REPO/test/vscode/.cache}
STATE=$REPO/.deep-thinking-start

command -v chromium >/dev/null && [ -f /usr/include/gssapi/gssapi.h ] || bash scripts/setup-system.sh
[ -d node_modules ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run build --silent
bash test/vscode/setup.sh
npm run package --silent

mkdir -p "$STATE/ud/User" "$STATE/ext"
if ! [ -d "$WS" ]; then
  mkdir -p "$WS"
  cp -r media/samples/mazes media/samples/prefix-sums media/samples/chess "$WS/"
fi
printf '{\n  "workbench.startupEditor": "none",\n  "security.workspace.trust.enabled": false\n}\n' > "$STATE/ud/User/settings.json"
CS=("$CACHE/node24/bin/node" "$CACHE/cs/node_modules/code-server/out/node/entry.js" --user-data-dir "$STATE/ud" --extensions-dir "$STATE/ext")
"${CS[@]}" --install-extension "$REPO/deep-thinking-lab.vsix" --force >/dev/null
echo
echo "Deep Thinking Lab: open http://127.0.0.1:$PORT/?folder=$WS"
echo "(code-server on 127.0.0.1 only; Ctrl-C to stop)"
exec "${CS[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check --disable-workspace-trust "$WS"
