# shellcheck shell=bash
# e2e/cluster/lib/health.sh, sourced by cluster.sh: whether each component answers.

# ---------------------------------------------------------------------------
# Health checks
# ---------------------------------------------------------------------------
etcd_healthy() { curl -fsS --max-time 2 "http://$HOST:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }
apiserver_ready() {
  curl -fsS --max-time 3 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" \
    "https://$HOST:$APISERVER_PORT/readyz" 2>/dev/null | grep -q '^ok'
}
secure_healthz() { curl -fsSk --max-time 2 "https://$HOST:$1/healthz" 2>/dev/null | grep -q '^ok'; }
kcm_healthy() { secure_healthz "$KCM_PORT"; }
scheduler_healthy() { secure_healthz "$SCHEDULER_PORT"; }
node_ready() {
  [[ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == "True" ]]
}
default_sa_exists() { kc -n default get serviceaccount default >/dev/null 2>&1; }

component_healthy() {
  case "$1" in
    etcd) etcd_healthy ;;
    kube-apiserver) apiserver_ready ;;
    kube-controller-manager) kcm_healthy ;;
    kube-scheduler) scheduler_healthy ;;
    kwok) node_ready ;;
  esac
}

all_healthy() {
  local c
  for c in "${COMPONENTS[@]}"; do
    component_pid "$c" >/dev/null || return 1
    component_healthy "$c" || return 1
  done
  default_sa_exists
}

any_running() {
  local c
  for c in "${COMPONENTS[@]}"; do component_pid "$c" >/dev/null && return 0; done
  return 1
}
