# shellcheck shell=bash
# Sourced by the scripts/bench-*.sh that need no cluster: runs a main class of the operator's
# test classes, on the operator's test classpath, from the repository's root.
#   bench_main HEAP CLASS [ARGS...]
bench_main() {
  local heap=$1 main=$2
  shift 2
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  . scripts/java-home.sh
  mvn -q -pl operator test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
  local cp
  cp="operator/target/classes:operator/target/test-classes:$(cat operator/target/test-classpath.txt)"
  exec java "-Xmx$heap" -XX:+UseG1GC -cp "$cp" "$main" "$@"
}
