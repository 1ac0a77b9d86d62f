#!/usr/bin/env bash
# Installs what the tests and `npm run stack` need on this machine: npm dependencies, redis-server,
# and a MongoDB wire server unless one is provided (MONGO_URL, or mongod on PATH): FerretDB v1.24.2
# with our patches, and PostgreSQL (Debian's `postgresql`) for its storage — if PostgreSQL cannot
# be installed, FerretDB falls back to SQLite. With --with-postgresql (npm test, npm run bench)
# FerretDB and PostgreSQL are required, even beside MONGO_URL/mongod (the tests and the benchmark
# start their own); with --with-compose (npm test, npm run setup) also Docker Compose v2 to
# validate docker-compose.yml; with --with-browser (npm test) Debian's Chromium for the console's
# tests; with --with-helm Helm, for the Helm chart's test; with --with-promtool promtool, for
# deploy/monitoring's test (npm test asks for both). The web console is built when missing or
# stale.
# Idempotent and fast on reruns; prints one line per step so a first (slow) run never looks stuck.
set -euo pipefail

WORK_DIR=""
trap '[ -z "$WORK_DIR" ] || rm -rf "$WORK_DIR"; rm -f "${FERRETDB_BIN:-/nonexistent}.tmp.$$"' EXIT

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FERRETDB_VERSION=v1.24.2
TOOLS_DIR="${GROUPIDENTIFY_TOOLS:-$HOME/.cache/groupidentify/bin}"
# Bump with every change to scripts/ferretdb/*.patch, so a cached binary built without it is rebuilt.
FERRETDB_PATCHLEVEL=p10
FERRETDB_BIN="$TOOLS_DIR/ferretdb-$FERRETDB_VERSION-$FERRETDB_PATCHLEVEL"

say() { echo "setup: $*"; }
die() {
  echo "setup: ERROR: $*" >&2
  exit 1
}

# Root runs apt-get directly; otherwise sudo when it exists (CI images differ).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* yourself"
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update…"
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*…"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

setup_npm() {
  # npm ci rewrites node_modules/.package-lock.json, so "lock newer than it" means deps changed.
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies (npm ci)…"
    npm ci --no-audit --no-fund
  else
    say "npm dependencies up to date"
  fi
}

setup_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    say "redis: using REDIS_URL"
  elif command -v redis-server >/dev/null 2>&1; then
    say "redis: $(command -v redis-server)"
  else
    # The Debian package may also start a system redis on 6379; harmless, tests use their own ports.
    apt_install redis-server
    command -v redis-server >/dev/null 2>&1 || die "redis-server still not on PATH after install"
  fi
}

find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [ -x /usr/local/go/bin/go ]; then
    echo /usr/local/go/bin/go
  fi
}

