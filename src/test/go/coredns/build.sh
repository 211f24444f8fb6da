#!/usr/bin/env bash
# Builds CoreDNS at the version go.mod pins, once; prints the binary's path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../build-command.sh" "$here" coredns github.com/coredns/coredns
