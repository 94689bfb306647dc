#!/usr/bin/env bash
# What one WorkflowInstance status write costs the local cluster's kube-apiserver, with the status
# declared atomic (as crds/ declares it) and granular (the marker removed), in one run.
#
#   e2e/status-write-cost.sh [WRITES] [ROUNDS]      # defaults: 1000 writes, 3 rounds
#
# The instance is a real one (operator/src/test/resources/bench/watch-instance.json: a 20-step
# chain, its pinned definition and every step's status). No operator runs. Each round, for each
# variant: applies the CRD variant, creates the instance afresh, then replaces its status WRITES
# times (PUT .../status, one kept-alive connection, the message changed each time so that every
# write reaches etcd) and reads the API server's CPU (utime + stime of its pid, from /proc) around
# the writes. Prints, per round and variant, the API server's CPU per write, the stored object's
# size and its managedFields' size; then the ratio atomic / granular of the medians. Both variants
# are copies of crds/workflowinstances.baton.dev.yaml in a group of their own, cost.baton.dev,
# deleted at the end with the namespace, so that an installed Baton and its CRD are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
writes=${1:-1000} rounds=${2:-3}
log() { printf '[status-cost] %s\n' "$*" >&2; }

e2e/cluster/cluster.sh up >&2
eval "$(e2e/cluster/cluster.sh env)"
# shellcheck source=/dev/null
. e2e/cluster/lib/config.sh
pid=$(cat "$PID_DIR/kube-apiserver.pid")
ns=status-cost
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

crd_name=workflowinstances.cost.baton.dev
atomic=$(mktemp --suffix=.yaml) granular=$(mktemp --suffix=.yaml)
trap 'rm -f "$atomic" "$granular"; kubectl delete crd "$crd_name" --ignore-not-found >/dev/null 2>&1 || true; kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
sed -e 's/^  group: "baton.dev"$/  group: "cost.baton.dev"/' \
  -e 's/^  name: "workflowinstances.baton.dev"$/  name: "'"$crd_name"'"/' \
  crds/workflowinstances.baton.dev.yaml >"$atomic"
grep -q "$crd_name" "$atomic" || { echo "could not rename the CRD's copy" >&2; exit 1; }
grep -v 'x-kubernetes-map-type: "atomic"' "$atomic" >"$granular"
if cmp -s "$atomic" "$granular"; then
  echo "crds/workflowinstances.baton.dev.yaml declares no atomic status: nothing to compare" >&2
  exit 1
fi

results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for variant in atomic granular; do
    crd=$atomic
    [ "$variant" = granular ] && crd=$granular
    kubectl apply -f "$crd" >/dev/null
    kubectl wait --for=condition=Established crd/"$crd_name" --timeout=60s >/dev/null
    sleep 2   # the API server swaps in the new schema just after Established
    python3 - "$variant" "$round" "$writes" "$pid" "$ns" "$APISERVER_PORT" "$PKI_DIR" \
      operator/src/test/resources/bench/watch-instance.json >>"$results" <<'PY'
import http.client, json, os, ssl, sys
variant, rnd, writes, pid, ns, port, pki, fixture = sys.argv[1:]
writes = int(writes)
ctx = ssl.create_default_context(cafile=f"{pki}/ca.crt")
ctx.load_cert_chain(f"{pki}/admin.crt", f"{pki}/admin.key")
conn = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx)
base = f"/apis/cost.baton.dev/v1alpha1/namespaces/{ns}/workflowinstances"
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    text = r.read()
    if r.status >= 300 and not (method == "DELETE" and r.status == 404):
        raise SystemExit(f"{method} {path}: {r.status} {text[:300]!r}")
    return text
def cpu_ms():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")
src = json.load(open(fixture))
src = src.get("object", src)
name = "chain-status-cost"
call("DELETE", f"{base}/{name}")
obj = {"apiVersion": "cost.baton.dev/v1alpha1", "kind": src["kind"],
       "metadata": {"name": name, "namespace": ns}, "spec": src["spec"]}
current = json.loads(call("POST", base, obj))
current["status"] = src["status"]
current = json.loads(call("PUT", f"{base}/{name}/status", current))
before = cpu_ms()
for i in range(writes):
    current["status"]["message"] = f"write {rnd}.{i}"
    current = json.loads(call("PUT", f"{base}/{name}/status", current))
spent = cpu_ms() - before
stored = call("GET", f"{base}/{name}")
managed = json.dumps(json.loads(stored)["metadata"].get("managedFields", []))
print(f"{variant} {rnd} {spent / writes:.3f} {len(stored)} {len(managed)}")
call("DELETE", f"{base}/{name}")
PY
    log "round $round $variant: $(tail -1 "$results")"
  done
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "#### e2e/status-write-cost.sh $writes $rounds: $(date -u +%FT%TZ), $(nproc) cores, load average $load at the end"
echo
echo "| round | variant | API server CPU per status write | stored object | its managedFields |"
echo "| --- | --- | --- | --- | --- |"
while read -r variant round ms size managed; do
  echo "| $round | $variant | $ms ms | $size B | $managed B |"
done <"$results"
median() { grep "^$1 " "$results" | cut -d' ' -f3 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
a=$(median atomic) g=$(median granular)
echo
echo "Median CPU per write: atomic $a ms, granular $g ms; atomic / granular $(awk -v a="$a" -v g="$g" 'BEGIN {printf "%.2f", a / g}')."
rm -f "$results"
