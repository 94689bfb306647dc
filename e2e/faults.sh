#!/usr/bin/env bash
# Fault injection on the local cluster: Baton's runs survive crashes, outages and load, each step
# attempt run once (issue 10). Drives dev.baton.e2e.FaultsBenchmark (see its Javadoc).
#   e2e/faults.sh [N] [--cut S] [--only F,...]   N runs (default 100) under each fault in turn:
#        operator-kill, apiserver-restart, etcd-restart, partition (the operator cut off for S s,
#        default 60); exits non-zero if a run ends in the wrong phase, a (instance, step path,
#        attempt) has more than one Job, a step is lost or an instance object reaches 1 MiB
#   e2e/faults.sh --foreach M --repeat R [--concurrency C]   R runs of an M-iteration foreach
#        (default concurrency 100), each Job counted per (step path, attempt): exactly one each
#   e2e/faults.sh 3 --cut 15   a small version (about 3 minutes; not part of e2e/run.sh)
# Restarts components of the local cluster (e2e/cluster/cluster.sh restart), so it needs that
# cluster: BATON_E2E_KUBECONFIG (another cluster) is refused. BATON_FAULTS_NO_INSTALL=1 skips the
# build and helm install when the caller did them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
if [ -n "${BATON_E2E_KUBECONFIG:-}" ]; then
  echo "e2e/faults.sh restarts the local cluster's etcd and kube-apiserver: it runs only on e2e/cluster" >&2
  exit 2
fi
e2e/cluster/cluster.sh up
eval "$(e2e/cluster/cluster.sh env)"
if [ "${BATON_FAULTS_NO_INSTALL:-0}" != 1 ]; then
  mvn -B -q -ntp -Pe2e install -DskipTests
  helm upgrade --install baton helm/baton --namespace baton-system --create-namespace --wait --timeout 120s >/dev/null
  scripts/sa-kubeconfig.sh baton-system baton e2e/target/operator.kubeconfig
fi
export BATON_E2E_OPERATOR_KUBECONFIG="$PWD/e2e/target/operator.kubeconfig"
[ -s e2e/target/classpath.txt ] ||
  mvn -B -q -ntp -Pe2e -pl e2e dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
exec java -cp "e2e/target/test-classes:$(cat e2e/target/classpath.txt)" -Dbaton.repoRoot="$PWD" dev.baton.e2e.FaultsBenchmark "$@"
