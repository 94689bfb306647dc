#!/usr/bin/env bash
# Regenerates crds/ and helm/baton/crds/ from the Java model in dev.baton.api, as every build does
# (operator/pom.xml, at process-test-classes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
mvn -q -pl operator process-test-classes
echo "crds/ and helm/baton/crds/ regenerated:"
ls crds helm/baton/crds
