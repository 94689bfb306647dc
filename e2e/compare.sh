#!/usr/bin/env bash
# The side-by-side benchmark: Kubernetes alone (one-pod Jobs, then bare pods), Baton, Argo
# Workflows with its defaults and Argo tuned, one after the other (never at once) on one cluster,
# measured by one independent watcher.
#
#   e2e/compare.sh [--instances N] [--runs R] [--no-argo]
#
# Each run prints one Markdown block (tables and ratios) on stdout, ready to paste; progress goes
# to stderr. --instances: concurrent instances of the 20-step DAG (default 100); every orchestrator
# also runs one 20-step chain. --runs: how many times the whole comparison runs (default 1).
# --no-argo: only Kubernetes alone (Jobs and bare pods) and Baton (no Argo build).
#
# On the local cluster of e2e/cluster (started here unless BATON_E2E_KUBECONFIG names another;
# BATON_CLUSTER_DIR / BATON_CLUSTER_PORT_OFFSET select it). Argo's workflow-controller is built
# once from its pinned Go module (e2e/cluster/cluster.sh argo-build, about five minutes with a warm
# Go cache) and run as a local process, namespaced to argo-bench, with a ServiceAccount bound to the
# Role of Argo's own namespace-install manifests. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh

instances=100 runs=1 argo=1
while [ $# -gt 0 ]; do
  case "$1" in
    --instances) instances=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --no-argo) argo=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see $0 --help)" >&2; exit 2 ;;
  esac
done
log() { printf '[compare] %s\n' "$*" >&2; }

cluster_dir=""   # the local cluster's state, whose pid files let the benchmark read each process's CPU
if [ -n "${BATON_E2E_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$BATON_E2E_KUBECONFIG"
else
  e2e/cluster/cluster.sh up >&2
  eval "$(e2e/cluster/cluster.sh env)"
  cluster_dir="${BATON_CLUSTER_DIR:-/tmp/baton-cluster}"
fi

argo_ns=argo-bench
argo_bin=""
if [ $argo = 1 ]; then
  log "Argo's workflow-controller (built once into the cache)"
  argo_bin=$(e2e/cluster/cluster.sh argo-build | tail -n1)
  argo_mod=$(e2e/cluster/cluster.sh argo-module)
  log "Argo's CRDs and its namespace $argo_ns"
  kubectl apply --server-side --force-conflicts -k "$argo_mod/manifests/base/crds/minimal" >/dev/null
  kubectl wait --for=condition=Established --timeout=60s crd/workflows.argoproj.io >/dev/null
  kubectl create namespace "$argo_ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$argo_ns" create serviceaccount argo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$argo_ns" apply -f "$argo_mod/manifests/namespace-install/workflow-controller-rbac/workflow-controller-role.yaml" >/dev/null
  kubectl -n "$argo_ns" create rolebinding argo-binding --role=argo-role --serviceaccount="$argo_ns:argo" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  token=$(kubectl -n "$argo_ns" create token argo --duration=8h)
  server=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  mkdir -p e2e/target
  (umask 077; cat > e2e/target/argo.kubeconfig <<KC
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "$server", certificate-authority-data: "$ca"}
users:
- name: argo
  user: {token: "$token"}
contexts:
- name: c
  context: {cluster: c, user: argo, namespace: $argo_ns}
current-context: c
KC
  )
fi

log "build the operator and the benchmark (no install)"
mvn -B -q -ntp -o -Pe2e -pl operator,e2e package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test >&2
log "helm install and the operator's ServiceAccount kubeconfig"
e2e/bench-cluster.sh
export BATON_E2E_OPERATOR_KUBECONFIG="$PWD/e2e/target/operator.kubeconfig"

for run in $(seq 1 "$runs"); do
  log "run $run of $runs: --instances $instances"
  echo "Command: e2e/compare.sh --instances $instances$([ $argo = 1 ] || echo ' --no-argo') (run $run of $runs)"
  echo
  java -cp "e2e/target/test-classes:$(cat e2e/target/classpath.txt)" -Dbaton.repoRoot="$PWD" \
    -Dbaton.clusterDir="$cluster_dir" -Dbaton.argoBinary="$argo_bin" \
    -Dbaton.argoKubeconfig="$PWD/e2e/target/argo.kubeconfig" -Dbaton.argoNamespace="$argo_ns" \
    dev.baton.e2e.CompareBenchmark "$instances"
  echo
done
