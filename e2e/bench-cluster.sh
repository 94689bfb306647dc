#!/usr/bin/env bash
# The local cluster as a benchmark needs it: up, Baton's chart and current CRDs installed (the operator
# itself runs outside, as the chart's ServiceAccount), and that ServiceAccount's kubeconfig in
# e2e/target/operator.kubeconfig.
#   e2e/bench-cluster.sh           bring it up if it is not (e2e/bench.sh does this first)
#   e2e/bench-cluster.sh --fresh   take it down first: a new etcd and API server, nothing left of
#                                  earlier runs (ForeachBenchmark does this before each side, so
#                                  that the side measured second does not run on what the first
#                                  left behind)
# With BATON_E2E_KUBECONFIG set, that cluster instead (installed into, never taken down). The local
# cluster's state dir, ports and profiling come from the usual BATON_CLUSTER_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${BATON_E2E_KUBECONFIG:-}" ]; then
  # Another cluster: only the chart and the kubeconfig.
  [ "${1:-}" != "--fresh" ] || { echo "--fresh needs the local cluster (BATON_E2E_KUBECONFIG is set)" >&2; exit 2; }
  export KUBECONFIG="$BATON_E2E_KUBECONFIG"
else
  [ "${1:-}" != "--fresh" ] || e2e/cluster/cluster.sh down >&2
  e2e/cluster/cluster.sh up >&2
  eval "$(e2e/cluster/cluster.sh env)"
fi
helm upgrade --install baton helm/baton --namespace baton-system --create-namespace --wait --timeout 120s >/dev/null
# Helm installs a chart's CRDs only the first time: these keep them current on a cluster kept up.
kubectl apply --server-side --force-conflicts -f crds/ >/dev/null
mkdir -p e2e/target
scripts/sa-kubeconfig.sh baton-system baton e2e/target/operator.kubeconfig
