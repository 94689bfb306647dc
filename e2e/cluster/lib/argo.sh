# shellcheck shell=bash
# e2e/cluster/lib/argo.sh, sourced by cluster.sh: Argo Workflows from its pinned Go module, for
# living beside it. Its CRDs (manifests/base/crds/minimal of the module, fetched into the Go
# module cache) go on the cluster before the e2e suite, so that Baton is always tested with
# Argo's `workflows` kind present; its workflow-controller is built (once, cached like the other
# binaries) only for the side-by-side benchmark, e2e/compare.sh.

# The module's directory in the Go module cache (downloaded once).
argo_module_dir() {
  need_go
  mkdir -p "$BUILD_DIR"
  local json dir
  json="$(cd "$BUILD_DIR" && go mod download -json "$ARGO_MODULE@$ARGO_VERSION")" \
    || die "go mod download $ARGO_MODULE@$ARGO_VERSION failed"
  dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  [[ -n "$dir" && -d "$dir/manifests/base/crds/minimal" ]] \
    || die "$ARGO_MODULE@$ARGO_VERSION has no manifests/base/crds/minimal (got '$dir')"
  echo "$dir"
}

# argo-module: print the module's directory (its CRDs are in manifests/base/crds/minimal).
cmd_argo_module() { argo_module_dir; }

# argo-crds: install (or update) Argo's CRDs on the running cluster.
cmd_argo_crds() {
  local dir
  dir="$(argo_module_dir)"
  kc apply --server-side --force-conflicts -k "$dir/manifests/base/crds/minimal" >/dev/null \
    || die "could not apply Argo's CRDs from $dir/manifests/base/crds/minimal"
  kc wait --for=condition=Established --timeout=60s crd/workflows.argoproj.io >/dev/null
  log "Argo Workflows $ARGO_VERSION CRDs installed (workflows.argoproj.io and the rest)"
}

# The module proxy does not serve `go install ...@version` for argo-workflows (its version list
# is not served), so a wrapper module requires it and imports the command from a tools file.
build_argo_locked() {
  have_bins "$ARGO_BIN_DIR" workflow-controller && return 0
  need_go
  local t0; t0=$(now_s)
  log "building Argo workflow-controller $ARGO_VERSION (one-time, about five minutes with a warm Go cache)"
  local mod="$BUILD_DIR/argo-$ARGO_VERSION"
  rm -rf "$mod"; mkdir -p "$mod"
  cat >"$mod/go.mod" <<EOM
module baton.local/e2e/argobuild

go 1.24.0

require $ARGO_MODULE $ARGO_VERSION
EOM
  cat >"$mod/tools.go" <<EOM
//go:build tools

package tools

import _ "$ARGO_MODULE/cmd/workflow-controller"
EOM
  (cd "$mod" && go mod tidy) >"$BUILD_DIR/argo-$ARGO_VERSION.tidy.log" 2>&1 \
    || { tail -n 30 "$BUILD_DIR/argo-$ARGO_VERSION.tidy.log" >&2; die "go mod tidy failed for argo $ARGO_VERSION"; }
  local out="$ARGO_BIN_DIR.tmp"
  rm -rf "$out"; mkdir -p "$out"
  (cd "$mod" && go build -trimpath \
      -ldflags "-s -w -X $ARGO_MODULE.version=$ARGO_VERSION" \
      -o "$out/workflow-controller" "$ARGO_MODULE/cmd/workflow-controller") \
      >"$BUILD_DIR/argo-$ARGO_VERSION.build.log" 2>&1 \
    || { tail -n 40 "$BUILD_DIR/argo-$ARGO_VERSION.build.log" >&2; die "go build of argo $ARGO_VERSION failed (log: $BUILD_DIR/argo-$ARGO_VERSION.build.log)"; }
  "$out/workflow-controller" --help >/dev/null 2>&1 || die "built workflow-controller does not run"
  touch "$out/.complete"
  rm -rf "$ARGO_BIN_DIR"; mv "$out" "$ARGO_BIN_DIR"
  log "Argo workflow-controller $ARGO_VERSION built in $(( $(now_s) - t0 ))s -> $ARGO_BIN_DIR"
}

# argo-build: build the workflow-controller into the cache (if missing) and print its path.
cmd_argo_build() {
  with_build_lock build_argo_locked
  echo "$ARGO_BIN_DIR/workflow-controller"
}
