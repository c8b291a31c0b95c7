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
# An editable install is not byte-compiled, and with PYTHONDONTWRITEBYTECODE set nothing ever is: every
# server and command the tests start would compile every module again.
.venv/bin/python -m compileall -q src >/dev/null

# Install Debian packages that are missing, when we are allowed to; the tests that need them skip without
# them (and fail in CI).
install_missing() {
    [ $# -gt 0 ] || return 0
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q --no-install-recommends "$@" >/dev/null \
            || { apt-get update -q && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null
    else
        echo "note: $* missing and cannot be installed here; the tests that need them will be skipped" >&2
    fi
}

# Browser tests drive Debian's Chromium; the development client's page script is tested with Node; axe-core
# comes from npm; search reads PDFs with poppler's pdftotext; previews are rendered by LibreOffice (headless,
# without the desktop) and poppler's pdftoppm.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver fonts-liberation)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v soffice >/dev/null || missing+=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
install_missing "${missing[@]}"

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
.venv/bin/mypy bench
echo "== import-linter"
.venv/bin/lint-imports
echo "== pytest"
# Two workers (the machine's cores); tests/conftest.py keeps each module, and the browser, validator and
# multi-node layers, on one worker.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup --durations=30 "$@"
