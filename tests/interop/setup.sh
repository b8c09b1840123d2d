#!/usr/bin/env bash
# Create (or reuse) a venv with the interop tooling and print where things are.
#   bash tests/interop/setup.sh [VENV_DIR]      (default: $INTEROP_VENV or /tmp/audit-otel-interop-venv)
# Last line of output is machine-readable:
#   {"python": ".../bin/python", "rotel": ".../site-packages/rotel/rotel-agent", "rotel_version": "..."}
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-${INTEROP_VENV:-/tmp/audit-otel-interop-venv}}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
rotel="$("$venv/bin/python" -c 'import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))')"
ver="$("$rotel" version)"
printf '{"python": "%s", "rotel": "%s", "rotel_version": "%s"}\n' "$venv/bin/python" "$rotel" "$ver"
