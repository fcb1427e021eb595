#!/usr/bin/env bash
# Install (only what is missing) and start (only what is not running) every test
# backend on 127.0.0.1, then write .backends/env for the tests. Idempotent: a
# second run only checks pids and readiness and takes a couple of seconds.
#
#   bash scripts/backends/start.sh            # all backends
#   bash scripts/backends/start.sh redis ...  # just these
#
# Env: MANIFOLD_BACKENDS_DIR (state: data, pids, logs; default /tmp/manifold-backends),
#      MANIFOLD_BACKENDS_CACHE (default /var/cache/manifold-backends),
#      MANIFOLD_BACKENDS_TIMEOUT (readiness timeout per backend, seconds, default 60),
#      MANIFOLD_PORT_<NAME> (move a port), MANIFOLD_DEBIAN_MIRROR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $(id -u) != 0 ]]; then
  # apt-get, chroot and runuser all need root; CI and the dev box run as root.
  echo "[backends] ERROR: start.sh must run as root (apt-get, chroot, runuser)" >&2
  exit 1
fi

t_start=$SECONDS
names=("$@")
((${#names[@]})) || names=("${ALL_BACKENDS[@]}")
for n in "${names[@]}"; do check_name "$n"; done

lock_state_dir
mkdir -p "$STATE_DIR" "$PID_DIR" "$LOG_DIR"
# postgres (the user) must be able to reach its own folders under the state dir.
chmod 755 "$STATE_DIR"

lock_cache_dir
install_host_packages
if printf '%s\n' "${names[@]}" | grep -qx timescale; then install_trixie_root; fi
if printf '%s\n' "${names[@]}" | grep -qx timescale-community; then install_pglite_timescale; fi
exec 7>&- # installs done: release the cache lock

for n in "${names[@]}"; do ensure_started "$n"; done

write_env_file
log "all requested backends ready in $((SECONDS - t_start))s; state in $STATE_DIR; env in $ENV_FILE:"
cat "$ENV_FILE"
