#!/usr/bin/env bash
# Watch-decode benchmark: no cluster. Prints what decoding one step's watch events (five Pod, five
# Job and one WorkflowInstance event, recorded from a local cluster with their managedFields) costs
# with Fabric8's default serialization and with the operator's (managedFields skipped, Blackbird),
# in one JVM, and the ratio.
# Usage: scripts/bench-watch-decode.sh [rounds] [steps per round]   (default 5 20000)
set -euo pipefail
. "$(dirname "$0")/lib/bench-main.sh"
bench_main 512m dev.baton.bench.WatchDecodeBenchmark "$@"
