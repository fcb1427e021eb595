#!/usr/bin/env bash
# Per-backend control for crash and recovery tests, by recorded pid only.
#
#   bash scripts/backends/ctl.sh start|stop|restart|kill9|status|pid NAME
#
# kill9 sends SIGKILL like a crash would (data stays); start brings it back
# (PostgreSQL/TimescaleDB recover from WAL, Redis from its append-only file).
# NAME: redis prometheus prometheus-native victoria influxdb postgres timescale clickhouse timescale-community
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|restart|kill9|status|pid NAME" >&2; exit 2; }
(($# == 2)) || usage
action=$1 name=$2
check_name "$name"
lock_state_dir

case "$action" in
  start)
    if [[ $name == timescale ]]; then install_trixie_root; fi
    if [[ $name == timescale-community ]]; then install_pglite_timescale; fi
    ensure_started "$name"
    ;;
  stop) stop_backend "$name" ;;
  restart) stop_backend "$name"; ensure_started "$name" ;;
  kill9) kill9_backend "$name" ;;
  pid)
    pid=$(running_pid "$name")
    [[ -n $pid ]] || { echo "[backends] $name: not running" >&2; exit 1; }
    echo "$pid"
    ;;
  status)
    pid=$(running_pid "$name")
    if [[ -n $pid ]] && ready_check "$name"; then
      echo "$name: running and ready (pid $pid, port $(port_of "$name"))"
    elif [[ -n $pid ]]; then
      echo "$name: running but not answering (pid $pid, port $(port_of "$name"))"; exit 1
    else
      echo "$name: not running"; exit 3
    fi
    ;;
  *) usage ;;
esac
