"""docs/walkthrough.md stays true: its experiment files validate and its Python runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from lrlab.experiments import experiment_from_dict

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib

WALKTHROUGH = Path(__file__).resolve().parents[2] / "docs" / "walkthrough.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", WALKTHROUGH.read_text(), flags=re.S)


@pytest.mark.parametrize("text", blocks("toml"))
def test_toml_examples_are_valid_experiments(text):
    assert experiment_from_dict(tomllib.loads(text), "walkthrough").runs


def test_python_examples_run():
    code = "\n".join(block for block in blocks("python") if "train(" not in block)  # no 30-epoch training here
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_images_exist_and_are_small():
    for name in re.findall(r"\]\((img/[^)]+)\)", WALKTHROUGH.read_text()):
        path = WALKTHROUGH.parent / name
        assert path.is_file() and path.stat().st_size < 200_000, name
