#!/usr/bin/env bash
# Observations benchmark: no cluster. Prints the cost of one reconcile of an instance with n
# running Jobs and Pods, before (every object replayed to the engine) and after (changed objects
# only), and the heap the informer caches take for n finished Jobs and Pods, whole and pruned.
# Usage: scripts/bench-observations.sh [n ...]   (default 1000 10000)
set -euo pipefail
. "$(dirname "$0")/lib/bench-main.sh"
bench_main 1g dev.baton.bench.ObservationBenchmark "$@"
