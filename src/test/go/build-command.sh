#!/usr/bin/env bash
# Builds one command of a test tool module (a directory here with go.mod, go.sum and tools.go pinning it) into
# ${KFP_OPERATOR_CACHE:-~/.cache/kfp-run-operator}/NAME/VERSION/, once per go.sum; prints the binary's path.
#
#   src/test/go/build-command.sh MODULE_DIR NAME PACKAGE [LDFLAGS]
set -euo pipefail
dir="$(cd "$1" && pwd)"
name="$2"
package="$3"
ldflags="${4:-}"
module="$(sed -n 's/^require \([^ ]*\) v[^ ]*$/\1/p' "$dir/go.mod" | head -1)"
version="$(sed -n "s|^require $module \(v[^ ]*\)$|\1|p" "$dir/go.mod")"
out="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}/$name/$version"
want="$(sha256sum < "$dir/go.sum" | cut -c1-16)"
built() { [[ -x "$out/$name" && "$(cat "$out/.built-from" 2>/dev/null)" == "$want" ]]; }
if ! built; then
  mkdir -p "$out"
  exec 9> "$out/.build.lock"
  flock 9
  if ! built; then
    start=$SECONDS
    echo "building $name $version into $out" >&2
    (cd "$dir" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w $ldflags" -o "$out/$name.tmp" "$package")
    mv "$out/$name.tmp" "$out/$name"
    echo "$want" > "$out/.built-from"
    echo "built $name in $((SECONDS - start)) s" >&2
  fi
fi
echo "$out/$name"
