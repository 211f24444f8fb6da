#!/usr/bin/env bash
# Builds helm at the version go.mod pins, once; prints the binary's path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^require helm.sh\/helm\/v4 \(v[^ ]*\)$/\1/p' "$here/go.mod")"
exec "$here/../build-command.sh" "$here" helm helm.sh/helm/v4/cmd/helm \
  "-X helm.sh/helm/v4/internal/version.version=$version"
