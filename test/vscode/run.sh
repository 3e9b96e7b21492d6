#!/usr/bin/env bash
# Tests against real VS Code (code-server 4.139 = VS Code 1.139 in Debian's chromium), offline.
#   (a) UI tests:             <UI_DIR>/*.test.mjs   node:test + playwright-core, helpers in ui/helpers.mjs
#   (b) extension-host tests: <SUITE_DIR>/*.test.ts mocha inside the real extension host
# Usage: npm run test:vscode   (or: bash test/vscode/run.sh)
#
# Environment (all optional):
#   EXT_DIR          extension folder to test (default: repo root)
#   SUITE_DIR        extension-host tests (default: test/vscode/suite)
#   UI_DIR           UI tests (default: test/vscode/ui)
#   WORKSPACE_DIR    folder copied fresh as the opened workspace (default: test/vscode/workspace)
#   VSCODE_EXT_MODE  vsix (default): UI tests run the packaged .vsix (`vsce package --no-dependencies`),
#                    which also checks that packaging keeps what the extension needs at runtime;
#                    dev: UI tests load EXT_DIR as extensionDevelopmentPath (no packaging).
#                    Extension-host tests always use extensionDevelopmentPath (that is how VS Code runs them).
#   VSCODE_ONLY      ui | exthost: run one part only
#   VSCODE_UI_FILTER substring of the UI test file names to run
#   VSCODE_TEST_GREP mocha --grep for the extension-host tests
#   SKIP_BUILD=1     do not run `npm run build` in EXT_DIR (npm test has just built)
#   VERBOSE=1        echo browser console messages
#   VSCODE_EXTHOST_TIMEOUT_MS / VSCODE_UI_TIMEOUT_MS   per-suite / per-test limits (300000 / 180000)
# Output: screenshots in test-output/vscode/, logs in test/vscode/.cache/run/, last line
#   "vscode: N passed, M failed". Exit status 0 only when everything ran and passed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${VSCODE_TEST_CACHE:-$HERE/.cache}
abs() { (cd "$1" && pwd); }
EXT_DIR=$(abs "${EXT_DIR:-$REPO}")
SUITE_DIR=$(abs "${SUITE_DIR:-$HERE/suite}")
UI_DIR=$(abs "${UI_DIR:-$HERE/ui}")
WORKSPACE_DIR=$(abs "${WORKSPACE_DIR:-$HERE/workspace}")
MODE=${VSCODE_EXT_MODE:-vsix}
ONLY=${VSCODE_ONLY:-}
OUT=${VSCODE_TEST_OUTPUT:-$REPO/test-output/vscode}
RUN=$CACHE/run
NODE24=$CACHE/node24/bin/node
CS_ENTRY=$CACHE/cs/node_modules/code-server/out/node/entry.js

case "$MODE" in vsix|dev) ;; *) echo "vscode: VSCODE_EXT_MODE must be vsix or dev, not '$MODE'" >&2; exit 2 ;; esac
case "$ONLY" in ''|ui|exthost) ;; *) echo "vscode: VSCODE_ONLY must be ui or exthost, not '$ONLY'" >&2; exit 2 ;; esac

now() { date +%s.%N; }
T_START=$(now)
T_PHASE=$T_START
TIMINGS=()
phase_done() { # record how long the phase since the last call took
  local t; t=$(now)
  TIMINGS+=("$1 $(awk -v a="$T_PHASE" -v b="$t" 'BEGIN{printf "%.1f", b-a}')s")
  T_PHASE=$t
}
fail() { echo "vscode: FAILED: $*" >&2; echo "vscode: 0 passed, 1 failed ($*)"; exit 1; }

# Several agents/terminals share this tree: one run at a time (the run dir and the server are shared).
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
if ! flock -n 9; then
  echo "vscode: another run holds $CACHE/lock; waiting (up to 15 min)" >&2
  flock -w 900 9 || fail "timed out waiting for $CACHE/lock"
fi

# --- 1. code-server + Node 24 (cached) ----------------------------------------------------------
bash "$HERE/setup.sh" || fail "setup (test/vscode/setup.sh)"
phase_done setup

# --- 2. build the extension and the extension-host suite ------------------------------------------
if [ "${SKIP_BUILD:-}" != 1 ]; then
  (cd "$EXT_DIR" && npm run --silent build --if-present) || fail "npm run build in $EXT_DIR"
