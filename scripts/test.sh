#!/usr/bin/env bash
# Every test in one command: unit and integration tests (the real operator on the Fabric8 mock
# server), then end-to-end tests on a real local Kubernetes (built from source on first use).
#   scripts/test.sh            # BATON_SKIP_E2E=1 runs only the first part
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
echo "[test] JDK: $JAVA_HOME"

mvn -B -ntp clean verify
if [ "${BATON_SKIP_E2E:-0}" != 1 ]; then
  e2e/run.sh
fi

# One closing line over every surefire report of the run.
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
t = f = e = s = 0
for path in glob.glob("operator/target/surefire-reports/TEST-*.xml") + glob.glob("e2e/target/surefire-reports/TEST-*.xml"):
    r = ET.parse(path).getroot()
    t += int(r.get("tests", 0)); f += int(r.get("failures", 0)); e += int(r.get("errors", 0)); s += int(r.get("skipped", 0))
print(f"{t - f - e - s} passed, {f + e} failed, {s} skipped")
PY
