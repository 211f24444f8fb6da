#!/usr/bin/env bash
# Builds the KFP test server (main.go here: KFP's own run, experiment and pipeline services over KFP's in-memory
# fake client manager) from a KFP source tree at release 2.17.0. The binary lands outside the clone and is reused
# while go.mod, go.sum, main.go and the source tree are unchanged.
#
#   src/test/go/kfp-server/build.sh          # prints the path of the binary
#
# Where KFP's source comes from, first that exists:
#   1. KFP_SOURCE: a clone of kubeflow/pipelines at tag 2.17.0 (or a subset of one holding its three go.mod files
#      and the Go files the server compiles). A KFP_SOURCE that is not such a tree is an error, never a fallback.
#   2. <clone>/../shared/kfp-source/2.17.0, the subset this project keeps beside its clones.
#   3. The Go module proxy (github.com/kubeflow/pipelines at the pseudo-version pinned in go.mod); the public proxy
#      refuses it at the time of writing.
# The source tree is only read: the build uses a temporary copy of go.mod and go.sum, outside both the tree and
# this directory, with `replace` directives pointing KFP's three modules at the tree (go build -modfile).
#
# KFP_TEST_SERVER_BINARY (an executable built elsewhere from this directory) wins: it is printed instead of
# building. KFP_OPERATOR_CACHE moves the cache (default ~/.cache/kfp-run-operator).
# Exit status 3 means no KFP source exists anywhere (no tree, and the proxy does not give KFP's module), with a last
# line on stderr naming what is missing; any other failure is 1.
set -euo pipefail

KFP_VERSION=2.17.0   # keep in step with go.mod and kfpVersion in main.go

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
cache="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}"
# one run at a time: parallel test forks call this script together, and two builds would write the same files
mkdir -p "$cache"
exec 9>"$cache/kfp-server.lock"
flock 9

if [[ -n "${KFP_TEST_SERVER_BINARY:-}" ]]; then
  [[ -x "$KFP_TEST_SERVER_BINARY" ]] || { echo "KFP_TEST_SERVER_BINARY=$KFP_TEST_SERVER_BINARY is not executable" >&2; exit 1; }
  echo "$KFP_TEST_SERVER_BINARY"
  exit 0
fi

# The module line of a go.mod, or nothing.
module_of() { sed -n 's/^module[[:space:]]\{1,\}\([^[:space:]]*\).*$/\1/p' "$1" 2>/dev/null | head -n1; }

# One line on stderr and exit 1 unless $1 is a KFP source tree (its three modules, and the run server's code).
check_kfp_tree() {
  local tree="$1" origin="$2"
  [[ -d "$tree" ]] || { echo "$origin=$tree: no such directory (want a clone of kubeflow/pipelines at tag $KFP_VERSION)" >&2; exit 1; }
  local m
  for m in ":github.com/kubeflow/pipelines" "api:github.com/kubeflow/pipelines/api" \
           "kubernetes_platform:github.com/kubeflow/pipelines/kubernetes_platform"; do
    local dir="${m%%:*}" want="${m#*:}"
    local mod="$tree/${dir:+$dir/}go.mod"
    if [[ "$(module_of "$mod")" != "$want" ]]; then
      echo "$origin=$tree is not KFP's source: ${mod#"$tree"/} does not declare module $want (want a clone of kubeflow/pipelines at tag $KFP_VERSION)" >&2
      exit 1
    fi
  done
  [[ -f "$tree/backend/src/apiserver/server/run_server.go" ]] || {
    echo "$origin=$tree is not KFP's source: backend/src/apiserver/server/run_server.go is missing (want a clone of kubeflow/pipelines at tag $KFP_VERSION)" >&2
    exit 1
  }
}

source_tree=""
if [[ -n "${KFP_SOURCE:-}" ]]; then
  check_kfp_tree "$KFP_SOURCE" KFP_SOURCE
  source_tree="$(cd "$KFP_SOURCE" && pwd)"
elif [[ -d "$repo/../shared/kfp-source/$KFP_VERSION" ]]; then
  check_kfp_tree "$repo/../shared/kfp-source/$KFP_VERSION" "../shared/kfp-source/$KFP_VERSION"
  source_tree="$(cd "$repo/../shared/kfp-source/$KFP_VERSION" && pwd)"
fi

# What the binary is built from: this directory's three files and, with a tree, the contents of every file in it
# that the Go toolchain reads (go.mod files and Go sources), by path.
inputs_hash="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
if [[ -n "$source_tree" ]]; then
  tree_hash="$(cd "$source_tree" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 \
    | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  want="kfp=$KFP_VERSION inputs=$inputs_hash source=$tree_hash"
else
  want="kfp=$KFP_VERSION inputs=$inputs_hash source=proxy"
fi

# one directory per version of this directory's files: worktrees on different versions keep a binary each
out="$cache/kfp-server/$KFP_VERSION-$inputs_hash"
binary="$out/kfp-server"
stamp="$out/.built-from"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$binary" ]]; then
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "go is not installed: cannot build the KFP test server" >&2; exit 1; }
command -v gcc >/dev/null || { echo "gcc is not installed: KFP's SQLite driver needs cgo" >&2; exit 1; }
mkdir -p "$out"
start=$SECONDS
if [[ -n "$source_tree" ]]; then
  echo "building the KFP $KFP_VERSION test server from $source_tree into $out" >&2
  modfile_dir="$(mktemp -d)"
  trap 'rm -rf "$modfile_dir"' EXIT
  cp "$here/go.mod" "$here/go.sum" "$modfile_dir/"
  cat >>"$modfile_dir/go.mod" <<EOF

replace (
	github.com/kubeflow/pipelines => $source_tree
	github.com/kubeflow/pipelines/api => $source_tree/api
	github.com/kubeflow/pipelines/kubernetes_platform => $source_tree/kubernetes_platform
)
EOF
  (
    cd "$here"
    # -mod=mod: the proxy supplies every other module and its checksum into the temporary go.sum on a first build.
    CGO_ENABLED=1 go build -modfile="$modfile_dir/go.mod" -mod=mod -trimpath -ldflags "-s -w" -o "$binary.tmp" .
  )
else
  echo "no KFP source tree (KFP_SOURCE unset, $repo/../shared/kfp-source/$KFP_VERSION absent): building the KFP $KFP_VERSION test server from the Go module proxy into $out" >&2
  # KFP's own module first, alone: when the proxy refuses it, say so at once instead of downloading the rest
  if ! download="$(cd "$here" && go mod download github.com/kubeflow/pipelines 2>&1)"; then
    echo "$download" >&2
    echo "no KFP source: KFP_SOURCE is unset, $repo/../shared/kfp-source/$KFP_VERSION does not exist, and the Go module proxy does not give github.com/kubeflow/pipelines ($(head -n1 <<<"$download")); point KFP_SOURCE at a clone of kubeflow/pipelines at tag $KFP_VERSION" >&2
    exit 3
  fi
  (
    cd "$here"
    # -mod=mod: the module proxy supplies KFP's module and its checksum on the first build.
    CGO_ENABLED=1 go build -mod=mod -trimpath -ldflags "-s -w" -o "$binary.tmp" .
  )
fi
mv "$binary.tmp" "$binary"
echo "$want" > "$stamp"
echo "built the KFP test server in $((SECONDS - start)) s" >&2
echo "$binary"
