#!/usr/bin/env bash
# Observations benchmark: no cluster. Prints the cost of one reconcile of an instance with n
# running Jobs and Pods, before (every object replayed to the engine) and after (changed objects
# only), and the heap the informer caches take for n finished Jobs and Pods, whole and pruned.
# Usage: scripts/bench-observations.sh [n ...]   (default 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
mvn -q -o -pl operator test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
cp="operator/target/classes:operator/target/test-classes:$(cat operator/target/test-classpath.txt)"
exec java -Xmx1g -XX:+UseG1GC -cp "$cp" dev.baton.bench.ObservationBenchmark "$@"
