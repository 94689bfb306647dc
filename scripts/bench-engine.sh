#!/usr/bin/env bash
# The flow engine benchmark: no cluster, a fake runtime. Prints hand-off latency, transitions
# per second, heap, and a 1,000,000-iteration foreach (iterations/s, peak heap, largest status).
# Usage: scripts/bench-engine.sh [instances] [foreach [iterations]]   (default 1000; 'foreach' runs
# only that, twice: cold and warm, by default 1,000,000 iterations)
set -euo pipefail
. "$(dirname "$0")/lib/bench-main.sh"
bench_main 1g dev.baton.bench.EngineBenchmark "$@"
