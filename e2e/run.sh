#!/usr/bin/env bash
# End-to-end tests on a real Kubernetes API: the local cluster of e2e/cluster (built and started
# here unless BATON_E2E_KUBECONFIG names another) with Argo Workflows' CRDs installed beside
# Baton's (so every kubectl in the tests must name Baton's kinds in full), the Helm chart
# installed, the operator run as a local process with the chart's ServiceAccount token, every
# example and a kill -9 recovery, and finally helm uninstall plus CRD deletion leaving no Baton
# object behind.
#
#   e2e/run.sh                 # BATON_KEEP_CLUSTER=1 leaves the local cluster up afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh

RELEASE=baton
RELEASE_NS=baton-system
log() { printf '[e2e] %s\n' "$*"; }

own_cluster=0
if [ -n "${BATON_E2E_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$BATON_E2E_KUBECONFIG"   # another cluster: kubectl and helm come from PATH
else
  e2e/cluster/cluster.sh up
  own_cluster=1
  eval "$(e2e/cluster/cluster.sh env)"
fi

cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    log "FAILED (exit $rc); operator logs are in e2e/target/operator-*.log"
    kubectl get workflowinstances.baton.dev -A 2>/dev/null | head -50 || true
  fi
  if [ $own_cluster = 1 ] && [ "${BATON_KEEP_CLUSTER:-0}" != 1 ]; then e2e/cluster/cluster.sh down >/dev/null 2>&1 || true; fi
  exit $rc
}
trap cleanup EXIT

log "kubectl $(kubectl version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'), server $(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"

# Baton lives beside Argo Workflows: with Argo's CRDs installed, a bare `workflows` is Argo's kind.
if kubectl get crd workflows.argoproj.io >/dev/null 2>&1 && [ $own_cluster = 0 ]; then
  log "Argo Workflows' CRDs are already on the cluster"
else
  log "Argo Workflows' CRDs (pinned Go module) beside Baton's"
  kubectl apply --server-side --force-conflicts -k "$(e2e/cluster/cluster.sh argo-module)/manifests/base/crds/minimal" >/dev/null
  kubectl wait --for=condition=Established --timeout=60s crd/workflows.argoproj.io >/dev/null
fi

log "chart: helm lint and helm template"
bash e2e/chart-test.sh | tail -1

log "build the operator"
mvn -B -q -pl operator -am install -DskipTests

log "helm install"
helm upgrade --install "$RELEASE" helm/baton --namespace "$RELEASE_NS" --create-namespace --wait --timeout 120s >/dev/null
kubectl get crd workflows.baton.dev workflowinstances.baton.dev >/dev/null

log "a kubeconfig for the chart's ServiceAccount"
scripts/sa-kubeconfig.sh "$RELEASE_NS" "$RELEASE" e2e/target/operator.kubeconfig
export BATON_E2E_OPERATOR_KUBECONFIG="$PWD/e2e/target/operator.kubeconfig"
# The token must be able to do what the operator does, and no more.
can_i() { KUBECONFIG="$BATON_E2E_OPERATOR_KUBECONFIG" kubectl auth can-i "$@" 2>/dev/null || true; }
[ "$(can_i create jobs.batch -n default)" = yes ] || { echo "the operator's ServiceAccount cannot create Jobs" >&2; exit 1; }
[ "$(can_i create workflowinstances.baton.dev -n default)" = yes ] || { echo "the operator's ServiceAccount cannot create WorkflowInstances (subworkflow children)" >&2; exit 1; }
[ "$(can_i patch workflowinstances.baton.dev -n default)" = yes ] || { echo "the operator's ServiceAccount cannot patch WorkflowInstances (stopping subworkflow children)" >&2; exit 1; }
[ "$(can_i delete workflowinstances.baton.dev -n default)" = yes ] || { echo "the operator's ServiceAccount cannot delete WorkflowInstances (children of iterations a restart runs again)" >&2; exit 1; }
[ "$(can_i create secrets -n default)" = no ] || { echo "the operator's ServiceAccount may create Secrets: RBAC is wider than it should be" >&2; exit 1; }
log "the operator's permissions are exactly e2e/operator-permissions.txt"
e2e/permissions.sh "$RELEASE_NS" "$(kubectl -n "$RELEASE_NS" get deploy -l app.kubernetes.io/instance="$RELEASE" -o jsonpath='{.items[0].spec.template.spec.serviceAccountName}')"

log "end-to-end tests"
mvn -B -ntp -Dstyle.color=never -Pe2e -pl e2e test

log "helm uninstall and CRD deletion leave nothing behind"
helm uninstall "$RELEASE" --namespace "$RELEASE_NS" --wait >/dev/null
kubectl delete -f crds/ --wait=true --timeout=120s >/dev/null
left=""
for _ in $(seq 1 120); do
  left="$(kubectl get crd -o name | grep baton.dev || true)$(kubectl get jobs,pods -A -l baton.dev/instance -o name 2>/dev/null || true)$(kubectl get clusterrole,clusterrolebinding -o name | grep -i baton || true)$(kubectl get validatingadmissionpolicies,validatingadmissionpolicybindings -o name | grep -i baton || true)$(kubectl -n "$RELEASE_NS" get sa,deploy,svc,role,rolebinding -o name 2>/dev/null | grep -i baton || true)"
  [ -z "$left" ] && break
  sleep 1
done
if [ -n "$left" ]; then echo "left behind after uninstall: $left" >&2; exit 1; fi
log "nothing left behind"
log "e2e passed"
