#!/usr/bin/env bash
# The end-to-end benchmark: Baton on the local cluster (or BATON_E2E_KUBECONFIG), measured by an
# independent watcher.
#   e2e/bench.sh [instances]                      a 20-step DAG, N instances at once (default 100)
#   e2e/bench.sh foreach [iterations] [concurrency] [kubernetesJobs]
#        one foreach (default 2000 at 200), against Kubernetes alone at the same concurrency;
#        per 1,000 iterations the operator's heap after GC, RSS, CPU per iteration, instance size
#   e2e/bench.sh memory [finished] [running]   the operator's memory with that many instances
#        finished and running (default 1000 and 200)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
cluster_dir=""   # the local cluster's state, whose pid files let the benchmark read each process's CPU
e2e/bench-cluster.sh
if [ -n "${BATON_E2E_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$BATON_E2E_KUBECONFIG"
else
  eval "$(e2e/cluster/cluster.sh env)"
  cluster_dir="${BATON_CLUSTER_DIR:-/tmp/baton-cluster}"
fi
export BATON_E2E_OPERATOR_KUBECONFIG="$PWD/e2e/target/operator.kubeconfig"
# Built in one reactor, not installed: e2e's classpath names the operator module's own jars.
mvn -B -q -ntp -Pe2e -pl operator,e2e package -DskipTests -Dspotless.check.skip=true \
  dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
main=dev.baton.e2e.ClusterBenchmark
case "${1:-}" in
  foreach) main=dev.baton.e2e.ForeachBenchmark; shift ;;
  memory) main=dev.baton.e2e.InstancesMemoryBenchmark; shift ;;
esac
exec java -cp "e2e/target/test-classes:$(cat e2e/target/classpath.txt)" -Dbaton.repoRoot="$PWD" -Dbaton.clusterDir="$cluster_dir" "$main" "$@"
