"""Which combinations of values a sweep trains: its ``search``, ``samples`` and ``search_seed`` keys, every
combination (:func:`grid`) or distinct random ones (:func:`draws`), at most :data:`MAX_RUNS` of them."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

from .errors import SweepProblem
from .values import Param, _integer

SEARCHES = ("grid", "random", "tpe")
MAX_RUNS = 10_000


def _search(table: dict[str, Any], where: str) -> tuple[str, int | None, int]:
    """The search, its number of runs (random's samples, TPE's trials; None for a grid) and its seed."""
    search = table.get("search", "grid")
    if search not in SEARCHES:
        raise SweepProblem(f"{where}.search", f"{search!r} is invalid: must be one of {', '.join(map(repr, SEARCHES))}")
    count = {"random": "samples", "tpe": "trials"}.get(search)
    for key in ("samples", "trials", "metric"):
        if key in table and key != count and not (key == "metric" and search == "tpe"):
            wanted = "random" if key == "samples" else "tpe"
            raise SweepProblem(f"{where}.{key}", f'is for search = "{wanted}", not {search!r}')
    if search == "tpe":
        if "trials" not in table:
            raise SweepProblem(f"{where}.trials", "missing: TPE needs the number of trials to train, e.g. trials = 20")
        trials = _integer(table["trials"], 1, f"{where}.trials")
        if trials > MAX_RUNS:
            raise SweepProblem(f"{where}.trials", f"{trials:,} trials is too many (at most {MAX_RUNS:,})")
        return search, trials, _integer(table.get("search_seed", 0), 0, f"{where}.search_seed")
    if search == "grid":
        if "search_seed" in table:
            raise SweepProblem(f"{where}.search_seed", 'is for search = "random" or "tpe"; a grid trains every combination')
        return search, None, 0
    if "samples" not in table:
        raise SweepProblem(f"{where}.samples", 'missing: random search needs the number of runs to draw, e.g. samples = 20')
    samples = _integer(table["samples"], 1, f"{where}.samples")
    return search, samples, _integer(table.get("search_seed", 0), 0, f"{where}.search_seed")


def grid(params: tuple[Param, ...], where: str) -> list[tuple]:
    """Every combination, the first parameter varying slowest.

    >>> grid((Param("a", values=(1, 2)), Param("b", values=("x", "y"))), "s")
    [(1, 'x'), (1, 'y'), (2, 'x'), (2, 'y')]
    """
    size = math.prod(len(p.values) for p in params)
    if size > MAX_RUNS:
        raise SweepProblem(f"{where}.params", f"a grid of {size:,} runs is too many (at most {MAX_RUNS:,}): "
                                              'use fewer values, or search = "random" with samples')
    return list(itertools.product(*(p.values for p in params)))


def draws(params: tuple[Param, ...], samples: int, seed: int, where: str) -> list[tuple]:
    """``samples`` distinct combinations drawn with ``random.Random(seed)``, in the order drawn.

    >>> draws((Param("a", values=(1, 2, 3)),), 2, seed=0, where="s")
    [(3,), (2,)]
    """
    if samples > MAX_RUNS:
        raise SweepProblem(f"{where}.samples", f"{samples:,} runs is too many (at most {MAX_RUNS:,})")
    if all(p.values for p in params) and math.prod(len(p.values) for p in params) < samples:
        size = math.prod(len(p.values) for p in params)
        raise SweepProblem(f"{where}.samples", f"{samples} is more than the {size} combinations there are: "
                                               'use search = "grid", or fewer samples')
    rng, combos, seen = random.Random(seed), [], set()
    for _ in range(100 * samples):
        combo = tuple(p.draw(rng) for p in params)
        if repr(combo) not in seen:
            seen.add(repr(combo))
            combos.append(combo)
            if len(combos) == samples:
                return combos
    raise SweepProblem(f"{where}.samples", f"drew only {len(combos)} distinct combinations in {100 * samples} tries: "
                                           "ask for fewer samples, or widen the ranges")
