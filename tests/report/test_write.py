"""The report's files, table, figures and renderers, on a fake run folder (no training)."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from lrlab.cli import main
from lrlab.report.document import Code, Heading, Image, Items, Text, html_page, markdown
from lrlab.report.load import load_results
from lrlab.report.plots import learning_rate
from lrlab.report.table import Cell, Table, format_mean_std, results_table
from lrlab.report.write import write_report

FILES = ("report.md", "report.html", "learning_rates.png", "curves.png", "results.csv", "summary.json")


def table_lines(markdown_text: str) -> list[str]:
    return [line for line in markdown_text.splitlines() if line.startswith("| ")]


def test_writes_every_file_into_run_folder_report(run_folder):
    out = write_report(run_folder)
    assert out == run_folder / "report"
    for name in FILES:
        assert (out / name).is_file(), name
    for png in ("learning_rates.png", "curves.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG") and (out / png).stat().st_size < 200_000


def test_table_bolds_the_best_mean_and_shows_the_book(run_folder):
    header, rule, fast, slow = table_lines(write_report(run_folder).joinpath("report.md").read_text())
    assert header == ("| run | seeds | train loss | train acc | test loss | test acc "
                      "| book train loss | book test acc |")  # the book's columns: the metrics it gives
    # "fast" has the lower losses; both runs have the same accuracies: both bold.
    assert fast.startswith("| FAST | 2 | **0.255 ± 0.007** | **0.805 ± 0.007** | **0.305 ± 0.007** | **0.705 ± 0.007** |")
    assert slow.startswith("| SLOW | 2 | 0.505 ± 0.007 | **0.805 ± 0.007** | 0.605 ± 0.007 | **0.705 ± 0.007** |")
    assert fast.endswith("| 0.145 | 0.877 |") and slow.endswith("| – | – |")


def test_a_book_test_loss_gets_its_column(run_folder):
    index = json.loads((run_folder / "index.json").read_text())
    index["runs"][1]["book"] = {"torch": {"test_loss": 0.3}}
    (run_folder / "index.json").write_text(json.dumps(index))
    table = results_table(load_results(run_folder))
    assert table.header[-3:] == ["book train loss", "book test loss", "book test acc"]
    assert [cell.text for cell in table.rows[1][-3:]] == ["–", "0.300", "–"]


def replace_with_old_folders(run_folder, make_seed_folder, name: str, schedule: str, loss0: float) -> None:
    """``name``'s seeds as lrlab wrote them before it measured the test loss."""
    for seed in (0, 1):
        folder = run_folder / name / f"seed-{seed}"
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
        make_seed_folder(folder, schedule, seed, loss0=loss0, test_loss=False)


def test_a_run_folder_from_before_the_test_loss_shows_a_dash(run_folder, make_seed_folder):
    replace_with_old_folders(run_folder, make_seed_folder, "slow", "cosine(max_update=3, base_lr=0.1)", 2.0)
    out = write_report(run_folder)
    header, rule, fast, slow = table_lines((out / "report.md").read_text())
    # One run measured the test loss: nothing to compare, no bold; the other shows a dash.
    assert fast.startswith("| FAST | 2 | **0.255 ± 0.007** | **0.805 ± 0.007** | 0.305 ± 0.007 | **0.705 ± 0.007** |")
    assert slow.startswith("| SLOW | 2 | 0.505 ± 0.007 | **0.805 ± 0.007** | – | **0.705 ± 0.007** |")
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [r["test_loss"] != "" for r in rows] == [True, True, False, False]
    data = json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)
    assert data["runs"][1]["final"]["test_loss"] == {"mean": None, "std": None, "n": 0}


def curve_panels(result, monkeypatch) -> dict:
    """The curves figure's panels: title -> {run label: the y values of its curve}."""
    from lrlab.report import plots

    figures = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, path, dpi: figures.append(figure) or path)
    plots.plot_curves(result, "unused.png")
    return {axes.get_title(): {line.get_label(): line.get_ydata() for line in axes.get_lines()}
            for axes in figures[0].axes}


def test_the_curves_legend_is_under_the_panels_not_on_one(run_folder, monkeypatch):
    from lrlab.report import plots

    figures = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, path, dpi: figures.append(figure) or path)
    plots.plot_curves(load_results(run_folder), "unused.png")
    [legend] = figures[0].legends
    assert [text.get_text() for text in legend.get_texts()] == ["FAST", "SLOW"]
    assert not any(axes.get_legend() for axes in figures[0].axes)


