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

# Search reads the text of PDFs with poppler's pdftotext; without it PDFs are found by name only.
if ! command -v pdftotext >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q poppler-utils >/dev/null \
            || { apt-get update -q && apt-get install -y -q poppler-utils >/dev/null; } || true
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get install -y -q poppler-utils >/dev/null || true
    fi
    command -v pdftotext >/dev/null \
        || echo "note: poppler-utils is missing; PDFs will be searchable by name only" >&2
fi

export WOPIHOST_DATA_DIR="${WOPIHOST_DATA_DIR:-$PWD/data}"
.venv/bin/wopihost demo-setup
exec .venv/bin/wopihost serve "$@"
