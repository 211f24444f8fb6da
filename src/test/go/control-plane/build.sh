#!/usr/bin/env bash
# Builds the real control plane for the test tier: kube-apiserver and kubectl from Kubernetes' own Go module, and
# etcd from etcd's own server module, at the versions pinned below. The binaries land in the layout Fabric8's
# kube-api-test looks for ($DIR/k8s/<version>-linux-amd64/), outside the clone, and are reused once built.
#
#   src/test/go/control-plane/build.sh          # prints the directory that holds the binaries
#   src/test/go/control-plane/build.sh --node   # also kubelet, kube-controller-manager, kube-scheduler and
#                                               # kube-proxy, for the real cluster (src/test/cluster/)
#
# KUBEBUILDER_ASSETS (a directory with etcd, kube-apiserver and kubectl, as envtest installs them) wins: those
# binaries are linked into the layout instead of building. KFP_OPERATOR_CACHE moves the cache (default
# ~/.cache/kfp-run-operator).
set -euo pipefail

if_possible=false   # --if-possible: without Go, say so and exit 0 (the sandbox then falls back to the mock)
node=false
for arg in "$@"; do
  case "$arg" in
    --if-possible) if_possible=true ;;
    --node) node=true ;;
    *) echo "unknown argument $arg; usage: build.sh [--if-possible] [--node]" >&2; exit 2 ;;
  esac
done

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
  $node && { echo "--node: the node components are built from Go, not taken from KUBEBUILDER_ASSETS; unset it" >&2; exit 2; }
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
node_stamp="$out/.node-built-from"
node_commands=(kubelet kube-controller-manager kube-scheduler kube-proxy)
want="kubernetes=$KUBERNETES_VERSION etcd=$ETCD_VERSION $(cat "$here/kube/go.sum" "$here/etcd/go.sum" | sha256sum | cut -c1-16)"
built() { # built STAMP CONTENT BINARY...: the binaries are there, from the pinned versions
  local file="$1" content="$2" bin
  shift 2
  [[ -f "$file" && "$(cat "$file")" == "$content" ]] || return 1
  for bin in "$@"; do [[ -x "$out/$bin" ]] || return 1; done
}
node_want="kubernetes=$KUBERNETES_VERSION $(sha256sum < "$here/node/go.sum" | cut -c1-16)"
control_plane_built() { built "$stamp" "$want" kube-apiserver kubectl etcd; }
node_built() { ! $node || built "$node_stamp" "$node_want" "${node_commands[@]}"; }
if control_plane_built && node_built; then
  echo "$out"
  exit 0
fi

if ! command -v go >/dev/null; then
  echo "go is not installed and KUBEBUILDER_ASSETS is not set: cannot build kube-apiserver, etcd and kubectl" >&2
  $if_possible && exit 0
  exit 1
fi
mkdir -p "$out"
# one build at a time (tests and the cluster script may ask at once); what the other one built is taken
exec 9> "$out/.build.lock"
flock 9
if control_plane_built && node_built; then
  echo "$out"
  exit 0
fi
start=$SECONDS
version_flags="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION \
 -X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION%%.*} \
 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=${KUBERNETES_VERSION%%.*} \
 -X k8s.io/client-go/pkg/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
build_kubernetes() { # build_kubernetes MODULE COMMAND...: each of k8s.io/kubernetes/cmd/, in $here/MODULE, into $out
  local module="$1" command
  shift
  for command in "$@"; do
    echo "building $command v$KUBERNETES_VERSION into $out" >&2
    (cd "$here/$module" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w $version_flags" \
      -o "$out/$command.tmp" "k8s.io/kubernetes/cmd/$command")
  done
  for command in "$@"; do mv "$out/$command.tmp" "$out/$command"; done
}
if ! control_plane_built; then
  build_kubernetes kube kube-apiserver kubectl
  (
    cd "$here/etcd"
    echo "building etcd v$ETCD_VERSION into $out" >&2
    CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" .
  )
  mv "$out/etcd.tmp" "$out/etcd"
  echo "$want" > "$stamp"
  echo "built the control plane in $((SECONDS - start)) s" >&2
fi
if ! node_built; then
  start=$SECONDS
  build_kubernetes node "${node_commands[@]}"
  echo "$node_want" > "$node_stamp"
  echo "built the node components in $((SECONDS - start)) s" >&2
fi
echo "$out"
