#!/usr/bin/env bash
# Static checks of the Helm chart helm/baton, no cluster needed: `helm lint`, then
# `helm template` with several value sets and assertions on the rendered manifests
# (plain bash/grep/awk, no yq). Also checks that helm/baton/crds/ is a byte-identical
# copy of the generated crds/.
#
# Usage: e2e/chart-test.sh            (helm from $HELM, else PATH, else the e2e cache)
#        HELM=/path/to/helm e2e/chart-test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
CHART=helm/baton
NS=baton-system        # release namespace used for every render
RELEASE=baton          # release name: resources are then named "baton"

# --- helm -----------------------------------------------------------------------
HELM="${HELM:-}"
if [[ -z "$HELM" ]]; then
  HELM="$(command -v helm || true)"
fi
if [[ -z "$HELM" ]]; then
  # e2e/cluster/cluster.sh caches a helm binary here.
  HELM="$(find "${HOME:-/root}/.cache/baton" -name helm -type f -perm -u+x 2>/dev/null | sort | head -n 1 || true)"
fi
if [[ -z "$HELM" || ! -x "$HELM" ]]; then
  echo "chart-test: FATAL: no helm binary: set HELM=/path/to/helm or put helm on PATH" >&2
  exit 2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

PASSED=0
FAILED=0
say()  { printf '[chart-test] %s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); say "ok: $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL: $*" >&2; }
# check <description> <command...>: passes when the command succeeds.
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# expect <description> <actual> <expected>
expect() {
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: expected '$3', got '$2'"; fi
}

say "helm: $HELM ($("$HELM" version --short 2>/dev/null || echo unknown version))"

# --- manifest helpers -------------------------------------------------------------
# docs <file> <kind> [name] [namespace]: prints the rendered documents of that kind
# (and metadata.name / metadata.namespace, when given).
docs() {
  awk -v k="$2" -v n="${3:-}" -v s="${4:-}" '
    function flush() {
      if (kind == k && (n == "" || name == n) && (s == "" || ns == s)) printf "%s", buf
      buf = ""; kind = ""; name = ""; ns = ""; inmeta = 0
    }
    /^---/ { flush(); next }
    { buf = buf $0 "\n" }
    /^kind: / { kind = $2 }
    /^metadata:/ { inmeta = 1; next }
    /^[^ #]/ { inmeta = 0 }
    inmeta && /^  name: / { name = $2; gsub(/"/, "", name) }
    inmeta && /^  namespace: / { ns = $2; gsub(/"/, "", ns) }
    END { flush() }' "$1"
}
# inventory <file>: one "Kind/name@namespace" line per rendered document, sorted.
inventory() {
  awk '
    function flush() { if (kind != "") print kind "/" name "@" ns; kind = ""; name = ""; ns = ""; inmeta = 0 }
    /^---/ { flush(); next }
    /^kind: / { kind = $2 }
    /^metadata:/ { inmeta = 1; next }
    /^[^ #]/ { inmeta = 0 }
    inmeta && /^  name: / { name = $2; gsub(/"/, "", name) }
    inmeta && /^  namespace: / { ns = $2; gsub(/"/, "", ns) }
    END { flush() }' "$1" | sort
}
# count <file> <kind> [name] [namespace]: number of such documents.
count() { docs "$@" | grep -c '^kind: ' || true; }
# env_value <file> <VAR>: the value of env var VAR in the Deployment (unquoted).
env_value() {
  docs "$1" Deployment | awk -v v="$2" '
    $0 ~ "^ *- name: " v "$" { getline; if ($0 ~ /^ *value: /) { sub(/^ *value: /, ""); gsub(/"/, ""); print; found = 1 } exit }
    END { if (!found) print "<unset>" }'
}
# has <file> <kind> <extended regex>: some document of that kind has a matching line.
# (grep reads to the end: with -q it would stop at the first match, and under pipefail the writer
# killed by SIGPIPE would fail the check.)
has() { docs "$1" "$2" | grep -E -- "$3" >/dev/null; }
# rules_of <file> <kind> <name> <namespace>: the rules: block of a (Cluster)Role.
rules_of() { docs "$1" "$2" "$3" "${4:-}" | awk '/^rules:/ { on = 1; next } on && /^[^ ]/ { on = 0 } on'; }

# render <id> [helm args...]: helm template into $TMP/<id>.yaml; counts as a check.
render() {
  local id="$1"; shift
  if "$HELM" template "$RELEASE" "$CHART" --namespace "$NS" "$@" >"$TMP/$id.yaml" 2>"$TMP/$id.err"; then
    pass "helm template [$id] renders"
  else
    fail "helm template [$id] failed: $(cat "$TMP/$id.err")"
    : >"$TMP/$id.yaml"
  fi
}
# rejects <description> [helm args...]: helm template must fail on these values.
rejects() {
  local what="$1"; shift
  if "$HELM" template "$RELEASE" "$CHART" --namespace "$NS" "$@" >/dev/null 2>"$TMP/reject.err"; then
    fail "$what: rendered, but should have been rejected"
  else
    pass "$what: rejected: $(grep -m1 -E "at '|jobTtl|watchNamespaces" "$TMP/reject.err" | sed 's/^[- ]*//' | cut -c1-100)"
  fi
}

# The least-privilege rules every namespace (or the cluster) gets; nothing more.
EXPECTED_RULES='  - apiGroups: ["baton.dev"]
    resources: ["workflows", "workflowinstances"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["baton.dev"]
    resources: ["workflowinstances"]
    verbs: ["create", "patch", "delete"]
  - apiGroups: ["baton.dev"]
    resources: ["workflows/status"]
    verbs: ["update"]
  - apiGroups: ["baton.dev"]
    resources: ["workflowinstances/status"]
    verbs: ["update", "patch"]
  - apiGroups: ["baton.dev"]
    resources: ["workflowinstances/finalizers"]
    verbs: ["update"]
  - apiGroups: ["baton.dev"]
    resources: ["signals"]
    verbs: ["get", "list", "watch", "create", "delete"]
  - apiGroups: ["baton.dev"]
    resources: ["signals/status"]
    verbs: ["update"]
  - apiGroups: ["batch"]
    resources: ["jobs"]
    verbs: ["get", "list", "watch", "create", "delete", "deletecollection"]
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["list", "watch", "delete", "deletecollection"]
  - apiGroups: [""]
    resources: ["events"]
    verbs: ["create"]'

# --- 1. CRDs: the chart's copy is the generated one --------------------------------
if diff -r crds "$CHART/crds" >"$TMP/crds.diff" 2>&1; then
  pass "helm/baton/crds/ is byte-identical to crds/"
else
  fail "helm/baton/crds/ differs from crds/ (run scripts/update-crds.sh):"$'\n'"$(head -n 20 "$TMP/crds.diff")"
fi

# --- 2. lint ----------------------------------------------------------------------
check "helm lint $CHART" "$HELM" lint "$CHART" --quiet
check "helm lint --strict $CHART" "$HELM" lint --strict "$CHART" --quiet
check "helm lint --strict (replicas=2, watchNamespaces, serviceMonitor)" \
  "$HELM" lint --strict "$CHART" --quiet --set replicas=2 --set 'watchNamespaces={team-a,team-b}' --set serviceMonitor.enabled=true

# Every value in values.yaml carries a comment (on itself or on an enclosing map).
undocumented="$(awk '
  /^[[:space:]]*#/ { commented = 1; next }
  /^[[:space:]]*$/ { commented = 0; next }
  /^[[:space:]]*-/ { commented = 0; next }
  $0 ~ /^ *[A-Za-z0-9_.\/-]+:/ {
    match($0, /^ */); ind = RLENGTH
    for (i in documented) if (i + 0 >= ind) delete documented[i]
    inherited = 0; for (i in documented) if (documented[i]) inherited = 1
    key = $0; sub(/:.*/, "", key); gsub(/ /, "", key)
    documented[ind] = commented || inherited
    if (!documented[ind] && $0 !~ /:[[:space:]]*$/) print key
    commented = 0
  }' "$CHART/values.yaml")"
expect "every value in values.yaml is documented" "${undocumented//$'\n'/ }" ""

# --- 3. defaults --------------------------------------------------------------------
render defaults
F="$TMP/defaults.yaml"
expect "defaults: exactly SA, ClusterRole(+Binding), lease Role(+Binding), Service, Deployment, admission policy(+Binding)" "$(inventory "$F" | tr '\n' ' ')" \
  "ClusterRole/baton@ ClusterRoleBinding/baton@ Deployment/baton@$NS Role/baton-leader-election@$NS RoleBinding/baton-leader-election@$NS Service/baton-metrics@$NS ServiceAccount/baton@$NS ValidatingAdmissionPolicy/baton-signals@ ValidatingAdmissionPolicy/baton-workflows@ ValidatingAdmissionPolicyBinding/baton-signals@ ValidatingAdmissionPolicyBinding/baton-workflows@ "
expect "defaults: ClusterRole grants exactly the operator's rules" "$(rules_of "$F" ClusterRole baton)" "$EXPECTED_RULES"
check "defaults: ClusterRoleBinding binds ServiceAccount baton in $NS" \
  has "$F" ClusterRoleBinding "^    namespace: $NS$"
check "defaults: ClusterRoleBinding subject is ServiceAccount baton" has "$F" ClusterRoleBinding '^    name: baton$'
expect "defaults: only the lease Role" "$(count "$F" Role)" 1
expect "defaults: no ServiceMonitor" "$(count "$F" ServiceMonitor)" 0
check "defaults: replicas 1" has "$F" Deployment '^  replicas: 1$'
check "defaults: RollingUpdate strategy (the new pod waits for the Lease)" has "$F" Deployment '^    type: RollingUpdate$'
expect "defaults: image tag = appVersion" "$(docs "$F" Deployment | awk '/^ *image: / { gsub(/"/, "", $2); print $2 }')" \
  "baton-operator:$(awk '/^appVersion:/ { gsub(/"/, "", $2); print $2 }' "$CHART/Chart.yaml")"
check "defaults: imagePullPolicy IfNotPresent" has "$F" Deployment '^ *imagePullPolicy: IfNotPresent$'
expect "defaults: BATON_LEADER_ELECTION (always)" "$(env_value "$F" BATON_LEADER_ELECTION)" true
expect "defaults: BATON_NAMESPACES (all)" "$(env_value "$F" BATON_NAMESPACES)" ""
expect "defaults: BATON_JOB_TTL" "$(env_value "$F" BATON_JOB_TTL)" 24h
expect "defaults: BATON_HTTP_PORT" "$(env_value "$F" BATON_HTTP_PORT)" 8080
expect "defaults: BATON_RECONCILE_THREADS" "$(env_value "$F" BATON_RECONCILE_THREADS)" 20
expect "defaults: BATON_ENGINE_THREADS unset (operator default)" "$(env_value "$F" BATON_ENGINE_THREADS)" "<unset>"
check "defaults: POD_NAMESPACE from the downward API" \
  bash -c "grep -A3 -- '- name: POD_NAMESPACE' \"\$1\" | grep -q 'fieldPath: metadata.namespace'" _ "$F"
check "defaults: JAVA_TOOL_OPTIONS sizes the heap" has "$F" Deployment 'MaxRAMPercentage=75'
check "defaults: container port http 8080" bash -c "grep -B1 -- 'containerPort: 8080' \"\$1\" | grep -q 'name: http\$'" _ "$F"
check "defaults: liveness probe on /healthz" bash -c "grep -A3 'livenessProbe:' \"\$1\" | grep -q 'path: /healthz'" _ "$F"
check "defaults: readiness probe on /readyz" bash -c "grep -A3 'readinessProbe:' \"\$1\" | grep -q 'path: /readyz'" _ "$F"
check "defaults: probes use port http" bash -c "[ \"\$(grep -c '^ *port: http\$' \"\$1\")\" -ge 3 ]" _ "$F"
for line in 'runAsNonRoot: true' 'runAsUser: 65532' 'readOnlyRootFilesystem: true' \
            'allowPrivilegeEscalation: false' '- ALL' 'type: RuntimeDefault'; do
  check "defaults: securityContext $line" has "$F" Deployment "^ +$line\$"
done
check "defaults: emptyDir mounted at /tmp" bash -c \
  "grep -q 'mountPath: /tmp' \"\$1\" && grep -A1 -- '- name: tmp' \"\$1\" | grep -q emptyDir" _ "$F"
check "defaults: requests cpu 250m" has "$F" Deployment '^ +cpu: 250m$'
check "defaults: requests memory 512Mi" has "$F" Deployment '^ +memory: 512Mi$'
check "defaults: limits memory 1Gi" bash -c "grep -A1 '^ *limits:' \"\$1\" | grep -q 'memory: 1Gi'" _ "$F"
check "defaults: Service port http-metrics -> 8080/http" bash -c \
  "grep -A3 -- '- name: http-metrics' \"\$1\" | tr -d '\n' | grep -Eq 'port: 8080 +targetPort: http'" _ "$F"

# --- 4. replicas=2: leader election ---------------------------------------------------
render replicas2 --set replicas=2
F="$TMP/replicas2.yaml"
check "replicas=2: Deployment has 2 replicas" has "$F" Deployment '^  replicas: 2$'
expect "replicas=2: BATON_LEADER_ELECTION" "$(env_value "$F" BATON_LEADER_ELECTION)" true
expect "replicas=2: a lease Role in $NS" "$(count "$F" Role baton-leader-election "$NS")" 1
expect "replicas=2: its RoleBinding in $NS" "$(count "$F" RoleBinding baton-leader-election "$NS")" 1
check "replicas=2: lease Role is about coordination.k8s.io leases" has "$F" Role 'apiGroups: \["coordination.k8s.io"\]'
expect "replicas=2: lease Role is create, and get/patch/update of the one Lease, only" "$(rules_of "$F" Role baton-leader-election "$NS")" \
  "$(printf '%s\n' '  - apiGroups: ["coordination.k8s.io"]' '    resources: ["leases"]' '    verbs: ["create"]' \
     '  - apiGroups: ["coordination.k8s.io"]' '    resources: ["leases"]' \
     "    resourceNames: [\"$(env_value "$F" BATON_LEASE_NAME)\"]" '    verbs: ["get", "patch", "update"]')"
check "replicas=2: RollingUpdate strategy" has "$F" Deployment '^    type: RollingUpdate$'
expect "replicas=2: still a ClusterRole (all namespaces)" "$(count "$F" ClusterRole)" 1

expect "1 replica: a lease Role too" "$(count "$TMP/defaults.yaml" Role baton-leader-election "$NS")" 1

render lease-name --set replicas=3 --set leaderElection.leaseName=my-lease
F="$TMP/lease-name.yaml"
expect "leaderElection.leaseName: BATON_LEASE_NAME" "$(env_value "$F" BATON_LEASE_NAME)" my-lease
check "leaderElection.leaseName: lease Role names it" has "$F" Role 'resourceNames: \["my-lease"\]'
expect "defaults: BATON_LEASE_DURATION 15s" "$(env_value "$TMP/defaults.yaml" BATON_LEASE_DURATION)" 15s
expect "defaults: BATON_LEASE_RENEW_DEADLINE 10s" "$(env_value "$TMP/defaults.yaml" BATON_LEASE_RENEW_DEADLINE)" 10s
expect "defaults: BATON_LEASE_RETRY_PERIOD 2s" "$(env_value "$TMP/defaults.yaml" BATON_LEASE_RETRY_PERIOD)" 2s
render lease-timing --set leaderElection.leaseDuration=60s --set leaderElection.renewDeadline=45s --set leaderElection.retryPeriod=5s
F="$TMP/lease-timing.yaml"
expect "leaderElection.leaseDuration: BATON_LEASE_DURATION" "$(env_value "$F" BATON_LEASE_DURATION)" 60s
expect "leaderElection.renewDeadline: BATON_LEASE_RENEW_DEADLINE" "$(env_value "$F" BATON_LEASE_RENEW_DEADLINE)" 45s
expect "leaderElection.retryPeriod: BATON_LEASE_RETRY_PERIOD" "$(env_value "$F" BATON_LEASE_RETRY_PERIOD)" 5s

# --- 5. watchNamespaces: namespaced RBAC only ----------------------------------------------
render watch --set 'watchNamespaces={team-a,team-b}'
F="$TMP/watch.yaml"
for ns in team-a team-b; do
  expect "watchNamespaces: Role in $ns" "$(count "$F" Role baton "$ns")" 1
  expect "watchNamespaces: Role in $ns grants exactly the operator's rules" "$(rules_of "$F" Role baton "$ns")" "$EXPECTED_RULES"
  expect "watchNamespaces: RoleBinding in $ns" "$(count "$F" RoleBinding baton "$ns")" 1
  check "watchNamespaces: RoleBinding in $ns binds ServiceAccount baton of $NS" bash -c \
    "printf '%s' \"\$1\" | grep -q '^    namespace: $NS\$' && printf '%s' \"\$1\" | grep -q '^    name: baton\$'" _ \
    "$(docs "$F" RoleBinding baton "$ns")"
done
expect "watchNamespaces: no ClusterRole" "$(count "$F" ClusterRole)" 0
expect "watchNamespaces: no ClusterRoleBinding" "$(count "$F" ClusterRoleBinding)" 0
check "watchNamespaces: nothing grants baton.dev cluster-wide" \
  bash -c "! awk '/^---/{k=\"\"} /^kind: ClusterRole/{k=1} k && /baton.dev/' \"\$1\" | grep -q ." _ "$F"
expect "watchNamespaces: BATON_NAMESPACES" "$(env_value "$F" BATON_NAMESPACES)" "team-a,team-b"
expect "watchNamespaces: the lease Role in $NS with 1 replica" "$(count "$F" Role baton-leader-election "$NS")" 1

render watch-ha --set 'watchNamespaces={team-a,team-b,team-a}' --set replicas=2
F="$TMP/watch-ha.yaml"
expect "watchNamespaces + replicas=2: duplicates dropped" "$(env_value "$F" BATON_NAMESPACES)" "team-a,team-b"
expect "watchNamespaces + replicas=2: one Role per namespace + lease Role" "$(count "$F" Role)" 3
expect "watchNamespaces + replicas=2: lease Role in $NS" "$(count "$F" Role baton-leader-election "$NS")" 1
expect "watchNamespaces + replicas=2: no ClusterRole" "$(count "$F" ClusterRole)" 0

# --- 5b. admission policy -------------------------------------------------------------------
F="$TMP/defaults.yaml"
check "admissionPolicy: binding denies" has "$F" ValidatingAdmissionPolicyBinding '^  validationActions: \[Deny\]$'
check "admissionPolicy: binding names the policy" has "$F" ValidatingAdmissionPolicyBinding '^  policyName: baton-workflows$'
check "admissionPolicy: a binding names the signals policy" has "$F" ValidatingAdmissionPolicyBinding '^  policyName: baton-signals$'
check "admissionPolicy: bounds a Signal's params" has "$F" ValidatingAdmissionPolicy 'size\(variables.params\[k\]\) <= 4096'

check "admissionPolicy: failurePolicy Fail" has "$F" ValidatingAdmissionPolicy '^  failurePolicy: Fail$'
check "admissionPolicy: checks the pod-create permission of the author" has "$F" ValidatingAdmissionPolicy "authorizer.group\\(''\\).resource\\('pods'\\).namespace\\(request.namespace\\).check\\('create'\\).allowed\\(\\)"
check "admissionPolicy: names the operator's ServiceAccount and namespace" has "$F" ValidatingAdmissionPolicy "request.namespace == 'baton-system'.*|serviceAccountName == 'baton'"
check "admissionPolicy: checks steps 10 loops deep, refuses deeper" has "$F" ValidatingAdmissionPolicy 's9.steps.exists\(s10, has\(s10.steps\)'
expect "admissionPolicy: five host-access and depth checks plus SA and authorizer, and the Signal params check" "$(docs "$F" ValidatingAdmissionPolicy | grep -c '^    - expression: ')" 8
render vap-host --set admissionPolicy.allowHostAccess=true
expect "admissionPolicy.allowHostAccess: only depth, SA and authorizer checks, and the Signal params check" "$(docs "$TMP/vap-host.yaml" ValidatingAdmissionPolicy | grep -c '^    - expression: ')" 4
render vap-off --set admissionPolicy.enabled=false
expect "admissionPolicy.enabled=false: no policy" "$(count "$TMP/vap-off.yaml" ValidatingAdmissionPolicy)" 0
expect "admissionPolicy.enabled=false: no binding" "$(count "$TMP/vap-off.yaml" ValidatingAdmissionPolicyBinding)" 0

# --- 6. serviceMonitor ----------------------------------------------------------------------
render servicemonitor --set serviceMonitor.enabled=true --set serviceMonitor.labels.release=prometheus
F="$TMP/servicemonitor.yaml"
expect "serviceMonitor.enabled: one ServiceMonitor in $NS" "$(count "$F" ServiceMonitor baton "$NS")" 1
check "serviceMonitor: scrapes port http-metrics" has "$F" ServiceMonitor '^ *- port: http-metrics$'
check "serviceMonitor: path /metrics" has "$F" ServiceMonitor '^ *path: /metrics$'
check "serviceMonitor: extra label" has "$F" ServiceMonitor '^    release: prometheus$'
check "serviceMonitor: selects the metrics Service's labels" bash -c \
  "for l in 'app.kubernetes.io/name: baton' 'app.kubernetes.io/instance: baton'; do printf '%s' \"\$2\" | grep -q \"\$l\" || exit 1; done
   printf '%s' \"\$1\" | grep -A3 'matchLabels:' | grep -q 'app.kubernetes.io/instance: baton'" _ \
  "$(docs "$F" ServiceMonitor)" "$(docs "$F" Service)"

# --- 7. other values --------------------------------------------------------------------------
render existing-sa --set serviceAccount.create=false --set serviceAccount.name=ops-sa
F="$TMP/existing-sa.yaml"
expect "serviceAccount.create=false: no ServiceAccount" "$(count "$F" ServiceAccount)" 0
check "serviceAccount.name: pod runs as ops-sa" has "$F" Deployment '^ +serviceAccountName: ops-sa$'
check "serviceAccount.name: ClusterRoleBinding binds ops-sa" has "$F" ClusterRoleBinding '^    name: ops-sa$'

render no-rbac --set rbac.create=false
F="$TMP/no-rbac.yaml"
expect "rbac.create=false: no RBAC objects" "$(inventory "$F" | grep -c -E '^(Cluster)?Role' || true)" 0

render misc --set jobTtl=none --set image.tag=dev --set image.repository=registry.example/baton \
  --set engineThreads=8 --set httpPort=9090 --set 'extraEnv[0].name=FOO' --set 'extraEnv[0].value=bar' \
  --set 'service.annotations.prometheus\.io/scrape=true' --set 'imagePullSecrets[0].name=regcred'
F="$TMP/misc.yaml"
expect "jobTtl=none: BATON_JOB_TTL" "$(env_value "$F" BATON_JOB_TTL)" none
check "image.repository/tag" has "$F" Deployment '^ *image: "registry.example/baton:dev"$'
expect "engineThreads: BATON_ENGINE_THREADS" "$(env_value "$F" BATON_ENGINE_THREADS)" 8
expect "httpPort: BATON_HTTP_PORT" "$(env_value "$F" BATON_HTTP_PORT)" 9090
check "httpPort: Service port 9090" has "$F" Service '^ +port: 9090$'
expect "extraEnv: FOO" "$(env_value "$F" FOO)" bar
check "service.annotations" has "$F" Service 'prometheus.io/scrape: "true"'
check "imagePullSecrets" has "$F" Deployment '^ +- name: regcred$'

rejects "jobTtl=bogus" --set jobTtl=bogus
rejects "watchNamespaces with an invalid name" --set 'watchNamespaces={Team_A}'
rejects "replicas=-1" --set replicas=-1
rejects "leaderElection.enabled (gone: always on)" --set leaderElection.enabled=false

# NOTES.txt tells how to run the examples and watch the instances.
if "$HELM" install "$RELEASE" "$CHART" --namespace "$NS" --dry-run >"$TMP/notes.txt" 2>&1 || \
   "$HELM" install "$RELEASE" "$CHART" --namespace "$NS" --dry-run=client >"$TMP/notes.txt" 2>&1; then
  check "NOTES.txt: apply the examples" grep -q 'create -f examples/hello-dag-run.yaml' "$TMP/notes.txt"
  check "NOTES.txt: kubectl get workflowinstances.baton.dev" grep -q 'kubectl .*get workflowinstances\.baton\.dev' "$TMP/notes.txt"
else
  fail "helm install --dry-run (for NOTES.txt) failed: $(tail -n 3 "$TMP/notes.txt")"
fi

echo "chart-test: $PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
