#!/usr/bin/env bash
# Builds the real control plane for the test tier: kube-apiserver and kubectl from Kubernetes' own Go module, and
# etcd from etcd's own server module, at the versions pinned below. The binaries land in the layout Fabric8's
# kube-api-test looks for ($DIR/k8s/<version>-linux-amd64/), outside the clone, and are reused once built.
#
#   src/test/go/control-plane/build.sh          # prints the directory that holds the binaries
#
# KUBEBUILDER_ASSETS (a directory with etcd, kube-apiserver and kubectl, as envtest installs them) wins: those
# binaries are linked into the layout instead of building. KFP_OPERATOR_CACHE moves the cache (default
# ~/.cache/kfp-run-operator).
set -euo pipefail

if_possible=false   # --if-possible: without Go, say so and exit 0 (the sandbox then falls back to the mock)
[[ "${1:-}" == "--if-possible" ]] && if_possible=true

KUBERNETES_VERSION=1.35.4   # keep in step with kube/go.mod
ETCD_VERSION=3.6.16         # keep in step with etcd/go.mod

here="$(cd "$(dirname "$0")" && pwd)"
cache="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}"
goarch="$(go env GOARCH 2>/dev/null || echo amd64)"

# one run at a time: parallel test forks call this script together, and two builds would write the same files
mkdir -p "$cache"
exec 9>"$cache/control-plane.lock"
flock 9

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  out="$cache/kube-api-test-assets/k8s/external-linux-$goarch"
  for bin in etcd kube-apiserver kubectl; do
    [[ -x "$KUBEBUILDER_ASSETS/$bin" ]] || { echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $bin" >&2; exit 1; }
  done
  mkdir -p "$out"
  for bin in etcd kube-apiserver kubectl; do ln -sf "$KUBEBUILDER_ASSETS/$bin" "$out/$bin"; done
  echo "$out"
  exit 0
fi

out="$cache/kube-api-test/k8s/$KUBERNETES_VERSION-linux-$goarch"
stamp="$out/.built-from"
want="kubernetes=$KUBERNETES_VERSION etcd=$ETCD_VERSION $(cat "$here/kube/go.sum" "$here/etcd/go.sum" | sha256sum | cut -c1-16)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$out/kube-apiserver" && -x "$out/kubectl" && -x "$out/etcd" ]]; then
  echo "$out"
  exit 0
fi

if ! command -v go >/dev/null; then
  echo "go is not installed and KUBEBUILDER_ASSETS is not set: cannot build kube-apiserver, etcd and kubectl" >&2
  $if_possible && exit 0
  exit 1
fi
mkdir -p "$out"
start=$SECONDS
version_flags="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION \
 -X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION%%.*} \
 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=${KUBERNETES_VERSION%%.*} \
 -X k8s.io/client-go/pkg/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
(
  cd "$here/kube"
  echo "building kube-apiserver and kubectl v$KUBERNETES_VERSION into $out" >&2
  CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w $version_flags" -o "$out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w $version_flags" -o "$out/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
)
(
  cd "$here/etcd"
  echo "building etcd v$ETCD_VERSION into $out" >&2
  CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" .
)
for bin in kube-apiserver kubectl etcd; do mv "$out/$bin.tmp" "$out/$bin"; done
echo "$want" > "$stamp"
echo "built the control plane in $((SECONDS - start)) s" >&2
echo "$out"
