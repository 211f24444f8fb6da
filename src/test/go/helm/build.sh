#!/usr/bin/env bash
# Builds helm at the version pinned in go.mod into ${KFP_OPERATOR_CACHE:-~/.cache/kfp-run-operator}/helm/, once;
# prints the binary's path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^require helm.sh\/helm\/v4 \(v[^ ]*\)$/\1/p' "$here/go.mod")"
out="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}/helm/$version"
want="$(sha256sum < "$here/go.sum" | cut -c1-16)"
if [[ -x "$out/helm" && "$(cat "$out/.built-from" 2>/dev/null)" == "$want" ]]; then
  echo "$out/helm"
  exit 0
fi
mkdir -p "$out"
exec 9> "$out/.build.lock"
flock 9
start=$SECONDS
echo "building helm $version into $out" >&2
(cd "$here" && CGO_ENABLED=0 go build -mod=mod -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$version" -o "$out/helm.tmp" helm.sh/helm/v4/cmd/helm)
mv "$out/helm.tmp" "$out/helm"
echo "$want" > "$out/.built-from"
echo "built helm in $((SECONDS - start)) s" >&2
echo "$out/helm"
