"""``lrlab run --executor ray`` without Ray installed says in one line how to install it."""

from __future__ import annotations

import sys

from lrlab.cli import main
from ray_support import experiment_file


def test_without_ray_the_command_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as when it is not installed
    assert main(["run", str(experiment_file(tmp_path)), "--executor", "ray", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == ("lrlab run: error: --executor ray needs Ray, which is not installed: "
                                       "pip install 'lrlab[ray]'\n")


def test_address_is_for_the_ray_executor(tmp_path, capsys):
    assert main(["run", str(experiment_file(tmp_path)), "--address", "127.0.0.1:6379"]) == 2
    assert capsys.readouterr().err == "lrlab run: error: --address is for --executor ray\n"
