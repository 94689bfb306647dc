#!/usr/bin/env bash
# The flow engine benchmark: no cluster, a fake runtime. Prints hand-off latency, transitions
# per second and heap. Usage: scripts/bench-engine.sh [instances]   (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
mvn -q -pl operator test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
cp="operator/target/classes:operator/target/test-classes:$(cat operator/target/test-classpath.txt)"
exec java -Xmx512m -XX:+UseG1GC -cp "$cp" dev.baton.bench.EngineBenchmark "$@"
