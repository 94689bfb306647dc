# shellcheck shell=bash
# e2e/cluster/lib/certs.sh, sourced by cluster.sh: the PKI and the kubeconfigs of the
# cluster, made fresh on every `up`.

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
