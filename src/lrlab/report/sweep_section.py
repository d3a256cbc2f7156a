"""The report's sweep section: figures, a ranked table and a confidence sentence per sweep.

For an experiment with ``[[sweeps]]`` it writes, beside the report:

- ``sweep-<key>.png`` per swept parameter: the final test accuracy and loss against it, a line
  per sweep (:func:`lrlab.report.sweep_plots.plot_against`), with find-lr's suggestions marked on
  the base rate's figure when there are any (:mod:`lrlab.report.findlr`);
- ``sweep-<sweep>-<key>-<key>.png`` per pair of a sweep's parameters: a heatmap of the mean;
- ``sweep-<sweep>.csv``: the ranked table (:mod:`lrlab.report.sweep_table`);
- ``sweep-<sweep>-trials.png`` for a sweep searched by TPE: each trial's score and the best so far,
  in the order the trials were asked for, beside a table of them (:mod:`lrlab.report.trials`);

and returns the blocks that show them, with one sentence per sweep on whether its best
configuration stands out from the others (:mod:`lrlab.report.confidence`).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from .document import Heading, Image, Text
from .findlr import Suggestion, suggestion_sentence
from .load import ExperimentResult
from .sweep import Ranked, Sweep, failure_note, ranked, short_keys, show_value, sweeps_of
from .sweep_plots import Mark, plot_against, plot_heatmap
from .sweep_table import sweep_csv_name, sweep_table, write_sweep_csv
from .trials import plot_best_so_far, read_trials, trial_table

BASE_RATE = "schedule.base_lr"
HEATMAP_VALUES = 12
"""A heatmap only for parameters with at most this many values each (not for a random search's)."""

EXPLANATION = (
    "Each configuration's numbers are over the seeds that trained: a stuck seed (its train loss stayed at "
    "chance) or a diverged one is counted and shown, never averaged in. Figures: the mean over those "
    "seeds, the band their min–max; an x at the bottom marks a value with stuck or diverged seeds. "
    "The ranking puts the configurations whose seeds all trained first (a configuration that leaves "
    "some seed stuck or diverged is no safe pick, whatever its other seeds reached), then those with "
    "one such seed, and so on; by mean final test accuracy within each group. "
    "**Within noise**: for the best configuration B and another C, the paired differences "
    "d_s = B_s − C_s over the seeds both trained (same seed: same initial weights and batch order); "
    "their mean ± t(0.975, n−1)·sd(d)/√n is a 95% t-interval, and C is within noise of B when it "
    "contains 0, worse when it lies above 0. With 3 seeds the interval is wide (t = 4.30): only clear "
    "differences show. With 1 seed, no statement about noise can be made.")


def sweep_blocks(result: ExperimentResult, out: Path, suggestions: list[Suggestion] | None = None) -> list:
    """Write the sweeps' figures and CSVs into ``out``; return the blocks that show them (none without sweeps)."""
    sweeps = sweeps_of(result)
    if not sweeps:
        return []
    rows = {sweep.name: ranked(sweep) for sweep in sweeps}
    blocks = [Heading("Sweeps", 2), Text(EXPLANATION)]
    params = list(dict.fromkeys(p for sweep in sweeps for p in sweep.params))
    for param, key in zip(params, short_keys(params)):
        marks = _marks(suggestions) if param == BASE_RATE and suggestions else []
        image = plot_against(sweeps, param, out / f"sweep-{_file_part(key)}.png", marks)
        blocks.append(Image(image, f"final test accuracy and loss against {key}"))
    for sweep in sweeps:
        blocks += [Heading(f"Sweep `{sweep.name}`", 3), Text(confidence_sentence(sweep, rows[sweep.name]))]
        if suggestions and BASE_RATE in sweep.params:
            sentence = findlr_sentence(sweep, rows[sweep.name], suggestions)
            if sentence:
                blocks.append(Text(sentence))
        csv_path = write_sweep_csv(sweep, out / sweep_csv_name(sweep.name), rows[sweep.name])
        blocks += [sweep_table(sweep, rows[sweep.name]),
                   Text("Ranked by the number of stuck or diverged seeds (none first), then by the mean final "
                        "test accuracy; seed columns: each seed's test accuracy. "
                        f"The same table as numbers: `{csv_path.name}`.")]
        blocks += _trial_blocks(result, sweep, out)
        for first, second in itertools.combinations(sweep.params, 2):
            if max(len(sweep.values(first)), len(sweep.values(second))) <= HEATMAP_VALUES:
                name = f"sweep-{_file_part(sweep.name)}-{_file_part(sweep.key(first))}-{_file_part(sweep.key(second))}.png"
                image = plot_heatmap(sweep, first, second, out / name)
                blocks.append(Image(image, f"{sweep.name}: mean final test accuracy per {sweep.key(first)} "
                                           f"and {sweep.key(second)}"))
    return blocks


def _trial_blocks(result: ExperimentResult, sweep: Sweep, out: Path) -> list:
    """A TPE sweep's trials in order, as a table and a figure (nothing for another sweep)."""
    record = read_trials(result.folder, sweep.name)
    if record is None:
        return []
    trials, metric = record["trials"], record["metric"]
    image = plot_best_so_far(trials, metric, out / f"sweep-{_file_part(sweep.name)}-trials.png")
    told = sum(t["state"] == "told" for t in trials)
    return [Text(f"Trials of `{sweep.name}`, in the order TPE asked for them ({told} of "
                 f"{record['trials_wanted']} told; search_seed {record['search_seed']}): each one's mean "
                 f"{metric.replace('_', ' ')} over its seeds (– where a seed diverged or got stuck, or the values "
                 f"were refused), and the best so far."),
            trial_table(trials, metric), Image(image, f"{sweep.name}: each trial's score and the best so far")]


def confidence_sentence(sweep: Sweep, rows: list[Ranked]) -> str:
    """Which configuration is best, and every other one within noise of it (the rule: :data:`EXPLANATION`).

    >>> from pathlib import Path
    >>> from lrlab.report.confidence import Comparison
    >>> from lrlab.report.load import RunResult, SeedResult
    >>> seeds = tuple(SeedResult(k, Path(), "completed", {}, {}, None) for k in range(3))
    >>> runs = [RunResult(f"r{v}", "", "constant(0.1)", "torch", {}, seeds, "r", {"schedule.base_lr": v}) for v in (0.3, 0.1, 1.0)]
    >>> rows = [Ranked(1, runs[0], 0.853, 0.01, 3, None), Ranked(2, runs[1], 0.849, 0.01, 3, Comparison(0.004, 0.006, 3)),
    ...         Ranked(3, runs[2], 0.7, 0.01, 3, Comparison(0.153, 0.02, 3))]
    >>> confidence_sentence(Sweep("r", tuple(runs)), rows)  # doctest: +NORMALIZE_WHITESPACE
    '**base_lr 0.3** is best (test acc 0.853 over 3 seeds); within noise of it: base_lr 0.1 (paired difference
     0.004 ± 0.006 over 3 seeds). The other configurations are worse; the closest, base_lr 1.0 (paired
     difference 0.153 ± 0.020 over 3 seeds).'
    """
    ranked_rows = [row for row in rows if row.rank]
    if not ranked_rows:
        return "No configuration of this sweep has a seed that trained."
    best, others = ranked_rows[0], ranked_rows[1:]
    total = len(best.run.seeds)
    seeds = _seeds(best.n) if best.n == total else f"{best.n} of {total} seeds; the others did not train"
    head = f"**{values_text(sweep, best)}** is best (test acc {best.mean:.3f} over {seeds})"
    if not others:
        return head + "; no other configuration has a seed that trained."
    if best.n < 2:
        return head + ": with 1 seed, no statement about noise can be made."
    within = [row for row in others if row.comparison.verdict == "within noise"]
    worse = [row for row in others if row.comparison.verdict == "worse"]
    unknown = [row for row in others if row.comparison.verdict == "unknown"]
    if within:
        sentence = head + "; within noise of it: " + ", ".join(_compared(sweep, row) for row in within) + "."
        if worse:
            sentence += (f" The other{' compared' if unknown else ''} configurations are worse; the closest, "
                         f"{_compared(sweep, worse[0])}.")
    else:
        sentence = head + (f", distinguishable from the runner-up {_compared(sweep, worse[0])}"
                           f"{' and from every other one compared' if len(worse) > 1 else ''}." if worse else ".")
    if unknown:
        sentence += (" Fewer than 2 seeds in common with the best, not compared: "
                     + ", ".join(values_text(sweep, row) for row in unknown) + ".")
    return sentence


def findlr_sentence(sweep: Sweep, rows: list[Ranked], suggestions: list[Suggestion]) -> str:
    """find-lr's suggestions against the best configuration's base rate (and the rates within noise of it)."""
    ranked_rows = [row for row in rows if row.rank]
    if not ranked_rows or not suggestions:
        return ""
    best = ranked_rows[0]
    close = [best] + [row for row in ranked_rows[1:] if row.comparison.verdict == "within noise"]
    rates = [row.run.params[BASE_RATE] for row in close]
    within = (min(rates), max(rates)) if best.n >= 2 else None
    what = "constant rate" if best.run.schedule.startswith("constant(") else "base rate"
    return suggestion_sentence(suggestions, best.run.params[BASE_RATE], what, within)


def values_text(sweep: Sweep, row: Ranked) -> str:
    """``base_lr 0.3162, beta 0.5``: a configuration by its values."""
    return ", ".join(f"{sweep.key(p)} {show_value(row.run.params[p])}" for p in sweep.params if p in row.run.params)


def _compared(sweep: Sweep, row: Ranked) -> str:
    note = failure_note(row.run)
    return f"{values_text(sweep, row)} ({row.comparison.text()}{'; ' + note if note else ''})"


def _marks(suggestions: list[Suggestion]) -> list[Mark]:
    return [Mark(f"find-lr {s.name} {s.median:.3g}", s.median, s.low, s.high) for s in suggestions]


def _seeds(n: int) -> str:
    return f"{n} seed{'s' if n != 1 else ''}"


def _file_part(text: str) -> str:
    """A name safe in a file name: ``schedules[1].base_lr`` -> ``schedules_1_.base_lr``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)
