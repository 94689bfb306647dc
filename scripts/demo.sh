#!/usr/bin/env bash
# The demo: a Kubernetes (the local one of e2e/cluster, brought up here, unless KUBECONFIG is
# set), Baton installed with Helm, the operator running, examples/hello-dag run, and its status
# shown as each step completes.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ -z "${KUBECONFIG:-}" ]; then
  say "Local cluster (kube-apiserver, controller-manager, scheduler, etcd, kwok) — built on first use"
  e2e/cluster/cluster.sh up
  eval "$(e2e/cluster/cluster.sh env)"
else
  say "Using the cluster of KUBECONFIG=$KUBECONFIG"
fi
kubectl get nodes

say "Build the operator"
mvn -B -q -ntp -pl operator package -DskipTests

say "helm install baton"
helm upgrade --install baton helm/baton --namespace baton-system --create-namespace --wait --timeout 120s
# No image of the operator can be built here, so it runs as a local process, authenticated as
# the chart's ServiceAccount: exactly the permissions the chart grants.
scripts/sa-kubeconfig.sh baton-system baton operator/target/demo-operator.kubeconfig
port=18080
KUBECONFIG=operator/target/demo-operator.kubeconfig BATON_HTTP_PORT=$port \
  java -jar operator/target/baton-operator.jar > operator/target/demo-operator.log 2>&1 &
operator_pid=$!
trap 'kill $operator_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 $operator_pid 2>/dev/null || { cat operator/target/demo-operator.log; exit 1; }
  sleep 0.5
done
echo "operator ready (pid $operator_pid, log operator/target/demo-operator.log)"

say "kubectl apply -f examples/hello-dag.yaml"
kubectl apply -f examples/hello-dag.yaml
kubectl get workflows.baton.dev   # in full: beside Argo Workflows, a bare `workflows` is Argo's
say "kubectl create -f examples/hello-dag-run.yaml"
name=$(kubectl create -f examples/hello-dag-run.yaml -o jsonpath='{.metadata.name}')
echo "created workflowinstance/$name"

steps() {
  kubectl get workflowinstances.baton.dev "$name" -o json | python3 -c "$(cat <<'PY'
import json, sys
st = json.load(sys.stdin).get("status") or {}
row = "  {:10} {:11} {:7} {:40} {:26} {}"
print(row.format("STEP", "STATE", "ATTEMPT", "JOB", "STARTED", "ENDED"))
for sid, s in (st.get("steps") or {}).items():
    print(row.format(sid, s.get("state", ""), str(s.get("attempt", 0)), s.get("jobName") or "-",
                     s.get("startTime") or "-", s.get("endTime") or "-"))
print("PHASE", st.get("phase", ""))
PY
)"
}

say "kubectl get workflowinstances.baton.dev, and the steps as they complete"
last=""
for _ in $(seq 1 600); do
  out=$(steps)
  if [ "$out" != "$last" ]; then
    kubectl get workflowinstances.baton.dev
    echo "$out" | grep -v '^PHASE'
    echo
    last="$out"
  fi
  case "$(echo "$out" | sed -n 's/^PHASE //p')" in Succeeded|Failed|TimedOut|Stopped) break ;; esac
  sleep 0.2
done

say "The Jobs Baton created, and the events it recorded"
kubectl get jobs -l baton.dev/instance="$name"
kubectl get events --field-selector involvedObject.name="$name" --sort-by=.lastTimestamp 2>/dev/null | tail -5
say "Done. The cluster stays up: e2e/cluster/cluster.sh down removes it."
