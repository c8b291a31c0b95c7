#!/usr/bin/env bash
# Installs wopihost and runs a working demo on the embedded defaults: SQLite and a local data directory,
# the built-in development WOPI client, demo users and sample documents.
# Usage: ./run.sh [wopihost serve options]     (data goes to ./data unless WOPIHOST_DATA_DIR is set)
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

export WOPIHOST_DATA_DIR="${WOPIHOST_DATA_DIR:-$PWD/data}"
.venv/bin/wopihost demo-setup
exec .venv/bin/wopihost serve "$@"
