#!/usr/bin/env bash
# Stop every backend start.sh started, by the pids it recorded (never by process
# name: other people's servers on this machine are not ours to stop). Data stays
# in the state dir; pass --wipe to delete it too.
#
#   bash scripts/backends/stop.sh [--wipe] [name ...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wipe=0
names=()
for a in "$@"; do
  case "$a" in
    --wipe) wipe=1 ;;
    *) check_name "$a"; names+=("$a") ;;
  esac
done
((${#names[@]})) || names=("${ALL_BACKENDS[@]}")
lock_state_dir

for n in "${names[@]}"; do stop_backend "$n"; done

if ((wipe)); then
  for n in "${names[@]}"; do
    rm -rf "$(data_dir "$n")"
    [[ $n == timescale ]] && rm -rf "$TRIXIE_ROOT$(ts_inner_dir)"
  done
  log "data wiped for: ${names[*]}"
fi
