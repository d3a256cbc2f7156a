"""The sweep part of the report, on hand-written sweep folders with known final accuracies (no training)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from lrlab.cli import main
from lrlab.report import sweep_plots
from lrlab.report.confidence import T_975, compare
from lrlab.report.load import load_results
from lrlab.report.sweep import ranked, sweeps_of
from lrlab.report.sweep_section import confidence_sentence
from lrlab.report.sweep_table import sweep_table
from lrlab.report.write import write_report

# base_lr -> one (status, final test accuracy) per seed 0, 1, 2
CONSTANT = {
    0.3: [("completed", 0.85), ("completed", 0.86), ("completed", 0.84)],     # the best
    0.1: [("completed", 0.845), ("completed", 0.858), ("completed", 0.842)],  # d = .005, .002, -.002: noise
    0.01: [("completed", 0.70), ("completed", 0.71), ("completed", 0.69)],    # d = .15 each: clearly worse
    1.0: [("stuck", 0.10), ("diverged", None), ("completed", 0.80)],          # one seed trained
}


def write_sweep(out, make_seed_folder, sweep: str, schedule: str, points: dict, *, quick=False) -> None:
    """A run folder of one sweep: ``points`` maps a tuple of values (in ``params`` order) to seeds' results;
    each seed's metrics follow conftest's rule, its final test accuracy is the given one."""
    params, configs = points["params"], points["configs"]
    runs = []
    for values, seeds in configs.items():
        values = values if isinstance(values, tuple) else (values,)
        name = sweep + "".join(f".{p.split('.')[-1]}-{v}" for p, v in zip(params, values))
        entries = []
        for seed, (status, accuracy) in enumerate(seeds):
            folder = out / name / f"seed-{seed}"
            make_seed_folder(folder, schedule, seed, status=status)
            summary = json.loads((folder / "summary.json").read_text())
            if accuracy is None:
                summary["final"] = None
            else:
                summary["final"]["test_acc"] = accuracy
                rows = (folder / "metrics.jsonl").read_text().splitlines()
                last = json.loads(rows[-1]) | {"test_acc": accuracy}
                (folder / "metrics.jsonl").write_text("\n".join(rows[:-1] + [json.dumps(last)]) + "\n")
            (folder / "summary.json").write_text(json.dumps(summary))
            entries.append({"seed": seed, "folder": f"{name}/seed-{seed}", "status": status})
        runs.append({"name": name, "label": name, "schedule": schedule, "backend": "torch", "book": {},
                     "seeds": entries, "sweep": sweep, "params": dict(zip(params, values))})
    (out / "index.json").write_text(json.dumps({"title": "Sweep", "description": "", "quick": quick, "runs": runs}))


@pytest.fixture
def constant_sweep(tmp_path, make_seed_folder):
    out = tmp_path / "sweep"
    write_sweep(out, make_seed_folder, "rate", "constant(0.1)", {"params": ["schedule.base_lr"], "configs": CONSTANT})
    return out


# -- the confidence rule --------------------------------------------------------------------------


def test_a_clearly_better_best_is_told_apart():
    comparison = compare({0: 0.86, 1: 0.87, 2: 0.85}, {0: 0.80, 1: 0.80, 2: 0.80})
    # d = .06, .07, .05: mean .06, sd .01, half-width 4.303 * .01 / sqrt(3) = .0248
    assert comparison.verdict == "worse" and comparison.n == 3
    assert comparison.mean == pytest.approx(0.06) and comparison.half_width == pytest.approx(4.303 * 0.01 / 3 ** 0.5)


def test_a_difference_smaller_than_the_seed_to_seed_spread_is_within_noise():
    comparison = compare({0: 0.85, 1: 0.86, 2: 0.84}, {0: 0.845, 1: 0.858, 2: 0.842})
    assert comparison.verdict == "within noise" and comparison.mean == pytest.approx(0.005 / 3)
    assert comparison.text() == "paired difference 0.002 ± 0.009 over 3 seeds"


def test_a_loss_is_compared_the_other_way_round():
    assert compare({0: 0.3, 1: 0.31}, {0: 0.5, 1: 0.52}, higher_is_better=False).mean == pytest.approx(0.205)


def test_one_seed_or_none_in_common_makes_no_statement():
    assert compare({0: 0.86}, {0: 0.70}).verdict == "unknown"
    assert compare({0: 0.86, 1: 0.87}, {1: 0.5, 2: 0.5}).verdict == "unknown"  # paired on seed 1 only
    assert compare({0: 0.86}, {1: 0.5}).text() == "no seed in common"


def test_the_t_table_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    assert T_975 == pytest.approx([stats.t.ppf(0.975, df) for df in range(1, 31)], abs=6e-4)


def test_the_sentence_names_the_best_and_every_configuration_within_noise(constant_sweep):
    sweep = sweeps_of(load_results(constant_sweep))[0]
    sentence = confidence_sentence(sweep, ranked(sweep))
    assert sentence.startswith("**base_lr 0.3** is best (test acc 0.850 over 3 seeds); within noise of it: "
                               "base_lr 0.1 (paired difference 0.002 ± 0.009 over 3 seeds). The other compared "
                               "configurations are worse; the closest, base_lr 0.01 (paired difference 0.150 ± 0.000")
    assert sentence.endswith("Fewer than 2 seeds in common with the best, not compared: base_lr 1.0.")


def test_a_configuration_with_a_stuck_seed_ranks_below_every_one_whose_seeds_all_trained(tmp_path, make_seed_folder):
    """A higher mean over the seeds that trained does not make a configuration that left a seed at
    chance the pick: it ranks after the ones that trained on every seed, and says why."""
    configs = {0.5: [("stuck", 0.10), ("completed", 0.95), ("completed", 0.94)],
               0.3: [("completed", 0.90), ("completed", 0.91), ("completed", 0.89)],
               0.8: [("stuck", 0.10), ("stuck", 0.10), ("completed", 0.99)]}
    write_sweep(tmp_path, make_seed_folder, "rate", "constant(0.1)", {"params": ["schedule.base_lr"], "configs": configs})
    sweep = sweeps_of(load_results(tmp_path))[0]
    rows = ranked(sweep)
    assert [(row.rank, row.run.params["schedule.base_lr"]) for row in rows] == [(1, 0.3), (2, 0.5), (3, 0.8)]
    sentence = confidence_sentence(sweep, rows)
    assert sentence.startswith("**base_lr 0.3** is best (test acc 0.900 over 3 seeds)")
    assert "within noise of it: base_lr 0.5 (paired difference -0.045 ± 0.064 over 2 seeds; seed 0 stuck)." in sentence


def test_one_seed_per_configuration_makes_no_statement_about_noise(tmp_path, make_seed_folder):
    configs = {rate: seeds[:1] for rate, seeds in CONSTANT.items() if rate != 1.0}
    write_sweep(tmp_path, make_seed_folder, "rate", "constant(0.1)", {"params": ["schedule.base_lr"], "configs": configs})
    sweep = sweeps_of(load_results(tmp_path))[0]
    assert confidence_sentence(sweep, ranked(sweep)) == (
        "**base_lr 0.3** is best (test acc 0.850 over 1 seed): with 1 seed, no statement about noise can be made.")


# -- the ranked table, CSV and means --------------------------------------------------------------


def test_the_ranked_table_shows_each_seed_and_how_many_trained(constant_sweep):
    table = sweep_table(sweeps_of(load_results(constant_sweep))[0])
    assert table.header == ["rank", "base_lr", "test acc", "test loss", "seed 0", "seed 1", "seed 2", "seeds", "vs best"]
    rows = [[cell.text for cell in row] for row in table.rows]
    assert [row[:3] for row in rows] == [["1", "0.3", "0.850 ± 0.010"], ["2", "0.1", "0.848 ± 0.009"],
                                         ["3", "0.01", "0.700 ± 0.010"], ["4", "1.0", "0.800"]]
    assert rows[0][4:] == ["0.850", "0.860", "0.840", "3", "best"]
    assert rows[1][-1] == "within noise (0.002 ± 0.009 over 3 seeds)"
    assert rows[2][-1].startswith("worse (0.150 ± 0.000")
    assert rows[3][4:] == ["stuck (0.100)", "diverged", "0.800", "1 of 3", "–"]  # the stuck seed's number, not in the mean
    assert table.rows[0][2].bold and not table.rows[1][2].bold


def test_report_writes_the_sweep_csv_figure_and_section(constant_sweep):
    out = write_report(constant_sweep)
    text = (out / "report.md").read_text()
    assert "## Sweeps" in text and "](sweep-base_lr.png)" in text and "`sweep-rate.csv`" in text
    assert "| 1 | 0.3 | **0.850 ± 0.010** |" in text
    assert (out / "sweep-base_lr.png").read_bytes().startswith(b"\x89PNG")
    rows = list(csv.DictReader((out / "sweep-rate.csv").open()))
    assert [(r["rank"], r["schedule.base_lr"], r["seeds_trained"], r["vs_best"]) for r in rows] == [
        ("1", "0.3", "3", "best"), ("2", "0.1", "3", "within noise"), ("3", "0.01", "3", "worse"),
        ("4", "1.0", "1", "unknown")]
    assert float(rows[0]["test_acc_mean"]) == pytest.approx(0.85)
    assert (rows[3]["seed_0_status"], rows[3]["seed_0_test_acc"], rows[3]["seed_1_status"]) == ("stuck", "0.1", "diverged")
    assert sorted(p.name for p in out.glob("sweep-*.png")) == ["sweep-base_lr.png"]  # one parameter: no heatmap


def captured_figures(monkeypatch) -> list:
    """The figures the sweep plots make from now on (in order; still saved where asked)."""
    figures, save = [], sweep_plots.save_figure
    monkeypatch.setattr(sweep_plots, "save_figure", lambda figure, path, dpi: figures.append(figure) or save(figure, path, dpi))
    return figures


def test_the_rate_figure_leaves_stuck_seeds_out_of_its_mean_and_marks_them(constant_sweep, tmp_path, monkeypatch):
    figures = captured_figures(monkeypatch)
    sweep_plots.plot_against(sweeps_of(load_results(constant_sweep)), "schedule.base_lr", tmp_path / "x.png")
    accuracy = figures[0].axes[0]
    assert accuracy.get_xscale() == "log"  # 0.01 to 1.0: two decades
    line = next(line for line in accuracy.get_lines() if line.get_label() == "rate")
    assert line.get_xdata().tolist() == [0.01, 0.1, 0.3, 1.0]
    assert line.get_ydata() == pytest.approx([0.70, 0.848, 0.85, 0.80], abs=1e-3)  # 1.0: seed 2 alone
    assert [t.get_text() for t in accuracy.texts] == ["1 stuck\n1 diverged"]
    crosses = [line for line in accuracy.get_lines() if line.get_marker() == "x"]
    assert [c.get_xdata()[0] for c in crosses] == [1.0]


def test_mean_curves_leave_stuck_and_diverged_seeds_out(constant_sweep, monkeypatch):
    from lrlab.report import plots

    run = next(run for run in load_results(constant_sweep).runs if run.params["schedule.base_lr"] == 1.0)
    epochs, mean, std = run.curve("test_acc")
    assert [s.seed for s in run.curve_seeds] == [2]
    assert mean[-1] == pytest.approx(0.80) and np.isnan(std).all()  # seed 2 alone
    figures = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, path, dpi: figures.append(figure) or path)
    plots.plot_curves(load_results(constant_sweep), "unused.png")
    labels = [line.get_label() for line in figures[0].axes[0].get_lines()]
    assert "rate.base_lr-1.0 (1 stuck, 1 diverged left out)" in labels
    assert "stuck and diverged seeds left out" in figures[0].get_suptitle()


# -- two parameters, categories -------------------------------------------------------------------


POWER = {
    "params": ["schedule.base_lr", "schedule.beta"],
    "configs": {
        (0.1, 0.5): [("completed", 0.84), ("completed", 0.85)],
        (0.1, 1.0): [("completed", 0.80), ("stuck", 0.10)],
        (0.3, 0.5): [("completed", 0.86), ("completed", 0.87)],
        (0.3, 1.0): [("completed", 0.82), ("completed", 0.83)],
    },
}


def test_two_parameters_give_a_heatmap_with_the_mean_and_the_stuck_count(tmp_path, make_seed_folder, monkeypatch):
    write_sweep(tmp_path, make_seed_folder, "power-beta", "power(base_lr=0.1, beta=0.5)", POWER)
    figures = captured_figures(monkeypatch)
    out = write_report(tmp_path)
    heatmap = out / "sweep-power-beta-base_lr-beta.png"
    assert heatmap.read_bytes().startswith(b"\x89PNG") and f"]({heatmap.name})" in (out / "report.md").read_text()
    assert (out / "sweep-beta.png").is_file() and (out / "sweep-base_lr.png").is_file()
    by_base_lr, by_beta, heatmap_figure = figures
    texts = sorted(t.get_text() for t in heatmap_figure.axes[0].texts)
    assert texts == ["0.800\n1 stuck", "0.825", "0.845", "0.865"]
    labels = [line.get_label() for line in by_beta.axes[0].get_lines() if not line.get_label().startswith("_")]
    assert labels == ["power-beta: base_lr 0.1", "power-beta: base_lr 0.3"]  # a line per other value
    assert by_beta.axes[0].get_xscale() == "linear"  # 0.5 to 1.0: not a decade


def test_a_categorical_parameter_is_drawn_as_categories(tmp_path, make_seed_folder, monkeypatch):
    configs = {"sgd": [("completed", 0.85)], "adam": [("completed", 0.80)]}
    write_sweep(tmp_path, make_seed_folder, "opt", "constant(0.1)", {"params": ["optimizer"], "configs": configs})
    figures = captured_figures(monkeypatch)
    sweep_plots.plot_against(sweeps_of(load_results(tmp_path)), "optimizer", tmp_path / "x.png")
    axes = figures[0].axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["sgd", "adam"]
    assert axes.get_lines()[0].get_ydata().tolist() == [0.85, 0.80]


def test_a_plain_experiment_has_no_sweep_section(run_folder):
    out = write_report(run_folder)
    assert "## Sweeps" not in (out / "report.md").read_text() and not list(out.glob("sweep-*"))


# -- find-lr --------------------------------------------------------------------------------------


def write_suggestions(folder, valley=(0.21, 0.15, 0.30)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suggestions.json").write_text(json.dumps({
        "mode": "exp", "seeds": [0, 1, 2],
        "suggestions": {"valley": list(valley), "steep": [0.05, None, 0.04], "min_div_10": [None, None, None]},
        "settings": {"start_lr": 1e-5, "end_lr": 10}}))


def test_find_lr_suggestions_are_compared_with_the_best_rate_and_drawn(constant_sweep, monkeypatch):
    write_suggestions(constant_sweep / "find-lr")  # found by itself
    figures = captured_figures(monkeypatch)
    text = (write_report(constant_sweep) / "report.md").read_text()
    assert ("find-lr's valley 0.21 (0.15–0.3 over 3 seeds) is 0.15 decades below the sweep's best constant rate 0.3, "
            "inside the rates within noise of it (0.1–0.3); its steep 0.045 (0.04–0.05 over 2 of 3 seeds) is 0.82 "
            "decades below the sweep's best constant rate 0.3, outside the rates within noise of it (0.1–0.3).") in text
    labels = [line.get_label() for line in figures[0].axes[0].get_lines()]
    assert "find-lr valley 0.21" in labels and "find-lr steep 0.045" in labels
    assert not any("min_div_10" in label for label in labels)  # never computed: not drawn


def test_report_command_takes_a_find_lr_folder(constant_sweep, tmp_path, capsys):
    write_suggestions(tmp_path / "lr-test", valley=(0.3, 0.3, 0.3))
    assert main(["report", str(constant_sweep), "--find-lr", str(tmp_path / "lr-test")]) == 0
    assert "find-lr's valley 0.3 (0.3–0.3 over 3 seeds) is at the sweep's best constant rate 0.3" in (
        constant_sweep / "report" / "report.md").read_text()
    assert main(["report", str(constant_sweep), "--find-lr", str(tmp_path)]) == 2
    assert "no suggestions.json" in capsys.readouterr().err
    (tmp_path / "lr-test" / "suggestions.json").write_text('{"suggestions": {"valley": [-1]}}')
    assert main(["report", str(constant_sweep), "--find-lr", str(tmp_path / "lr-test")]) == 2
    assert "rates must be positive" in capsys.readouterr().err


def test_a_best_with_seeds_that_did_not_train_says_so(tmp_path, make_seed_folder):
    configs = {0.3: [("stuck", 0.10), ("completed", 0.85), ("completed", 0.86)],  # every configuration failed a seed
               1.0: [("stuck", 0.10), ("diverged", None), ("completed", 0.95)]}
    write_sweep(tmp_path, make_seed_folder, "rate", "constant(0.1)", {"params": ["schedule.base_lr"], "configs": configs})
    sweep = sweeps_of(load_results(tmp_path))[0]
    assert confidence_sentence(sweep, ranked(sweep)) == (
        "**base_lr 0.3** is best (test acc 0.855 over 2 of 3 seeds; the others did not train). Fewer than 2 "
        "seeds in common with the best, not compared: base_lr 1.0.")


def test_a_random_search_is_drawn_as_points_not_lines(tmp_path, make_seed_folder, monkeypatch):
    configs = {(0.01 * 2 ** k, 0.1 * k): [("completed", 0.8 + k / 100)] for k in range(1, 10)}  # 9 distinct betas
    write_sweep(tmp_path, make_seed_folder, "random", "power(base_lr=0.1, beta=0.5)",
                {"params": ["schedule.base_lr", "schedule.beta"], "configs": configs})
    figures = captured_figures(monkeypatch)
    sweep_plots.plot_against(sweeps_of(load_results(tmp_path)), "schedule.base_lr", tmp_path / "x.png")
    (line,) = [line for line in figures[0].axes[0].get_lines() if line.get_label() == "random"]
    assert line.get_linestyle() == "None" and len(line.get_xdata()) == 9
