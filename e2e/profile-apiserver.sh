#!/usr/bin/env bash
# A CPU profile of the local cluster's kube-apiserver taken while a command runs (a benchmark).
#
#   e2e/profile-apiserver.sh [--delay S] [--seconds N] -- COMMAND [ARGS...]
#
# Starts the cluster with the API server's /debug/pprof served (BATON_CLUSTER_PROFILING=true; a
# cluster already up without it is refused: take it down first, or use another BATON_CLUSTER_DIR),
# runs COMMAND, and S seconds after its start (default 60) records N seconds (default 30) of the
# API server's CPU. The profile is kept in e2e/target/apiserver-<time>.pprof; the top functions,
# flat and cumulative, are printed on stderr at the end (go tool pprof, with the cached binary).
# Example: e2e/profile-apiserver.sh --delay 70 --seconds 40 -- e2e/bench.sh 100
set -euo pipefail
cd "$(dirname "$0")/.."

delay=60 seconds=30
while [ $# -gt 0 ]; do
  case "$1" in
    --delay) delay=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see $0 --help)" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "no command given (see $0 --help)" >&2; exit 2; }
log() { printf '[profile] %s\n' "$*" >&2; }

export BATON_CLUSTER_PROFILING=true
e2e/cluster/cluster.sh up >&2
eval "$(e2e/cluster/cluster.sh env)"
if ! kubectl get --raw '/debug/pprof/' >/dev/null 2>&1; then
  echo "the API server of this cluster does not serve /debug/pprof: it was started without" \
    "BATON_CLUSTER_PROFILING=true; run e2e/cluster/cluster.sh down first" >&2
  exit 1
fi

mkdir -p e2e/target
out="$PWD/e2e/target/apiserver-$(date -u +%Y%m%dT%H%M%SZ).pprof"
started="$out.started"   # there once recording began: a COMMAND that ends sooner stops the recorder
(
  sleep "$delay"
  touch "$started"
  log "recording ${seconds}s of kube-apiserver CPU into $out"
  kubectl get --raw "/debug/pprof/profile?seconds=$seconds" >"$out" 2>/dev/null \
    && log "recorded $out" || log "recording failed"
) &
recorder=$!

status=0
"$@" || status=$?
# A profile of the idle cluster after COMMAND would say nothing about it.
[ -e "$started" ] || kill "$recorder" 2>/dev/null || true
wait "$recorder" 2>/dev/null || true
rm -f "$started"

if [ -s "$out" ]; then
  # shellcheck source=/dev/null
  . e2e/cluster/lib/config.sh
  binary="$K8S_BIN_DIR/kube-apiserver"
  log "top by own CPU"
  go tool pprof -top -nodecount=40 "$binary" "$out" >&2 || true
  log "top by cumulative CPU"
  go tool pprof -top -cum -nodecount=60 "$binary" "$out" >&2 || true
else
  log "no profile was recorded (did COMMAND end before --delay?)"
fi
exit $status