fi
MAIN=$(node -e 'const p=require(process.argv[1]); process.stdout.write(p.main||"")' "$EXT_DIR/package.json") \
  || fail "cannot read $EXT_DIR/package.json"
[ -n "$MAIN" ] || fail "$EXT_DIR/package.json has no \"main\""
MAIN_PATH=$EXT_DIR/${MAIN#./}
[ -f "$MAIN_PATH" ] || [ -f "$MAIN_PATH.js" ] || fail "extension entry $MAIN_PATH is missing after the build (package.json \"main\": \"$MAIN\")"

rm -rf "$RUN"
mkdir -p "$OUT" && rm -f "$OUT"/*.png   # only this run's screenshots remain
mkdir -p "$RUN/ud" "$RUN/ext" "$RUN/xdg/config" "$RUN/xdg/data" "$RUN/xdg/cache" "$OUT"
if [ "$ONLY" != ui ]; then
  node "$HERE/exthost/buildSuite.mjs" "$SUITE_DIR" "$RUN/suite" || fail "bundling $SUITE_DIR"
  if [ -n "${VSCODE_TEST_GREP:-}" ]; then printf '%s' "$VSCODE_TEST_GREP" > "$RUN/suite/grep.txt"; fi
fi
phase_done build

# keep code-server's and chromium's state out of $HOME
export XDG_CONFIG_HOME=$RUN/xdg/config XDG_DATA_HOME=$RUN/xdg/data XDG_CACHE_HOME=$RUN/xdg/cache
CS=("$NODE24" "$CS_ENTRY" --user-data-dir "$RUN/ud" --extensions-dir "$RUN/ext")

# --- 3. package + install the .vsix (UI tests in vsix mode) ---------------------------------------
if [ "$MODE" = vsix ] && [ "$ONLY" != exthost ]; then
  # Without an ignore list vsce would pack everything, this cache (600 MB) included.
  if ! [ -f "$EXT_DIR/.vscodeignore" ] && ! node -e 'process.exit(Array.isArray(require(process.argv[1]).files)?0:1)' "$EXT_DIR/package.json"; then
    fail "$EXT_DIR has no .vscodeignore (nor package.json \"files\"); vsce would pack test/vscode/.cache. Add one, or use VSCODE_EXT_MODE=dev"
  fi
  VSIX=$RUN/extension.vsix
  (cd "$EXT_DIR" && "$REPO/node_modules/.bin/vsce" package --no-dependencies --skip-license --allow-missing-repository --no-rewrite-relative-links \
     -o "$VSIX" </dev/null >"$RUN/vsce.log" 2>&1) || { cat "$RUN/vsce.log" >&2; fail "vsce package in $EXT_DIR"; }
  # python3 (a setup-system.sh package) lists the zip, so unzip need not be installed
  VSIX_FILES=$(python3 -c 'import sys,zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$VSIX")
  echo "vscode: packaged $(grep -c '^extension/' <<<"$VSIX_FILES") files, $(du -k "$VSIX" | cut -f1) KiB"
  if grep -qE '^extension/(test/vscode/\.cache|node_modules|\.tmp)/' <<<"$VSIX_FILES"; then
    echo "vscode: warning: the .vsix holds test/vscode/.cache, node_modules or .tmp files; fix .vscodeignore" >&2
  fi
  "${CS[@]}" --install-extension "$VSIX" </dev/null >"$RUN/install-extension.log" 2>&1 \
    || { cat "$RUN/install-extension.log" >&2; fail "code-server --install-extension"; }
  phase_done package
fi

# Quiet, deterministic workbench: no welcome page, no chat/AI panel, no update or telemetry traffic.
mkdir -p "$RUN/ud/User"
cat > "$RUN/ud/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "chat.commandCenter.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "git.enabled": false
}
JSON

# --- 4. start code-server on 127.0.0.1 (a secure context, so webviews' service workers work over http)
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# setsid: its own process group, so the exit trap can end the server and everything it spawned
# (extension host, file watcher) by this one id.
setsid "${CS[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --vscode-option enable-smoke-test-driver \
  </dev/null >"$RUN/code-server.log" 2>&1 9>&- &
CS_PID=$!
stop_server() {
  kill -TERM -- "-$CS_PID" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$CS_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$CS_PID" 2>/dev/null || true
}
trap stop_server EXIT
ORIGIN=http://127.0.0.1:$PORT
healthy() { # node's fetch rather than curl, which a bare image may lack
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$ORIGIN/healthz"
}
for _ in $(seq 1 150); do
  healthy && break
  kill -0 "$CS_PID" 2>/dev/null || { cat "$RUN/code-server.log" >&2; fail "code-server exited at start"; }
  sleep 0.1
done
healthy || { cat "$RUN/code-server.log" >&2; fail "code-server not answering on $ORIGIN"; }
phase_done server-start
echo "vscode: code-server $ORIGIN (pid $CS_PID), extension $EXT_DIR, mode $MODE"

UI_PASS=0 UI_FAIL=0 EH_PASS=0 EH_FAIL=0
read_counts() { # <result.json> -> "passes failures"; a missing file means the part broke: 1 failure
  node -e 'try{const r=require(process.argv[1]);console.log(r.passes,r.failures)}catch{console.log(0,1)}' "$1"
}

# --- 5. UI tests ------------------------------------------------------------------------------------
if [ "$ONLY" != exthost ]; then
  cp -r "$WORKSPACE_DIR" "$RUN/ws-ui"
  echo "vscode: UI tests from $UI_DIR"
  VSCODE_URL=$ORIGIN VSCODE_WORKSPACE=$RUN/ws-ui VSCODE_TEST_OUTPUT=$OUT \
    VSCODE_DEV_EXT=$([ "$MODE" = dev ] && echo "$EXT_DIR" || true) \
    node "$HERE/ui/runUi.mjs" "$UI_DIR" "$RUN/ui-results.json" "${VSCODE_UI_FILTER:-}" || true
  read -r UI_PASS UI_FAIL < <(read_counts "$RUN/ui-results.json")
  # CI keeps no screenshots: print what the server and each window's extension host said, so a failure
  # that does not happen here can still be read from the CI log.
  if [ "$UI_FAIL" != 0 ]; then
    echo "vscode: UI failures; server and extension host logs (all logs: $RUN/ud/logs):" >&2
    find "$RUN/ud/logs" -name 'remoteagent.log' -exec grep -hE '\[(error|warning)\]' {} + 2>/dev/null | tail -n 20 >&2 || true
    for eh in "$RUN"/ud/logs/*/exthost*; do
      [ -d "$eh" ] || continue
      echo "--- ${eh#"$RUN"/ud/logs/}" >&2
      grep -hE '\[(error|warning)\]' "$eh/remoteexthost.log" 2>/dev/null | tail -n 15 >&2 || true
      tail -n 15 "$eh/deep-thinking-lab.deep-thinking-lab/Deep Thinking.log" 2>/dev/null >&2 || true
    done
  fi
  phase_done ui
fi

# --- 6. extension-host tests --------------------------------------------------------------------------
if [ "$ONLY" != ui ]; then
  cp -r "$WORKSPACE_DIR" "$RUN/ws-exthost"
  echo "vscode: extension-host tests from $SUITE_DIR"
  set +e
  node "$HERE/exthost/exthostDriver.mjs" "$ORIGIN" "$RUN/ws-exthost" "$EXT_DIR" "$RUN/suite/index.js" 2>&1 \
    | tee "$RUN/exthost.log"
  EH_RC=${PIPESTATUS[0]}
  set -e
  read -r EH_PASS EH_FAIL < <(read_counts "$RUN/suite/results.json")
  # exit code without failures recorded: a timeout, or the driver broke
  if [ "$EH_RC" != 0 ] && [ "$EH_FAIL" = 0 ]; then EH_FAIL=1; fi
  if [ "$EH_FAIL" != 0 ] || ! [ -f "$RUN/suite/results.json" ]; then
    echo "vscode: errors and warnings from the extension host logs (all logs: $RUN/ud/logs):" >&2
    find "$RUN/ud/logs" -name 'remoteexthost.log' -exec grep -hE '\[(error|warning)\]' {} + 2>/dev/null | tail -n 30 >&2 || true
  fi
  phase_done exthost
fi

stop_server
trap - EXIT
phase_done stop
TOTAL=$(awk -v a="$T_START" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}')
echo "vscode: timings: ${TIMINGS[*]} total ${TOTAL}s; screenshots in ${OUT#"$REPO"/}"
PASS=$((UI_PASS + EH_PASS)) FAILED=$((UI_FAIL + EH_FAIL))
echo "vscode: $PASS passed, $FAILED failed (ui: $UI_PASS passed, $UI_FAIL failed; extension host: $EH_PASS passed, $EH_FAIL failed)"
[ "$FAILED" = 0 ] && [ "$PASS" -gt 0 ]
