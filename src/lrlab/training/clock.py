"""The guarded clock: catch a schedule whose horizon is in the wrong unit, before training.

The commonest real schedule bug is a horizon counted in epochs but stepped per
update (the book's MXNet cosine of ``max_update=20`` ended after 20 of 7050
updates). A schedule's ``horizon`` is the step after which it stops changing;
when it is less than a quarter or more than four times the run's length on the
chosen clock, :func:`clock_warning` says so in words and offers the conversion.
Four is far enough that no sensible schedule trips it (a cosine over two thirds of
a run, a last milestone at the final epoch) and near enough to catch a factor of
an epoch's updates (hundreds).

>>> from lrlab.schedules import parse
>>> print(clock_warning(parse("cosine(max_update=20, base_lr=0.3)"), unit="step", epochs=30, updates_per_epoch=235))
cosine stops changing after 20 updates, 0.3% of this run's 7050 updates: was its horizon (max_update=20) meant in epochs? Run it per epoch with --unit epoch, or keep it per update and stretch it to epochs: stretch(cosine(max_update=20, base_lr=0.3), by=235, mode='hold') holds each epoch's rate for its 235 updates, mode='continuous' interpolates between them.
"""

from __future__ import annotations

FAR = 4
"""A horizon under 1/FAR or over FAR times the run's length draws a warning."""


def clock_warning(schedule, *, unit: str, epochs: int, updates_per_epoch: int) -> str | None:
    """A warning in words when ``schedule.horizon`` is far from the run's length, else None.

    ``unit`` is the clock (``"step"``: ``s`` is called with the update, ``"epoch"``:
    with the epoch); the run lasts ``epochs * updates_per_epoch`` updates.
    """
    horizon = schedule.horizon
    if not horizon:  # None: open-ended; 0: constant from the start
        return None
    length = epochs * updates_per_epoch if unit == "step" else epochs
    if _fits(horizon, length):
        return None
    name, what = schedule.name, _count(horizon, unit)
    if horizon < length:
        said = f"{name} stops changing after {what}, {_percent(horizon / length)} of this run's {_count(length, unit)}"
    else:
        said = (f"{name} stops changing after {what}, "
                f"but this run has only {_count(length, unit)} ({_percent(length / horizon)} of it)")
    return f"{said}: {_advice(schedule, unit, length, epochs, updates_per_epoch)}"


def _advice(schedule, unit: str, length: int, epochs: int, updates_per_epoch: int) -> str:
    """The unit conversion when the horizon fits the other clock, else what the mismatch means."""
    horizon, spec = schedule.horizon, repr(schedule)
    reason = f"was its horizon{_horizon_argument(schedule)} meant in {'epochs' if unit == 'step' else 'updates'}?"
    if unit == "step" and _fits(horizon, epochs):
        return (
            f"{reason} Run it per epoch with --unit epoch, or keep it per update and stretch it to epochs: "
            f"stretch({spec}, by={updates_per_epoch}, mode='hold') holds each epoch's rate for its "
            f"{updates_per_epoch} updates, mode='continuous' interpolates between them."
        )
    if unit == "epoch" and _fits(horizon, epochs * updates_per_epoch):
        return f"{reason} Run it per update with --unit step ({updates_per_epoch} updates per epoch)."
    if horizon < length:
        return "the rest of the run trains at a constant rate. If that is meant, ignore this warning."
    return "most of the schedule is never reached. If that is meant, ignore this warning."


def _fits(horizon: int, length: int) -> bool:
    return 1 / FAR <= horizon / length <= FAR


def _horizon_argument(schedule) -> str:
    """`` (max_update=20)`` when the schedule has that argument: the one to check."""
    value = getattr(schedule, "max_update", None)
    return "" if value is None else f" (max_update={value})"


def _count(n: int, unit: str) -> str:
    word = "update" if unit == "step" else "epoch"
    return f"{n} {word}{'' if n == 1 else 's'}"


def _percent(fraction: float) -> str:
    percent = 100 * fraction
    return f"{percent:.2g}%" if percent < 0.1 else f"{percent:.1f}%" if percent < 10 else f"{percent:.0f}%"
