#!/usr/bin/env bash
# Makes a bare clone runnable: ensures Node 24 and the pinned pnpm, installs the workspace, then runs
# the given command with both on PATH. Everything it fetches goes into .tools/ (git-ignored), from the
# npm registry only, so nothing is installed globally.
#
#   scripts/bootstrap.sh [--services] [--build] <command> [args...]
#
# --build runs the workspace's build tasks (turbo, cached: the console's static files in apps/console/dist,
# which the gateway serves under /console), so `npm start` on a bare clone serves the console.
# --services also brings up the local Redis, PostgreSQL and Kafka (deploy/local/services.sh); outside CI
# a missing service is a warning (integration tests then skip), with CI=true it is an error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/.tools"
node_version="$(tr -d '[:space:]' < .nvmrc)"
pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' package.json)"

log() { printf 'bootstrap: %s\n' "$*" >&2; }

# Type stripping without a flag arrived in Node 22.18; anything older gets the pinned Node 24.
node_is_recent_enough() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'
}

ensure_node() {
  local bin="$tools/node/node_modules/node/bin"
  if [ -x "$bin/node" ] && [ "$("$bin/node" --version)" = "v$node_version" ]; then
    export PATH="$bin:$PATH"
    return
  fi
  if node_is_recent_enough && [ "${CHAINWATCH_FORCE_PINNED_NODE:-0}" != "1" ]; then
    return
  fi
  command -v npm >/dev/null 2>&1 || { log "npm not found: install Node.js (any version with npm) first"; exit 1; }
  log "Node $(node --version 2>/dev/null || echo none) is older than 22.18; fetching Node $node_version into .tools/node"
  mkdir -p "$tools/node"
  npm install --prefix "$tools/node" --no-save --no-audit --no-fund --loglevel=error "node@$node_version" >&2
  [ -x "$bin/node" ] || { log "the node@$node_version package installed no binary at $bin/node"; exit 1; }
  export PATH="$bin:$PATH"
}

ensure_pnpm() {
  local bin="$tools/pnpm/node_modules/.bin"
  if [ ! -x "$bin/pnpm" ] || [ "$("$bin/pnpm" --version)" != "$pnpm_version" ]; then
    log "fetching pnpm $pnpm_version into .tools/pnpm"
    mkdir -p "$tools/pnpm"
    npm install --prefix "$tools/pnpm" --no-save --no-audit --no-fund --loglevel=error "pnpm@$pnpm_version" >&2
  fi
  export PATH="$bin:$PATH"
}

with_services=0
with_build=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --services) with_services=1; shift ;;
    --build) with_build=1; shift ;;
    *) break ;;
  esac
done

ensure_node
ensure_pnpm
export TURBO_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
log "node $(node --version), pnpm $(pnpm --version)"
# CI and fresh clones must use exactly the committed lockfile.
pnpm install --frozen-lockfile --reporter=append-only >&2

if [ "$with_build" = 1 ]; then
  pnpm exec turbo run build --output-logs=new-only >&2
fi

if [ "$with_services" = 1 ]; then
  if [ "${CI:-}" = "true" ]; then
    bash deploy/local/services.sh up
  else
    bash deploy/local/services.sh up --best-effort
  fi
fi

[ "$#" -gt 0 ] || exit 0
exec "$@"
