#!/usr/bin/env bash
# Create lrlab's Apache MXNet environment and print its interpreter's path.
#
# MXNet 1.9.1 imports only with numpy < 1.24 (it uses np.bool and other names numpy
# removed), so it cannot share the main environment (numpy 2, torch, TensorFlow).
# This makes a venv of its own with mxnet, numpy 1.23.5, lrlab (editable) and the
# test tools. It does nothing when the venv is already ready, so it is safe to rerun.
#
# Example:
#   bash scripts/mxnet-env.sh                  # -> .venv-mxnet at the repository root
#   bash scripts/mxnet-env.sh /tmp/mx          # or a venv folder of your choice
#   export LRLAB_MXNET_PYTHON="$(bash scripts/mxnet-env.sh | tail -n 1)"
#
# PYTHON names the interpreter to build the venv from (default: python3); it must be
# Python 3.10 or 3.11: lrlab needs 3.10, numpy 1.23.5 has no wheels after 3.11.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$root/.venv-mxnet}"
python="$venv/bin/python"

ready() {
    # Built from this pyproject.toml (a changed one may add dependencies), and importable.
    cmp -s "$root/pyproject.toml" "$venv/.built-from-pyproject.toml" && [ -x "$python" ] &&
        "$python" - "$root" >/dev/null 2>&1 <<'PY'
import pathlib, sys
import hypothesis, lrlab, mxnet, pytest
# An lrlab installed from another checkout would test the wrong source.
assert pathlib.Path(lrlab.__file__).resolve().is_relative_to(pathlib.Path(sys.argv[1]).resolve())
PY
}

if ! ready; then
    base="${PYTHON:-python3}"
    if ! "$base" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 11))'; then
        echo "mxnet-env: $base is Python $("$base" -c 'import platform; print(platform.python_version())'); MXNet 1.9.1 with numpy 1.23.5 needs Python 3.10 or 3.11: set PYTHON to one" >&2
        exit 2
    fi
    "$base" -m venv "$venv"
    # One resolver run with the extra's pins (pyproject.toml), so nothing can lift numpy past them.
    "$python" -m pip install --quiet -e "$root[mxnet,test]"
    cp "$root/pyproject.toml" "$venv/.built-from-pyproject.toml"
    ready || { echo "mxnet-env: $venv was built but 'import mxnet, lrlab' still fails there" >&2; exit 1; }
fi
echo "$python"
