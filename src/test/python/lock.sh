#!/usr/bin/env bash
# Regenerates requirements.lock and requirements-build.lock from the two .in files: every transitive
# dependency pinned, with the hashes PyPI lists. Run it after changing a .in file, then commit all four.
# pip-tools runs from a scratch venv of its own, never from the test build's.
set -euo pipefail

PIP_TOOLS_VERSION=7.6.2

here="$(cd "$(dirname "$0")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"${KFP_OPERATOR_PYTHON:-python3}" -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --disable-pip-version-check "pip-tools==$PIP_TOOLS_VERSION"
cd "$here"
for name in requirements requirements-build; do
  "$scratch/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --no-emit-find-links --output-file "$name.lock" "$name.in"
done
