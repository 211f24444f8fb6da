#!/usr/bin/env bash
# podman with the project's own configuration and image storage, so that nothing on the host changes:
#
#   src/test/container/podman.sh images          # any podman command
#
# Images live in ${KFP_OPERATOR_CACHE:-~/.cache/kfp-run-operator}/images (kept between runs, outside the
# clone), run state in /run/kfp-run-operator. Settings: containers.conf beside this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
images="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}/images"
mkdir -p "$images/storage" /run/kfp-run-operator
cat > "$images/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$images/storage"
runroot = "/run/kfp-run-operator/storage"
CONF
export CONTAINERS_CONF="$here/containers.conf"
export CONTAINERS_REGISTRIES_CONF="$here/registries.conf"
export CONTAINERS_STORAGE_CONF="$images/storage.conf"
exec podman "$@"
