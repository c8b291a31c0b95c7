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

# Browser tests drive Debian's Chromium; install it when we are allowed to.
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q chromium chromium-driver >/dev/null \
            || { apt-get update -q && apt-get install -y -q chromium chromium-driver >/dev/null; }
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get install -y -q chromium chromium-driver >/dev/null
    else
        echo "note: /usr/bin/chromium is missing and cannot be installed here; browser tests will be skipped" >&2
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
