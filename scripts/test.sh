#!/usr/bin/env bash
# Runs every check: lint, then the whole pytest suite (backend, protocol against a real server
# process, plugin outside Krita, real-Krita tests when Krita is installed, installer).
# Creates/updates the project venv first, so a fresh clone needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PAINTBOARD_VENV:-.venv}
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV"
fi
echo "== installing backend + test tools into $VENV (torch pinned to the CPU build)"
"$VENV/bin/pip" install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v "^WARNING: Location" || true
"$VENV/bin/python" -c "import torch, paintboard; print('torch', torch.__version__)"
echo "== ruff"
"$VENV/bin/ruff" check .
echo "== pytest"
set +e
"$VENV/bin/python" -m pytest -q -rs "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
