#!/usr/bin/env bash
# Signal-to-run-start latency: Baton on the local cluster (or BATON_E2E_KUBECONFIG), measured by an
# independent watcher (dev.baton.e2e.SignalBenchmark: watch events of the Signals, the runs they
# start and the runs' step pods).
#
#   e2e/signal-bench.sh [samples] [concurrent] [bursts]
#
# samples: signals sent one at a time, each after the previous run ended (default 20);
# concurrent: signals created at once from 32 threads (default 100), bursts: how many such bursts
# (default 1). Prints p50 and p99 of signal -> run created and signal -> first step pod. Builds
# through the reactor (no mvn install). Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
log() { printf '[signal-bench] %s\n' "$*" >&2; }

if [ -n "${BATON_E2E_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$BATON_E2E_KUBECONFIG"
else
  e2e/cluster/cluster.sh up >&2
  eval "$(e2e/cluster/cluster.sh env)"
fi

log "build the operator and the benchmark (no install)"
mvn -B -q -ntp -o -Pe2e -pl operator,e2e package dependency:build-classpath -DskipTests \
  -Dspotless.check.skip=true -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test >&2
log "helm install and the operator's ServiceAccount kubeconfig"
e2e/bench-cluster.sh
export BATON_E2E_OPERATOR_KUBECONFIG="$PWD/e2e/target/operator.kubeconfig"

echo "Command: e2e/signal-bench.sh $*; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -cp "e2e/target/test-classes:$(cat e2e/target/classpath.txt)" -Dbaton.repoRoot="$PWD" \
  dev.baton.e2e.SignalBenchmark "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
