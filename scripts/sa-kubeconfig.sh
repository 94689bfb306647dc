#!/usr/bin/env bash
# Writes a kubeconfig that authenticates as the Helm chart's ServiceAccount, for running the
# operator as a local process with exactly the chart's permissions.
#   scripts/sa-kubeconfig.sh RELEASE_NAMESPACE RELEASE OUT_FILE
set -euo pipefail
ns=$1 release=$2 out=$3
sa=$(kubectl -n "$ns" get deploy -l app.kubernetes.io/instance="$release" -o jsonpath='{.items[0].spec.template.spec.serviceAccountName}')
[ -n "$sa" ] || { echo "no Baton Deployment of release $release in namespace $ns" >&2; exit 1; }
token=$(kubectl -n "$ns" create token "$sa" --duration=4h)
server=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
mkdir -p "$(dirname "$out")"
umask 077
cat > "$out" <<KC
apiVersion: v1
kind: Config
clusters:
- name: baton
  cluster: {server: "$server", certificate-authority-data: "$ca"}
users:
- name: $sa
  user: {token: "$token"}
contexts:
- name: baton
  context: {cluster: baton, user: $sa, namespace: default}
current-context: baton
KC