def test_the_curves_show_the_test_loss_where_measured(run_folder, make_seed_folder, monkeypatch):
    panels = curve_panels(load_results(run_folder), monkeypatch)
    assert list(panels) == ["train loss", "train acc", "test loss", "test acc"]
    assert panels["test loss"]["FAST"] == pytest.approx([1.2 / (e + 1) + 0.005 for e in range(4)])
    replace_with_old_folders(run_folder, make_seed_folder, "slow", "cosine(max_update=3, base_lr=0.1)", 2.0)
    panels = curve_panels(load_results(run_folder), monkeypatch)
    assert np.isnan(panels["test loss"]["SLOW"]).all() and not np.isnan(panels["test loss"]["FAST"]).any()
    replace_with_old_folders(run_folder, make_seed_folder, "fast", "constant(0.3)", 1.0)
    assert list(curve_panels(load_results(run_folder), monkeypatch)) == ["train loss", "train acc", "test acc"]


def test_no_book_columns_without_book_numbers(run_folder):
    index = json.loads((run_folder / "index.json").read_text())
    for run in index["runs"]:
        run["book"] = {}
    (run_folder / "index.json").write_text(json.dumps(index))
    assert results_table(load_results(run_folder)).header == ["run", "seeds", "train loss", "train acc", "test loss",
                                                              "test acc"]


def test_book_numbers_of_another_backend_are_not_shown(run_folder):
    index = json.loads((run_folder / "index.json").read_text())
    index["runs"][0]["book"] = {"mxnet": {"test_acc": 0.5}}
    (run_folder / "index.json").write_text(json.dumps(index))
    assert load_results(run_folder).runs[0].book == {}


def test_csv_has_one_row_per_run_and_seed(run_folder):
    out = write_report(run_folder)
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [(r["run"], r["seed"], r["status"]) for r in rows] == [
        ("fast", "0", "completed"), ("fast", "1", "completed"), ("slow", "0", "completed"), ("slow", "1", "completed")]
    assert float(rows[1]["train_loss"]) == pytest.approx(1 / 4 + 0.01)
    assert rows[2]["folder"] == "slow/seed-0"


def test_summary_json_is_strict_json_with_means(run_folder):
    out = write_report(run_folder)
    data = json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)
    fast = data["runs"][0]
    assert fast["final"]["test_acc"]["mean"] == pytest.approx(0.705) and fast["final"]["test_acc"]["n"] == 2
    assert fast["book"] == {"train_loss": 0.145, "test_acc": 0.877}
    assert [s["status"] for s in fast["seeds"]] == ["completed", "completed"]


def test_one_seed_has_no_std_and_nan_never_reaches_json(run_folder):
    index = json.loads((run_folder / "index.json").read_text())
    for run in index["runs"]:
        run["seeds"] = run["seeds"][:1]
    (run_folder / "index.json").write_text(json.dumps(index))
    out = write_report(run_folder)
    assert "| FAST | 1 | **0.250** |" in (out / "report.md").read_text()
    data = json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)
    assert data["runs"][0]["final"]["train_loss"]["std"] is None


def test_markdown_links_images_and_html_embeds_them(run_folder):
    out = write_report(run_folder)
    text = (out / "report.md").read_text()
    assert "](learning_rates.png)" in text and "](curves.png)" in text
    assert "**Quick mode**" in text and "`constant(0.3)`" in text
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "<b>0.255 ± 0.007</b>" in page
    assert "versions: lrlab 0.1.0, numpy 2.0, python 3.11, torch 2.13.0" in text


def test_unit_step_learning_rate_is_sampled_per_update(run_folder):
    config_path = run_folder / "slow" / "seed-0" / "config.json"
    document = json.loads(config_path.read_text())
    document["config"]["unit"] = "step"
    config_path.write_text(json.dumps(document))
    x, rate = learning_rate(load_results(run_folder).runs[1])
    assert len(x) == 4 * 4 + 1 and x[-1] == 4 and rate[1] < rate[0]  # 4 epochs x 4 updates
    x, rate = learning_rate(load_results(run_folder).runs[0])
    assert x.tolist() == [0, 1, 2, 3, 4] and np.all(rate == 0.3)


