#!/usr/bin/env bash
# Create .venv with a Python 3.10 interpreter and install the exact pins.
# Idempotent: does nothing when .venv matches the requirement files already.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed"

find_python310() {
    local candidate
    for candidate in "${PYTHON310:-}" python3.10 \
        "$(pyenv root 2>/dev/null)"/versions/3.10.*/bin/python3.10 \
        "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 \
        /usr/local/bin/python3.10 /usr/bin/python3.10; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

digest() { cat requirements.txt requirements-dev.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(digest)" ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    if ! PY=$(find_python310); then
        echo "error: Python 3.10 is required (Rasa 3.6 runs on Python 3.8-3.10 only) and none was found;" \
            "install it with 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv'," \
            "or set PYTHON310=/path/to/python3.10, then run the command again." >&2
        exit 1
    fi
    echo "==> creating $VENV with $PY"
    "$PY" -m venv "$VENV"
fi

echo "==> installing pinned packages into $VENV (first time takes a few minutes; log: var/log/pip.log)"
mkdir -p var/log
if ! { "$VENV/bin/python" -m pip install --upgrade pip==24.0 &&
    "$VENV/bin/python" -m pip install -r requirements-dev.txt -c constraints.txt &&
    "$VENV/bin/python" -m pip install --no-deps --no-build-isolation -e .; } >var/log/pip.log 2>&1; then
    tail -n 20 var/log/pip.log >&2
    echo "error: installing the Python packages failed; the full log is var/log/pip.log" >&2
    exit 1
fi
digest >"$STAMP"
echo "==> environment ready"
