# shellcheck shell=bash
# e2e/cluster/lib/common.sh, sourced by cluster.sh: logging, failing, and kubectl on this
# cluster.

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
log()  { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "required command '$1' not found${2:+ ($2)}"; }

now_s() { date +%s; }
now_ms() { date +%s%3N; }

kubectl_bin() { echo "$TOOLS_BIN_DIR/kubectl"; }
kc() { "$(kubectl_bin)" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# A port is "in use" when something accepts a TCP connection on it.
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") >/dev/null 2>&1; }
