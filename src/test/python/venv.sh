#!/usr/bin/env bash
# Creates the one Python environment of the test build: KFP's SDK, KFP's generated REST client and pytest, at
# the versions in requirements.lock (every transitive dependency pinned, with hashes, from PyPI). It lives
# outside the clone and is reused while the lock files and the Python version stay the same.
#
#   src/test/python/venv.sh          # prints the directory of the environment (its python is bin/python)
#
# KFP_OPERATOR_CACHE moves the cache (default ~/.cache/kfp-run-operator); KFP_OPERATOR_PYTHON names the
# interpreter to build it from (default python3, which must be 3.9 or newer and have the venv module).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${KFP_OPERATOR_CACHE:-$HOME/.cache/kfp-run-operator}"
python="${KFP_OPERATOR_PYTHON:-python3}"

command -v "$python" >/dev/null || { echo "$python is not installed: cannot create the test build's venv" >&2; exit 1; }
version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
key="$( { echo "python $version"; cat "$here/requirements-build.lock" "$here/requirements.lock"; } \
  | sha256sum | cut -c1-16)"
venv="$cache/venv-$key"

mkdir -p "$cache"
exec 9>"$venv.lock"
flock 9
if [[ -f "$venv/.complete" && -x "$venv/bin/python" ]]; then
  echo "$venv"
  exit 0
fi

start=$SECONDS
echo "creating the Python $version venv of the test build in $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input --quiet)
# setuptools first, from its own lock: kfp-server-api is an sdist, built below without pip's build isolation
# (which would fetch an unpinned setuptools).
"${pip[@]}" install --require-hashes --no-deps -r "$here/requirements-build.lock"
"${pip[@]}" install --require-hashes --no-deps --no-build-isolation -r "$here/requirements.lock"
"${pip[@]}" check >&2
touch "$venv/.complete"
echo "created the venv in $((SECONDS - start)) s" >&2
echo "$venv"
