#!/usr/bin/env bash
# The flow engine benchmark: no cluster, a fake runtime. Prints hand-off latency, transitions
# per second, heap, and a 1,000,000-iteration foreach (iterations/s, peak heap, largest status).
# Usage: scripts/bench-engine.sh [instances] [foreach [iterations]]   (default 1000; 'foreach' runs
# only that, twice: cold and warm, by default 1,000,000 iterations)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
mvn -q -pl operator test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
cp="operator/target/classes:operator/target/test-classes:$(cat operator/target/test-classpath.txt)"
exec java -Xmx1g -XX:+UseG1GC -cp "$cp" dev.baton.bench.EngineBenchmark "$@"
