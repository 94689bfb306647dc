#!/usr/bin/env bash
# Watch-decode benchmark: no cluster. Prints what decoding one step's watch events (five Pod, five
# Job and one WorkflowInstance event, recorded from a local cluster with their managedFields) costs
# with Fabric8's default serialization and with the operator's (managedFields skipped, Blackbird),
# in one JVM, and the ratio.
# Usage: scripts/bench-watch-decode.sh [rounds] [steps per round]   (default 5 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
mvn -q -o -pl operator test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
cp="operator/target/classes:operator/target/test-classes:$(cat operator/target/test-classpath.txt)"
exec java -Xmx512m -XX:+UseG1GC -cp "$cp" dev.baton.bench.WatchDecodeBenchmark "$@"
