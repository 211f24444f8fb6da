#!/usr/bin/env bash
# Builds the KFP test server (main.go here: KFP's own run, experiment and pipeline services over KFP's in-memory
# fake client manager) from KFP's published Go module at the version pinned in go.mod. The binary lands outside
# the clone and is reused while go.mod, go.sum and main.go are unchanged.
#
#   src/test/go/kfp-server/build.sh          # prints the path of the binary
#
# KFP_TEST_SERVER_BINARY (an executable built elsewhere from this directory) wins: it is printed instead of
# building. KFP_OPERATOR_CACHE moves the cache (default ~/.cache/kfp-run-operator).
set -euo pipefail

KFP_VERSION=2.17.0   # keep in step with go.mod and kfpVersion in main.go

here="$(cd "$(dirname "$0")" && pwd)"
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

out="$cache/kfp-server/$KFP_VERSION"
binary="$out/kfp-server"
stamp="$out/.built-from"
want="kfp=$KFP_VERSION $(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$binary" ]]; then
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "go is not installed: cannot build the KFP test server" >&2; exit 1; }
command -v gcc >/dev/null || { echo "gcc is not installed: KFP's SQLite driver needs cgo" >&2; exit 1; }
mkdir -p "$out"
start=$SECONDS
echo "building the KFP $KFP_VERSION test server into $out" >&2
# KFP's own module first, alone: when the proxy refuses it, say so at once instead of downloading the rest
(cd "$here" && go mod download github.com/kubeflow/pipelines)
(
  cd "$here"
  # -mod=mod: the module proxy supplies KFP's module and its checksum on the first build.
  CGO_ENABLED=1 go build -mod=mod -trimpath -ldflags "-s -w" -o "$binary.tmp" .
)
mv "$binary.tmp" "$binary"
echo "$want" > "$stamp"
echo "built the KFP test server in $((SECONDS - start)) s" >&2
echo "$binary"
