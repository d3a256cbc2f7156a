"""``lrlab plot``: a real PNG and CSV, and one-line errors with exit status 2."""

import csv
import subprocess
import sys

import pytest

from lrlab.cli import main
from lrlab.schedules import parse

COSINE = "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)"


def test_writes_a_png_and_the_exact_values_as_csv(tmp_path):
    png, table = tmp_path / "lr.png", tmp_path / "lr.csv"
    assert main([ "plot", COSINE, "power(base_lr=0.1)", "--steps", "31", "-o", str(png), "--csv", str(table)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    rows = list(csv.reader(table.open()))
    assert rows[0] == ["step", COSINE, "power(base_lr=0.1)"]
    assert len(rows) == 32
    assert [float(r[1]) for r in rows[1:]] == [parse(COSINE)(t) for t in range(31)]


def test_labels_name_the_columns(tmp_path):
    table = tmp_path / "lr.csv"
    main(["plot", "constant(0.3)", "--label", "baseline", "-o", str(tmp_path / "a.png"), "--csv", str(table)])
    assert next(csv.reader(table.open())) == ["step", "baseline"]


@pytest.mark.parametrize("argv, words", [
    (["plot", "cosin(max_update=20, base_lr=0.3)"], ["cosine"]),
    (["plot", "cosine(max_update=20, base_lr=-0.3)"], ["base_lr", "-0.3", ">= 0"]),
    (["plot", "cosine(max_update=20"], ["malformed"]),
    (["plot", "constant(0.3)", "--steps", "0"], ["--steps"]),
    (["plot", "constant(0.3)", "--label", "a", "--label", "b"], ["--label"]),
])
def test_bad_input_is_one_line_and_status_2(tmp_path, argv, words):
    result = subprocess.run([sys.executable, "-m", "lrlab", *argv, "-o", str(tmp_path / "x.png")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert not (tmp_path / "x.png").exists()
