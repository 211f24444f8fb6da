#!/usr/bin/env bash
# Builds the operator's image from the Dockerfile with podman, the way a user runs docker build, into the
# project's image storage (podman.sh):
#
#   src/test/container/build-image.sh [name:tag]     # default: the chart's image, kfp-run-operator:<appVersion>
#
# The base images come from base-images.sh (Debian's packages; nothing is pulled: --pull=never). The build's
# RUN steps use the host's network (Maven Central). The host's CA bundle goes in as the build secret
# ca-certificates, so that Maven works behind a TLS-intercepting proxy; CA_CERTIFICATES names another bundle.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
app_version="$(sed -n 's/^appVersion:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root/helm/kfp-run-operator/Chart.yaml")"
image="${1:-docker.io/library/kfp-run-operator:$app_version}"

"$here/base-images.sh"
bundle="${CA_CERTIFICATES:-/etc/ssl/certs/ca-certificates.crt}"
secret=()
[[ -s "$bundle" ]] && secret=(--secret "id=ca-certificates,src=$bundle")
start=$SECONDS
"$here/podman.sh" build --pull=never --network=host "${secret[@]}" --tag "$image" "$root" >&2
echo "$image: built in $((SECONDS - start)) s" >&2
echo "$image"
