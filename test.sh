#!/usr/bin/env bash
# Installs what the tests need and runs every check: lint, types, architecture, and the whole test suite.
# Usage: ./test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

# Browser tests drive Debian's Chromium; the development client's page script is tested with Node; search
# reads the text of PDFs with poppler's pdftotext. Install what is missing when we are allowed to.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v node >/dev/null || missing+=(nodejs)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q "${missing[@]}" >/dev/null \
            || { apt-get update -q && apt-get install -y -q "${missing[@]}" >/dev/null; }
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get install -y -q "${missing[@]}" >/dev/null
    else
        echo "note: ${missing[*]} missing and cannot be installed here; the tests that need them will be skipped" >&2
    fi
fi

# The accessibility checks inject axe-core (from npm) into every page; installed once, kept out of git.
axe_dir=tests/e2e/axe
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
    if command -v npm >/dev/null; then
        npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$axe_dir" axe-core@4 >/dev/null \
            || echo "note: axe-core could not be installed; the accessibility tests will be skipped" >&2
    else
        echo "note: npm missing; the accessibility tests will be skipped" >&2
    fi
fi

echo "== ruff"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
echo "== mypy"
.venv/bin/mypy
echo "== import-linter"
.venv/bin/lint-imports
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
