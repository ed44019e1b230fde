#!/usr/bin/env bash
# Installs the Debian packages the test suite drives besides Node: tmux (the terminal-screen
# tests) and chromium (the statechart explorer's browser tests, through playwright-core, which
# downloads no browser of its own) with fonts-liberation: the diagrams are laid out with Helvetica's
# metrics, and without a metric-compatible font chromium draws labels wider than their boxes;
# redis-server, for the cluster tests that stop and start a Redis of their own (the others use
# the machine's Redis at 127.0.0.1:6379 when it answers). Each is installed only when missing,
# so a rerun costs nothing.
# Needs apt-get (Debian/Ubuntu) and root, or sudo.
set -euo pipefail
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-liberation >/dev/null 2>&1 || missing+=(fonts-liberation)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-test-tools: installing ${missing[*]}"
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