def test_report_command(run_folder, tmp_path, capsys):
    assert main(["report", str(run_folder), "--out", str(tmp_path / "r")]) == 0
    assert "report.md" in capsys.readouterr().out
    assert main(["report", str(tmp_path)]) == 2
    assert "no index.json" in capsys.readouterr().err


def test_renderers_agree_on_the_blocks(tmp_path):
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG fake")
    blocks = [Heading("T <1>"), Text("a `b` **c**"), Items(["x"]), Code("k = 1"), Image(png, "alt"),
              Table(["h"], [[Cell("v", bold=True)]])]
    assert markdown(blocks) == "# T <1>\n\na `b` **c**\n\n- x\n\n```\nk = 1\n```\n\n![alt](x.png)\n\n| h |\n| --- |\n| **v** |\n"
    page = html_page(blocks, "T")
    assert "<h1>T &lt;1&gt;</h1>" in page and "<p>a <code>b</code> <b>c</b></p>" in page
    assert "<li>x</li>" in page and "<pre><code>k = 1</code></pre>" in page and "<td><b>v</b></td>" in page


def test_format_mean_std():
    assert format_mean_std(float("nan"), float("nan")) == "–"
    assert format_mean_std(0.12345, 0.0) == "0.123 ± 0.000"


def make_stuck(run_folder, make_seed_folder, name="fast", seed=0, schedule="constant(0.3)", loss0=1.0):
    """Replace ``name``'s seed with one that trained every epoch and ended stuck (its numbers still written)."""
    folder = run_folder / name / f"seed-{seed}"
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    make_seed_folder(folder, schedule, seed, loss0=loss0, status="stuck")


def test_a_stuck_seed_is_counted_and_named_but_left_out_of_the_mean(run_folder, make_seed_folder):
    make_stuck(run_folder, make_seed_folder, "fast", 0)
    result = load_results(run_folder)
    fast = result.runs[0]
    assert [s.status for s in fast.seeds] == ["stuck", "completed"]
    assert fast.final("test_acc") == (pytest.approx(0.4 + 0.3 + 0.01), pytest.approx(math.nan, nan_ok=True), 1)
    out = write_report(run_folder)
    report = (out / "report.md").read_text()
    _, _, fast_line, slow_line = table_lines(report)
    # seed 1 alone: its numbers, no std (bold: seed 1 beats slow's mean, seed 0 is not averaged in)
    assert fast_line.startswith("| FAST | 1 of 2 (1 stuck: seed 0) | **0.260** | **0.810** | **0.310** | **0.710** |")
    assert slow_line.startswith("| SLOW | 2 |")
    assert "1 stuck: seed 0" in (out / "report.html").read_text()
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [(r["run"], r["seed"], r["status"]) for r in rows][:2] == [("fast", "0", "stuck"), ("fast", "1", "completed")]
    assert float(rows[0]["test_acc"]) == pytest.approx(0.7)  # the stuck seed's own numbers are kept
    data = json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)
    assert data["runs"][0]["completed_seeds"] == 1 and data["runs"][0]["seeds_total"] == 2
    assert data["runs"][0]["final"]["test_acc"]["n"] == 1
    assert [s["status"] for s in data["runs"][0]["seeds"]] == ["stuck", "completed"]
    assert data["runs"][1]["completed_seeds"] == 2


def test_a_run_whose_every_seed_is_stuck_has_no_numbers_and_no_bold(run_folder, make_seed_folder):
    for seed in (0, 1):
        make_stuck(run_folder, make_seed_folder, "slow", seed, "cosine(max_update=3, base_lr=0.1)", 2.0)
    _, _, fast_line, slow_line = table_lines(write_report(run_folder).joinpath("report.md").read_text())
    assert slow_line.startswith("| SLOW | 0 of 2 (2 stuck: seeds 0, 1) | – | – | – | – |")
    assert "**" not in fast_line  # nothing left to compare with


def test_the_settings_show_the_init_and_a_folder_without_one_is_xavier(run_folder):
    text = (write_report(run_folder) / "report.md").read_text()
    assert "model = lenet, init = xavier, epochs = 4" in text  # config.json from before the setting: xavier
    for seed in (0, 1):
        config_path = run_folder / "slow" / f"seed-{seed}" / "config.json"
        document = json.loads(config_path.read_text())
        document["config"]["init"] = "default"
        config_path.write_text(json.dumps(document))
    assert "init: fast xavier, slow default" in (write_report(run_folder) / "report.md").read_text()
