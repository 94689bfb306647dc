#!/usr/bin/env bash
# What the operator's ServiceAccount may do, as `kubectl auth can-i --list` reports it in a
# watched namespace (default) and in the release namespace (the Lease), less what every
# ServiceAccount may do anyway (the same list for a ServiceAccount bound to nothing),
# normalized to one sorted "namespace resource [resourceNames] [verbs]" line per rule.
# Compared with e2e/operator-permissions.txt: any widening (or narrowing) fails e2e/run.sh
# and shows in review as a change of that file.
#
#   e2e/permissions.sh RELEASE_NAMESPACE SERVICE_ACCOUNT          # compare
#   e2e/permissions.sh RELEASE_NAMESPACE SERVICE_ACCOUNT --write  # rewrite the file
# kubectl must reach the cluster as an admin allowed to impersonate (KUBECONFIG).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ns=$1 sa=$2 mode=${3:-}
expected=e2e/operator-permissions.txt

rows() { # <namespace> <user>: the normalized resource rows
  kubectl auth can-i --list -n "$1" --as="$2" --as-group=system:serviceaccounts \
      --as-group="system:serviceaccounts:$ns" --as-group=system:authenticated |
    python3 -c '
import re, sys
ns = sys.argv[1]
for line in sys.stdin.read().splitlines()[1:]:
    if not line.strip() or line.startswith(" "):  # non-resource URLs have no resource
        continue
    resource, rest = line.split(None, 1)
    groups = re.findall(r"\[([^\]]*)\]", rest)
    if len(groups) != 3:
        sys.exit("cannot parse: " + line)
    names = " ".join(sorted(groups[1].split()))
    verbs = " ".join(sorted(groups[2].split()))
    print(f"{ns} {resource} [{names}] [{verbs}]")
' "$1"
}

actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
for where in default "$ns"; do
  comm -23 <(rows "$where" "system:serviceaccount:$ns:$sa" | sort -u) \
           <(rows "$where" "system:serviceaccount:$ns:baton-e2e-bound-to-nothing" | sort -u)
done | LC_ALL=C sort >"$actual"

if [ "$mode" = --write ]; then
  cp "$actual" "$expected"
  echo "wrote $expected ($(wc -l <"$expected") rules)"
elif ! diff -u "$expected" "$actual"; then
  echo "the operator's ServiceAccount may do other things than $expected says (- expected, + actual)" >&2
  exit 1
fi
