#!/usr/bin/env bash
# Install the Debian packages the test suite needs (idempotent; a no-op when all are present).
#   chromium                      - the browser playwright-core drives (never `playwright install`: offline)
#   build-essential python3 pkg-config - node-gyp toolchain for code-server's native modules
#   libkrb5-dev                   - headers for code-server's `kerberos` native module
# Only the Debian apt mirror and the npm registry are reachable, so everything comes from there.
set -euo pipefail

PACKAGES=(chromium build-essential python3 pkg-config libkrb5-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all packages present (${PACKAGES[*]})"
  exit 0
fi

echo "setup-system: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
apt_install() {
  $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" </dev/null
}
# A fresh image often has no package lists yet: update once, only when the first try fails.
if ! apt_install; then
  echo "setup-system: install failed, running apt-get update once and retrying"
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=600 </dev/null
  apt_install
fi
echo "setup-system: done"
