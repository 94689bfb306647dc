# shellcheck shell=bash
# e2e/cluster/lib/components.sh, sourced by cluster.sh: how each component is started (its
# flags), and the fake node. `cmd_up` calls them in order and waits for each.

# etcd needs no certificates: it is started first, and the PKI is made meanwhile.
start_etcd() {
  start_component etcd "$ETCD_BIN_DIR/etcd" \
    --name baton-e2e \
    --data-dir "$ETCD_DATA_DIR" \
    --listen-client-urls "http://$HOST:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://$HOST:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster "baton-e2e=http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster-state new \
    --unsafe-no-fsync \
    --log-level warn
}

start_kube_apiserver() {
  start_component kube-apiserver "$K8S_BIN_DIR/kube-apiserver" \
    --bind-address "$HOST" \
    --secure-port "$APISERVER_PORT" \
    --advertise-address "$HOST" \
    --endpoint-reconciler-type none \
    --etcd-servers "http://$HOST:$ETCD_CLIENT_PORT" \
    --cert-dir "$PKI_DIR/apiserver-extra" \
    --tls-cert-file "$PKI_DIR/apiserver.crt" \
    --tls-private-key-file "$PKI_DIR/apiserver.key" \
    --client-ca-file "$PKI_DIR/ca.crt" \
    --service-account-issuer "https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file "$PKI_DIR/sa.pub" \
    --service-account-signing-key-file "$PKI_DIR/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --disable-admission-plugins TaintNodesByCondition \
    --requestheader-client-ca-file "$PKI_DIR/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI_DIR/front-proxy-client.crt" \
    --proxy-client-key-file "$PKI_DIR/front-proxy-client.key" \
    --allow-privileged=true \
    --max-requests-inflight=0 \
    --max-mutating-requests-inflight=0 \
    --enable-priority-and-fairness=false \
    --profiling="$PROFILING" \
    --v=1
}

start_kube_controller_manager() {
  local controllers
  controllers="$(IFS=,; echo "${KCM_CONTROLLERS[*]}")"
  local -a pod_gc=()
  [[ -n "$POD_GC_THRESHOLD" ]] && pod_gc=(--terminated-pod-gc-threshold="$POD_GC_THRESHOLD")
  start_component kube-controller-manager "$K8S_BIN_DIR/kube-controller-manager" "${pod_gc[@]}" \
    --kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" \
    --bind-address "$HOST" \
    --secure-port "$KCM_PORT" \
    --cert-dir "$PKI_DIR/kube-controller-manager" \
    --leader-elect=false \
    --controllers "$controllers" \
    --root-ca-file "$PKI_DIR/ca.crt" \
    --service-account-private-key-file "$PKI_DIR/sa.key" \
    --use-service-account-credentials=true \
    --kube-api-qps=5000 \
    --kube-api-burst=10000 \
    --concurrent-job-syncs=50 \
    --concurrent-gc-syncs=50 \
    --profiling="$PROFILING" \
    --v=1
}

start_kube_scheduler() {
  start_component kube-scheduler "$K8S_BIN_DIR/kube-scheduler" \
    --kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" \
    --bind-address "$HOST" \
    --secure-port "$SCHEDULER_PORT" \
    --cert-dir "$PKI_DIR/kube-scheduler" \
    --leader-elect=false \
    --kube-api-qps=5000 \
    --kube-api-burst=10000 \
    --profiling=false \
    --v=1
}

start_kwok() {
  local -a profiling=()
  [[ "$PROFILING" == true ]] && profiling=(--server-address "$HOST:$KWOK_PROFILING_PORT")
  # HOME is redirected so that a user's ~/.kwok/kwok.yaml is never picked up.
  HOME="$STATE_DIR/kwok-home" start_component kwok "$KWOK_BIN_DIR/kwok" "${profiling[@]}" \
    --kubeconfig "$KUBECONFIG_FILE" \
    --config "$SCRIPT_DIR/kwok-stages.yaml" \
    --manage-nodes-with-annotation-selector "kwok.x-k8s.io/node=fake" \
    --node-lease-duration-seconds 40 \
    --cidr "$POD_CIDR" \
    --node-ip "$HOST"    # keeps apiserver->"kubelet" traffic (kubectl logs) on loopback
}

# The node kwok plays: big enough for any test.
create_node() {
  kc apply -f - >/dev/null <<EOF || die "could not create node $NODE_NAME"
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
status:
  capacity:
    cpu: "1000"
    memory: 4Ti
    pods: "10000"
    ephemeral-storage: 10Ti
  allocatable:
    cpu: "1000"
    memory: 4Ti
    pods: "10000"
    ephemeral-storage: 10Ti
EOF
}
