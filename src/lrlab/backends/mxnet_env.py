"""Which Python runs MXNet: it needs an environment of its own.

MXNet 1.9.1 imports only with numpy < 1.24, so it cannot live beside numpy 2,
torch and TensorFlow. ``bash scripts/mxnet-env.sh`` (or ``make mxnet-env``) makes
that environment; a run with ``backend = "mxnet"`` started anywhere else is handed
to its interpreter: ``$LRLAB_MXNET_PYTHON``, else ``.venv-mxnet/bin/python`` at the
root of this checkout.

>>> import sys
>>> python_for("torch") == sys.executable
True
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from .base import BackendUnavailable

ENV_VAR = "LRLAB_MXNET_PYTHON"
LOCAL_VENV = Path(__file__).resolve().parents[3] / ".venv-mxnet"
HOW_TO = (
    "create the MXNet environment with `make mxnet-env` (or `bash scripts/mxnet-env.sh`), "
    f"then set {ENV_VAR} to the interpreter it prints"
)
# Set in a handed-over run, so that an interpreter without MXNet cannot hand it on again.
HANDED_OVER = "LRLAB_MXNET_HANDED_OVER"


@functools.lru_cache(maxsize=None)
def import_error() -> str | None:
    """Why ``import mxnet`` fails in this interpreter, in one line; None when it works."""
    if importlib.util.find_spec("mxnet") is None:
        return "MXNet is not installed in this environment"
    try:
        importlib.import_module("mxnet")
    except Exception as error:  # mxnet 1.9.1 against a newer numpy fails with AttributeError
        import numpy

        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        return f"MXNet does not import with numpy {numpy.__version__} (it needs numpy < 1.24): {first_line}"
    return None


def import_mxnet():
    """The ``mxnet`` module, or :class:`BackendUnavailable` saying how to get it.

    >>> mx = import_mxnet()  # doctest: +SKIP
    """
    why = import_error()
    if why is not None:
        raise BackendUnavailable(f"{why}; {HOW_TO}")
    return importlib.import_module("mxnet")


def mxnet_python() -> str | None:
    """The interpreter of the MXNet environment: ``$LRLAB_MXNET_PYTHON``, else this
    checkout's ``.venv-mxnet/bin/python`` when it exists, else None.

    >>> mxnet_python()  # doctest: +SKIP
    '/home/me/lrlab/.venv-mxnet/bin/python'
    """
    configured = os.environ.get(ENV_VAR)
    if configured:
        return configured
    local = LOCAL_VENV / "bin" / "python"
    return str(local) if local.is_file() else None


def needs_other_interpreter(backend: str) -> bool:
    """True when ``backend`` is MXNet and MXNet does not import here.

    >>> needs_other_interpreter("torch")
    False
    """
    return backend == "mxnet" and import_error() is not None


def python_for(backend: str) -> str:
    """The interpreter that runs ``backend``: this one, or the MXNet environment's.

    Raises :class:`BackendUnavailable` (one line, with how to create the environment)
    when MXNet is needed, does not import here, and no usable interpreter is configured.
    """
    if not needs_other_interpreter(backend):
        return sys.executable
    python = mxnet_python()
    if os.environ.get(HANDED_OVER):
        raise BackendUnavailable(f"{ENV_VAR}={python} cannot run MXNet: {import_error()}; {HOW_TO}")
    if python is None:
        raise BackendUnavailable(f"{import_error()}; {HOW_TO}")
    if not Path(python).is_file():
        raise BackendUnavailable(f"{ENV_VAR}={python} does not exist; {HOW_TO}")
    return python


def reexec_command(argv: list[str]) -> list[str]:
    """The command that runs ``lrlab *argv`` in the MXNet environment.

    >>> reexec_command(["train", "--backend", "mxnet"])  # doctest: +SKIP
    ['/home/me/lrlab/.venv-mxnet/bin/python', '-m', 'lrlab', 'train', '--backend', 'mxnet']
    """
    return [python_for("mxnet"), "-m", "lrlab", *argv]


def reexec(argv: list[str]) -> int:
    """Run ``lrlab *argv`` in the MXNet environment, wait, and return its exit status.

    >>> reexec(["train", "--backend", "mxnet", "--schedule", "constant(0.3)"])  # doctest: +SKIP
    0
    """
    command = reexec_command(argv)
    return subprocess.run(command, env={**os.environ, HANDED_OVER: "1"}).returncode
