#!/usr/bin/env bash
# Runs the test build's Python with these arguments; venv.sh creates the environment first when it is missing.
#
#   src/test/python/python.sh src/test/python/compile_pipelines.py operator/target/compiled-pipelines
#   src/test/python/python.sh -m pytest src/test/python/tests
set -euo pipefail

venv="$("$(dirname "$0")/venv.sh")"
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the source tree
exec "$venv/bin/python" "$@"
