"""``lrlab find-lr``'s suggestions beside a sweep: does the range test land near the sweep's best rate?

``lrlab find-lr`` writes ``suggestions.json``::

    {"mode": "exp", "seeds": [0, 1, 2],
     "suggestions": {"valley": [0.21, 0.15, 0.30], "steep": [...], "min_div_10": [...]},
     "settings": {...}}

each suggestion a list over the seeds (null where it could not be computed). A suggestion is
summarised by its median over the seeds that have one and its min–max; its distance from the
sweep's best base rate B is ``log10(median / B)`` decades (negative: below B).

>>> s = Suggestion("valley", (0.21, 0.15, 0.30, None))
>>> s.median, s.low, s.high, s.count, s.total
(0.21, 0.15, 0.3, 3, 4)
>>> suggestion_sentence([s], 0.3162, "constant rate")
"find-lr's valley 0.21 (0.15–0.3 over 3 of 4 seeds) is 0.18 decades below the sweep's best constant rate 0.3162."
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from pathlib import Path

from .load import ReportError

SUGGESTIONS = "suggestions.json"
FOLDER = "find-lr"
"""Where ``lrlab report OUT`` looks by itself: ``OUT/find-lr/suggestions.json``."""


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """One kind of suggestion (``valley``, ``steep``, ``min_div_10``), one value (or None) per seed."""

    name: str
    values: tuple[float | None, ...]

    @property
    def present(self) -> list[float]:
        return [v for v in self.values if v is not None]

    @property
    def count(self) -> int:
        return len(self.present)

    @property
    def total(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.present) if self.present else math.nan

    @property
    def low(self) -> float:
        return min(self.present, default=math.nan)

    @property
    def high(self) -> float:
        return max(self.present, default=math.nan)


def find_suggestions(run_folder: Path, find_lr: str | Path | None = None) -> list[Suggestion] | None:
    """The suggestions in ``find_lr/suggestions.json`` (an error when that file is missing), else in
    ``run_folder/find-lr/suggestions.json`` when it exists, else None."""
    if find_lr is not None:
        path = Path(find_lr) / SUGGESTIONS
        if not path.is_file():
            raise ReportError(f"{find_lr}: no {SUGGESTIONS} (a folder written by lrlab find-lr)")
        return read_suggestions(path)
    path = Path(run_folder) / FOLDER / SUGGESTIONS
    return read_suggestions(path) if path.is_file() else None


def read_suggestions(path: Path) -> list[Suggestion]:
    """The kinds of suggestion in ``path``, in the file's order, each with at least one positive value."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        table = document["suggestions"]
        suggestions = [Suggestion(name, tuple(None if v is None else float(v) for v in values))
                       for name, values in table.items()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ReportError(f"{path}: not a find-lr {SUGGESTIONS}: {error!r}") from None
    for suggestion in suggestions:
        if any(v <= 0 or not math.isfinite(v) for v in suggestion.present):
            raise ReportError(f"{path}: {suggestion.name}: rates must be positive numbers")
    return [s for s in suggestions if s.count]


def decades(rate: float, best: float) -> float:
    """``log10(rate / best)``: how many decades ``rate`` lies above (positive) or below ``best``.

    >>> round(decades(0.03, 0.3), 3)
    -1.0
    """
    return math.log10(rate / best)


def suggestion_sentence(suggestions: list[Suggestion], best: float, what: str,
                        within: tuple[float, float] | None = None) -> str:
    """One sentence: each suggestion's median (min–max over its seeds) and its distance from ``best``
    (a ``what``: "constant rate", "base rate"); with ``within`` (the lowest and highest rates within
    noise of the best), whether each median lies in that range."""
    parts = []
    for s in suggestions:
        distance = decades(s.median, best)
        seeds = f"{s.count} seed{'s' if s.count > 1 else ''}" if s.count == s.total else f"{s.count} of {s.total} seeds"
        spread = f"{_g(s.low)}–{_g(s.high)} over {seeds}" if s.count > 1 else f"on {seeds}"
        where = "at" if abs(distance) < 0.005 else f"{abs(distance):.2f} decades {'below' if distance < 0 else 'above'}"
        inside = ""
        if within is not None:
            inside = (", inside" if within[0] <= s.median <= within[1] else ", outside") + \
                     f" the rates within noise of it ({_g(within[0])}–{_g(within[1])})"
        parts.append(f"{s.name} {_g(s.median)} ({spread}) is {where} the sweep's best {what} {_g(best)}{inside}")
    return "find-lr's " + "; its ".join(parts) + "."


def _g(value: float) -> str:
    return f"{value:.4g}"
