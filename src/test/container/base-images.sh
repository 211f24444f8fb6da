#!/usr/bin/env bash
# Builds the Dockerfile's two base images from Debian's packages, for a machine that cannot pull them from Docker
# Hub, and tags them in the project's image storage (podman.sh) under the names the Dockerfile's FROM lines use:
#
#   src/test/container/base-images.sh
#
# build stage: Debian's JDK 17 and Maven; runtime stage: Debian's JRE 17. Both come from Debian bookworm through
# the machine's own apt sources (mmdebstrap), with the package versions recorded as image labels. An image made
# by this script's current recipe is kept and reused; a changed recipe builds it again. Needs root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dockerfile="$here/../../../Dockerfile"
podman="$here/podman.sh"
SUITE=bookworm
JAVA_HOME_DEBIAN=/usr/lib/jvm/java-17-openjdk-amd64

mapfile -t bases < <(sed -n 's/^FROM[[:space:]]\+\([^[:space:]]\+\).*/\1/Ip' "$dockerfile")
(( ${#bases[@]} == 2 )) || { echo "expected two FROM lines in $dockerfile, found: ${bases[*]}" >&2; exit 1; }
declare -A packages=(
  ["${bases[0]}"]="openjdk-17-jdk-headless,maven,ca-certificates"
  ["${bases[1]}"]="openjdk-17-jre-headless,ca-certificates"
)
recipe="$( (cat "$0"; echo "$SUITE") | sha256sum | cut -c1-16)"
work="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}/images/debian-rootfs"

for image in "${bases[@]}"; do
  name="docker.io/library/$image"
  [[ "$image" == */* ]] && name="$image"
  have="$("$podman" image inspect --format '{{index .Labels "dev.kfp.base-recipe"}}' "$name" 2>/dev/null || true)"
  if [[ "$have" == "$recipe" ]]; then
    echo "$name: built by this recipe ($recipe)" >&2
    continue
  fi
  start=$SECONDS
  mkdir -p "$work"
  tar="$work/$(echo "$image" | tr ':/' '__').tar"
  echo "$name: Debian $SUITE with ${packages[$image]} (mmdebstrap)" >&2
  # /usr/share/doc only: openjdk's postinst writes into /usr/share/man.
  mmdebstrap --quiet --variant=apt --include="${packages[$image]}" \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --customize-hook='chroot "$1" dpkg-query -W -f "\${Package}=\${Version}\n" openjdk-17-jre-headless openjdk-17-jdk-headless maven 2>/dev/null > "$1/.versions" || true' \
    --customize-hook='copy-out /.versions '"$work" \
    --customize-hook='rm "$1/.versions"' \
    "$SUITE" "$tar"
  versions="$(tr '\n' ' ' < "$work/.versions")"
  "$podman" import --quiet \
    --change "ENV JAVA_HOME=$JAVA_HOME_DEBIAN" \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "CMD [\"/bin/bash\"]" \
    --change "LABEL dev.kfp.base-recipe=$recipe" \
    --change "LABEL dev.kfp.debian-packages=\"$SUITE ${versions% }\"" \
    "$tar" "$name" >/dev/null
  rm -f "$tar" "$work/.versions"
  echo "$name: built in $((SECONDS - start)) s ($versions)" >&2
done
