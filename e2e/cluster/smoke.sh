#!/usr/bin/env bash
# Smoke check of the local e2e cluster: run after `cluster.sh up`.
# Exercises the kwok annotation contract, Job success/failure, cascading
# deletion, TTL-after-finished, namespace deletion, SA tokens and RBAC.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
eval "$("$SCRIPT_DIR/cluster.sh" env)"
NS="baton-smoke-$$"
PASSED=0
FAILED=0

say()  { printf '[smoke] %s\n' "$*"; }
ok()   { PASSED=$((PASSED + 1)); say "ok: $*"; }
bad()  { FAILED=$((FAILED + 1)); say "FAIL: $*"; }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# job <name> <annotations yaml (indented 8) or ""> [extra spec yaml]
job() {
  local name="$1" ann="$2" extra="${3:-}"
  kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $name
spec:
  backoffLimit: 0
$extra
  template:
    metadata:
      annotations:
        baton.dev/smoke: "1"
$ann
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "exit 0"]
EOF
}

pod_of() { kubectl -n "$NS" get pods -l "job-name=$1" -o jsonpath='{.items[0].metadata.name}'; }
pod_field() { kubectl -n "$NS" get pods -l "job-name=$1" -o jsonpath="{.items[0]$2}"; }

kubectl create namespace "$NS" >/dev/null
# The namespace's default ServiceAccount must appear (serviceaccount controller).
for _ in $(seq 1 60); do kubectl -n "$NS" get sa default >/dev/null 2>&1 && break; sleep 0.5; done

# 1. success, immediate
t0=$(date +%s%N)
job ok ""
check "job 'ok' completes" kubectl -n "$NS" wait job/ok --for=condition=Complete --timeout=60s
say "job 'ok' finished $(( ($(date +%s%N) - t0) / 1000000 ))ms after creation"
check "pod of 'ok' Succeeded" test "$(pod_field ok '.status.phase')" = Succeeded
check "pod of 'ok' exitCode 0" test "$(pod_field ok '.status.containerStatuses[0].state.terminated.exitCode')" = 0

# 2. failure with exit code and message
job fails '        baton.dev/fake-exit-code: "3"
        baton.dev/fake-message: '"'"'{"err":1}'"'"''
check "job 'fails' fails" kubectl -n "$NS" wait job/fails --for=condition=Failed --timeout=60s
check "pod of 'fails' Failed" test "$(pod_field fails '.status.phase')" = Failed
check "pod of 'fails' exitCode 3" test "$(pod_field fails '.status.containerStatuses[0].state.terminated.exitCode')" = 3
check "pod of 'fails' termination message" test "$(pod_field fails '.status.containerStatuses[0].state.terminated.message')" = '{"err":1}'
check "only one pod for 'fails' (no retry)" test "$(kubectl -n "$NS" get pods -l job-name=fails -o name | wc -l)" = 1

# 3. message on success
job msg '        baton.dev/fake-message: '"'"'{"rows": 5}'"'"''
check "job 'msg' completes" kubectl -n "$NS" wait job/msg --for=condition=Complete --timeout=60s
check "pod of 'msg' termination message" test "$(pod_field msg '.status.containerStatuses[0].state.terminated.message')" = '{"rows": 5}'

# 4. duration
t0=$(date +%s)
job slow '        baton.dev/fake-duration: "3s"'
kubectl -n "$NS" wait job/slow --for=condition=Complete --timeout=60s >/dev/null
dt=$(( $(date +%s) - t0 ))
check "job 'slow' (3s) took ${dt}s (expect 3-8s)" test "$dt" -ge 3 -a "$dt" -le 8

# 5. cascading (background) deletion of a running job's pod
job long '        baton.dev/fake-duration: "1h"'
for _ in $(seq 1 60); do [[ "$(pod_field long '.status.phase' 2>/dev/null)" == Running ]] && break; sleep 0.5; done
check "pod of 'long' Running" test "$(pod_field long '.status.phase')" = Running
kubectl -n "$NS" delete job long --cascade=background >/dev/null
gone=no
for _ in $(seq 1 60); do
  [[ -z "$(kubectl -n "$NS" get pods -l job-name=long -o name 2>/dev/null)" ]] && { gone=yes; break; }
  sleep 0.5
done
check "pod of 'long' deleted after background job deletion" test "$gone" = yes

# 6. ttl-after-finished
job ttl "" "  ttlSecondsAfterFinished: 0"
gone=no
for _ in $(seq 1 60); do
  kubectl -n "$NS" get job ttl >/dev/null 2>&1 || { gone=yes; break; }
  sleep 0.5
done
check "job 'ttl' removed by ttl-after-finished" test "$gone" = yes

# 7. service account tokens + RBAC
kubectl -n "$NS" create serviceaccount runner >/dev/null
TOKEN="$(kubectl -n "$NS" create token runner --duration=10m)"
check "kubectl create token works" test -n "$TOKEN"
CA="$(mktemp)"
trap 'rm -f "$CA"' EXIT
kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$CA"
SERVER="$(kubectl config view -o jsonpath='{.clusters[0].cluster.server}')"
as_sa() { kubectl --kubeconfig=/dev/null --server="$SERVER" --certificate-authority="$CA" --token="$TOKEN" "$@"; }
forbidden() { local out; if out="$(as_sa "$@" 2>&1)"; then return 1; fi; grep -qi forbidden <<<"$out"; }
whoami_is_sa() { [[ "$(as_sa auth whoami -o jsonpath='{.status.userInfo.username}')" == "system:serviceaccount:$NS:runner" ]]; }
check "token authenticates as the ServiceAccount" whoami_is_sa
check "RBAC denies listing pods before a grant" forbidden -n "$NS" get pods
kubectl -n "$NS" create role pod-reader --verb=get,list --resource=pods >/dev/null
kubectl -n "$NS" create rolebinding runner-pod-reader --role=pod-reader --serviceaccount="$NS:runner" >/dev/null
check "RBAC allows listing pods after the grant" as_sa -n "$NS" get pods -o name
check "RBAC still denies listing secrets" forbidden -n "$NS" get secrets
check "RBAC denies creating jobs" forbidden -n "$NS" create job x --image=busybox

# 8. namespace deletion (namespace controller + GC)
kubectl delete namespace "$NS" --wait=false >/dev/null
gone=no
for _ in $(seq 1 120); do
  kubectl get namespace "$NS" >/dev/null 2>&1 || { gone=yes; break; }
  sleep 0.5
done
check "namespace $NS deleted" test "$gone" = yes

echo "$PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