build_ferretdb() {
  local go
  go="$(find_go)"
  [ -n "$go" ] || die "building FerretDB needs Go >= 1.21 (https://go.dev/dl/); or set MONGO_URL"
  # Go >= 1.21 fetches the toolchain FerretDB's go.mod asks for (go1.24) from the module proxy.
  local minor
  minor="$("$go" env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
  [ "${minor:-0}" -ge 21 ] 2>/dev/null || die "Go $("$go" env GOVERSION) is too old; need >= 1.21"
  say "building FerretDB $FERRETDB_VERSION with $("$go" version | cut -d' ' -f3) (first run only, ~1-2 min)…"

  # `go install …/cmd/ferretdb@$FERRETDB_VERSION` builds, but the binary panics at start ("Invalid
  # build/version/version.txt file content"): build/version embeds version.txt, which FerretDB's
  # release tooling generates and the published module does not contain. So build from a writable
  # copy of the module source with that file written in.
  local src
  src="$("$go" mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error)throw new Error(j.Error);console.log(j.Dir)})')"
  WORK_DIR="$(mktemp -d)"
  cp -R "$src/." "$WORK_DIR/"
  chmod -R u+w "$WORK_DIR"
  echo "$FERRETDB_VERSION" >"$WORK_DIR/build/version/version.txt"
  # Fixes of upstream bugs that the tests or the benchmark run into (each patch says why).
  local p
  for p in scripts/ferretdb/*.patch; do
    say "  applying $p"
    (cd "$WORK_DIR" && git apply -p1 "$OLDPWD/$p")
  done
  mkdir -p "$TOOLS_DIR"
  # Build to a temp name then rename: a concurrent or interrupted run never leaves a half binary.
  (cd "$WORK_DIR" && "$go" build -buildvcs=false -o "$FERRETDB_BIN.tmp.$$" ./cmd/ferretdb)
  mv -f "$FERRETDB_BIN.tmp.$$" "$FERRETDB_BIN"
}

NEEDS_FERRETDB=1
setup_mongo() {
  # The tests and the benchmark start FerretDB themselves (its patches' tests, the bench's own
  # servers) even when MONGO_URL or mongod serve everything else: --with-postgresql builds it always.
  if [ "$WITH_POSTGRESQL" -eq 0 ] && [ -n "${MONGO_URL:-}" ]; then
    say "mongo: using MONGO_URL"
    NEEDS_FERRETDB=0
    return
  fi
  if [ "$WITH_POSTGRESQL" -eq 0 ] && command -v mongod >/dev/null 2>&1; then
    say "mongo: $(command -v mongod)"
    NEEDS_FERRETDB=0
    return
  fi
  if [ ! -x "$FERRETDB_BIN" ]; then
    build_ferretdb
  fi
  local version
  version="$("$FERRETDB_BIN" --version 2>&1)" || die "$FERRETDB_BIN --version failed: $version"
  case "$version" in
    *"$FERRETDB_VERSION"*) say "mongo: FerretDB $FERRETDB_VERSION at $FERRETDB_BIN" ;;
    *) die "$FERRETDB_BIN reports an unexpected version: $version (delete it and rerun)" ;;
  esac
}

COMPOSE_VERSION=v2.29.7
COMPOSE_BIN="$TOOLS_DIR/docker-compose-$COMPOSE_VERSION"

# The tests validate docker-compose.yml with `docker compose config` (no Docker engine needed).
# Without the compose plugin, build Docker Compose v2 from the Go module proxy once (~2-7 min).
setup_compose() {
  if docker compose version >/dev/null 2>&1; then
    say "compose: docker compose plugin"
    return
  fi
  if [ ! -x "$COMPOSE_BIN" ]; then
    local go
    go="$(find_go)"
    if [ -z "$go" ]; then
      say "compose: skipped (no Go to build Docker Compose; the compose test will say so)"
      return
    fi
    say "building Docker Compose $COMPOSE_VERSION with $("$go" version | cut -d' ' -f3) (first run only, a few minutes)…"
    local gobin
    gobin="$(mktemp -d)"
    GOBIN="$gobin" "$go" install "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION"
    mkdir -p "$TOOLS_DIR"
    mv -f "$gobin/cmd" "$COMPOSE_BIN"
    rm -rf "$gobin"
  fi
  say "compose: $COMPOSE_BIN"
}

HELM_VERSION=v3.21.4
HELM_BIN="$TOOLS_DIR/helm-$HELM_VERSION"
# The Kubernetes minor version Helm v3.21.4 is built against (its k8s.io/client-go v0.36).
HELM_K8S_MINOR=36

# The Helm chart's test runs `helm lint` and `helm template` (no cluster needed). Built once from
# the Go module proxy (a few minutes), like Docker Compose above.
setup_helm() {
  if [ -x "$HELM_BIN" ]; then
    say "helm: $HELM_BIN"
    return
  fi
  local go
  go="$(find_go)"
  [ -n "$go" ] || die "building Helm needs Go (https://go.dev/dl/)"
  say "building Helm $HELM_VERSION with $("$go" version | cut -d' ' -f3) (first run only, a few minutes)…"
  local gobin
  gobin="$(mktemp -d)"
  # The ldflags of Helm's release build: without them `helm version` is blank and `helm template`
  # takes the cluster for Kubernetes 1.20, below the chart's kubeVersion (client-go v0.36 → 1.36).
  local ldflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  local pkg
  for pkg in chartutil lint/rules; do
    ldflags="$ldflags -X helm.sh/helm/v3/pkg/$pkg.k8sVersionMajor=1"
    ldflags="$ldflags -X helm.sh/helm/v3/pkg/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
  done
  GOBIN="$gobin" "$go" install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mkdir -p "$TOOLS_DIR"
  say "helm: moving the binary to $HELM_BIN"
  mv -f "$gobin/helm" "$HELM_BIN"
  rm -rf "$gobin"
  say "helm: $HELM_BIN"
}

PROMTOOL_VERSION=v0.316.0 # the Go module version of Prometheus v3.16.0
PROMTOOL_BIN="$TOOLS_DIR/promtool-$PROMTOOL_VERSION"

# The tests check deploy/monitoring (alert rules, their unit tests, the dashboard's queries) with
# promtool. Built once from the Go module proxy (a few minutes): Prometheus publishes its v3
# releases as v0.x module versions.
setup_promtool() {
  if [ -x "$PROMTOOL_BIN" ]; then
    say "promtool: $PROMTOOL_BIN"
    return
  fi
  local go
  go="$(find_go)"
  [ -n "$go" ] || die "building promtool needs Go (https://go.dev/dl/)"
  say "building promtool $PROMTOOL_VERSION with $("$go" version | cut -d' ' -f3) (first run only, a few minutes)…"
  local gobin
  gobin="$(mktemp -d)"
  GOBIN="$gobin" "$go" install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
  mkdir -p "$TOOLS_DIR"
  say "promtool: moving the binary to $PROMTOOL_BIN"
  mv -f "$gobin/promtool" "$PROMTOOL_BIN"
  rm -rf "$gobin"
  say "promtool: $PROMTOOL_BIN"
}

# FerretDB's storage: PostgreSQL (Debian's server binaries). Without it FerretDB falls back to
# SQLite, one writer at a time (packages/local-services says so at start).
newest_postgres() {
  local best="" best_major=-1 p major
  for p in /usr/lib/postgresql/*/bin/postgres; do
    [ -x "$p" ] || continue # also skips the pattern itself when nothing matches
    major="${p#/usr/lib/postgresql/}"
    major="${major%%/*}"
    if [ "$major" -gt "$best_major" ] 2>/dev/null; then
      best="$p"
      best_major="$major"
    fi
  done
  [ -n "$best" ] || best="$(command -v postgres || true)"
  echo "$best"
}

