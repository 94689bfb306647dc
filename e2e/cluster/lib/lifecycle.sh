# shellcheck shell=bash
# e2e/cluster/lib/lifecycle.sh, sourced by cluster.sh: the subcommands build, up, down, status,
# env and restart.

cmd_build() { ensure_binaries; log "binaries ready in $CACHE_DIR/bin"; }

cmd_up() {
  need curl
  local t0; t0=$(now_s)
  if [[ -d "$STATE_DIR" ]] && any_running; then
    if [[ -x "$(kubectl_bin)" ]] && all_healthy; then
      log "cluster already up and healthy (KUBECONFIG=$KUBECONFIG_FILE)"
      return 0
    fi
    log "cluster in $STATE_DIR is partially up or unhealthy; restarting it from scratch"
    cmd_status || true
    cmd_down
  fi

  ensure_binaries

  local p
  for p in "$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" "$SCHEDULER_PORT"; do
    port_in_use "$p" && die "port $HOST:$p is already in use by another process (not by this cluster's pidfiles); stop it or run '$0 down'"
  done

  rm -rf "$STATE_DIR"
  mkdir -p "$PKI_DIR" "$LOG_DIR" "$PID_DIR" "$ETCD_DATA_DIR" "$STATE_DIR/kwok-home"
  chmod 700 "$STATE_DIR" "$ETCD_DATA_DIR"

  start_etcd

  gen_pki
  write_kubeconfig "$KUBECONFIG_FILE" admin
  write_kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" kube-controller-manager
  write_kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" kube-scheduler

  wait_for etcd "$TIMEOUT_ETCD" "etcd /health on $HOST:$ETCD_CLIENT_PORT" etcd_healthy

  start_kube_apiserver
  wait_for kube-apiserver "$TIMEOUT_APISERVER" "kube-apiserver /readyz on $HOST:$APISERVER_PORT" apiserver_ready

  start_kube_controller_manager
  start_kube_scheduler
  start_kwok
  create_node

  wait_for kube-controller-manager "$TIMEOUT_COMPONENT" "kube-controller-manager /healthz on $HOST:$KCM_PORT" kcm_healthy
  wait_for kube-scheduler "$TIMEOUT_COMPONENT" "kube-scheduler /healthz on $HOST:$SCHEDULER_PORT" scheduler_healthy
  wait_for kwok "$TIMEOUT_COMPONENT" "node $NODE_NAME Ready (kwok)" node_ready
  wait_for kube-controller-manager "$TIMEOUT_COMPONENT" "ServiceAccount default/default (token + serviceaccount controllers)" default_sa_exists

  log "cluster up in $(( $(now_s) - t0 ))s: kube-apiserver $K8S_VERSION at https://$HOST:$APISERVER_PORT"
  log "use it with: eval \"\$($0 env)\""
}

cmd_down() {
  # Everything is thrown away, so all components are stopped at once.
  stop_components kwok kube-scheduler kube-controller-manager kube-apiserver etcd
  if [[ -d "$STATE_DIR" ]]; then
    # Refuse to remove anything that does not look like our state dir.
    if [[ -d "$PID_DIR" || -d "$PKI_DIR" || -d "$LOG_DIR" || -z "$(ls -A "$STATE_DIR" 2>/dev/null)" ]]; then
      rm -rf "$STATE_DIR"
      log "removed $STATE_DIR"
    else
      log "not removing $STATE_DIR: it does not look like a cluster state dir"
    fi
  fi
  log "cluster down"
}

# restart COMPONENT: stop one component of a running cluster (SIGTERM, SIGKILL after 10 s) and
# start it again with the same flags and state, then wait until it is healthy. For fault
# injection (e2e/faults.sh): the other components and the clients ride it out.
cmd_restart() {
  local name="${1:-}" start
  case "$name" in
    etcd) start=start_etcd ;;
    kube-apiserver) start=start_kube_apiserver ;;
    kube-controller-manager) start=start_kube_controller_manager ;;
    kube-scheduler) start=start_kube_scheduler ;;
    kwok) start=start_kwok ;;
    *) die "restart: unknown component '$name' (one of: ${COMPONENTS[*]})" ;;
  esac
  [[ -d "$STATE_DIR" ]] && component_pid "$name" >/dev/null || die "restart: $name is not running (is the cluster up?)"
  local t0; t0=$(now_ms)
  stop_components "$name"
  if [[ "$name" == kwok ]]; then HOME="$STATE_DIR/kwok-home" "$start"; else "$start"; fi
  case "$name" in
    etcd) wait_for etcd "$TIMEOUT_ETCD" "etcd /health on $HOST:$ETCD_CLIENT_PORT" etcd_healthy ;;
    kube-apiserver) wait_for kube-apiserver "$TIMEOUT_APISERVER" "kube-apiserver /readyz on $HOST:$APISERVER_PORT" apiserver_ready ;;
    *) wait_for "$name" "$TIMEOUT_COMPONENT" "$name healthy" component_healthy "$name" ;;
  esac
  log "restarted $name in $(( $(now_ms) - t0 )) ms"
}

cmd_status() {
  local c pid state rc=0
  printf '%-25s %-8s %-8s %s\n' COMPONENT PID STATE DETAIL
  for c in "${COMPONENTS[@]}"; do
    if pid="$(component_pid "$c")"; then
      if [[ -x "$(kubectl_bin)" ]] && component_healthy "$c"; then state=healthy; else state=running; rc=1; fi
    else
      pid="-"; state=stopped; rc=1
    fi
    local detail=""
    case "$c" in
      etcd) detail="http://$HOST:$ETCD_CLIENT_PORT" ;;
      kube-apiserver) detail="https://$HOST:$APISERVER_PORT" ;;
      kube-controller-manager) detail="https://$HOST:$KCM_PORT/healthz" ;;
      kube-scheduler) detail="https://$HOST:$SCHEDULER_PORT/healthz" ;;
      kwok) detail="node $NODE_NAME" ;;
    esac
    printf '%-25s %-8s %-8s %s\n' "$c" "$pid" "$state" "$detail"
  done
  echo "state dir:  $STATE_DIR"
  echo "kubeconfig: $KUBECONFIG_FILE"
  echo "binaries:   $CACHE_DIR/bin"
  return "$rc"
}

cmd_env() {
  printf 'export KUBECONFIG=%q;\n' "$KUBECONFIG_FILE"
  # shellcheck disable=SC2016 # $PATH must expand in the caller's shell
  printf 'export PATH=%q:"$PATH";\n' "$TOOLS_BIN_DIR"
}
