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
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[devclient]"

# Search reads the text of PDFs with poppler's pdftotext; thumbnails and page previews are rendered by
# LibreOffice (headless, without the desktop) and poppler's pdftoppm. Install what is missing when we are
# allowed to; without them the demo still runs, with PDFs found by name only and generic icons.
missing=()
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v soffice >/dev/null || missing+=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
            || { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } \
            || echo "note: could not install ${missing[*]}; no PDF text search or previews" >&2
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
            || echo "note: could not install ${missing[*]}; no PDF text search or previews" >&2
    else
        echo "note: ${missing[*]} missing and cannot be installed here; no PDF text search or previews" >&2
    fi
fi

export WOPIHOST_DATA_DIR="${WOPIHOST_DATA_DIR:-$PWD/data}"
.venv/bin/wopihost demo-setup
exec .venv/bin/wopihost serve "$@"
