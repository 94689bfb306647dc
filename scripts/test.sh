#!/usr/bin/env bash
# Every test in one command: unit and integration tests (the real operator on the Fabric8 mock
# server), then end-to-end tests on a real local Kubernetes (built from source on first use).
#   scripts/test.sh            # BATON_SKIP_E2E=1 runs only the first part
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
echo "[test] JDK: $JAVA_HOME"

# The e2e module sits in a profile, so `clean` below does not reach its old reports.
rm -rf e2e/target/surefire-reports
# The build writes crds/ and helm/baton/crds/ from the model: they must already hold what it
# writes, or the committed CRDs are stale (on a clean clone, as in CI, this is `git diff`).
crds_before=$(mktemp -d)
trap 'rm -rf "$crds_before"' EXIT
cp -r crds "$crds_before/crds"
cp -r helm/baton/crds "$crds_before/chart-crds"
mvn -B -ntp -Dstyle.color=never clean verify
if ! diff -ru "$crds_before/crds" crds || ! diff -ru "$crds_before/chart-crds" helm/baton/crds; then
  echo "[test] the build rewrote crds/ or helm/baton/crds/ (diff above): the committed CRDs were stale; commit them" >&2
  exit 1
fi
if [ "${BATON_SKIP_E2E:-0}" != 1 ]; then
  e2e/run.sh
fi

# One closing line over every surefire report of the run, on a line of its own.
echo
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
# Count test cases, not the suites' totals: surefire reports JUnit @Nested classes' cases inside
# the outer class's file while its "tests" attribute says 0.
passed = failed = skipped = 0
for path in glob.glob("operator/target/surefire-reports/TEST-*.xml") + glob.glob("e2e/target/surefire-reports/TEST-*.xml"):
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
