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

# Browser tests drive Debian's Chromium; the development client's page script is tested with Node.
# Install what is missing when we are allowed to.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v node >/dev/null || missing+=(nodejs)
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

# Previews are rendered by LibreOffice (headless, without the desktop and its recommends) and poppler's
# pdftoppm; the tests that need them skip without them, and fail in CI.
missing=()
command -v soffice >/dev/null || missing+=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
            || { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "note: ${missing[*]} missing and cannot be installed here; the tests that need them will be skipped" >&2
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
