# shellcheck shell=bash
# e2e/cluster/lib/go-builds.sh, sourced by cluster.sh: etcd, kwok and the Kubernetes control
# plane built from their Go modules into the cache.

# ---------------------------------------------------------------------------
# Building etcd, kwok and Kubernetes from their Go modules
# ---------------------------------------------------------------------------
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
