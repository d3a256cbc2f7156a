"""What early stopping (successive halving) did in a run folder, in a sentence per halved sweep.

``lrlab run`` records each halved sweep's rungs in ``OUT/<sweep>.rungs.json`` (see
``lrlab.experiments.halving``); with the epochs each seed really trained, that says how much
training the halving saved and where the runs stopped.

>>> record = {"sweep": "rate", "grace": 1, "reduction": 2, "metric": "test_acc", "epochs": 4, "rungs": [1, 2],
...           "decisions": [{"epoch": 1, "stopped": ["a", "b"]}, {"epoch": 2, "stopped": ["c"]}]}
>>> print(sentence(record, runs=4, trained=8, total=16))  # doctest: +NORMALIZE_WHITESPACE
Early stopping in sweep `rate` (successive halving: grace 1, reduction 2, by test acc): trained 8 of 16
epochs (50%); 2 of 4 configurations stopped at rung 1 (epoch 1 of 4), 1 at rung 2 (epoch 2 of 4), 1 went
on to the end. A stopped configuration was judged that early in its schedule, which favours fast
starters; its seeds are not in the table's means (the seeds column says where they stopped).
>>> half_done = record | {"decisions": record["decisions"][:1]}
>>> sentence(half_done, runs=4, trained=6, total=16).split("; ")[1]
'2 of 4 configurations stopped at rung 1 (epoch 1 of 4), 2 are still in the race. A stopped configuration was judged that early in its schedule, which favours fast starters'
"""

from __future__ import annotations

import json
from pathlib import Path

from .load import ExperimentResult

RECORDS = "*.rungs.json"


def early_stopping_lines(result: ExperimentResult) -> list[str]:
    """One :func:`sentence` per halved sweep of ``result`` (none without early stopping)."""
    lines = []
    for path in sorted(Path(result.folder).glob(RECORDS)):
        record = json.loads(path.read_text(encoding="utf-8"))
        names = {entry["run"] for decision in record["decisions"][:1] for entry in decision["ranked"]}
        runs = [run for run in result.runs if run.name in names]
        if not runs:  # no rung decided yet
            continue
        trained = sum(seed.epochs for run in runs for seed in run.seeds)
        total = record["epochs"] * sum(len(run.seeds) for run in runs)
        lines.append(sentence(record, len(runs), trained, total))
    return lines


def sentence(record: dict, runs: int, trained: int, total: int) -> str:
    """The sentence for one sweep's ``record`` (its rungs.json), whose ``runs`` configurations trained
    ``trained`` epochs of the ``total`` a full grid would."""
    metric = record["metric"].replace("_", " ")
    parts, stopped = [], 0
    for number, decision in enumerate(record["decisions"], 1):
        count = len(decision["stopped"])
        stopped += count
        where = f"rung {number} (epoch {decision['epoch']} of {record['epochs']})"
        parts.append(f"{count} of {runs} configurations stopped at {where}" if not parts else f"{count} at {where}")
    over = len(record["decisions"]) == len(record["rungs"]) or runs - stopped == 1
    rest = "went on to the end" if over else "are still in the race"
    parts.append(f"{runs - stopped} {rest}")
    return (f"Early stopping in sweep `{record['sweep']}` (successive halving: grace {record['grace']}, "
            f"reduction {record['reduction']}, by {metric}): trained {trained} of {total} epochs "
            f"({100 * trained / total:.0f}%); {', '.join(parts)}. A stopped configuration was judged that "
            "early in its schedule, which favours fast starters; its seeds are not in the table's means "
            "(the seeds column says where they stopped).")