setup_postgresql() {
  local found
  found="$(newest_postgres)"
  if [ -z "$found" ]; then
    # Debian may also start its own cluster on 5432; harmless, we use our own ports and dirs.
    # In a subshell, so that a failed install can fall back to SQLite instead of ending setup.
    if ! (apt_install postgresql); then
      [ "$WITH_POSTGRESQL" -eq 0 ] || die "could not install PostgreSQL (Debian package postgresql)"
      say "WARNING: could not install PostgreSQL; FerretDB will run on SQLite, one writer at a" \
        "time (under load, identifications take several times longer to become readable)"
      return
    fi
    found="$(newest_postgres)"
    [ -n "$found" ] || die "PostgreSQL server binaries still missing after installing postgresql"
  fi
  say "postgresql: $found"
}

# The tests drive the web console in Debian's Chromium (nothing downloads a browser).
setup_browser() {
  if command -v chromium >/dev/null 2>&1; then
    say "browser: $(command -v chromium)"
    return
  fi
  apt_install chromium
  command -v chromium >/dev/null 2>&1 || die "chromium still not on PATH after install"
  say "browser: $(command -v chromium)"
}

# The web console's static files, which ingest serves at /console: built when missing or older
# than their sources.
setup_console() {
  [ -f packages/console/vite.config.ts ] || return 0
  local out=packages/console/dist/web/index.html
  if [ -f "$out" ] && [ -z "$(find packages/console/src packages/console/index.html \
    packages/console/vite.config.ts -newer "$out" 2>/dev/null | head -1)" ]; then
    say "console: up to date"
    return
  fi
  say "building the web console (vite)…"
  npm run --silent build -w packages/console >/dev/null
}

WITH_COMPOSE=0
WITH_POSTGRESQL=0
WITH_BROWSER=0
WITH_HELM=0
WITH_PROMTOOL=0
for arg in "$@"; do
  case "$arg" in
    --with-compose) WITH_COMPOSE=1 ;;
    --with-postgresql) WITH_POSTGRESQL=1 ;;
    --with-browser) WITH_BROWSER=1 ;;
    --with-helm) WITH_HELM=1 ;;
    --with-promtool) WITH_PROMTOOL=1 ;;
    *) die "unknown argument: $arg (known: --with-compose --with-postgresql --with-browser --with-helm --with-promtool)" ;;
  esac
done

setup_npm
setup_redis
setup_mongo
[ "$NEEDS_FERRETDB" -eq 0 ] || setup_postgresql
setup_console
# Only the tests need Compose (to validate docker-compose.yml) and a browser (the console's
# tests): `npm test` asks for them.
[ "$WITH_COMPOSE" -eq 0 ] || setup_compose
[ "$WITH_BROWSER" -eq 0 ] || setup_browser
# The Helm chart's test (test/deploy/helm-chart.test.ts) needs helm: `--with-helm`.
[ "$WITH_HELM" -eq 0 ] || setup_helm
# The monitoring test (test/deploy/monitoring.test.ts) needs promtool: `--with-promtool`.
[ "$WITH_PROMTOOL" -eq 0 ] || setup_promtool
say "done"
