#!/usr/bin/env bash
# The end-to-end benchmark: Baton on the local cluster (or BATON_E2E_KUBECONFIG), measured by an
# independent watcher.
#   e2e/bench.sh [instances]                      a 20-step DAG, N instances at once (default 100)
#   e2e/bench.sh foreach [iterations] [concurrency]  one foreach (default 2000 at 200)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
cluster_dir=""   # the local cluster's state, whose pid files let the benchmark read each process's CPU
if [ -n "${BATON_E2E_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$BATON_E2E_KUBECONFIG"
else
  e2e/cluster/cluster.sh up
  eval "$(e2e/cluster/cluster.sh env)"
  cluster_dir="${BATON_CLUSTER_DIR:-/tmp/baton-cluster}"
fi
mvn -B -q -ntp -Pe2e install -DskipTests
helm upgrade --install baton helm/baton --namespace baton-system --create-namespace --wait --timeout 120s >/dev/null
scripts/sa-kubeconfig.sh baton-system baton e2e/target/operator.kubeconfig
export BATON_E2E_OPERATOR_KUBECONFIG="$PWD/e2e/target/operator.kubeconfig"
mvn -B -q -ntp -Pe2e -pl e2e dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
main=dev.baton.e2e.ClusterBenchmark
if [ "${1:-}" = foreach ]; then
  main=dev.baton.e2e.ForeachBenchmark
  shift
fi
exec java -cp "e2e/target/test-classes:$(cat e2e/target/classpath.txt)" -Dbaton.repoRoot="$PWD" -Dbaton.clusterDir="$cluster_dir" "$main" "$@"
