#!/usr/bin/env bash
# Regenerates crds/ and helm/baton/crds/ from the Java model in dev.baton.api.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
mvn -q -pl operator test -Dtest=CrdsAreUpToDateTest -Dbaton.updateCrds=true -Dsurefire.failIfNoSpecifiedTests=false
echo "crds/ and helm/baton/crds/ regenerated:"
ls crds helm/baton/crds
